"""Deciding a held credit order: the API's permission matrix, approve and reject effects, the books."""
from datetime import timedelta
from decimal import Decimal

import pytest

from core.errors import DomainError
from core.models import AuditEvent
from credit.models import CreditLine, InstallmentPlan, RiskAssessment
from credit.risk.review import risk_review_decide, risk_review_queue
from ledger.models import Transaction
from marketplace.models import Order
from marketplace.services.orders import order_cancel, order_cancel_held
from tests.credit.conftest import assert_books

SHARED_DEVICE = "merchant-phone"
PRICE = Decimal("488.80")


@pytest.fixture
def held(make_shop, make_credit_buyer, checkout, seen):
    """A credit order held for review (shared device and public IP with the merchant)."""
    listing = make_shop(price=PRICE)
    seen(listing.shop.owner, device=SHARED_DEVICE, ip="61.135.169.121")
    buyer = make_credit_buyer()
    order = checkout(buyer, listing, device=SHARED_DEVICE, ip="61.135.169.121")
    assert order.status == "under_review"
    return order.risk_assessment


def snapshot(assessment):
    order = Order.objects.get(pk=assessment.order_id)
    line = CreditLine.objects.get(user_id=assessment.buyer_id)
    stock = order.lines.get().listing.stock
    fresh = RiskAssessment.objects.get(pk=assessment.pk)
    return (order.status, line.used_amount, stock, fresh.decision, fresh.reviewed_by_id, Transaction.objects.count(),
            AuditEvent.objects.count())


def url(assessment, action="decide/"):
    return f"/api/v1/staff/risk-reviews/{assessment.pk}/{action}"


@pytest.mark.parametrize("who, status", [
    ("anonymous", 401), ("buyer", 404), ("other_buyer", 404), ("merchant", 404), ("staff_no_perms", 403),
    ("view_only_staff", 403), ("risk_officer", 200),
])
@pytest.mark.parametrize("decision", ["approve", "reject"])
def test_decide_permission_matrix(held, who, status, decision, api, client_for, request, make_user, grant):
    users = {
        "buyer": lambda: held.buyer,
        "other_buyer": lambda: make_user("someoneelse"),
        "merchant": lambda: held.shop.owner,
        "staff_no_perms": lambda: request.getfixturevalue("staff_no_perms"),
        "view_only_staff": lambda: grant(make_user("viewer", is_staff=True), "credit.view_riskassessment"),
        "risk_officer": lambda: request.getfixturevalue("risk_officer"),
    }
    client = api if who == "anonymous" else client_for(users[who]())
    before = snapshot(held)

    response = client.post(url(held), {"decision": decision, "note": "checked"}, format="json")

    assert response.status_code == status, response.content
    if status != 200:
        assert "code" in response.json()
        assert snapshot(held) == before  # nothing changed


@pytest.mark.parametrize("who, status", [
    ("anonymous", 401), ("buyer", 404), ("merchant", 404), ("staff_no_perms", 403), ("risk_officer", 200),
])
def test_queue_permission_matrix(held, who, status, api, client_for, request):
    users = {"buyer": lambda: held.buyer, "merchant": lambda: held.shop.owner,
             "staff_no_perms": lambda: request.getfixturevalue("staff_no_perms"),
             "risk_officer": lambda: request.getfixturevalue("risk_officer")}
    client = api if who == "anonymous" else client_for(users[who]())
    assert client.get("/api/v1/staff/risk-reviews/").status_code == status
    assert client.get(url(held, "")).status_code == status


def test_queue_lists_the_held_order_with_its_explained_reasons(held, risk_officer, client_for):
    body = client_for(risk_officer).get("/api/v1/staff/risk-reviews/", HTTP_ACCEPT_LANGUAGE="en").json()

    assert body["count"] == 1
    row = body["results"][0]
    assert (row["id"], row["order"], row["order_status"], row["outcome"], row["score"], row["amount"]) == (
        held.pk, held.order_id, "under_review", "hold", 55, "488.80")
    assert [r["code"] for r in row["reasons"]] == ["shared_device", "shared_ip"]
    assert row["reasons"][0]["detail"] == "Buyer and merchant share a device."
    assert row["signals"][0] == {"code": "shared_device", "weight": 35, "detail": "Buyer and merchant share a device.",
                                 "facts": {"merchant": True, "other_buyers": 0}}


