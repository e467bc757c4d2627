"""PostgreSQL drops the connection in the middle of a request: a clean 503, nothing half-written, a retry works.

The fault: a ``post_save`` hook (in the test, nothing in the app) runs right after the
request's first row of a model is written, inside the service's transaction, and ends that
request's own backend with ``pg_terminate_backend`` from a second connection — as a database
restart, a failover or a killed idle-in-transaction session would. The request's next
statement fails; PostgreSQL has already rolled the transaction back.

Expected: 503 with ``code: service_unavailable`` and ``Retry-After`` (the API's exception
handler; pages get the 503 page), every row as before the request, the books balanced, and the
same request (the same Idempotency-Key) succeeding on a retry, exactly once.
"""
from contextlib import contextmanager
from decimal import Decimal

import psycopg
import pytest
from django.db import connection
from django.db.models.signals import post_save
from django.test import Client

from core.models import IdempotencyRecord, Notification
from credit.models import CreditLine, Installment, InstallmentPlan, Repayment
from ledger.models import Entry, Transaction
from ledger.selectors import books_balanced
from marketplace.models import CartItem, Listing, Order, OrderLine, Payment
from tests.credit.conftest import ADDRESS, assert_books
from tests.integration.conftest import database_url

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _tasks_in_process(monkeypatch):
    """No worker here: e-mails queued on commit are sent in-process (this test is about the database)."""
    from config.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)


@contextmanager
def backend_terminated_after(model):
    """End the current request's PostgreSQL backend right after its first new ``model`` row is written."""
    fired = []

    def terminate(sender, instance, created, **kwargs):
        if not created or fired:
            return
        pid = connection.connection.info.backend_pid
        with psycopg.connect(database_url(), autocommit=True) as other:
            # Waits (up to 5 s) until the backend is gone: the request's next statement meets a dead connection.
            assert other.execute("SELECT pg_terminate_backend(%s, 5000)", [pid]).fetchone()[0] is True
        fired.append(pid)

    post_save.connect(terminate, sender=model, weak=False)
    try:
        yield fired
    finally:
        post_save.disconnect(terminate, sender=model)
        connection.close()  # the test client keeps the thread's broken connection; the next query reconnects


def snapshot() -> dict:
    return {"orders": Order.objects.count(), "lines": OrderLine.objects.count(), "payments": Payment.objects.count(),
            "stock": dict(Listing.objects.values_list("pk", "stock")), "transactions": Transaction.objects.count(),
            "entries": Entry.objects.count(), "repayments": Repayment.objects.count(),
            "installments": sorted(Installment.objects.values_list("pk", "status", "paid_principal_amount")),
            "used": dict(CreditLine.objects.values_list("pk", "used_amount")),
            "notifications": Notification.objects.count(), "cart": CartItem.objects.count(),
            "order_states": dict(Order.objects.values_list("pk", "status"))}


def assert_clean_503(response):
    assert response.status_code == 503, response.content[:500]
    assert response.json()["code"] == "service_unavailable"
    assert response["Retry-After"] == "5"


def test_checkout_loses_its_connection_between_writes(buyer_with_line, listing, client_for):
    client = client_for(buyer_with_line)
    body = {"lines": [{"listing": listing.pk, "quantity": 2}], "shipping_address": ADDRESS,
            "payment": {"method": "full"}}
    before = snapshot()

    # After the stock was reserved (UPDATE) and the order row written, before its lines.
    with backend_terminated_after(Order) as fired:
        response = client.post("/api/v1/orders/", body, format="json")
    assert fired, "the fault was not injected"
    assert_clean_503(response)
    assert snapshot() == before  # the reserved stock came back with the rollback; no order, no line

    retry = client.post("/api/v1/orders/", body, format="json")
    assert retry.status_code == 201, retry.content
    assert Order.objects.count() == 1 and OrderLine.objects.get().quantity == 2
    assert Listing.objects.get(pk=listing.pk).stock == before["stock"][listing.pk] - 2


def test_payment_loses_its_connection_and_the_same_key_pays_once(buyer_with_line, listing, client_for):
    client = client_for(buyer_with_line)
    order = client.post("/api/v1/orders/", {"lines": [{"listing": listing.pk, "quantity": 1}],
                                            "shipping_address": ADDRESS, "payment": {"method": "full"}},
                        format="json").json()["id"]
    before = snapshot()

    # After the payment row, before the books and the order's move to paid.
    with backend_terminated_after(Payment) as fired:
        response = client.post(f"/api/v1/orders/{order}/pay/", {}, format="json", HTTP_IDEMPOTENCY_KEY="pay-once")
    assert fired
    assert_clean_503(response)
    assert snapshot() == before
    assert not IdempotencyRecord.objects.exists()  # the key is free again: the retry is not refused as in flight

    retry = client.post(f"/api/v1/orders/{order}/pay/", {}, format="json", HTTP_IDEMPOTENCY_KEY="pay-once")
    assert retry.status_code == 200, retry.content
    again = client.post(f"/api/v1/orders/{order}/pay/", {}, format="json", HTTP_IDEMPOTENCY_KEY="pay-once")
    assert again.status_code == 200 and again["Idempotent-Replayed"] == "true"
    assert Order.objects.get(pk=order).status == "paid"
    assert Payment.objects.count() == 1
    assert Transaction.objects.filter(kind="order_payment").count() == 1
    assert books_balanced()


def test_repayment_loses_its_connection_and_nothing_is_repaid(buyer_with_line, listing, place_credit_order,
                                                              client_for):
    client = client_for(buyer_with_line)
    plan = InstallmentPlan.objects.get(order=place_credit_order(buyer_with_line, listing, installments=3))
    before = snapshot()

    # After the repayment row, before the instalments, the books and the credit line.
    with backend_terminated_after(Repayment) as fired:
        response = client.post("/api/v1/credit/repayments/", {"plan": plan.pk, "mode": "next"}, format="json",
                               HTTP_IDEMPOTENCY_KEY="repay-once")
    assert fired
    assert_clean_503(response)
    assert snapshot() == before
    assert_books(buyer_with_line)

    retry = client.post("/api/v1/credit/repayments/", {"plan": plan.pk, "mode": "next"}, format="json",
                        HTTP_IDEMPOTENCY_KEY="repay-once")
    assert retry.status_code == 201, retry.content
    assert Repayment.objects.count() == 1
    assert list(plan.installments.order_by("number").values_list("status", flat=True)) == ["paid", "scheduled",
                                                                                          "scheduled"]
    assert CreditLine.objects.get(user=buyer_with_line).used_amount == Decimal("1000.00") - Repayment.objects.get(
    ).principal_amount
    assert_books(buyer_with_line)


def test_website_checkout_loses_its_connection_and_the_cart_is_kept(buyer_with_line, listing):
    client = Client(raise_request_exception=False)  # answer as the site does: the handler's error page
    client.force_login(buyer_with_line)
    assert client.post("/cart/add/", {"listing": listing.pk, "quantity": 1}).status_code == 302
    form = {**ADDRESS, "payment_method": "full"}
    before = snapshot()

    with backend_terminated_after(Order) as fired:
        response = client.post(f"/checkout/{listing.shop_id}/", form)
    assert fired
    assert response.status_code == 503
    assert "Briefly unavailable" in response.content.decode()
    assert snapshot() == before  # the cart still holds the item, no order, the stock as it was

    done = client.post(f"/checkout/{listing.shop_id}/", form)
    assert done.status_code == 302 and "/orders/" in done.url
    assert Order.objects.count() == 1 and not CartItem.objects.exists()
