"""A stateful money test: hypothesis drives the real services through random sequences.

Buyers check out (in full or in instalments), pay, get shipped to, confirm, cancel,
open after-sales cases the merchant approves (refunds), repay the next instalment,
pay off, and the clock moves (overdue, penalties). After every step:

- the books balance (every transaction's legs and all entries sum to zero);
- every credit line's ``used`` equals the buyer's receivable in the books;
- no instalment amount is negative;
- no listing's stock is below zero, and stock + units sold and not given back = the initial stock;
- refunds of an order never exceed what was paid for it.

A refused action (DomainError) is a valid outcome; the invariants still hold after it.
STATEFUL_EXAMPLES / STATEFUL_STEPS set the size (CI: bounded; scripts/reliability: larger).
"""
import os
from datetime import timedelta
from decimal import Decimal

import pytest
import time_machine
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from core.errors import DomainError
from credit.models import CreditLine, Installment, InstallmentPlan
from credit.services.overdue import installments_mark_overdue
from credit.services.repayments import repayment_make
from ledger import accounts
from ledger.selectors import balance, books_balanced
from marketplace.models import Listing, Order, Payment, Refund
from marketplace.services.orders import order_cancel, order_confirm_receipt, order_ship
from marketplace.services.payments import order_pay
from protection.models import AfterSalesCase
from protection.services.cases import case_approve, case_open
from tests.reliability.world import build_world, place

EXAMPLES = int(os.environ.get("STATEFUL_EXAMPLES", "6"))
STEPS = int(os.environ.get("STATEFUL_STEPS", "25"))
STATS = {"runs": 0, "steps": 0, "refused": 0}

pytestmark = pytest.mark.django_db


class MoneyMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.clock = time_machine.travel(timezone.now(), tick=False)
        self.traveller = self.clock.start()
        self.world = build_world()
        self.buyers = [self.world.users["buyer"], self.world.users["other_buyer"]]
        self.merchant = self.world.users["merchant"]
        self.listing = Listing.objects.get(pk=self.world.ids["listing"])
        self.total_units = self.listing.stock + self._units_out()  # on hand + held by live orders: constant
        self.n = 0
        STATS["runs"] += 1

    def teardown(self):
        self.clock.stop()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    def _units_out(self) -> int:
        from marketplace.models import OrderLine

        return OrderLine.objects.filter(listing=self.listing).exclude(order__status="cancelled").aggregate(
            n=Sum("quantity"))["n"] or 0

    def _key(self) -> str:
        self.n += 1
        return f"sm-{self.n}"

    def _try(self, action, *args, **kwargs):
        STATS["steps"] += 1
        try:
            with transaction.atomic():
                return action(*args, **kwargs)
        except DomainError:
            STATS["refused"] += 1
            return None

    def _orders(self, status):
        return list(Order.objects.filter(buyer__in=self.buyers, status=status).order_by("pk"))

    @rule(who=st.integers(0, 1), qty=st.integers(1, 3), instalments=st.sampled_from([None, 3, 6, 12]))
    def checkout(self, who, qty, instalments):
        self._try(place, self.buyers[who], self.listing, installments=instalments, quantity=qty)

    @rule(pick=st.integers(0, 50))
    def pay(self, pick):
        orders = self._orders("pending_payment")
        if orders:
            order = orders[pick % len(orders)]
            self._try(order_pay, actor=order.buyer, order=order, idempotency_key=self._key())

    @rule(pick=st.integers(0, 50))
    def ship(self, pick):
        orders = self._orders("paid")
        if orders:
            self._try(order_ship, actor=self.merchant, order=orders[pick % len(orders)], carrier="SF",
                      tracking_number=f"SF{self.n}")

    @rule(pick=st.integers(0, 50))
    def confirm(self, pick):
        orders = self._orders("shipped")
        if orders:
            order = orders[pick % len(orders)]
            self._try(order_confirm_receipt, actor=order.buyer, order=order)

    @rule(pick=st.integers(0, 50), status=st.sampled_from(["pending_payment", "paid", "under_review"]))
    def cancel(self, pick, status):
        orders = self._orders(status)
        if orders:
            order = orders[pick % len(orders)]
            self._try(order_cancel, actor=order.buyer, order=order, reason="changed my mind")

    @rule(pick=st.integers(0, 50), partial=st.booleans(), status=st.sampled_from(["paid", "shipped", "completed"]))
    def open_case_and_refund(self, pick, partial, status):
        orders = self._orders(status)
        if not orders:
            return
        order = orders[pick % len(orders)]
        line = order.lines.first()
        kind = "partial_refund" if partial else "refund_only"
        amount = (line.line_amount / 3).quantize(Decimal("0.01")) if partial else None
        case = self._try(case_open, actor=order.buyer, order=order, line=line, type=kind, reason="quality",
                         description="Broken.", amount=amount)
        if case is not None:
            self._try(case_approve, actor=self.merchant, case=case)

    @rule(pick=st.integers(0, 50), mode=st.sampled_from(["next", "payoff", "amount"]), cents=st.integers(1, 50000),
          repeat=st.booleans())
    def repay(self, pick, mode, cents, repeat):
        plans = list(InstallmentPlan.objects.filter(status="active").order_by("pk"))
        if not plans:
            return
        plan = plans[pick % len(plans)]
        key = self._key()
        amount = Decimal(cents) / 100 if mode == "amount" else None
        for _ in range(2 if repeat else 1):  # a repeat with the same key moves no money again
            self._try(repayment_make, actor=plan.buyer, plan=plan, mode=mode, amount=amount, idempotency_key=key)

    @rule(days=st.sampled_from([1, 7, 31, 45]))
    def move_time(self, days):
        self.traveller.shift(timedelta(days=days))
        self._try(installments_mark_overdue, today=timezone.localdate())

    @invariant()
    def books_balance(self):
        assert books_balanced()

    @invariant()
    def credit_used_equals_receivable(self):
        for line in CreditLine.objects.all():
            assert line.used_amount == balance(accounts.buyer_credit_receivable(line.user_id)), line.user_id

    @invariant()
    def no_negative_instalment(self):
        for field in ("principal_amount", "fee_amount", "penalty_amount", "paid_principal_amount",
                      "paid_fee_amount", "paid_penalty_amount"):
            assert not Installment.objects.filter(**{f"{field}__lt": 0}).exists(), field

    @invariant()
    def stock_consistent(self):
        self.listing.refresh_from_db()
        assert self.listing.stock >= 0
        assert self.listing.stock + self._units_out() == self.total_units

    @invariant()
    def refunds_within_paid(self):
        for order in Order.objects.filter(buyer__in=self.buyers).prefetch_related("refunds"):
            refunded = Refund.objects.filter(order=order).aggregate(s=Sum("amount"))["s"] or Decimal("0")
            paid = Payment.objects.filter(order=order, status="succeeded").aggregate(s=Sum("amount"))["s"]
            plan = InstallmentPlan.objects.filter(order=order).first()
            limit = order.total_amount if plan else (paid or Decimal("0"))
            assert refunded <= limit, (order.pk, refunded, limit)
            assert order.refunded_amount == refunded <= order.total_amount, order.pk
        for case in AfterSalesCase.objects.all():
            assert case.refunded_amount <= case.line.line_amount


def test_money_machine(db):
    run_state_machine_as_test(MoneyMachine, settings=settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, database=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))
    print(f"\nstate machine: {STATS}")
