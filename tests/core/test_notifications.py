"""In-site messages and notification preferences."""
import pytest
from django.core import mail

from core.models import Notification
from core.notifications import notify

pytestmark = pytest.mark.django_db


def test_notify_records_message_and_emails_after_commit(make_user, django_capture_on_commit_callbacks, monkeypatch):
    from config.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)  # restored after the test, whatever it was
    user = make_user("gina")
    with django_capture_on_commit_callbacks(execute=True):
        notify(user=user, kind="order_event", title="Shipped", body="Your order #1 shipped.")
    assert Notification.objects.filter(user=user, kind="order_event").count() == 1
    assert [m.subject for m in mail.outbox] == ["Shipped"]


def test_notifications_are_private_and_can_be_marked_read(make_user, client_for, api):
    alice, bob = make_user("alice"), make_user("bob")
    note = notify(user=alice, kind="repayment_reminder", title="Due soon", body="¥100.00 due", email=False)
    notify(user=bob, kind="order_event", title="Other", body="x", email=False)

    response = client_for(alice).get("/api/v1/me/notifications/")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 1
    assert body["results"][0] | {"created": None} == {"id": note.pk, "kind": "repayment_reminder",
                                                      "title": "Due soon", "body": "¥100.00 due", "link": "",
                                                      "created": None, "read": False}
    assert client_for(bob).post(f"/api/v1/me/notifications/{note.pk}/read/").status_code == 404
    assert client_for(alice).post(f"/api/v1/me/notifications/{note.pk}/read/").json()["read"] is True
    assert api.get("/api/v1/me/notifications/").status_code == 401


def test_preferences_default_and_patch(make_user, client_for):
    client = client_for(make_user("hana"))
    assert client.get("/api/v1/me/notification-preferences/").json() == {
        "in_site": True, "email": True, "sms": True, "language": "zh-hans"}
    response = client.patch("/api/v1/me/notification-preferences/", {"sms": False, "language": "en"}, format="json")
    assert response.status_code == 200
    assert response.json()["sms"] is False
    bad = client.patch("/api/v1/me/notification-preferences/", {"language": "fr"}, format="json")
    assert bad.status_code == 400
    assert bad.json()["code"] == "validation_error"


def test_notification_list_query_count_is_constant(make_user, client_for, django_assert_max_num_queries):
    user = make_user("ivan")
    for i in range(30):
        notify(user=user, kind="order_event", title=f"n{i}", body="b", email=False)
    client = client_for(user)
    for size in (5, 30):
        with django_assert_max_num_queries(4):
            assert client.get(f"/api/v1/me/notifications/?page_size={size}").status_code == 200


def test_notifications_page_lists_mine_and_marks_read(make_user, client):
    user, other = make_user("jane"), make_user("kim")
    note = notify(user=user, kind="order_event", title="Order shipped", body="Parcel on its way", email=False,
                  link="/orders/")
    notify(user=other, kind="order_event", title="Not yours", body="x", email=False)
    client.force_login(user)
    page = client.get("/notifications/", HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200
    assert "Order shipped" in page.text and "Not yours" not in page.text
    assert client.post(f"/notifications/{note.pk}/read/").url == "/orders/"
    note.refresh_from_db()
    assert note.read
    client.force_login(other)
    assert client.post(f"/notifications/{note.pk}/read/").status_code == 404
    assert client.get("/notifications/").status_code == 200


# --- the e-mail copy: published after commit, sent once, never lost to a broker outage -----------------
@pytest.fixture
def broker_down(monkeypatch):
    """The broker refuses every publish (what kombu raises with Redis stopped); the pause is reset after."""
    from kombu.exceptions import OperationalError

    from config.celery import app
    from core import notifications
    from core.tasks import send_notification_email

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(app.conf, "task_always_eager", False)
    monkeypatch.setattr(send_notification_email, "apply_async", refuse)
    yield
    notifications._broker_paused_until = 0.0


@pytest.fixture
def eager(monkeypatch):
    from config.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)


def _statuses(*notes):
    return [Notification.objects.get(pk=note.pk).email_status for note in notes]


def test_an_email_the_broker_cannot_take_waits_for_the_dispatch(make_user, django_capture_on_commit_callbacks,
                                                                   broker_down, monkeypatch):
    from core.notifications import notification_emails_dispatch

    user = make_user("lena")
    with django_capture_on_commit_callbacks(execute=True):  # the publish fails after commit: no exception here
        first = notify(user=user, kind="order_event", title="Paid", body="Order #1 paid.")
        second = notify(user=user, kind="order_event", title="Shipped", body="Order #1 shipped.")
    assert _statuses(first, second) == ["pending", "pending"]
    assert not Notification.objects.filter(email_enqueued_at__isnull=False).exists()  # the sweep's to send
    assert mail.outbox == []

    monkeypatch.undo()  # the broker is back (tasks run in-process here)
    from config.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)
    from core import notifications

    notifications._broker_paused_until = 0.0
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_emails_dispatch() == 2
    assert _statuses(first, second) == ["sent", "sent"]
    assert sorted(m.subject for m in mail.outbox) == ["Paid", "Shipped"]
    assert mail.outbox[0].extra_headers["X-Fangxin-Reference"].startswith("notification-")
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_emails_dispatch() == 0  # nothing waits any more


