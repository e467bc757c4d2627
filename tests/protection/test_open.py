"""Opening a case: defaults, and every refusal with its stable code and nothing changed."""
from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import DomainError
from core.models import Notification
from ledger.models import Transaction
from marketplace.services.orders import order_cancel
from protection.models import AfterSalesCase, CaseEvent
from protection.services.standing import no_reason_suspend

from .conftest import T0

D = Decimal


@pytest.fixture
def nothing_changes(db):
    """Counts of every row a refused request could have written; compared after the test body."""

    def counts():
        return (AfterSalesCase.objects.count(), CaseEvent.objects.count(), Notification.objects.count(),
                Transaction.objects.count())

    before = {}

    def start():
        before["counts"] = counts()

    def check():
        assert counts() == before["counts"]

    return type("Guard", (), {"start": staticmethod(start), "check": staticmethod(check)})


@pytest.mark.parametrize(("type_", "expected"), [
    pytest.param("return_refund", D("200.00"), id="return-defaults-to-line"),
    pytest.param("refund_only", D("200.00"), id="refund-only-defaults-to-line"),
    pytest.param("exchange", D("200.00"), id="exchange-carries-line-amount"),
])
def test_amount_defaults_to_what_is_left_on_the_line(make_order, open_case, type_, expected):
    order = make_order("received", quantity=2)
    reason = "quality" if type_ == "refund_only" else "no_reason"
    case = open_case(order, type=type_, reason=reason)
    assert case.claimed_amount == expected


def test_partial_refund_takes_the_amount_asked(make_order, open_case):
    case = open_case(make_order("received"), type="partial_refund", reason="quality", amount="30.50")
    assert case.claimed_amount == D("30.50")


def test_case_opening_tells_both_sides_and_starts_the_48_hour_clock(clock, received_order, open_case, buyer,
                                                                    merchant):
    case = open_case(received_order)
    assert case.respond_by == T0 + timedelta(hours=48)
    assert Notification.objects.filter(user=merchant, kind="after_sales").count() == 1
    assert Notification.objects.filter(user=buyer, kind="after_sales").count() == 1
    assert list(case.events.values_list("new_status", flat=True)) == ["requested"]


@pytest.mark.parametrize(("type_", "amount", "code"), [
    pytest.param("return_refund", "100.01", "amount_exceeds_paid", id="above-line-price"),
    pytest.param("partial_refund", "0", "validation_error", id="partial-zero"),
    pytest.param("partial_refund", "0.00", "validation_error", id="partial-zero-cents"),
    pytest.param("partial_refund", "-5.00", "validation_error", id="partial-negative"),
    pytest.param("partial_refund", "10.005", "validation_error", id="three-decimals"),
    pytest.param("partial_refund", 10.125, "validation_error", id="three-decimals-as-number"),
    pytest.param("partial_refund", "ten", "validation_error", id="not-a-number"),
    pytest.param("partial_refund", "NaN", "validation_error", id="nan"),
    pytest.param("partial_refund", None, "validation_error", id="partial-without-amount"),
])
def test_bad_amounts_are_refused(received_order, open_case, nothing_changes, type_, amount, code):
    nothing_changes.start()
    with pytest.raises(DomainError) as refused:
        open_case(received_order, type=type_, reason="quality", amount=amount)
    assert refused.value.code == code
    assert refused.value.status == 400
    assert "amount" in refused.value.extra["fields"]
    nothing_changes.check()


def test_a_case_on_a_cancelled_order_is_refused(make_order, open_case, buyer, nothing_changes):
    order = order_cancel(actor=buyer, order=make_order("paid"), reason="changed my mind")
    nothing_changes.start()
    with pytest.raises(DomainError) as refused:
        open_case(order, type="refund_only", reason="not_received")
    assert refused.value.code == "order_not_eligible"
    nothing_changes.check()


def test_a_case_on_an_unpaid_order_is_refused(make_order, open_case, nothing_changes):
    order = make_order("pending")
    nothing_changes.start()
    with pytest.raises(DomainError) as refused:
        open_case(order, type="refund_only", reason="not_received")
    assert refused.value.code == "order_not_eligible"
    nothing_changes.check()


def test_a_second_open_case_on_the_same_line_is_a_conflict(received_order, open_case, nothing_changes):
    open_case(received_order)
    nothing_changes.start()
    with pytest.raises(DomainError) as refused:
        open_case(received_order, type="exchange")
    assert refused.value.code == "case_already_open"
    assert refused.value.status == 409
    nothing_changes.check()


def test_someone_elses_order_is_not_found(received_order, open_case, other_buyer, nothing_changes):
    nothing_changes.start()
    with pytest.raises(DomainError) as refused:
        open_case(received_order, actor=other_buyer)
    assert refused.value.code == "not_found"
    nothing_changes.check()


def test_a_line_of_another_order_is_refused(make_order, open_case, nothing_changes):
    first, second = make_order("received"), make_order("received")
    nothing_changes.start()
    with pytest.raises(DomainError) as refused:
        open_case(first, line=second.lines.first())
    assert refused.value.code == "validation_error"
    nothing_changes.check()


def test_not_received_cannot_be_a_return(make_order, open_case):
    with pytest.raises(DomainError) as refused:
        open_case(make_order("shipped"), type="return_refund", reason="not_received")
    assert refused.value.code == "validation_error"
    assert "reason" in refused.value.extra["fields"]


def test_a_suspended_buyer_loses_no_reason_returns_but_keeps_quality_claims(received_order, open_case, buyer,
                                                                           staff_user, nothing_changes):
    no_reason_suspend(actor=staff_user, buyer=buyer, reason="Returned worn clothes 6 times", days=30)
    nothing_changes.start()
    with pytest.raises(DomainError) as refused:
        open_case(received_order, type="return_refund", reason="no_reason")
    assert refused.value.code == "no_reason_suspended"
    assert refused.value.status == 403
    nothing_changes.check()
    assert open_case(received_order, type="return_refund", reason="quality").status == "requested"


def test_amount_is_limited_by_what_was_already_refunded(received_order, open_case, merchant):
    from protection.services.cases import case_approve

    case = open_case(received_order, type="partial_refund", reason="quality", amount="40.00")
    case_approve(actor=merchant, case=case)
    with pytest.raises(DomainError) as refused:
        open_case(received_order, type="return_refund", reason="quality", amount="60.01")
    assert refused.value.code == "amount_exceeds_paid"
    assert refused.value.extra["refundable"] == "60.00"
    assert open_case(received_order, type="return_refund", reason="quality").claimed_amount == D("60.00")
