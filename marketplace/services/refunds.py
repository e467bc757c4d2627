"""The one refund path: money back to the buyer the way it came, taken from wherever it sits now.

Source of the money: escrow while the order is unsettled; once settled, the merchant's
balance, then the guarantee deposit, and where those fall short the platform pays the
buyer first (先行赔付) and books what the merchant owes it (Dr merchant_receivable).
Destination: the order's payment method (the provider for "full", the credit line for
instalments) — it returns the buyer-side legs. One balanced ledger transaction.
"""
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import errors
from core.errors import DomainError
from core.money import ZERO, is_cents, to_decimal
from core.notifications import notify
from ledger import accounts
from ledger.selectors import normal_balance
from ledger.services import post
from marketplace import errors_orders as order_errors
from marketplace import hooks
from marketplace.models import Order, OrderLine, OrderStatus, Refund, Shop
from marketplace.services.orders import REASON_REFUND, lazy_message, order_link, order_lock, order_transition

KEY_MAX = Refund._meta.get_field("idempotency_key").max_length


def _amount(value) -> Decimal:
    try:
        amount = to_decimal(value)
    except ValueError:
        amount = None
    if amount is None or amount <= 0 or not is_cents(amount):
        raise DomainError(errors.VALIDATION_ERROR, gettext("Enter a positive amount in yuan and fen."),
                          fields={"amount": [gettext("Enter a positive amount in yuan and fen.")]})
    return amount


def _existing(idempotency_key: str, *, order, amount) -> Refund | None:
    refund = Refund.objects.filter(idempotency_key=idempotency_key).first()
    if refund is not None and (refund.order_id != order.pk or refund.amount != amount):
        raise DomainError(errors.IDEMPOTENCY_KEY_REUSED,
                          gettext("This idempotency key was already used for another refund."))
    return refund


def refund_sources(*, order, shop, amount: Decimal) -> list:
    """The legs that take ``amount`` from where the order's money is now (all debits)."""
    if order.settled_at is None:
        return [(accounts.escrow(), amount)]
    balance_account = accounts.merchant_balance(shop.pk)
    deposit_account = accounts.merchant_deposit(shop.pk)
    from_balance = min(amount, max(normal_balance(balance_account), ZERO))
    rest = amount - from_balance
    # The cached deposit and the books should agree; never take more than either shows.
    deposit = min(max(normal_balance(deposit_account), ZERO), shop.deposit_amount)
    from_deposit = min(rest, deposit)
    shortfall = rest - from_deposit
    legs = []
    if from_balance:
        legs.append((balance_account, from_balance))
    if from_deposit:
        legs.append((deposit_account, from_deposit))
        Shop.objects.filter(pk=shop.pk).update(deposit_amount=F("deposit_amount") - from_deposit)
    if shortfall:
        # The platform pays the buyer now; the merchant owes it (recovered from later settlements).
        legs.append((accounts.merchant_receivable(shop.pk), shortfall))
    return legs


@transaction.atomic
def refund_issue(*, order, amount, line=None, actor=None, reason: str = "", idempotency_key: str) -> Refund:
    """Refund ``amount`` of a paid order (optionally of one line), at once.

    Idempotent: the same ``idempotency_key`` returns the first refund and moves
    nothing. Raises ``refund_exceeds_paid`` for more than is left to refund.
    The order moves to ``refunded`` or ``partially_refunded`` where its status allows
    (a cancelled order stays cancelled).
    """
    if not isinstance(idempotency_key, str) or not idempotency_key.strip() or len(idempotency_key) > KEY_MAX:
        raise DomainError(errors.VALIDATION_ERROR, gettext("A refund needs an idempotency key."))
    amount = _amount(amount)
    locked = order_lock(order)
    existing = _existing(idempotency_key, order=locked, amount=amount)
    if existing is not None:
        return existing

    refundable = locked.total_amount - locked.refunded_amount if locked.paid_at is not None else ZERO
    if amount > refundable:
        raise DomainError(order_errors.REFUND_EXCEEDS_PAID,
                          gettext("At most %(amount)s can be refunded on this order.") % {"amount": refundable},
                          refundable=str(refundable))
    if line is not None:
        line = OrderLine.objects.filter(pk=line.pk if isinstance(line, OrderLine) else line, order=locked).first()
        if line is None:
            raise DomainError(errors.VALIDATION_ERROR, gettext("This line is not part of the order."),
                              fields={"line": [gettext("This line is not part of the order.")]})
        line_refundable = line.line_amount - line.refunded_amount
        if amount > line_refundable:
            raise DomainError(order_errors.REFUND_EXCEEDS_PAID,
                              gettext("At most %(amount)s can be refunded on this line.") % {"amount": line_refundable},
                              refundable=str(line_refundable))

    # The shop row is the lock on its balance and deposit (taken after the order's, as everywhere).
    shop = Shop.objects.select_for_update().get(pk=locked.shop_id) if locked.settled_at else None
    method = hooks.payment_method(locked.payment_method)
    try:
        with transaction.atomic():
            refund = Refund.objects.create(order=locked, line=line, amount=amount, method=method.key,
                                           reason=str(reason)[:500], idempotency_key=idempotency_key)
    except IntegrityError:
        # Lost a race for the same key on another order's lock: answer like a repeat.
        return _existing(idempotency_key, order=locked, amount=amount)

    buyer_legs = list(method.refund(order=locked, amount=amount, refund=refund, actor=actor))
    if sum((leg[1] for leg in buyer_legs), ZERO) != -amount:
        raise ValueError(f"payment method {method.key!r} returned refund legs that do not sum to -{amount}")
    post(kind="refund", legs=refund_sources(order=locked, shop=shop, amount=amount) + buyer_legs,
         idempotency_key=f"refund:{refund.pk}", memo=f"Refund of order #{locked.pk}"[:255],
         reference=("order", locked.pk))

    Order.objects.filter(pk=locked.pk).update(refunded_amount=F("refunded_amount") + amount)
    if line is not None:
        OrderLine.objects.filter(pk=line.pk).update(refunded_amount=F("refunded_amount") + amount)
    locked.refresh_from_db()
    target = OrderStatus.REFUNDED if locked.refunded_amount == locked.total_amount else OrderStatus.PARTIALLY_REFUNDED
    if target in Order.TRANSITIONS.get(locked.status, set()):
        order_transition(order=locked, to=target, actor=actor, reason=REASON_REFUND)
    params = {"id": locked.pk, "amount": f"¥{amount}"}
    notify(user=locked.buyer, kind="order_event",
           title=lazy_message(_("Refund of %(amount)s for order #%(id)s"), params),
           body=lazy_message(_("%(amount)s is on its way back to you the way you paid."), params),
           link=order_link(locked))
    if isinstance(order, Order) and order is not locked:
        order.refresh_from_db()
    return refund
