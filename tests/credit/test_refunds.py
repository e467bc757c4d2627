"""Refunds and cancellations of instalment orders, and the interest-free (merchant pays) promotion."""
from decimal import Decimal

from credit.models import CreditLine, InstallmentPlan
from credit.services.repayments import repayment_make
from ledger import accounts
from ledger.selectors import balance
from marketplace.services.orders import order_cancel
from marketplace.services.refunds import refund_issue
from tests.credit.conftest import assert_books

D = Decimal


def test_partial_refund_cuts_principal_from_the_last_instalment(buyer_with_line, listing, place_credit_order):
    order = place_credit_order(buyer_with_line, listing, installments=6)  # 166.66 ×5 + 166.70; fee 7.50 each
    plan = InstallmentPlan.objects.get(order=order)

    refund_issue(order=order, amount=D("200.00"), actor=None, reason="price adjustment", idempotency_key="p1")

    plan.refresh_from_db()
    rows = list(plan.installments.order_by("number"))
    assert [r.principal_amount for r in rows] == [D("166.66")] * 4 + [D("133.36"), D("0.00")]
    assert [r.fee_amount for r in rows] == [D("7.50")] * 4 + [D("6.00"), D("0.00")]
    assert rows[-1].status == "cancelled"
    assert plan.principal_amount == D("800.00") and plan.fee_amount == D("36.00")
    assert plan.status == "active"
    assert CreditLine.objects.get(user=buyer_with_line).used_amount == D("800.00")
    assert_books(buyer_with_line)


def test_partial_refund_after_payoff_returns_the_overpayment(buyer_with_line, listing, place_credit_order):
    order = place_credit_order(buyer_with_line, listing, installments=3)
    plan = InstallmentPlan.objects.get(order=order)
    payoff = repayment_make(actor=buyer_with_line, plan=plan, mode="payoff", idempotency_key="off")
    assert payoff.amount == D("1000.00")  # nothing due yet: no fee at all

    refund_issue(order=order, amount=D("100.00"), actor=None, reason="partial", idempotency_key="p2")

    payoff.refresh_from_db()
    assert payoff.refunded_amount == D("100.00")
    assert balance(accounts.provider_clearing()) == D("900.00")
    assert_books(buyer_with_line)


def test_refund_is_idempotent_per_key(buyer_with_line, listing, place_credit_order):
    order = place_credit_order(buyer_with_line, listing, installments=3)

    refund_issue(order=order, amount=D("50.00"), actor=None, idempotency_key="same")
    refund_issue(order=order, amount=D("50.00"), actor=None, idempotency_key="same")

    assert InstallmentPlan.objects.get(order=order).principal_amount == D("950.00")
    assert_books(buyer_with_line)


def test_cancel_before_shipping_gives_the_credit_back(buyer_with_line, listing, place_credit_order):
    order = place_credit_order(buyer_with_line, listing, installments=3)
    plan = InstallmentPlan.objects.get(order=order)
    repayment_make(actor=buyer_with_line, plan=plan, mode="next", idempotency_key="n1")

    order_cancel(actor=buyer_with_line, order=order, reason="changed my mind")

    plan.refresh_from_db()
    assert plan.status in ("refunded", "cancelled")
    assert CreditLine.objects.get(user=buyer_with_line).used_amount == 0
    assert balance(accounts.escrow()) == 0
    assert balance(accounts.provider_clearing()) == 0
    assert_books(buyer_with_line)


def test_merchant_pays_fee_buyer_sees_zero_apr(buyer_with_line, make_listing, place_credit_order):
    listing = make_listing(merchant_pays_fee=True)
    order = place_credit_order(buyer_with_line, listing, installments=12)
    plan = InstallmentPlan.objects.get(order=order)

    assert plan.fee_amount == D("0.00") and plan.apr == D("0.00")
    assert plan.merchant_fee_amount == D("75.00")
    assert sum(i.amount for i in plan.installments.all()) == D("1000.00")
    from django.utils import translation

    from marketplace.hooks import payment_method

    assert payment_method("installment").settlement_fee(order) == D("75.00")
    with translation.override("en"):
        assert payment_method("installment").listing_teaser(listing) == "from ¥83.33 / month, interest-free"


def test_listing_teaser_is_the_smallest_monthly_amount(listing):
    from django.utils import translation

    from marketplace.hooks import payment_method

    with translation.override("en"):
        assert payment_method("installment").listing_teaser(listing) == "from ¥89.58 / month"
