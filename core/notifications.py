"""Telling users things: an in-site message always, e-mail after commit when they want it.

The e-mail copy is recorded with the message (``email_status`` pending) and sent by a
task published after commit. Publishing never fails the request that notified: if the
broker cannot take the task (Redis down), the message is marked as never enqueued and
``notification_emails_dispatch`` (a beat job every few minutes) publishes it again, as it
does for tasks lost with the broker's data or a worker that died mid-send. The task claims
the message before sending (pending → sending), so a message published twice is sent once.
"""
import logging
import time
from datetime import timedelta

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from core.models import Notification, NotificationPreference

logger = logging.getLogger(__name__)
Status = Notification.EmailStatus

# After a failed publish, later e-mails skip the broker for this long (the sweep sends them): a request
# that notifies several people waits for the broker's connection timeout once, not once per message.
BROKER_PAUSE_SECONDS = 5.0
MAX_ATTEMPTS = 10  # then the message is marked failed (e.g. an address the mail server keeps refusing)
DEFAULTS = {
    "EMAIL_REQUEUE_SECONDS": 900,  # a published e-mail not sent after this is published again
    "EMAIL_CLAIM_LEASE_SECONDS": 600,  # a worker that claimed an e-mail and died: another may send it after this
    "EMAIL_DISPATCH_CHUNK": 500,
}
_broker_paused_until = 0.0


def _conf(name: str) -> int:
    return int(getattr(settings, "FANGXIN", {}).get(name, DEFAULTS[name]))


def preferences_for(user) -> NotificationPreference:
    """The user's preferences, to change or to act on: the row is created with the defaults if missing."""
    prefs, _ = NotificationPreference.objects.get_or_create(user=user)
    return prefs


def preferences_of(user) -> NotificationPreference:
    """The user's preferences, to show: the stored row, or the defaults unsaved (a page view writes nothing)."""
    return NotificationPreference.objects.filter(user=user).first() or NotificationPreference(user=user)


def notify(*, user, kind: str, title, body, link: str = "", email: bool = True) -> Notification:
    """Record an in-site message for ``user`` in the user's language; e-mail it after commit.

    ``title`` and ``body`` may be lazy translations: they are rendered here, in
    the language the user chose, so a message reads the same whoever triggered it.
    """
    prefs = preferences_for(user)
    emailed = bool(email and prefs.email and user.email)
    with translation.override(prefs.language):
        notification = Notification.objects.create(
            user=user, kind=kind, title=str(title)[:200], body=str(body), link=link,
            email_status=Status.PENDING if emailed else Status.NONE,
            email_enqueued_at=timezone.now() if emailed else None)
    if emailed:
        transaction.on_commit(lambda: emails_enqueue([notification.pk]), robust=True)
    return notification


def emails_enqueue(notification_ids: list[int]) -> int:
    """Publish a send task per message; never raises. Returns how many were published.

    Those the broker did not take are marked as never enqueued, so the next dispatch sends them.
    """
    global _broker_paused_until
    from config.celery import app
    from core.tasks import send_notification_email

    if app.conf.task_always_eager:  # tests and debugging: the tasks run here and now
        for pk in notification_ids:
            send_notification_email.apply_async((pk,))
        return len(notification_ids)
    published = 0
    if time.monotonic() >= _broker_paused_until:
        try:
            with app.producer_or_acquire() as producer:  # one connection for the lot
                for pk in notification_ids:
                    send_notification_email.apply_async((pk,), producer=producer)
                    published += 1
        except Exception:  # noqa: BLE001 - whatever the broker raised, the request that notified goes on
            _broker_paused_until = time.monotonic() + BROKER_PAUSE_SECONDS
            logger.warning("could not enqueue %s notification e-mails; the dispatch sweep will",
                           len(notification_ids) - published, exc_info=True)
    left = notification_ids[published:]
    if left:
        Notification.objects.filter(pk__in=left, email_status=Status.PENDING).update(email_enqueued_at=None)
    return published


def notification_email_send(notification_id: int) -> str:
    """Send one message's e-mail unless it was sent or another worker is sending it; returns what happened.

    Raises OSError when the mail server fails (the task retries; the message goes back to pending).
    """
    now = timezone.now()
    lease = now - timedelta(seconds=_conf("EMAIL_CLAIM_LEASE_SECONDS"))
    claimed = (Notification.objects.filter(pk=notification_id)
               .filter(Q(email_status=Status.PENDING) | Q(email_status=Status.SENDING, email_claimed_at__lt=lease))
               .update(email_status=Status.SENDING, email_claimed_at=now, email_attempts=F("email_attempts") + 1))
    if not claimed:
        return "not due"
    notification = Notification.objects.select_related("user").get(pk=notification_id)
    if not notification.user.email:
        Notification.objects.filter(pk=notification_id).update(email_status=Status.NONE)
        return "no address"
    message = EmailMessage(
        notification.title, notification.body + (f"\n\n{notification.link}" if notification.link else ""),
        settings.DEFAULT_FROM_EMAIL, [notification.user.email],
        headers={"X-Fangxin-Reference": f"notification-{notification.pk}"})
    try:
        message.send()
    except OSError:
        status = Status.FAILED if notification.email_attempts >= MAX_ATTEMPTS else Status.PENDING
        Notification.objects.filter(pk=notification_id, email_status=Status.SENDING).update(email_status=status)
        raise
    Notification.objects.filter(pk=notification_id).update(email_status=Status.SENT, email_sent_at=timezone.now())
    return "sent"


def notification_emails_dispatch(*, now=None, chunk: int | None = None) -> int:
    """Publish again the e-mails that wait without a live task; returns how many.

    Those never enqueued (the broker was down when they were recorded), those published longer
    than ``EMAIL_REQUEUE_SECONDS`` ago and still not sent (the task was lost with the broker's
    data), and those a worker claimed and did not finish within the claim lease (it died).
    """
    now = now or timezone.now()
    chunk = chunk or _conf("EMAIL_DISPATCH_CHUNK")
    stale = Q(email_enqueued_at__isnull=True) | Q(email_enqueued_at__lt=now - timedelta(
        seconds=_conf("EMAIL_REQUEUE_SECONDS")))
    lease = now - timedelta(seconds=_conf("EMAIL_CLAIM_LEASE_SECONDS"))
    waiting = stale & (Q(email_status=Status.PENDING) | Q(email_status=Status.SENDING, email_claimed_at__lt=lease))
    total = 0
    while True:
        with transaction.atomic():
            # Rows another dispatch is publishing right now are skipped, not published twice.
            ids = list(Notification.objects.select_for_update(skip_locked=True).filter(waiting)
                       .order_by("pk").values_list("pk", flat=True)[:chunk])
            if not ids:
                break
            Notification.objects.filter(pk__in=ids).update(email_enqueued_at=now)
            transaction.on_commit(lambda ids=ids: emails_enqueue(ids), robust=True)
        total += len(ids)
        if len(ids) < chunk:
            break
    if total:
        logger.info("published %s waiting notification e-mails again", total)
    return total
