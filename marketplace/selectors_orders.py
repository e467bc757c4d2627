"""Reads about orders and merchant money, scoped to who asks (buyer, merchant, staff)."""
from collections import OrderedDict

from django.db.models import Exists, OuterRef, Prefetch, QuerySet, prefetch_related_objects

from core.money import ZERO, quantize
from core.pii import mask_name, mask_phone, mask_text
from marketplace import hooks
from marketplace.models import (
    CartItem,
    Complaint,
    Order,
    OrderStatus,
    OrderStatusChange,
    Review,
    Settlement,
    Shop,
    Withdrawal,
)
from marketplace.services.orders import SYSTEM_REASONS, awaiting_receipt, awaiting_shipment, can_cancel
from marketplace.services.reviews import can_review

BUYER, MERCHANT, STAFF = "buyer", "merchant", "staff"
VIEW_ORDER = "marketplace.view_order"
# An order still on its way: the merchant needs the address for delivery and returns.
CLOSED = (OrderStatus.COMPLETED, OrderStatus.CANCELLED, OrderStatus.REFUNDED)
# Merchant list filters: "to_ship" is what a merchant works through every day.
MERCHANT_FILTERS = ("to_ship", "pending_payment", "shipped", "completed", "cancelled", "refunds", "all")


def _with_lines(queryset: QuerySet) -> QuerySet:
    return queryset.select_related("shop").prefetch_related("lines")


def order_list_for_buyer(*, buyer) -> QuerySet[Order]:
    return _with_lines(Order.objects.filter(buyer=buyer)).order_by("-created", "-pk")


def user_shop(user) -> Shop | None:
    if not user.is_authenticated:
        return None
    return Shop.objects.filter(owner=user).first()


def order_list_for_merchant(*, shop, status: str = "all") -> QuerySet[Order]:
    orders = _with_lines(Order.objects.filter(shop=shop)).order_by("-created", "-pk")
    if status == "to_ship":
        orders = orders.filter(status__in=[OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED], shipped_at__isnull=True,
                               cancelled_at__isnull=True).order_by("ship_by", "pk")
    elif status == "refunds":
        orders = orders.filter(status__in=[OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED])
    elif status in OrderStatus.values:
        orders = orders.filter(status=status)
    return orders


def order_viewer_role(order, user) -> str | None:
    """How ``user`` may see ``order``: as its buyer, its merchant, staff — or not at all (None)."""
    if not user.is_authenticated:
        return None
    if order.buyer_id == user.pk:
        return BUYER
    if order.shop.owner_id == user.pk:
        return MERCHANT
    if user.is_staff and user.has_perm(VIEW_ORDER):
        return STAFF
    return None


def order_get_for_user(*, user, pk) -> tuple[Order, str]:
    """The order and the viewer's role; Order.DoesNotExist when the user may not see it (a 404)."""
    if isinstance(pk, bool) or not str(pk).isdigit():
        raise Order.DoesNotExist
    order = (Order.objects.select_related("shop", "buyer").prefetch_related(*_detail_prefetches())
             .annotate(has_review=Exists(Review.objects.filter(order=OuterRef("pk"))))
             .get(pk=pk))
    role = order_viewer_role(order, user)
    if role is None:
        raise Order.DoesNotExist
    return order, role


def _detail_prefetches() -> tuple:
    """What an order's detail shows besides the row: its lines and its timeline, oldest first."""
    return "lines", Prefetch("status_changes", queryset=OrderStatusChange.objects.order_by("created", "pk"))


def order_placed_for_detail(order) -> Order:
    """The order its buyer has just placed (``order_place``'s result), ready for the detail: two queries.

    A checkout answers with the order it placed instead of reading it back whole; a new order has no review.
    """
    prefetch_related_objects([order], *_detail_prefetches())
    order.has_review = False
    return order


def is_open(order) -> bool:
    return order.status not in CLOSED and order.completed_at is None and order.cancelled_at is None


def shipping_address_for(order, role: str) -> dict:
    """The buyer sees their address; merchant and staff see the phone masked, the rest only while it is needed."""
    if role == BUYER:
        return {"name": order.shipping_name, "phone": order.shipping_phone, "address": order.shipping_address}
    if is_open(order):
        return {"name": order.shipping_name, "phone": mask_phone(order.shipping_phone),
                "address": order.shipping_address}
    return {"name": mask_name(order.shipping_name), "phone": mask_phone(order.shipping_phone),
            "address": mask_text(order.shipping_address)}


def order_actions(order, role: str) -> list[str]:
    """What the viewer can do with the order now (buttons on pages, ``actions`` in the API)."""
    actions = []
    if role == BUYER:
        if order.status == OrderStatus.PENDING_PAYMENT and order.payment_method == "full":
            actions.append("pay")
        if awaiting_receipt(order):
            actions.append("confirm_receipt")
        if can_review(order) and not getattr(order, "has_review", True):
            actions.append("review")
    if role == MERCHANT and awaiting_shipment(order):
        actions.append("ship")
    if role in (BUYER, MERCHANT) and can_cancel(order):
        actions.append("cancel")
    return actions


def timeline(order, role: str | None = None) -> list[dict]:
    """Status changes, oldest first, with who made them as a role (never a staff member's name)."""
    owner_id = order.shop.owner_id
    rows = []
    for change in order.status_changes.all():
        if change.actor_id is None:
            by = "system"
        elif change.actor_id == order.buyer_id:
            by = BUYER
        elif change.actor_id == owner_id:
            by = MERCHANT
        else:
            by = STAFF
        reason = change.reason
        rows.append({"status": change.new_status, "status_label": OrderStatus(change.new_status).label,
                     "previous_status": change.old_status or None, "at": change.created, "by": by,
                     "reason": str(SYSTEM_REASONS.get(reason, reason))})
    return rows


def payment_summary(order) -> dict:
    return {"method": order.payment_method, "label": hooks.payment_method_label(order.payment_method),
            "installments": order.installments}


def settlement_list_for_shop(*, shop) -> QuerySet[Settlement]:
    return Settlement.objects.filter(shop=shop).select_related("order").order_by("-created", "-pk")


def withdrawal_list_for_shop(*, shop) -> QuerySet[Withdrawal]:
    return Withdrawal.objects.filter(shop=shop).order_by("-created", "-pk")


def complaint_list_for_user(*, user) -> QuerySet[Complaint]:
    return Complaint.objects.filter(buyer=user).select_related("shop").order_by("-created", "-pk")


def cart_for_buyer(*, buyer) -> list[dict]:
    """The cart grouped by shop: ``[{"shop", "items", "subtotal", "available"}]`` in the order items were added."""
    items = (CartItem.objects.filter(buyer=buyer).select_related("listing__shop")
             .order_by("added", "pk"))
    groups: OrderedDict[int, dict] = OrderedDict()
    for item in items:
        listing = item.listing
        group = groups.setdefault(listing.shop_id, {"shop": listing.shop, "items": [], "subtotal": ZERO,
                                                    "available": True})
        item.line_amount = quantize(listing.price_amount * item.quantity)
        item.buyable = (listing.status == "active" and listing.shop.is_verified and listing.stock >= item.quantity)
        group["items"].append(item)
        group["subtotal"] += item.line_amount
        group["available"] = group["available"] and item.buyable
    return list(groups.values())


def cart_count(*, buyer) -> int:
    return CartItem.objects.filter(buyer=buyer).count() if buyer.is_authenticated else 0
