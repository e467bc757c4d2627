"""The orders API: shapes, the bad-input catalogue, idempotent pay, and who may do what (denied = unchanged)."""
import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient

from core.errors import DomainError
from ledger.models import Transaction
from marketplace import hooks
from marketplace.models import Complaint, Listing, Order, OrderStatus, Payment, Review, Withdrawal
from marketplace.services.orders import order_cancel, order_place
from marketplace.services.payments import order_pay

from .conftest import next_key

pytestmark = pytest.mark.django_db
D = Decimal
ORDERS = "/api/v1/orders/"


def _url(order, action=""):
    return f"{ORDERS}{order.pk}/" + (f"{action}/" if action else "")


@pytest.fixture
def as_(request, client_for):
    """An API client acting as the named fixture ("anonymous" for none)."""

    def make(who):
        if who == "anonymous":
            return APIClient()
        return client_for(request.getfixturevalue(who))

    return make


@pytest.fixture
def body(listing, address):
    return {"lines": [{"listing": listing.pk, "quantity": 2}], "shipping_address": address,
            "payment": {"method": "full"}}


def _snapshot(order=None):
    """What a denied request must leave as it was."""
    state = (Order.objects.count(), Payment.objects.count(), Transaction.objects.count(), Review.objects.count(),
             list(Listing.objects.order_by("pk").values_list("stock", flat=True)))
    if order is not None:
        state += tuple(Order.objects.filter(pk=order.pk).values_list("status", "refunded_amount", "carrier").get())
    return state


# --- placing -------------------------------------------------------------------------------------


def test_place_answers_201_with_the_order(as_, body, listing, buyer):
    response = as_("buyer").post(ORDERS, body, format="json")

    assert response.status_code == 201, response.json()
    data = response.json()
    order = Order.objects.get()
    assert data["id"] == order.pk
    assert (data["status"], data["total"], data["refunded"]) == ("pending_payment", "200.00", "0.00")
    assert data["lines"] == [{"id": order.lines.get().pk, "listing": listing.pk, "title": "Wireless earphones",
                              "quantity": 2, "price": "100.00", "line_total": "200.00", "refunded": "0.00"}]
    assert data["shipping_address"] == {"name": "张三", "phone": "+8613912345678",
                                        "address": "上海市浦东新区世纪大道100号 8楼"}
    assert (data["payment"]["method"], data["payment"]["installments"]) == ("full", None)
    assert data["shop"] == {"id": listing.shop_id, "name": "Blue Sky Audio"}
    assert data["actions"] == ["pay", "cancel"]
    assert [step["status"] for step in data["timeline"]] == ["pending_payment"]
    assert Listing.objects.get(pk=listing.pk).stock == 8



def test_place_answers_with_what_the_order_page_of_the_api_shows(as_, body, buyer):
    """The 201 is rendered from the order placed, not read back: it must be exactly what a GET shows."""
    client = as_("buyer")
    placed = client.post(ORDERS, body, format="json")

    assert placed.status_code == 201, placed.json()
    assert placed.json() == client.get(f"{ORDERS}{placed.json()['id']}/").json()


def _big_body():
    return json.dumps({"lines": [{"listing": 1, "quantity": 1}], "pad": "x" * (10 * 1024 * 1024)})


