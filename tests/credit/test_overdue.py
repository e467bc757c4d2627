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


# ---------------------------------------------------------------- the set-based sweep (PostgreSQL: SQL per chunk)

def _expected_after(row: dict, day: date, policy) -> dict:
    """What one sweep on ``day`` must leave on an unpaid, unpaused instalment, by the Python rules."""
    from credit import schedules

    days = (day - row["clock_date"]).days
    if days < 1:
        return row
    out = dict(row, status="overdue", bucket=schedules.bucket_for(days))
    if days > policy.grace_days:
        out["reported_late"] = True
        if days > row["penalty_accrued_days"]:
            out["penalty_amount"] = schedules.penalty_after(
                penalty=row["penalty_amount"], overdue_principal=row["principal_amount"] - row["paid_principal_amount"],
                accrued_days=row["penalty_accrued_days"], days_overdue=days, policy=policy)
            out["penalty_accrued_days"] = days
    return out


FIELDS = ("status", "bucket", "reported_late", "penalty_amount", "penalty_accrued_days", "clock_date",
          "principal_amount", "paid_principal_amount")


@pytest.mark.parametrize("rate", ["0.0005", "0.01"], ids=["default-rate", "cap-binds"])
def test_the_sweep_charges_exactly_what_penalty_after_says_on_irregular_days(plan, settings, rate):
    from credit import conf

    settings.FANGXIN_CREDIT = {"PENALTY_DAILY_RATE": rate}
    policy = conf.penalty_policy()
    days = [date(2026, 2, 11), date(2026, 2, 14), date(2026, 2, 15), date(2026, 2, 28), date(2026, 3, 11),
            date(2026, 3, 15), date(2026, 4, 30), date(2026, 7, 1)]
    for day in days:
        before = {row["pk"]: row for row in plan.installments.values("pk", *FIELDS)}
        sweep(day)
        after = {row["pk"]: row for row in plan.installments.values("pk", *FIELDS)}
        for pk, row in before.items():
            assert after[pk] == _expected_after(row, day, policy), (day, pk)
    assert sum(row.penalty_amount for row in plan.installments.all()) > 0
    assert CreditEvent.objects.filter(kind="late", plan=plan).count() == 3


def test_small_chunks_reach_every_due_instalment_once(buyer_with_line, listing, place_credit_order, settings):
    settings.FANGXIN_CREDIT = {"OVERDUE_SWEEP_CHUNK": 2}
    with at(date(2026, 1, 10)):  # three plans with the same due dates: the keyset breaks ties by id
        plans = [InstallmentPlan.objects.get(order=place_credit_order(buyer_with_line, listing, installments=3))
                 for _ in range(3)]

    result = sweep(date(2026, 3, 20))  # two instalments of each plan overdue, past grace

    due = Installment.objects.filter(plan__in=plans, number__lte=2)
    assert (result.newly_overdue, result.reported_late, result.penalised) == (6, 6, 6)
    assert set(due.values_list("status", flat=True)) == {"overdue"}
    assert CreditEvent.objects.filter(kind="late", plan__in=plans).count() == 6
    late = CreditEvent.objects.filter(kind="late", installment=due.order_by("pk").first()).get()
    assert (late.user_id, late.detail) == (buyer_with_line.pk, {"number": 1})
    assert late.created.date() == date(2026, 3, 20)  # the job's clock, not the database's
    again = sweep(date(2026, 3, 20))
    assert (again.newly_overdue, again.reported_late, again.penalised, again.frozen) == (0, 0, 0, 0)
    assert Installment.objects.filter(plan__in=plans, status="scheduled").count() == 3


def test_the_sweep_unfreezes_a_line_whose_overdue_plan_is_paused_but_not_a_staff_freeze(plan, buyer_with_line,
                                                                                         credit_officer):
    from credit.services.lines import credit_line_freeze

    first_sweep = sweep(date(2026, 2, 14))
    line = CreditLine.objects.get(user=buyer_with_line)
    assert first_sweep.frozen == 1 and line.status == "frozen"
    assert CreditEvent.objects.filter(user=buyer_with_line, kind="frozen").count() == 1

    with at(date(2026, 2, 14)):
        announce_case_state(order=plan.order, is_open=True)  # an after-sales case pauses the plan
    assert sweep(date(2026, 2, 15)).unfrozen == 1
    line.refresh_from_db()
    assert (line.status, line.frozen_reason) == ("active", "")

    with at(date(2026, 2, 15)):
        announce_case_state(order=plan.order, is_open=False)
    assert sweep(date(2026, 2, 16)).frozen == 1
    credit_line_freeze(actor=credit_officer, line=CreditLine.objects.get(user=buyer_with_line), reason="fraud check")
    with at(date(2026, 2, 16)):
        announce_case_state(order=plan.order, is_open=True)
    assert sweep(date(2026, 2, 17)).unfrozen == 0
    assert CreditLine.objects.get(user=buyer_with_line).frozen_reason == "staff"
