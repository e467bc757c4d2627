"""A first pass through the main flows, end to end through the services."""
from decimal import Decimal

from ledger.selectors import books_balanced
from protection.models import CaseStatus
from protection.services.cases import case_approve
from protection.services.returns import return_confirm, return_ship


def test_return_and_refund_flow(received_order, open_case, merchant, buyer):
    case = open_case(received_order)
    assert case.status == CaseStatus.REQUESTED
    assert case.claimed_amount == Decimal("100.00")
    case = case_approve(actor=merchant, case=case)
    assert case.status == CaseStatus.AWAITING_RETURN
    case = return_ship(actor=buyer, case=case, carrier="SF", tracking_number="SF1")
    case = return_confirm(actor=merchant, case=case)
    assert case.status == CaseStatus.REFUNDED
    assert case.refunded_amount == Decimal("100.00")
    assert books_balanced()
