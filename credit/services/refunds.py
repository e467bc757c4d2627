"""Refunds and cancellations of instalment orders: money goes back to the credit line and the buyer.

Policy (SPEC §2): a full refund cancels the remaining instalments and returns everything
the buyer paid — principal, fees and penalties. A partial refund takes principal off
from the last instalment backwards and cancels the fees on it pro rata; whatever the
buyer had paid beyond the new amounts comes back.

Where the money goes: principal not yet repaid simply stops being owed (Cr
buyer_credit_receivable); money the buyer actually paid goes straight back through the
payment provider it came from (sandbox refunds of the repayment charges, newest first;
Cr provider_clearing). Fees and penalties were booked as income when paid, so the part
returned is taken back out of installment_fee_income / penalty_income; unpaid fees
were never booked and need no entry.
"""
from decimal import Decimal

from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.money import ZERO, quantize
from credit import errors, schedules
from credit.models import CreditEvent, CreditRefund, Installment, InstallmentPlan, InstallmentStatus, PlanStatus
from credit.services.lines import line_lock, line_restore, line_unfreeze_if_clear
from credit.services.plans import plan_transition
from ledger import accounts
from ledger.services import post
from marketplace.providers import get_provider


def _dues(rows) -> list[schedules.Due]:
    return [schedules.Due(r.number, r.due_date, r.principal_amount, r.fee_amount, r.penalty_amount,
                          r.paid_principal_amount, r.paid_fee_amount, r.paid_penalty_amount) for r in rows]


def _lock_plan(order) -> tuple[InstallmentPlan, list[Installment]]:
    plan = InstallmentPlan.objects.only("pk", "line_id").filter(order=order).first()
    if plan is None:
        raise DomainError(errors.PLAN_NOT_ACTIVE, _("This order has no instalment plan."))
    line_lock(plan.line_id)
    plan = InstallmentPlan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    rows = list(plan.installments.select_for_update(of=("self",)).order_by("pk"))
    return plan, rows


def _legs(plan, record: CreditRefund) -> list:
    legs = []
    if record.principal_removed_amount:
        legs.append((accounts.buyer_credit_receivable(plan.buyer_id), -record.principal_removed_amount))
    if record.returned_amount:
        legs.append((accounts.provider_clearing(), -record.returned_amount))
    if record.returned_fee_amount:
        legs.append((accounts.installment_fee_income(), record.returned_fee_amount))
    if record.returned_penalty_amount:
        legs.append((accounts.penalty_income(), record.returned_penalty_amount))
    return legs


def _return_money(plan, amount: Decimal, key: str) -> list[str]:
    """Refund ``amount`` through the provider against the plan's repayment charges, newest first."""
    refs, left = [], amount
    for repayment in plan.repayments.select_for_update(of=("self",)).order_by("-pk"):
        if left <= 0:
            break
        take = min(left, repayment.amount - repayment.refunded_amount)
        if take <= 0:
            continue
        result = get_provider().refund(charge_reference=repayment.provider_ref, amount=take,
                                       idempotency_key=f"{key}:{repayment.pk}")
        if not result.approved:
            raise DomainError(errors.REPAYMENT_DECLINED, _("The payment provider refused the refund."))
        repayment.refunded_amount += take
        repayment.save(update_fields=["refunded_amount"])
        refs.append(result.reference)
        left -= take
    if left > 0:  # the books say the buyer paid it; the provider records must agree
        raise DomainError(errors.REFUND_EXCEEDS_PLAN, _("Nothing left to refund against."))
    return refs


