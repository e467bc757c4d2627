"""Every kind of case from request to outcome, through the services, with the books checked after each refund."""
from decimal import Decimal

import pytest

from core.errors import DomainError
from ledger.selectors import books_balanced
from marketplace import hooks
from marketplace.models import Order, OrderLine, Refund
from marketplace.services.orders import order_confirm_receipt
from marketplace.services.settlement import orders_settle_due
from protection.models import CaseStatus
from protection.services.cases import case_approve, case_reject, case_withdraw
from protection.services.returns import exchange_refund_instead, replacement_ship, return_confirm, return_ship
from protection.services.rulings import case_escalate, case_return_order, ruling_record

D = Decimal


def statuses(case):
    return list(case.events.exclude(new_status="").values_list("new_status", flat=True))


def test_refund_only_approved_pays_out_at_once(make_order, open_case, merchant):
    order = make_order("shipped")
    case = open_case(order, type="refund_only", reason="not_received")
    case = case_approve(actor=merchant, case=case)
    assert case.status == CaseStatus.REFUNDED
    assert statuses(case) == ["requested", "approved", "refunded"]
    refund = Refund.objects.get()
    assert (refund.amount, refund.line_id, case.refund_id) == (D("100.00"), case.line_id, refund.pk)
    assert Order.objects.get(pk=order.pk).status == "refunded"
    assert books_balanced()


def test_partial_refund_approved_pays_the_agreed_amount(received_order, open_case, merchant):
    case = open_case(received_order, type="partial_refund", reason="quality", amount="15.00")
    case = case_approve(actor=merchant, case=case)
    assert (case.status, case.refunded_amount) == (CaseStatus.REFUNDED, D("15.00"))
    assert OrderLine.objects.get(pk=case.line_id).refunded_amount == D("15.00")
    assert Order.objects.get(pk=received_order.pk).status == "partially_refunded"
    assert books_balanced()


def test_exchange_ends_with_the_replacement_and_its_own_tracking_number(received_order, open_case, merchant, buyer):
    case = open_case(received_order, type="exchange", reason="no_reason")
    case = case_approve(actor=merchant, case=case)
    case = return_ship(actor=buyer, case=case, carrier="SF", tracking_number="SF-RETURN-1")
    case = return_confirm(actor=merchant, case=case)
    assert case.status == CaseStatus.AWAITING_REPLACEMENT
    with pytest.raises(DomainError) as refused:
        replacement_ship(actor=merchant, case=case, carrier="SF", tracking_number="SF-RETURN-1")
    assert refused.value.code == "validation_error"
    case = replacement_ship(actor=merchant, case=case, carrier="YTO", tracking_number="YT-NEW-2")
    assert case.status == CaseStatus.EXCHANGED
    assert (case.replacement_carrier, case.replacement_tracking_number) == ("YTO", "YT-NEW-2")
    assert not Refund.objects.exists()


def test_a_failed_exchange_turns_into_a_refund(received_order, open_case, merchant, buyer):
    case = case_approve(actor=merchant, case=open_case(received_order, type="exchange", reason="quality"))
    case = return_confirm(actor=merchant, case=return_ship(actor=buyer, case=case, carrier="SF", tracking_number="1"))
    case = exchange_refund_instead(actor=merchant, case=case, note="Out of stock")
    assert (case.status, case.refunded_amount) == (CaseStatus.REFUNDED, D("100.00"))
    assert books_balanced()


def test_rejected_then_escalated_then_ruled_refund_at_fault_merchant(received_order, open_case, merchant, buyer,
                                                                     staff_user):
    case = open_case(received_order, type="refund_only", reason="not_as_described", description="Colour is wrong")
    case = case_reject(actor=merchant, case=case, reason="It is the colour shown")
    assert case.status == CaseStatus.REJECTED and case.escalate_by is not None
    case = case_escalate(actor=buyer, case=case, reason="Photos attached show otherwise")
    assert (case.status, case.escalated_by, case.escalated_from) == ("escalated", "buyer", "rejected")
    assert case.ruling_honour_by is not None
    case = ruling_record(actor=staff_user, case=case, decision="refund", at_fault="merchant", note="Photos agree")
    assert (case.status, case.decision, case.at_fault, case.ruled_by) == ("refunded", "refund", "merchant",
                                                                          staff_user)
    assert case.refunded_amount == D("100.00")
    assert books_balanced()


def test_a_merchant_who_wins_a_ruling_is_not_charged(received_order, open_case, merchant, buyer, staff_user):
    from ledger import accounts
    from ledger.selectors import normal_balance

    balance_before = normal_balance(accounts.merchant_balance(received_order.shop_id))
    case = case_escalate(actor=merchant, case=open_case(received_order, type="refund_only", reason="quality"),
                         reason="The buyer broke it")
    case = ruling_record(actor=staff_user, case=case, decision="reject", at_fault="buyer", note="Damage by use")
    assert (case.status, case.refunded_amount) == (CaseStatus.CLOSED, D("0.00"))
    assert not Refund.objects.exists()
    assert normal_balance(accounts.merchant_balance(received_order.shop_id)) == balance_before


@pytest.mark.parametrize(("decision", "at_fault"), [
    pytest.param("refund", "buyer", id="refund-buyer-at-fault"),
    pytest.param("reject", "merchant", id="reject-merchant-at-fault"),
])
def test_a_ruling_must_agree_with_itself(received_order, open_case, merchant, staff_user, decision, at_fault):
    case = case_escalate(actor=merchant, case=open_case(received_order, reason="quality"), reason="Disagree")
    with pytest.raises(DomainError) as refused:
        ruling_record(actor=staff_user, case=case, decision=decision, at_fault=at_fault, note="")
    assert refused.value.code == "invalid_ruling"
    case.refresh_from_db()
    assert case.status == "escalated"


