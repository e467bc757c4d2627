"""Catalogue API: shops, categories, listings and their images; staff verification and removal."""
import uuid
from decimal import Decimal
from functools import lru_cache, partial

from django.db import transaction
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, permissions, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core.api.pagination import Pagination
from core.api.schema import error_response
from core.errors import DomainError
from core.idempotency import idempotent
from marketplace import errors_catalog as cat_errors
from marketplace.models import Category, Listing, ListingStatus, Shop
from marketplace.selectors_catalog import (
    CachedCountPaginator,
    ListingFilter,
    can_see_hidden_shops,
    category_list,
    category_resolve,
    listing_for_render,
    listing_list_for_merchant,
    listing_list_for_public,
    listing_monthly_from,
    listings_visible_to,
    search_count_key,
    shop_get_for_owner,
    shop_list_for_public,
    shops_visible_to,
)
from marketplace.services import listings as listing_services
from marketplace.services import shops as shop_services

# --- shared shapes -------------------------------------------------------------------------------
_error = error_response



E400 = {400: _error("Invalid input (validation_error, malformed_request) or a broken rule.")}
E401 = {401: _error("Not logged in (not_authenticated).")}
E403 = {403: _error("Logged in but not allowed (permission_denied).")}
E404 = {404: _error("No such resource, or not one the caller may see (not_found).")}
E409 = {409: _error("Not possible in the current state (invalid_transition).")}
E404_PAGE = {404: _error("No such page of results (not_found).")}


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


@extend_schema_field(OpenApiTypes.INT)
class CategoryInputField(serializers.Field):
    """A category by id (or slug); anything else is a validation error, never a 500."""

    default_error_messages = {"unknown": _("Unknown category."), "invalid": _("Give a category id.")}

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("invalid")
        if isinstance(data, int) and not 0 < data < 2**63:
            self.fail("unknown")
        category = category_resolve(data)
        if category is None:
            self.fail("unknown")
        return category

    def to_representation(self, value):
        return value.pk


def money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


@extend_schema_field({"type": "string", "format": "decimal", "pattern": r"^-?\d{0,12}(?:\.\d{0,2})?$",
                      "x-optional": True})
class OptionalMoneyField(serializers.DecimalField):
    """A read-only amount some viewers do not get (drf-spectacular would mark it required)."""


# --- shops ---------------------------------------------------------------------------------------
class ShopSummarySerializer(serializers.ModelSerializer):
    has_deposit = serializers.BooleanField(read_only=True)

    class Meta:
        model = Shop
        fields = ["id", "name", "rating", "dispute_rate", "verification_status", "has_deposit"]
        read_only_fields = fields


class ShopSerializer(serializers.ModelSerializer):
    has_deposit = serializers.BooleanField(read_only=True)
    # Left out for everyone but the owner and staff: optional in the schema (see OptionalMoneyField).
    deposit_amount = OptionalMoneyField(max_digits=14, decimal_places=2, coerce_to_string=True, read_only=True,
                                        help_text="Only shown to the shop's owner and to staff.")

    class Meta:
        model = Shop
        fields = ["id", "name", "description", "verification_status", "verified_at", "rating", "review_count",
                  "dispute_rate", "on_time_rate", "has_deposit", "deposit_amount", "created"]
        read_only_fields = fields

    def to_representation(self, shop):
        data = super().to_representation(shop)
        viewer = getattr(self.context.get("request"), "user", None)
        if not (viewer and viewer.is_authenticated and (viewer.pk == shop.owner_id or can_see_hidden_shops(viewer))):
            data.pop("deposit_amount", None)
        return data


class ShopInput(serializers.Serializer):
    name = StrictCharField(max_length=shop_services.NAME_MAX_LENGTH, min_length=shop_services.NAME_MIN_LENGTH)
    description = StrictCharField(max_length=shop_services.DESCRIPTION_MAX_LENGTH, allow_blank=True,
                                  required=False, default="")


class ShopPatchInput(serializers.Serializer):
    name = StrictCharField(max_length=shop_services.NAME_MAX_LENGTH, min_length=shop_services.NAME_MIN_LENGTH,
                           required=False)
    description = StrictCharField(max_length=shop_services.DESCRIPTION_MAX_LENGTH, allow_blank=True,
                                  required=False)


