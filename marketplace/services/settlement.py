"""Settlement: a completed order's escrow released to the merchant, less commission and method fees."""
import logging
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.money import ZERO, quantize
from core.notifications import notify
from ledger import accounts
from ledger.selectors import normal_balance
from ledger.services import post
from marketplace import errors_orders as order_errors
from marketplace import hooks
from marketplace.models import Order, OrderStatus, Settlement, Shop
from marketplace.services.orders import lazy_message, order_link, order_lock, sync_order

logger = logging.getLogger(__name__)

SETTLEABLE = (OrderStatus.COMPLETED, OrderStatus.PARTIALLY_REFUNDED)


def commission_rate() -> Decimal:
    return Decimal(str(settings.FANGXIN["COMMISSION_RATE"]))


def settlement_candidates():
    """Completed orders whose money is still in escrow (before any hold is applied)."""
    return Order.objects.filter(status__in=SETTLEABLE, completed_at__isnull=False, settled_at__isnull=True)


def settlement_figures(order) -> dict:
    gross = order.total_amount - order.refunded_amount
    commission = quantize(gross * commission_rate())
    fee = quantize(hooks.payment_method(order.payment_method).settlement_fee(order))
    return {"gross": gross, "commission": commission, "fee": fee, "net": gross - commission - fee}


@transaction.atomic
def order_settle(*, order, now=None) -> Settlement:
    """Move a completed order's escrow to its merchant: Dr escrow gross / Cr balance, commission, fee.

    Idempotent: a settled order returns its Settlement. What the merchant owes the
    platform (a 先行赔付 shortfall) is recovered from the net first.
    """
    locked = order_lock(order)
    if locked.settled_at is not None:
        sync_order(order, locked)
        return Settlement.objects.get(order=locked)
    if locked.status not in SETTLEABLE or locked.completed_at is None:
        raise DomainError(order_errors.NOT_SETTLEABLE, gettext("Only a completed order can be settled."))
    figures = settlement_figures(locked)
    if figures["gross"] <= 0:
        raise DomainError(order_errors.NOT_SETTLEABLE, gettext("Nothing is left in escrow for this order."))
    shop = Shop.objects.select_for_update().get(pk=locked.shop_id)
    net = figures["net"]
    receivable_account = accounts.merchant_receivable(shop.pk)
    owed = max(normal_balance(receivable_account), ZERO)
    recovered = min(owed, net) if net > 0 else ZERO
    legs = [(accounts.escrow(), figures["gross"])]
    if figures["commission"]:
        legs.append((accounts.commission_income(), -figures["commission"]))
    if figures["fee"]:
        legs.append((accounts.installment_fee_income(), -figures["fee"]))
    if recovered:
        legs.append((receivable_account, -recovered))
    if net - recovered:
        legs.append((accounts.merchant_balance(shop.pk), -(net - recovered)))
    post(kind="settlement", legs=legs, idempotency_key=f"order:{locked.pk}:settlement",
         memo=f"Settlement of order #{locked.pk}", reference=("order", locked.pk))
    settlement = Settlement.objects.create(order=locked, shop=shop, gross_amount=figures["gross"],
                                           commission_amount=figures["commission"], fee_amount=figures["fee"],
                                           net_amount=net)
    locked.settled_at = now or timezone.now()
    locked.save(update_fields=["settled_at"])
    params = {"id": locked.pk, "net": f"¥{net}"}
    notify(user=shop.owner, kind="order_event", title=lazy_message(_("Order #%(id)s settled"), params),
           body=lazy_message(_("%(net)s was added to your balance after commission and fees."), params),
           link=order_link(locked))
    sync_order(order, locked)
    return settlement


def order_settle_if_eligible(*, order, now=None) -> Settlement | None:
    """Settle now unless a hold (open after-sales case, cash-out risk) keeps the money in escrow."""
    candidate = settlement_candidates().filter(pk=order.pk)
    if not hooks.settlement_eligible(candidate).exists():
        return None
    return order_settle(order=order, now=now)


def orders_settle_due(*, now=None, limit: int = 500, progress=None) -> int:
    """Settle every completed, unsettled order no hold keeps; returns how many it settled.

    Set-based selection through the holds, then one transaction per order with SKIP
    LOCKED, so concurrent sweeps never settle an order twice and never wait on each other.
    ``progress("settlement", orders looked at, orders due)`` is called as it goes (core.progress).
    """
    now = now or timezone.now()
    due = hooks.settlement_eligible(settlement_candidates())
    done = 0
    pks = list(due.order_by("completed_at", "pk").values_list("pk", flat=True)[:limit])
    for number, pk in enumerate(pks):
        if progress:
            progress("settlement", number, len(pks))
        try:
            with transaction.atomic():
                locked = (settlement_candidates().select_for_update(skip_locked=True, of=("self",))
                          .filter(pk=pk).first())
                # A hold may have started since the selection: ask again under the lock.
                if locked is None or not hooks.settlement_eligible(settlement_candidates().filter(pk=pk)).exists():
                    continue
                order_settle(order=locked, now=now)
                done += 1
        except DomainError:
            logger.exception("settlement of order %s failed", pk)
    if progress:
        progress("settlement", len(pks), len(pks))
    return done
