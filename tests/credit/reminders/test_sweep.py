"""The sweep with moved time: every offset, quiet-hour edges, exactly once, what a message says."""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail

from core.models import Notification
from credit.models import Installment
from credit.models.reminders import Reminder, ReminderDelivery, ReminderPolicy
from credit.reminders.sweep import reminders_sweep
from tests.credit.reminders.conftest import FIRST_DUE, at, local

pytestmark = pytest.mark.django_db

OFFSETS = [(-3, "before_3d"), (-1, "before_1d"), (0, "due_day"), (1, "overdue_1d"), (3, "overdue_3d"),
           (7, "overdue_7d")]


def kinds(plan) -> list[tuple[int, str]]:
    return sorted(Reminder.objects.filter(installment__plan=plan).values_list("installment__number", "kind"))


@pytest.mark.parametrize(("offset", "kind"), OFFSETS, ids=[kind for _, kind in OFFSETS])
def test_each_offset_sends_its_reminder_on_its_day_only(plan, sweep, sms_outbox, offset, kind):
    day = FIRST_DUE + timedelta(days=offset)
    sweep(local(day, 7))  # that day, but still quiet hours
    assert not Reminder.objects.exists()
    sweep(local(day, 9))
    sweep(local(day, 18))  # later sweeps of the same day add nothing

    assert kinds(plan) == [(1, kind)]
    reminder = Reminder.objects.get()
    assert (reminder.day, reminder.offset_days, reminder.user_id) == (day, offset, plan.buyer_id)
    assert reminder.notification.kind == "repayment_reminder"
    assert Notification.objects.filter(user=plan.buyer, kind="repayment_reminder").count() == 1
    assert sorted(ReminderDelivery.objects.values_list("channel", "status", "attempts")) == [
        ("email", "sent", 1), ("sms", "sent", 1)]
    assert len(mail.outbox) == 1 and len(sms_outbox) == 1


@pytest.mark.parametrize("offset", [-5, -2, 2, 5, 8, 14], ids=lambda o: f"{o:+d}d")
def test_days_without_a_reminder_kind_send_nothing(plan, sweep, offset):
    result = sweep(local(FIRST_DUE + timedelta(days=offset), 10))
    assert result.reminders == 0
    assert not Reminder.objects.exists()
    assert not Notification.objects.filter(kind="repayment_reminder").exists()


def test_a_month_of_sweeps_every_day_sends_the_six_reminders_once(plan, sweep, sms_outbox):
    for days in range(-10, 15):
        sweep(local(FIRST_DUE + timedelta(days=days), 8))
        sweep(local(FIRST_DUE + timedelta(days=days), 20))
    assert kinds(plan) == [(1, kind) for kind in sorted(kind for _, kind in OFFSETS)]
    assert Notification.objects.filter(kind="repayment_reminder").count() == 6
    assert len(sms_outbox) == 6 and len(mail.outbox) == 6


def test_the_second_instalment_gets_its_own_reminders(plan, sweep):
    sweep(local(FIRST_DUE, 9))
    sweep(local(FIRST_DUE.replace(month=3), 9))
    assert kinds(plan) == [(1, "due_day"), (2, "due_day")]


@pytest.mark.parametrize(("hour", "minute", "created"), [(7, 59, False), (8, 0, True)], ids=["07:59", "08:00"])
def test_morning_edge_of_quiet_hours(plan, sweep, sms_outbox, hour, minute, created):
    result = sweep(local(FIRST_DUE, hour, minute))
    assert result.reminders == (1 if created else 0)
    assert Reminder.objects.exists() is created
    assert len(sms_outbox) == (1 if created else 0)


def test_evening_edge_2159_sends_at_once(plan, sweep, sms_outbox):
    sweep(local(FIRST_DUE, 21, 59))
    assert sorted(ReminderDelivery.objects.values_list("status", flat=True)) == ["sent", "sent"]
    assert len(sms_outbox) == 1 and len(mail.outbox) == 1


def test_evening_edge_2200_records_the_message_and_holds_email_and_sms_until_eight(plan, sweep, sms_outbox):
    day = FIRST_DUE - timedelta(days=3)  # before_3d; the next day has no reminder of its own
    result = sweep(local(day, 22, 0))

    assert (result.reminders, result.held, result.queued) == (1, 2, 0)
    assert Notification.objects.filter(kind="repayment_reminder").count() == 1  # in-site: at any hour
    assert set(ReminderDelivery.objects.values_list("status", "not_before")) == {
        ("pending", local(day + timedelta(days=1), 8, 0))}
    assert sms_outbox == [] and mail.outbox == []

    sweep(local(day, 23, 55))
    sweep(local(day + timedelta(days=1), 7, 59))  # still quiet: still waiting
    assert sms_outbox == []

    result = sweep(local(day + timedelta(days=1), 8, 0))
    assert (result.reminders, result.requeued) == (0, 2)
    assert sorted(ReminderDelivery.objects.values_list("status", flat=True)) == ["sent", "sent"]
    assert len(sms_outbox) == 1 and len(mail.outbox) == 1
    assert "2 天后" in mail.outbox[0].subject  # worded for the day it goes out