def test_queue_filters_and_bad_filters(held, risk_officer, client_for):
    client = client_for(risk_officer)
    assert client.get("/api/v1/staff/risk-reviews/", {"status": "all", "outcome": "accept"}).json()["count"] == 0
    assert client.get("/api/v1/staff/risk-reviews/", {"shop": held.shop_id}).json()["count"] == 1
    assert client.get("/api/v1/staff/risk-reviews/", {"status": "decided"}).json()["count"] == 0
    for params in ({"status": "later"}, {"outcome": "maybe"}, {"shop": "x"}):
        response = client.get("/api/v1/staff/risk-reviews/", params)
        assert response.status_code == 400 and response.json()["code"] == "validation_error"


def test_approve_pays_the_order(held, risk_officer, client_for):
    response = client_for(risk_officer).post(url(held), {"decision": "approve", "note": "known customer"},
                                             format="json")

    assert response.status_code == 200
    body = response.json()
    assert (body["decision"], body["order_status"], body["reviewed_by"], body["note"]) == (
        "approved", "paid", risk_officer.pk, "known customer")
    order = Order.objects.get(pk=held.order_id)
    assert order.status == "paid" and order.paid_at is not None
    assert CreditLine.objects.get(user=held.buyer).used_amount == PRICE
    assert InstallmentPlan.objects.get(order=order).status == "active"
    event = AuditEvent.objects.get(action="risk_review_approved")
    assert (event.actor, event.target_id, event.reason) == (risk_officer, str(held.pk), "known customer")
    assert not risk_review_queue().exists()
    assert_books(held.buyer)


def test_an_order_released_from_review_gets_its_ship_by_deadline_from_the_release(held, risk_officer):
    import time_machine
    from django.utils import timezone

    assert (held.order.ship_by, held.order.paid_at) == (None, None)  # nobody ships a held order
    released_at = timezone.now() + timedelta(hours=30)  # the review took 30 hours

    with time_machine.travel(released_at, tick=False):
        risk_review_decide(actor=risk_officer, assessment=held, decision="approve")

    order = Order.objects.get(pk=held.order_id)
    assert order.paid_at == released_at
    assert order.ship_by == released_at + timedelta(hours=48)


def test_reject_cancels_the_order_and_releases_the_credit(held, risk_officer, client_for):
    stock_before = held.order.lines.get().listing.stock

    response = client_for(risk_officer).post(url(held), {"decision": "reject", "note": "collusion",
                                                         "cash_out_confirmed": True}, format="json")

    assert response.status_code == 200 and response.json()["order_status"] == "cancelled"
    order = Order.objects.get(pk=held.order_id)
    assert order.status == "cancelled"
    assert order.lines.get().listing.stock == stock_before + 1
    assert InstallmentPlan.objects.get(order=order).status == "cancelled"
    assert CreditLine.objects.get(user=held.buyer).used_amount == 0
    held.refresh_from_db()
    assert (held.decision, held.cash_out_confirmed) == ("rejected", True)
    change = order.status_changes.order_by("pk").last()
    assert (change.old_status, change.new_status, change.actor) == ("under_review", "cancelled", risk_officer)
    assert change.reason.endswith(": collusion")
    assert Transaction.objects.filter(kind="credit_cancel", reference_type="order", reference_id=order.pk).count() == 1
    held.shop.refresh_from_db()
    assert held.shop.risk_level == "elevated"  # a confirmed cash-out puts the shop at elevated risk
    assert set(AuditEvent.objects.values_list("action", flat=True)) >= {"risk_review_rejected", "shop_risk_elevated"}
    assert_books(held.buyer)


def test_reject_without_confirming_cash_out_leaves_the_shop_alone(held, risk_officer):
    risk_review_decide(actor=risk_officer, assessment=held, decision="reject", note="")
    held.shop.refresh_from_db()
    assert held.shop.risk_level == "normal" and held.decision == "rejected" and not held.cash_out_confirmed


def test_a_decision_is_taken_once(held, risk_officer, client_for):
    client = client_for(risk_officer)
    assert client.post(url(held), {"decision": "approve"}, format="json").status_code == 200
    again = client.post(url(held), {"decision": "reject"}, format="json")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert Order.objects.get(pk=held.order_id).status == "paid"


def test_an_order_the_buyer_cancelled_leaves_the_queue_and_cannot_be_decided(held, risk_officer):
    order_cancel(actor=held.buyer, order=held.order, reason="changed my mind")
    assert not risk_review_queue().exists()
    with pytest.raises(DomainError) as refused:
        risk_review_decide(actor=risk_officer, assessment=held, decision="approve", note="")
    assert refused.value.code == "invalid_transition"
    assert_books(held.buyer)


