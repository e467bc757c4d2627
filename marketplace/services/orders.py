"""Order lifecycle: placing an order, the one status-transition path, shipping, receipt, auto-confirm, cancelling.

Locks are always taken in the same order — the order row, then its shop, then
listings by pk — so two services never wait on each other in a circle.
"""
import logging
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.urls import NoReverseMatch, reverse
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import errors
from core.errors import DomainError
from core.money import quantize
from core.notifications import notify
from core.pii import InvalidPhone, normalize_phone
from marketplace import errors as mp_errors
from marketplace import errors_orders as order_errors
from marketplace import hooks
from marketplace.models import Listing, ListingStatus, Order, OrderLine, OrderStatus, OrderStatusChange

logger = logging.getLogger(__name__)

MAX_QUANTITY = 999
MAX_LINES = 50
NAME_MAX = 100
ADDRESS_MAX = 500
REASON_MAX = 500

# Reasons the system records on the timeline; anything else is text a person typed.
REASON_PLACED = "placed"
REASON_AUTO_CONFIRMED = "auto_confirmed"
REASON_REFUND = "refund"
REASON_PAID_ON_CREDIT = "paid with instalment credit"  # by the instalment payment method (credit app)
SYSTEM_REASONS = {
    REASON_PLACED: _("Order placed"),
    REASON_AUTO_CONFIRMED: _("Receipt confirmed automatically"),
    REASON_REFUND: _("Money refunded"),
    REASON_PAID_ON_CREDIT: _("Paid with instalment credit"),
}

_TIMESTAMPS = {
    OrderStatus.PAID: "paid_at",
    OrderStatus.SHIPPED: "shipped_at",
    OrderStatus.COMPLETED: "completed_at",
    OrderStatus.CANCELLED: "cancelled_at",
}
# Statuses from which a buyer or merchant may still cancel (nothing has been shipped).
CANCELLABLE = (OrderStatus.PENDING_PAYMENT, OrderStatus.UNDER_REVIEW, OrderStatus.PAID)


def _render(template, params):
    def show(value):
        if isinstance(value, datetime):
            return formats.date_format(timezone.localtime(value), "SHORT_DATETIME_FORMAT")
        return str(value)

    return str(template) % {key: show(value) for key, value in params.items()}


# Rendered when str() is called — inside notify(), in the recipient's language.
lazy_message = lazy(_render, str)


def ship_within() -> timedelta:
    return timedelta(hours=int(settings.FANGXIN.get("SHIP_WITHIN_HOURS", 48)))


def auto_confirm_after() -> timedelta:
    return timedelta(days=int(settings.FANGXIN["AUTO_CONFIRM_DAYS"]))


def awaiting_receipt(order) -> bool:
    """Shipped and not yet received (a partial refund in between keeps it so)."""
    return (order.status in (OrderStatus.SHIPPED, OrderStatus.PARTIALLY_REFUNDED)
            and order.shipped_at is not None and order.completed_at is None)


def awaiting_shipment(order) -> bool:
    return (order.status in (OrderStatus.PAID, OrderStatus.PARTIALLY_REFUNDED)
            and order.paid_at is not None and order.shipped_at is None and order.cancelled_at is None)


def sync_order(target, source) -> None:
    """Bring the caller's instance in step with the row a service locked and changed."""
    if target is source:
        return
    for field in Order._meta.concrete_fields:
        setattr(target, field.attname, getattr(source, field.attname))


def order_lock(order) -> Order:
    """The order's row, locked for the rest of the transaction and freshly read."""
    pk = order.pk if isinstance(order, Order) else order
    return Order.objects.select_for_update(of=("self",)).get(pk=pk)


def _invalid(order, to, message=None) -> DomainError:
    return DomainError(
        errors.INVALID_TRANSITION,
        message or gettext("This order is %(status)s; it cannot become %(to)s.")
        % {"status": order.get_status_display(), "to": OrderStatus(to).label},
        current_status=str(order.status), requested_status=str(to),
    )


