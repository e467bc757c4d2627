"""Deadline jobs run twice at once (two beat ticks, two workers): each outcome happens exactly once."""
import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection

from core.models import Notification
from ledger.selectors import books_balanced
from marketplace.models import Refund
from protection.models import AfterSalesCase
from protection.services import deadlines
from protection.services.cases import case_approve, case_reject
from protection.services.returns import return_confirm, return_ship

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def _requested_refund(make_order, open_case, merchant, buyer):
    return open_case(make_order("shipped"), type="refund_only", reason="not_received"), "respond_by"


def _awaiting_return(make_order, open_case, merchant, buyer):
    return case_approve(actor=merchant, case=open_case(make_order("received"))), "return_ship_by"


def _return_shipped(make_order, open_case, merchant, buyer):
    case = case_approve(actor=merchant, case=open_case(make_order("received")))
    return return_ship(actor=buyer, case=case, carrier="SF", tracking_number="SF1"), "return_confirm_by"


def _awaiting_replacement(make_order, open_case, merchant, buyer):
    case = case_approve(actor=merchant, case=open_case(make_order("received"), type="exchange"))
    case = return_ship(actor=buyer, case=case, carrier="SF", tracking_number="SF1")
    return return_confirm(actor=merchant, case=case), "replacement_ship_by"


def _rejected(make_order, open_case, merchant, buyer):
    return case_reject(actor=merchant, case=open_case(make_order("received")), reason="No"), "escalate_by"


JOBS = {
    "merchant_response": (_requested_refund, "refunded", 1),
    "return_shipping": (_awaiting_return, "closed", 0),
    "return_confirmation": (_return_shipped, "refunded", 1),
    "replacement_shipping": (_awaiting_replacement, "refunded", 1),
    "escalation_window": (_rejected, "closed", 0),
}


def _run_twice_at_once(name, now) -> list:
    barrier = threading.Barrier(2)
    results, errors = [], []

    def work():
        try:
            barrier.wait(timeout=10)
            results.append(deadlines.sweep(name, now=now))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return results


@pytest.mark.parametrize("name", sorted(JOBS))
def test_a_job_run_twice_concurrently_applies_its_outcome_once(name, make_order, open_case, merchant, buyer):
    setup, outcome, refunds = JOBS[name]
    case, field = setup(make_order, open_case, merchant, buyer)
    due = getattr(case, field) + timedelta(seconds=1)
    messages_before = Notification.objects.filter(user=buyer, kind="after_sales").count()

    with time_machine.travel(due, tick=False):
        results = _run_twice_at_once(name, due)

    assert sorted(results) == [0, 1]
    case = AfterSalesCase.objects.get(pk=case.pk)
    assert case.status == outcome
    assert Refund.objects.count() == refunds
    assert case.events.filter(new_status=outcome).count() == 1
    # One message for the buyer about the outcome (the refund service adds its own money message).
    assert Notification.objects.filter(user=buyer, kind="after_sales").count() == messages_before + 1
    assert books_balanced()


def test_many_due_cases_are_shared_between_two_sweeps_without_doubles(make_order, open_case, merchant, buyer):
    cases = [open_case(make_order("shipped"), type="refund_only", reason="not_received") for _ in range(6)]
    due = cases[-1].respond_by + timedelta(seconds=1)
    with time_machine.travel(due, tick=False):
        results = _run_twice_at_once("merchant_response", due)
    assert sum(results) == 6
    assert Refund.objects.count() == 6
    assert set(AfterSalesCase.objects.values_list("status", flat=True)) == {"refunded"}
    assert books_balanced()


def test_two_buyers_requests_on_the_same_line_at_once_make_one_case(make_order, open_case, buyer):
    from protection.services.cases import case_open

    order = make_order("received")
    line = order.lines.first()
    barrier = threading.Barrier(2)
    outcomes = []

    def work():
        try:
            barrier.wait(timeout=10)
            case_open(actor=buyer, order=order, line=line, type="return_refund", reason="no_reason")
            outcomes.append("opened")
        except Exception as exc:  # noqa: BLE001 - the expected refusal is checked below
            outcomes.append(getattr(exc, "code", repr(exc)))
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes) == ["case_already_open", "opened"]
    assert AfterSalesCase.objects.count() == 1
