"""Marketplace API routes under /api/v1/: accounts, catalogue, orders."""
from django.urls import include, path

from marketplace.api import accounts

urlpatterns = [
    path("auth/register/", accounts.RegisterView.as_view(), name="api-register"),
    path("auth/token/", accounts.TokenView.as_view(), name="api-token"),
    path("me/", accounts.MeView.as_view(), name="api-me"),
    path("", include("marketplace.api.catalog_urls")),
    path("", include("marketplace.api.order_urls")),
]
