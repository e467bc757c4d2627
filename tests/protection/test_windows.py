"""After-sales windows: which request fits when, to the second, and the closing date when it does not."""
from datetime import datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from core.errors import DomainError
from protection.models import AfterSalesCase, CaseReason, CaseType
from protection.windows import Kind, window_for

from .conftest import T0

DAY = timedelta(days=1)
SECOND = timedelta(seconds=1)
PAID = T0 - 5 * DAY


def _window(type, reason, *, received=T0, return_days=15, exchange_days=15, quality_days=90):
    return window_for(type=type, reason=reason, paid_at=PAID, received_at=received, return_days=return_days,
                      exchange_days=exchange_days, quality_days=quality_days)


@pytest.mark.parametrize(("type_", "reason", "days", "kind"), [
    pytest.param(CaseType.RETURN_REFUND, CaseReason.NO_REASON, 15, Kind.NO_REASON, id="no-reason-return-15d"),
    pytest.param(CaseType.EXCHANGE, CaseReason.NO_REASON, 15, Kind.EXCHANGE, id="exchange-15d"),
    pytest.param(CaseType.RETURN_REFUND, CaseReason.QUALITY, 90, Kind.QUALITY, id="quality-return-90d"),
    pytest.param(CaseType.REFUND_ONLY, CaseReason.DAMAGED, 90, Kind.QUALITY, id="damaged-refund-90d"),
    pytest.param(CaseType.EXCHANGE, CaseReason.NOT_AS_DESCRIBED, 90, Kind.QUALITY, id="not-as-described-90d"),
    pytest.param(CaseType.PARTIAL_REFUND, CaseReason.NO_REASON, 15, Kind.NO_REASON, id="partial-no-reason-15d"),
])
def test_windows_count_to_the_second_from_receipt(db, type_, reason, days, kind):
    window = _window(type_, reason)
    assert window.kind == kind
    assert window.closes_at == T0 + days * DAY
    assert window.is_open(T0)
    assert window.is_open(T0 + days * DAY - SECOND)
    assert not window.is_open(T0 + days * DAY)
    assert not window.is_open(T0 - SECOND)


def test_no_reason_return_is_never_shorter_than_the_standard_7_days(db):
    # A listing cannot go below the bounds; were a line to carry less, the statutory 7 days still apply.
    window = _window(CaseType.RETURN_REFUND, CaseReason.NO_REASON, return_days=3)
    assert window.closes_at == T0 + 7 * DAY


def test_listing_windows_are_kept_within_platform_bounds(db, settings):
    settings.FANGXIN = {**settings.FANGXIN, "RETURN_DAYS_MAX": 20, "QUALITY_DAYS_MAX": 120}
    assert _window(CaseType.RETURN_REFUND, CaseReason.NO_REASON, return_days=30).closes_at == T0 + 20 * DAY
    assert _window(CaseType.RETURN_REFUND, CaseReason.QUALITY, quality_days=365).closes_at == T0 + 120 * DAY


def test_a_quality_claim_never_has_less_time_than_a_change_of_mind(db):
    window = _window(CaseType.RETURN_REFUND, CaseReason.QUALITY, return_days=30, quality_days=30)
    assert window.closes_at == T0 + 30 * DAY


def test_refund_only_not_received_is_open_from_payment_until_receipt(db):
    before = _window(CaseType.REFUND_ONLY, CaseReason.NOT_RECEIVED, received=None)
    assert before.kind == Kind.UNTIL_RECEIPT
    assert before.is_open(PAID) and before.is_open(T0 + 365 * DAY)
    after = _window(CaseType.REFUND_ONLY, CaseReason.NOT_RECEIVED, received=T0)
    assert not after.is_open(T0) and not after.is_open(T0 - SECOND)


def test_returns_are_not_open_before_the_goods_arrive(db):
    window = _window(CaseType.RETURN_REFUND, CaseReason.NO_REASON, received=None)
    assert window.opens_at is None and not window.is_open(T0)


