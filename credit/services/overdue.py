"""The daily overdue sweep: mark overdue, move buckets, report late, accrue penalties, freeze and unfreeze.

Set-based, never a Python loop over every instalment. On PostgreSQL each chunk of
due instalments (keyset on the ``credit_installment_pending_idx`` partial index:
unpaid, not paused, by clock date) is one statement: a single UPDATE of each row
that has something to change — status, bucket, late flag, penalty and the days
already charged, all computed in SQL from the row itself — and, in a
data-modifying CTE of the same statement, an ``INSERT … SELECT`` of the "late"
credit events of the rows that just became late. Then one statement, from a single
pass over the overdue instalments, freezes the lines of buyers overdue past
``FREEZE_AFTER_DAYS`` with their events and finds the few lines whose buyer caught
up, which are unfrozen one by one through the line service.
Python memory stays flat: no instalment row ever comes into the process. Other
databases (SQLite in development) run the same steps through the ORM in chunks.

Idempotent and safe to run concurrently: statuses and buckets are recomputed from
dates; late events are unique per instalment; a penalty day is charged only when
the day is past ``penalty_accrued_days``, and that condition is in the UPDATE's
WHERE, which PostgreSQL re-checks on the newest row version when a concurrent
sweep updated the row first — so the second sweep skips it. Paused instalments (an
open after-sales case) are left alone entirely.

Penalties in SQL are exactly ``schedules.penalty_after``: ``round(x, 2)`` on a
positive numeric rounds half up like ``quantize``, and the cap ``trunc(x, 2)``
rounds down like ``ROUND_DOWN`` (the cap's division by 365 is exact to 16+
digits, far below a cent's boundary); ``tests/credit/test_overdue.py`` holds both
paths to the same cents.
"""
from dataclasses import dataclass
from datetime import date, timedelta

from django.db import connection, transaction
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
    if connection.vendor == "postgresql":
        return _sweep_postgresql(today, policy, progress)
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
    return _unfreeze_lines(ids)


def _unfreeze_lines(ids: list[int]) -> int:
    count = 0
    for pk in ids:  # few: only lines that just became clear
        with transaction.atomic():
            line = CreditLine.objects.select_for_update().get(pk=pk)
            if line.status == LineStatus.FROZEN and line.frozen_reason == "overdue" and not overdue_exists(
                    line.user_id):
                _unfreeze(line, actor=None, reason="nothing overdue any more")
                count += 1
    return count


# ---------------------------------------------------------------- PostgreSQL: one statement per chunk

def _bucket_sql(days: str) -> str:
    """The delinquency bucket of ``days`` overdue (``schedules.BUCKETS``) as a SQL CASE."""
    arms = " ".join(f"WHEN {days} >= {low}" + (f" AND {days} <= {high}" if high is not None else "")
                    + f" THEN '{name}'" for low, high, name in schedules.BUCKETS)
    return f"CASE {arms} ELSE '' END"


_DAYS = "(%(today)s::date - i.clock_date)"
_CHARGEABLE = f"(GREATEST(0, {_DAYS} - %(grace)s) - GREATEST(0, i.penalty_accrued_days - %(grace)s))"
_OWED = "(i.principal_amount - i.paid_principal_amount)"
# schedules.penalty_after: unchanged unless days are chargeable and principal is owed; never above the cap,
# never below what was already charged.
_PENALTY = f"""CASE WHEN {_DAYS} > i.penalty_accrued_days AND {_CHARGEABLE} > 0 AND {_OWED} > 0
    THEN GREATEST(i.penalty_amount, LEAST(
        round(i.penalty_amount + {_OWED} * %(rate)s * {_CHARGEABLE}, 2),
        trunc({_OWED} * %(cap)s * {_DAYS} / 365, 2)))
    ELSE i.penalty_amount END"""
_BUCKET = _bucket_sql(_DAYS)
_PENDING = "i.status IN ('scheduled', 'overdue') AND NOT i.paused AND i.clock_date < %(today)s"

