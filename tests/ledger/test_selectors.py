"""Reads: the transactions of a reference, an account's entries and its statement."""
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine

from ledger import accounts
from ledger.selectors import (
    account_entries,
    account_statement,
    accounts_for_holder,
    normal_balance,
    transactions_for_reference,
)
from ledger.services import post

pytestmark = pytest.mark.django_db

D = Decimal
BEIJING = ZoneInfo("Asia/Shanghai")


def test_transactions_for_reference_lists_an_orders_money_oldest_first(books, pay, release):
    payment = pay("100.00", order_id=42)
    pay("5.00", order_id=43)
    release_42 = release("100.00", commission="2.00", order_id=42)

    found = list(transactions_for_reference("order", 42))

    assert found == [payment, release_42]


def test_transactions_for_reference_prefetches_entries_and_accounts(pay, release, django_assert_num_queries):
    pay("100.00", order_id=42)
    release("100.00", commission="2.00", order_id=42)

    with django_assert_num_queries(3):  # transactions, their entries, the entries' accounts
        legs = [(e.account.code, e.amount) for t in transactions_for_reference("order", 42) for e in t.entries.all()]

    assert legs == [
        ("platform:provider_clearing", D("100.00")),
        ("platform:escrow", D("-100.00")),
        ("platform:escrow", D("100.00")),
        ("shop:17:balance", D("-98.00")),
        ("platform:commission_income", D("-2.00")),
    ]


def test_transactions_for_an_unknown_reference_are_none(pay):
    pay("1.00", order_id=1)

    assert list(transactions_for_reference("order", 2)) == []
    assert list(transactions_for_reference("case", 1)) == []


def test_account_entries_are_the_accounts_own_oldest_first(books, pay, release):
    pay("100.00", order_id=1)
    release("100.00", commission="2.00", order_id=1)
    pay("30.00", order_id=2)
    release("30.00", commission="0.60", order_id=2)

    assert [e.amount for e in account_entries(books.escrow)] == [D("-100.00"), D("100.00"), D("-30.00"), D("30.00")]
    assert [e.amount for e in account_entries(books.shop)] == [D("-98.00"), D("-29.40")]


def test_statement_runs_the_balance_in_the_holders_sign(books, pay, release):
    pay("100.00", order_id=1)
    release("100.00", commission="2.00", order_id=1)
    pay("30.00", order_id=2)
    release("30.00", commission="0.60", order_id=2)
    post(kind="merchant_payout", legs=[(books.shop, D("50.00")), (accounts.merchant_payout_clearing(), D("-50.00"))],
         idempotency_key="payout:1")

    rows = [(e.amount, e.running_balance) for e in account_statement(books.shop)]

    assert rows == [(D("-98.00"), D("98.00")), (D("-29.40"), D("127.40")), (D("50.00"), D("77.40"))]
    assert rows[-1][1] == normal_balance(books.shop)


def test_statement_of_a_period_starts_from_the_opening_balance(books, pay, release):
    def on(day):
        return datetime(2026, 3, day, 12, tzinfo=BEIJING)

    with time_machine.travel(on(1), tick=False):
        pay("100.00", order_id=1)
        release("100.00", commission="2.00", order_id=1)
    with time_machine.travel(on(10), tick=False):
        pay("30.00", order_id=2)
        release("30.00", commission="0.60", order_id=2)
    with time_machine.travel(on(20), tick=False):
        pay("10.00", order_id=3)
        release("10.00", commission="0.20", order_id=3)

    rows = [(e.amount, e.running_balance) for e in account_statement(books.shop, since=on(5), until=on(15))]

    assert rows == [(D("-29.40"), D("127.40"))]
    assert [e.running_balance for e in account_statement(books.shop, since=on(5))] == [D("127.40"), D("137.20")]
    assert [e.running_balance for e in account_statement(books.escrow, until=on(5))] == [D("100.00"), D("0.00")]


def test_accounts_for_holder_finds_a_shops_accounts(db):
    balance, deposit = accounts.merchant_balance(17), accounts.merchant_deposit(17)
    accounts.merchant_balance(18)
    accounts.buyer_payable(17)

    assert set(accounts_for_holder("shop", 17)) == {balance, deposit}