@pytest.mark.parametrize("mutate, status, code", [
    (lambda b, ctx: b["lines"][0].update(quantity="1.5"), 400, "validation_error"),
    (lambda b, ctx: b["lines"][0].update(quantity=1.5), 400, "validation_error"),
    (lambda b, ctx: b["lines"][0].update(quantity=-1), 400, "validation_error"),
    (lambda b, ctx: b["lines"][0].update(quantity=0), 400, "validation_error"),
    (lambda b, ctx: b["lines"][0].update(quantity=True), 400, "validation_error"),
    (lambda b, ctx: b["lines"][0].update(quantity="2"), 400, "validation_error"),
    (lambda b, ctx: b["lines"][0].update(quantity=1000), 400, "validation_error"),
    (lambda b, ctx: b["lines"][0].update(quantity=10 ** 30), 400, "validation_error"),
    (lambda b, ctx: b["lines"][0].pop("quantity"), 400, "validation_error"),
    (lambda b, ctx: b["lines"][0].update(listing=999999), 400, "listing_unavailable"),
    (lambda b, ctx: b["lines"][0].update(listing="abc"), 400, "validation_error"),
    (lambda b, ctx: b["lines"][0].update(listing=10 ** 30), 400, "validation_error"),
    (lambda b, ctx: b["lines"].append({"listing": ctx["foreign"].pk, "quantity": 1}), 400, "mixed_shops"),
    (lambda b, ctx: b["lines"][0].update(quantity=11), 409, "out_of_stock"),
    (lambda b, ctx: b.update(lines=[]), 400, "validation_error"),
    (lambda b, ctx: b.update(lines={"listing": 1}), 400, "validation_error"),
    (lambda b, ctx: b.update(lines=[{"listing": 1, "quantity": 1}] * 51), 400, "validation_error"),
    (lambda b, ctx: b.pop("shipping_address"), 400, "validation_error"),
    (lambda b, ctx: b["shipping_address"].pop("address"), 400, "validation_error"),
    (lambda b, ctx: b["shipping_address"].update(phone="12"), 400, "validation_error"),
    (lambda b, ctx: b["shipping_address"].update(phone=13912345678), 400, "validation_error"),
    (lambda b, ctx: b.update(shipping_address="Shanghai"), 400, "validation_error"),
    (lambda b, ctx: b.pop("payment"), 400, "validation_error"),
    (lambda b, ctx: b.update(payment={"method": "bitcoin"}), 400, "unknown_payment_method"),
    (lambda b, ctx: b.update(payment="full"), 400, "validation_error"),
], ids=["qty-string-fraction", "qty-fraction", "qty-negative", "qty-zero", "qty-true", "qty-string", "qty-1000",
        "qty-huge", "qty-missing", "unknown-listing", "listing-string", "listing-huge", "another-shop",
        "out-of-stock", "no-lines", "lines-object", "too-many-lines", "no-address", "no-street", "bad-phone",
        "phone-number", "address-string", "no-payment", "unknown-method", "payment-string"])
def test_bad_orders_answer_4xx_with_a_stable_code_and_change_nothing(as_, body, make_listing, other_shop, mutate,
                                                                      status, code):
    ctx = {"foreign": make_listing(shop=other_shop)}
    mutate(body, ctx)
    before = _snapshot()

    response = as_("buyer").post(ORDERS, body, format="json")

    assert response.status_code == status, response.content
    assert response.json()["code"] == code
    assert response.json()["detail"]
    assert _snapshot() == before


def test_a_missing_address_names_the_fields(as_, body):
    body["shipping_address"] = {"name": "A"}

    response = as_("buyer").post(ORDERS, body, format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]["shipping_address"]) == {"phone", "address"}


def test_an_invalid_phone_is_a_field_error(as_, body):
    body["shipping_address"]["phone"] = "555"

    response = as_("buyer").post(ORDERS, body, format="json")

    assert response.json()["fields"] == {"shipping_address": {"phone": [response.json()["fields"][
        "shipping_address"]["phone"][0]]}}


@pytest.mark.parametrize("raw, content_type, status, code", [
    ("{not json", "application/json", 400, "malformed_request"),
    ("[1, 2]", "application/json", 400, "validation_error"),
    ('"just a string"', "application/json", 400, "validation_error"),
    ("null", "application/json", 400, "validation_error"),
    ("lines=1", "text/plain", 415, "unsupported_media_type"),
])
def test_malformed_bodies_are_refused(as_, raw, content_type, status, code):
    response = as_("buyer").post(ORDERS, raw, content_type=content_type)

    assert (response.status_code, response.json()["code"]) == (status, code)
    assert not Order.objects.exists()


def test_a_10_mb_body_is_refused_before_it_is_read(as_):
    response = as_("buyer").post(ORDERS, _big_body(), content_type="application/json")

    assert (response.status_code, response.json()["code"]) == (413, "request_too_large")
    assert not Order.objects.exists()


def test_buying_from_your_own_shop_is_refused(as_, body):
    response = as_("merchant").post(ORDERS, body, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "own_shop")


