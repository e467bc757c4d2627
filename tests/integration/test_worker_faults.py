"""A Celery worker SIGKILLed in the middle of a sweep's batch (settlements, after-sales deadlines), then restarted.

The kill lands at a known point: the test holds a row lock the batch's (k+1)-th item needs
(the second shop's row for settlements, the order of a case for the deadline refunds), waits
until the worker has committed k items and is blocked on that lock, and SIGKILLs the whole
worker (main process and pool). Its open transaction dies with it. A new worker gets the
unacknowledged task again from Redis (acks_late + reject_on_worker_lost; a short visibility
timeout here) and runs the sweep again from the start.

Expected: every item is done exactly once — one settlement (one ledger transaction, one
message) per order, one refund and one outcome per case — the k items done before the kill
are not done again, and the books balance.
"""
from datetime import timedelta
from decimal import Decimal

import psycopg
import pytest
import time_machine
from django.db import connection
from django.utils import timezone

from core.models import Notification
from ledger import accounts
from ledger.models import Transaction
from ledger.selectors import books_balanced, normal_balance
from marketplace import hooks
from marketplace.models import Order, Refund, Settlement
from marketplace.services.orders import order_confirm_receipt, order_place, order_ship
from marketplace.services.payments import order_pay
from marketplace.services.shops import shop_open, shop_verify
from protection.models import AfterSalesCase
from protection.services.cases import case_open
from tests.credit.conftest import ADDRESS
from tests.integration.conftest import database_url, publish, wait_for

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
D = Decimal
KNOBS = {"IT_VISIBILITY_TIMEOUT": "5"}  # Redis hands a dead worker's unacknowledged task to another after 5 s


@pytest.fixture(autouse=True)
def _set_up_in_process(monkeypatch):
    """E-mails of the set-up (made in this process) are sent here; the worker gets only the sweep."""
    from config.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)


class RowLock:
    """A row locked FOR UPDATE by a connection of the test's own until ``release()``."""

    def __init__(self, table: str, pk: int):
        self.conn = psycopg.connect(database_url())
        self.conn.execute(f"SELECT 1 FROM {table} WHERE id = %s FOR UPDATE", [pk])  # noqa: S608 - a model's table

    def release(self):
        self.conn.rollback()
        self.conn.close()


def _scalar(sql: str) -> int:
    with connection.cursor() as cursor:
        cursor.execute(sql)
        return cursor.fetchone()[0]


def blocked_on_a_lock() -> bool:
    return _scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                   " AND wait_event_type = 'Lock'") == 1


def other_sessions() -> int:
    return _scalar("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                   " AND pid <> pg_backend_pid() AND backend_type = 'client backend'")


def kill_mid_batch(worker, lock: RowLock):
    """SIGKILL the worker blocked on ``lock``, release it, and wait until the dead worker's sessions are gone."""
    worker.kill()
    lock.release()
    # Its backend was waiting for the lock: it gets it, finds the client gone, and rolls back.
    wait_for(lambda: other_sessions() == 0, timeout=60, what="the killed worker's database sessions to end")


# --- settlements ---------------------------------------------------------------------------------------
@pytest.fixture
def second_shop(make_user, catalog_staff):
    owner = make_user("secondmerchant")
    shop = shop_open(actor=owner, name="Green Hill Tea", description="Tea.")
    shop_verify(actor=catalog_staff, shop=shop)
    shop.refresh_from_db()
    return shop


def _completed_orders(buyer, listing, count: int) -> list:
    """Orders received by the buyer but not settled yet (a hold keeps them in escrow while they are made)."""
    orders = []
    hooks.register_settlement_hold("made-by-the-test", lambda queryset: queryset.none())
    try:
        for _ in range(count):
            order = order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 1}],
                                shipping_address=ADDRESS, payment={"method": "full"})
            order = order_pay(actor=buyer, order=order, idempotency_key=f"pay-{order.pk}")
            order = order_ship(actor=listing.shop.owner, order=order, carrier="SF", tracking_number=f"SF{order.pk}")
            orders.append(order_confirm_receipt(actor=buyer, order=order))
    finally:
        hooks._settlement_holds.pop("made-by-the-test")
    return orders


