"""Elevated-risk shops: credit orders settle after the return window; penalties for repeated confirmed cash-out."""
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.utils import timezone

from core.errors import DomainError
from core.models import AuditEvent
from credit.models import CreditLine
from credit.risk import hold
from credit.risk.review import (
    risk_review_decide,
    shop_deposit_deduct,
    shop_installments_set,
    shop_penalise_cash_out,
    shop_risk_set,
)
from ledger import accounts
from ledger.selectors import books_balanced, normal_balance
from marketplace import hooks
from marketplace.models import Order, Shop
from marketplace.services.orders import order_confirm_receipt, order_place, order_ship
from marketplace.services.payments import order_pay
from marketplace.services.settlement import orders_settle_due
from marketplace.services.shops import deposit_post
from tests.credit.risk.conftest import HOME


def deliver(order, buyer):
    order_ship(actor=order.shop.owner, order=order, carrier="SF", tracking_number=f"SF{order.pk:08d}")
    order_confirm_receipt(actor=buyer, order=order)
    order.refresh_from_db()
    return order


@pytest.fixture
def elevated_listing(make_shop, risk_officer):
    listing = make_shop(price=Decimal("300.00"))
    shop_risk_set(actor=risk_officer, shop=listing.shop, elevated=True, reason="cash-out confirmed")
    return listing


def test_credit_order_of_an_elevated_shop_settles_after_the_return_window(elevated_listing, make_credit_buyer,
                                                                          checkout):
    buyer = make_credit_buyer()
    order = deliver(checkout(buyer, elevated_listing), buyer)

    assert order.status == "completed" and order.settled_at is None
    assert hooks.settlement_hold_reasons(order) == ["cash_out_risk"]
    closes = hold.window_closes_at(order)
    assert closes == order.received_at + timedelta(days=15)

    with time_machine.travel(closes - timedelta(minutes=1)):
        assert orders_settle_due() == 0
    with time_machine.travel(closes + timedelta(minutes=1)):
        assert orders_settle_due() == 1
    order.refresh_from_db()
    assert order.settled_at is not None
    assert books_balanced()


def test_a_shipped_credit_order_not_yet_received_is_held(elevated_listing, make_credit_buyer, checkout):
    buyer = make_credit_buyer()
    order = checkout(buyer, elevated_listing)
    order_ship(actor=order.shop.owner, order=order, carrier="SF", tracking_number="SF1")
    assert hold.orders_past_cash_out_hold(Order.objects.filter(pk=order.pk)).count() == 0


def test_orders_of_normal_shops_and_paid_in_full_settle_at_once(make_shop, elevated_listing, make_credit_buyer,
                                                                checkout, make_user):
    buyer = make_credit_buyer()
    normal = deliver(checkout(buyer, make_shop(price=Decimal("300.00"))), buyer)
    assert normal.settled_at is not None

    cash_buyer = make_user("paysinfull")
    order = order_place(buyer=cash_buyer, lines=[{"listing": elevated_listing.pk, "quantity": 1}],
                        shipping_address=HOME, payment={"method": "full"})
    order_pay(actor=cash_buyer, order=order, idempotency_key="pay-1")
    assert deliver(order, cash_buyer).settled_at is not None
    assert books_balanced()


def test_the_hold_query_is_set_based(elevated_listing, make_credit_buyer, checkout, django_assert_num_queries):
    buyer = make_credit_buyer()
    for _ in range(3):
        deliver(checkout(buyer, elevated_listing), buyer)
    with django_assert_num_queries(1):
        assert list(hooks.settlement_eligible(Order.objects.all()).values_list("pk", flat=True)) == []


@pytest.fixture
def repeat_offender(make_shop, make_credit_buyer, checkout, seen, risk_officer):
    """A shop with two held orders rejected as confirmed cash-out, and a 500.00 guarantee deposit."""
    listing = make_shop(price=Decimal("488.80"))
    owner = listing.shop.owner
    deposit_post(actor=owner, shop=listing.shop, amount=Decimal("500.00"), idempotency_key="deposit-1")
    seen(owner, device="merchant-phone", ip="61.135.169.121")
    for _ in range(2):
        order = checkout(make_credit_buyer(), listing, device="merchant-phone", ip="61.135.169.121")
        risk_review_decide(actor=risk_officer, assessment=order.risk_assessment, decision="reject",
                           note="collusion", cash_out_confirmed=True)
    return Shop.objects.get(pk=listing.shop_id)