def test_policy_quiet_hours_are_editable(plan, sweep):
    ReminderPolicy.objects.filter(pk=1).update(quiet_start="21:00", quiet_end="09:30")
    assert sweep(local(FIRST_DUE, 9, 29)).reminders == 0
    assert sweep(local(FIRST_DUE, 9, 30)).reminders == 1


def test_policy_offsets_are_editable(plan, sweep):
    ReminderPolicy.objects.filter(pk=1).update(days_before="5", on_due_day=False, days_overdue="2")
    for days in range(-6, 9):
        sweep(local(FIRST_DUE + timedelta(days=days), 9))
    assert kinds(plan) == [(1, "before_5d"), (1, "overdue_2d")]


def test_switched_off_policy_sends_nothing(plan, sweep):
    ReminderPolicy.objects.filter(pk=1).update(active=False)
    assert sweep(local(FIRST_DUE, 9)).reminders == 0


def test_a_paid_instalment_gets_no_more_reminders(plan, sweep):
    from credit.services.repayments import repayment_make

    sweep(local(FIRST_DUE - timedelta(days=3), 9))
    with at(local(FIRST_DUE - timedelta(days=2), 12)):
        repayment_make(actor=plan.buyer, plan=plan, mode="next", idempotency_key="pay-1")
    for days in (-1, 0, 1):
        sweep(local(FIRST_DUE + timedelta(days=days), 9))
    assert kinds(plan) == [(1, "before_3d")]


def test_sweeping_twice_records_each_reminder_once(plan, sweep, sms_outbox):
    first = sweep(local(FIRST_DUE, 9))
    second = sweep(local(FIRST_DUE, 9))
    assert (first.reminders, second.reminders) == (1, 0)
    assert Reminder.objects.count() == 1 and ReminderDelivery.objects.count() == 2
    assert len(sms_outbox) == 1 and len(mail.outbox) == 1


def test_chunks_cover_every_instalment(make_user, apply, listing, place_credit_order, sweep):
    buyers = [make_user(f"chunkbuyer{i}") for i in range(5)]
    with at(local(FIRST_DUE.replace(month=1), 12)):
        for buyer in buyers:
            apply(buyer)
            place_credit_order(buyer, listing, installments=3)
    result = sweep(local(FIRST_DUE, 9), chunk=2)
    assert result.created == {"before_3d": 0, "before_1d": 0, "due_day": 5, "overdue_1d": 0, "overdue_3d": 0,
                              "overdue_7d": 0}
    assert Notification.objects.filter(kind="repayment_reminder").count() == 5
    assert ReminderDelivery.objects.filter(status="sent").count() == 10


def test_in_site_message_shows_amount_due_date_and_link_in_chinese_by_default(plan, sweep):
    sweep(local(FIRST_DUE - timedelta(days=3), 9))
    message = Notification.objects.get(kind="repayment_reminder")
    assert message.title == "还款提醒：¥341.66 将于 3 天后到期"
    assert "¥341.66" in message.body and "2026年2月10日" in message.body and "第 1/3 期" in message.body
    assert message.link == f"/credit/plans/{plan.pk}/"
    assert f"/credit/plans/{plan.pk}/" in message.body


def test_email_and_sms_link_is_absolute_and_amount_is_current(plan, sweep, sms_outbox, settings):
    settings.FANGXIN_CREDIT = {"SITE_URL": "https://fangxin.example"}
    Installment.objects.filter(plan=plan, number=1).update(penalty_amount=Decimal("1000.00"))
    sweep(local(FIRST_DUE + timedelta(days=7), 9))
    assert "¥1,341.66" in sms_outbox[0]["body"]
    assert f"https://fangxin.example/credit/plans/{plan.pk}/" in sms_outbox[0]["body"]
    email = mail.outbox[0]
    assert email.to == [plan.buyer.email]
    assert email.subject == "逾期提醒：¥1,341.66 已逾期，请尽快还款"
    assert f"https://fangxin.example/credit/plans/{plan.pk}/" in email.body
    assert email.extra_headers["Message-ID"].startswith("<reminder-delivery-")


def test_sweep_without_time_machine_uses_now(plan, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        result = reminders_sweep()
    assert result.as_of is not None


def test_a_sweep_losing_the_race_for_a_reminder_leaves_no_second_message(plan):
    """Between reading the due instalments and claiming them another sweep recorded them: its messages stand,
    ours are removed in the same transaction."""
    from django.db import transaction

    from credit.reminders import sweep as sweep_module

    policy = ReminderPolicy.current()
    with at(local(FIRST_DUE, 9)):
        now = local(FIRST_DUE, 9)
        batch = list(sweep_module.message_rows(sweep_module.due_candidates(kind="due_day", offset=0, day=FIRST_DUE)))
        assert reminders_sweep().reminders == 1  # the other sweep, first

        result = sweep_module.SweepResult(as_of=now, day=FIRST_DUE, created={"due_day": 0})
        with transaction.atomic():
            sweep_module._record_chunk(result, batch, policy=policy, quiet=sweep_module.quiet_hours(policy),
                                       kind="due_day", offset=0, now=now)
    assert result.created == {"due_day": 0} and result.deliveries == 0
    assert Notification.objects.filter(kind="repayment_reminder").count() == 1
    assert Reminder.objects.get().notification_id == Notification.objects.get(kind="repayment_reminder").pk
    assert ReminderDelivery.objects.count() == 2
