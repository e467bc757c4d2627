"""Website routes of the catalogue (included at the site root)."""
from django.urls import path

from marketplace.web import catalog

urlpatterns = [
    path("", catalog.home, name="home"),
    path("listings/", catalog.listing_search, name="listing-search"),
    path("listings/<int:pk>/", catalog.listing_detail, name="listing-detail"),
    path("shops/<int:pk>/", catalog.shop_detail, name="shop-detail"),
    path("merchant/", catalog.merchant_dashboard, name="merchant-dashboard"),
    path("merchant/shop/open/", catalog.merchant_shop_open, name="merchant-shop-open"),
    path("merchant/shop/edit/", catalog.merchant_shop_edit, name="merchant-shop-edit"),
    path("merchant/shop/deposit/", catalog.merchant_deposit, name="merchant-deposit"),
    path("merchant/listings/", catalog.merchant_listings, name="merchant-listings"),
    path("merchant/listings/new/", catalog.merchant_listing_create, name="merchant-listing-create"),
    path("merchant/listings/<int:pk>/edit/", catalog.merchant_listing_edit, name="merchant-listing-edit"),
    path("merchant/listings/<int:pk>/images/", catalog.merchant_listing_image, name="merchant-listing-image"),
    path("merchant/listings/<int:pk>/images/<int:image_pk>/delete/", catalog.merchant_listing_image_delete,
         name="merchant-listing-image-delete"),
    path("merchant/listings/<int:pk>/<slug:action>/", catalog.merchant_listing_transition,
         name="merchant-listing-transition"),
]
