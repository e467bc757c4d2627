"""API routes of the catalogue (included under /api/v1/)."""
from django.urls import path

from marketplace.api import catalog

urlpatterns = [
    path("shops/", catalog.ShopListCreate.as_view(), name="api-shop-list"),
    path("shops/mine/", catalog.MyShop.as_view(), name="api-shop-mine"),
    path("shops/<int:pk>/", catalog.ShopDetail.as_view(), name="api-shop-detail"),
    path("shops/<int:pk>/deposit/", catalog.ShopDeposit.as_view(), name="api-shop-deposit"),
    path("categories/", catalog.CategoryList.as_view(), name="api-category-list"),
    path("listings/", catalog.ListingListCreate.as_view(), name="api-listing-list"),
    path("listings/<int:pk>/", catalog.ListingDetail.as_view(), name="api-listing-detail"),
    path("listings/<int:pk>/pause/", catalog.ListingPause.as_view(), name="api-listing-pause"),
    path("listings/<int:pk>/activate/", catalog.ListingActivate.as_view(), name="api-listing-activate"),
    path("listings/<int:pk>/images/", catalog.ListingImages.as_view(), name="api-listing-images"),
    path("merchant/listings/", catalog.MerchantListingList.as_view(), name="api-merchant-listings"),
    path("staff/shops/<int:pk>/verify/", catalog.StaffShopVerify.as_view(), name="api-staff-shop-verify"),
    path("staff/shops/<int:pk>/suspend/", catalog.StaffShopSuspend.as_view(), name="api-staff-shop-suspend"),
    path("staff/listings/<int:pk>/remove/", catalog.StaffListingRemove.as_view(), name="api-staff-listing-remove"),
]
