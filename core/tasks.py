"""Celery tasks of core: thin wrappers, idempotent, taking ids."""
from celery import shared_task

SEND_EMAIL_TASK = "core.tasks.send_notification_email"
DISPATCH_EMAILS_TASK = "core.tasks.notification_emails_dispatch_task"
BEAT_SCHEDULE = {
    # E-mails the broker could not take, or lost: published again (core/notifications.py).
    "core-notification-emails-dispatch": {"task": DISPATCH_EMAILS_TASK, "schedule": 300.0,
                                          "options": {"expires": 300}},
}


@shared_task(bind=True, name=SEND_EMAIL_TASK, acks_late=True, reject_on_worker_lost=True, max_retries=5,
             default_retry_delay=60)
def send_notification_email(self, notification_id: int) -> str:
    from core.notifications import notification_email_send

    try:
        return notification_email_send(notification_id)
    except OSError as exc:  # SMTP trouble: try again later (the message is pending again meanwhile)
        raise self.retry(exc=exc) from exc


@shared_task(name=DISPATCH_EMAILS_TASK, acks_late=True, reject_on_worker_lost=True)
def notification_emails_dispatch_task() -> int:
    from core.notifications import notification_emails_dispatch

    return notification_emails_dispatch()
