"""Sending: retries with backoff, the final failure, idempotent redelivery, lost tasks and dead workers."""
from datetime import timedelta

import pytest
from django.core import mail

from credit.models.reminders import DeliveryStatus, ReminderDelivery
from credit.reminders.delivery import deliveries_send
from credit.reminders.sweep import deliveries_dispatch
from credit.reminders.tasks import reminder_deliveries_send_task
from credit.reminders.timing import retry_delay
from tests.credit.reminders.conftest import FIRST_DUE, FlakySmsBackend, at, local

pytestmark = pytest.mark.django_db

FLAKY = "tests.credit.reminders.conftest.FlakySmsBackend"


@pytest.fixture
def flaky_sms(settings):
    """A provider that fails first; eager retries run inline (Celery raises them instead while propagating)."""
    from config.celery import app

    settings.SMS_BACKEND = FLAKY
    before = app.conf.task_eager_propagates
    app.conf.task_eager_propagates = False
    yield FlakySmsBackend
    app.conf.task_eager_propagates = before


def sms_delivery() -> ReminderDelivery:
    return ReminderDelivery.objects.get(channel="sms")


def test_provider_errors_are_retried_until_sent(plan, sweep, flaky_sms):
    flaky_sms.failures_left = 2
    sweep(local(FIRST_DUE, 9))
    delivery = sms_delivery()
    assert (delivery.status, delivery.attempts) == ("sent", 3)
    assert len(flaky_sms.outbox) == 1
    assert delivery.provider_ref == "flaky-1"


def test_the_final_failure_is_recorded_with_its_attempts(plan, sweep, flaky_sms, settings):
    settings.FANGXIN_CREDIT = {"REMINDER_MAX_ATTEMPTS": 3}
    flaky_sms.failures_left = 10
    sweep(local(FIRST_DUE, 9))
    delivery = sms_delivery()
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("failed", 3, "SmsError: gateway timeout")
    assert flaky_sms.outbox == []
    assert ReminderDelivery.objects.get(channel="email").status == "sent"  # one channel's trouble is its own


def test_email_errors_are_retried_too(plan, sweep, flaky_sms, monkeypatch):
    from django.core.mail.backends.locmem import EmailBackend

    calls = {"n": 0}
    real = EmailBackend.send_messages

    def failing_once(self, messages):
        calls["n"] += 1
        if calls["n"] == 1:
            raise ConnectionRefusedError("smtp down")
        return real(self, messages)

    monkeypatch.setattr(EmailBackend, "send_messages", failing_once)
    sweep(local(FIRST_DUE, 9))
    email = ReminderDelivery.objects.get(channel="email")
    assert (email.status, email.attempts) == ("sent", 2)
    assert len(mail.outbox) == 1


@pytest.mark.parametrize(("attempt", "seconds"), [(1, 30), (2, 60), (3, 120), (4, 240), (5, 480), (6, 600)])
def test_backoff_doubles_up_to_a_cap(attempt, seconds):
    assert retry_delay(attempt, base=30, cap=600) == seconds


def test_retry_is_scheduled_with_backoff_countdown(plan, sweep, flaky_sms, settings, monkeypatch):
    settings.FANGXIN_CREDIT = {"REMINDER_RETRY_BASE_SECONDS": 45}
    sweep(local(FIRST_DUE, 21, 59), )
    flaky_sms.failures_left = 1
    ReminderDelivery.objects.filter(channel="sms").update(status="pending")
    seen = {}

    def fake_retry(*args, **kwargs):
        seen.update(kwargs)
        raise RuntimeError("retry requested")

    monkeypatch.setattr(reminder_deliveries_send_task, "retry", fake_retry)
    with at(local(FIRST_DUE, 21, 59)), pytest.raises(RuntimeError):
        reminder_deliveries_send_task.apply(args=[[sms_delivery().pk]], throw=True)
    assert seen == {"args": [[sms_delivery().pk]], "countdown": 45}
    assert (sms_delivery().status, sms_delivery().last_error) == ("pending", "SmsError: gateway timeout")


