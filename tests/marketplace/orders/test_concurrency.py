"""Concurrency on PostgreSQL with real threads: no overselling, sweeps that settle once, money spent once."""
import threading
from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import connection

from core.errors import DomainError
from ledger import accounts
from ledger.models import Transaction
from ledger.selectors import books_balanced, normal_balance
from marketplace import hooks
from marketplace.models import Listing, Order, OrderStatus, OrderStatusChange, Payment, Settlement, Withdrawal
from marketplace.services.orders import order_confirm_receipt, order_place, order_ship, orders_auto_confirm
from marketplace.services.payments import order_pay
from marketplace.services.refunds import refund_issue
from marketplace.services.settlement import orders_settle_due
from marketplace.services.withdrawals import merchant_balance, withdrawal_request

# serialized_rollback: the flush after each test would wipe the reference data (categories, staff groups).
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]
D = Decimal
WAIT = 20  # seconds a thread may wait for the others before the test fails instead of hanging


@pytest.fixture(autouse=True)
def _eager_tasks(monkeypatch):
    """Transactional tests commit for real, so e-mails queued on commit run in-process, not via a broker."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


def race(calls):
    """Start every call at the same moment in its own thread; ``[("ok", result) | ("error", code)]``."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def worker(index, call):
        try:
            barrier.wait(timeout=WAIT)
            results[index] = ("ok", call())
        except DomainError as exc:
            results[index] = ("error", exc.code)
        except Exception as exc:  # noqa: BLE001 - reported as the test's failure below
            results[index] = ("crash", repr(exc))
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT * 3)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    assert not [r for r in results if r[0] == "crash"], results
    return results


@pytest.fixture
def buyers(make_user):
    return [make_user(f"racer{i}") for i in range(8)]


def _place(who, listing, address, quantity=1):
    return lambda: order_place(buyer=who, lines=[{"listing": listing.pk, "quantity": quantity}],
                               shipping_address=address, payment={"method": "full"})


def test_buyers_racing_for_the_last_item_one_wins(buyers, make_listing, address):
    last = make_listing(stock=1)

    results = race([_place(who, last, address) for who in buyers])

    assert sorted(kind for kind, _ in results) == ["error"] * 7 + ["ok"]
    assert {value for kind, value in results if kind == "error"} == {"out_of_stock"}
    assert Listing.objects.get(pk=last.pk).stock == 0
    assert Order.objects.count() == 1


def test_racing_for_a_few_items_sells_exactly_the_stock(buyers, make_listing, address):
    few = make_listing(stock=5)

    results = race([_place(who, few, address, quantity=1) for who in buyers])

    assert [kind for kind, _ in results].count("ok") == 5
    assert Listing.objects.get(pk=few.pk).stock == 0
    assert sum(Order.objects.values_list("lines__quantity", flat=True)) == 5


def test_two_listings_locked_in_opposite_orders_do_not_deadlock(buyers, make_listing, address):
    first, second = make_listing(stock=50), make_listing(stock=50, title="Case")
    calls = []
    for i, who in enumerate(buyers):
        pair = [first, second] if i % 2 else [second, first]
        calls.append(lambda who=who, pair=pair: order_place(
            buyer=who, lines=[{"listing": listing.pk, "quantity": 2} for listing in pair], shipping_address=address,
            payment={"method": "full"}))

    results = race(calls)

    assert all(kind == "ok" for kind, _ in results)
    assert list(Listing.objects.filter(pk__in=[first.pk, second.pk]).values_list("stock", flat=True)) == [34, 34]


def test_paying_one_order_twice_at_once_charges_once(pending_order, buyer):
    results = race([lambda i=i: order_pay(actor=buyer, order=Order.objects.get(pk=pending_order.pk),
                                          idempotency_key=f"tab-{i}") for i in range(4)])

    assert sorted(kind for kind, _ in results) == ["error"] * 3 + ["ok"]
    assert Payment.objects.count() == 1
    assert Transaction.objects.filter(kind="order_payment").count() == 1
    assert normal_balance(accounts.escrow()) == D("200.00")


