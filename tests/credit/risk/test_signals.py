"""Each signal in a real checkout: it fires, it is explained, and on its own it never holds an order.

Loopback and private addresses are stored but are no signal.
"""
from datetime import datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import IntegrityError, transaction

from credit.models import CheckoutFingerprint, RiskRule, RiskSettings
from credit.risk import rules, scoring, signals
from marketplace.services.orders import order_confirm_receipt, order_place, order_ship
from tests.credit.risk.conftest import HOME, OTHER_PUBLIC_IP, PUBLIC_IP

SHANGHAI = ZoneInfo("Asia/Shanghai")


def only(order, code):
    assessment = order.risk_assessment
    assert assessment.reasons == [code], assessment.signals
    assert assessment.outcome == "accept" and order.status == "paid"
    assert assessment.signals[0]["weight"] == rules.DEFAULT_RULES[code].weight
    return assessment.signals[0]["facts"]


def test_shared_device(make_shop, make_credit_buyer, checkout, seen):
    listing = make_shop()
    seen(listing.shop.owner, device="merchant-phone")
    assert only(checkout(make_credit_buyer(), listing, device="merchant-phone"), "shared_device") == {
        "merchant": True, "other_buyers": 0}


def test_the_merchant_checking_out_elsewhere_on_a_device_makes_it_theirs(make_shop, make_credit_buyer, checkout,
                                                                         apply):
    listing = make_shop()
    owner = listing.shop.owner
    apply(owner)
    checkout(owner, make_shop(), device="merchant-tablet", ip=OTHER_PUBLIC_IP,
             address={"name": "店主", "phone": "13811112222", "address": "杭州市西湖区文三路 1 号"})

    order = checkout(make_credit_buyer(), listing, device="merchant-tablet", ip=OTHER_PUBLIC_IP)

    assert order.risk_assessment.reasons == ["shared_device", "shared_ip"]
    assert order.status == "under_review"


def test_shared_public_ip(make_shop, make_credit_buyer, checkout, seen):
    listing = make_shop()
    seen(listing.shop.owner, ip=PUBLIC_IP)
    assert only(checkout(make_credit_buyer(), listing, ip=PUBLIC_IP), "shared_ip") == {"merchant": True}


@pytest.mark.parametrize("ip", ["127.0.0.1", "::1", "10.1.2.3", "172.16.0.9", "192.168.1.20", "fd00::1",
                                "169.254.1.1", "100.64.0.1", "::ffff:127.0.0.1", "0.0.0.0"],
                         ids=lambda ip: ip)
def test_loopback_and_private_addresses_are_never_a_signal(make_shop, make_credit_buyer, checkout, seen, ip):
    listing = make_shop()
    seen(listing.shop.owner, device="merchant-phone", ip=ip)
    buyer = make_credit_buyer()

    order = checkout(buyer, listing, device="merchant-phone", ip=ip)

    assert order.risk_assessment.reasons == ["shared_device"]  # the device counts, the address does not
    fingerprint = CheckoutFingerprint.objects.get(order=order)
    assert fingerprint.ip is not None and not fingerprint.ip_public  # stored, flagged as no signal


def test_an_ip_seen_long_ago_is_no_longer_shared(make_shop, make_credit_buyer, checkout, seen):
    listing = make_shop()
    with time_machine.travel(datetime.now(tz=SHANGHAI) - timedelta(days=31)):
        seen(listing.shop.owner, ip=PUBLIC_IP)
    assert checkout(make_credit_buyer(), listing, ip=PUBLIC_IP).risk_assessment.reasons == []


def test_shared_phone(make_shop, make_credit_buyer, checkout):
    listing = make_shop()
    owner_phone = listing.shop.owner.phone
    order = checkout(make_credit_buyer(), listing, address={**HOME, "phone": owner_phone[3:]})
    assert only(order, "shared_phone") == {"merchant": True}


def test_shared_address_despite_spacing_and_width(make_shop, make_credit_buyer, checkout,
                                                  merchant_ships_own_order_to):
    listing = make_shop()
    merchant_ships_own_order_to(listing.shop.owner, {**HOME, "phone": "13911112222",
                                                     "address": "北京市朝阳区建国路88号3单元502"})
    order = checkout(make_credit_buyer(), listing,
                     address={**HOME, "address": "北京市 朝阳区 建国路 ８８ 号，3单元 502"})
    assert only(order, "shared_address") == {"merchant": True, "other_buyers": 0}


def test_a_new_own_order_of_the_merchant_counts_at_once(make_shop, make_credit_buyer, checkout,
                                                       merchant_ships_own_order_to):
    listing = make_shop()
    owner = listing.shop.owner
    merchant_ships_own_order_to(owner, {**HOME, "phone": "13911112222", "address": "上海市 1 号"})
    assert checkout(make_credit_buyer(), listing).risk_assessment.reasons == []  # the merchant's orders cached

    merchant_ships_own_order_to(owner, {**HOME, "phone": "13911112222", "address": "上海市 2 号"})
    order = checkout(make_credit_buyer(), listing, address={**HOME, "address": "上海市2号"})

    assert order.risk_assessment.reasons == ["shared_address"]