def test_a_redelivered_task_sends_nothing_twice(plan, sweep, sms_outbox):
    sweep(local(FIRST_DUE, 9))
    ids = list(ReminderDelivery.objects.values_list("pk", flat=True))
    with at(local(FIRST_DUE, 9, 5)):
        outcome = deliveries_send(ids=ids)
        reminder_deliveries_send_task.delay(ids)
    assert outcome.not_claimed == ids
    assert len(sms_outbox) == 1 and len(mail.outbox) == 1


def test_a_task_running_in_quiet_hours_holds_its_deliveries_for_the_morning(plan, sweep, sms_outbox):
    sweep(local(FIRST_DUE, 21, 59))
    ReminderDelivery.objects.update(status="pending")
    sms_outbox.clear()
    with at(local(FIRST_DUE, 23, 30)):
        outcome = deliveries_send(ids=list(ReminderDelivery.objects.values_list("pk", flat=True)))
    assert len(outcome.held) == 2 and sms_outbox == []
    assert set(ReminderDelivery.objects.values_list("not_before", "enqueued_at")) == {
        (local(FIRST_DUE + timedelta(days=1), 8), None)}


def test_a_lost_task_is_enqueued_again_by_a_later_sweep(plan, sweep, sms_outbox, settings):
    """The broker lost the message (or the publish failed): the row stays pending and a later sweep sends it."""
    settings.FANGXIN_CREDIT = {"REMINDER_REQUEUE_SECONDS": 900}
    with at(local(FIRST_DUE, 9)):
        from credit.reminders.sweep import reminders_sweep

        reminders_sweep()  # on-commit callbacks not run: as if the publish never happened
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"pending"}

    assert sweep(local(FIRST_DUE, 9, 10)).requeued == 0  # enqueued 10 minutes ago: maybe still in the queue
    assert sweep(local(FIRST_DUE, 9, 16)).requeued == 2
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert len(sms_outbox) == 1 and len(mail.outbox) == 1
    assert sweep(local(FIRST_DUE, 9, 40)).requeued == 0


def test_a_delivery_claimed_by_a_dead_worker_is_sent_after_the_lease(plan, sweep, sms_outbox, settings):
    settings.FANGXIN_CREDIT = {"REMINDER_CLAIM_LEASE_SECONDS": 600, "REMINDER_REQUEUE_SECONDS": 900}
    with at(local(FIRST_DUE, 9)):
        from credit.reminders.sweep import reminders_sweep

        reminders_sweep()
        # A worker claimed the SMS, then died before it could send or finish.
        ReminderDelivery.objects.filter(channel="sms").update(status="sending", claim="dead", claimed_at=local(
            FIRST_DUE, 9), attempts=1)
    with at(local(FIRST_DUE, 9, 5)):
        assert deliveries_send(ids=[sms_delivery().pk]).not_claimed == [sms_delivery().pk]  # lease still running
    sweep(local(FIRST_DUE, 9, 16))
    delivery = sms_delivery()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert len(sms_outbox) == 1


def test_a_poison_delivery_is_failed_after_max_attempts_of_dead_workers(plan, sweep, settings):
    settings.FANGXIN_CREDIT = {"REMINDER_MAX_ATTEMPTS": 2, "REMINDER_REQUEUE_SECONDS": 900}
    with at(local(FIRST_DUE, 9)):
        from credit.reminders.sweep import reminders_sweep

        reminders_sweep()
        ReminderDelivery.objects.filter(channel="sms").update(status="sending", claim="dead", attempts=2,
                                                              claimed_at=local(FIRST_DUE, 9))
    sweep(local(FIRST_DUE, 9, 20))
    delivery = sms_delivery()
    assert (delivery.status, delivery.attempts) == ("failed", 3)
    assert "gave up" in delivery.last_error


