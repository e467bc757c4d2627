"""Operators and staff: send_due_reminders [--as-of], the reminder log, its filters and the resend action."""
from datetime import timedelta
from io import StringIO

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core import mail
from django.core.management import CommandError, call_command

from core.models import AuditEvent, Notification
from credit.models.reminders import Reminder, ReminderDelivery
from credit.reminders.tasks import SWEEP_TASK, beat_schedule
from tests.credit.reminders.conftest import FIRST_DUE, at, local

pytestmark = pytest.mark.django_db

FLAKY = "tests.credit.reminders.conftest.FlakySmsBackend"


def run(*args, moment=None, capture=None):
    out = StringIO()
    with at(moment or local(FIRST_DUE + timedelta(days=30), 10)), capture(execute=True):
        call_command("send_due_reminders", *args, stdout=out)
    return out.getvalue()


def test_as_of_catches_up_a_missed_window(plan, django_capture_on_commit_callbacks, sms_outbox):
    """The beat was down on 7 February; a month later the operator catches that day up."""
    output = run("--as-of", "2026-02-07T09:30", capture=django_capture_on_commit_callbacks)
    assert "as of 2026-02-07 09:30" in output
    assert "1 reminders recorded" in output and "2 e-mails/SMS queued" in output
    reminder = Reminder.objects.get()
    assert (reminder.kind, reminder.day) == ("before_3d", FIRST_DUE - timedelta(days=3))
    assert sorted(ReminderDelivery.objects.values_list("status", flat=True)) == ["sent", "sent"]
    assert "before_3d" in output and "1/1" in output  # not a terminal: one plain line per kind, no bar
    assert "[#" not in output and "\r" not in output

    again = run("--as-of", "2026-02-07T09:30", capture=django_capture_on_commit_callbacks)
    assert "0 reminders recorded" in again
    assert len(sms_outbox) == 1


@pytest.mark.parametrize(("value", "kind"), [
    ("2026-02-10", "due_day"),  # a bare date: that day at the end of quiet hours
    ("2026-02-10T09:00+08:00", "due_day"),
    ("2026-02-10T01:30:00+00:00", "due_day"),  # 09:30 in Beijing
    ("2026-02-11 12:00", "overdue_1d"),
], ids=["date", "offset", "utc", "space"])
def test_as_of_formats(plan, django_capture_on_commit_callbacks, value, kind):
    run("--as-of", value, capture=django_capture_on_commit_callbacks)
    assert list(Reminder.objects.values_list("kind", flat=True)) == [kind]


def test_as_of_inside_quiet_hours_records_nothing_yet(plan, django_capture_on_commit_callbacks):
    output = run("--as-of", "2026-02-10T07:59", capture=django_capture_on_commit_callbacks)
    assert "Nothing due yet" in output
    assert not Reminder.objects.exists()


def test_as_of_must_be_a_date(plan):
    with pytest.raises(CommandError, match="not an ISO date"):
        call_command("send_due_reminders", "--as-of", "yesterday", stdout=StringIO())


def test_command_run_at_night_records_messages_and_holds_channels(plan, django_capture_on_commit_callbacks,
                                                                  sms_outbox):
    output = run("--as-of", "2026-02-10T10:00", moment=local(FIRST_DUE, 23, 15),
                 capture=django_capture_on_commit_callbacks)
    assert "2 held for quiet hours" in output
    assert Notification.objects.filter(kind="repayment_reminder").count() == 1
    assert sms_outbox == []


def test_beat_runs_the_sweep_every_few_minutes():
    from config.celery import app

    entry = beat_schedule()["credit-reminders-sweep"]
    assert entry["task"] == SWEEP_TASK
    assert app.conf.beat_schedule["credit-reminders-sweep"]["task"] == SWEEP_TASK  # registered in apps.ready
    assert entry["schedule"].minute == set(range(0, 60, 5))


def test_beat_task_runs_the_sweep(plan, django_capture_on_commit_callbacks):
    from credit.reminders.tasks import reminders_sweep_task

    with at(local(FIRST_DUE, 9)), django_capture_on_commit_callbacks(execute=True):
        result = reminders_sweep_task.delay().get()
    assert result["created"]["due_day"] == 1 and result["queued"] == 2


# --- admin ---------------------------------------------------------------------------------------------------------

@pytest.fixture
def failed_sms(plan, sweep, settings):
    settings.SMS_BACKEND = FLAKY
    settings.FANGXIN_CREDIT = {"REMINDER_MAX_ATTEMPTS": 1}
    from tests.credit.reminders.conftest import FlakySmsBackend

    FlakySmsBackend.failures_left = 1
    sweep(local(FIRST_DUE, 9))
    delivery = ReminderDelivery.objects.get(channel="sms")
    assert (delivery.status, delivery.attempts) == ("failed", 1)
    return delivery


