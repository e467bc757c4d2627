"""The after-sales API: shapes of API.md, bad input answered with stable codes, idempotent money actions."""
from decimal import Decimal

import pytest

from marketplace.models import Refund
from marketplace.services.orders import order_cancel
from protection.models import AfterSalesCase
from protection.services.cases import case_approve

from .conftest import case_snapshot

D = Decimal
URL = "/api/v1/after-sales/"


def body(order, **extra):
    return {"order": order.pk, "line": order.lines.first().pk, "type": "return_refund", "reason": "no_reason",
            "description": "Does not fit", **extra}


def test_create_answers_201_with_id_status_and_respond_by(client_for, buyer, received_order):
    response = client_for(buyer).post(URL, body(received_order), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["status"] == "requested"
    assert data["respond_by"] and data["id"] == AfterSalesCase.objects.get().pk
    assert data["amount"] == "100.00"
    assert data["deadline"]["field"] == "respond_by" and data["deadline"]["party"] == "merchant"
    assert data["role"] == "buyer" and "withdraw" in data["actions"]
    assert [e["new_status"] for e in data["events"]] == ["requested"]
    assert data["buyer_standing"] is None  # the buyer's own flag is on the standing page, not here


def test_actions_answer_with_the_case_after_the_action(client_for, buyer, merchant, received_order):
    case_id = client_for(buyer).post(URL, body(received_order), format="json").json()["id"]
    approved = client_for(merchant).post(f"{URL}{case_id}/approve/")
    assert approved.status_code == 200 and approved.json()["status"] == "awaiting_return"
    shipped = client_for(buyer).post(f"{URL}{case_id}/ship-return/", {"carrier": "SF", "tracking_number": "SF9"},
                                     format="json")
    assert shipped.json()["status"] == "return_shipped" and shipped.json()["return_tracking_number"] == "SF9"
    confirmed = client_for(merchant).post(f"{URL}{case_id}/confirm-return/")
    assert confirmed.json()["status"] == "refunded" and confirmed.json()["refunded_amount"] == "100.00"
    assert confirmed.json()["buyer_standing"] == {"flagged": False, "flag_reasons": [], "no_reason_returns": 1,
                                                  "disputes_lost": 0, "period_days": 90}


def test_staff_rule_refund_refunds_at_once(client_for, buyer, merchant, staff_user, received_order):
    case_id = client_for(buyer).post(URL, body(received_order, type="refund_only", reason="quality"),
                                     format="json").json()["id"]
    client_for(merchant).post(f"{URL}{case_id}/escalate/", {"reason": "Buyer misuse"}, format="json")
    response = client_for(staff_user).post(f"/api/v1/staff/after-sales/{case_id}/rule/",
                                           {"decision": "refund", "at_fault": "merchant", "note": "Defect"},
                                           format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "refunded"
    assert response.json()["ruling"]["decision"] == "refund"
    assert Refund.objects.get().amount == D("100.00")


@pytest.mark.parametrize(("extra", "code", "status"), [
    pytest.param({"amount": "100.01"}, "amount_exceeds_paid", 400, id="above-price"),
    pytest.param({"amount": "12.345"}, "validation_error", 400, id="three-decimals"),
    pytest.param({"amount": 12.345}, "validation_error", 400, id="three-decimals-number"),
    pytest.param({"type": "partial_refund", "amount": "0"}, "validation_error", 400, id="partial-zero"),
    pytest.param({"type": "partial_refund", "amount": "-1.00"}, "validation_error", 400, id="partial-negative"),
    pytest.param({"type": "partial_refund"}, "validation_error", 400, id="partial-no-amount"),
    pytest.param({"type": "swap"}, "validation_error", 400, id="unknown-type"),
    pytest.param({"reason": "bored"}, "validation_error", 400, id="unknown-reason"),
    pytest.param({"line": "x"}, "validation_error", 400, id="line-not-a-number"),
    pytest.param({"amount": True}, "validation_error", 400, id="amount-boolean"),
])
def test_bad_input_is_refused_with_a_stable_code(client_for, buyer, received_order, extra, code, status):
    response = client_for(buyer).post(URL, body(received_order, **extra), format="json")
    assert response.status_code == status, response.json()
    assert response.json()["code"] == code
    assert not AfterSalesCase.objects.exists()


def test_malformed_json_is_400(client_for, buyer, received_order):
    response = client_for(buyer).post(URL, "{not json", content_type="application/json")
    assert (response.status_code, response.json()["code"]) == (400, "malformed_request")


def test_cancelled_order_and_second_case_are_refused(client_for, buyer, make_order, received_order):
    cancelled = order_cancel(actor=buyer, order=make_order("paid"), reason="changed my mind")
    refused = client_for(buyer).post(URL, body(cancelled, type="refund_only", reason="not_received"), format="json")
    assert (refused.status_code, refused.json()["code"]) == (400, "order_not_eligible")
    assert client_for(buyer).post(URL, body(received_order), format="json").status_code == 201
    again = client_for(buyer).post(URL, body(received_order, type="exchange"), format="json")
    assert (again.status_code, again.json()["code"]) == (409, "case_already_open")
    assert AfterSalesCase.objects.count() == 1


def test_evidence_that_is_not_an_image_is_refused(client_for, buyer, received_order, open_case):
    from django.core.files.uploadedfile import SimpleUploadedFile

    case = open_case(received_order)
    before = case_snapshot(case)
    fake = SimpleUploadedFile("photo.png", b"%PDF-1.4 definitely not a png", content_type="image/png")
    response = client_for(buyer).post(f"{URL}{case.pk}/evidence/", {"file": fake, "text": "see"}, format="multipart")
    assert (response.status_code, response.json()["code"]) == (400, "invalid_image")
    assert case_snapshot(case) == before


def test_evidence_photo_is_stored_with_a_thumbnail(client_for, buyer, merchant, received_order, open_case, png_file):
    case = open_case(received_order)
    response = client_for(buyer).post(f"{URL}{case.pk}/evidence/", {"file": png_file(size=(1200, 900)),
                                                                     "text": "Scratch on the lid"},
                                      format="multipart")
    assert response.status_code == 201, response.json()
    item = response.json()["evidence"][0]
    assert item["party"] == "buyer" and item["text"] == "Scratch on the lid"
    assert item["image"].endswith(".png") and "-thumb" in item["thumbnail"]
    assert (item["width"], item["height"]) == (1200, 900)
    text_only = client_for(merchant).post(f"{URL}{case.pk}/evidence/", {"text": "It left us intact"},
                                          format="json")
    assert text_only.status_code == 201 and text_only.json()["evidence"][1]["party"] == "merchant"
    empty = client_for(merchant).post(f"{URL}{case.pk}/evidence/", {"text": ""}, format="json")
    assert (empty.status_code, empty.json()["code"]) == (400, "validation_error")


def test_approve_with_an_idempotency_key_refunds_once(client_for, merchant, make_order, open_case):
    case = open_case(make_order("shipped"), type="refund_only", reason="not_received")
    client = client_for(merchant)
    first = client.post(f"{URL}{case.pk}/approve/", HTTP_IDEMPOTENCY_KEY="approve-1")
    again = client.post(f"{URL}{case.pk}/approve/", HTTP_IDEMPOTENCY_KEY="approve-1")
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert first.json()["status"] == again.json()["status"] == "refunded"
    assert Refund.objects.count() == 1
    without_key = client.post(f"{URL}{case.pk}/approve/")
    assert (without_key.status_code, without_key.json()["code"]) == (409, "invalid_transition")


def test_list_is_paginated_filtered_and_its_queries_are_pinned(client_for, buyer, make_order, open_case, merchant,
                                                               django_assert_max_num_queries):
    for _ in range(3):
        open_case(make_order("received"))
    case_approve(actor=merchant, case=AfterSalesCase.objects.first())
    client = client_for(buyer)
    with django_assert_max_num_queries(8):
        response = client.get(URL)
    data = response.json()
    assert data["count"] == 3 and len(data["results"]) == 3 and data["next"] is None
    assert client.get(URL, {"status": "awaiting_return"}).json()["count"] == 1
    for _ in range(5):
        open_case(make_order("received"))
    with django_assert_max_num_queries(8):
        assert client_for(merchant).get(URL).json()["count"] == 8


def test_standing_shows_my_figures_and_the_rules(client_for, buyer, received_order, open_case, merchant):
    case_approve(actor=merchant, case=open_case(received_order, type="partial_refund", reason="quality",
                                                amount="5.00"))
    data = client_for(buyer).get(f"{URL}standing/").json()
    assert data["quality_claims_won"] == 1 and data["no_reason_returns"] == 0 and data["flagged"] is False
    assert data["orders_received"] == 1 and data["period_days"] == 90
    assert data["suspension"] is None and len(data["rules"]) >= 4


def test_the_schema_documents_the_after_sales_endpoints(client_for, buyer):
    schema = client_for(buyer).get("/api/schema/?format=json").json()
    paths = schema["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/after-sales/"])
    for action in ("approve", "reject", "ship-return", "confirm-return", "escalate", "evidence", "ship-replacement"):
        responses = paths[f"/api/v1/after-sales/{{id}}/{action}/"]["post"]["responses"]
        assert {"400", "401", "403", "404", "409"} <= set(responses), action
    assert {"400", "401", "403", "404", "409"} <= set(
        paths["/api/v1/staff/after-sales/{id}/rule/"]["post"]["responses"])