class _Declining(hooks.PaymentMethod):
    key = "installment-test"
    label = "Instalments (test)"

    def validate_options(self, options):
        return {"installments": options.get("installments")}

    def checkout(self, *, order, buyer, options, context):
        assert context["ip"] == "127.0.0.1"
        raise DomainError("credit_declined", "Your credit application was declined.", status=422,
                          reasons=["account_too_new", "no_completed_orders"])


def test_a_declined_method_answers_422_with_its_reasons_and_nothing_placed(as_, body, listing):
    hooks.register_payment_method(_Declining())
    body["payment"] = {"method": "installment-test", "installments": 6}
    try:
        response = as_("buyer").post(ORDERS, body, format="json")
    finally:
        hooks._methods.pop("installment-test")

    assert response.status_code == 422
    assert response.json() == {"code": "credit_declined", "detail": "Your credit application was declined.",
                               "reasons": ["account_too_new", "no_completed_orders"]}
    assert not Order.objects.exists()
    assert Listing.objects.get(pk=listing.pk).stock == 10


# --- paying: idempotency -------------------------------------------------------------------------


def test_pay_answers_with_the_paid_order(as_, pending_order):
    response = as_("buyer").post(_url(pending_order, "pay"), {}, format="json")

    assert response.status_code == 200
    assert response.json()["status"] == "paid"
    assert response.json()["ship_by"] is not None
    assert Payment.objects.count() == 1


def test_pay_decline_answers_402_and_changes_nothing(as_, pending_order):
    before = _snapshot(pending_order)

    response = as_("buyer").post(_url(pending_order, "pay"), {"outcome": "decline"}, format="json")

    assert (response.status_code, response.json()["code"]) == (402, "payment_declined")
    assert _snapshot(pending_order) == before


