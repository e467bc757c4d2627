"""Risk control as installed: the device middleware in settings, the device id in the risk context of both checkout
paths (the website's cookie, an app's X-Device-Id header), rejected checkouts recorded, the client IP behind proxies.

A buyer checking out on the merchant's device, to the address the merchant ships their own parcels to, is held
(shared device + shared address); the same at a round 2,900.00 on a fresh 3,000.00 line is rejected.
"""
from decimal import Decimal

import pytest
from django.conf import settings
from django.test import Client

from credit.models import CheckoutFingerprint, CreditLine, DeviceSighting, RiskAssessment
from credit.risk_middleware import COOKIE
from marketplace.models import Order
from tests.credit.conftest import assert_books
from tests.credit.risk.conftest import PUBLIC_IP

PRIVATE_IP = "10.20.30.40"  # a home router's NAT: shared by both, but never a signal
DROP = {"name": "赵六", "phone": "13655556666", "address": "上海市闵行区七莘路 1000 弄 12 号"}
BUYER_AT_DROP = {**DROP, "phone": "13512340000"}
HELD_PRICE, REJECTED_PRICE = Decimal("488.80"), Decimal("2900.00")
MIDDLEWARE = "credit.risk_middleware.RiskDeviceMiddleware"


@pytest.fixture
def scene(make_shop, make_credit_buyer, merchant_ships_own_order_to):
    """A shop whose owner receives parcels at DROP, and a buyer approved minutes ago."""

    def make(price):
        listing = make_shop(price=price)
        merchant_ships_own_order_to(listing.shop.owner, DROP)
        return listing, make_credit_buyer()

    return make


def browser_of(user, *, cookies=None) -> Client:
    browser = Client(REMOTE_ADDR=PRIVATE_IP)
    for name, value in (cookies or {}).items():
        browser.cookies[name] = value
    browser.force_login(user)
    return browser


def merchant_browses(owner, capture) -> str:
    """The merchant uses the website on their phone; returns the phone's device cookie."""
    browser = browser_of(owner)
    with capture(execute=True):
        assert browser.get("/merchant/orders/").status_code == 200
    return browser.cookies[COOKIE].value


def web_checkout(browser, listing, *, installments=3):
    assert browser.post("/cart/add/", {"listing": listing.pk, "quantity": 1}).status_code == 302
    return browser.post(f"/checkout/{listing.shop_id}/", {**BUYER_AT_DROP, "payment_method": "installment",
                                                          "payment_installments": str(installments)},
                        HTTP_ACCEPT_LANGUAGE="en")


def api_checkout(client, listing, device, *, installments=3):
    return client.post("/api/v1/orders/", {
        "lines": [{"listing": listing.pk, "quantity": 1}], "shipping_address": BUYER_AT_DROP,
        "payment": {"method": "installment", "installments": installments}}, format="json",
        HTTP_X_DEVICE_ID=device, REMOTE_ADDR=PRIVATE_IP)


def test_the_device_middleware_is_installed_after_authentication():
    middleware = settings.MIDDLEWARE
    assert middleware.index(MIDDLEWARE) > middleware.index("django.contrib.auth.middleware.AuthenticationMiddleware")


# --- the website: the device cookie --------------------------------------------------------------------


def test_a_buyer_checking_out_on_the_merchants_browser_is_held_for_the_shared_device(
        scene, django_capture_on_commit_callbacks):
    listing, buyer = scene(HELD_PRICE)
    owner = listing.shop.owner
    merchant_cookie = merchant_browses(owner, django_capture_on_commit_callbacks)

    response = web_checkout(browser_of(buyer, cookies={COOKIE: merchant_cookie}), listing)

    assert response.status_code == 302, response.content.decode()[:2000]
    order = Order.objects.get(buyer=buyer)
    assert order.status == "under_review"
    assessment = order.risk_assessment
    assert (assessment.outcome, assessment.reasons) == ("hold", ["shared_address", "shared_device"])
    facts = {s["code"]: s["facts"] for s in assessment.signals}
    assert facts["shared_device"] == {"merchant": True, "other_buyers": 0}
    # The checkout was scored on the merchant's device: the one the middleware saw them on.
    merchant_device = DeviceSighting.objects.get(user=owner).device_hash
    assert CheckoutFingerprint.objects.get(order=order).device_hash == merchant_device
    assert_books(buyer)


def test_the_same_buyer_on_their_own_browser_is_not_flagged_for_a_device(scene, django_capture_on_commit_callbacks):
    listing, buyer = scene(HELD_PRICE)
    merchant_browses(listing.shop.owner, django_capture_on_commit_callbacks)

    response = web_checkout(browser_of(buyer), listing)  # a browser of its own: a cookie of its own

    assert response.status_code == 302
    order = Order.objects.get(buyer=buyer)
    assert (order.status, order.risk_assessment.reasons) == ("paid", ["shared_address"])


