"""Sending reminder deliveries by e-mail and SMS, exactly once per delivery row, and staff resends.

A delivery is *claimed* (pending → sending, with a fresh token) by one conditional
UPDATE, sent, then *finished* by a second UPDATE that only the holder of the token
can make. A redelivered or duplicated task finds the row sent (or claimed by a
live worker) and does nothing. A worker killed between claim and finish leaves
the row ``sending``; after ``REMINDER_CLAIM_LEASE_SECONDS`` the sweep enqueues it
again and the next task may claim it. That is the one window where a provider
could be asked twice (it has already accepted the message but we never heard):
the e-mail carries a stable Message-ID and the SMS a stable reference for
providers that deduplicate.
"""
import logging
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime

from django.conf import settings
from django.core.exceptions import ObjectDoesNotExist
from django.core.mail import EmailMessage, get_connection
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors
from core.errors import DomainError
from core.notifications import preferences_for
from core.privacy import audit
from core.sms import SmsError, get_sms_backend
from credit.models import PlanStatus
from credit.models.plans import UNPAID
from credit.models.reminders import Channel, DeliveryStatus, ReminderDelivery, ReminderPolicy
from credit.reminders import conf, render
from credit.reminders.sweep import enqueue, quiet_hours

logger = logging.getLogger("fangxin.reminders")

RESEND_PERMISSION = "credit.resend_reminderdelivery"
RETRYABLE = (SmsError, OSError)  # smtplib.SMTPException is an OSError


@dataclass
class SendOutcome:
    sent: list[int] = field(default_factory=list)
    retry: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    skipped: list[int] = field(default_factory=list)
    held: list[int] = field(default_factory=list)
    not_claimed: list[int] = field(default_factory=list)


def deliveries_send(*, ids: list[int], now: datetime | None = None) -> SendOutcome:
    """Send each of ``ids`` that is still to be sent. Returns what happened; ``retry`` holds provider failures
    that have attempts left (the caller retries them with backoff)."""
    now = now or timezone.now()
    outcome = SendOutcome()
    policy = ReminderPolicy.current()
    quiet = quiet_hours(policy)
    if quiet.contains(now):
        # Picked up in the night (a retry, a late redelivery): wait for the morning, the sweep enqueues it then.
        waiting = ReminderDelivery.objects.filter(pk__in=ids, status=DeliveryStatus.PENDING)
        outcome.held = list(waiting.values_list("pk", flat=True))
        waiting.update(not_before=quiet.next_open(now), enqueued_at=None, modified=now)
        return outcome
    sender = _Sender()
    claims = _Claims()
    # What each delivery needs (its instalment and plan, the buyer and their preferences), read for the whole
    # batch in one query; each row is still claimed and finished on its own.
    ids = list(dict.fromkeys(ids))
    loaded = ReminderDelivery.objects.select_related(
        "reminder__installment__plan", "reminder__user__notification_preference").in_bulk(ids)
    try:
        with _commits_without_waiting_for_disk():
            try:
                for pk in ids:
                    getattr(outcome, _send_one(pk, loaded.get(pk), policy=policy, sender=sender,
                                               claims=claims)).append(pk)
            finally:
                claims.flush()
    finally:
        sender.close()
    return outcome


@contextmanager
def _commits_without_waiting_for_disk():
    """PostgreSQL: the claim and finish of each delivery commit without waiting for the WAL flush.

    Each delivery commits twice (claim, then finish) so that a worker dying mid-batch can make at most the
    one message in flight go out twice; waiting for the disk on each of those commits was most of a send's
    time. ``synchronous_commit = off`` keeps every guarantee against a worker dying (the commits are made
    and visible at once); only a crash of the database server itself can lose the last fraction of a second
    of them, and the cost of that is a reminder sent twice — never money (no money moves here). Set for
    this connection while the batch is sent, and reset after it, before the worker runs anything else.
    """
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SET synchronous_commit TO OFF")
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("RESET synchronous_commit")