# --- through the service, with the clock moved -------------------------------------------------

@pytest.mark.parametrize(("type_", "reason", "days"), [
    pytest.param("return_refund", "no_reason", 15, id="no-reason-return"),
    pytest.param("exchange", "no_reason", 15, id="exchange"),
    pytest.param("return_refund", "quality", 90, id="quality"),
    pytest.param("refund_only", "not_as_described", 90, id="not-as-described"),
])
def test_last_second_inside_the_window_opens_a_case(clock, make_order, open_case, type_, reason, days):
    order = make_order("received")
    assert order.received_at == T0
    clock.move_to(T0 + days * DAY - SECOND)
    case = open_case(order, type=type_, reason=reason)
    assert case.status == "requested"


@pytest.mark.parametrize(("type_", "reason", "days"), [
    pytest.param("return_refund", "no_reason", 15, id="no-reason-return"),
    pytest.param("exchange", "no_reason", 15, id="exchange"),
    pytest.param("return_refund", "quality", 90, id="quality"),
    pytest.param("refund_only", "damaged", 90, id="damaged"),
])
def test_first_second_outside_the_window_is_refused_with_the_closing_date(clock, make_order, open_case, type_,
                                                                          reason, days):
    order = make_order("received")
    clock.move_to(T0 + days * DAY)
    with pytest.raises(DomainError) as refused:
        open_case(order, type=type_, reason=reason)
    assert refused.value.code == "window_closed"
    assert refused.value.status == 400
    assert refused.value.extra["closed_on"] == (T0 + days * DAY).date().isoformat()
    assert not AfterSalesCase.objects.exists()


def test_not_received_can_be_claimed_while_shipped_and_not_after_receipt(clock, make_order, open_case, buyer):
    shipped = make_order("shipped")
    clock.shift(30 * DAY)
    case = open_case(shipped, type="refund_only", reason="not_received")
    assert case.status == "requested"

    received = make_order("received")
    clock.shift(SECOND)
    with pytest.raises(DomainError) as refused:
        open_case(received, type="refund_only", reason="not_received")
    assert refused.value.code == "window_closed"
    assert refused.value.extra["closed_on"] == received.received_at.astimezone(T0.tzinfo).date().isoformat()


def test_a_return_before_receipt_is_refused_as_not_open_yet(clock, make_order, open_case):
    with pytest.raises(DomainError) as refused:
        open_case(make_order("shipped"), type="return_refund", reason="no_reason")
    assert refused.value.code == "window_not_open"


def test_window_closed_answers_400_with_closed_on_through_the_api(clock, make_order, client_for, buyer):
    order = make_order("received")
    clock.move_to(T0 + 15 * DAY)
    response = client_for(buyer).post("/api/v1/after-sales/", {
        "order": order.pk, "line": order.lines.first().pk, "type": "return_refund", "reason": "no_reason",
        "description": "too late"}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "window_closed"
    assert response.json()["closed_on"] == "2026-03-17"
    assert not AfterSalesCase.objects.exists()


@given(received=st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2035, 1, 1),
                             timezones=st.just(T0.tzinfo)),
       offset=st.integers(min_value=-400 * 86400, max_value=400 * 86400),
       return_days=st.integers(min_value=0, max_value=60), quality_days=st.integers(min_value=0, max_value=400),
       reason=st.sampled_from([CaseReason.NO_REASON, CaseReason.QUALITY, CaseReason.DAMAGED]))
@hypothesis_settings(max_examples=200, deadline=None)
def test_a_window_is_open_exactly_from_receipt_for_its_whole_days(received, offset, return_days, quality_days,
                                                                  reason):
    window = window_for(type=CaseType.RETURN_REFUND, reason=reason, paid_at=received - DAY, received_at=received,
                        return_days=return_days, quality_days=quality_days)
    days = (window.closes_at - received) / DAY
    assert days == int(days) and days >= 7
    at = received + timedelta(seconds=offset)
    assert window.is_open(at) == (received <= at < received + days * DAY)
