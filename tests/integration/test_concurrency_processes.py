"""Concurrency on PostgreSQL across real OS processes (and threads where the race is new), exact outcomes.

The thread races of tests/{marketplace/orders,credit,protection}/test_concurrency.py share
one Python process (one GIL, one Django); these fork separate processes, each with its own
database session, released together by a barrier — as gunicorn workers, Celery workers and
beat ticks on different machines are. Each race states every outcome it may end in.

- the last item: one buyer gets it, the others ``out_of_stock``, the stock is 0;
- the credit limit: exactly what fits is drawn;
- a repayment sent twice with one Idempotency-Key: one charge; without a key: two payments of
  consecutive instalments, neither paid twice;
- a refund (the merchant's approval, or a staff ruling) racing a repayment on one instalment
  plan: either order of the two, never anything in between; the books balance, the credit
  line's ``used`` equals the receivable, every yuan repaid is returned;
- the after-sales deadline sweep and the settlement sweep run by several processes at once:
  each case and each order acted on once.
"""
import multiprocessing
import threading
from decimal import Decimal

import pytest
from django.db import connections
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from core.errors import DomainError
from credit.models import CreditLine, CreditRefund, InstallmentPlan, Repayment
from credit.services.repayments import repayment_make
from ledger import accounts
from ledger.models import Transaction
from ledger.selectors import books_balanced, normal_balance
from marketplace import hooks
from marketplace.models import Listing, Order, Refund, Settlement
from marketplace.services.orders import order_confirm_receipt, order_place, order_ship
from marketplace.services.payments import order_pay
from marketplace.services.settlement import orders_settle_due
from protection.models import AfterSalesCase
from protection.services import deadlines
from protection.services.cases import case_approve, case_open, case_reject
from protection.services.rulings import case_escalate, ruling_record
from tests.credit.conftest import ADDRESS, assert_books

pytestmark = [pytest.mark.integration, pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
D = Decimal
WAIT = 30  # seconds a racer may wait for the others at the barrier


@pytest.fixture(autouse=True)
def _tasks_in_process(monkeypatch):
    """No broker here: e-mails queued on commit are sent where the commit happens."""
    from config.celery import app

    monkeypatch.setattr(app.conf, "task_always_eager", True)


def _outcome(call):
    try:
        return ("ok", call())
    except DomainError as exc:
        return ("error", exc.code)
    except Exception as exc:  # noqa: BLE001 - reported as the test's failure
        return ("crash", repr(exc))


def _racer(index, call, barrier, results):
    try:
        barrier.wait(timeout=WAIT)
        results.put((index, _outcome(call)))
    finally:
        connections.close_all()


def in_processes(calls) -> list:
    """Run each call in its own forked process, all released at once; ``[("ok", value) | ("error", code)]``.

    The parent's connections are closed first, so every child opens a session of its own.
    Values must pickle (ids, codes, numbers).
    """
    context = multiprocessing.get_context("fork")
    barrier, results = context.Barrier(len(calls)), context.Queue()
    connections.close_all()
    processes = [context.Process(target=_racer, args=(i, call, barrier, results), daemon=True)
                 for i, call in enumerate(calls)]
    for process in processes:
        process.start()
    try:
        outcomes = dict(results.get(timeout=WAIT * 3) for _ in calls)
    finally:
        for process in processes:
            process.join(timeout=WAIT)
            if process.is_alive():
                process.kill()
    assert [p.exitcode for p in processes] == [0] * len(calls), "a racer died or hung"
    outcomes = [outcomes[i] for i in range(len(calls))]
    assert not [o for o in outcomes if o[0] == "crash"], outcomes
    return outcomes


def in_threads(calls) -> list:
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait(timeout=WAIT)
            results[index] = _outcome(call)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=WAIT * 3)
    assert not any(thread.is_alive() for thread in threads), "a thread hung (deadlock?)"
    assert not [r for r in results if r[0] == "crash"], results
    return results


RUNNERS = {"processes": in_processes, "threads": in_threads}


def kinds(outcomes) -> list:
    return sorted(kind for kind, _ in outcomes)


# --- checkout ------------------------------------------------------------------------------------------
def test_the_last_item_across_processes_goes_to_one_buyer(make_user, make_listing):
    last = make_listing(price=D("50.00"), stock=1)
    buyers = [make_user(f"racer{i}") for i in range(6)]

    outcomes = in_processes([
        lambda who=who: order_place(buyer=who, lines=[{"listing": last.pk, "quantity": 1}], shipping_address=ADDRESS,
                                    payment={"method": "full"}).pk for who in buyers])

    assert kinds(outcomes) == ["error"] * 5 + ["ok"]
    assert {value for kind, value in outcomes if kind == "error"} == {"out_of_stock"}
    assert Listing.objects.get(pk=last.pk).stock == 0
    assert list(Order.objects.values_list("pk", flat=True)) == [value for kind, value in outcomes if kind == "ok"]


