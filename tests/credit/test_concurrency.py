"""Concurrency on PostgreSQL with real threads: no credit beyond the limit, no double repayment."""
import threading
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import DomainError
from credit.models import CreditLine, InstallmentPlan, Repayment
from credit.services.repayments import repayment_make
from marketplace.providers import SandboxProvider
from tests.credit.conftest import ADDRESS, assert_books

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _eager_tasks():
    """Committed transactions fire on-commit e-mails: run them in-process instead of queueing them."""
    from config.celery import app

    before = app.conf.task_always_eager
    app.conf.task_always_eager = True
    yield
    app.conf.task_always_eager = before


def run_in_threads(count, work):
    barrier = threading.Barrier(count)
    results = [None] * count

    def target(index):
        try:
            barrier.wait()
            results[index] = ("ok", work(index))
        except DomainError as exc:
            results[index] = ("refused", exc.code)
        except Exception as exc:  # noqa: BLE001 - report any failure of a thread to the test
            results[index] = ("error", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=target, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_concurrent_checkouts_never_exceed_the_limit(buyer_with_line, make_listing):
    from marketplace.services.orders import order_place

    listing = make_listing(price=Decimal("700.00"))  # limit 3,000.00: four fit, six are tried

    def checkout(_):
        return order_place(buyer=buyer_with_line, lines=[{"listing": listing.pk, "quantity": 1}],
                           shipping_address=ADDRESS, payment={"method": "installment", "installments": 3}).pk

    results = run_in_threads(6, checkout)

    assert [r for r in results if r[0] == "error"] == []
    assert sorted(r[0] for r in results) == ["ok"] * 4 + ["refused"] * 2
    assert {r[1] for r in results if r[0] == "refused"} == {"insufficient_credit"}
    line = CreditLine.objects.get(user=buyer_with_line)
    assert line.used_amount == Decimal("2800.00")
    assert InstallmentPlan.objects.count() == 4
    assert_books(buyer_with_line)


def test_double_repayment_with_one_key_charges_once(buyer_with_line, listing, place_credit_order, monkeypatch):
    order = place_credit_order(buyer_with_line, listing, installments=3)
    plan = InstallmentPlan.objects.get(order=order)
    charges = []
    real_charge = SandboxProvider.charge

    def counting(self, **kwargs):
        charges.append(kwargs["idempotency_key"])
        return real_charge(self, **kwargs)

    monkeypatch.setattr(SandboxProvider, "charge", counting)

    results = run_in_threads(4, lambda _: repayment_make(actor=buyer_with_line, plan=plan, mode="next",
                                                         idempotency_key="same-key").pk)

    assert [r for r in results if r[0] == "error"] == []
    assert len({r[1] for r in results}) == 1
    assert Repayment.objects.count() == 1
    assert len(charges) == 1
    assert_books(buyer_with_line)


def test_double_repayment_through_the_api(buyer_with_line, listing, place_credit_order, client_for):
    order = place_credit_order(buyer_with_line, listing, installments=3)
    plan = InstallmentPlan.objects.get(order=order)
    clients = [client_for(buyer_with_line) for _ in range(4)]

    results = run_in_threads(4, lambda i: clients[i].post(
        "/api/v1/credit/repayments/", {"plan": plan.pk, "mode": "next"}, format="json",
        HTTP_IDEMPOTENCY_KEY="api-key").status_code)

    codes = sorted(r[1] for r in results)
    assert set(codes) <= {201, 409}
    assert 201 in codes
    assert Repayment.objects.count() == 1
    assert_books(buyer_with_line)