@transaction.atomic
def order_transition(*, order, to, actor=None, reason: str = "", changes: dict | None = None,
                     now=None) -> Order:
    """The one place an order's status changes.

    Locks the row, checks ``Order.TRANSITIONS`` (``invalid_transition``, nothing
    changed), sets the status, its timestamp (and, on becoming paid, the ``ship_by``
    deadline) and any ``changes`` in one UPDATE,
    writes the timeline row and tells buyer and merchant (e-mail after commit).
    """
    try:
        to = OrderStatus(to)
    except ValueError:
        raise DomainError(errors.VALIDATION_ERROR, gettext("Unknown order status."), status=400) from None
    locked = order_lock(order)
    _keep_loaded_relations(order, locked)
    if to not in Order.TRANSITIONS.get(locked.status, set()):
        raise _invalid(locked, to)
    now = now or timezone.now()
    fields = dict(changes or {})
    stamp = _TIMESTAMPS.get(to)
    if stamp and getattr(locked, stamp) is None:
        fields.setdefault(stamp, now)
    if to == OrderStatus.COMPLETED and locked.received_at is None:
        fields.setdefault("received_at", now)
    if to == OrderStatus.PAID and locked.ship_by is None:
        # However it was paid (in full, on credit, released from risk review): the merchant ships within
        # SHIP_WITHIN_HOURS of the moment the order became paid.
        fields.setdefault("ship_by", fields.get("paid_at", locked.paid_at or now) + ship_within())
    old = locked.status
    fields["status"] = to
    for name, value in fields.items():
        setattr(locked, name, value)
    locked.save(update_fields=list(fields))
    OrderStatusChange.objects.create(order=locked, old_status=old, new_status=to, actor=actor,
                                     reason=str(reason)[:REASON_MAX])
    _notify_transition(locked, to, actor)
    sync_order(order, locked)
    return locked


def _keep_loaded_relations(order, locked) -> None:
    """Hand the buyer and shop the caller already holds to the freshly locked row (they never change)."""
    if isinstance(order, Order) and order is not locked:
        for name in ("buyer", "shop"):
            if Order._meta.get_field(name).is_cached(order):
                setattr(locked, name, getattr(order, name))


def order_link(order) -> str:
    try:
        return reverse("orders:order-detail", args=[order.pk])
    except NoReverseMatch:
        return ""


_BUYER_MESSAGES = {
    OrderStatus.UNDER_REVIEW: (_("Order #%(id)s is being reviewed"),
                               _("We are checking your instalment order and will tell you the outcome shortly.")),
    OrderStatus.PAID: (_("Payment received for order #%(id)s"),
                       _("We hold your %(total)s until you confirm receipt. The merchant ships by %(ship_by)s.")),
    OrderStatus.SHIPPED: (_("Order #%(id)s has shipped"),
                          _("Carrier: %(carrier)s, tracking number: %(tracking)s. Receipt is confirmed "
                            "automatically on %(auto_confirm)s unless you confirm it earlier.")),
    OrderStatus.COMPLETED: (_("Order #%(id)s is complete"),
                            _("Your after-sales protection counts from %(received)s. You can now review the order.")),
    OrderStatus.CANCELLED: (_("Order #%(id)s was cancelled"),
                            _("Anything you paid goes back the way it came.")),
}
_MERCHANT_MESSAGES = {
    OrderStatus.PAID: (_("New order #%(id)s to ship"), _("Ship %(total)s worth of goods by %(ship_by)s.")),
    OrderStatus.COMPLETED: (_("Order #%(id)s completed"),
                            _("The buyer has the goods. The money is settled to your balance when no "
                              "after-sales case holds it.")),
    OrderStatus.CANCELLED: (_("Order #%(id)s was cancelled"), _("Its stock has been returned to your listings.")),
}


def _notify_transition(order, to, actor) -> None:
    params = {
        "id": order.pk, "total": f"¥{order.total_amount}", "ship_by": order.ship_by or "",
        "carrier": order.carrier, "tracking": order.tracking_number, "auto_confirm": order.auto_confirm_at or "",
        "received": order.received_at or "",
    }
    link = order_link(order)
    buyer_message = _BUYER_MESSAGES.get(to)
    # Paying sends the buyer a receipt; otherwise nobody is told what they just did themselves.
    if buyer_message and (to == OrderStatus.PAID or actor is None or actor.pk != order.buyer_id):
        notify(user=order.buyer, kind="order_event", title=lazy_message(buyer_message[0], params),
               body=lazy_message(buyer_message[1], params), link=link)
    merchant_message = _MERCHANT_MESSAGES.get(to)
    if merchant_message:
        owner = order.shop.owner
        if actor is None or actor.pk != owner.pk:
            notify(user=owner, kind="order_event", title=lazy_message(merchant_message[0], params),
                   body=lazy_message(merchant_message[1], params), link=link)


# --- placing -------------------------------------------------------------------------------------


def _field_error(field, message, *, code=errors.VALIDATION_ERROR, **extra) -> DomainError:
    return DomainError(code, str(message), fields={field: [str(message)]} if isinstance(field, str) else field,
                       **extra)


