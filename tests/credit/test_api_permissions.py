"""Permission matrix of every credit endpoint, and the bad-input catalogue: stable codes, nothing changed."""
from decimal import Decimal

import pytest

from credit.models import CreditApplication, CreditLine, InstallmentPlan, Repayment
from ledger.models import Transaction
from tests.credit.conftest import assert_books

BUYER_ENDPOINTS = ["/api/v1/credit/line/", "/api/v1/credit/plans/", "/api/v1/credit/statements/",
                   "/api/v1/credit/history/"]


@pytest.mark.parametrize("url", BUYER_ENDPOINTS)
def test_anonymous_gets_401(api, db, url):
    assert api.get(url).status_code == 401


def test_anonymous_may_read_terms_and_quote(api, db):
    assert api.get("/api/v1/credit/terms/").status_code == 200
    assert api.get("/api/v1/credit/quote/", {"amount": "10.00", "installments": 3}).status_code == 200
    assert api.post("/api/v1/credit/applications/", {}, format="json").status_code == 401
    assert api.post("/api/v1/credit/repayments/", {}, format="json").status_code == 401


@pytest.fixture
def credit_order(buyer_with_line, listing, place_credit_order):
    order = place_credit_order(buyer_with_line, listing, installments=3)
    return InstallmentPlan.objects.get(order=order)


def test_another_buyers_plan_is_404_and_nothing_moves(credit_order, other_buyer, client_for):
    client = client_for(other_buyer)
    assert client.get(f"/api/v1/credit/plans/{credit_order.pk}/").status_code == 404
    response = client.post("/api/v1/credit/repayments/", {"plan": credit_order.pk, "mode": "next"}, format="json")
    assert response.status_code == 404
    assert client.get("/api/v1/credit/plans/").json()["count"] == 0
    assert client.get("/api/v1/credit/line/").json()["code"] == "no_credit_line"
    assert not Repayment.objects.exists()


@pytest.mark.parametrize("who", ["anonymous", "buyer", "staff_no_perms", "credit_officer"])
@pytest.mark.parametrize("action", ["decide", "freeze", "unfreeze"])
def test_staff_actions_matrix(who, action, buyer_with_line, request, api, client_for, make_user):
    from django.contrib.auth.models import Group

    from credit.services.lines import credit_line_freeze

    line = CreditLine.objects.get(user=buyer_with_line)
    if action == "unfreeze":
        officer = make_user("otherofficer", is_staff=True)
        officer.groups.add(Group.objects.get(name="Credit officers"))
        credit_line_freeze(actor=officer, line=line, reason="setup")
    status_before = "frozen" if action == "unfreeze" else "active"
    application = CreditApplication.objects.get(user=buyer_with_line)
    client = api if who == "anonymous" else client_for(
        buyer_with_line if who == "buyer" else request.getfixturevalue(who))
    if action == "decide":
        url, body = f"/api/v1/staff/credit-applications/{application.pk}/decide/", {
            "decision": "approve", "limit": "4000.00", "note": "review"}
    else:
        url, body = f"/api/v1/staff/credit-lines/{line.pk}/{action}/", {"reason": "check"}

    response = client.post(url, body, format="json")

    expected = {"anonymous": 401, "buyer": 404, "staff_no_perms": 403, "credit_officer": 200}[who]
    assert response.status_code == expected, response.json()
    line.refresh_from_db()
    if expected != 200:
        assert (line.status, line.limit_amount) == (status_before, Decimal("3000.00"))
    elif action == "unfreeze":
        assert response.json()["status"] == "active" and line.frozen_reason == ""
    elif action == "freeze":
        assert response.json()["status"] == "frozen" and line.frozen_reason == "staff"
    elif action == "decide":
        assert response.json()["limit"] == "4000.00" and line.limit_amount == Decimal("4000.00")


def test_staff_action_on_unknown_object_is_404(credit_officer, client_for, db):
    client = client_for(credit_officer)
    assert client.post("/api/v1/staff/credit-lines/999/freeze/", {}, format="json").status_code == 404
    assert client.post("/api/v1/staff/credit-applications/999/decide/", {"decision": "approve"},
                       format="json").status_code == 404