def _send_one(pk: int, delivery: ReminderDelivery | None, *, policy: ReminderPolicy, sender: "_Sender",
              claims: "_Claims") -> str:
    if delivery is None:  # deleted since it was queued
        return "not_claimed"
    token = uuid.uuid4().hex
    # The claim also requires the attempts read with the batch: a row another worker claimed (and maybe gave
    # back) since then is not ours to send with stale figures.
    if not claims.claim(pk, attempts=delivery.attempts, token=token):
        return "not_claimed"
    delivery.status, delivery.claim = DeliveryStatus.SENDING, token
    delivery.attempts += 1
    max_attempts = int(conf.get("REMINDER_MAX_ATTEMPTS"))
    if delivery.attempts > max_attempts:  # claimed again and again by workers that died: give up loudly
        _finish(pk, token, status=DeliveryStatus.FAILED,
                last_error=f"gave up after {max_attempts} attempts (worker lost while sending)")
        return "failed"
    reason = _skip_reason(delivery, policy)
    if reason:
        _finish(pk, token, status=DeliveryStatus.SKIPPED, last_error=reason, attempts=F("attempts") - 1)
        return "skipped"
    try:
        ref = sender.send(delivery)
    except RETRYABLE as exc:
        error = f"{type(exc).__name__}: {exc}"[:500]
        if delivery.attempts >= max_attempts:
            logger.warning("reminder delivery %s failed for good after %s attempts: %s", pk, delivery.attempts, error)
            _finish(pk, token, status=DeliveryStatus.FAILED, last_error=error)
            return "failed"
        # Back to pending; the task retries it after a backoff. enqueued_at = now keeps the sweep's
        # requeue away until well after that retry is due.
        _finish(pk, token, status=DeliveryStatus.PENDING, last_error=error, enqueued_at=timezone.now())
        return "retry"
    except Exception as exc:  # noqa: BLE001 - a bug must not stop the rest of the batch; it is recorded for staff
        logger.exception("reminder delivery %s failed", pk)
        _finish(pk, token, status=DeliveryStatus.FAILED, last_error=f"{type(exc).__name__}: {exc}"[:500])
        return "failed"
    claims.sent(pk, token=token, reference=str(ref or "")[:100])
    return "sent"


class _Claims:
    """The two statements every message costs, claim and "sent", in one round trip where they can be.

    A delivery is claimed just before it is sent and marked sent just after. Marking
    it sent is held back until the next claim and goes to PostgreSQL in the same
    statement (or alone at the end of the batch): nothing is sent in between, so a
    worker dying there leaves exactly what it leaves today between a send and its
    finish — one row ``sending`` that goes out again after the lease. The statements
    are written out rather than built by the ORM for each message (building them cost
    more than their round trip).
    """

    _CLAIM = """UPDATE credit_reminderdelivery
        SET status = 'sending', claim = %(token)s, claimed_at = %(now)s, attempts = attempts + 1, modified = %(now)s
        WHERE id = %(id)s AND attempts = %(attempts)s
          AND (status = 'pending' OR (status = 'sending' AND claimed_at < %(lease)s))
        RETURNING id"""
    _SENT = """UPDATE credit_reminderdelivery
        SET status = 'sent', sent_at = %(sent_at)s, provider_ref = %(reference)s, last_error = '',
            modified = %(sent_at)s
        WHERE id = %(sent_id)s AND status = 'sending' AND claim = %(sent_token)s
        RETURNING id"""
    # Composed of the two constants above; every value is a parameter.
    _SENT_AND_CLAIM = (f"WITH sent AS ({_SENT}), claimed AS ({_CLAIM}) "  # noqa: S608
                       "SELECT (SELECT count(*) FROM sent), (SELECT count(*) FROM claimed)")

    def __init__(self):
        self._sent = None  # the parameters of the "sent" not yet written

    def claim(self, pk: int, *, attempts: int, token: str) -> bool:
        now = timezone.now()
        params = {"id": pk, "attempts": attempts, "token": token, "now": now,
                  "lease": now - conf.seconds("REMINDER_CLAIM_LEASE_SECONDS")}
        with connection.cursor() as cursor:
            if self._sent is None or connection.vendor != "postgresql":
                self.flush()
                cursor.execute(self._CLAIM, params)
                return len(cursor.fetchall()) == 1
            sent = self._sent
            self._sent = None
            cursor.execute(self._SENT_AND_CLAIM, {**sent, **params})
            was_sent, claimed = cursor.fetchone()
        _check_finished(sent["sent_id"], was_sent)
        return claimed == 1

    def sent(self, pk: int, *, token: str, reference: str) -> None:
        self._sent = {"sent_id": pk, "sent_token": token, "reference": reference, "sent_at": timezone.now()}

    def flush(self) -> None:
        if self._sent is None:
            return
        sent, self._sent = self._sent, None
        with connection.cursor() as cursor:
            cursor.execute(self._SENT, sent)
            _check_finished(sent["sent_id"], len(cursor.fetchall()))