class DepositInput(serializers.Serializer):
    amount = money_field(min_value=Decimal("0.01"))
    outcome = serializers.ChoiceField(choices=shop_services.DEPOSIT_OUTCOMES, default="approve",
                                      help_text='"decline" simulates a declined card on the sandbox provider.')


class ReasonInput(serializers.Serializer):
    reason = StrictCharField(max_length=500)


class ReadOrAuthenticated(permissions.BasePermission):
    """Browsing needs no login; everything else does."""

    def has_permission(self, request, view):
        return request.method in permissions.SAFE_METHODS or bool(request.user and request.user.is_authenticated)


class ShopListCreate(generics.ListAPIView):
    permission_classes = [ReadOrAuthenticated]
    serializer_class = ShopSerializer
    filter_backends: list = []

    def get_queryset(self):
        queryset = shop_list_for_public()
        q = self.request.query_params.get("q", "").replace("\x00", "").strip()[:80]  # PostgreSQL refuses NUL
        return queryset.filter(name__icontains=q) if q else queryset

    @extend_schema(summary="Verified shops", parameters=[OpenApiParameter("q", str, description="Part of the name")],
                   responses={200: ShopSerializer(many=True), **E404_PAGE})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Open my shop (pending until staff verify it)", request=ShopInput,
                   responses={201: ShopSerializer, **E400, **E401,
                              409: _error("The caller already has a shop (shop_exists).")})
    def post(self, request):
        data = ShopInput(data=request.data)
        data.is_valid(raise_exception=True)
        shop = shop_services.shop_open(actor=request.user, **data.validated_data)
        return Response(ShopSerializer(shop, context={"request": request}).data, status=status.HTTP_201_CREATED)


def _visible_shop(request, pk) -> Shop:
    return get_object_or_404(shops_visible_to(request.user), pk=pk)