def test_a_worker_killed_mid_settlement_batch_settles_each_order_once(
        buyer, shop, second_shop, make_listing, own_env, start_worker):
    first = _completed_orders(buyer, make_listing(price=D("100.00")), 3)  # completed first: settled first
    second = _completed_orders(buyer, make_listing(shop=second_shop, price=D("100.00")), 3)
    assert not Settlement.objects.exists() and normal_balance(accounts.escrow()) == D("600.00")
    messages = Notification.objects.count()
    env = {**own_env, **KNOBS}

    lock = RowLock("marketplace_shop", second_shop.pk)  # the batch stops at the second shop's first order
    doomed = start_worker(env, concurrency=1)
    publish(env["REDIS_URL"], "marketplace.tasks.orders_settle_due_task")
    wait_for(lambda: Settlement.objects.count() == 3 and blocked_on_a_lock(), what="the worker to block mid-batch",
             state=lambda: Settlement.objects.count())
    kill_mid_batch(doomed, lock)
    assert set(Settlement.objects.values_list("order_id", flat=True)) == {o.pk for o in first}  # really mid-batch

    start_worker(env, concurrency=2)
    wait_for(lambda: Settlement.objects.count() == 6, what="the new worker to finish the batch",
             state=lambda: Settlement.objects.count())

    assert sorted(Settlement.objects.values_list("order_id", flat=True)) == sorted(o.pk for o in first + second)
    assert Transaction.objects.filter(kind="settlement").count() == 6
    assert Order.objects.filter(settled_at__isnull=True).count() == 0
    assert normal_balance(accounts.merchant_balance(shop.pk)) == D("98.00") * 3  # 2 % commission
    assert normal_balance(accounts.merchant_balance(second_shop.pk)) == D("98.00") * 3
    assert normal_balance(accounts.commission_income()) == D("12.00")
    assert normal_balance(accounts.escrow()) == D("0.00")
    assert Notification.objects.count() == messages + 6  # one "settled" message per order
    assert books_balanced()


# --- after-sales deadlines ------------------------------------------------------------------------------
def test_a_worker_killed_mid_deadline_batch_refunds_each_case_once(buyer, listing, own_env, start_worker):
    # Refund requests the merchant never answered: opened three days ago, so their 48 h are over by now.
    with time_machine.travel(timezone.now() - timedelta(days=3), tick=True):
        orders = _shipped_orders(buyer, listing, 6)
        cases = [case_open(actor=buyer, order=order, line=order.lines.first(), type="refund_only",
                           reason="not_received", description="Never arrived.") for order in orders]
    assert all(case.respond_by < timezone.now() for case in cases)
    messages = Notification.objects.filter(user=buyer).count()
    env = {**own_env, **KNOBS}

    lock = RowLock("marketplace_order", cases[3].order_id)  # the 4th refund waits for its order
    doomed = start_worker(env, concurrency=1)
    publish(env["REDIS_URL"], "protection.tasks.sweep_merchant_response")
    wait_for(lambda: Refund.objects.count() == 3 and blocked_on_a_lock(), what="the worker to block mid-batch",
             state=lambda: Refund.objects.count())
    kill_mid_batch(doomed, lock)
    statuses = [AfterSalesCase.objects.get(pk=case.pk).status for case in cases]
    assert statuses == ["refunded"] * 3 + ["requested"] * 3  # the 4th case's approval died with its transaction

    start_worker(env, concurrency=2)
    wait_for(lambda: Refund.objects.count() == 6 and not AfterSalesCase.objects.filter(status="requested").exists(),
             what="the new worker to finish the batch", state=lambda: Refund.objects.count())

    assert set(AfterSalesCase.objects.values_list("status", flat=True)) == {"refunded"}
    for case in AfterSalesCase.objects.all():
        assert case.events.filter(new_status="refunded").count() == 1
        assert case.events.filter(new_status="approved").count() == 1
    assert sorted(Refund.objects.values_list("order_id", flat=True)) == sorted(o.pk for o in orders)
    assert Transaction.objects.filter(kind="refund").count() == 6
    assert set(Order.objects.values_list("refunded_amount", flat=True)) == {listing.price_amount}
    assert normal_balance(accounts.escrow()) == D("0.00")
    # Per case: a message about the outcome and one about the money.
    assert Notification.objects.filter(user=buyer).count() == messages + 12
    assert books_balanced()


def _shipped_orders(buyer, listing, count: int) -> list:
    orders = []
    for _ in range(count):
        order = order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 1}], shipping_address=ADDRESS,
                            payment={"method": "full"})
        order = order_pay(actor=buyer, order=order, idempotency_key=f"pay-{order.pk}")
        orders.append(order_ship(actor=listing.shop.owner, order=order, carrier="SF", tracking_number=f"SF{order.pk}"))
    return orders
