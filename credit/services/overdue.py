"""The daily overdue sweep: mark overdue, move buckets, report late, accrue penalties, freeze and unfreeze.

Set-based: each step is one UPDATE (or INSERT) over all rows it concerns, with the
dates computed here, never a Python loop over every instalment. Only penalty
accrual runs in Python, over the overdue instalments past their grace period, in
chunks. Idempotent and safe to run concurrently: statuses and buckets are
recomputed from dates; late events are unique per instalment; penalties are charged
per overdue day only once (``penalty_accrued_days``) while the job's lock row is held.
Paused instalments (an open after-sales case) are left alone entirely.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import transaction
from django.db.models import Count, Exists, F, OuterRef, Sum
from django.utils import timezone

from core.money import ZERO
from credit import conf, schedules
from credit.models import CreditEvent, CreditJobLock, CreditLine, CreditLineEvent, Installment, LineStatus
from credit.models.plans import InstallmentStatus
from credit.services.lines import _unfreeze, overdue_exists

SCHEDULED, OVERDUE = InstallmentStatus.SCHEDULED, InstallmentStatus.OVERDUE


@dataclass
class SweepResult:
    newly_overdue: int = 0
    reported_late: int = 0
    penalised: int = 0
    frozen: int = 0
    unfrozen: int = 0


def _live():
    return Installment.objects.filter(paused=False)


# The steps of the sweep, for a progress bar: ``progress(step about to run, steps done, 5)`` (core.progress).
STEPS = ("mark overdue", "report late", "penalties", "freeze", "unfreeze")


def _step(progress, number: int) -> None:
    if progress:
        progress(STEPS[number] if number < len(STEPS) else "overdue sweep", number, len(STEPS))


def installments_mark_overdue(*, today: date | None = None, progress=None) -> SweepResult:
    today = today or timezone.localdate()
    policy = conf.penalty_policy()
    result = SweepResult()
    _step(progress, 0)
    with transaction.atomic():
        result.newly_overdue = _live().filter(status=SCHEDULED, clock_date__lt=today).update(status=OVERDUE)
        for low, high, name in schedules.BUCKETS:
            # days overdue = today - clock_date, so low ≤ days ≤ high ⇔ today-high ≤ clock_date ≤ today-low
            rows = _live().filter(status=OVERDUE, clock_date__lte=today - timedelta(days=low)).exclude(bucket=name)
            if high is not None:
                rows = rows.filter(clock_date__gte=today - timedelta(days=high))
            rows.update(bucket=name)
    _step(progress, 1)
    result.reported_late = _report_late(today, policy.grace_days)
    _step(progress, 2)
    result.penalised = _accrue_penalties(today, policy)
    _step(progress, 3)
    result.frozen = _freeze_overdue_lines(today)
    _step(progress, 4)
    result.unfrozen = _unfreeze_clear_lines()
    _step(progress, 5)
    return result


def _report_late(today: date, grace_days: int) -> int:
    """Past the grace period an instalment is late: one credit event each, and the flag set in the same step."""
    chunk = int(conf.get("OVERDUE_SWEEP_CHUNK"))
    cutoff = today - timedelta(days=grace_days)
    total = 0
    while True:
        with transaction.atomic():
            batch = list(_live().filter(status=OVERDUE, reported_late=False, clock_date__lt=cutoff)
                         .values_list("pk", "plan_id", "plan__buyer_id", "number")[:chunk])
            if not batch:
                return total
            CreditEvent.objects.bulk_create(
                [CreditEvent(user_id=buyer, kind=CreditEvent.Kind.LATE, plan_id=plan, installment_id=pk,
                             detail={"number": number}) for pk, plan, buyer, number in batch],
                ignore_conflicts=True)
            Installment.objects.filter(pk__in=[row[0] for row in batch]).update(reported_late=True)
            total += len(batch)


def _accrue_penalties(today: date, policy: schedules.PenaltyPolicy) -> int:
    chunk = int(conf.get("OVERDUE_SWEEP_CHUNK"))
    cutoff = today - timedelta(days=policy.grace_days)
    changed = 0
    last_pk = 0
    while True:
        with transaction.atomic():
            # Concurrent sweeps take turns here; the second finds every row already charged for today.
            lock, _ = CreditJobLock.objects.get_or_create(name="overdue_penalties")
            CreditJobLock.objects.select_for_update().get(pk=lock.pk)
            rows = list(_live().select_for_update(of=("self",)).filter(status=OVERDUE, clock_date__lt=cutoff,
                                                                       pk__gt=last_pk)
                        .order_by("pk")[:chunk])
            if not rows:
                return changed
            last_pk = rows[-1].pk
            dirty = []
            for row in rows:
                days = (today - row.clock_date).days
                if days <= row.penalty_accrued_days:
                    continue
                new = schedules.penalty_after(penalty=row.penalty_amount, overdue_principal=row.owed_principal_amount,
                                              accrued_days=row.penalty_accrued_days, days_overdue=days, policy=policy)
                row.penalty_accrued_days = days
                if new != row.penalty_amount:
                    row.penalty_amount = new
                    changed += 1
                dirty.append(row)
            Installment.objects.bulk_update(dirty, ["penalty_amount", "penalty_accrued_days"])


def _overdue_for(days: int, today: date):
    return _live().filter(plan__buyer_id=OuterRef("user_id"), status=OVERDUE,
                          clock_date__lte=today - timedelta(days=days))


def _freeze_overdue_lines(today: date) -> int:
    freeze_after = int(conf.get("FREEZE_AFTER_DAYS"))
    with transaction.atomic():
        ids = list(CreditLine.objects.filter(status=LineStatus.ACTIVE)
                   .filter(Exists(_overdue_for(freeze_after, today))).values_list("pk", flat=True))
        if not ids:
            return 0
        frozen = list(CreditLine.objects.select_for_update().filter(pk__in=ids, status=LineStatus.ACTIVE)
                      .order_by("pk").values_list("pk", "user_id"))
        CreditLine.objects.filter(pk__in=[pk for pk, _ in frozen]).update(
            status=LineStatus.FROZEN, frozen_reason=CreditLine.FrozenReason.OVERDUE, modified=timezone.now())
        CreditLineEvent.objects.bulk_create([
            CreditLineEvent(line_id=pk, kind=CreditLineEvent.Kind.FROZEN, old_status=LineStatus.ACTIVE,
                            new_status=LineStatus.FROZEN, reason="overdue") for pk, _ in frozen])
        CreditEvent.objects.bulk_create([CreditEvent(user_id=user, kind=CreditEvent.Kind.FROZEN,
                                                     detail={"reason": "overdue"}) for _, user in frozen])
        return len(frozen)


def _unfreeze_clear_lines() -> int:
    """Lines frozen for being overdue whose buyer caught up (or whose overdue plan is paused)."""
    overdue = Installment.objects.filter(plan__buyer_id=OuterRef("user_id"), status=OVERDUE, paused=False)
    ids = list(CreditLine.objects.filter(status=LineStatus.FROZEN, frozen_reason=CreditLine.FrozenReason.OVERDUE)
               .filter(~Exists(overdue)).values_list("pk", flat=True))
    count = 0
    for pk in ids:  # few: only lines that just became clear
        with transaction.atomic():
            line = CreditLine.objects.select_for_update().get(pk=pk)
            if line.status == LineStatus.FROZEN and line.frozen_reason == "overdue" and not overdue_exists(
                    line.user_id):
                _unfreeze(line, actor=None, reason="nothing overdue any more")
                count += 1
    return count


def delinquency_report(today: date | None = None) -> list[dict]:
    """Outstanding principal and count of overdue instalments per bucket (admin report)."""
    rows = (Installment.objects.filter(status=OVERDUE).values("bucket")
            .annotate(count=Count("pk"), principal=Sum(F("principal_amount") - F("paid_principal_amount")),
                      penalty=Sum(F("penalty_amount") - F("paid_penalty_amount")))
            .order_by("bucket"))
    return [{"bucket": r["bucket"], "count": r["count"], "principal": r["principal"] or ZERO,
             "penalty": r["penalty"] or ZERO} for r in rows]

