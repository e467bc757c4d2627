"""Celery tasks of core: thin wrappers, idempotent, taking ids."""
from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail

from core.models import Notification


@shared_task(bind=True, acks_late=True, max_retries=5, default_retry_delay=60)
def send_notification_email(self, notification_id: int) -> None:
    notification = Notification.objects.select_related("user").filter(pk=notification_id).first()
    if notification is None or not notification.user.email:
        return
    try:
        send_mail(notification.title, notification.body + (f"\n\n{notification.link}" if notification.link else ""),
                  settings.DEFAULT_FROM_EMAIL, [notification.user.email])
    except OSError as exc:  # SMTP trouble: try again later
        raise self.retry(exc=exc) from exc