# One chunk: the next due instalments in (clock_date, id) order, each updated once if anything changes, and the
# late events of those that just passed the grace period. Answers the chunk's counts and where it ended.
# Composed of this module's constants only; every value is a query parameter.
_CHUNK_SQL = f"""
WITH chunk AS (
    SELECT i.id, i.clock_date, i.status AS old_status, i.reported_late AS was_late,
           i.penalty_amount AS old_penalty
    FROM credit_installment i
    WHERE {_PENDING} AND (i.clock_date, i.id) > (%(after_date)s::date, %(after_id)s)
    ORDER BY i.clock_date, i.id
    LIMIT %(chunk)s
), changed AS (
    UPDATE credit_installment i SET
        status = 'overdue',
        bucket = {_BUCKET},
        reported_late = i.reported_late OR {_DAYS} > %(grace)s,
        penalty_amount = {_PENALTY},
        penalty_accrued_days = CASE WHEN {_DAYS} > %(grace)s AND {_DAYS} > i.penalty_accrued_days
                                    THEN {_DAYS} ELSE i.penalty_accrued_days END
    FROM chunk c
    WHERE i.id = ANY (ARRAY(SELECT id FROM chunk)) AND i.id = c.id AND {_PENDING}
      AND (i.status = 'scheduled' OR i.bucket <> {_BUCKET}
           OR ({_DAYS} > %(grace)s AND (NOT i.reported_late OR {_DAYS} > i.penalty_accrued_days)))
    RETURNING i.id, i.plan_id, i.number, i.reported_late AND NOT c.was_late AS became_late,
              c.old_status = 'scheduled' AS became_overdue, i.penalty_amount <> c.old_penalty AS penalised
), late AS (
    INSERT INTO credit_creditevent (user_id, kind, plan_id, installment_id, detail, created)
    SELECT p.buyer_id, 'late', x.plan_id, x.id, jsonb_build_object('number', x.number), %(now)s
    FROM changed x JOIN credit_installmentplan p ON p.id = x.plan_id
    WHERE x.became_late
    ON CONFLICT DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM chunk),
       (SELECT clock_date FROM chunk ORDER BY clock_date DESC, id DESC LIMIT 1),
       (SELECT id FROM chunk ORDER BY clock_date DESC, id DESC LIMIT 1),
       (SELECT count(*) FROM changed WHERE became_overdue),
       (SELECT count(*) FROM late),
       (SELECT count(*) FROM changed WHERE penalised)
"""  # noqa: S608

# One pass over the overdue instalments gives each overdue buyer's oldest clock date. Buyers overdue past
# FREEZE_AFTER_DAYS: their active lines frozen in one UPDATE, with both events of each. Lines frozen for being
# overdue whose buyer is no longer in the set: their ids, answered (they are unfrozen one by one through the
# line service). The set is materialized: right after the chunks the planner's statistics still say "nothing
# overdue, nothing frozen", and probing the instalments per frozen line took seconds.
_FREEZE_SQL = """
WITH overdue_buyers AS MATERIALIZED (
    SELECT p.buyer_id, min(i.clock_date) AS oldest
    FROM credit_installment i JOIN credit_installmentplan p ON p.id = i.plan_id
    WHERE i.status = 'overdue' AND NOT i.paused
    GROUP BY p.buyer_id
), frozen AS (
    UPDATE credit_creditline l SET status = 'frozen', frozen_reason = 'overdue', modified = %(now)s
    FROM overdue_buyers b
    WHERE l.user_id = b.buyer_id AND b.oldest <= %(freeze_before)s AND l.status = 'active'
    RETURNING l.id, l.user_id
), line_events AS (
    INSERT INTO credit_creditlineevent (line_id, kind, old_status, new_status, reason, created)
    SELECT id, 'frozen', 'active', 'frozen', 'overdue', %(now)s FROM frozen
), events AS (
    INSERT INTO credit_creditevent (user_id, kind, detail, created)
    SELECT user_id, 'frozen', '{"reason": "overdue"}'::jsonb, %(now)s FROM frozen
)
SELECT -1, (SELECT count(*) FROM frozen)
UNION ALL
SELECT l.id, 0 FROM credit_creditline l
WHERE l.status = 'frozen' AND l.frozen_reason = 'overdue'
  AND l.user_id NOT IN (SELECT buyer_id FROM overdue_buyers)
"""


def _sweep_postgresql(today: date, policy: schedules.PenaltyPolicy, progress) -> SweepResult:
    result = SweepResult()
    chunk = int(conf.get("OVERDUE_SWEEP_CHUNK"))
    params = {"today": today, "grace": policy.grace_days, "rate": policy.daily_rate, "cap": policy.annual_cap,
              "chunk": chunk, "after_date": date.min, "after_id": 0}
    _step(progress, 0)
    with connection.cursor() as cursor:
        while True:
            params["now"] = timezone.now()
            with transaction.atomic():
                cursor.execute(_CHUNK_SQL, params)
                rows, last_date, last_id, overdue, late, penalised = cursor.fetchone()
            result.newly_overdue += overdue
            result.reported_late += late
            result.penalised += penalised
            if rows < chunk:
                break
            params["after_date"], params["after_id"] = last_date, last_id
        _step(progress, 3)
        with transaction.atomic():
            cursor.execute(_FREEZE_SQL, {"now": timezone.now(),
                                         "freeze_before": today - timedelta(days=int(conf.get("FREEZE_AFTER_DAYS")))})
            rows = cursor.fetchall()
        result.frozen = next(count for line_id, count in rows if line_id == -1)
        clear = sorted(line_id for line_id, _ in rows if line_id != -1)
    _step(progress, 4)
    result.unfrozen = _unfreeze_lines(clear)
    _step(progress, 5)
    return result


def delinquency_report(today: date | None = None) -> list[dict]:
    """Outstanding principal and count of overdue instalments per bucket (admin report)."""
    rows = (Installment.objects.filter(status=OVERDUE).values("bucket")
            .annotate(count=Count("pk"), principal=Sum(F("principal_amount") - F("paid_principal_amount")),
                      penalty=Sum(F("penalty_amount") - F("paid_penalty_amount")))
            .order_by("bucket"))
    return [{"bucket": r["bucket"], "count": r["count"], "principal": r["principal"] or ZERO,
             "penalty": r["penalty"] or ZERO} for r in rows]