def _finish(pk: int, token: str, **changes) -> bool:
    """Only the task holding the claim may move the row on (a reclaimed row belongs to its new holder)."""
    done = ReminderDelivery.objects.filter(pk=pk, status=DeliveryStatus.SENDING, claim=token).update(
        modified=timezone.now(), **changes)
    return _check_finished(pk, done)


def _check_finished(pk: int, rows: int) -> bool:
    if not rows:
        logger.warning("reminder delivery %s was reclaimed while this worker sent it", pk)
    return bool(rows)


def _skip_reason(delivery: ReminderDelivery, policy: ReminderPolicy) -> str:
    """Why this delivery must not go out now (the state may have changed since the sweep), or ""."""
    installment = delivery.reminder.installment
    if installment.status not in UNPAID or installment.plan.status != PlanStatus.ACTIVE:
        return f"instalment {installment.status}"
    if installment.paused:
        return "instalment paused (after-sales case open)"
    user = delivery.reminder.user
    prefs = _preferences(user)
    if delivery.channel == Channel.EMAIL:
        if not (policy.email_enabled and prefs.email):
            return "e-mail switched off"
        if not user.email:
            return "no e-mail address"
    else:
        if not (policy.sms_enabled and prefs.sms):
            return "SMS switched off"
        if not user.phone:
            return "no phone number"
    return ""


def _preferences(user):
    """The user's notification preferences: the row read with the delivery, or read (created) now."""
    try:
        return user.notification_preference
    except ObjectDoesNotExist:
        return preferences_for(user)


def message_for(delivery: ReminderDelivery, *, today=None) -> dict:
    """The text of a delivery as it goes out now: current amount owed, in the buyer's language."""
    reminder = delivery.reminder
    installment, user = reminder.installment, reminder.user
    today = today or timezone.now().astimezone(conf.time_zone()).date()
    values = render.Values(amount=installment.owed_amount, due_date=installment.due_date, number=installment.number,
                           count=installment.plan.count, plan_id=installment.plan_id, username=user.get_username())
    lang = _preferences(user).language
    if delivery.channel == Channel.EMAIL:
        return {"to": user.email,
                "subject": render.render("title", lang=lang, values=values, today=today, absolute_link=True),
                "body": render.render("email_body", lang=lang, values=values, today=today, absolute_link=True)}
    return {"to": user.phone, "body": render.render("sms", lang=lang, values=values, today=today, absolute_link=True)}


class _Sender:
    """One SMTP connection and one SMS provider per batch."""

    def __init__(self):
        self._mail = None
        self._sms = None

    def send(self, delivery: ReminderDelivery) -> str:
        message = message_for(delivery)
        if delivery.channel == Channel.EMAIL:
            if self._mail is None:
                self._mail = get_connection()
            reference = f"reminder-delivery-{delivery.pk}"
            email = EmailMessage(message["subject"], message["body"], settings.DEFAULT_FROM_EMAIL, [message["to"]],
                                 headers={"Message-ID": f"<{reference}@fangxin.reminders>",
                                          "X-Fangxin-Reference": reference},
                                 connection=self._mail)
            email.send()
            return reference
        if self._sms is None:
            self._sms = get_sms_backend()
        return self._sms.send(to=message["to"], body=message["body"])

    def close(self):
        if self._mail is not None:
            try:
                self._mail.close()
            except OSError:
                logger.warning("closing the mail connection failed", exc_info=True)


def deliveries_resend(*, actor, deliveries, reason: str = "") -> list[int]:
    """Staff: send these deliveries again (failed, skipped or even sent ones), attempts counted afresh."""
    if not (actor and actor.is_active and actor.is_staff and actor.has_perm(RESEND_PERMISSION)):
        raise DomainError(errors.PERMISSION_DENIED, _("You do not have permission to do this."))
    now = timezone.now()
    with transaction.atomic():
        rows = list(ReminderDelivery.objects.select_for_update().filter(pk__in=[d.pk for d in deliveries])
                    .exclude(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]).order_by("pk"))
        for row in rows:
            audit(actor=actor, action="reminder_resend", target=row, reason=reason, channel=row.channel,
                  old_status=row.status, attempts=row.attempts, reminder=row.reminder_id)
        ids = [row.pk for row in rows]
        ReminderDelivery.objects.filter(pk__in=ids).update(
            status=DeliveryStatus.PENDING, attempts=0, claim="", not_before=None, enqueued_at=now, last_error="",
            modified=now)
        if ids:
            transaction.on_commit(lambda: enqueue(ids), robust=True)
    return ids
