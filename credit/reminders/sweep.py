"""The reminder sweep: find what is due with indexed queries, record it set-based, fan out send tasks.

Per kind, in chunks of instalment ids, one transaction each:

1. ``INSERT … SELECT … ON CONFLICT (installment_id, kind) DO NOTHING RETURNING`` claims
   the reminders: a concurrent sweep inserting the same pair gets nothing back and
   so writes no message for it;
2. one read of what the messages need (amount, dates, language, channels) for the
   returned rows only;
3. the in-site messages, rendered in the buyer's language (bulk insert), linked back;
4. one delivery row per channel the buyer keeps on (``INSERT … SELECT``);
5. after commit, the delivery ids go to the broker in chunks of ``REMINDER_TASK_CHUNK``.

Memory is bounded by the chunk, never by the number of instalments. See
credit/reminders/__init__.py for the rules (days, quiet hours, pausing).
"""
import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db import connection, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone

from core.models import Notification
from credit.models import Installment, InstallmentPlan, PlanStatus
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
    while True:
        ids = list(candidates.filter(pk__gt=after).order_by("pk").values_list("pk", flat=True)[:chunk])
        if not ids:
            break
        with transaction.atomic():
            _record_chunk(result, policy=policy, quiet=quiet, kind=kind, offset=offset, after=after, upto=ids[-1],
                          now=now)
        after = ids[-1]
        done += len(ids)
        if progress:
            progress(kind, done, total)


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _record_chunk(result: SweepResult, *, policy, quiet, kind, offset, after, upto, now) -> None:
    ops = connection.ops
    anchor_column = "due_date" if offset <= 0 else "clock_date"
    sql = f"""
        INSERT INTO {_table(Reminder)} (installment_id, user_id, kind, offset_days, day, created)
        SELECT i.id, p.buyer_id, %s, %s, %s, %s
        FROM {_table(Installment)} i JOIN {_table(InstallmentPlan)} p ON p.id = i.plan_id
        WHERE i.id > %s AND i.id <= %s AND i.status IN (%s, %s) AND i.paused = %s AND p.status = %s
          AND i.{anchor_column} = %s
          AND NOT EXISTS (SELECT 1 FROM {_table(Reminder)} r WHERE r.installment_id = i.id AND r.kind = %s)
        ORDER BY i.id
        ON CONFLICT (installment_id, kind) DO NOTHING
        RETURNING id, installment_id"""  # noqa: S608 - table names from _meta; every value a parameter
    params = [kind, offset, ops.adapt_datefield_value(result.day), ops.adapt_datetimefield_value(now), after, upto,
              *UNPAID, False, PlanStatus.ACTIVE, ops.adapt_datefield_value(anchor_date(result.day, offset)), kind]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        claimed = dict((installment_id, reminder_id) for reminder_id, installment_id in cursor.fetchall())
    if not claimed:
        return
    result.created[kind] += len(claimed)

    today = now.astimezone(conf.time_zone()).date()
    reminder_ids, notifications, channels = [], [], {Channel.EMAIL: [], Channel.SMS: []}
    for row in _message_data(list(claimed)):
        values = render.Values(amount=row["amount"], due_date=row["due_date"], number=row["number"],
                               count=row["count"], plan_id=row["plan_id"])
        lang = render.language(row["language"])
        notifications.append(Notification(
            user_id=row["buyer_id"], kind=Notification.Kind.REPAYMENT_REMINDER,
            title=render.render("title", lang=lang, values=values, today=today, absolute_link=False)[:200],
            body=render.render("body", lang=lang, values=values, today=today, absolute_link=False),
            link=render.plan_link(row["plan_id"], absolute=False)))
        reminder_id = claimed[row["pk"]]
        reminder_ids.append(reminder_id)
        if policy.email_enabled and row["email_on"] is not False and row["email"]:
            channels[Channel.EMAIL].append(reminder_id)
        if policy.sms_enabled and row["sms_on"] is not False and row["phone_index"]:
            channels[Channel.SMS].append(reminder_id)
    Notification.objects.bulk_create(notifications)
    _link_notifications(list(zip(reminder_ids, (n.pk for n in notifications), strict=True)))

    held = quiet.contains(now)
    delivery_ids = []
    for channel, ids in channels.items():
        delivery_ids += _insert_deliveries(channel, ids, now=now, not_before=quiet.next_open(now) if held else None,
                                           enqueued=not held)
    result.deliveries += len(delivery_ids)
    if held:
        result.held += len(delivery_ids)
    elif delivery_ids:
        result.queued += len(delivery_ids)
        transaction.on_commit(lambda: enqueue(delivery_ids), robust=True)