def test_pay_twice_with_the_same_key_charges_once(as_, pending_order):
    client = as_("buyer")

    first = client.post(_url(pending_order, "pay"), {}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")
    again = client.post(_url(pending_order, "pay"), {}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")

    assert first.status_code == again.status_code == 200
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Payment.objects.count() == 1
    assert Transaction.objects.filter(kind="order_payment").count() == 1


def test_the_same_key_with_another_body_answers_422(as_, pending_order):
    client = as_("buyer")
    client.post(_url(pending_order, "pay"), {}, format="json", HTTP_IDEMPOTENCY_KEY="pay-1")

    response = client.post(_url(pending_order, "pay"), {"outcome": "decline"}, format="json",
                           HTTP_IDEMPOTENCY_KEY="pay-1")

    assert (response.status_code, response.json()["code"]) == (422, "idempotency_key_reused")
    assert Payment.objects.count() == 1


def test_a_second_pay_with_a_new_key_is_an_invalid_transition(as_, paid_order):
    response = as_("buyer").post(_url(paid_order, "pay"), {}, format="json", HTTP_IDEMPOTENCY_KEY="pay-2")

    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")
    assert Payment.objects.count() == 1


def test_pay_with_an_unknown_outcome_is_a_validation_error(as_, pending_order):
    response = as_("buyer").post(_url(pending_order, "pay"), {"outcome": "maybe"}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")


# --- the rest of the lifecycle -------------------------------------------------------------------


def test_ship_confirm_and_review_through_the_api(as_, paid_order):
    shipped = as_("merchant").post(_url(paid_order, "ship"), {"carrier": "SF", "tracking_number": "SF1"},
                                   format="json")
    completed = as_("buyer").post(_url(paid_order, "confirm-receipt"), format="json")
    review = as_("buyer").post(_url(paid_order, "review"), {"rating": 5, "text": "Lovely"}, format="json")

    assert (shipped.status_code, shipped.json()["status"], shipped.json()["tracking_number"]) == (200, "shipped",
                                                                                                  "SF1")
    assert (completed.status_code, completed.json()["status"]) == (200, "completed")
    assert completed.json()["settled_at"] is not None
    assert completed.json()["actions"] == ["review"]
    assert review.status_code == 201
    assert {k: review.json()[k] for k in ("order", "rating", "text")} == {"order": paid_order.pk, "rating": 5,
                                                                           "text": "Lovely"}
    again = as_("buyer").post(_url(paid_order, "review"), {"rating": 4}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "already_reviewed")


@pytest.mark.parametrize("rating", [0, 6, "5", 4.5, True, None])
def test_a_rating_is_a_whole_number_from_1_to_5(as_, completed_order, rating):
    response = as_("buyer").post(_url(completed_order, "review"), {"rating": rating}, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert not Review.objects.exists()


def test_a_review_before_completion_is_an_invalid_transition(as_, shipped_order):
    response = as_("buyer").post(_url(shipped_order, "review"), {"rating": 5}, format="json")

    assert (response.status_code, response.json()["code"]) == (409, "invalid_transition")


def test_cancel_a_paid_order_returns_the_money(as_, paid_order):
    response = as_("buyer").post(_url(paid_order, "cancel"), {"reason": "found it cheaper"}, format="json")

    assert response.status_code == 200
    data = response.json()
    assert (data["status"], data["refunded"]) == ("cancelled", "200.00")
    assert data["timeline"][-1]["reason"] == "found it cheaper"


def test_invalid_transitions_answer_409(as_, shipped_order):
    cancel = as_("buyer").post(_url(shipped_order, "cancel"), format="json")
    ship = as_("merchant").post(_url(shipped_order, "ship"), {"carrier": "SF", "tracking_number": "2"},
                                format="json")

    assert (cancel.status_code, cancel.json()["code"]) == (409, "invalid_transition")
    assert (ship.status_code, ship.json()["code"]) == (409, "invalid_transition")


@pytest.mark.parametrize("payload", [{}, {"carrier": "SF"}, {"carrier": 5, "tracking_number": "1"},
                                     {"carrier": "SF", "tracking_number": "1" * 61}])
def test_ship_validates_its_input(as_, paid_order, payload):
    response = as_("merchant").post(_url(paid_order, "ship"), payload, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert Order.objects.get(pk=paid_order.pk).status == OrderStatus.PAID


# --- reading -------------------------------------------------------------------------------------


def test_my_orders_lists_only_mine(as_, place, other_buyer, buyer):
    mine = place()
    place(who=other_buyer)

    response = as_("buyer").get(ORDERS)

    assert response.status_code == 200
    data = response.json()
    assert (data["count"], [o["id"] for o in data["results"]]) == (1, [mine.pk])
    assert "timeline" not in data["results"][0]


def test_the_detail_has_the_timeline(as_, completed_order):
    data = as_("buyer").get(_url(completed_order)).json()

    assert [(s["previous_status"], s["status"], s["by"]) for s in data["timeline"]] == [
        (None, "pending_payment", "buyer"), ("pending_payment", "paid", "buyer"), ("paid", "shipped", "merchant"),
        ("shipped", "completed", "buyer")]


def test_the_merchant_sees_the_phone_masked_and_the_address_while_open(as_, paid_order):
    detail = as_("merchant").get(_url(paid_order)).json()
    listed = as_("merchant").get("/api/v1/merchant/orders/").json()["results"][0]

    for data in (detail, listed):
        assert data["shipping_address"] == {"name": "张三", "phone": "139****5678",
                                            "address": "上海市浦东新区世纪大道100号 8楼"}
    assert "13912345678" not in json.dumps(detail) and "13912345678" not in json.dumps(listed)


def test_after_completion_the_merchant_sees_the_address_truncated(as_, completed_order):
    data = as_("merchant").get(_url(completed_order)).json()

    assert data["shipping_address"] == {"name": "张*", "phone": "139****5678", "address": "上海市浦东新****"}


def test_after_cancelling_the_merchant_sees_the_address_truncated(as_, paid_order, buyer):
    order_cancel(actor=buyer, order=paid_order)

    data = as_("merchant").get(_url(paid_order)).json()

    assert data["shipping_address"] == {"name": "张*", "phone": "139****5678", "address": "上海市浦东新****"}


def test_staff_see_the_phone_masked(as_, paid_order):
    data = as_("cs_staff").get(_url(paid_order)).json()

    assert data["shipping_address"]["phone"] == "139****5678"
    assert data["actions"] == []


def test_merchant_orders_filter_to_ship(as_, paid_order, place):
    pending = place()

    to_ship = as_("merchant").get("/api/v1/merchant/orders/?status=to_ship").json()
    everything = as_("merchant").get("/api/v1/merchant/orders/").json()
    bad = as_("merchant").get("/api/v1/merchant/orders/?status=nonsense")

    assert [o["id"] for o in to_ship["results"]] == [paid_order.pk]
    assert {o["id"] for o in everything["results"]} == {paid_order.pk, pending.pk}
    assert (bad.status_code, bad.json()["code"]) == (400, "validation_error")


def _orders_for(buyer, listing, address, n):
    for _ in range(n):
        order_place(buyer=buyer, lines=[{"listing": listing, "quantity": 1}], shipping_address=address,
                    payment={"method": "full"})


@pytest.mark.parametrize("path, who", [(ORDERS, "buyer"), ("/api/v1/merchant/orders/", "merchant")])
def test_list_query_counts_do_not_grow_with_the_page(as_, make_listing, buyer, address, path, who):
    many = make_listing(stock=500)
    client = as_(who)
    counts = []
    for n in (1, 15):
        _orders_for(buyer, many, address, n)
        with CaptureQueriesContext(connection) as queries:
            response = client.get(path, {"page_size": 50})
        assert response.status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1] <= 6


@pytest.mark.parametrize("path, who, queries", [
    (ORDERS, "buyer", 4),  # token and user, count, orders with their shops, lines
    ("/api/v1/merchant/orders/", "merchant", 5),  # ... and the merchant's shop
])
def test_list_query_counts_are_pinned(as_, make_listing, buyer, address, django_assert_max_num_queries, path, who,
                                      queries):
    _orders_for(buyer, make_listing(stock=500), address, 25)
    client = as_(who)

    for size in (5, 25):
        with django_assert_max_num_queries(queries):
            assert len(client.get(path, {"page_size": size}).json()["results"]) == size


def test_pages_are_paginated(as_, make_listing, buyer, address):
    _orders_for(buyer, make_listing(stock=500), address, 3)

    data = as_("buyer").get(ORDERS, {"page_size": 2}).json()

    assert (data["count"], len(data["results"]), data["next"] is not None, data["previous"]) == (3, 2, True, None)


# --- permission matrix ---------------------------------------------------------------------------

PEOPLE = ["anonymous", "buyer", "other_buyer", "merchant", "other_merchant", "cs_staff", "staff_no_perms"]


def _expect(table):
    return [pytest.param(who, status, id=who) for who, status in zip(PEOPLE, table, strict=True)]


@pytest.mark.parametrize("who, status", _expect([401, 200, 404, 200, 404, 200, 404]))
def test_who_may_read_an_order(as_, paid_order, who, status):
    assert as_(who).get(_url(paid_order)).status_code == status


@pytest.mark.parametrize("who, status", _expect([401, 200, 404, 403, 404, 403, 404]))
def test_who_may_pay(as_, pending_order, who, status):
    before = _snapshot(pending_order)

    response = as_(who).post(_url(pending_order, "pay"), {}, format="json")

    assert response.status_code == status
    if status != 200:
        assert _snapshot(pending_order) == before
    else:
        assert response.json()["status"] == "paid"


@pytest.mark.parametrize("who, status", _expect([401, 403, 404, 200, 404, 403, 404]))
def test_who_may_ship(as_, paid_order, who, status):
    before = _snapshot(paid_order)

    response = as_(who).post(_url(paid_order, "ship"), {"carrier": "SF", "tracking_number": "1"}, format="json")

    assert response.status_code == status
    if status != 200:
        assert _snapshot(paid_order) == before


@pytest.mark.parametrize("who, status", _expect([401, 200, 404, 403, 404, 403, 404]))
def test_who_may_confirm_receipt(as_, shipped_order, who, status):
    before = _snapshot(shipped_order)

    response = as_(who).post(_url(shipped_order, "confirm-receipt"), format="json")

    assert response.status_code == status
    if status != 200:
        assert _snapshot(shipped_order) == before


@pytest.mark.parametrize("who, status", _expect([401, 200, 404, 200, 404, 200, 404]))
def test_who_may_cancel(as_, paid_order, who, status):
    before = _snapshot(paid_order)

    response = as_(who).post(_url(paid_order, "cancel"), format="json")

    assert response.status_code == status
    if status != 200:
        assert _snapshot(paid_order) == before
    else:
        assert response.json()["status"] == "cancelled"


@pytest.mark.parametrize("who, status", _expect([401, 201, 404, 403, 404, 403, 404]))
def test_who_may_review(as_, completed_order, who, status):
    before = _snapshot(completed_order)

    response = as_(who).post(_url(completed_order, "review"), {"rating": 4}, format="json")

    assert response.status_code == status
    if status != 201:
        assert _snapshot(completed_order) == before


@pytest.mark.parametrize("who, status", _expect([401, 200, 200, 200, 200, 200, 200]))
def test_who_may_list_their_orders(as_, paid_order, who, status):
    response = as_(who).get(ORDERS)

    assert response.status_code == status
    if status == 200:
        assert response.json()["count"] == (1 if who == "buyer" else 0)


@pytest.mark.parametrize("who, status", _expect([401, 403, 403, 200, 200, 403, 403]))
def test_who_may_list_merchant_orders(as_, paid_order, other_shop, who, status):
    response = as_(who).get("/api/v1/merchant/orders/")

    assert response.status_code == status
    if status == 403:
        assert response.json()["code"] == "no_shop"
    if status == 200:
        assert response.json()["count"] == (1 if who == "merchant" else 0)


def test_unknown_order_ids_are_404(as_):
    assert as_("buyer").get(f"{ORDERS}999999/").status_code == 404
    assert as_("buyer").post(f"{ORDERS}999999/pay/", {}, format="json").status_code == 404


# --- complaints ----------------------------------------------------------------------------------


def test_file_a_complaint(as_, shop, paid_order):
    response = as_("buyer").post("/api/v1/complaints/", {
        "shop": shop.pk, "kind": "false_advertising", "description": "Not as pictured", "order": paid_order.pk},
        format="json")

    assert response.status_code == 201
    complaint = Complaint.objects.get()
    assert response.json()["id"] == complaint.pk
    assert (complaint.kind, complaint.status, complaint.order) == ("false_advertising", "open", paid_order)
    assert as_("buyer").get("/api/v1/complaints/").json()["count"] == 1


@pytest.mark.parametrize("who, status", _expect([401, 201, 201, 403, 201, 201, 201]))
def test_who_may_complain(as_, shop, who, status):
    response = as_(who).post("/api/v1/complaints/", {"shop": shop.pk, "kind": "fraud", "description": "x"},
                             format="json")

    assert response.status_code == status
    assert Complaint.objects.count() == (1 if status == 201 else 0)


@pytest.mark.parametrize("payload, field", [
    ({"kind": "fraud", "description": "x"}, "shop"),
    ({"shop": 999999, "kind": "fraud", "description": "x"}, "shop"),
    ({"shop": "SHOP", "kind": "fraud", "description": "x"}, "shop"),
    ({"kind": "rude", "description": "x"}, "kind"),
    ({"kind": "fraud", "description": ""}, "description"),
    ({"kind": "fraud", "description": 5}, "description"),
], ids=["no-shop", "unknown-shop", "shop-string", "bad-kind", "blank", "number"])
def test_complaint_input_is_checked(as_, shop, payload, field):
    payload = {"shop": shop.pk, **payload} if "shop" not in payload and field != "shop" else payload

    response = as_("buyer").post("/api/v1/complaints/", payload, format="json")

    assert (response.status_code, response.json()["code"]) == (400, "validation_error")
    assert field in response.json()["fields"]
    assert not Complaint.objects.exists()


def test_a_complaint_about_someone_elses_order_is_refused(as_, shop, paid_order):
    response = as_("other_buyer").post("/api/v1/complaints/", {
        "shop": shop.pk, "kind": "fraud", "description": "x", "order": paid_order.pk}, format="json")

    assert (response.status_code, list(response.json()["fields"])) == (400, ["order"])


# --- merchant money ------------------------------------------------------------------------------


def test_balance_shows_money_settlements_and_withdrawals(as_, completed_order):
    client = as_("merchant")
    withdrawn = client.post("/api/v1/merchant/withdrawals/", {"amount": "50.00", "bank_name": "ICBC",
                                                                "bank_account": "6222020200112233"}, format="json",
                            HTTP_IDEMPOTENCY_KEY="w-1")

    data = client.get("/api/v1/merchant/balance/").json()

    assert withdrawn.status_code == 201
    assert withdrawn.json()["bank_account"] == "****2233"
    assert (data["balance"], data["deposit"], data["owed_to_platform"]) == ("146.00", "0.00", "0.00")
    assert [(s["order"], s["gross"], s["commission"], s["net"]) for s in data["settlements"]] == [
        (completed_order.pk, "200.00", "4.00", "196.00")]
    assert [(w["amount"], w["status"]) for w in data["withdrawals"]] == [("50.00", "paid")]
    assert client.get("/api/v1/merchant/settlements/").json()["count"] == 1
    assert client.get("/api/v1/merchant/withdrawals/").json()["count"] == 1


def test_a_repeated_withdrawal_request_pays_once(as_, completed_order):
    client = as_("merchant")
    payload = {"amount": "50.00", "bank_name": "ICBC", "bank_account": "6222020200112233"}

    first = client.post("/api/v1/merchant/withdrawals/", payload, format="json", HTTP_IDEMPOTENCY_KEY="w-1")
    again = client.post("/api/v1/merchant/withdrawals/", payload, format="json", HTTP_IDEMPOTENCY_KEY="w-1")

    assert first.json() == again.json()
    assert Withdrawal.objects.count() == 1


def test_withdrawing_more_than_the_balance_is_refused(as_, completed_order):
    response = as_("merchant").post("/api/v1/merchant/withdrawals/", {
        "amount": "500.00", "bank_name": "ICBC", "bank_account": "6222020200112233"}, format="json")

    assert (response.status_code, response.json()["code"], response.json()["available"]) == (
        400, "insufficient_balance", "196.00")


@pytest.mark.parametrize("who, status", _expect([401, 403, 403, 200, 200, 403, 403]))
def test_who_may_see_a_balance(as_, completed_order, other_shop, who, status):
    response = as_(who).get("/api/v1/merchant/balance/")

    assert response.status_code == status
    if status == 200:
        assert response.json()["balance"] == ("196.00" if who == "merchant" else "0.00")


@pytest.mark.parametrize("who, status", _expect([401, 403, 403, 201, 400, 403, 403]))
def test_who_may_withdraw(as_, completed_order, other_shop, who, status):
    response = as_(who).post("/api/v1/merchant/withdrawals/", {
        "amount": "10.00", "bank_name": "ICBC", "bank_account": "6222020200112233"}, format="json")

    assert response.status_code == status
    assert Withdrawal.objects.count() == (1 if status == 201 else 0)


def test_the_schema_documents_the_order_endpoints(api):
    response = api.get("/api/schema/?format=json")

    paths = response.json()["paths"]
    assert {"/api/v1/orders/", "/api/v1/orders/{id}/pay/", "/api/v1/merchant/orders/",
            "/api/v1/complaints/", "/api/v1/merchant/withdrawals/"} <= set(paths)
    assert {"200", "401", "403", "404", "409", "402", "422"} <= set(paths["/api/v1/orders/{id}/pay/"]["post"][
        "responses"])


def test_the_schema_documents_the_optional_device_header_of_checkout(api):
    checkout = api.get("/api/schema/?format=json").json()["paths"]["/api/v1/orders/"]["post"]

    headers = {p["name"]: p for p in checkout["parameters"] if p["in"] == "header"}
    assert not headers["X-Device-Id"].get("required") and headers["X-Device-Id"]["schema"] == {"type": "string"}
    assert "keyed hash" in headers["X-Device-Id"]["description"]
    assert set(checkout["responses"]) >= {"201", "400", "401", "409", "422"}  # API.md's answers, unchanged


def test_order_pay_service_and_api_agree(pending_order, buyer):
    order_pay(actor=buyer, order=pending_order, idempotency_key=next_key())
    assert Order.objects.get(pk=pending_order.pk).status == OrderStatus.PAID