def test_a_paid_instalment_is_skipped_at_send_time(plan, sweep, sms_outbox):
    from credit.services.repayments import repayment_make

    sweep(local(FIRST_DUE - timedelta(days=1), 22, 30))  # held for the night
    with at(local(FIRST_DUE, 7, 0)):
        repayment_make(actor=plan.buyer, plan=plan, mode="next", idempotency_key="pay-early")
    sweep(local(FIRST_DUE, 8, 0))
    assert set(ReminderDelivery.objects.values_list("status", "last_error", "attempts")) == {
        ("skipped", "instalment paid", 0)}
    assert sms_outbox == [] and mail.outbox == []


def test_deliveries_are_fanned_out_in_chunks(make_user, apply, listing, place_credit_order, sweep, settings,
                                             monkeypatch):
    settings.FANGXIN_CREDIT = {"REMINDER_TASK_CHUNK": 3}
    for i in range(4):
        buyer = make_user(f"fanout{i}")
        apply(buyer)
        with at(local(FIRST_DUE.replace(month=1), 12)):
            place_credit_order(buyer, listing, installments=3)
    batches = []
    real = reminder_deliveries_send_task.apply_async

    def spy(args=None, **kwargs):
        batches.append(list(args[0]))
        return real(args=args, **kwargs)

    monkeypatch.setattr(reminder_deliveries_send_task, "apply_async", spy)
    sweep(local(FIRST_DUE, 9))
    assert [len(batch) for batch in batches] == [3, 3, 2]
    assert ReminderDelivery.objects.filter(status=DeliveryStatus.SENT).count() == 8


def test_dispatch_does_nothing_in_quiet_hours(plan, sweep):
    with at(local(FIRST_DUE, 23)):
        assert deliveries_dispatch() == 0


def test_deliveries_the_broker_refused_go_out_with_the_next_sweep(plan, sweep, sms_outbox, monkeypatch):
    from kombu.exceptions import OperationalError

    def refuse(*args, **kwargs):
        raise OperationalError("Error 111 connecting to redis:6379. Connection refused.")

    with monkeypatch.context() as patch:
        patch.setattr(reminder_deliveries_send_task, "apply_async", refuse)
        result = sweep(local(FIRST_DUE, 9))
    assert result.queued == 2  # recorded, the publish failed after commit: nothing raised
    assert set(ReminderDelivery.objects.values_list("status", "enqueued_at")) == {("pending", None)}

    assert sweep(local(FIRST_DUE, 9, 5)).requeued == 2  # not two hours later: at once
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}
    assert len(sms_outbox) == 1 and len(mail.outbox) == 1


def test_sending_relaxes_commit_durability_for_the_batch_only(plan, sweep, sms_outbox, monkeypatch):
    from django.db import connection

    from credit.reminders import delivery

    seen = []
    real = delivery._send_one

    def spy(*args, **kwargs):
        with connection.cursor() as cursor:
            cursor.execute("SHOW synchronous_commit")
            seen.append(cursor.fetchone()[0])
        return real(*args, **kwargs)

    monkeypatch.setattr(delivery, "_send_one", spy)
    sweep(local(FIRST_DUE, 9))

    assert seen and set(seen) == {"off"}
    assert len(sms_outbox) == 1
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone()[0] == "on"  # the worker's next task commits durably again


def test_each_message_costs_one_statement(make_user, apply, listing, place_credit_order, sms_outbox,
                                          django_assert_max_num_queries):
    """Claim and "sent" share a round trip: N messages, N + 1 writes, plus the batch's reads and settings."""
    from credit.reminders.sweep import reminders_sweep

    for i in range(4):
        buyer = make_user(f"cost{i}")
        apply(buyer)
        with at(local(FIRST_DUE.replace(month=1), 12)):
            place_credit_order(buyer, listing, installments=3)
    with at(local(FIRST_DUE, 9)):
        reminders_sweep()  # recorded, not published (on-commit callbacks do not run here)
    ids = list(ReminderDelivery.objects.values_list("pk", flat=True))
    assert len(ids) == 8
    with at(local(FIRST_DUE, 9, 1)), django_assert_max_num_queries(len(ids) + 1 + 4):
        outcome = deliveries_send(ids=ids)
    assert sorted(outcome.sent) == sorted(ids)
    assert set(ReminderDelivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    assert len(sms_outbox) == 4 and len(mail.outbox) == 4
