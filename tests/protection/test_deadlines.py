"""Every deadline with the clock moved to its last second and its first second past, and the automatic outcome."""
from datetime import timedelta
from decimal import Decimal

import pytest

from core.models import Notification
from ledger.selectors import books_balanced
from marketplace.models import Refund
from protection import tasks
from protection.apps import BEAT_SCHEDULE
from protection.models import AfterSalesCase, CaseStatus
from protection.services import deadlines
from protection.services.cases import case_approve, case_reject
from protection.services.returns import return_confirm, return_ship

from .conftest import T0, after_sales_messages

D = Decimal
SECOND = timedelta(seconds=1)


def reload(case):
    return AfterSalesCase.objects.get(pk=case.pk)


def test_merchant_silence_for_48_hours_approves_and_refunds_a_refund_only(clock, make_order, open_case, buyer):
    case = open_case(make_order("shipped"), type="refund_only", reason="not_received")
    assert case.respond_by == T0 + timedelta(hours=48)

    clock.move_to(case.respond_by - SECOND)
    assert deadlines.sweep("merchant_response") == 0
    assert reload(case).status == CaseStatus.REQUESTED

    clock.move_to(case.respond_by)
    assert deadlines.sweep("merchant_response") == 1
    case = reload(case)
    assert (case.status, case.refunded_amount) == (CaseStatus.REFUNDED, D("100.00"))
    assert case.events.filter(new_status="approved", party="system").exists()
    assert Refund.objects.count() == 1
    assert books_balanced()
    assert after_sales_messages(buyer)[-1] == f"Refunded ¥100.00 for #{case.pk}"
    # Running again changes nothing.
    assert deadlines.sweep("merchant_response") == 0
    assert Refund.objects.count() == 1


def test_merchant_silence_approves_a_return_and_the_buyer_gets_7_days(clock, received_order, open_case):
    case = open_case(received_order)
    clock.move_to(case.respond_by)
    tasks.sweep_merchant_response()
    case = reload(case)
    assert case.status == CaseStatus.AWAITING_RETURN
    assert case.return_ship_by == case.respond_by + timedelta(days=7)
    assert not Refund.objects.exists()


def test_a_return_not_shipped_within_7_days_closes_the_case(clock, received_order, open_case, merchant, buyer):
    case = case_approve(actor=merchant, case=open_case(received_order))
    assert case.return_ship_by == T0 + timedelta(days=7)

    clock.move_to(case.return_ship_by - SECOND)
    assert tasks.sweep_return_shipping() == 0
    clock.move_to(case.return_ship_by)
    assert tasks.sweep_return_shipping() == 1
    case = reload(case)
    assert case.status == CaseStatus.CLOSED
    assert not Refund.objects.exists()
    assert after_sales_messages(buyer) == [f"After-sales request #{case.pk} sent",
                                           f"Return approved for #{case.pk}: ship it by March 9, 2026, 10 a.m.",
                                           f"After-sales case #{case.pk} closed"]


def test_merchant_not_confirming_a_delivered_return_refunds_automatically(clock, received_order, open_case, merchant,
                                                                         buyer):
    case = case_approve(actor=merchant, case=open_case(received_order))
    clock.shift(timedelta(hours=5))
    case = return_ship(actor=buyer, case=case, carrier="SF", tracking_number="SF77")
    # Rule: shipped + 3 days assumed for delivery + the merchant's 7 days from delivery.
    assert case.return_confirm_by == T0 + timedelta(hours=5) + timedelta(days=10)

    clock.move_to(case.return_confirm_by - SECOND)
    assert tasks.sweep_return_confirmation() == 0
    clock.move_to(case.return_confirm_by)
    assert tasks.sweep_return_confirmation() == 1
    case = reload(case)
    assert (case.status, case.refunded_amount) == (CaseStatus.REFUNDED, D("100.00"))
    assert case.return_received_at is None  # nobody confirmed it; the merchant's silence did
    assert books_balanced()


