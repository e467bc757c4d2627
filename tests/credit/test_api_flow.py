"""End to end through the API: apply → quote → credit checkout → repay (idempotent) → payoff → refund."""
from datetime import date
from decimal import Decimal

import time_machine

from credit.models import CreditLine, InstallmentPlan
from ledger import accounts
from ledger.selectors import balance
from marketplace.providers import SandboxProvider
from tests.credit.conftest import ADDRESS, assert_books

D = Decimal


def _apply(client, application_data):
    return client.post("/api/v1/credit/applications/", application_data(), format="json")


def _order(client, listing, installments=6):
    return client.post("/api/v1/orders/", {"lines": [{"listing": listing.pk, "quantity": 1}],
                                           "shipping_address": ADDRESS,
                                           "payment": {"method": "installment", "installments": installments}},
                       format="json")


def test_terms_then_apply_approves_with_reasons(buyer, client_for, application_data):
    client = client_for(buyer)
    terms = client.get("/api/v1/credit/terms/").json()
    assert terms["terms_version"] == "2026-01" and terms["privacy_version"] == "2026-01"

    response = _apply(client, application_data)

    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["status"] == "approved"
    assert body["limit"] == "3000.00"
    assert [r["code"] for r in body["reasons"]] == ["income_band", "new_account"]
    line = client.get("/api/v1/credit/line/").json()
    assert line == {"id": line["id"], "limit": "3000.00", "available": "3000.00", "used": "0.00",
                    "status": "active", "frozen_reason": "", "overdue_amount": "0.00"}


def test_quote_shows_every_instalment_total_and_apr(api, db):
    response = api.get("/api/v1/credit/quote/", {"amount": "1000.00", "installments": 12})

    assert response.status_code == 200
    body = response.json()
    assert body["apr"] == "13.57"
    assert body["total_fee"] == "75.00" and body["total"] == "1075.00"
    assert len(body["installments"]) == 12
    assert body["installments"][0] == {"number": 1, "due_date": body["installments"][0]["due_date"],
                                       "principal": "83.33", "fee": "6.25", "amount": "89.58"}
    assert body["installments"][-1]["principal"] == "83.37"


@time_machine.travel(date(2026, 1, 31), tick=False)
def test_full_journey(buyer, client_for, application_data, listing, monkeypatch):
    charges = []
    real_charge = SandboxProvider.charge

    def counting_charge(self, **kwargs):
        charges.append(kwargs["idempotency_key"])
        return real_charge(self, **kwargs)

    monkeypatch.setattr(SandboxProvider, "charge", counting_charge)
    client = client_for(buyer)
    assert _apply(client, application_data).status_code == 201

    quote = client.get("/api/v1/credit/quote/", {"amount": "1000.00", "installments": 6,
                                                  "listing": listing.pk}).json()
    assert quote["installments"][0]["due_date"] == "2026-02-28"

    response = _order(client, listing)
    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "paid"
    # Rendered from the order placed, not read back: exactly what the order's GET shows.
    assert response.json() == client.get(f"/api/v1/orders/{response.json()['id']}/").json()
    plan = client.get("/api/v1/credit/plans/").json()["results"][0]
    assert plan["principal"] == "1000.00" and plan["total_fee"] == "45.00" and plan["status"] == "active"
    assert [i["amount"] for i in plan["installments"]] == ["174.16"] * 5 + ["174.20"]
    assert [i["fee"] for i in plan["installments"]] == ["7.50"] * 6
    assert plan["installments"][0]["due_date"] == "2026-02-28"
    assert client.get("/api/v1/credit/line/").json()["available"] == "2000.00"
    assert_books(buyer)

    # Pay instalment 1 twice with one key: charged once, same answer.
    first = client.post("/api/v1/credit/repayments/", {"plan": plan["id"], "mode": "next"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="pay-1")
    again = client.post("/api/v1/credit/repayments/", {"plan": plan["id"], "mode": "next"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="pay-1")
    assert first.status_code == 201, first.json()
    assert again.status_code == 201 and again.json() == first.json()
    assert first.json()["amount"] == "174.16"
    assert first.json()["allocations"] == [{"number": 1, "principal": "166.66", "fee": "7.50", "penalty": "0.00",
                                            "amount": "174.16"}]
    assert len(charges) == 1
    different = client.post("/api/v1/credit/repayments/", {"plan": plan["id"], "mode": "payoff"}, format="json",
                            HTTP_IDEMPOTENCY_KEY="pay-1")
    assert different.status_code == 422
    assert_books(buyer)

    # Payoff on the second due date: outstanding principal + the fee of instalment 2 only.
    with time_machine.travel(date(2026, 3, 31), tick=False):
        payoff = client.post("/api/v1/credit/repayments/", {"plan": plan["id"], "mode": "payoff"}, format="json",
                             HTTP_IDEMPOTENCY_KEY="payoff")
    assert payoff.status_code == 201, payoff.json()
    assert payoff.json()["amount"] == str(D("1000.00") - D("166.66") + D("7.50"))
    detail = client.get(f"/api/v1/credit/plans/{plan['id']}/").json()
    assert detail["status"] == "paid_off"
    assert {i["status"] for i in detail["installments"]} == {"paid"}
    assert detail["total_fee"] == "15.00"
    line = client.get("/api/v1/credit/line/").json()
    assert line["available"] == "3000.00" and line["used"] == "0.00"
    assert balance(accounts.installment_fee_income()) == D("-15.00")
    assert_books(buyer)


def test_full_refund_returns_every_fen(buyer_with_line, listing, place_credit_order, make_user):
    from credit.services.repayments import repayment_make
    from marketplace.services.refunds import refund_issue

    order = place_credit_order(buyer_with_line, listing, installments=3)
    plan = InstallmentPlan.objects.get(order=order)
    paid = repayment_make(actor=buyer_with_line, plan=plan, mode="next", idempotency_key="k1")
    assert paid.amount == D("341.66")  # 333.33 + 8.33 fee

    refund_issue(order=order, amount=D("1000.00"), actor=None, reason="return", idempotency_key="refund-1")

    plan.refresh_from_db()
    assert plan.status == "refunded"
    assert set(plan.installments.values_list("status", flat=True)) == {"cancelled"}
    paid.refresh_from_db()
    assert paid.refunded_amount == paid.amount  # everything paid, fee included, went back
    assert balance(accounts.installment_fee_income()) == 0
    assert balance(accounts.provider_clearing()) == 0
    line = CreditLine.objects.get(user=buyer_with_line)
    assert line.used_amount == 0
    assert_books(buyer_with_line)