def _shipped_orders(buyers, listing, address, merchant):
    orders = []
    for who in buyers:
        order = order_place(buyer=who, lines=[{"listing": listing.pk, "quantity": 1}], shipping_address=address,
                            payment={"method": "full"})
        order_pay(actor=who, order=order, idempotency_key=f"pay-{order.pk}")
        orders.append(order_ship(actor=merchant, order=order, carrier="SF", tracking_number=f"SF{order.pk}"))
    return orders


def test_concurrent_auto_confirm_sweeps_complete_and_settle_each_order_once(buyers, make_listing, address,
                                                                            merchant, shop):
    orders = _shipped_orders(buyers, make_listing(stock=20), address, merchant)
    later = max(order.auto_confirm_at for order in orders) + timedelta(minutes=1)

    results = race([lambda: orders_auto_confirm(now=later) for _ in range(4)])

    assert sum(value for _, value in results) == len(orders)
    assert Order.objects.filter(status=OrderStatus.COMPLETED).count() == len(orders)
    assert OrderStatusChange.objects.filter(new_status=OrderStatus.COMPLETED).count() == len(orders)
    assert Settlement.objects.count() == len(orders)
    assert Transaction.objects.filter(kind="settlement").count() == len(orders)
    assert merchant_balance(shop) == D("98.00") * len(orders)
    assert normal_balance(accounts.escrow()) == D("0.00")
    assert books_balanced()


def test_concurrent_settlement_sweeps_settle_each_order_once(buyers, make_listing, address, merchant, shop):
    orders = _shipped_orders(buyers, make_listing(stock=20), address, merchant)
    hooks.register_settlement_hold("race-hold", lambda queryset: queryset.none())
    try:
        for order in orders:
            order_confirm_receipt(actor=order.buyer, order=order)
    finally:
        hooks._settlement_holds.pop("race-hold")
    assert not Settlement.objects.exists()

    results = race([lambda: orders_settle_due() for _ in range(4)])

    assert sum(value for _, value in results) == len(orders)
    assert Settlement.objects.count() == len(orders)
    assert Transaction.objects.filter(kind="settlement").count() == len(orders)
    assert merchant_balance(shop) == D("98.00") * len(orders)
    assert books_balanced()


def test_concurrent_withdrawals_never_overdraw(completed_order, merchant, shop):
    # Balance 196.00: four withdrawals of 60.00 at once, three fit.
    results = race([lambda i=i: withdrawal_request(actor=merchant, shop=shop, amount="60.00", bank_name="ICBC",
                                                   bank_account="6222020200112233", idempotency_key=f"w{i}")
                    for i in range(4)])

    assert sorted(kind for kind, _ in results) == ["error", "ok", "ok", "ok"]
    assert [value for kind, value in results if kind == "error"] == ["insufficient_balance"]
    assert Withdrawal.objects.count() == 3
    assert merchant_balance(shop) == D("16.00")
    assert books_balanced()


def test_a_refund_and_a_withdrawal_at_once_do_not_spend_the_balance_twice(completed_order, merchant, shop):
    results = race([
        lambda: withdrawal_request(actor=merchant, shop=shop, amount="150.00", bank_name="ICBC",
                                   bank_account="6222020200112233", idempotency_key="w"),
        lambda: refund_issue(order=Order.objects.get(pk=completed_order.pk), amount="100.00",
                             idempotency_key="after-sales"),
    ])

    balance = normal_balance(accounts.merchant_balance(shop.pk))
    owed = normal_balance(accounts.merchant_receivable(shop.pk))
    assert results[1][0] == "ok"
    if results[0] == ("ok", results[0][1]):
        # The withdrawal went first: the refund took the remaining 46.00 and the platform paid 54.00.
        assert (balance, owed) == (D("0.00"), D("54.00"))
    else:
        # The refund went first: 96.00 left, too little for the withdrawal.
        assert results[0] == ("error", "insufficient_balance")
        assert (balance, owed) == (D("96.00"), D("0.00"))
    assert books_balanced()


def test_the_same_refund_key_at_once_refunds_once(paid_order):
    results = race([lambda: refund_issue(order=Order.objects.get(pk=paid_order.pk), amount="50.00",
                                         idempotency_key="same") for _ in range(4)])

    assert all(kind == "ok" for kind, _ in results)
    assert len({refund.pk for _, refund in results}) == 1
    assert Order.objects.get(pk=paid_order.pk).refunded_amount == D("50.00")
    assert Transaction.objects.filter(kind="refund").count() == 1