def clean_lines(lines) -> dict[int, int]:
    """``[{"listing": id or Listing, "quantity": int}]`` → ``{listing_id: quantity}`` in the order given."""
    if not isinstance(lines, (list, tuple)) or not lines:
        raise _field_error("lines", _("Add at least one item."))
    if len(lines) > MAX_LINES:
        raise _field_error("lines", _("An order holds at most %(max)s lines.") % {"max": MAX_LINES})
    wanted: dict[int, int] = {}
    problems: list[dict] = []
    for line in lines:
        problem = {}
        if not isinstance(line, dict):
            problems.append({"non_field_errors": [gettext("Each line needs a listing and a quantity.")]})
            continue
        listing, quantity = line.get("listing"), line.get("quantity")
        if isinstance(listing, Listing):
            listing = listing.pk
        if isinstance(listing, bool) or not isinstance(listing, int) or listing < 1:
            problem["listing"] = [gettext("Choose a listing.")]
        if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_QUANTITY:
            problem["quantity"] = [gettext("Enter a whole number from 1 to %(max)s.") % {"max": MAX_QUANTITY}]
        if not problem:
            wanted[listing] = wanted.get(listing, 0) + quantity
            if wanted[listing] > MAX_QUANTITY:
                problem["quantity"] = [gettext("Enter a whole number from 1 to %(max)s.") % {"max": MAX_QUANTITY}]
        problems.append(problem)
    if any(problems):
        raise DomainError(errors.VALIDATION_ERROR, gettext("Some fields are not valid."), fields={"lines": problems})
    return wanted


def clean_shipping_address(data) -> dict:
    """``{name, phone, address}`` trimmed and checked; the phone in E.164."""
    if not isinstance(data, dict):
        raise _field_error("shipping_address", _("Enter where the order should go."))
    problems = {}
    clean = {}
    for name, limit in (("name", NAME_MAX), ("address", ADDRESS_MAX)):
        value = data.get(name)
        if not isinstance(value, str) or not value.strip():
            problems[name] = [gettext("This field is required.")]
        elif len(value.strip()) > limit:
            problems[name] = [gettext("Use at most %(max)s characters.") % {"max": limit}]
        else:
            clean[name] = value.strip()
    try:
        clean["phone"] = normalize_phone(data.get("phone"))
    except InvalidPhone as exc:
        problems["phone"] = [str(exc)]
    if problems:
        raise DomainError(errors.VALIDATION_ERROR, gettext("Some fields are not valid."),
                          fields={"shipping_address": problems})
    return clean


def clean_payment(payment) -> tuple[hooks.PaymentMethod, dict]:
    if not isinstance(payment, dict) or not isinstance(payment.get("method"), str) or not payment["method"]:
        raise _field_error("payment", _("Choose a payment method."))
    method = hooks.payment_method(payment["method"])
    options = method.validate_options({key: value for key, value in payment.items() if key != "method"})
    return method, dict(options or {})


def _unavailable(listing_id) -> DomainError:
    message = gettext("This listing is not for sale.")
    return DomainError(mp_errors.LISTING_UNAVAILABLE, message, listing=listing_id, fields={"lines": [message]})


