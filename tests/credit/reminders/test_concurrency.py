"""Concurrent sweeps on PostgreSQL with real threads: every reminder, message and delivery exactly once."""
import threading
from datetime import date

import pytest
from django.core import mail
from django.db import connection

from core.models import Notification
from credit.models.reminders import Reminder, ReminderDelivery
from credit.reminders.sweep import reminders_sweep
from tests.credit.reminders.conftest import FIRST_DUE, at, local

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _eager_tasks():
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def run_in_threads(count, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def target(index):
        try:
            barrier.wait()
            results[index] = ("ok", work(index))
        except Exception as exc:  # noqa: BLE001 - report any failure of a thread to the test
            results[index] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    return results


def test_four_concurrent_sweeps_record_and_send_each_reminder_once(make_user, apply, listing, place_credit_order,
                                                                   sms_outbox):
    buyers = 12
    with at(local(date(2026, 1, 10), 12)):
        for i in range(buyers):
            buyer = make_user(f"concurrent{i}")
            apply(buyer)
            place_credit_order(buyer, listing, installments=3)

    mail.outbox.clear()  # order and credit e-mails of the set-up
    with at(local(FIRST_DUE, 9)):
        results = run_in_threads(4, lambda index: reminders_sweep(chunk=1 + index).reminders)

    assert [r[0] for r in results] == ["ok"] * 4, results
    assert sum(r[1] for r in results) == buyers  # each reminder claimed by exactly one sweep
    assert Reminder.objects.count() == buyers
    assert Notification.objects.filter(kind="repayment_reminder").count() == buyers
    assert Reminder.objects.filter(notification__isnull=True).count() == 0
    assert ReminderDelivery.objects.count() == 2 * buyers
    assert set(ReminderDelivery.objects.values_list("status", "attempts")) == {("sent", 1)}
    references = [m.extra_headers["X-Fangxin-Reference"] for m in mail.outbox]
    assert len(references) == len(set(references)) == buyers
    assert len(sms_outbox) == buyers
    assert len({m["to"] for m in sms_outbox}) == buyers