def _message_data(installment_ids: list[int]):
    """What the messages and channels need, for the claimed instalments only (no emergency contacts here)."""
    prefs = "plan__buyer__notification_preference__"
    rows = Installment.objects.filter(pk__in=installment_ids).values(
        "pk", "plan_id", "number", "due_date", "principal_amount", "fee_amount", "penalty_amount",
        "paid_principal_amount", "paid_fee_amount", "paid_penalty_amount",
        count=F("plan__count"), buyer_id=F("plan__buyer_id"), email=F("plan__buyer__email"),
        phone_index=F("plan__buyer__phone_index"), language=F(prefs + "language"), email_on=F(prefs + "email"),
        sms_on=F(prefs + "sms")).order_by()
    for row in rows:
        row["amount"] = (row["principal_amount"] + row["fee_amount"] + row["penalty_amount"]
                         - row["paid_principal_amount"] - row["paid_fee_amount"] - row["paid_penalty_amount"])
        yield row


def _link_notifications(pairs: list[tuple[int, int]]) -> None:
    if not pairs:
        return
    values = ", ".join(["(%s, %s)"] * len(pairs))
    sql = f"""
        UPDATE {_table(Reminder)} SET notification_id = v.n
        FROM (SELECT column1 AS r, column2 AS n FROM (VALUES {values}) AS t) AS v
        WHERE {_table(Reminder)}.id = v.r"""  # noqa: S608 - table names from _meta; every value a parameter
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for pair in pairs for value in pair])


def _insert_deliveries(channel: str, reminder_ids: list[int], *, now, not_before, enqueued: bool) -> list[int]:
    if not reminder_ids:
        return []
    ops = connection.ops
    stamp = ops.adapt_datetimefield_value(now)
    sql = f"""
        INSERT INTO {_table(ReminderDelivery)} (reminder_id, channel, status, attempts, not_before, enqueued_at,
                                                claim, provider_ref, last_error, created, modified)
        SELECT id, %s, %s, 0, %s, %s, '', '', '', %s, %s FROM {_table(Reminder)}
        WHERE id IN ({", ".join(["%s"] * len(reminder_ids))})
        RETURNING id"""  # noqa: S608 - table names from _meta; every value a parameter
    params = [channel, DeliveryStatus.PENDING, ops.adapt_datetimefield_value(not_before),
              stamp if enqueued else None, stamp, stamp, *reminder_ids]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def enqueue(delivery_ids: list[int]) -> None:
    """Publish send tasks for ``delivery_ids``, ``REMINDER_TASK_CHUNK`` ids per task, over one connection."""
    from config.celery import app
    from credit.reminders.tasks import reminder_deliveries_send_task

    size = int(conf.get("REMINDER_TASK_CHUNK"))
    with app.producer_or_acquire() as producer:
        for start in range(0, len(delivery_ids), size):
            reminder_deliveries_send_task.apply_async((delivery_ids[start:start + size],), producer=producer)


def deliveries_dispatch(*, now: datetime | None = None, quiet: QuietHours | None = None,
                        chunk: int | None = None) -> int:
    """Enqueue deliveries that wait and have no live task: held for quiet hours, lost with a crashed
    worker or a broker outage, or claimed by a worker that died mid-send (after the claim lease).

    Enqueued again only when the last enqueue is older than ``REMINDER_REQUEUE_SECONDS``, so a
    delivery waiting for its retry backoff is left to its retry. Nothing goes out in quiet hours.
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