@transaction.atomic
def order_place(*, buyer, lines, shipping_address, payment, context=None) -> Order:
    """Place an order from one shop: reserve stock, snapshot prices, hand over to the payment method.

    Everything happens in this transaction: if the method's checkout says no
    (a DomainError), the order, its lines and the reserved stock are undone.
    """
    wanted = clean_lines(lines)
    address = clean_shipping_address(shipping_address)
    method, options = clean_payment(payment)

    # Locked in pk order, so concurrent checkouts of the same listings queue instead of deadlocking.
    listings = list(Listing.objects.select_for_update(of=("self",)).select_related("shop__owner")
                    .filter(pk__in=list(wanted)).order_by("pk"))
    found = {listing.pk: listing for listing in listings}
    for listing_id in wanted:
        if listing_id not in found:
            raise _unavailable(listing_id)
    if len({listing.shop_id for listing in listings}) > 1:
        message = gettext("An order holds items from one shop; place one order per shop.")
        raise DomainError(mp_errors.MIXED_SHOPS, message, fields={"lines": [message]})
    shop = listings[0].shop
    for listing in listings:
        if listing.status != ListingStatus.ACTIVE or not shop.is_verified:
            raise _unavailable(listing.pk)
    if shop.owner_id == buyer.pk:
        message = gettext("You cannot buy from your own shop.")
        raise DomainError(order_errors.OWN_SHOP, message, fields={"lines": [message]})

    for listing in listings:
        quantity = wanted[listing.pk]
        # The conditional UPDATE is the guarantee: stock never goes below zero, lock or no lock.
        reserved = Listing.objects.filter(pk=listing.pk, status=ListingStatus.ACTIVE, stock__gte=quantity).update(
            stock=F("stock") - quantity)
        if not reserved:
            raise DomainError(mp_errors.OUT_OF_STOCK,
                              gettext("Only %(stock)s left of “%(title)s”.") % {"stock": listing.stock,
                                                                                  "title": listing.title},
                              listing=listing.pk, available=listing.stock)

    total = quantize(sum(listing.price_amount * wanted[listing.pk] for listing in listings))
    installments = options.get("installments")
    order = Order.objects.create(
        buyer=buyer, shop=shop, status=OrderStatus.PENDING_PAYMENT, total_amount=total,
        payment_method=method.key,
        installments=installments if isinstance(installments, int) and not isinstance(installments, bool) else None,
        shipping_name=address["name"], shipping_phone=address["phone"], shipping_address=address["address"],
    )
    OrderLine.objects.bulk_create([
        OrderLine(order=order, listing=found[listing_id], title=found[listing_id].title,
                  unit_price_amount=found[listing_id].price_amount, quantity=quantity,
                  line_amount=quantize(found[listing_id].price_amount * quantity),
                  return_days=found[listing_id].return_days, exchange_days=found[listing_id].exchange_days,
                  quality_days=found[listing_id].quality_days)
        for listing_id, quantity in wanted.items()
    ])
    OrderStatusChange.objects.create(order=order, old_status="", new_status=OrderStatus.PENDING_PAYMENT,
                                     actor=buyer, reason=REASON_PLACED)
    method.checkout(order=order, buyer=buyer, options=options, context=dict(context or {}))
    # As the method left it (it may have moved the order on), with its shop: callers show the order placed.
    order.refresh_from_db(from_queryset=Order.objects.select_related("shop"))
    return order


# --- fulfilment ----------------------------------------------------------------------------------


def _clean_text(value, field, limit) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _field_error(field, _("This field is required."))
    if len(value.strip()) > limit:
        raise _field_error(field, gettext("Use at most %(max)s characters.") % {"max": limit})
    return value.strip()


def _owner_id(order) -> int:
    from marketplace.models import Shop

    return Shop.objects.values_list("owner_id", flat=True).get(pk=order.shop_id)


@transaction.atomic
def order_ship(*, actor, order, carrier, tracking_number) -> Order:
    """The shop's owner ships a paid order; receipt is confirmed automatically AUTO_CONFIRM_DAYS later."""
    locked = order_lock(order)
    if _owner_id(locked) != actor.pk:
        raise DomainError(errors.PERMISSION_DENIED, gettext("Only the shop that sold this order can ship it."))
    carrier = _clean_text(carrier, "carrier", 60)
    tracking_number = _clean_text(tracking_number, "tracking_number", 60)
    if not awaiting_shipment(locked):
        raise _invalid(locked, OrderStatus.SHIPPED)
    now = timezone.now()
    result = order_transition(order=locked, to=OrderStatus.SHIPPED, actor=actor, now=now, changes={
        "carrier": carrier, "tracking_number": tracking_number, "shipped_at": now,
        "auto_confirm_at": now + auto_confirm_after(),
    })
    sync_order(order, result)
    return result


def _complete(locked, *, actor, reason="", now=None) -> Order:
    from marketplace.services.settlement import order_settle_if_eligible

    result = order_transition(order=locked, to=OrderStatus.COMPLETED, actor=actor, reason=reason, now=now)
    # Settled at once when nothing (an after-sales case, a risk hold) keeps the money in escrow.
    order_settle_if_eligible(order=result, now=now)
    return result


@transaction.atomic
def order_confirm_receipt(*, actor, order) -> Order:
    """The buyer confirms receipt: the order completes and after-sales windows start counting."""
    locked = order_lock(order)
    if locked.buyer_id != actor.pk:
        raise DomainError(errors.PERMISSION_DENIED, gettext("Only the buyer can confirm receipt."))
    if not awaiting_receipt(locked):
        raise _invalid(locked, OrderStatus.COMPLETED)
    result = _complete(locked, actor=actor)
    sync_order(order, result)
    return result


