"""Repayments: pay the next instalment, any amount, or pay off early — charged once per idempotency key.

Fee recognition: fees and penalties are income when they are paid, not when they
fall due. A repayment posts Dr provider_clearing / Cr buyer_credit_receivable (the
principal part) / Cr installment_fee_income (fees) / Cr penalty_income (penalties).
So ``buyer_credit_receivable`` holds exactly the outstanding principal — the line's
``used`` — and a waived or cancelled fee never needs an entry.
"""
from decimal import Decimal

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors as core_errors
from core.errors import DomainError
from core.money import CENT, ZERO, to_positive_amount
from credit import errors, schedules
from credit.models import (
    CreditEvent,
    Installment,
    InstallmentPlan,
    InstallmentStatus,
    PlanStatus,
    Repayment,
)
from credit.models.plans import UNPAID
from credit.services.lines import line_lock, line_restore, line_unfreeze_if_clear
from credit.services.plans import plan_transition
from ledger import accounts
from ledger.services import post
from marketplace.providers import get_provider

MODES = Repayment.Mode.values


def _dues(rows) -> list[schedules.Due]:
    return [schedules.Due(r.number, r.due_date, r.principal_amount, r.fee_amount, r.penalty_amount,
                          r.paid_principal_amount, r.paid_fee_amount, r.paid_penalty_amount) for r in rows]


def parse_amount(value) -> Decimal:
    """A repayment amount from a client: a positive string or integer with at most two decimals."""
    message = _("Enter an amount above zero with at most two decimals.")
    try:
        return to_positive_amount(value).quantize(CENT)
    except ValueError:
        raise DomainError(errors.INVALID_AMOUNT, message, fields={"amount": [message]}) from None


def repayment_quote(*, plan: InstallmentPlan, today=None) -> dict:
    """What each mode would charge today (for pages and clients)."""
    today = today or timezone.localdate()
    dues = _dues(plan.installments.filter(status__in=UNPAID).order_by("number"))
    return {"next": schedules.next_due_amount(dues), "payoff": schedules.payoff_amount(dues, today),
            "outstanding": schedules.total_outstanding(dues)}