def test_the_decide_permission_alone_lets_a_reviewer_reject(held, make_user, grant, client_for):
    # Rejecting a hold cancels the order through the marketplace's held-order path: no general right to cancel
    # orders is needed, and none is given by it.
    decider = grant(make_user("decideronly", is_staff=True), "credit.decide_riskassessment",
                    "credit.view_riskassessment")
    assert not decider.has_perm("marketplace.change_order")

    response = client_for(decider).post(url(held), {"decision": "reject", "note": "fake purchase"}, format="json")

    assert response.status_code == 200, response.content
    order = Order.objects.get(pk=held.order_id)
    change = order.status_changes.order_by("pk").last()
    assert (order.status, change.old_status, change.new_status, change.actor) == (
        "cancelled", "under_review", "cancelled", decider)
    assert change.reason.endswith(": fake purchase")  # "Risk review rejected: …" in the site's language
    assert CreditLine.objects.get(user=held.buyer).used_amount == 0
    assert InstallmentPlan.objects.get(order=order).status == "cancelled"
    assert_books(held.buyer)


@pytest.mark.parametrize("body", [
    {}, {"decision": "maybe"}, {"decision": "approve", "note": 7}, {"decision": "approve", "note": "x" * 2001},
    {"decision": "approve", "cash_out_confirmed": True}, {"decision": "reject", "cash_out_confirmed": "perhaps"},
], ids=["empty", "unknown", "note-not-text", "note-too-long", "cash-out-on-approve", "cash-out-not-bool"])
def test_bad_input_is_400_and_changes_nothing(held, risk_officer, client_for, body):
    before = snapshot(held)
    response = client_for(risk_officer).post(url(held), body, format="json")
    assert response.status_code == 400 and response.json()["code"] == "validation_error"
    assert snapshot(held) == before


def test_unknown_assessment_is_404(risk_officer, client_for, db):
    assert client_for(risk_officer).post("/api/v1/staff/risk-reviews/999999/decide/", {"decision": "approve"},
                                         format="json").status_code == 404


def test_an_accepted_assessment_cannot_be_decided(make_shop, make_credit_buyer, checkout, risk_officer):
    order = checkout(make_credit_buyer(), make_shop())
    with pytest.raises(DomainError) as refused:
        risk_review_decide(actor=risk_officer, assessment=order.risk_assessment, decision="reject", note="")
    assert refused.value.code == "invalid_transition"
    assert Order.objects.get(pk=order.pk).status == "paid"


def test_the_queue_costs_the_same_queries_however_long(make_shop, make_credit_buyer, checkout, seen, risk_officer,
                                                       client_for):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    listing = make_shop(price=PRICE)
    seen(listing.shop.owner, device=SHARED_DEVICE, ip="61.135.169.121")
    client = client_for(risk_officer)

    def cost():
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/api/v1/staff/risk-reviews/").status_code == 200
        return len(queries)

    checkout(make_credit_buyer(), listing, device=SHARED_DEVICE, ip="61.135.169.121")
    one = cost()
    for _ in range(3):
        checkout(make_credit_buyer(), listing, device=SHARED_DEVICE, ip="61.135.169.121")
    assert client.get("/api/v1/staff/risk-reviews/").json()["count"] == 4
    assert cost() == one


# --- the marketplace's held-order cancellation, which the rejection uses ---------------------------


def test_the_system_can_cancel_a_held_order_with_no_actor(held):
    order = order_cancel_held(order=held.order, reason="held for too long", actor=None)

    change = order.status_changes.order_by("pk").last()
    assert (order.status, change.old_status, change.actor, change.reason) == (
        "cancelled", "under_review", None, "held for too long")
    assert order.cancelled_at is not None
    assert CreditLine.objects.get(user=held.buyer).used_amount == 0
    assert InstallmentPlan.objects.get(order=order).status == "cancelled"
    assert_books(held.buyer)


@pytest.mark.parametrize("case", ["buyer-as-actor", "blank-reason", "not-held"])
def test_the_held_order_path_refuses_anything_else_and_changes_nothing(held, case, risk_officer):
    order = held.order
    actor, reason, code = risk_officer, "checked", None
    if case == "buyer-as-actor":
        actor, code = held.buyer, "permission_denied"
    elif case == "blank-reason":
        reason, code = "  ", "validation_error"
    else:
        risk_review_decide(actor=risk_officer, assessment=held, decision="approve")  # now paid
        code = "invalid_transition"
    before = snapshot(held)

    with pytest.raises(DomainError) as refused:
        order_cancel_held(order=order, reason=reason, actor=actor)

    assert refused.value.code == code
    assert snapshot(held) == before