@pytest.fixture
def officer_client(credit_officer, client):
    client.force_login(credit_officer)
    return client


def test_reminder_log_lists_and_filters_failures(failed_sms, officer_client):
    url = "/admin/credit/reminderdelivery/"
    page = officer_client.get(url)
    assert page.status_code == 200
    assert b"due_day" in page.content and b"SmsError: gateway timeout" in page.content
    failures = officer_client.get(url, {"trouble": "failed"})
    assert list(failures.context["cl"].queryset) == [failed_sms]
    assert list(officer_client.get(url, {"channel": "email"}).context["cl"].queryset.values_list(
        "status", flat=True)) == ["sent"]
    assert officer_client.get(f"{url}{failed_sms.pk}/change/").status_code == 200
    reminder_page = officer_client.get(f"/admin/credit/reminder/{failed_sms.reminder_id}/change/")
    assert reminder_page.status_code == 200 and "¥341.66".encode() in reminder_page.content
    assert officer_client.get("/admin/credit/reminder/").status_code == 200
    assert officer_client.get("/admin/credit/reminderpolicy/1/change/").status_code == 200


def test_resend_asks_for_a_reason_then_sends_again_and_audits(failed_sms, officer_client, settings,
                                                              django_capture_on_commit_callbacks):
    settings.SMS_BACKEND = "core.sms.MemorySmsBackend"
    url = "/admin/credit/reminderdelivery/"
    data = {"action": "resend", ACTION_CHECKBOX_NAME: [failed_sms.pk]}
    confirm_page = officer_client.post(url, data)
    assert confirm_page.status_code == 200 and b'name="reason"' in confirm_page.content
    failed_sms.refresh_from_db()
    assert failed_sms.status == "failed"  # nothing yet

    with at(local(FIRST_DUE, 10)), django_capture_on_commit_callbacks(execute=True):
        response = officer_client.post(url, {**data, "confirm": "1", "reason": "buyer says no SMS came"})
    assert response.status_code == 302
    failed_sms.refresh_from_db()
    assert (failed_sms.status, failed_sms.attempts, failed_sms.last_error) == ("sent", 1, "")
    event = AuditEvent.objects.get(action="reminder_resend")
    assert (event.target_id, event.reason, event.detail["old_status"]) == (
        str(failed_sms.pk), "buyer says no SMS came", "failed")
    assert Reminder.objects.count() == 1  # a resend is the same reminder, not a new one


def test_resend_needs_the_permission(failed_sms, staff_no_perms, grant, client):
    grant(staff_no_perms, "credit.view_reminderdelivery")
    client.force_login(staff_no_perms)
    url = "/admin/credit/reminderdelivery/"
    page = client.get(url)
    assert page.status_code == 200 and b'value="resend"' not in page.content
    response = client.post(url, {"action": "resend", ACTION_CHECKBOX_NAME: [failed_sms.pk], "confirm": "1",
                                 "reason": "x"})
    assert response.status_code in {200, 302}
    failed_sms.refresh_from_db()
    assert failed_sms.status == "failed"
    assert not AuditEvent.objects.filter(action="reminder_resend").exists()


def test_staff_without_view_permission_cannot_see_the_log(failed_sms, staff_no_perms, client):
    client.force_login(staff_no_perms)
    assert client.get("/admin/credit/reminderdelivery/").status_code == 403


def test_resend_service_refuses_a_buyer(failed_sms, plan):
    from core.errors import DomainError
    from credit.reminders.delivery import deliveries_resend

    with pytest.raises(DomainError):
        deliveries_resend(actor=plan.buyer, deliveries=[failed_sms])


def test_resend_leaves_deliveries_still_waiting_alone(plan, sweep, credit_officer):
    from credit.reminders.delivery import deliveries_resend

    sweep(local(FIRST_DUE, 22, 30))  # held: pending
    assert deliveries_resend(actor=credit_officer, deliveries=list(ReminderDelivery.objects.all())) == []
    assert mail.outbox == []


def test_progress_bar_redraws_in_place_on_a_terminal():
    from django.core.management.base import OutputWrapper

    from core.progress import ProgressBar

    out = StringIO()
    bar = ProgressBar(OutputWrapper(out), tty=True)
    bar.min_interval = 0  # draw every step (redraws are otherwise throttled)
    for done in (0, 5_000, 10_000):
        bar("due_day", done, 10_000)
    text = out.getvalue()
    assert text.count("\r") == 3 and text.endswith("10,000/10,000\n")
    assert "[###############...............]     5,000/10,000" in text
