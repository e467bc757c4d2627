"""Orders API: place, pay, ship, confirm receipt, cancel, review; complaints; merchant orders and money."""
import hashlib
import uuid

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core import errors
from core.api.schema import error_response
from core.errors import DomainError
from core.idempotency import idempotent
from marketplace import errors_catalog as cat_errors
from marketplace import hooks
from marketplace.models import Complaint, Order, OrderStatus, Settlement, Withdrawal
from marketplace.selectors_orders import (
    BUYER,
    MERCHANT,
    MERCHANT_FILTERS,
    complaint_list_for_user,
    order_actions,
    order_get_for_user,
    order_list_for_buyer,
    order_list_for_merchant,
    order_placed_for_detail,
    payment_summary,
    settlement_list_for_shop,
    shipping_address_for,
    timeline,
    user_shop,
    withdrawal_list_for_shop,
)
from marketplace.services.complaints import complaint_file
from marketplace.services.orders import (
    MAX_LINES,
    MAX_QUANTITY,
    order_cancel,
    order_confirm_receipt,
    order_place,
    order_ship,
)
from marketplace.services.payments import order_pay
from marketplace.services.reviews import review_create
from marketplace.services.withdrawals import shop_money, withdrawal_request

RECENT = 20  # settlements and withdrawals shown inline on the balance


# --- shared shapes -------------------------------------------------------------------------------
_error = error_response



E400 = {400: _error("Invalid input (validation_error, malformed_request) or a broken rule "
                    "(listing_unavailable, mixed_shops, own_shop, ...).")}
E401 = {401: _error("Not logged in (not_authenticated).")}
E403 = {403: _error("Logged in but not allowed (permission_denied).")}
E404 = {404: _error("No such order, or not one the caller may see (not_found).")}
E409 = {409: _error("Not possible in the current state (invalid_transition, out_of_stock).")}
E422 = {422: _error("Idempotency-Key reused with a different body, or declined by the payment method "
                    "(e.g. a credit order, with reasons).")}
IDEMPOTENCY_HEADER = OpenApiParameter(
    "Idempotency-Key", str, OpenApiParameter.HEADER, required=False,
    description="Repeat a request safely: the same key and body return the first response and move no money.")
DEVICE_ID_HEADER = OpenApiParameter(
    "X-Device-Id", str, OpenApiParameter.HEADER, required=False,
    description="Optional. A mobile app's stable installation id (the first 100 characters count), so cash-out "
                "risk control can tell when buyer and merchant use one device. Only a keyed hash of it is kept. "
                "Browsers need not send it: they get a signed device cookie.")