def test_a_rejected_website_checkout_shows_why_keeps_nothing_but_its_assessment(
        scene, django_capture_on_commit_callbacks):
    listing, buyer = scene(REJECTED_PRICE)
    merchant_cookie = merchant_browses(listing.shop.owner, django_capture_on_commit_callbacks)
    stock = listing.stock

    response = web_checkout(browser_of(buyer, cookies={COOKIE: merchant_cookie}), listing, installments=6)

    assert response.status_code == 400
    assert "This order cannot be paid with credit." in response.content.decode()
    assert not Order.objects.filter(buyer=buyer).exists()
    assert CreditLine.objects.get(user=buyer).used_amount == 0
    listing.refresh_from_db()
    assert listing.stock == stock
    # Written by the middleware once the undone placement was over.
    assessment = RiskAssessment.objects.get(buyer=buyer)
    assert (assessment.order, assessment.outcome, assessment.amount) == (None, "reject", REJECTED_PRICE)
    assert assessment.reasons == ["shared_address", "shared_device", "limit_after_approval", "round_amount"]
    assert_books(buyer)


# --- the API: an app's X-Device-Id header -----------------------------------------------------------------


def test_a_buyer_checking_out_in_the_app_on_the_merchants_phone_is_held_for_the_shared_device(
        scene, client_for, django_capture_on_commit_callbacks):
    listing, buyer = scene(HELD_PRICE)
    owner = listing.shop.owner
    with django_capture_on_commit_callbacks(execute=True):
        client_for(owner).get("/api/v1/me/", HTTP_X_DEVICE_ID="merchant-phone-app", REMOTE_ADDR=PRIVATE_IP)

    response = api_checkout(client_for(buyer), listing, "merchant-phone-app")

    assert response.status_code == 201, response.content
    assert response.json()["status"] == "under_review"
    assert response.json() == client_for(buyer).get(f"/api/v1/orders/{response.json()['id']}/").json()
    assessment = Order.objects.get(buyer=buyer).risk_assessment
    assert assessment.reasons == ["shared_address", "shared_device"]
    assert {s["code"]: s["facts"] for s in assessment.signals}["shared_device"] == {"merchant": True,
                                                                                   "other_buyers": 0}


def test_a_rejected_api_checkout_answers_422_with_reasons_and_keeps_only_its_assessment(
        scene, client_for, django_capture_on_commit_callbacks):
    listing, buyer = scene(REJECTED_PRICE)
    with django_capture_on_commit_callbacks(execute=True):
        client_for(listing.shop.owner).get("/api/v1/me/", HTTP_X_DEVICE_ID="merchant-phone-app")

    response = api_checkout(client_for(buyer), listing, "merchant-phone-app", installments=6)

    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "risk_rejected"
    assert body["reasons"] == ["shared_address", "shared_device", "limit_after_approval", "round_amount"]
    assert not Order.objects.filter(buyer=buyer).exists()
    assessment = RiskAssessment.objects.get(buyer=buyer)
    assert (assessment.order, assessment.outcome, assessment.score) == (None, "reject", 110)
    assert assessment.reasons == body["reasons"]
    assert_books(buyer)


def test_an_app_header_wins_over_the_browser_cookie(scene, client_for, django_capture_on_commit_callbacks):
    listing, buyer = scene(HELD_PRICE)
    merchant_cookie = merchant_browses(listing.shop.owner, django_capture_on_commit_callbacks)
    client = client_for(buyer)
    client.cookies[COOKIE] = merchant_cookie

    response = api_checkout(client, listing, "the-buyers-own-phone")

    assert response.status_code == 201 and response.json()["status"] == "paid"
    assert Order.objects.get(buyer=buyer).risk_assessment.reasons == ["shared_address"]


# --- the client IP in the risk context --------------------------------------------------------------------


def test_a_spoofed_forwarded_for_is_ignored_without_a_trusted_proxy(make_shop, make_credit_buyer, client_for, seen):
    listing = make_shop(price=HELD_PRICE)
    seen(listing.shop.owner, ip=PUBLIC_IP)
    buyer = make_credit_buyer()

    response = client_for(buyer).post("/api/v1/orders/", {
        "lines": [{"listing": listing.pk, "quantity": 1}], "shipping_address": BUYER_AT_DROP,
        "payment": {"method": "installment", "installments": 3}}, format="json",
        REMOTE_ADDR="61.135.169.121", HTTP_X_FORWARDED_FOR=PUBLIC_IP)

    assert response.status_code == 201
    fingerprint = CheckoutFingerprint.objects.get(order_id=response.json()["id"])
    assert fingerprint.ip == "61.135.169.121"
    assert fingerprint.order.risk_assessment.reasons == []


def test_behind_a_trusted_proxy_the_forwarded_client_ip_is_scored(make_shop, make_credit_buyer, client_for, seen,
                                                                   settings):
    settings.TRUSTED_PROXY_COUNT = 1
    listing = make_shop(price=HELD_PRICE)
    seen(listing.shop.owner, ip=PUBLIC_IP)
    buyer = make_credit_buyer()

    response = client_for(buyer).post("/api/v1/orders/", {
        "lines": [{"listing": listing.pk, "quantity": 1}], "shipping_address": BUYER_AT_DROP,
        "payment": {"method": "installment", "installments": 3}}, format="json",
        REMOTE_ADDR="10.0.0.2", HTTP_X_FORWARDED_FOR=f"203.0.113.50, {PUBLIC_IP}")

    assert response.status_code == 201
    order = Order.objects.get(pk=response.json()["id"])
    assert order.checkout_fingerprint.ip == PUBLIC_IP  # what the proxy saw, not what the client wrote
    assert order.risk_assessment.reasons == ["shared_ip"]
