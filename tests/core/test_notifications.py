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