def test_merchant_protection_no_refund_for_a_return_that_never_came_back(received_order, open_case, merchant, buyer,
                                                                         staff_user):
    case = case_approve(actor=merchant, case=open_case(received_order))
    case = case_escalate(actor=buyer, case=case, reason="Merchant gave no address")
    with pytest.raises(DomainError) as refused:
        ruling_record(actor=staff_user, case=case, decision="refund", at_fault="merchant", note="")
    assert refused.value.code == "return_not_received"
    assert not Refund.objects.exists()
    # Staff send it back to the return step; the flow resumes from there.
    case = case_return_order(actor=staff_user, case=case, note="Ship to the address on the case page")
    assert case.status == CaseStatus.AWAITING_RETURN
    case = return_confirm(actor=merchant, case=return_ship(actor=buyer, case=case, carrier="SF", tracking_number="9"))
    assert case.status == CaseStatus.REFUNDED


def test_used_return_refunded_less_the_deduction_staff_ruled(received_order, open_case, merchant, buyer, staff_user):
    case = case_approve(actor=merchant, case=open_case(received_order))
    case = return_ship(actor=buyer, case=case, carrier="SF", tracking_number="77")
    case = case_escalate(actor=merchant, case=case, reason="Came back worn")
    with pytest.raises(DomainError):
        ruling_record(actor=staff_user, case=case, decision="refund", at_fault="none", deduction="100.00")
    with pytest.raises(DomainError) as refused:
        ruling_record(actor=staff_user, case=case, decision="refund", at_fault="none", deduction="1.001")
    assert refused.value.code == "validation_error"
    case.refresh_from_db()
    assert case.status == "escalated"
    # The return was shipped but not confirmed, and the merchant escalated before its deadline.
    with pytest.raises(DomainError) as refused:
        ruling_record(actor=staff_user, case=case, decision="refund", at_fault="none", deduction="30.00")
    assert refused.value.code == "return_not_received"


def test_deduction_for_goods_returned_used(received_order, open_case, merchant, buyer, staff_user):
    case = case_approve(actor=merchant, case=open_case(received_order))
    case = return_ship(actor=buyer, case=case, carrier="SF", tracking_number="77")
    with pytest.raises(DomainError):  # only the merchant can say the goods arrived
        case_escalate(actor=buyer, case=case, reason="Hurry up", return_received=True)
    case = case_escalate(actor=merchant, case=case, reason="Came back worn", return_received=True)
    assert case.return_received_at is not None
    case = ruling_record(actor=staff_user, case=case, decision="refund", at_fault="none", note="Worn, tags off",
                         deduction="30.00")
    assert (case.status, case.refunded_amount, case.deduction_amount) == ("refunded", D("70.00"), D("30.00"))
    assert Refund.objects.get().amount == D("70.00")
    assert books_balanced()


def test_buyer_withdraws_and_the_case_is_over(received_order, open_case, buyer):
    case = case_withdraw(actor=buyer, case=open_case(received_order), note="Sorted it out")
    assert case.status == CaseStatus.CLOSED and case.ended_at is not None
    with pytest.raises(DomainError) as refused:
        case_withdraw(actor=buyer, case=case)
    assert refused.value.code == "invalid_transition"


def test_a_closed_case_frees_the_line_for_a_new_one(received_order, open_case, buyer):
    case_withdraw(actor=buyer, case=open_case(received_order))
    assert open_case(received_order, type="exchange").status == "requested"


def test_an_open_case_keeps_the_order_in_escrow_until_it_ends(make_order, open_case, buyer, merchant):
    order = make_order("shipped")
    case = open_case(order, type="refund_only", reason="not_received")
    order = order_confirm_receipt(actor=buyer, order=order)  # it turned up after all
    assert order.status == "completed" and order.settled_at is None
    assert "after_sales_case" in hooks.settlement_hold_reasons(order)
    assert orders_settle_due() == 0
    case_withdraw(actor=buyer, case=case, note="It arrived")
    assert orders_settle_due() == 1
    assert Order.objects.get(pk=order.pk).settled_at is not None
    assert books_balanced()


def test_case_state_is_announced_for_instalment_pausing(received_order, open_case, make_order, merchant):
    heard = []

    def listener(*, order, is_open, actor):
        heard.append((order.pk, is_open))

    hooks.register_case_listener(listener)
    try:
        first = open_case(received_order)
        second_line_order = received_order
        case_approve(actor=merchant, case=first)
        assert heard == [(second_line_order.pk, True)]
        case = open_case(make_order("received"), type="partial_refund", reason="quality", amount="5.00")
        case = case_approve(actor=merchant, case=case)
        assert heard[-2:] == [(case.order_id, True), (case.order_id, False)]
    finally:
        hooks._case_listeners.remove(listener)


def test_the_order_stays_announced_open_while_another_line_has_a_case(make_order, make_listing, open_case, buyer,
                                                                      merchant):
    other = make_listing(title="Cups", price="20.00")
    order = make_order("received", lines=[{"listing": make_listing(title="Pot"), "quantity": 1},
                                          {"listing": other, "quantity": 1}])
    heard = []
    hooks.register_case_listener(lambda *, order, is_open, actor: heard.append(is_open))
    try:
        lines = list(order.lines.order_by("pk"))
        open_case(order, line=lines[0], type="return_refund")
        partial = open_case(order, line=lines[1], type="partial_refund", reason="quality", amount="5.00")
        case_approve(actor=merchant, case=partial)
        assert heard == [True, True, True]  # the first line's case is still open
    finally:
        hooks._case_listeners.pop()
