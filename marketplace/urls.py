"""Website routes of the marketplace: the catalogue and orders."""
from django.urls import include, path

urlpatterns = [
    path("", include("marketplace.web.catalog_urls")),
    path("", include("marketplace.web.order_urls")),
]
