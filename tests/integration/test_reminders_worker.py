"""Reminders end to end: real Celery workers on the real Redis send every reminder exactly once.

1. Two sweeps run concurrently (two ``send_due_reminders`` processes) over due
   instalments while a worker sends: each reminder, in-site message, e-mail and SMS
   exists exactly once.
2. A worker is SIGKILLed in the middle of a batch (its SMS gateway hangs on a known
   message, so the kill lands at a known point); a new worker picks up the
   unacknowledged work (acks_late + reject on worker lost, Redis redelivery) and
   nothing is lost or sent twice.
"""
from datetime import date, time
from pathlib import Path

import pytest
from django.db.models import Count

from core.models import Notification
from credit.models import InstallmentPlan, PlanStatus
from credit.models.reminders import Reminder, ReminderDelivery, ReminderPolicy
from tests.credit.reminders.conftest import at, local
from tests.integration.conftest import finish, start_command, wait_for
from tests.integration.providers import read_email_references, read_sms

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

AS_OF = "2026-02-10T09:00"  # due day of the first instalment of plans bought on 10 Jan 2026


@pytest.fixture
def buyers(make_user, apply, listing, place_credit_order):
    """Buyers with a plan each, bought on 10 Jan 2026 through the services; quiet hours off (real clock)."""

    def make(count: int):
        people = []
        with at(local(date(2026, 1, 10), 12)):
            for index in range(count):
                buyer = make_user(f"itbuyer{index}")
                apply(buyer)
                place_credit_order(buyer, listing, installments=3)
                people.append(buyer)
        # The worker runs on the real clock: whatever hour this test runs at, let it send.
        ReminderPolicy.objects.update_or_create(pk=1, defaults={"quiet_start": time(0), "quiet_end": time(0)})
        active = InstallmentPlan.objects.filter(status=PlanStatus.ACTIVE).count()
        assert active == count
        return people

    return make


def all_sent(total: int):
    return lambda: ReminderDelivery.objects.filter(status="sent").count() == total


def delivery_states() -> dict:
    return dict(ReminderDelivery.objects.values("status").annotate(n=Count("pk")).values_list("status", "n"))


def assert_exactly_once(people, env):
    count = len(people)
    assert Reminder.objects.filter(kind="due_day").count() == Reminder.objects.count() == count
    assert Notification.objects.filter(kind="repayment_reminder").count() == count
    assert not Reminder.objects.filter(notification__isnull=True).exists()
    assert ReminderDelivery.objects.count() == 2 * count
    assert set(ReminderDelivery.objects.values_list("status", flat=True)) == {"sent"}

    sms = read_sms(Path(env["IT_SMS_FILE"]))
    phones = sorted(message["to"] for message in sms)
    assert len(phones) == count, f"{len(phones)} SMS for {count} reminders"
    assert phones == sorted(buyer.phone for buyer in people)  # each buyer once, nobody else

    refs = read_email_references(Path(env["IT_MAIL_DIR"]))
    expected = {f"reminder-delivery-{pk}" for pk in ReminderDelivery.objects.filter(channel="email")
                .values_list("pk", flat=True)}
    assert len(refs) == count and set(refs) == expected


def test_two_concurrent_sweeps_deliver_every_reminder_exactly_once(buyers, process_env, start_worker):
    people = buyers(30)
    start_worker(process_env, concurrency=2)

    first, second = start_command(process_env, "--as-of", AS_OF), start_command(process_env, "--as-of", AS_OF)
    outputs = [finish(first), finish(second)]

    recorded = sorted(int(out.split(" reminders recorded")[0].split()[-1]) for out in outputs)
    assert sum(recorded) == len(people), outputs  # every reminder claimed by exactly one of the two sweeps
    wait_for(all_sent(2 * len(people)), what="every e-mail and SMS to be sent", state=delivery_states)
    assert_exactly_once(people, process_env)

    assert "0 reminders recorded" in finish(start_command(process_env, "--as-of", AS_OF))  # and a third adds nothing
    assert_exactly_once(people, process_env)


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(buyers, process_env, start_worker, tmp_path):
    people = buyers(24)
    env = {**process_env, "IT_REMINDER_TASK_CHUNK": "6", "IT_VISIBILITY_TIMEOUT": "5",
           "IT_REMINDER_CLAIM_LEASE_SECONDS": "3", "IT_REMINDER_REQUEUE_SECONDS": "3"}
    # One process sending one message at a time: the gateway hangs on the 9th SMS, before accepting it.
    doomed = start_worker({**env, "IT_SMS_STALL_AT": "9"}, concurrency=1)
    assert "48 e-mails/SMS queued" in finish(start_command(env, "--as-of", AS_OF))

    wait_for(lambda: (tmp_path / "stalled").exists(), what="the gateway to hang")
    doomed.kill()

    states = delivery_states()
    assert states.get("sending") == 1, states  # the message in the gateway when the worker died
    assert states.get("sent", 0) >= 8 and states.get("pending", 0) > 0, states  # really the middle of the batch
    assert len(read_sms(tmp_path / "sms.jsonl")) == 8

    start_worker(env, concurrency=2)  # no hang this time
    wait_for(all_sent(48), what="the new worker to finish the batch", state=delivery_states)
    assert_exactly_once(people, env)
    killed = ReminderDelivery.objects.get(attempts=2)  # claimed by the dead worker, sent by the new one
    assert killed.channel == "sms"
    assert set(ReminderDelivery.objects.exclude(pk=killed.pk).values_list("attempts", flat=True)) == {1}

    # The beat's next sweep finds nothing to record and nothing to resend.
    output = finish(start_command(env, "--as-of", AS_OF))
    assert "0 reminders recorded" in output and "0 waiting ones queued again" in output
    assert_exactly_once(people, env)
