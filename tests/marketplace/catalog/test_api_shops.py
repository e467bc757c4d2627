"""Shops API: open, read, edit, deposit, staff verification and suspension; categories."""
from decimal import Decimal

import pytest
from rest_framework.test import APIClient

from ledger.models import Transaction
from marketplace.models import Payment, Shop, ShopStatus, ShopStatusChange
from marketplace.services.shops import shop_open, shop_suspend

pytestmark = pytest.mark.django_db
D = Decimal
ROLES = ["anonymous", "buyer", "other_buyer", "merchant", "other_merchant", "staff_user", "staff_no_perms"]


@pytest.fixture
def as_role(request, client_for):
    def make(role):
        return APIClient() if role == "anonymous" else client_for(request.getfixturevalue(role))

    return make


def _snapshot(shop):
    row = Shop.objects.filter(pk=shop.pk).values().get()
    return row, ShopStatusChange.objects.count(), Payment.objects.count(), Transaction.objects.count()


# --- open ----------------------------------------------------------------------------------------
def test_open_shop(as_role, buyer):
    response = as_role("buyer").post("/api/v1/shops/", {"name": "Moon Bakery", "description": "Bread."},
                                     format="json")

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Moon Bakery"
    assert body["verification_status"] == "pending"
    assert body["has_deposit"] is False
    assert body["deposit_amount"] == "0.00"
    assert body["rating"] == "0.00"
    assert Shop.objects.get(pk=body["id"]).owner == buyer


@pytest.mark.parametrize("role, status, code", [
    ("anonymous", 401, "not_authenticated"), ("merchant", 409, "shop_exists"), ("buyer", 201, None),
    ("staff_no_perms", 201, None),
])
def test_open_shop_matrix(as_role, role, status, code):
    before = Shop.objects.count() if role != "merchant" else None
    response = as_role(role).post("/api/v1/shops/", {"name": "Moon Bakery"}, format="json")

    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
        if before is not None:
            assert Shop.objects.count() == before