class StrictIntegerField(serializers.IntegerField):
    """A JSON integer: "1", 1.5, 1.0 and true are refused rather than coerced."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, int):
            self.fail("invalid")
        return super().to_internal_value(data)


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning them into text."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


def money_field(**kwargs) -> serializers.DecimalField:
    return serializers.DecimalField(max_digits=14, decimal_places=2, coerce_to_string=True, **kwargs)


# --- input ---------------------------------------------------------------------------------------
class OrderLineInput(serializers.Serializer):
    listing = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    quantity = StrictIntegerField(min_value=1, max_value=MAX_QUANTITY)


class ShippingAddressSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)
    phone = StrictCharField(max_length=32, help_text="Mobile phone; merchants only ever see it masked.")
    address = StrictCharField(max_length=500)


class PaymentInput(serializers.Serializer):
    """``{"method": "full"}``, or another registered method with its options (e.g. ``installments``)."""

    method = StrictCharField(max_length=32)
    installments = StrictIntegerField(required=False, help_text='For "installment": 3, 6 or 12.')

    def to_internal_value(self, data):
        validated = super().to_internal_value(data)
        # Options of methods this API does not know are passed on for the method to check.
        extra = {key: value for key, value in data.items() if key not in self.fields}
        return {**extra, **validated}


class OrderCreateInput(serializers.Serializer):
    lines = OrderLineInput(many=True, allow_empty=False, max_length=MAX_LINES)
    shipping_address = ShippingAddressSerializer()
    payment = PaymentInput()


class PayInput(serializers.Serializer):
    outcome = serializers.ChoiceField(choices=["approve", "decline"], default="approve", required=False,
                                      help_text='Sandbox only: "decline" simulates a declined card.')


class ShipInput(serializers.Serializer):
    carrier = StrictCharField(max_length=60)
    tracking_number = StrictCharField(max_length=60)


class CancelInput(serializers.Serializer):
    reason = StrictCharField(max_length=500, required=False, allow_blank=True, default="")


class ReviewInput(serializers.Serializer):
    rating = StrictIntegerField(min_value=1, max_value=5)
    text = StrictCharField(max_length=2000, required=False, allow_blank=True, default="")


class ComplaintInput(serializers.Serializer):
    shop = StrictIntegerField(min_value=1, max_value=2**63 - 1)
    kind = serializers.ChoiceField(choices=Complaint.Kind.choices)
    description = StrictCharField(max_length=4000)
    order = StrictIntegerField(min_value=1, max_value=2**63 - 1, required=False)
    listing = StrictIntegerField(min_value=1, max_value=2**63 - 1, required=False)


class WithdrawalInput(serializers.Serializer):
    amount = money_field(min_value=0)
    bank_name = StrictCharField(max_length=80)
    bank_account = StrictCharField(max_length=40, help_text="Account number (8 to 30 digits); stored encrypted.")


# --- output --------------------------------------------------------------------------------------
class OrderLineSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    listing = serializers.IntegerField(source="listing_id")
    title = serializers.CharField()
    quantity = serializers.IntegerField()
    price = money_field(source="unit_price_amount")
    line_total = money_field(source="line_amount")
    refunded = money_field(source="refunded_amount")


class ShopRefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class PaymentSummarySerializer(serializers.Serializer):
    method = serializers.CharField()
    label = serializers.CharField()
    installments = serializers.IntegerField(allow_null=True)


class TimelineSerializer(serializers.Serializer):
    status = serializers.CharField()
    status_label = serializers.CharField()
    previous_status = serializers.CharField(allow_null=True)
    at = serializers.DateTimeField()
    by = serializers.ChoiceField(choices=["buyer", "merchant", "staff", "system"])
    reason = serializers.CharField()


class OrderSerializer(serializers.Serializer):
    """An order as its buyer, its merchant or staff see it (``context["role"]``)."""

    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=OrderStatus.choices)
    status_label = serializers.CharField(source="get_status_display")
    shop = ShopRefSerializer()
    total = money_field(source="total_amount")
    refunded = money_field(source="refunded_amount")
    lines = OrderLineSerializer(many=True)
    shipping_address = serializers.SerializerMethodField()
    payment = serializers.SerializerMethodField()
    carrier = serializers.CharField()
    tracking_number = serializers.CharField()
    created = serializers.DateTimeField()
    paid_at = serializers.DateTimeField(allow_null=True)
    ship_by = serializers.DateTimeField(allow_null=True)
    shipped_at = serializers.DateTimeField(allow_null=True)
    auto_confirm_at = serializers.DateTimeField(allow_null=True)
    received_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)
    cancelled_at = serializers.DateTimeField(allow_null=True)
    settled_at = serializers.DateTimeField(allow_null=True)

    @extend_schema_field(ShippingAddressSerializer)
    def get_shipping_address(self, order) -> dict:
        return shipping_address_for(order, self.context["role"])

    @extend_schema_field(PaymentSummarySerializer)
    def get_payment(self, order) -> dict:
        return payment_summary(order)


class OrderDetailSerializer(OrderSerializer):
    timeline = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()

    @extend_schema_field(TimelineSerializer(many=True))
    def get_timeline(self, order) -> list:
        return TimelineSerializer(timeline(order), many=True).data

    @extend_schema_field(serializers.ListField(child=serializers.ChoiceField(
        choices=["pay", "confirm_receipt", "review", "ship", "cancel"])))
    def get_actions(self, order) -> list:
        return order_actions(order, self.context["role"])


class ReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id")
    shop = serializers.IntegerField(source="shop_id")
    rating = serializers.IntegerField()
    text = serializers.CharField()
    created = serializers.DateTimeField()


class ComplaintSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    shop = serializers.IntegerField(source="shop_id")
    order = serializers.IntegerField(source="order_id", allow_null=True)
    listing = serializers.IntegerField(source="listing_id", allow_null=True)
    kind = serializers.ChoiceField(choices=Complaint.Kind.choices)
    description = serializers.CharField()
    status = serializers.ChoiceField(choices=Complaint.Status.choices)
    outcome = serializers.CharField()
    created = serializers.DateTimeField()
    resolved_at = serializers.DateTimeField(allow_null=True)


class SettlementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id")
    gross = money_field(source="gross_amount")
    commission = money_field(source="commission_amount")
    fee = money_field(source="fee_amount")
    net = money_field(source="net_amount")
    created = serializers.DateTimeField()


class WithdrawalSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    amount = money_field()
    bank_name = serializers.CharField()
    bank_account = serializers.SerializerMethodField(help_text="Masked: the last four digits.")
    status = serializers.CharField()
    created = serializers.DateTimeField()

    def get_bank_account(self, withdrawal) -> str:
        return f"****{withdrawal.bank_account[-4:]}"


class BalanceSerializer(serializers.Serializer):
    balance = money_field(help_text="What you can withdraw.")
    deposit = money_field(help_text="Your guarantee deposit.")
    owed_to_platform = money_field(help_text="Refunds the platform paid for you; recovered from your next "
                                             "settlements.")
    settlements = SettlementSerializer(many=True)
    withdrawals = WithdrawalSerializer(many=True)


# --- helpers -------------------------------------------------------------------------------------
def visible_order(request, pk) -> tuple[Order, str]:
    try:
        return order_get_for_user(user=request.user, pk=pk)
    except Order.DoesNotExist:
        raise DomainError(errors.NOT_FOUND, _("No such order.")) from None


def render_order(request, pk) -> dict:
    order, role = visible_order(request, pk)
    return OrderDetailSerializer(order, context={"role": role, "request": request}).data


def my_shop(request):
    shop = user_shop(request.user)
    if shop is None:
        raise DomainError(cat_errors.NO_SHOP, _("Open a shop first."))
    return shop


def _action_schema(summary, request=None, extra=None):
    return extend_schema(summary=summary, request=request,
                         responses={200: OrderDetailSerializer, **E400, **E401, **E403, **E404, **E409,
                                    **(extra or {})})


# --- orders --------------------------------------------------------------------------------------
class OrderListCreate(generics.GenericAPIView):
    serializer_class = OrderSerializer
    queryset = Order.objects.none()  # for the schema; requests read through the selectors

    @extend_schema(summary="My orders (as buyer)", responses={200: OrderSerializer(many=True), **E401})
    def get(self, request):
        page = self.paginate_queryset(order_list_for_buyer(buyer=request.user))
        return self.get_paginated_response(OrderSerializer(page, many=True, context={"role": BUYER}).data)

    @extend_schema(summary="Place an order from one shop", request=OrderCreateInput, parameters=[DEVICE_ID_HEADER],
                   responses={201: OrderDetailSerializer, **E400, **E401, **E409, **E422})
    def post(self, request):
        data = OrderCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        order = order_place(buyer=request.user, lines=[dict(line) for line in data.validated_data["lines"]],
                            shipping_address=dict(data.validated_data["shipping_address"]),
                            payment=dict(data.validated_data["payment"]), context=hooks.checkout_context(request))
        # The buyer sees the order they placed; the service returned it fresh, with its shop.
        body = OrderDetailSerializer(order_placed_for_detail(order), context={"role": BUYER, "request": request})
        return Response(body.data, status=status.HTTP_201_CREATED)


class OrderDetail(APIView):
    @extend_schema(summary="An order (its buyer, its merchant, or staff)",
                   responses={200: OrderDetailSerializer, **E401, **E404})
    def get(self, request, pk):
        return Response(render_order(request, pk))


class OrderPay(APIView):
    @extend_schema(summary="Pay an order in full (buyer; sandbox provider)", request=PayInput,
                   parameters=[IDEMPOTENCY_HEADER],
                   responses={200: OrderDetailSerializer, 402: _error("The card was declined (payment_declined)."),
                              **E400, **E401, **E403, **E404, **E409, **E422})
    @idempotent("order-pay")
    def post(self, request, pk):
        order, _role = visible_order(request, pk)
        data = PayInput(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip() or f"auto-{uuid.uuid4().hex}"
        order_pay(actor=request.user, order=order, outcome=data.validated_data["outcome"], idempotency_key=key)
        return Response(render_order(request, pk))


class OrderShip(APIView):
    @_action_schema("Ship an order (the shop's owner)", ShipInput)
    def post(self, request, pk):
        order, _role = visible_order(request, pk)
        data = ShipInput(data=request.data)
        data.is_valid(raise_exception=True)
        order_ship(actor=request.user, order=order, **data.validated_data)
        return Response(render_order(request, pk))


class OrderConfirmReceipt(APIView):
    @_action_schema("Confirm receipt (buyer): the order completes")
    def post(self, request, pk):
        order, _role = visible_order(request, pk)
        order_confirm_receipt(actor=request.user, order=order)
        return Response(render_order(request, pk))


class OrderCancel(APIView):
    @_action_schema("Cancel an order before it ships (buyer or merchant); money goes back", CancelInput)
    def post(self, request, pk):
        order, _role = visible_order(request, pk)
        data = CancelInput(data=request.data)
        data.is_valid(raise_exception=True)
        order_cancel(actor=request.user, order=order, reason=data.validated_data["reason"])
        return Response(render_order(request, pk))


class OrderReview(APIView):
    @extend_schema(summary="Review a completed order (buyer, once)", request=ReviewInput,
                   responses={201: ReviewSerializer, **E400, **E401, **E403, **E404, **E409})
    def post(self, request, pk):
        order, _role = visible_order(request, pk)
        data = ReviewInput(data=request.data)
        data.is_valid(raise_exception=True)
        review = review_create(actor=request.user, order=order, **data.validated_data)
        return Response(ReviewSerializer(review).data, status=status.HTTP_201_CREATED)


# --- merchant ------------------------------------------------------------------------------------
class MerchantOrderList(generics.GenericAPIView):
    serializer_class = OrderSerializer
    queryset = Order.objects.none()

    @extend_schema(summary="My shop's orders (the buyer's phone masked)",
                   parameters=[OpenApiParameter("status", str, enum=list(MERCHANT_FILTERS),
                                                description="to_ship: paid and not yet shipped, soonest first")],
                   responses={200: OrderSerializer(many=True), **E401, **E403})
    def get(self, request):
        shop = my_shop(request)
        wanted = request.query_params.get("status", "all")
        if wanted not in MERCHANT_FILTERS and wanted not in OrderStatus.values:
            raise DomainError(errors.VALIDATION_ERROR, _("Unknown status filter."),
                              fields={"status": [_("Unknown status filter.")]})
        page = self.paginate_queryset(order_list_for_merchant(shop=shop, status=wanted))
        return self.get_paginated_response(OrderSerializer(page, many=True, context={"role": MERCHANT}).data)


class MerchantBalance(APIView):
    @extend_schema(summary="My shop's balance, deposit, recent settlements and withdrawals",
                   responses={200: BalanceSerializer, **E401, **E403})
    def get(self, request):
        shop = my_shop(request)
        money = shop_money(shop)
        return Response(BalanceSerializer({
            "balance": money["balance"], "deposit": money["deposit"], "owed_to_platform": money["owed"],
            "settlements": settlement_list_for_shop(shop=shop)[:RECENT],
            "withdrawals": withdrawal_list_for_shop(shop=shop)[:RECENT],
        }).data)


class MerchantSettlementList(generics.GenericAPIView):
    serializer_class = SettlementSerializer
    queryset = Settlement.objects.none()

    @extend_schema(summary="My shop's settlements", responses={200: SettlementSerializer(many=True), **E401, **E403})
    def get(self, request):
        page = self.paginate_queryset(settlement_list_for_shop(shop=my_shop(request)))
        return self.get_paginated_response(SettlementSerializer(page, many=True).data)


class MerchantWithdrawals(generics.GenericAPIView):
    serializer_class = WithdrawalSerializer
    queryset = Withdrawal.objects.none()

    @extend_schema(summary="My shop's withdrawals", responses={200: WithdrawalSerializer(many=True), **E401, **E403})
    def get(self, request):
        page = self.paginate_queryset(withdrawal_list_for_shop(shop=my_shop(request)))
        return self.get_paginated_response(WithdrawalSerializer(page, many=True).data)

    @extend_schema(summary="Withdraw from my balance to a bank account", request=WithdrawalInput,
                   parameters=[IDEMPOTENCY_HEADER],
                   responses={201: WithdrawalSerializer, **E400, **E401, **E403, **E422,
                              502: _error("The bank transfer failed (payout_failed); nothing was deducted.")})
    @idempotent("merchant-withdrawal")
    def post(self, request):
        shop = my_shop(request)
        data = WithdrawalInput(data=request.data)
        data.is_valid(raise_exception=True)
        key = request.headers.get("Idempotency-Key", "").strip() or f"auto-{uuid.uuid4().hex}"
        if len(key) > 100:  # the header allows 255; the books' key has room for a digest
            key = hashlib.sha256(key.encode()).hexdigest()
        withdrawal = withdrawal_request(actor=request.user, shop=shop, idempotency_key=key,
                                        **data.validated_data)
        return Response(WithdrawalSerializer(withdrawal).data, status=status.HTTP_201_CREATED)


# --- complaints ----------------------------------------------------------------------------------
class ComplaintListCreate(generics.GenericAPIView):
    serializer_class = ComplaintSerializer
    queryset = Complaint.objects.none()

    @extend_schema(summary="My complaints", responses={200: ComplaintSerializer(many=True), **E401})
    def get(self, request):
        page = self.paginate_queryset(complaint_list_for_user(user=request.user))
        return self.get_paginated_response(ComplaintSerializer(page, many=True).data)

    @extend_schema(summary="Complain about a shop", request=ComplaintInput,
                   responses={201: ComplaintSerializer, **E400, **E401, **E403})
    def post(self, request):
        data = ComplaintInput(data=request.data)
        data.is_valid(raise_exception=True)
        complaint = complaint_file(actor=request.user, **data.validated_data)
        return Response(ComplaintSerializer(complaint).data, status=status.HTTP_201_CREATED)
