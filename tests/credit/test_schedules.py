"""Schedules, APR, allocation, payoff, penalties and refund maths (pure functions, property-tested)."""
from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from credit import schedules as s

D = Decimal
amounts = st.decimals(min_value=D("1.00"), max_value=D("200000.00"), places=2)
rates = st.decimals(min_value=D("0"), max_value=D("0.30"), places=4)
counts = st.sampled_from([1, 3, 6, 12, 24])
days = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))


@given(principal=amounts, rate=rates, count=counts, start=days)
def test_instalments_sum_exactly_to_principal_plus_fee_and_none_is_negative(principal, rate, count, start):
    lines = s.build_schedule(principal, rate, count, start)

    assert sum(line.principal for line in lines) == principal
    assert sum(line.fee for line in lines) == s.total_fee(principal, rate)
    assert all(line.principal >= 0 and line.fee >= 0 for line in lines)
    assert all(line.amount == line.amount.quantize(D("0.01")) for line in lines)
    # the remainder goes to the last instalment only
    assert len({(line.principal, line.fee) for line in lines[:-1]}) <= 1


def test_default_products_on_1000():
    lines = s.build_schedule(D("1000.00"), D("0.075"), 12, date(2026, 1, 31))

    assert [line.principal for line in lines] == [D("83.33")] * 11 + [D("83.37")]
    assert [line.fee for line in lines] == [D("6.25")] * 12
    assert s.schedule_apr(D("1000.00"), lines) == D("13.57")


def test_zero_fee_gives_zero_apr():
    lines = s.build_schedule(D("1000.00"), D("0"), 12, date(2026, 1, 31))

    assert s.schedule_apr(D("1000.00"), lines) == D("0.00")


@pytest.mark.parametrize(("start", "expected"), [
    (date(2026, 1, 31), [date(2026, 2, 28), date(2026, 3, 31), date(2026, 4, 30)]),
    (date(2027, 12, 31), [date(2028, 1, 31), date(2028, 2, 29), date(2028, 3, 31)]),
    (date(2026, 3, 15), [date(2026, 4, 15), date(2026, 5, 15), date(2026, 6, 15)]),
], ids=["31-jan-to-28-feb", "leap-year", "mid-month"])
def test_due_dates_same_day_each_month_clamped(start, expected):
    assert s.due_dates(start, 3) == expected


@given(start=days, count=counts)
def test_due_dates_are_clamped_to_month_end_and_strictly_increasing(start, count):
    dues = s.due_dates(start, count)

    for n, due in enumerate(dues, start=1):
        months = start.year * 12 + start.month - 1 + n
        assert (due.year * 12 + due.month - 1) == months
        assert due.day == start.day or (due.day < start.day and (due + (date(2000, 1, 2) - date(2000, 1, 1))).day == 1)
    assert dues == sorted(set(dues))


@settings(max_examples=40)
@given(principal=amounts, low=rates, high=rates, count=st.sampled_from([3, 6, 12]))
def test_apr_is_monotone_in_the_fee(principal, low, high, count):
    low, high = sorted((low, high))
    start = date(2026, 1, 10)
    apr_low = s.schedule_apr(principal, s.build_schedule(principal, low, count, start))
    apr_high = s.schedule_apr(principal, s.build_schedule(principal, high, count, start))

    assert apr_low <= apr_high
    assert apr_low >= 0


def _dues(principal, rate, count, start=date(2026, 1, 10)):
    return [s.Due(line.number, line.due_date, line.principal, line.fee)
            for line in s.build_schedule(principal, rate, count, start)]


@given(principal=amounts, rate=rates, count=counts, pay=st.decimals(min_value=D("0"), max_value=D("300000"), places=2))
def test_allocation_never_loses_or_invents_a_cent(principal, rate, count, pay):
    dues = _dues(principal, rate, count)

    allocations, left = s.allocate(dues, pay)

    assert sum((a.amount for a in allocations), D("0")) + left == pay
    assert left >= 0
    owed = {d.number: d for d in dues}
    for a in allocations:
        assert 0 <= a.principal <= owed[a.number].owed_principal
        assert 0 <= a.fee <= owed[a.number].owed_fee
    if left:
        assert sum((a.amount for a in allocations), D("0")) == s.total_outstanding(dues)


def test_allocation_order_penalty_fee_principal_oldest_first():
    dues = [s.Due(1, date(2026, 2, 10), D("100.00"), D("5.00"), penalty=D("2.00")),
            s.Due(2, date(2026, 3, 10), D("100.00"), D("5.00"))]

    allocations, left = s.allocate(dues, D("110.00"))

    assert [a.as_dict() for a in allocations] == [
        {"number": 1, "principal": "100.00", "fee": "5.00", "penalty": "2.00", "amount": "107.00"},
        {"number": 2, "principal": "0.00", "fee": "3.00", "penalty": "0.00", "amount": "3.00"},
    ]
    assert left == 0


