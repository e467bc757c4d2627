"""Risk scenarios at checkout: a colluding pair is held or rejected with its reasons; an ordinary buyer is accepted."""
from decimal import Decimal

import pytest

from core.errors import DomainError
from credit.models import CheckoutFingerprint, CreditLine, InstallmentPlan, RiskAssessment
from credit.risk import rejections_flush
from ledger.models import Transaction
from marketplace.models import Order
from tests.credit.conftest import assert_books
from tests.credit.risk.conftest import HOME, PUBLIC_IP

SHARED_DEVICE = "merchant-phone-7f3a"
DROP_ADDRESS = {"name": "赵六", "phone": "13655556666", "address": "上海市闵行区七莘路 1000 弄 12 号"}
BUYER_AT_DROP = {**DROP_ADDRESS, "phone": "13512340000"}  # the merchant's address, the buyer's own phone


def test_colluding_pair_maxing_a_fresh_limit_is_rejected_with_its_reasons(
        make_shop, make_credit_buyer, checkout, seen, merchant_ships_own_order_to):
    # Given a merchant who uses a phone and receives parcels at an address...
    listing = make_shop(price=Decimal("2900.00"))
    owner = listing.shop.owner
    seen(owner, device=SHARED_DEVICE, ip="127.0.0.1")
    merchant_ships_own_order_to(owner, DROP_ADDRESS)
    # ...and a buyer approved minutes ago for 3,000.00, on the merchant's phone, shipping to that address.
    buyer = make_credit_buyer()
    transactions_before = Transaction.objects.count()

    with pytest.raises(DomainError) as refused:
        checkout(buyer, listing, device=SHARED_DEVICE, ip="127.0.0.1",
                 address={**BUYER_AT_DROP, "address": "上海市闵行区七莘路1000弄12号 "})

    assert refused.value.code == "risk_rejected" and refused.value.status == 422
    assert refused.value.extra["reasons"] == ["shared_address", "shared_device", "limit_after_approval",
                                              "round_amount"]
    # Nothing of the placement is left: no order, no draw, stock back.
    assert not Order.objects.filter(buyer=buyer).exists()
    assert CreditLine.objects.get(user=buyer).used_amount == 0
    assert Transaction.objects.count() == transactions_before
    listing.refresh_from_db()
    assert listing.stock == 500

    # The assessment is kept, with its reasons, once the placement's transaction is over.
    assert rejections_flush() == 1
    assessment = RiskAssessment.objects.get(buyer=buyer)
    assert (assessment.order, assessment.outcome, assessment.score) == (None, "reject", 110)
    assert assessment.shop == listing.shop and assessment.amount == Decimal("2900.00")
    assert assessment.reasons == ["shared_address", "shared_device", "limit_after_approval", "round_amount"]
    signals = {s["code"]: s for s in assessment.signals}
    assert signals["shared_device"]["facts"] == {"merchant": True, "other_buyers": 0}
    assert signals["limit_after_approval"]["facts"]["utilisation"] == "0.97"
    assert "shared_ip" not in signals  # 127.0.0.1 is shared by both, and is no signal
    assert_books(buyer)


def test_colluding_pair_below_the_rejection_score_is_held_for_review(
        make_shop, make_credit_buyer, checkout, seen, merchant_ships_own_order_to):
    listing = make_shop(price=Decimal("488.80"))
    owner = listing.shop.owner
    seen(owner, device=SHARED_DEVICE)
    merchant_ships_own_order_to(owner, DROP_ADDRESS)
    buyer = make_credit_buyer()

    order = checkout(buyer, listing, device=SHARED_DEVICE, ip=PUBLIC_IP, address=BUYER_AT_DROP)

    assert order.status == "under_review"
    assessment = order.risk_assessment
    assert (assessment.outcome, assessment.score, assessment.decision) == ("hold", 70, "")
    assert assessment.reasons == ["shared_address", "shared_device"]
    assert order.status_changes.last().reason == "shared_address; shared_device"
    # Credit is drawn and held while staff look at it.
    assert CreditLine.objects.get(user=buyer).used_amount == Decimal("488.80")
    assert InstallmentPlan.objects.get(order=order).status == "active"
    fingerprint = CheckoutFingerprint.objects.get(order=order)
    assert fingerprint.ip == PUBLIC_IP and fingerprint.ip_public and len(fingerprint.device_hash) == 64
    assert SHARED_DEVICE not in fingerprint.device_hash
    assert_books(buyer)


def test_ordinary_buyer_is_accepted(make_shop, make_credit_buyer, checkout, seen):
    listing = make_shop(price=Decimal("1299.00"))
    seen(listing.shop.owner, device="merchant-laptop", ip="61.135.169.121")
    buyer = make_credit_buyer()
    seen(buyer, device="buyer-phone", ip=PUBLIC_IP)

    order = checkout(buyer, listing, device="buyer-phone", ip=PUBLIC_IP, address=HOME)

    assert order.status == "paid"
    assessment = RiskAssessment.objects.get(order=order)
    assert (assessment.outcome, assessment.score, assessment.reasons) == ("accept", 0, [])
    assert CreditLine.objects.get(user=buyer).used_amount == Decimal("1299.00")
    assert_books(buyer)


def test_a_buyer_sharing_a_household_address_with_other_buyers_of_the_shop_is_not_held_for_that_alone(
        make_shop, make_credit_buyer, checkout):
    listing = make_shop(price=Decimal("88.00"))
    checkout(make_credit_buyer(), listing, address=HOME)

    order = checkout(make_credit_buyer(), listing, address=HOME)

    assert order.status == "paid"
    assert order.risk_assessment.reasons == ["shared_address"]
    assert order.risk_assessment.signals[0]["facts"] == {"merchant": False, "other_buyers": 1}


def test_a_device_farm_buying_from_one_shop_is_held(make_shop, make_credit_buyer, checkout):
    listing = make_shop(price=Decimal("88.00"))
    for _ in range(2):
        checkout(make_credit_buyer(), listing, device="farm-device", address=DROP_ADDRESS)

    order = checkout(make_credit_buyer(), listing, device="farm-device", address=DROP_ADDRESS)

    assert order.status == "under_review"
    facts = {s["code"]: s["facts"] for s in order.risk_assessment.signals}
    assert facts == {"shared_device": {"merchant": False, "other_buyers": 2},
                     "shared_address": {"merchant": False, "other_buyers": 2}}