def test_penalising_repeated_cash_out(repeat_offender, risk_officer, make_credit_buyer, checkout):
    shop = shop_penalise_cash_out(actor=risk_officer, shop=repeat_offender, reason="two confirmed cash-outs",
                                  deduction_amount="200.00", idempotency_key="penalty-1")

    shop.refresh_from_db()
    assert (shop.risk_level, shop.installments_disabled, shop.verification_status) == ("elevated", True,
                                                                                        "suspended")
    assert shop.deposit_amount == Decimal("300.00")
    assert normal_balance(accounts.merchant_deposit(shop.pk)) == Decimal("300.00")
    assert books_balanced()
    actions = set(AuditEvent.objects.filter(target_id=str(shop.pk)).values_list("action", flat=True))
    assert {"shop_installments_disabled", "shop_deposit_deducted", "shop_suspended"} <= actions

    # The same request again deducts nothing more.
    shop_deposit_deduct(actor=risk_officer, shop=shop, amount="200.00", reason="again",
                        idempotency_key="penalty-1")
    shop.refresh_from_db()
    assert shop.deposit_amount == Decimal("300.00")


def test_instalments_disabled_refuse_new_credit_orders(make_shop, make_credit_buyer, checkout, risk_officer):
    listing = make_shop()
    shop_installments_set(actor=risk_officer, shop=listing.shop, disabled=True, reason="cash-out")
    buyer = make_credit_buyer()
    with pytest.raises(DomainError) as refused:
        checkout(buyer, listing)
    assert refused.value.code == "installments_unavailable"
    assert CreditLine.objects.get(user=buyer).used_amount == 0


def test_penalties_need_repeated_confirmed_cash_out(make_shop, risk_officer):
    shop = make_shop().shop
    with pytest.raises(DomainError) as refused:
        shop_penalise_cash_out(actor=risk_officer, shop=shop, reason="suspicion")
    assert refused.value.code == "invalid_transition" and refused.value.extra == {"confirmed": 0, "needed": 2}
    shop.refresh_from_db()
    assert (shop.installments_disabled, shop.verification_status) == (False, "verified")


def test_a_deduction_cannot_exceed_the_deposit(repeat_offender, risk_officer):
    with pytest.raises(DomainError) as refused:
        shop_deposit_deduct(actor=risk_officer, shop=repeat_offender, amount="500.01", reason="too much")
    assert refused.value.code == "insufficient_deposit"
    repeat_offender.refresh_from_db()
    assert repeat_offender.deposit_amount == Decimal("500.00")


@pytest.mark.parametrize("service, kwargs", [
    (shop_risk_set, {"elevated": True}),
    (shop_installments_set, {"disabled": True}),
    (shop_deposit_deduct, {"amount": "10.00"}),
    (shop_penalise_cash_out, {}),
], ids=["risk", "installments", "deduct", "penalise"])
def test_penalties_need_the_permission_and_change_nothing_otherwise(repeat_offender, staff_no_perms, make_user,
                                                                    service, kwargs):
    before = Shop.objects.filter(pk=repeat_offender.pk).values().get()
    events = AuditEvent.objects.count()
    for actor in (staff_no_perms, make_user("plainbuyer"), repeat_offender.owner):
        with pytest.raises(DomainError) as refused:
            service(actor=actor, shop=repeat_offender, reason="no", **kwargs)
        assert refused.value.code == "permission_denied"
    assert Shop.objects.filter(pk=repeat_offender.pk).values().get() == before
    assert AuditEvent.objects.count() == events


def test_a_hold_started_after_completion_keeps_the_money(make_shop, make_credit_buyer, checkout, risk_officer):
    listing = make_shop(price=Decimal("300.00"))
    buyer = make_credit_buyer()
    order = checkout(buyer, listing)
    order_ship(actor=listing.shop.owner, order=order, carrier="SF", tracking_number="SF9")
    shop_risk_set(actor=risk_officer, shop=listing.shop, elevated=True, reason="investigation")
    with time_machine.travel(timezone.now() + timedelta(days=11)):
        order_confirm_receipt(actor=buyer, order=order)
        assert orders_settle_due() == 0
    order.refresh_from_db()
    assert order.status == "completed" and order.settled_at is None
