"""Balances derived from entries, and the books balancing as a whole."""
from contextlib import contextmanager
from decimal import Decimal

import pytest
from django.db import transaction

from ledger import accounts
from ledger.models import Entry, Transaction
from ledger.selectors import accounts_with_balances, balance, balances, books_balanced, normal_balance
from ledger.services import post

pytestmark = pytest.mark.django_db

D = Decimal


def test_an_account_without_entries_has_a_zero_balance(books):
    assert balance(books.shop) == D("0.00")
    assert normal_balance(books.shop) == D("0.00")


def test_payment_then_release_moves_money_from_escrow_to_the_merchant(books, pay, release):
    pay("100.00")
    release("100.00", commission="2.00")

    assert balance(books.clearing) == D("100.00")
    assert balance(books.escrow) == D("0.00")
    assert balance(books.shop) == D("-98.00")
    assert balance(books.commission) == D("-2.00")
    # The merchant and the platform's income read positive in their normal sign.
    assert normal_balance(books.shop) == D("98.00")
    assert normal_balance(books.commission) == D("2.00")
    assert normal_balance(books.clearing) == D("100.00")


def test_escrow_holds_what_was_paid_and_not_yet_released(books, pay, release):
    pay("100.00", order_id=1)
    pay("59.90", order_id=2)
    release("100.00", commission="2.00", order_id=1)

    assert normal_balance(books.escrow) == D("59.90")


@pytest.mark.parametrize(
    "getter, expected",
    [
        (accounts.platform_cash, D("-25.00")),  # asset: debit positive, so money out reads negative
        (accounts.platform_compensation_expense, D("25.00")),
    ],
    ids=["asset", "expense"],
)
def test_debit_normal_accounts_keep_their_sign(db, getter, expected):
    post(kind="compensation", legs=[(accounts.platform_compensation_expense(), D("25.00")),
                                    (accounts.platform_cash(), D("-25.00"))], idempotency_key="c")

    assert normal_balance(getter()) == expected


def test_balances_of_many_accounts_take_one_query(books, pay, release, django_assert_num_queries):
    pay("100.00")
    release("100.00", commission="2.00")
    wanted = [books.clearing, books.escrow, books.shop, books.commission, books.other_shop]

    with django_assert_num_queries(1):
        plain = balances(wanted)

    assert plain == {
        books.clearing: D("100.00"),
        books.escrow: D("0.00"),
        books.shop: D("-98.00"),
        books.commission: D("-2.00"),
        books.other_shop: D("0.00"),
    }
    assert balances(wanted, normal=True)[books.shop] == D("98.00")
    assert balances([]) == {}


def test_balances_agree_with_balance(books, pay, release):
    pay("10.01")
    pay("20.02", order_id=2)
    release("20.02", commission="0.40", order_id=2)
    every = [books.clearing, books.escrow, books.shop, books.commission]

    assert balances(every) == {account: balance(account) for account in every}
    assert balances(every, normal=True) == {account: normal_balance(account) for account in every}


def test_accounts_with_balances_annotates_in_one_query(books, pay, release, django_assert_num_queries):
    pay("100.00")
    release("100.00", commission="2.00")

    with django_assert_num_queries(1):
        rows = {a.code: (a.balance_amount, a.normal_balance_amount) for a in accounts_with_balances()}

    assert rows == {
        "platform:provider_clearing": (D("100.00"), D("100.00")),
        "platform:escrow": (D("0.00"), D("0.00")),
        "platform:commission_income": (D("-2.00"), D("2.00")),
        "shop:17:balance": (D("-98.00"), D("98.00")),
        "shop:18:balance": (D("0.00"), D("0.00")),
        "user:5:payable": (D("0.00"), D("0.00")),
    }


def test_cents_stay_exact_where_binary_floats_would_not(books):
    # 0.1 + 0.2 - 0.3 is not 0 in binary floating point, which is how SQLite stores decimals.
    for n in range(30):
        post(kind="p", legs=[(books.clearing, D("0.10")), (books.shop, D("0.20")), (books.escrow, D("-0.30"))],
             idempotency_key=f"k{n}")

    assert balance(books.clearing) == D("3.00")
    assert balance(books.escrow) == D("-9.00")
    assert books_balanced() is True


def test_empty_books_are_balanced(db):
    assert books_balanced() is True


def test_books_balance_after_posts_in_at_most_two_queries(pay, release, django_assert_max_num_queries):
    pay("100.00")
    release("100.00", commission="2.00")

    with django_assert_max_num_queries(2):
        assert books_balanced() is True


@contextmanager
def _rolled_back():
    """Corrupt the books inside a savepoint and roll it back.

    On PostgreSQL the test case checks deferred constraints before its own
    rollback, and the balance trigger would (rightly) fail the test.
    """
    with transaction.atomic():
        yield
        transaction.set_rollback(True)


def test_books_do_not_balance_when_an_entry_bypassed_post(books, pay):
    """Simulates corruption (or a bug writing entries directly): books_balanced must notice."""
    txn = pay("100.00")

    with _rolled_back():
        Entry.objects.create(transaction=txn, account=books.shop, amount=D("0.01"))

        assert books_balanced() is False


def test_books_do_not_balance_when_one_transaction_is_off_even_if_the_total_is_zero(books, pay):
    first, second = pay("1.00", order_id=1), pay("2.00", order_id=2)

    with _rolled_back():
        Entry.objects.create(transaction=first, account=books.shop, amount=D("5.00"))
        Entry.objects.create(transaction=second, account=books.shop, amount=D("-5.00"))

        assert sum(Entry.objects.values_list("amount", flat=True)) == D("0.00")
        assert books_balanced() is False
        assert Transaction.objects.count() == 2