def _apply(plan, rows, amount: Decimal, *, key: str, refund=None, actor=None, full: bool) -> CreditRefund:
    result = schedules.refund_adjust(_dues(rows), amount, full=full)
    by_number = {d.number: d for d in result.dues}
    for row in rows:
        d = by_number[row.number]
        row.principal_amount, row.fee_amount, row.penalty_amount = d.principal, d.fee, d.penalty
        row.paid_principal_amount, row.paid_fee_amount, row.paid_penalty_amount = (
            d.paid_principal, d.paid_fee, d.paid_penalty)
        if row.number in result.cancelled_numbers:
            row.status, row.bucket = InstallmentStatus.CANCELLED, ""
        elif row.status != InstallmentStatus.CANCELLED and row.owed_amount == 0:
            row.status, row.bucket = InstallmentStatus.PAID, ""
    Installment.objects.bulk_update(rows, [
        "principal_amount", "fee_amount", "penalty_amount", "paid_principal_amount", "paid_fee_amount",
        "paid_penalty_amount", "status", "bucket"])
    record = CreditRefund.objects.create(
        plan=plan, refund=refund if getattr(refund, "pk", None) else None, key=key, amount=amount,
        principal_removed_amount=result.principal_removed, fee_cancelled_amount=result.fee_cancelled,
        returned_principal_amount=result.returned_principal, returned_fee_amount=result.returned_fee,
        returned_penalty_amount=result.returned_penalty)
    if record.returned_amount:
        record.provider_refs = _return_money(plan, record.returned_amount, key)
        record.save(update_fields=["provider_refs"])
    plan.principal_amount -= amount
    plan.fee_amount = sum((r.fee_amount for r in rows), ZERO)
    if plan.fee_payer == InstallmentPlan.FeePayer.MERCHANT:
        plan.merchant_fee_amount = schedules.total_fee(plan.principal_amount, plan.fee_rate)
    plan.save(update_fields=["principal_amount", "fee_amount", "merchant_fee_amount"])
    line_restore(plan.line_id, result.principal_removed)
    CreditEvent.objects.create(user_id=plan.buyer_id, kind=CreditEvent.Kind.REFUNDED, plan=plan,
                               detail={"amount": str(amount), "returned": str(record.returned_amount)})
    return record


@transaction.atomic
def plan_refund(*, order, amount: Decimal, refund, actor=None) -> list:
    """Refund ``amount`` of an instalment order onto its plan; return the buyer-side ledger legs (sum −amount)."""
    key = f"credit:refund:{getattr(refund, 'idempotency_key', None) or refund.pk}"
    plan, rows = _lock_plan(order)
    existing = CreditRefund.objects.filter(key=key).first()
    if existing is not None:  # the refund service retried: same legs, nothing done twice
        return _legs(plan, existing)
    amount = quantize(amount)
    if amount <= 0 or amount > plan.principal_amount:
        raise DomainError(errors.REFUND_EXCEEDS_PLAN, _("The refund exceeds what the plan financed."))
    full = amount == plan.principal_amount
    record = _apply(plan, rows, amount, key=key, refund=refund, actor=actor, full=full)
    if full:
        plan_transition(plan, to=PlanStatus.REFUNDED, actor=actor, reason="order refunded")
    elif plan.status == PlanStatus.ACTIVE and all(r.status in ("paid", "cancelled") for r in rows):
        plan_transition(plan, to=PlanStatus.PAID_OFF, actor=actor, reason="nothing left to repay after refund")
    line_unfreeze_if_clear(line_lock(plan.line_id), actor=actor)
    return _legs(plan, record)


@transaction.atomic
def plan_cancel(*, order, actor=None) -> CreditRefund | None:
    """An order cancelled before shipping: undo the draw completely and give back anything repaid."""
    if not InstallmentPlan.objects.filter(order=order, status=PlanStatus.ACTIVE).exists():
        return None
    plan, rows = _lock_plan(order)
    key = f"credit:cancel:order:{order.pk}"
    record = CreditRefund.objects.filter(key=key).first()
    if record is None:
        amount = plan.principal_amount
        record = _apply(plan, rows, amount, key=key, actor=actor, full=True)
        plan_transition(plan, to=PlanStatus.CANCELLED, actor=actor, reason="order cancelled")
        line_unfreeze_if_clear(line_lock(plan.line_id), actor=actor)
    post(kind="credit_cancel", legs=[(accounts.escrow(), record.amount), *_legs(plan, record)],
         idempotency_key=key, memo=f"Instalment order #{order.pk} cancelled", reference=("order", order.pk))
    return record