def test_an_email_is_sent_once_however_often_its_task_runs(make_user, django_capture_on_commit_callbacks, eager):
    from core.notifications import notification_email_send

    user = make_user("mona")
    with django_capture_on_commit_callbacks(execute=True):
        note = notify(user=user, kind="order_event", title="Paid", body="x")
    assert [notification_email_send(note.pk) for _ in range(3)] == ["not due"] * 3
    assert len(mail.outbox) == 1
    note.refresh_from_db()
    assert (note.email_status, note.email_attempts) == ("sent", 1) and note.email_sent_at is not None


def test_no_email_without_an_address_or_the_wish(make_user, django_capture_on_commit_callbacks, eager):
    from core.notifications import preferences_for

    quiet = make_user("nina")
    prefs = preferences_for(quiet)
    prefs.email = False
    prefs.save()
    with django_capture_on_commit_callbacks(execute=True):
        unwanted = notify(user=quiet, kind="order_event", title="a", body="b")
        off = notify(user=make_user("olga"), kind="order_event", title="a", body="b", email=False)
    assert _statuses(unwanted, off) == ["", ""]
    assert mail.outbox == []


def test_a_mail_server_that_is_down_leaves_the_email_pending_for_a_retry(make_user, settings, eager,
                                                                        django_capture_on_commit_callbacks):
    import socket

    from core.notifications import notification_email_send, notification_emails_dispatch

    with socket.socket() as probe:  # a port nobody listens on: the SMTP connection is refused
        probe.bind(("127.0.0.1", 0))
        closed_port = probe.getsockname()[1]
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", closed_port, 2
    note = Notification.objects.create(user=make_user("pia"), kind="order_event", title="Paid", body="x",
                                       email_status="pending")
    with pytest.raises(OSError):
        notification_email_send(note.pk)
    note.refresh_from_db()
    assert (note.email_status, note.email_attempts) == ("pending", 1)  # the task retries; so does the sweep

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    with django_capture_on_commit_callbacks(execute=True):
        assert notification_emails_dispatch() == 1
    note.refresh_from_db()
    assert (note.email_status, note.email_attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


def test_the_dispatch_takes_back_lost_tasks_and_dead_workers_claims(make_user, settings, eager,
                                                                      django_capture_on_commit_callbacks):
    from datetime import timedelta

    from django.utils import timezone

    from core.notifications import notification_emails_dispatch

    settings.FANGXIN = {**settings.FANGXIN, "EMAIL_REQUEUE_SECONDS": 900, "EMAIL_CLAIM_LEASE_SECONDS": 600}
    user = make_user("quinn")
    now = timezone.now()
    rows = {name: Notification.objects.create(user=user, kind="order_event", title=name, body="x", **fields)
            for name, fields in {
                "queued just now": {"email_status": "pending", "email_enqueued_at": now},
                "queued, lost with Redis": {"email_status": "pending", "email_enqueued_at": now - timedelta(hours=1)},
                "being sent": {"email_status": "sending", "email_enqueued_at": now - timedelta(hours=1),
                               "email_claimed_at": now - timedelta(minutes=1)},
                "its worker died": {"email_status": "sending", "email_enqueued_at": now - timedelta(hours=1),
                                    "email_claimed_at": now - timedelta(hours=1)},
                "sent": {"email_status": "sent", "email_enqueued_at": now - timedelta(hours=1)},
            }.items()}

    with django_capture_on_commit_callbacks(execute=True):
        assert notification_emails_dispatch(now=now) == 2
    assert sorted(m.subject for m in mail.outbox) == ["its worker died", "queued, lost with Redis"]
    assert {name: Notification.objects.get(pk=row.pk).email_status for name, row in rows.items()} == {
        "queued just now": "pending", "queued, lost with Redis": "sent", "being sent": "sending",
        "its worker died": "sent", "sent": "sent"}


def test_reading_preferences_writes_nothing(make_user, client_for):
    """Pages and API reads show the defaults of a user with no stored preferences; only a change stores them."""
    from django.test import Client

    from core.models import NotificationPreference

    user = make_user("jade")
    NotificationPreference.objects.filter(user=user).delete()
    client = client_for(user)
    assert client.get("/api/v1/me/notification-preferences/").json()["email"] is True
    assert client.get("/api/v1/me/consents/").status_code == 200
    web = Client()
    web.force_login(user)
    assert web.get("/privacy/").status_code == 200
    assert not NotificationPreference.objects.filter(user=user).exists()
    client.patch("/api/v1/me/notification-preferences/", {"sms": False}, format="json")
    assert NotificationPreference.objects.get(user=user).sms is False