def test_limit_used_right_after_approval(make_shop, make_credit_buyer, checkout):
    order = checkout(make_credit_buyer(), make_shop(price=Decimal("2499.99")))
    facts = only(order, "limit_after_approval")
    assert facts["utilisation"] == "0.83" and facts["hours_since_approval"] < 1


def test_limit_used_days_after_approval_is_no_signal(make_shop, make_credit_buyer, checkout):
    buyer = make_credit_buyer()
    with time_machine.travel(datetime.now(tz=SHANGHAI) + timedelta(days=4)):
        assert checkout(buyer, make_shop(price=Decimal("2499.99"))).risk_assessment.reasons == []


def test_merchant_credit_share_far_above_peers(make_shop, make_credit_buyer, make_user, checkout):
    listing = make_shop()
    peer = make_shop(price=Decimal("9.90"))
    walk_in = make_user("walkin")
    for _ in range(16):  # the peers' orders are mostly paid in full
        order_place(buyer=walk_in, lines=[{"listing": peer.pk, "quantity": 1}], shipping_address=HOME,
                    payment={"method": "full"})
    for _ in range(9):
        checkout(make_credit_buyer(), listing)

    facts = only(checkout(make_credit_buyer(), listing), "merchant_credit_share")

    assert facts == {"shop_share": "1.00", "peer_share": "0.38", "shop_orders": 10}


def test_round_amount(make_shop, make_credit_buyer, checkout):
    assert only(checkout(make_credit_buyer(), make_shop(price=Decimal("1000.00"))), "round_amount") == {
        "amount": "1000.00"}


def test_late_night_burst(make_shop, make_credit_buyer, checkout):
    buyer = make_credit_buyer()
    night = datetime.now(tz=SHANGHAI).replace(hour=2, minute=10) + timedelta(days=5)
    with time_machine.travel(night, tick=False):
        checkout(buyer, make_shop())
        checkout(buyer, make_shop())
    with time_machine.travel(night + timedelta(minutes=40), tick=False):
        facts = only(checkout(buyer, make_shop()), "late_night_burst")
    assert facts == {"orders_in_window": 3, "local_hour": 2}


def test_the_same_burst_by_day_is_no_signal(make_shop, make_credit_buyer, checkout):
    buyer = make_credit_buyer()
    day = datetime.now(tz=SHANGHAI).replace(hour=14, minute=10) + timedelta(days=5)
    with time_machine.travel(day, tick=False):
        reasons = [checkout(buyer, make_shop()).risk_assessment.reasons for _ in range(3)]
    assert reasons == [[], [], []]


def test_repeated_pair(make_shop, make_credit_buyer, checkout):
    buyer, listing = make_credit_buyer(), make_shop()
    first = [checkout(buyer, listing).risk_assessment.reasons for _ in range(2)]
    assert first == [[], []]
    assert only(checkout(buyer, listing), "repeated_pair") == {"credit_orders": 3, "window_days": 30}


def test_virtual_goods(make_shop, make_credit_buyer, checkout):
    assert only(checkout(make_credit_buyer(), make_shop(category="virtual-topup")), "virtual_goods") == {}


def test_earlier_order_received_within_minutes_of_shipping(make_shop, make_credit_buyer, checkout):
    buyer, listing = make_credit_buyer(), make_shop()
    earlier = checkout(buyer, listing)
    order_ship(actor=listing.shop.owner, order=earlier, carrier="SF", tracking_number="SF123")
    order_confirm_receipt(actor=buyer, order=earlier)

    assert only(checkout(buyer, listing), "completed_without_tracking") == {"orders": 1}


@pytest.mark.parametrize("code", sorted(rules.DEFAULT_RULES))
def test_no_single_signal_holds_an_order_even_at_full_weight(code):
    config = rules.Config(rules={code: rules.Rule(code, 100)}, hold_score=50, reject_score=100,
                          min_signals_to_hold=2, min_signals_to_reject=3, repeat_cash_out_threshold=2)
    decision = scoring.decide([signals.Signal(code, 100)], config)
    assert (decision.outcome, decision.score, decision.reasons) == ("accept", 100, [code])


def test_the_signal_count_floor_cannot_be_tuned_below_two(db):
    with pytest.raises(IntegrityError), transaction.atomic():
        RiskSettings.objects.filter(pk=1).update(min_signals_to_hold=1)
    assert rules.config().min_signals_to_hold == 2


def test_tuning_in_the_admin_changes_the_outcome(make_shop, make_credit_buyer, checkout, seen):
    listing = make_shop()
    seen(listing.shop.owner, device="merchant-phone", ip=PUBLIC_IP)
    RiskRule.objects.filter(code="shared_ip").update(enabled=False)
    RiskRule.objects.filter(code="shared_device").update(weight=40)
    rules.config_invalidate()

    order = checkout(make_credit_buyer(), listing, device="merchant-phone", ip=PUBLIC_IP)

    assert order.risk_assessment.reasons == ["shared_device"] and order.risk_assessment.score == 40
    assert order.status == "paid"


def test_two_moderate_signals_hold(make_shop, make_credit_buyer, checkout, seen):
    listing = make_shop()
    seen(listing.shop.owner, device="merchant-phone", ip=OTHER_PUBLIC_IP)
    order = checkout(make_credit_buyer(), listing, device="merchant-phone", ip=OTHER_PUBLIC_IP)
    assert (order.status, order.risk_assessment.score) == ("under_review", 55)