class ShopDetail(APIView):
    permission_classes = [ReadOrAuthenticated]

    @extend_schema(summary="A shop", responses={200: ShopSerializer, **E404})
    def get(self, request, pk):
        return Response(ShopSerializer(_visible_shop(request, pk), context={"request": request}).data)

    @extend_schema(summary="Edit my shop's profile", request=ShopPatchInput,
                   responses={200: ShopSerializer, **E400, **E401, **E403, **E404})
    def patch(self, request, pk):
        shop = _visible_shop(request, pk)
        shop_services.require_shop_owner(request.user, shop)
        data = ShopPatchInput(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        shop = shop_services.shop_update(actor=request.user, shop=shop, **data.validated_data)
        return Response(ShopSerializer(shop, context={"request": request}).data)


class ShopDeposit(APIView):
    @extend_schema(
        summary="Post a guarantee deposit (owner)", request=DepositInput,
        parameters=[OpenApiParameter("Idempotency-Key", str, OpenApiParameter.HEADER,
                                     description="Repeat a request safely: the same key answers the same.")],
        responses={200: ShopSerializer, **E400, **E401,
                   402: _error("The payment provider declined (payment_declined)."), **E403, **E404,
                   409: _error("The same Idempotency-Key is still being processed."),
                   422: _error("The Idempotency-Key was used with a different request.")},
    )
    @idempotent("shop-deposit")
    def post(self, request, pk):
        shop = _visible_shop(request, pk)
        shop_services.require_shop_owner(request.user, shop)
        data = DepositInput(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip() or f"auto-{uuid.uuid4().hex}"
        shop_services.deposit_post(actor=request.user, shop=shop, amount=data.validated_data["amount"],
                                   outcome=data.validated_data["outcome"], idempotency_key=key)
        return Response(ShopSerializer(shop, context={"request": request}).data)


class _StaffShopAction(APIView):
    def _shop(self, request, pk) -> Shop:
        # Permission first: without it, whether a shop exists is none of the caller's business.
        shop_services.require_staff_permission(request.user, shop_services.CHANGE_SHOP)
        return get_object_or_404(Shop, pk=pk)


class StaffShopVerify(_StaffShopAction):
    @extend_schema(summary="Verify a shop (staff)", request=None,
                   responses={200: ShopSerializer, **E401, **E403, **E404, **E409})
    def post(self, request, pk):
        shop = shop_services.shop_verify(actor=request.user, shop=self._shop(request, pk))
        return Response(ShopSerializer(shop, context={"request": request}).data)


class StaffShopSuspend(_StaffShopAction):
    @extend_schema(summary="Suspend a shop (staff)", request=ReasonInput,
                   responses={200: ShopSerializer, **E400, **E401, **E403, **E404, **E409})
    def post(self, request, pk):
        shop = self._shop(request, pk)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        shop = shop_services.shop_suspend(actor=request.user, shop=shop, reason=data.validated_data["reason"])
        return Response(ShopSerializer(shop, context={"request": request}).data)


# --- categories ----------------------------------------------------------------------------------
class CategorySerializer(serializers.ModelSerializer):
    name = serializers.CharField(read_only=True, help_text="In the request's language.")

    class Meta:
        model = Category
        fields = ["id", "slug", "name", "name_zh", "name_en", "parent", "position", "is_virtual"]
        read_only_fields = fields


class CategoryPagination(Pagination):
    page_size = 200  # the whole tree fits on one page
    max_page_size = 500


class CategoryList(generics.ListAPIView):
    """Every category, flat, parents before children; ``parent`` links the tree."""

    permission_classes = [permissions.AllowAny]
    serializer_class = CategorySerializer
    pagination_class = CategoryPagination
    filter_backends: list = []
    queryset = Category.objects.all()

    @extend_schema(summary="Categories", responses={200: CategorySerializer(many=True), **E404_PAGE})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def list(self, request, *args, **kwargs):
        categories = category_list()
        page = self.paginate_queryset(categories)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)


# --- listings ------------------------------------------------------------------------------------
class GuaranteeSerializer(serializers.Serializer):
    return_days = serializers.IntegerField(help_text="No-reason return window, days from receipt.")
    exchange_days = serializers.IntegerField()
    quality_days = serializers.IntegerField(help_text="Quality-claim window, days from receipt.")


class ListingImageSerializer(serializers.Serializer):
    url = serializers.SerializerMethodField()
    thumbnail_url = serializers.SerializerMethodField()
    alt_text = serializers.CharField()

    def _absolute(self, field) -> str | None:
        if not field:
            return None
        request = self.context.get("request")
        return request.build_absolute_uri(field.url) if request else field.url

    def get_url(self, image) -> str:
        return self._absolute(image.image)

    def get_thumbnail_url(self, image) -> str | None:
        return self._absolute(image.thumbnail)


class ListingSerializer(serializers.ModelSerializer):
    price = money_field(source="price_amount", read_only=True)
    category = serializers.IntegerField(source="category_id", read_only=True)
    category_name = serializers.CharField(source="category.name", read_only=True)
    shop = ShopSummarySerializer(read_only=True)
    guarantee = GuaranteeSerializer(source="*", read_only=True)
    images = ListingImageSerializer(many=True, read_only=True)
    monthly_from = serializers.SerializerMethodField(
        help_text='Lowest "from ¥X / month" amount of the instalment offers, or null.')

    class Meta:
        model = Listing
        fields = ["id", "title", "description", "price", "stock", "status", "category", "category_name", "shop",
                  "guarantee", "installments_available", "merchant_pays_fee", "images", "monthly_from", "created",
                  "modified"]
        read_only_fields = fields

    @extend_schema_field(serializers.DecimalField(max_digits=14, decimal_places=2, allow_null=True))
    def get_monthly_from(self, listing) -> str | None:
        amount = listing_monthly_from(listing)
        return None if amount is None else f"{amount:.2f}"

    def to_representation(self, listing):
        """The fields declared above (they define the API and its schema), written out directly.

        DRF's generic walk — ModelSerializer's introspection for every request, a lookup
        and a call per field per listing — was nearly half a search request's time.
        tests/marketplace/catalog/test_listing_output.py holds this equal to the generic output.
        """
        f = _formats()
        shop = listing.shop
        request = self.context.get("request")
        absolute = request.build_absolute_uri if request else (lambda url: url)
        return {
            "id": listing.pk, "title": listing.title, "description": listing.description,
            "price": f["money"](listing.price_amount), "stock": listing.stock, "status": listing.status,
            "category": listing.category_id, "category_name": listing.category.name,
            "shop": {"id": shop.pk, "name": shop.name, "rating": f["rating"](shop.rating),
                     "dispute_rate": f["dispute_rate"](shop.dispute_rate),
                     "verification_status": shop.verification_status, "has_deposit": shop.has_deposit},
            "guarantee": {"return_days": listing.return_days, "exchange_days": listing.exchange_days,
                          "quality_days": listing.quality_days},
            "installments_available": listing.installments_available,
            "merchant_pays_fee": listing.merchant_pays_fee,
            "images": [{"url": absolute(image.image.url) if image.image else None,
                        "thumbnail_url": absolute(image.thumbnail.url) if image.thumbnail else None,
                        "alt_text": image.alt_text} for image in listing.images.all()],
            "monthly_from": self.get_monthly_from(listing),
            "created": f["datetime"](listing.created), "modified": f["datetime"](listing.modified),
        }


@lru_cache(maxsize=1)
def _formats() -> dict:
    """How ListingSerializer's declared fields write values (the fields themselves, built once)."""
    fields = serializers.ModelSerializer.get_fields(ListingSerializer())
    shop = fields["shop"].fields
    return {"money": fields["price"].to_representation, "datetime": fields["created"].to_representation,
            "rating": shop["rating"].to_representation, "dispute_rate": shop["dispute_rate"].to_representation}


class ListingInput(serializers.Serializer):
    title = StrictCharField(max_length=listing_services.TITLE_MAX_LENGTH)
    description = StrictCharField(max_length=listing_services.DESCRIPTION_MAX_LENGTH, allow_blank=True,
                                  required=False, default="")
    price = money_field(min_value=Decimal("0.01"))
    stock = serializers.IntegerField(min_value=0, max_value=listing_services.MAX_STOCK)
    category = CategoryInputField()
    installments_available = serializers.BooleanField(required=False, default=False)
    merchant_pays_fee = serializers.BooleanField(required=False, default=False)
    return_days = serializers.IntegerField(required=False, min_value=0, max_value=10_000)
    exchange_days = serializers.IntegerField(required=False, min_value=0, max_value=10_000)
    quality_days = serializers.IntegerField(required=False, min_value=0, max_value=10_000)
    status = serializers.ChoiceField(choices=[ListingStatus.ACTIVE.value, ListingStatus.DRAFT.value],
                                     required=False, default=ListingStatus.ACTIVE.value)


class ListingPatchInput(ListingInput):
    status = serializers.ChoiceField(
        choices=[ListingStatus.ACTIVE.value, ListingStatus.PAUSED.value], required=False,
        help_text="Publish or pause; the same as the activate and pause actions.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, partial=True, **kwargs)


class ImageInput(serializers.Serializer):
    file = serializers.FileField(help_text="JPEG, PNG or WebP, at most 5 MB and 6000 × 6000 pixels.")
    alt_text = StrictCharField(max_length=200, required=False, allow_blank=True, default="")


def _listing_response(request, listing: Listing, *, status_code=status.HTTP_200_OK) -> Response:
    # Re-read with the relations the serializer needs; the caller has already been authorised.
    listing = listing_for_render(listing.pk)
    return Response(ListingSerializer(listing, context={"request": request}).data, status=status_code)


def _my_shop(request) -> Shop:
    shop = shop_get_for_owner(request.user)
    if shop is None:
        raise DomainError(cat_errors.NO_SHOP, _("Open a shop before you publish listings."))
    return shop


_LISTING_FILTERS = [
    OpenApiParameter("q", str, description="Words to search for (Chinese works without spaces)."),
    OpenApiParameter("category", str, description="Category id or slug; includes its sub-categories."),
    OpenApiParameter("shop", int), OpenApiParameter("min_price", str), OpenApiParameter("max_price", str),
    OpenApiParameter("installments", bool, description="true: only listings offering instalments."),
    OpenApiParameter("guarantee", str, enum=["extended", "quality"],
                     description="extended: returns longer than 7 days; quality: 90-day quality claims."),
    OpenApiParameter("ordering", str, enum=["-created", "price", "-price"]),
    OpenApiParameter("page", int), OpenApiParameter("page_size", int, description="At most 100."),
]


class SearchPagination(Pagination):
    """The public listing search: the total count is cached per search (``CachedCountPaginator``)."""

    def paginate_queryset(self, queryset, request, view=None):
        self.django_paginator_class = partial(CachedCountPaginator,
                                              cache_key=search_count_key(request.query_params))
        return super().paginate_queryset(queryset, request, view)


class ListingListCreate(generics.ListAPIView):
    permission_classes = [ReadOrAuthenticated]
    serializer_class = ListingSerializer
    filterset_class = ListingFilter
    pagination_class = SearchPagination

    def get_queryset(self):
        return listing_list_for_public()

    @extend_schema(summary="Search listings", parameters=_LISTING_FILTERS, filters=False,
                   responses={200: ListingSerializer(many=True), **E400, **E404_PAGE})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    @extend_schema(summary="Publish a listing (owner of a verified shop)", request=ListingInput,
                   responses={201: ListingSerializer, **E400, **E401,
                              403: _error("No shop (no_shop) or the shop is not verified (shop_not_verified).")})
    def post(self, request):
        shop = _my_shop(request)
        data = ListingInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = {**listing_services.default_windows(), **data.validated_data}
        listing = listing_services.listing_create(actor=request.user, shop=shop, **values)
        return _listing_response(request, listing, status_code=status.HTTP_201_CREATED)


def _visible_listing(request, pk) -> Listing:
    return get_object_or_404(listings_visible_to(request.user), pk=pk)


class ListingDetail(APIView):
    permission_classes = [ReadOrAuthenticated]

    @extend_schema(summary="A listing", responses={200: ListingSerializer, **E404})
    def get(self, request, pk):
        return Response(ListingSerializer(_visible_listing(request, pk), context={"request": request}).data)

    @extend_schema(summary="Edit my listing", request=ListingPatchInput,
                   responses={200: ListingSerializer, **E400, **E401, **E403, **E404, **E409})
    def patch(self, request, pk):
        listing = _visible_listing(request, pk)
        shop_services.require_shop_owner(request.user, listing.shop)
        data = ListingPatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        changes = dict(data.validated_data)
        new_status = changes.pop("status", None)
        # One transaction: a refused status change must not leave the field changes behind.
        with transaction.atomic():
            if changes:
                listing_services.listing_update(actor=request.user, listing=listing, **changes)
            if new_status is not None and new_status != listing.status:
                listing_services.listing_transition(actor=request.user, listing=listing, to=new_status)
        return _listing_response(request, listing)


class _ListingAction(APIView):
    target = ""

    def post(self, request, pk):
        listing = _visible_listing(request, pk)
        listing_services.listing_transition(actor=request.user, listing=listing, to=self.target)
        return _listing_response(request, listing)


_ACTION_RESPONSES = {200: ListingSerializer, **E401, **E403, **E404, **E409}


@extend_schema(summary="Pause my listing", request=None, responses=_ACTION_RESPONSES)
class ListingPause(_ListingAction):
    target = ListingStatus.PAUSED


@extend_schema(summary="Publish or re-activate my listing", request=None, responses=_ACTION_RESPONSES)
class ListingActivate(_ListingAction):
    target = ListingStatus.ACTIVE


class ListingImages(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(summary="Add an image to my listing", request={"multipart/form-data": ImageInput},
                   responses={201: ListingSerializer, **E400, **E401, **E403, **E404,
                              413: _error("The upload is too large (request_too_large)."),
                              415: _error("Not a multipart request (unsupported_media_type).")})
    def post(self, request, pk):
        listing = _visible_listing(request, pk)
        shop_services.require_shop_owner(request.user, listing.shop)
        data = ImageInput(data=request.data)
        data.is_valid(raise_exception=True)
        listing_services.listing_add_image(actor=request.user, listing=listing, **data.validated_data)
        return _listing_response(request, listing, status_code=status.HTTP_201_CREATED)


class StaffListingRemove(APIView):
    @extend_schema(summary="Remove a listing (staff)", request=ReasonInput,
                   responses={200: ListingSerializer, **E400, **E401, **E403, **E404, **E409})
    def post(self, request, pk):
        shop_services.require_staff_permission(request.user, listing_services.CHANGE_LISTING)
        listing = get_object_or_404(Listing, pk=pk)
        data = ReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        listing_services.listing_remove(actor=request.user, listing=listing, reason=data.validated_data["reason"])
        return _listing_response(request, listing)


class MerchantListingList(generics.ListAPIView):
    """My shop's listings in every state, newest first."""

    serializer_class = ListingSerializer
    filter_backends: list = []

    def get_queryset(self):
        return listing_list_for_merchant(shop=_my_shop(self.request))

    @extend_schema(summary="My shop's listings", responses={200: ListingSerializer(many=True), **E401,
                                                            403: _error("The caller has no shop (no_shop)."),
                                                            **E404_PAGE})
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class MyShop(APIView):
    @extend_schema(summary="My shop", responses={200: ShopSerializer, **E401,
                                                 403: _error("The caller has no shop (no_shop).")})
    def get(self, request):
        return Response(ShopSerializer(_my_shop(request), context={"request": request}).data)

