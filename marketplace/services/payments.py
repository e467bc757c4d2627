"""Paying an order in full through the payment provider; the money waits in escrow until settlement."""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext

from core import errors
from core.errors import DomainError
from ledger import accounts
from ledger.services import post
from marketplace import errors as mp_errors
from marketplace.models import Order, OrderStatus, Payment, PaymentStatus
from marketplace.providers import get_provider
from marketplace.services.orders import order_lock, order_transition, sync_order

FULL = "full"
OUTCOMES = ("approve", "decline")
KEY_MAX = 200


@transaction.atomic
def order_pay(*, actor, order, outcome: str = "approve", idempotency_key: str) -> Order:
    """The buyer pays a ``pending_payment`` order in full.

    Declined: ``payment_declined`` (402) and nothing is recorded. Approved: a Payment
    row, Dr provider_clearing / Cr escrow for the total, the order ``paid`` with a
    ship-by deadline. The order row is locked first, so a second attempt waits and then
    finds the order paid (``invalid_transition``); the books' key is per order, so an
    order can never be booked as paid twice.
    """
    if outcome not in OUTCOMES:
        raise DomainError(errors.VALIDATION_ERROR, gettext("Unknown payment outcome."),
                          fields={"outcome": [gettext("Choose approve or decline.")]})
    if not isinstance(idempotency_key, str) or not idempotency_key.strip() or len(idempotency_key) > KEY_MAX:
        raise DomainError(errors.VALIDATION_ERROR, gettext("A payment needs an idempotency key."))
    locked = order_lock(order)
    if locked.buyer_id != actor.pk:
        raise DomainError(errors.PERMISSION_DENIED, gettext("Only the buyer can pay for this order."))
    if locked.status != OrderStatus.PENDING_PAYMENT:
        raise DomainError(errors.INVALID_TRANSITION,
                          gettext("This order is %(status)s; only an order awaiting payment can be paid.")
                          % {"status": locked.get_status_display()},
                          current_status=str(locked.status), requested_status=str(OrderStatus.PAID))
    if locked.payment_method != FULL:
        raise DomainError(errors.INVALID_TRANSITION, gettext("This order is not paid through a payment provider."),
                          current_status=str(locked.status), requested_status=str(OrderStatus.PAID))

    provider = get_provider()
    result = provider.charge(amount=locked.total_amount, idempotency_key=f"order:{locked.pk}:{idempotency_key}",
                             description=f"Fangxin order #{locked.pk}", outcome=outcome)
    if not result.approved:
        raise DomainError(mp_errors.PAYMENT_DECLINED,
                          gettext("The payment was declined. Nothing was charged; you can try again."),
                          provider_message=result.message)
    Payment.objects.create(payer=actor, order=locked, purpose=Payment.Purpose.ORDER, provider=provider.name,
                           provider_ref=result.reference, amount=locked.total_amount,
                           status=PaymentStatus.SUCCEEDED)
    post(kind="order_payment",
         legs=[(accounts.provider_clearing(), locked.total_amount), (accounts.escrow(), -locked.total_amount)],
         idempotency_key=f"order:{locked.pk}:payment", memo=f"Order #{locked.pk} paid in full",
         reference=("order", locked.pk))
    now = timezone.now()
    paid = order_transition(order=locked, to=OrderStatus.PAID, actor=actor, now=now, changes={"paid_at": now})
    if isinstance(order, Order):
        sync_order(order, paid)
    return paid