def test_payoff_charges_no_fee_for_periods_not_yet_due():
    dues = _dues(D("1000.00"), D("0.045"), 6)  # fee 45.00, 7.50 each
    today = dues[1].due_date  # instalments 1 and 2 are due

    assert s.payoff_amount(dues, today) == D("1000.00") + D("15.00")
    assert sum(a.amount for a in s.payoff_allocations(dues, today)) == D("1015.00")


def test_penalty_grace_then_daily_then_cap():
    policy = s.PenaltyPolicy(grace_days=3, daily_rate=D("0.0005"), annual_cap=D("0.24"))
    p = D("1000.00")

    assert s.penalty_after(penalty=D("0"), overdue_principal=p, accrued_days=0, days_overdue=3, policy=policy) == 0
    assert s.penalty_after(penalty=D("0"), overdue_principal=p, accrued_days=0, days_overdue=4,
                           policy=policy) == D("0.50")
    assert s.penalty_after(penalty=D("0.50"), overdue_principal=p, accrued_days=4, days_overdue=13,
                           policy=policy) == D("5.00")
    steep = s.PenaltyPolicy(grace_days=3, daily_rate=D("0.01"), annual_cap=D("0.24"))
    capped = s.penalty_after(penalty=D("0"), overdue_principal=p, accrued_days=0, days_overdue=30, policy=steep)
    assert capped == s.penalty_cap(p, 30, steep) == D("19.72")


@given(principal=amounts, days_overdue=st.integers(0, 800))
def test_penalty_never_above_the_annualised_cap(principal, days_overdue):
    policy = s.PenaltyPolicy(grace_days=3, daily_rate=D("0.003"), annual_cap=D("0.24"))
    penalty, accrued = D("0"), 0
    for day in range(0, days_overdue + 1, 7):
        penalty = s.penalty_after(penalty=penalty, overdue_principal=principal, accrued_days=accrued,
                                  days_overdue=day, policy=policy)
        accrued = day
        assert penalty <= max(s.penalty_cap(principal, day, policy), D("0"))


@pytest.mark.parametrize(("days", "bucket"), [(0, ""), (1, "1_30"), (30, "1_30"), (31, "31_60"), (60, "31_60"),
                                              (61, "61_90"), (90, "61_90"), (91, "90_plus"), (400, "90_plus")])
def test_buckets(days, bucket):
    assert s.bucket_for(days) == bucket


def test_partial_refund_takes_principal_from_the_last_instalment_and_fees_pro_rata():
    dues = _dues(D("600.00"), D("0.045"), 6)  # 100.00 + 4.50 each

    result = s.refund_adjust(dues, D("150.00"))

    assert [(d.principal, d.fee) for d in result.dues] == [
        (D("100.00"), D("4.50"))] * 4 + [(D("50.00"), D("2.25")), (D("0.00"), D("0.00"))]
    assert result.principal_removed == D("150.00")
    assert result.fee_cancelled == D("6.75")
    assert result.returned == 0
    assert result.cancelled_numbers == [6]


def test_partial_refund_after_payoff_returns_the_overpayment():
    dues = [s.Due(d.number, d.due_date, d.principal, d.fee, paid_principal=d.principal, paid_fee=d.fee)
            for d in _dues(D("300.00"), D("0.025"), 3)]  # 100.00 + 2.50 each, all paid

    result = s.refund_adjust(dues, D("100.00"))

    assert result.returned_principal == D("100.00")
    assert result.returned_fee == D("2.50")
    assert result.principal_removed == 0


@given(principal=amounts, rate=rates, count=counts, cut=st.floats(0.01, 1.0), paid=st.integers(0, 24))
def test_refund_conserves_money(principal, rate, count, cut, paid):
    refund = max(D("0.01"), min(principal, (principal * D(str(round(cut, 4)))).quantize(D("0.01"))))
    dues = [s.Due(d.number, d.due_date, d.principal, d.fee,
                  paid_principal=d.principal if d.number <= paid else D("0"),
                  paid_fee=d.fee if d.number <= paid else D("0")) for d in _dues(principal, rate, count)]

    result = s.refund_adjust(dues, refund, full=refund == principal)

    assert result.principal_removed + result.returned_principal == refund
    assert sum(d.principal for d in result.dues) == principal - refund
    assert all(d.paid_principal <= d.principal and d.paid_fee <= d.fee and d.fee >= 0 for d in result.dues)
    old_fees = sum(d.fee for d in dues)
    assert old_fees - sum(d.fee for d in result.dues) == result.fee_cancelled + result.returned_fee


@pytest.mark.parametrize("count", [3, 6, 12])
@pytest.mark.parametrize("rate", ["0", "0.025", "0.045", "0.075", "0.1234"])
def test_the_cached_teaser_amount_is_the_first_instalment_of_the_full_schedule(count, rate):
    from credit.services.quotes import _first_instalment

    for cents in (1, 299, 1000, 99999, 100001, 123457, 5000000):
        price = Decimal(cents) / 100
        for start in (date(2026, 1, 31), date(2026, 2, 28), date(2026, 12, 15)):
            expected = s.build_schedule(price, Decimal(rate), count, start)[0].amount
            assert _first_instalment(price, Decimal(rate), count) == expected, (price, rate, count, start)