def test_instalment_checkouts_across_processes_draw_exactly_the_credit_limit(buyer_with_line, make_listing):
    listing = make_listing(price=D("1200.00"))  # limit 3,000.00: two fit, four are tried

    outcomes = in_processes([
        lambda: order_place(buyer=buyer_with_line, lines=[{"listing": listing.pk, "quantity": 1}],
                            shipping_address=ADDRESS, payment={"method": "installment", "installments": 3}).pk
        for _ in range(4)])

    assert kinds(outcomes) == ["error", "error", "ok", "ok"]
    assert {value for kind, value in outcomes if kind == "error"} == {"insufficient_credit"}
    assert CreditLine.objects.get(user=buyer_with_line).used_amount == D("2400.00")
    assert InstallmentPlan.objects.count() == 2
    assert_books(buyer_with_line)


# --- repayments through the API ---------------------------------------------------------------------------
def _repay_over_http(user, plan_pk, key=None):
    """A repayment request from a client of its own (in the racer's process), by the API."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {Token.objects.get(user=user).key}")
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    response = client.post("/api/v1/credit/repayments/", {"plan": plan_pk, "mode": "next"}, format="json", **headers)
    return response.status_code, response.json().get("id")


@pytest.fixture
def plan(buyer_with_line, listing, place_credit_order):
    Token.objects.get_or_create(user=buyer_with_line)
    return InstallmentPlan.objects.get(order=place_credit_order(buyer_with_line, listing, installments=3))


def test_one_idempotency_key_sent_from_four_processes_repays_once(buyer_with_line, plan):
    outcomes = in_processes([lambda: _repay_over_http(buyer_with_line, plan.pk, "same-key") for _ in range(4)])

    answers = [value for _, value in outcomes]
    assert {status for status, _ in answers} <= {201, 409}  # 409: the first is still in flight
    created = {repayment for status, repayment in answers if status == 201}
    assert len(created) == 1  # every 201 is the same repayment (the first, or its replay)
    assert Repayment.objects.count() == 1
    assert Transaction.objects.filter(kind="credit_repayment").count() == 1
    assert list(plan.installments.order_by("number").values_list("status", flat=True)) == [
        "paid", "scheduled", "scheduled"]
    assert_books(buyer_with_line)


def test_two_repayments_without_a_key_pay_two_instalments_each_once(buyer_with_line, plan):
    outcomes = in_processes([lambda: _repay_over_http(buyer_with_line, plan.pk) for _ in range(2)])

    assert [value[0] for _, value in outcomes] == [201, 201]  # two requests, two payments: the client meant both
    assert Repayment.objects.count() == 2
    rows = list(plan.installments.order_by("number"))
    assert [row.status for row in rows] == ["paid", "paid", "scheduled"]
    assert all(row.paid_principal_amount == row.principal_amount for row in rows[:2])  # neither paid twice
    assert rows[2].paid_principal_amount == D("0.00")
    paid = sorted(r.allocations[0]["number"] for r in Repayment.objects.all())
    assert paid == [1, 2]
    line = CreditLine.objects.get(user=buyer_with_line)
    assert line.used_amount == rows[2].principal_amount
    assert_books(buyer_with_line)


# --- a refund and a repayment on one plan --------------------------------------------------------------
@pytest.fixture
def customer_service(make_user):
    from django.contrib.auth.models import Group

    user = make_user("cs", is_staff=True)
    user.groups.add(Group.objects.get(name="Customer service"))
    return user


def _refund_by_merchant(case, merchant, staff):
    return lambda: case_approve(actor=merchant, case=AfterSalesCase.objects.get(pk=case.pk)).status


def _refund_by_ruling(case, merchant, staff):
    case = case_reject(actor=merchant, case=case, reason="It was delivered.")
    case = case_escalate(actor=case.buyer, case=case, reason="It was not.")
    return lambda: ruling_record(actor=staff, case=AfterSalesCase.objects.get(pk=case.pk), decision="refund",
                                 at_fault="merchant", note="No proof of delivery.").status


# Both ways a refund is decided, and both kinds of racers (kept to two cases: each costs a database flush).
@pytest.mark.parametrize(("refund", "runner"), [(_refund_by_merchant, "processes"), (_refund_by_ruling, "threads")],
                         ids=["merchant-approval-vs-repayment-in-processes", "staff-ruling-vs-repayment-in-threads"])
def test_a_refund_racing_a_repayment_on_one_plan_ends_in_one_of_two_orders(
        runner, refund, buyer_with_line, merchant, listing, place_credit_order, customer_service):
    order = place_credit_order(buyer_with_line, listing, installments=3)
    order = order_ship(actor=merchant, order=order, carrier="SF", tracking_number="SF1")
    plan = InstallmentPlan.objects.get(order=order)
    case = case_open(actor=buyer_with_line, order=order, line=order.lines.first(), type="refund_only",
                     reason="not_received", description="Never arrived.")
    refund_now = refund(case, merchant, customer_service)
    clearing = normal_balance(accounts.provider_clearing())

    outcomes = RUNNERS[runner]([
        refund_now,
        lambda: repayment_make(actor=buyer_with_line, plan=InstallmentPlan.objects.get(pk=plan.pk), mode="next",
                               idempotency_key="racing").pk,
    ])

    assert outcomes[0] == ("ok", "refunded")
    plan.refresh_from_db()
    assert plan.status == "refunded"
    assert CreditRefund.objects.filter(plan=plan).count() == 1 and Refund.objects.count() == 1
    if outcomes[1][0] == "ok":  # the repayment went first: the full refund gave it back
        repayment = Repayment.objects.get()
        assert repayment.amount > 0 and repayment.refunded_amount == repayment.amount
        assert Transaction.objects.filter(kind="credit_repayment").count() == 1
    else:  # the refund went first: nothing was left to repay
        assert outcomes[1] == ("error", "plan_not_active")
        assert not Repayment.objects.exists()
    assert normal_balance(accounts.provider_clearing()) == clearing  # every yuan repaid went back
    assert set(plan.installments.values_list("status", flat=True)) <= {"cancelled", "paid"}
    assert CreditLine.objects.get(user=buyer_with_line).used_amount == D("0.00")
    assert_books(buyer_with_line)  # used == receivable (0), books balanced
    assert Order.objects.get(pk=order.pk).refunded_amount == order.total_amount


# --- sweeps run by several processes at once ----------------------------------------------------------
def _shipped(buyer, listing, count):
    orders = []
    for _ in range(count):
        order = order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 1}], shipping_address=ADDRESS,
                            payment={"method": "full"})
        order = order_pay(actor=buyer, order=order, idempotency_key=f"pay-{order.pk}")
        orders.append(order_ship(actor=listing.shop.owner, order=order, carrier="SF", tracking_number=f"SF{order.pk}"))
    return orders


def test_the_deadline_sweep_in_three_processes_refunds_each_case_once(buyer, make_listing):
    import time_machine

    listing = make_listing(price=D("80.00"))
    cases = [case_open(actor=buyer, order=order, line=order.lines.first(), type="refund_only", reason="not_received",
                       description="Never arrived.") for order in _shipped(buyer, listing, 5)]
    due = max(case.respond_by for case in cases)

    with time_machine.travel(due, tick=False):  # inherited by the forked processes
        outcomes = in_processes([lambda: deadlines.sweep("merchant_response") for _ in range(3)])

    assert kinds(outcomes) == ["ok"] * 3 and sum(value for _, value in outcomes) == 5
    assert set(AfterSalesCase.objects.values_list("status", flat=True)) == {"refunded"}
    assert Refund.objects.count() == 5 and Transaction.objects.filter(kind="refund").count() == 5
    for case in AfterSalesCase.objects.all():
        assert case.events.filter(new_status="refunded").count() == 1
    assert normal_balance(accounts.escrow()) == D("0.00")
    assert books_balanced()


def test_the_settlement_sweep_in_three_processes_settles_each_order_once(buyer, shop, make_listing):
    listing = make_listing(price=D("100.00"))
    hooks.register_settlement_hold("made-by-the-test", lambda queryset: queryset.none())
    try:
        orders = [order_confirm_receipt(actor=buyer, order=order) for order in _shipped(buyer, listing, 6)]
    finally:
        hooks._settlement_holds.pop("made-by-the-test")
    assert not Settlement.objects.exists()

    outcomes = in_processes([orders_settle_due for _ in range(3)])

    assert kinds(outcomes) == ["ok"] * 3 and sum(value for _, value in outcomes) == 6
    assert sorted(Settlement.objects.values_list("order_id", flat=True)) == sorted(o.pk for o in orders)
    assert Transaction.objects.filter(kind="settlement").count() == 6
    assert normal_balance(accounts.merchant_balance(shop.pk)) == D("98.00") * 6
    assert normal_balance(accounts.escrow()) == D("0.00")
    assert books_balanced()