@pytest.mark.parametrize("body, field", [
    ({}, "name"), ({"name": ""}, "name"), ({"name": 12345}, "name"), ({"name": "x" * 81}, "name"),
    ({"name": "Fine", "description": ["a"]}, "description"), ({"name": True}, "name"),
], ids=["missing", "empty", "number", "long", "list", "bool"])
def test_open_shop_bad_input(as_role, body, field):
    response = as_role("buyer").post("/api/v1/shops/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]
    assert Shop.objects.count() == 0


def test_open_shop_with_a_taken_name(as_role, shop):
    response = as_role("buyer").post("/api/v1/shops/", {"name": shop.name.lower()}, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "shop_name_taken"
    assert "name" in response.json()["fields"]


def test_malformed_json_is_400(as_role):
    response = as_role("buyer").post("/api/v1/shops/", "{not json", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


# --- read ----------------------------------------------------------------------------------------
def test_shop_detail_shape(as_role, shop):
    body = as_role("anonymous").get(f"/api/v1/shops/{shop.pk}/").json()

    assert {"id", "name", "description", "rating", "dispute_rate", "verification_status", "review_count",
            "on_time_rate", "has_deposit", "created"} <= set(body)
    assert body["verification_status"] == "verified"
    assert (body["rating"], body["dispute_rate"], body["on_time_rate"]) == ("0.00", "0.0000", "1.0000")
    assert "deposit_amount" not in body  # only for the owner and staff


@pytest.mark.parametrize("role, status", [
    ("anonymous", 404), ("buyer", 404), ("other_buyer", 404), ("merchant", 200), ("other_merchant", 404),
    ("staff_user", 200), ("staff_no_perms", 404),
])
def test_suspended_shop_is_seen_by_its_owner_and_staff(as_role, shop, staff_user, role, status):
    shop_suspend(actor=staff_user, shop=shop, reason="Checks")

    response = as_role(role).get(f"/api/v1/shops/{shop.pk}/")

    assert response.status_code == status
    if status == 200:
        assert response.json()["verification_status"] == "suspended"
        assert response.json()["deposit_amount"] == "0.00"
    else:
        assert response.json()["code"] == "not_found"


@pytest.mark.parametrize("role", ROLES)
def test_pending_and_verified_shops_are_public(as_role, shop, make_user, role):
    pending = shop_open(actor=make_user(), name="Moon Bakery")

    assert as_role(role).get(f"/api/v1/shops/{pending.pk}/").status_code == 200
    assert as_role(role).get(f"/api/v1/shops/{shop.pk}/").status_code == 200


def test_shop_list_has_only_verified_shops(as_role, shop, other_shop, make_user, staff_user):
    shop_open(actor=make_user(), name="Moon Bakery")
    shop_suspend(actor=staff_user, shop=other_shop, reason="Checks")

    body = as_role("anonymous").get("/api/v1/shops/").json()

    assert set(body) == {"count", "next", "previous", "results"}
    assert [s["name"] for s in body["results"]] == ["Blue Sky Audio"]


def test_missing_shop_is_404(as_role):
    response = as_role("buyer").get("/api/v1/shops/999999/")

    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_my_shop(as_role, shop):
    assert as_role("merchant").get("/api/v1/shops/mine/").json()["id"] == shop.pk
    assert as_role("buyer").get("/api/v1/shops/mine/").json()["code"] == "no_shop"
    assert as_role("anonymous").get("/api/v1/shops/mine/").status_code == 401


# --- edit ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("buyer", 403), ("other_buyer", 403), ("merchant", 200), ("other_merchant", 403),
    ("staff_user", 403), ("staff_no_perms", 403),
])
def test_patch_shop_matrix(as_role, shop, role, status):
    client = as_role(role)
    before = _snapshot(shop)

    response = client.patch(f"/api/v1/shops/{shop.pk}/", {"description": "Changed"}, format="json")

    assert response.status_code == status
    if status == 200:
        assert response.json()["description"] == "Changed"
    else:
        assert _snapshot(shop) == before


def test_patch_suspended_shop_by_a_stranger_is_404(as_role, shop, staff_user):
    shop_suspend(actor=staff_user, shop=shop, reason="Checks")

    assert as_role("buyer").patch(f"/api/v1/shops/{shop.pk}/", {"name": "x y"}, format="json").status_code == 404


# --- deposit -------------------------------------------------------------------------------------
@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("buyer", 403), ("other_buyer", 403), ("merchant", 200), ("other_merchant", 403),
    ("staff_user", 403), ("staff_no_perms", 403),
])
def test_deposit_matrix(as_role, shop, role, status):
    client = as_role(role)
    before = _snapshot(shop)

    response = client.post(f"/api/v1/shops/{shop.pk}/deposit/", {"amount": "3000.00"}, format="json")

    assert response.status_code == status
    if status == 200:
        assert response.json()["has_deposit"] is True
        assert response.json()["deposit_amount"] == "3000.00"
        assert Shop.objects.get(pk=shop.pk).deposit_amount == D("3000.00")
    else:
        assert _snapshot(shop) == before