@transaction.atomic
def repayment_make(*, actor, plan: InstallmentPlan, mode: str, amount=None, idempotency_key: str,
                   outcome: str = "approve") -> Repayment:
    """Charge the buyer and apply the money to the plan. The same key never charges twice."""
    if actor.pk != plan.buyer_id:
        raise DomainError(core_errors.NOT_FOUND, _("Not found."))
    key = f"credit:repayment:{actor.pk}:{idempotency_key}"
    if mode not in MODES:
        raise DomainError(core_errors.VALIDATION_ERROR, _("Choose next, amount or payoff."),
                          fields={"mode": [_("Choose next, amount or payoff.")]})
    if mode == Repayment.Mode.AMOUNT:
        amount = parse_amount(amount)
    line_lock(plan.line_id)
    plan = InstallmentPlan.objects.select_for_update(of=("self",)).get(pk=plan.pk)
    existing = Repayment.objects.filter(idempotency_key=key).first()
    if existing is not None:
        if existing.plan_id != plan.pk or existing.mode != mode or (
                mode == Repayment.Mode.AMOUNT and existing.amount != amount):
            raise DomainError(errors.IDEMPOTENCY_CONFLICT, _("This key was already used for another payment."))
        return existing
    if plan.status != PlanStatus.ACTIVE:
        raise DomainError(errors.PLAN_NOT_ACTIVE, _("This plan has nothing left to repay."))
    rows = list(plan.installments.select_for_update(of=("self",)).filter(status__in=UNPAID).order_by("pk"))
    dues = _dues(rows)
    today = timezone.localdate()
    outstanding = schedules.total_outstanding(dues)
    if outstanding <= 0:
        raise DomainError(errors.NOTHING_TO_REPAY, _("This plan has nothing left to repay."))
    if mode == Repayment.Mode.PAYOFF:
        allocations = schedules.payoff_allocations(dues, today)
    else:
        if mode == Repayment.Mode.NEXT:
            amount = schedules.next_due_amount(dues)
        elif amount > outstanding:
            raise DomainError(errors.AMOUNT_EXCEEDS_OUTSTANDING,
                              _("You owe %(owed)s on this plan; pay at most that.") % {"owed": outstanding},
                              outstanding=str(outstanding), fields={"amount": [_("At most %(owed)s.")
                                                                               % {"owed": outstanding}]})
        allocations, left = schedules.allocate(dues, amount)
        assert left == 0  # noqa: S101 - amount ≤ outstanding, so everything is allocated
    total = sum((a.amount for a in allocations), ZERO)
    charge = get_provider().charge(amount=total, idempotency_key=key, description=f"plan {plan.pk}",
                                   outcome=outcome)
    if not charge.approved:
        raise DomainError(errors.REPAYMENT_DECLINED, charge.message or _("The payment was declined."))
    parts = {name: sum((getattr(a, name) for a in allocations), ZERO) for name in ("principal", "fee", "penalty")}
    repayment = Repayment.objects.create(
        plan=plan, buyer=actor, mode=mode, amount=total, principal_amount=parts["principal"],
        fee_amount=parts["fee"], penalty_amount=parts["penalty"], allocations=[a.as_dict() for a in allocations],
        provider=getattr(get_provider(), "name", "sandbox"), provider_ref=charge.reference, idempotency_key=key)
    _apply(plan, rows, allocations, today=today, payoff=mode == Repayment.Mode.PAYOFF)
    legs = [(accounts.provider_clearing(), total)]
    if parts["principal"]:
        legs.append((accounts.buyer_credit_receivable(plan.buyer_id), -parts["principal"]))
    if parts["fee"]:
        legs.append((accounts.installment_fee_income(), -parts["fee"]))
    if parts["penalty"]:
        legs.append((accounts.penalty_income(), -parts["penalty"]))
    post(kind="credit_repayment", legs=legs, idempotency_key=f"credit:repayment:{repayment.pk}",
         memo=f"Repayment on plan #{plan.pk}", reference=("order", plan.order_id))
    line_restore(plan.line_id, parts["principal"])
    if mode == Repayment.Mode.PAYOFF:
        plan.fee_amount = sum((r.fee_amount for r in plan.installments.all()), ZERO)
        plan.save(update_fields=["fee_amount"])
    if all(r.status in (InstallmentStatus.PAID, InstallmentStatus.CANCELLED)
           for r in plan.installments.all()):
        plan_transition(plan, to=PlanStatus.PAID_OFF, actor=actor, reason=f"repayment {repayment.pk}")
        CreditEvent.objects.create(user_id=plan.buyer_id, kind=CreditEvent.Kind.PAID_OFF, plan=plan, detail={})
    line_unfreeze_if_clear(line_lock(plan.line_id), actor=actor)
    return repayment


def _apply(plan, rows, allocations, *, today, payoff: bool) -> None:
    by_number = {a.number: a for a in allocations}
    now = timezone.now()
    events = []
    for row in rows:
        a = by_number.get(row.number)
        if a is not None:
            row.paid_principal_amount += a.principal
            row.paid_fee_amount += a.fee
            row.paid_penalty_amount += a.penalty
        if payoff and row.due_date > today:
            row.fee_amount = row.paid_fee_amount  # fees of periods not yet due are waived
        if row.owed_amount == 0 and row.status in UNPAID:
            late = row.status == InstallmentStatus.OVERDUE or row.reported_late
            row.status, row.bucket, row.paid_at = InstallmentStatus.PAID, "", now
            kind = CreditEvent.Kind.PAID_LATE if late else CreditEvent.Kind.ON_TIME
            events.append(CreditEvent(user_id=plan.buyer_id, kind=kind, plan=plan, installment=row,
                                      detail={"number": row.number}))
    Installment.objects.bulk_update(rows, ["paid_principal_amount", "paid_fee_amount", "paid_penalty_amount",
                                           "fee_amount", "status", "bucket", "paid_at"])
    CreditEvent.objects.bulk_create(events, ignore_conflicts=True)
