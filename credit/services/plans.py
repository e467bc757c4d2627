"""Instalment plans: created at credit checkout, paused while an after-sales case is open."""
from datetime import date, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.money import ZERO
from credit import errors, risk
from credit.models import CreditLine, Installment, InstallmentPlan, PlanStatus
from credit.models.plans import UNPAID
from credit.selectors import current_terms_versions
from credit.services.lines import line_draw, line_lock
from credit.services.quotes import product_for, quote_build
from credit.services.transitions import transition
from ledger import accounts
from ledger.services import post


def plan_transition(plan: InstallmentPlan, *, to: str, actor=None, reason: str = "") -> InstallmentPlan:
    return transition(plan, to=to, actor=actor, reason=reason, history=plan.status_changes.create)


def _check_listings(order) -> bool:
    """Every listing must offer instalments; returns whether the merchant pays the fee on all of them."""
    rows = list(order.lines.values_list("listing__installments_available", "listing__merchant_pays_fee",
                                        "listing__shop__installments_disabled"))
    if not rows or any(not available or disabled for available, _pays, disabled in rows):
        raise DomainError(errors.INSTALLMENTS_UNAVAILABLE, _("This order cannot be paid in instalments."),
                          reasons=["installments_unavailable"])
    return all(pays for _available, pays, _disabled in rows)


# No savepoint of its own: it runs inside order placement's transaction, and whatever it raises undoes the
# whole placement there (two round trips fewer on every credit checkout).
@transaction.atomic(savepoint=False)
def plan_create(*, order, buyer, count, context: dict | None = None) -> InstallmentPlan:
    """Pay ``order`` with the buyer's credit line: price it, score it, draw the line, book it, move the order on.

    Runs inside order placement; any DomainError undoes the whole placement.
    """
    product = product_for(count)
    merchant_pays_fee = _check_listings(order)
    # The buyer's line, locked (one line per buyer): concurrent checkouts of one buyer take turns here.
    line = CreditLine.objects.select_for_update(of=("self",)).filter(user=buyer).first()
    if line is None:
        raise DomainError(errors.NO_CREDIT_LINE, _("Apply for a credit line first."), reasons=["no_credit_line"])
    amount = order.total_amount
    today = timezone.localdate()
    quote = quote_build(amount=amount, count=product.count, start=today, merchant_pays_fee=merchant_pays_fee,
                        product=product)
    line_draw(line, amount)  # raises credit_line_frozen / insufficient_credit, nothing drawn
    decision = risk.score_checkout(order, context or {})
    if decision.outcome == risk.REJECT:
        raise DomainError(errors.RISK_REJECTED, _("This order cannot be paid with credit."),
                          reasons=decision.reasons or ["risk_rejected"])
    terms = current_terms_versions()
    agreement = {
        **quote,
        "terms_version": terms.get("terms", ""),
        "privacy_version": terms.get("privacy", ""),
        "refund_policy": "full_refund_returns_all_paid;partial_refund_from_last_instalment_fees_pro_rata",
        "accepted_at": timezone.now().isoformat(),
    }
    plan = InstallmentPlan.objects.create(
        order=order, buyer=buyer, line=line, product=product, count=product.count, fee_rate=product.fee_rate,
        fee_payer=InstallmentPlan.FeePayer.MERCHANT if merchant_pays_fee else InstallmentPlan.FeePayer.BUYER,
        original_principal_amount=amount, principal_amount=amount,
        fee_amount=Decimal(quote["total_fee"]), merchant_fee_amount=Decimal(quote["merchant_fee"]),
        apr=Decimal(quote["apr"]),
        agreement=agreement, purchase_date=today,
    )
    plan.status_changes.create(old_status="", new_status=plan.status, actor=buyer, reason="checkout")
    Installment.objects.bulk_create([
        Installment(plan=plan, number=row["number"], due_date=date.fromisoformat(row["due_date"]),
                    clock_date=date.fromisoformat(row["due_date"]), principal_amount=Decimal(row["principal"]),
                    fee_amount=Decimal(row["fee"]))
        for row in quote["installments"]
    ])
    post(kind="credit_draw", legs=[(accounts.buyer_credit_receivable(buyer.pk), amount),
                                   (accounts.escrow(), -amount)],
         idempotency_key=f"credit:draw:order:{order.pk}", memo=f"Instalment credit for order #{order.pk}",
         reference=("order", order.pk))
    from marketplace.services.orders import REASON_PAID_ON_CREDIT, order_transition

    if decision.outcome == risk.HOLD:
        order_transition(order=order, to="under_review", actor=None, reason="; ".join(decision.reasons)[:500])
    else:
        order_transition(order=order, to="paid", actor=buyer, reason=REASON_PAID_ON_CREDIT)
    return plan


@transaction.atomic
def plan_pause(*, order, is_open: bool, actor=None, today: date | None = None) -> InstallmentPlan | None:
    """While an after-sales case is open the order's instalments are paused: no penalty, no bucket move.

    On resume, overdue days do not count the days the plan was paused after a due date.
    """
    plan_id = InstallmentPlan.objects.filter(order=order).values_list("pk", flat=True).first()
    if plan_id is None:
        return None
    today = today or timezone.localdate()
    plan = InstallmentPlan.objects.select_related("line").get(pk=plan_id)
    line_lock(plan.line_id)  # the fixed lock order: line, plan, instalments
    plan = InstallmentPlan.objects.select_for_update(of=("self",)).get(pk=plan_id)
    if is_open == plan.paused:
        return plan
    rows = list(plan.installments.select_for_update(of=("self",)).filter(status__in=UNPAID).order_by("pk"))
    if is_open:
        plan.paused, plan.paused_since = True, today
        for row in rows:
            row.paused = True
        Installment.objects.bulk_update(rows, ["paused"])
    else:
        since = plan.paused_since or today
        for row in rows:
            shift = max(0, (today - max(since, row.clock_date)).days)
            row.clock_date = row.clock_date + timedelta(days=shift)
            row.paused = False
        Installment.objects.bulk_update(rows, ["paused", "clock_date"])
        plan.paused, plan.paused_since = False, None
    plan.save(update_fields=["paused", "paused_since"])
    plan.status_changes.create(old_status=plan.status, new_status=plan.status, actor=actor,
                               reason="paused: after-sales case open" if is_open else "resumed: case closed")
    return plan


def plan_settled_fee(order):
    """The fee the merchant pays out of this order's settlement (interest-free promotion)."""
    plan = InstallmentPlan.objects.filter(order=order).only("merchant_fee_amount", "fee_payer").first()
    if plan is None or plan.fee_payer != InstallmentPlan.FeePayer.MERCHANT:
        return ZERO
    return plan.merchant_fee_amount


def plans_active_for(user):
    return InstallmentPlan.objects.filter(buyer=user, status=PlanStatus.ACTIVE)