def test_exchange_whose_return_was_not_confirmed_is_refunded_too(clock, received_order, open_case, merchant, buyer):
    case = case_approve(actor=merchant, case=open_case(received_order, type="exchange"))
    case = return_ship(actor=buyer, case=case, carrier="SF", tracking_number="SF78")
    clock.move_to(case.return_confirm_by)
    tasks.sweep_return_confirmation()
    assert reload(case).status == CaseStatus.REFUNDED


def test_replacement_not_shipped_in_time_turns_the_exchange_into_a_refund(clock, received_order, open_case, merchant,
                                                                          buyer):
    case = case_approve(actor=merchant, case=open_case(received_order, type="exchange"))
    case = return_confirm(actor=merchant, case=return_ship(actor=buyer, case=case, carrier="SF", tracking_number="1"))
    assert case.replacement_ship_by == T0 + timedelta(days=3)

    clock.move_to(case.replacement_ship_by - SECOND)
    assert tasks.sweep_replacement_shipping() == 0
    clock.move_to(case.replacement_ship_by)
    assert tasks.sweep_replacement_shipping() == 1
    assert reload(case).status == CaseStatus.REFUNDED
    assert books_balanced()


def test_a_rejection_not_escalated_within_7_days_closes(clock, received_order, open_case, merchant):
    case = case_reject(actor=merchant, case=open_case(received_order), reason="Not our item")
    clock.move_to(case.escalate_by - SECOND)
    assert tasks.sweep_escalation_window() == 0
    clock.move_to(case.escalate_by)
    assert tasks.sweep_escalation_window() == 1
    assert reload(case).status == CaseStatus.CLOSED


def test_escalated_cases_wait_for_staff_whatever_the_clock(clock, received_order, open_case, buyer):
    from protection.services.rulings import case_escalate

    case = case_escalate(actor=buyer, case=open_case(received_order), reason="Please look")
    clock.shift(timedelta(days=60))
    assert deadlines.sweep_all() == {name: 0 for name in deadlines.SWEEPS}
    assert reload(case).status == CaseStatus.ESCALATED


def test_every_deadline_message_names_its_deadline_to_both_sides(clock, received_order, open_case, merchant, buyer):
    case = open_case(received_order)
    merchant_message = Notification.objects.filter(user=merchant, kind="after_sales").latest("pk")
    buyer_message = Notification.objects.filter(user=buyer, kind="after_sales").latest("pk")
    for message in (merchant_message, buyer_message):
        assert "2026" in message.body and message.link == f"/after-sales/{case.pk}/"


def test_one_failing_case_does_not_stop_the_sweep(clock, make_order, open_case, monkeypatch):
    first = open_case(make_order("shipped"), type="refund_only", reason="not_received")
    second = open_case(make_order("shipped"), type="refund_only", reason="not_received")
    real = deadlines.SWEEPS["merchant_response"]

    def flaky(case):
        if case.pk == first.pk:
            from core.errors import DomainError

            raise DomainError("boom", "simulated")
        return real[2](case)

    monkeypatch.setitem(deadlines.SWEEPS, "merchant_response", (real[0], real[1], flaky))
    clock.move_to(first.respond_by)
    assert deadlines.sweep("merchant_response") == 1
    assert (reload(first).status, reload(second).status) == ("requested", "refunded")


@pytest.mark.parametrize("name", sorted(BEAT_SCHEDULE))
def test_each_sweep_is_on_the_beat_schedule(name):
    from config.celery import app

    assert app.conf.beat_schedule[name]["task"] == BEAT_SCHEDULE[name]["task"]
    module, _, task = BEAT_SCHEDULE[name]["task"].rpartition(".")
    assert hasattr(tasks, task)


def test_each_side_reads_the_deadline_in_its_own_language(clock, received_order, open_case, merchant, buyer):
    from core.notifications import preferences_for

    prefs = preferences_for(merchant)
    prefs.language = "zh-hans"
    prefs.save()
    open_case(received_order)
    to_merchant = Notification.objects.filter(user=merchant, kind="after_sales").latest("pk")
    to_buyer = Notification.objects.filter(user=buyer, kind="after_sales").latest("pk")
    assert "2026年3月4日 10:00" in to_merchant.body
    assert "March 4, 2026, 10 a.m." in to_buyer.body