def test_deposit_with_idempotency_key_replays(as_role, shop):
    client = as_role("merchant")
    first = client.post(f"/api/v1/shops/{shop.pk}/deposit/", {"amount": "500.00"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="dep-1")
    again = client.post(f"/api/v1/shops/{shop.pk}/deposit/", {"amount": "500.00"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="dep-1")
    other = client.post(f"/api/v1/shops/{shop.pk}/deposit/", {"amount": "600.00"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="dep-1")

    assert (first.status_code, again.status_code, other.status_code) == (200, 200, 422)
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert other.json()["code"] == "idempotency_key_reused"
    assert Payment.objects.count() == 1
    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("500.00")


def test_deposits_without_a_key_are_separate(as_role, shop):
    client = as_role("merchant")
    for _ in range(2):
        assert client.post(f"/api/v1/shops/{shop.pk}/deposit/", {"amount": "1.50"}, format="json").status_code == 200

    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("3.00")


def test_declined_deposit(as_role, shop):
    before = _snapshot(shop)

    response = as_role("merchant").post(f"/api/v1/shops/{shop.pk}/deposit/",
                                        {"amount": "500.00", "outcome": "decline"}, format="json")

    assert response.status_code == 402
    assert response.json()["code"] == "payment_declined"
    assert _snapshot(shop) == before


@pytest.mark.parametrize("body", [{}, {"amount": "0"}, {"amount": "-1"}, {"amount": "1.001"}, {"amount": "abc"},
                                  {"amount": True}, {"amount": "1e20"}, {"amount": "10", "outcome": "maybe"},
                                  {"amount": None}],
                         ids=["missing", "zero", "negative", "precise", "text", "bool", "huge", "outcome", "null"])
def test_deposit_bad_input(as_role, shop, body):
    before = _snapshot(shop)

    response = as_role("merchant").post(f"/api/v1/shops/{shop.pk}/deposit/", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert _snapshot(shop) == before


# --- staff ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("buyer", 403), ("other_buyer", 403), ("merchant", 403), ("other_merchant", 403),
    ("staff_user", 200), ("staff_no_perms", 403),
])
def test_staff_verify_matrix(as_role, make_user, role, status):
    client = as_role(role)  # first: the role's fixtures may open shops of their own
    pending = shop_open(actor=make_user(), name="Moon Bakery")
    before = _snapshot(pending)

    response = client.post(f"/api/v1/staff/shops/{pending.pk}/verify/")

    assert response.status_code == status
    if status == 200:
        assert response.json()["verification_status"] == "verified"
        assert ShopStatusChange.objects.filter(shop=pending, new_status="verified").exists()
    else:
        assert _snapshot(pending) == before


def test_staff_verify_twice_is_a_conflict(as_role, shop):
    before = _snapshot(shop)

    response = as_role("staff_user").post(f"/api/v1/staff/shops/{shop.pk}/verify/")

    assert response.status_code == 409
    assert response.json()["code"] == "invalid_transition"
    assert _snapshot(shop) == before


def test_staff_action_on_a_missing_shop(as_role):
    assert as_role("staff_user").post("/api/v1/staff/shops/999999/verify/").status_code == 404
    # Without the permission, existence is not revealed.
    assert as_role("buyer").post("/api/v1/staff/shops/999999/verify/").status_code == 403


@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("buyer", 403), ("merchant", 403), ("staff_user", 200), ("staff_no_perms", 403),
])
def test_staff_suspend_matrix(as_role, shop, role, status):
    client = as_role(role)
    before = _snapshot(shop)

    response = client.post(f"/api/v1/staff/shops/{shop.pk}/suspend/", {"reason": "Fraud reports"},
                                  format="json")

    assert response.status_code == status
    if status == 200:
        assert response.json()["verification_status"] == "suspended"
        assert Shop.objects.get(pk=shop.pk).verification_status == ShopStatus.SUSPENDED
    else:
        assert _snapshot(shop) == before


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": 5}])
def test_staff_suspend_needs_a_reason(as_role, shop, body):
    response = as_role("staff_user").post(f"/api/v1/staff/shops/{shop.pk}/suspend/", body, format="json")

    assert response.status_code == 400
    assert Shop.objects.get(pk=shop.pk).is_verified


# --- categories ----------------------------------------------------------------------------------
def test_categories_flat_with_parents_in_the_request_language(as_role):
    client = as_role("anonymous")

    zh = client.get("/api/v1/categories/").json()
    en = client.get("/api/v1/categories/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert zh["count"] == len(zh["results"]) >= 20 and zh["next"] is None
    by_slug = {c["slug"]: c for c in zh["results"]}
    assert by_slug["phones-audio"]["name"] == "耳机音响"
    assert by_slug["phones-audio"]["parent"] == by_slug["phones"]["id"]
    assert by_slug["phones"]["parent"] is None
    assert {c["slug"]: c["name"] for c in en["results"]}["phones-audio"] == "Headphones & Audio"


def test_shop_list_search_by_name(as_role, shop, other_shop):
    client = as_role("anonymous")

    assert [s["name"] for s in client.get("/api/v1/shops/", {"q": "tea"}).json()["results"]] == ["Green Tea House"]
    assert client.get("/api/v1/shops/", {"q": "te\x00a"}).status_code == 200