def orders_auto_confirm(*, now=None, limit: int = 500) -> int:
    """Complete shipped orders whose auto-confirm moment has passed; returns how many it completed.

    One query picks the candidates; each is then locked with SKIP LOCKED and completed
    in its own transaction, so concurrent sweeps share the work and none completes an
    order twice. Running it again completes nothing more.
    """
    now = now or timezone.now()
    due = Order.objects.filter(
        status__in=[OrderStatus.SHIPPED, OrderStatus.PARTIALLY_REFUNDED], shipped_at__isnull=False,
        completed_at__isnull=True, auto_confirm_at__lte=now,
    )
    # A buyer who says the parcel never arrived must not have receipt confirmed for them.
    due = hooks.auto_confirm_eligible(due)
    done = 0
    for pk in list(due.order_by("auto_confirm_at", "pk").values_list("pk", flat=True)[:limit]):
        try:
            with transaction.atomic():
                locked = due.select_for_update(skip_locked=True, of=("self",)).filter(pk=pk).first()
                if locked is None:
                    continue  # another sweep has it, or it changed since we looked
                _complete(locked, actor=None, reason=REASON_AUTO_CONFIRMED, now=now)
                done += 1
        except DomainError:
            logger.exception("auto-confirm of order %s failed", pk)
    return done


# --- cancelling ----------------------------------------------------------------------------------


def _release_stock(order) -> None:
    for listing_id, quantity in sorted(order.lines.values_list("listing_id", "quantity")):
        Listing.objects.filter(pk=listing_id).update(stock=F("stock") + quantity)


def can_cancel(order) -> bool:
    return order.status in CANCELLABLE and order.shipped_at is None


@transaction.atomic
def order_cancel(*, actor, order, reason: str = "") -> Order:
    """Buyer, merchant or customer service cancel an order before it ships.

    Stock goes back to the listings; a paid order is refunded in full the way it was
    paid (through refund_issue, so the books record it); then the payment method
    undoes anything of its own (``PaymentMethod.cancel``).
    """
    locked = order_lock(order)
    allowed = (actor.pk in (locked.buyer_id, _owner_id(locked))
               or (actor.is_staff and actor.has_perm("marketplace.change_order")))
    if not allowed:
        raise DomainError(errors.PERMISSION_DENIED, gettext("You cannot cancel this order."))
    if not isinstance(reason, str) or len(reason) > REASON_MAX:
        raise _field_error("reason", gettext("Use at most %(max)s characters.") % {"max": REASON_MAX})
    if not can_cancel(locked):
        raise _invalid(locked, OrderStatus.CANCELLED,
                       gettext("Only an order that has not shipped can be cancelled."))
    return _cancel(locked, order, actor=actor, reason=reason)


@transaction.atomic
def order_cancel_held(*, order, reason: str, actor=None) -> Order:
    """Cancel an order held for review (``under_review``), as the app that held it decided.

    Credit's cash-out review rejects a held order through this: the reviewer's own
    permission is checked there. ``actor`` is the staff member who decided, or None when
    the system does; the timeline row records either. Same effects as ``order_cancel``
    (stock back, the payment method's ``cancel`` releases the credit); only a held order.
    """
    if actor is not None and not (actor.is_authenticated and actor.is_staff):
        raise DomainError(errors.PERMISSION_DENIED, gettext("You cannot cancel this order."))
    if not isinstance(reason, str) or not reason.strip() or len(reason) > REASON_MAX:
        raise _field_error("reason", gettext("Say why, in at most %(max)s characters.") % {"max": REASON_MAX})
    locked = order_lock(order)
    if locked.status != OrderStatus.UNDER_REVIEW:
        raise _invalid(locked, OrderStatus.CANCELLED,
                       gettext("Only an order held for review can be cancelled this way."))
    return _cancel(locked, order, actor=actor, reason=reason)


def _cancel(locked, order, *, actor, reason: str) -> Order:
    from marketplace.services.refunds import refund_issue

    method = hooks.payment_method(locked.payment_method)
    locked = order_transition(order=locked, to=OrderStatus.CANCELLED, actor=actor, reason=reason.strip())
    _release_stock(locked)
    outstanding = locked.total_amount - locked.refunded_amount
    if locked.paid_at is not None and outstanding > 0:
        refund_issue(order=locked, amount=outstanding, actor=actor, reason=reason.strip() or "order cancelled",
                     idempotency_key=f"order:{locked.pk}:cancel")
    method.cancel(order=locked, actor=actor)
    locked.refresh_from_db()
    sync_order(order, locked)
    return locked
