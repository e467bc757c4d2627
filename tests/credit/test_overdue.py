"""Time moves: grace, daily penalty, the cap, buckets, freezing and unfreezing, the pause during a case."""
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from credit.models import CreditEvent, CreditLine, Installment, InstallmentPlan
from credit.services.overdue import installments_mark_overdue
from credit.services.repayments import repayment_make
from marketplace.hooks import announce_case_state
from tests.credit.conftest import assert_books

D = Decimal
TZ = ZoneInfo("Asia/Shanghai")


def at(day: date):
    return time_machine.travel(datetime(day.year, day.month, day.day, 12, tzinfo=TZ), tick=False)


@pytest.fixture
def plan(buyer_with_line, listing, place_credit_order):
    """1,000.00 in 3 bought on 10 Jan 2026: 341.66 due on 10 Feb, 10 Mar, 341.68 on 10 Apr."""
    with at(date(2026, 1, 10)):
        order = place_credit_order(buyer_with_line, listing, installments=3)
    return InstallmentPlan.objects.get(order=order)


def first(plan) -> Installment:
    return plan.installments.get(number=1)


def sweep(day):
    with at(day):
        return installments_mark_overdue(today=day)


def test_grace_then_daily_penalty_and_idempotent_sweeps(plan):
    sweep(date(2026, 2, 10))
    assert first(plan).status == "scheduled"  # due today: not late yet

    sweep(date(2026, 2, 11))
    one = first(plan)
    assert (one.status, one.bucket, one.penalty_amount) == ("overdue", "1_30", D("0.00"))
    assert not CreditEvent.objects.filter(kind="late").exists()  # within grace: nothing reported

    sweep(date(2026, 2, 13))
    assert first(plan).penalty_amount == D("0.00")

    sweep(date(2026, 2, 14))
    sweep(date(2026, 2, 14))  # twice the same day: charged once
    assert first(plan).penalty_amount == D("0.17")  # 333.33 × 0.05 % for day 4
    assert CreditEvent.objects.filter(kind="late", installment=first(plan)).count() == 1

    sweep(date(2026, 2, 23))
    assert first(plan).penalty_amount == D("1.67")  # 0.17 + 333.33 × 0.05 % × 9 days
    assert_books(plan.buyer)


def test_buckets_move_with_the_days(plan):
    expected = {date(2026, 2, 11): "1_30", date(2026, 3, 13): "31_60", date(2026, 4, 12): "61_90",
                date(2026, 5, 12): "90_plus"}
    for day, bucket in expected.items():
        sweep(day)
        assert first(plan).bucket == bucket, day


def test_penalties_capped_at_24_percent_annualised(plan, settings):
    settings.FANGXIN_CREDIT = {"PENALTY_DAILY_RATE": "0.01"}  # 365 % a year: the cap must bind

    sweep(date(2026, 3, 12))  # 30 days overdue

    one = first(plan)
    assert one.penalty_amount == D("6.57")  # 333.33 × 24 % × 30 / 365, rounded down
    assert one.penalty_amount < D("333.33") * D("0.01") * 27


def test_overdue_freezes_the_line_and_repaying_unfreezes_it(plan, buyer_with_line, listing, place_credit_order):
    sweep(date(2026, 2, 14))
    line = CreditLine.objects.get(user=buyer_with_line)
    assert (line.status, line.frozen_reason) == ("frozen", "overdue")
    assert line.events.filter(kind="frozen").count() == 1
    sweep(date(2026, 2, 15))
    assert line.events.filter(kind="frozen").count() == 1

    with at(date(2026, 2, 15)):
        from core.errors import DomainError

        with pytest.raises(DomainError) as refused:
            place_credit_order(buyer_with_line, listing, installments=3)
        assert refused.value.code == "credit_line_frozen"
        repayment = repayment_make(actor=buyer_with_line, plan=plan, mode="next", idempotency_key="late-1")

    assert repayment.penalty_amount == D("0.34")  # days 4 and 5
    assert repayment.amount == D("342.00")
    line.refresh_from_db()
    assert (line.status, line.frozen_reason) == ("active", "")
    assert CreditEvent.objects.filter(kind="paid_late", installment=first(plan)).exists()
    assert_books(buyer_with_line)


def test_open_case_pauses_instalments(plan):
    sweep(date(2026, 2, 12))  # 2 days overdue, within grace
    with at(date(2026, 2, 12)):
        announce_case_state(order=plan.order, is_open=True)
    assert first(plan).paused

    sweep(date(2026, 3, 20))  # long after: nothing accrues, nothing moves while paused
    one = first(plan)
    assert (one.penalty_amount, one.bucket, one.reported_late) == (D("0.00"), "1_30", False)
    assert plan.installments.get(number=2).status == "scheduled"  # fell due during the pause: not overdue
    assert CreditLine.objects.get(pk=plan.line_id).status == "active"

    with at(date(2026, 3, 20)):
        announce_case_state(order=plan.order, is_open=False)
    sweep(date(2026, 3, 21))
    one = first(plan)
    # Paused from 12 Feb to 20 Mar: counting resumes where it stopped (2 days) → 3 days, still in grace.
    assert (one.days_overdue(date(2026, 3, 21)), one.penalty_amount) == (3, D("0.00"))
    sweep(date(2026, 3, 22))
    assert first(plan).penalty_amount == D("0.17")
