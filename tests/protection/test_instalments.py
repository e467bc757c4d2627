"""A case on an instalment order: the plan pauses while the case is open and the refund goes back to the credit line."""
from decimal import Decimal
from itertools import count

import pytest

from credit.models import InstallmentPlan
from credit.services.applications import application_submit
from credit.services.quotes import current_terms
from ledger.selectors import books_balanced
from marketplace.services.orders import order_confirm_receipt, order_place, order_ship
from protection.services.cases import case_approve, case_reject
from protection.services.returns import return_confirm, return_ship
from protection.services.rulings import case_escalate, ruling_record

from .conftest import ADDRESS

_seq = count(1)
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def _id_number() -> str:
    body = f"11010119900101{next(_seq) % 1000:03d}"
    return body + "10X98765432"[sum(int(d) * w for d, w in zip(body, _WEIGHTS, strict=True)) % 11]


@pytest.fixture
def instalment_order(buyer, merchant, make_listing):
    terms = current_terms()
    application = application_submit(
        actor=buyer, real_name="张三", id_number=_id_number(), phone="13700000001", income_band="8k_15k",
        emergency_contacts=[], consent={"terms_version": terms["terms"].version,
                                        "privacy_version": terms["privacy"].version})
    assert application.status == "approved", application.reasons
    listing = make_listing(price="123.45", installments_available=True)
    order = order_place(buyer=buyer, lines=[{"listing": listing, "quantity": 1}], shipping_address=dict(ADDRESS),
                        payment={"method": "installment", "installments": 3})
    assert order.status == "paid"
    order = order_ship(actor=merchant, order=order, carrier="SF", tracking_number="SF555")
    return order_confirm_receipt(actor=buyer, order=order)


def _plan(order):
    return InstallmentPlan.objects.get(order=order)


def test_open_case_pauses_the_plan_and_the_refund_goes_back_to_the_credit_line(instalment_order, open_case, buyer,
                                                                             merchant):
    case = open_case(instalment_order)
    assert _plan(instalment_order).paused is True
    case = case_approve(actor=merchant, case=case)
    case = return_confirm(actor=merchant, case=return_ship(actor=buyer, case=case, carrier="SF", tracking_number="R"))
    assert (case.status, case.refunded_amount) == ("refunded", Decimal("123.45"))
    plan = _plan(instalment_order)
    assert plan.paused is False
    assert plan.status == "refunded"
    assert books_balanced()


def test_a_rejected_claim_resumes_the_plan_when_the_case_ends(instalment_order, open_case, merchant, buyer,
                                                             staff_user):
    case = case_reject(actor=merchant, case=open_case(instalment_order, type="refund_only", reason="quality"),
                       reason="Works fine")
    assert _plan(instalment_order).paused is True  # the buyer may still escalate
    case = case_escalate(actor=buyer, case=case, reason="It does not")
    ruling_record(actor=staff_user, case=case, decision="reject", at_fault="none", note="Works as described")
    plan = _plan(instalment_order)
    assert (plan.paused, plan.status) == (False, "active")
