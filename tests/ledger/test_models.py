"""Model-level guarantees: what the database itself refuses, and how rows read."""
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from ledger import accounts
from ledger.models import Account, Entry, Transaction

pytestmark = pytest.mark.django_db

K = Account.Kind


def test_str_of_each_model(books, pay):
    txn = pay("12.30", order_id=9, key="order:9:payment")
    debit, credit = txn.entries.order_by("id")

    assert str(books.shop) == "shop:17:balance — Balance of shop 17"
    assert str(txn) == f"#{txn.pk} order_payment [order:9:payment]"
    assert str(debit) == "Dr 12.30 platform:provider_clearing"
    assert str(credit) == "Cr 12.30 platform:escrow"
    assert (debit.debit, debit.credit, credit.debit, credit.credit) == (Decimal("12.30"), None, None, Decimal("12.30"))


@pytest.mark.parametrize(
    "kind, credit_normal",
    [(K.ASSET, False), (K.EXPENSE, False), (K.LIABILITY, True), (K.INCOME, True), (K.EQUITY, True)],
    ids=str,
)
def test_credit_normal_kinds(kind, credit_normal):
    assert Account(kind=kind).is_credit_normal is credit_normal


def test_database_refuses_a_zero_entry(pay, books):
    txn = pay("1.00")

    with pytest.raises(IntegrityError), transaction.atomic():
        Entry.objects.create(transaction=txn, account=books.shop, amount=Decimal("0.00"))


def test_database_refuses_a_second_transaction_with_the_same_key(db):
    Transaction.objects.create(kind="p", idempotency_key="k")

    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(kind="p", idempotency_key="k")


@pytest.mark.parametrize(
    "fields",
    [
        {"reference_type": "order", "reference_id": None},
        {"reference_type": "", "reference_id": 1},
    ],
    ids=["type-without-id", "id-without-type"],
)
def test_database_refuses_half_a_reference(db, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Transaction.objects.create(kind="p", idempotency_key="k", **fields)


@pytest.mark.parametrize(
    "fields",
    [
        {"holder_type": "shop", "holder_id": None},
        {"holder_type": "", "holder_id": 3},
        {"holder_type": "bank", "holder_id": 3},
        {"kind": "revenue"},
    ],
    ids=["shop-without-id", "id-without-holder", "unknown-holder-type", "unknown-kind"],
)
def test_database_refuses_inconsistent_accounts(db, fields):
    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(**{"code": "x", "name": "x", "kind": K.ASSET, **fields})


def test_database_refuses_a_duplicate_account_code(db):
    accounts.escrow()

    with pytest.raises(IntegrityError), transaction.atomic():
        Account.objects.create(code="platform:escrow", name="again", kind=K.LIABILITY)
