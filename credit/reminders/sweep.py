"""The reminder sweep: find what is due with indexed queries, record it set-based, fan out send tasks.

Per kind, in chunks of ``REMINDER_SWEEP_CHUNK`` instalments (keyset on the id), one transaction each:

1. one indexed read of the due instalments that have no reminder of this kind yet, with what the
   messages need (amount, dates, language, channels) — never the emergency contacts;
2. the in-site messages, rendered in each buyer's language, inserted in one multi-row statement;
3. ``INSERT INTO reminder … VALUES … ON CONFLICT (installment_id, kind) DO NOTHING RETURNING``
   claims the reminders, each pointing at its message. A concurrent sweep that claimed one first
   wins; the messages written here for those are deleted again in the same transaction, so each
   reminder has exactly one message;
4. one delivery row per channel the buyer keeps on (one multi-row insert);
5. after commit, the delivery ids go to the broker, ``REMINDER_TASK_CHUNK`` per task.

Memory is bounded by the chunk, never by the number of instalments. See
credit/reminders/__init__.py for the rules (days, quiet hours, pausing).
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone

from core.models import Notification
from credit.models import Installment, PlanStatus
from credit.models.plans import UNPAID
from credit.models.reminders import Channel, DeliveryStatus, Reminder, ReminderDelivery, ReminderPolicy, kind_for
from credit.reminders import conf, render
from credit.reminders.timing import QuietHours, anchor_date, reminder_day_due

logger = logging.getLogger("fangxin.reminders")

Progress = Callable[[str, int, int | None], None]


@dataclass
class SweepResult:
    as_of: datetime
    day: date | None = None
    created: dict[str, int] = field(default_factory=dict)
    deliveries: int = 0
    queued: int = 0
    held: int = 0
    requeued: int = 0

    @property
    def reminders(self) -> int:
        return sum(self.created.values())


def quiet_hours(policy: ReminderPolicy) -> QuietHours:
    return QuietHours(policy.quiet_start, policy.quiet_end, conf.time_zone())


def due_candidates(*, kind: str, offset: int, day: date):
    """Instalments owing a reminder of ``kind`` on ``day`` that have none yet (uses the status/date indexes)."""
    anchor_field = "due_date" if offset <= 0 else "clock_date"
    return (Installment.objects
            .filter(status__in=UNPAID, paused=False, plan__status=PlanStatus.ACTIVE,
                    **{anchor_field: anchor_date(day, offset)})
            .exclude(Exists(Reminder.objects.filter(installment=OuterRef("pk"), kind=kind))))


def message_rows(candidates):
    """What the messages and channels need, per instalment, in id order (no emergency contact anywhere)."""
    prefs = "plan__buyer__notification_preference__"
    return candidates.order_by("pk").values_list(
        "pk", "plan_id", "number", "due_date", "principal_amount", "fee_amount", "penalty_amount",
        "paid_principal_amount", "paid_fee_amount", "paid_penalty_amount", "plan__count", "plan__buyer_id",
        "plan__buyer__email", "plan__buyer__phone_index", prefs + "language", prefs + "email", prefs + "sms")


def reminders_sweep(*, as_of: datetime | None = None, progress: Progress | None = None,
                    chunk: int | None = None) -> SweepResult:
    """Record every reminder due at ``as_of`` (default: now) that is not recorded yet, then send what waits.

    Safe to run as often and as concurrently as anyone likes.
    """
    now = timezone.now()
    as_of = as_of or now
    chunk = int(chunk or conf.get("REMINDER_SWEEP_CHUNK"))
    policy = ReminderPolicy.current()
    quiet = quiet_hours(policy)
    result = SweepResult(as_of=as_of)
    if policy.active:
        result.day = reminder_day_due(as_of, quiet)
    if result.day is not None:
        for offset in policy.offsets():
            _sweep_kind(result, policy=policy, quiet=quiet, offset=offset, now=now, chunk=chunk, progress=progress)
    result.requeued = deliveries_dispatch(now=now, quiet=quiet, chunk=chunk)
    return result


def _sweep_kind(result: SweepResult, *, policy, quiet, offset: int, now: datetime, chunk: int, progress) -> None:
    kind = kind_for(offset)
    candidates = due_candidates(kind=kind, offset=offset, day=result.day)
    total = candidates.count() if progress else None
    done, after = 0, 0
    result.created[kind] = 0
    if progress:
        progress(kind, 0, total)
    rows = message_rows(candidates)
    while True:
        with transaction.atomic():
            batch = list(rows.filter(pk__gt=after)[:chunk])
            if not batch:
                break
            _record_chunk(result, batch, policy=policy, quiet=quiet, kind=kind, offset=offset, now=now)
        after = batch[-1][0]
        done += len(batch)
        if progress:
            progress(kind, done, total)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _insert_values(model, columns: list[str], rows: list[tuple], *, constants: dict | None = None, suffix: str = "",
                   returning: str = "id"):
    """Multi-row ``INSERT … RETURNING`` of ``rows`` (plus ``constants``, the same for every row); rows come back
    in the order given, as Django's own bulk_create relies on.

    PostgreSQL gets one array per varying column (``INSERT … SELECT … FROM UNNEST(…)``, as bulk_create does
    since Django 5.2) and the constants once: a handful of parameters, not one per value. SQLite gets ``VALUES``
    in statements of at most ~20,000 parameters (it allows 32,766).
    """
    if not rows:
        return []
    constants = constants or {}
    names = ", ".join([*columns, *constants])
    table = _table(model)  # names from _meta, every value a parameter (hence the noqa: S608 below)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            fields = {f.column: f for f in model._meta.concrete_fields}
            arrays = ", ".join(f"%s::{fields[column].db_type(connection)}[]" for column in columns)
            scalars = "".join(f", %s::{fields[column].db_type(connection)}" for column in constants)
            cursor.execute(f"INSERT INTO {table} ({names}) SELECT u.*{scalars} FROM UNNEST({arrays}) AS u "  # noqa: S608
                           f"{suffix} RETURNING {returning}",
                           [*constants.values(), *(list(values) for values in zip(*rows, strict=True))])
            return cursor.fetchall()
        out = []
        fixed = tuple(constants.values())
        per_statement = max(1, 20_000 // (len(columns) + len(fixed)))
        row_sql = "(" + ", ".join(["%s"] * (len(columns) + len(fixed))) + ")"
        for start in range(0, len(rows), per_statement):
            part = rows[start:start + per_statement]
            values = ", ".join([row_sql] * len(part))
            sql = f"INSERT INTO {table} ({names}) VALUES {values} {suffix} RETURNING {returning}"  # noqa: S608
            cursor.execute(sql, [value for row in part for value in row + fixed])
            out += cursor.fetchall()
        return out


def _record_chunk(result: SweepResult, batch: list[tuple], *, policy, quiet, kind, offset, now) -> None:
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    day = ops.adapt_datefield_value(result.day)
    today = now.astimezone(conf.time_zone()).date()
    text = render.InSiteRenderer(today)
    notifications, channels = [], {}
    for (pk, plan_id, number, due_date, principal, fee, penalty, paid_principal, paid_fee, paid_penalty, count,
         buyer_id, email, phone_index, language, email_on, sms_on) in batch:
        amount = principal + fee + penalty - paid_principal - paid_fee - paid_penalty
        notifications.append((buyer_id, *text(lang=language, amount=amount, due_date=due_date, number=number,
                                              count=count, plan_id=plan_id)))
        channels[pk] = ((Channel.EMAIL,) if policy.email_enabled and email_on is not False and email else ()) + (
            (Channel.SMS,) if policy.sms_enabled and sms_on is not False and phone_index else ())
    message_ids = [row[0] for row in _insert_values(
        Notification, ["user_id", "title", "body", "link"], notifications,
        constants={"kind": Notification.Kind.REPAYMENT_REMINDER, "created": stamp})]

    claimed = _insert_values(
        Reminder, ["installment_id", "user_id", "notification_id"],
        [(row[0], row[11], message_id) for row, message_id in zip(batch, message_ids, strict=True)],
        constants={"kind": kind, "offset_days": offset, "day": day, "created": stamp},
        suffix="ON CONFLICT (installment_id, kind) DO NOTHING", returning="id, installment_id, notification_id")
    if len(claimed) < len(batch):  # a concurrent sweep recorded some first: their messages are theirs
        kept = {row[2] for row in claimed}
        Notification.objects.filter(pk__in=[pk for pk in message_ids if pk not in kept]).delete()
    if not claimed:
        return
    result.created[kind] += len(claimed)

    held = quiet.contains(now)
    not_before = ops.adapt_datetimefield_value(quiet.next_open(now)) if held else None
    enqueued_at = None if held else stamp
    deliveries = [(reminder_id, channel) for reminder_id, installment_id, _message in claimed
                  for channel in channels[installment_id]]
    delivery_ids = [row[0] for row in _insert_values(
        ReminderDelivery, ["reminder_id", "channel"], deliveries,
        constants={"status": DeliveryStatus.PENDING, "attempts": 0, "not_before": not_before,
                   "enqueued_at": enqueued_at, "claim": "", "provider_ref": "", "last_error": "", "created": stamp,
                   "modified": stamp})]
    result.deliveries += len(delivery_ids)
    if held:
        result.held += len(delivery_ids)
    elif delivery_ids:
        result.queued += len(delivery_ids)
        transaction.on_commit(lambda: enqueue(delivery_ids), robust=True)


def enqueue(delivery_ids: list[int]) -> None:
    """Publish send tasks for ``delivery_ids``, ``REMINDER_TASK_CHUNK`` ids per task, over one connection.

    If the broker cannot take them, the ones not published are marked as never enqueued, so the next sweep
    sends them (and the caller — an after-commit hook — goes on).
    """
    from config.celery import app
    from credit.reminders.tasks import reminder_deliveries_send_task

    size = int(conf.get("REMINDER_TASK_CHUNK"))
    published = 0
    try:
        with app.producer_or_acquire() as producer:
            for start in range(0, len(delivery_ids), size):
                ids = delivery_ids[start:start + size]
                # argsrepr: Celery would otherwise build a safe repr of every id list (most of a publish's cost).
                reminder_deliveries_send_task.apply_async((ids,), producer=producer,
                                                          argsrepr=f"[{len(ids)} ids from {ids[0]}]")
                published = start + len(ids)
    except Exception:  # noqa: BLE001 - whatever the broker raised, the rows must not wait for the requeue delay
        logger.exception("could not enqueue %s reminder deliveries; the next sweep will",
                         len(delivery_ids) - published)
        ReminderDelivery.objects.filter(pk__in=delivery_ids[published:], status=DeliveryStatus.PENDING).update(
            enqueued_at=None)


def deliveries_dispatch(*, now: datetime | None = None, quiet: QuietHours | None = None,
                        chunk: int | None = None) -> int:
    """Enqueue deliveries that wait and have no live task: held for quiet hours, lost with a crashed
    worker or a broker outage, or claimed by a worker that died mid-send (after the claim lease).

    Enqueued again only when never enqueued (held, or the publish failed) or when the last enqueue is older
    than ``REMINDER_REQUEUE_SECONDS`` (default 2 h: longer than a retry backoff and than Redis's visibility
    timeout, after which Redis itself redelivers what a dead worker held; a message can only be lost with
    Redis's data). Nothing goes out in quiet hours.
    """
    now = now or timezone.now()
    quiet = quiet or quiet_hours(ReminderPolicy.current())
    if quiet.contains(now):
        return 0
    chunk = int(chunk or conf.get("REMINDER_SWEEP_CHUNK"))
    not_recent = Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - conf.seconds("REMINDER_REQUEUE_SECONDS"))
    waiting = [
        Q(status=DeliveryStatus.PENDING) & (Q(not_before__isnull=True) | Q(not_before__lte=now)) & not_recent,
        Q(status=DeliveryStatus.SENDING, claimed_at__lt=now - conf.seconds("REMINDER_CLAIM_LEASE_SECONDS"))
        & not_recent,
    ]
    total = 0
    for condition in waiting:
        while True:
            with transaction.atomic():
                # Rows another sweep is enqueueing right now are skipped, not enqueued twice.
                ids = list(ReminderDelivery.objects.select_for_update(skip_locked=True).filter(condition)
                           .values_list("pk", flat=True)[:chunk])
                if not ids:
                    break
                ReminderDelivery.objects.filter(pk__in=ids).update(enqueued_at=now)
                transaction.on_commit(lambda ids=ids: enqueue(ids), robust=True)
            total += len(ids)
    if total:
        logger.info("re-enqueued %s reminder deliveries", total)
    return total
