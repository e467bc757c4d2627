"""Who gets what: channel preferences, language, pausing during an after-sales case, emergency contacts."""
from datetime import date, timedelta

import pytest
from django.core import mail

from core.models import Notification
from credit.models import InstallmentPlan
from credit.models.reminders import Reminder, ReminderDelivery, ReminderPolicy
from marketplace.hooks import announce_case_state
from tests.credit.reminders.conftest import FIRST_DUE, at, local

pytestmark = pytest.mark.django_db

CONTACTS = [{"name": "王五", "phone": "13800000001", "relation": "parent"},
            {"name": "赵六", "phone": "13800000002", "relation": "friend"}]


def set_preferences(client_for, user, **changes):
    response = client_for(user).patch("/api/v1/me/notification-preferences/", changes, format="json")
    assert response.status_code == 200, response.content
    return response.json()


@pytest.mark.parametrize(("changes", "channels"), [
    ({}, ["email", "sms"]),
    ({"email": False}, ["sms"]),
    ({"sms": False}, ["email"]),
    ({"email": False, "sms": False}, []),
], ids=["both", "no-email", "no-sms", "in-site-only"])
def test_buyer_channel_preferences_decide_the_delivery_rows(plan, sweep, sms_outbox, client_for, changes, channels):
    set_preferences(client_for, plan.buyer, **changes)
    sweep(local(FIRST_DUE, 9))
    assert sorted(ReminderDelivery.objects.values_list("channel", flat=True)) == channels
    assert Notification.objects.filter(user=plan.buyer, kind="repayment_reminder").count() == 1  # always
    assert len(mail.outbox) == ("email" in channels)
    assert len(sms_outbox) == ("sms" in channels)


def test_policy_channel_switch_stops_a_channel_for_everybody(plan, sweep, sms_outbox):
    ReminderPolicy.objects.filter(pk=1).update(sms_enabled=False)
    sweep(local(FIRST_DUE, 9))
    assert list(ReminderDelivery.objects.values_list("channel", flat=True)) == ["email"]
    assert sms_outbox == []


def test_no_email_address_means_no_email_row(plan, sweep):
    type(plan.buyer).objects.filter(pk=plan.buyer_id).update(email="")
    sweep(local(FIRST_DUE, 9))
    assert list(ReminderDelivery.objects.values_list("channel", flat=True)) == ["sms"]


def test_preference_switched_off_after_the_sweep_is_honoured_at_send_time(plan, sweep, sms_outbox, client_for):
    sweep(local(FIRST_DUE - timedelta(days=3), 22, 30))  # held for the night
    set_preferences(client_for, plan.buyer, sms=False)
    sweep(local(FIRST_DUE - timedelta(days=2), 8, 0))
    statuses = dict(ReminderDelivery.objects.values_list("channel", "status"))
    assert statuses == {"email": "sent", "sms": "skipped"}
    assert ReminderDelivery.objects.get(channel="sms").last_error == "SMS switched off"
    assert sms_outbox == []


def test_english_buyer_gets_english_everywhere(plan, sweep, sms_outbox, client_for):
    set_preferences(client_for, plan.buyer, language="en")
    sweep(local(FIRST_DUE - timedelta(days=1), 9))
    message = Notification.objects.get(kind="repayment_reminder")
    assert message.title == "Repayment reminder: ¥341.66 due in 1 day"
    assert "Instalment 1 of 3" in message.body and "Feb. 10, 2026" in message.body
    assert mail.outbox[0].subject == "Repayment reminder: ¥341.66 due in 1 day"
    assert mail.outbox[0].body.startswith(f"Hello {plan.buyer.username},")
    assert sms_outbox[0]["body"].startswith("[Fangxin] Instalment 1/3, ¥341.66, is due on Feb. 10, 2026.")


def test_reminders_are_listed_in_my_notifications(plan, sweep, client_for):
    sweep(local(FIRST_DUE, 9))
    response = client_for(plan.buyer).get("/api/v1/me/notifications/?kind=repayment_reminder")
    assert response.status_code == 200
    body = response.json()
    items = body["results"] if isinstance(body, dict) else body
    assert [item["kind"] for item in items] == ["repayment_reminder"]
    assert "¥341.66" in items[0]["body"] and items[0]["read"] is False


def test_paused_instalment_gets_no_overdue_reminder_and_the_clock_resumes_after_the_case(plan, sweep):
    sweep(local(FIRST_DUE + timedelta(days=1), 9))  # overdue_1d before the case
    with at(local(date(2026, 2, 12), 12)):
        announce_case_state(order=plan.order, is_open=True)
    assert InstallmentPlan.objects.get(pk=plan.pk).paused

    for day in range(12, 29):  # +3 and +7 fall inside the pause: nothing; nor due_day of instalment 2 (10 Mar)
        sweep(local(date(2026, 2, day), 9))
    for day in range(1, 20):
        sweep(local(date(2026, 3, day), 9))
    assert sorted(Reminder.objects.values_list("installment__number", "kind")) == [(1, "overdue_1d")]

    with at(local(date(2026, 3, 20), 12)):
        announce_case_state(order=plan.order, is_open=False)
    # Paused on day 2 of being overdue: after the case the clock counts on from 2, so day 3 is 21 March.
    # Instalment 2 fell due during the pause (10 Mar): its clock starts on 20 March, day 1 is 21 March.
    sweep(local(date(2026, 3, 21), 9))
    assert sorted(Reminder.objects.values_list("installment__number", "kind")) == [
        (1, "overdue_1d"), (1, "overdue_3d"), (2, "overdue_1d")]
    assert Reminder.objects.get(kind="overdue_3d").day == date(2026, 3, 21)


def test_a_delivery_of_an_instalment_paused_after_the_sweep_is_skipped(plan, sweep, sms_outbox):
    sweep(local(FIRST_DUE + timedelta(days=1), 22, 30))  # overdue_1d recorded, channels held for the night
    with at(local(FIRST_DUE + timedelta(days=2), 7, 0)):
        announce_case_state(order=plan.order, is_open=True)
    sweep(local(FIRST_DUE + timedelta(days=2), 8, 0))
    assert set(ReminderDelivery.objects.values_list("status", "last_error")) == {
        ("skipped", "instalment paused (after-sales case open)")}
    assert sms_outbox == [] and mail.outbox == []


def test_emergency_contacts_are_never_a_recipient_nor_in_any_message(make_user, apply, listing, place_credit_order,
                                                                    sweep, sms_outbox, client_for):
    buyer = make_user("contactbuyer")
    apply(buyer, emergency_contacts=CONTACTS)
    with at(local(date(2026, 1, 10), 12)):
        place_credit_order(buyer, listing, installments=3)
    set_preferences(client_for, buyer, language="en")  # both languages are checked below
    for days in (-3, -1, 0, 1, 3, 7):
        sweep(local(FIRST_DUE + timedelta(days=days), 9))
        if days == 0:
            set_preferences(client_for, buyer, language="zh-hans")

    texts = [n.title + n.body for n in Notification.objects.filter(kind="repayment_reminder")]
    texts += [m.subject + m.body for m in mail.outbox] + [s["body"] for s in sms_outbox]
    assert len(texts) == 18
    for contact in CONTACTS:
        assert not any(contact["name"] in text or contact["phone"][-8:] in text for text in texts)
    buyer.refresh_from_db()
    assert {s["to"] for s in sms_outbox} == {buyer.phone}
    assert {address for m in mail.outbox for address in m.to} == {buyer.email}
    assert set(Reminder.objects.values_list("user_id", flat=True)) == {buyer.pk}
