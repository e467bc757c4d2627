"""Telling users things: an in-site message always, e-mail after commit when they want it."""
from django.db import transaction
from django.utils import translation

from core.models import Notification, NotificationPreference


def preferences_for(user) -> NotificationPreference:
    prefs, _ = NotificationPreference.objects.get_or_create(user=user)
    return prefs


def notify(*, user, kind: str, title, body, link: str = "", email: bool = True) -> Notification:
    """Record an in-site message for ``user`` in the user's language; e-mail it after commit.

    ``title`` and ``body`` may be lazy translations: they are rendered here, in
    the language the user chose, so a message reads the same whoever triggered it.
    """
    prefs = preferences_for(user)
    with translation.override(prefs.language):
        notification = Notification.objects.create(user=user, kind=kind, title=str(title)[:200], body=str(body),
                                                   link=link)
    if email and prefs.email and user.email:
        from core.tasks import send_notification_email

        transaction.on_commit(lambda: send_notification_email.delay(notification.pk))
    return notification