def test_staff_freeze_blocks_checkout_with_reasons(buyer_with_line, credit_officer, client_for, listing):
    line = CreditLine.objects.get(user=buyer_with_line)
    client_for(credit_officer).post(f"/api/v1/staff/credit-lines/{line.pk}/freeze/", {"reason": "fraud check"},
                                    format="json")

    response = client_for(buyer_with_line).post("/api/v1/orders/", {
        "lines": [{"listing": listing.pk, "quantity": 1}],
        "shipping_address": {"name": "李四", "phone": "13912345678", "address": "上海"},
        "payment": {"method": "installment", "installments": 3}}, format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "credit_line_frozen"
    assert response.json()["reasons"] == ["staff"]


@pytest.mark.parametrize(("body", "status", "code"), [
    ({"mode": "amount", "amount": "0"}, 400, "invalid_amount"),
    ({"mode": "amount", "amount": "-5.00"}, 400, "invalid_amount"),
    ({"mode": "amount", "amount": "1.005"}, 400, "invalid_amount"),
    ({"mode": "amount", "amount": 10.5}, 400, "invalid_amount"),
    ({"mode": "amount", "amount": "abc"}, 400, "invalid_amount"),
    ({"mode": "amount"}, 400, "invalid_amount"),
    ({"mode": "amount", "amount": "5000.00"}, 400, "amount_exceeds_outstanding"),
    ({"mode": "sometimes"}, 400, "validation_error"),
    ({"mode": "next", "plan": 99999}, 404, "not_found"),
    ({"mode": "next", "plan": "x"}, 400, "validation_error"),
], ids=["zero", "negative", "three-decimals", "float", "text", "missing", "too-much", "mode", "unknown-plan",
        "plan-type"])
def test_bad_repayments_change_nothing(credit_order, client_for, body, status, code):
    client = client_for(credit_order.buyer)
    before = Transaction.objects.count()

    response = client.post("/api/v1/credit/repayments/", {"plan": credit_order.pk, **body}, format="json",
                           HTTP_IDEMPOTENCY_KEY=f"bad-{code}")

    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert Transaction.objects.count() == before
    assert not Repayment.objects.exists()
    assert_books(credit_order.buyer)


def test_in_flight_key_answers_409(credit_order, client_for):
    from datetime import timedelta

    from django.utils import timezone

    from core.models import IdempotencyRecord

    body = {"plan": credit_order.pk, "mode": "next"}
    client = client_for(credit_order.buyer)
    IdempotencyRecord.objects.create(user=credit_order.buyer, scope="credit.repayment", key="busy",
                                     fingerprint=_fingerprint(body),
                                     locked_until=timezone.now() + timedelta(seconds=30))
    response = client.post("/api/v1/credit/repayments/", body, format="json", HTTP_IDEMPOTENCY_KEY="busy")
    assert response.status_code == 409
    assert not Repayment.objects.exists()


def _fingerprint(body):
    import hashlib
    import json

    raw = f"POST\n/api/v1/credit/repayments/\n{json.dumps(body, sort_keys=True)}"
    return hashlib.sha256(raw.encode()).hexdigest()


@pytest.mark.parametrize(("params", "code"), [
    ({"amount": "1000", "installments": 5}, "unsupported_installments"),
    ({"amount": "0", "installments": 3}, "validation_error"),
    ({"amount": "-1", "installments": 3}, "validation_error"),
    ({"amount": "1.001", "installments": 3}, "validation_error"),
    ({"amount": "nan", "installments": 3}, "validation_error"),
    ({"amount": "100", "installments": "x"}, "unsupported_installments"),
], ids=["count", "zero", "negative", "decimals", "nan", "count-type"])
def test_bad_quotes(api, db, params, code):
    response = api.get("/api/v1/credit/quote/", params)
    assert response.status_code == 400
    assert response.json()["code"] == code


def test_unsupported_instalment_count_at_checkout(buyer_with_line, client_for, listing):
    response = client_for(buyer_with_line).post("/api/v1/orders/", {
        "lines": [{"listing": listing.pk, "quantity": 1}],
        "shipping_address": {"name": "李四", "phone": "13912345678", "address": "上海"},
        "payment": {"method": "installment", "installments": 24}}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "unsupported_installments"
    assert CreditLine.objects.get(user=buyer_with_line).used_amount == 0


def test_insufficient_credit_is_422_with_reasons(buyer_with_line, client_for, make_listing):
    listing = make_listing(price=Decimal("3000.01"))
    response = client_for(buyer_with_line).post("/api/v1/orders/", {
        "lines": [{"listing": listing.pk, "quantity": 1}],
        "shipping_address": {"name": "李四", "phone": "13912345678", "address": "上海"},
        "payment": {"method": "installment", "installments": 3}}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "insufficient_credit"
    assert response.json()["reasons"] == ["insufficient_credit"]
    listing.refresh_from_db()
    assert listing.stock == 50


def test_no_line_is_422(buyer, client_for, listing):
    response = client_for(buyer).post("/api/v1/orders/", {
        "lines": [{"listing": listing.pk, "quantity": 1}],
        "shipping_address": {"name": "李四", "phone": "13912345678", "address": "上海"},
        "payment": {"method": "installment", "installments": 3}}, format="json")
    assert response.status_code == 422
    assert response.json()["code"] == "no_credit_line"


@pytest.mark.parametrize(("body", "code"), [
    ({"real_name": 0}, "validation_error"),
    ({"income_band": "rich"}, "validation_error"),
    ({"emergency_contacts": [{}, {}, {}]}, "validation_error"),
    ({"consent": {}}, "consent_required"),
], ids=["name-number", "band", "three-contacts", "empty-consent"])
def test_bad_application_bodies(buyer, client_for, application_data, body, code):
    response = client_for(buyer).post("/api/v1/credit/applications/", {**application_data(), **body}, format="json")
    assert response.status_code == 400
    assert response.json()["code"] == code
    assert not CreditApplication.objects.exists()
