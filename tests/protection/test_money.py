"""Refunds of cases after settlement: balance, then deposit, then the platform pays first (先行赔付); books balance."""
from decimal import Decimal

import pytest

from ledger.selectors import books_balanced
from marketplace.models import Shop
from marketplace.services.shops import deposit_post
from marketplace.services.withdrawals import shop_money, withdrawal_request
from protection.services.cases import case_approve
from protection.services.rulings import case_escalate, ruling_record

from .conftest import next_key

D = Decimal


@pytest.fixture
def settled_order(received_order):
    received_order.refresh_from_db()
    assert received_order.settled_at is not None  # receipt settled it: no case was open
    return received_order


def _money(shop):
    shop.refresh_from_db()
    return {**shop_money(shop), "cached_deposit": shop.deposit_amount}


def test_refund_after_settlement_comes_from_the_balance_then_the_platform_pays_first(settled_order, open_case,
                                                                                    merchant, shop):
    assert _money(shop)["balance"] == D("98.00")  # 100.00 less 2 % commission
    case = case_approve(actor=merchant, case=open_case(settled_order, type="partial_refund", reason="quality",
                                                       amount="100.00"))
    assert case.status == "refunded"
    money = _money(shop)
    assert (money["balance"], money["deposit"], money["owed"]) == (D("0.00"), D("0.00"), D("2.00"))
    assert books_balanced()


def test_refund_reaches_into_the_deposit_before_the_platform(settled_order, open_case, merchant, shop):
    deposit_post(actor=merchant, shop=shop, amount="50.00", idempotency_key=next_key("deposit"))
    withdrawal_request(actor=merchant, shop=shop, amount="98.00", bank_name="ICBC",
                       bank_account="6222020200112233445", idempotency_key=next_key("withdraw"))
    assert _money(shop)["balance"] == D("0.00")

    case = case_approve(actor=merchant, case=open_case(settled_order, type="refund_only", reason="damaged"))
    assert case.refunded_amount == D("100.00")
    money = _money(shop)
    assert (money["balance"], money["deposit"], money["owed"]) == (D("0.00"), D("0.00"), D("50.00"))
    assert money["cached_deposit"] == D("0.00")
    assert books_balanced()


def test_a_ruling_against_a_merchant_with_no_money_is_paid_at_once_by_the_platform(settled_order, open_case,
                                                                                   merchant, buyer, shop,
                                                                                   staff_user):
    withdrawal_request(actor=merchant, shop=shop, amount="98.00", bank_name="ICBC",
                       bank_account="6222020200112233445", idempotency_key=next_key("withdraw"))
    case = case_escalate(actor=buyer, case=open_case(settled_order, type="refund_only", reason="not_as_described"),
                         reason="Fake")
    case = ruling_record(actor=staff_user, case=case, decision="refund", at_fault="merchant", note="Counterfeit")
    assert (case.status, case.refunded_amount) == ("refunded", D("100.00"))
    assert _money(shop)["owed"] == D("100.00")
    assert books_balanced()
    shop = Shop.objects.get(pk=shop.pk)
    assert shop.dispute_rate > 0  # the lost ruling counts in the shop's reputation


def test_a_won_ruling_leaves_the_merchants_money_alone(settled_order, open_case, merchant, shop, staff_user):
    before = _money(shop)
    case = case_escalate(actor=merchant, case=open_case(settled_order, type="refund_only", reason="quality"),
                         reason="Worked when shipped")
    ruling_record(actor=staff_user, case=case, decision="reject", at_fault="buyer", note="Dropped it")
    assert _money(shop) == before
    assert Shop.objects.get(pk=shop.pk).dispute_rate == 0
