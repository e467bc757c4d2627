"""post(): balanced, validated, idempotent; the only writer of the books."""
from decimal import Decimal

import pytest
from django.db import transaction

from core.errors import DomainError
from ledger import errors
from ledger.models import Account, Entry, Transaction
from ledger.selectors import balance
from ledger.services import accounts_lock, post, post_reversal

pytestmark = pytest.mark.django_db

D = Decimal


def _nothing_written():
    return Transaction.objects.count() == 0 and Entry.objects.count() == 0


def _entries(txn):
    return sorted((entry.account.code, entry.amount) for entry in txn.entries.select_related("account"))


def test_post_balanced_two_legs_writes_one_transaction(books):
    txn = post(kind="order_payment", legs=[(books.clearing, D("100.00")), (books.escrow, D("-100.00"))],
               idempotency_key="order:1:payment", memo="Order 1 paid", reference=("order", 1))

    assert Transaction.objects.get() == txn
    assert (txn.kind, txn.idempotency_key, txn.memo, txn.reference) == (
        "order_payment", "order:1:payment", "Order 1 paid", ("order", 1))
    assert _entries(txn) == [("platform:escrow", D("-100.00")), ("platform:provider_clearing", D("100.00"))]


def test_post_many_legs_and_whole_number_amounts(books):
    txn = post(kind="escrow_release",
               legs=((books.escrow, 100), (books.shop, D("-98.00")), (books.commission, D("-2"))),
               idempotency_key="order:1:release")

    assert _entries(txn) == [
        ("platform:commission_income", D("-2.00")),
        ("platform:escrow", D("100.00")),
        ("shop:17:balance", D("-98.00")),
    ]
    assert txn.reference is None
    assert (txn.reference_type, txn.reference_id) == ("", None)


def test_post_accepts_a_generator_of_legs(books):
    amounts = {books.clearing: D("1.50"), books.escrow: D("-1.50")}

    txn = post(kind="order_payment", legs=((account, amount) for account, amount in amounts.items()),
               idempotency_key="gen")

    assert txn.entries.count() == 2


def test_post_query_count_is_fixed(books, django_assert_num_queries):
    legs = [(books.escrow, D("10.00")), (books.shop, D("-9.80")), (books.commission, D("-0.20"))]

    # the transaction, unless its key is taken / all its entries at once: no read, no savepoint
    with django_assert_num_queries(2):
        post(kind="escrow_release", legs=legs, idempotency_key="q")


@pytest.mark.parametrize(
    "make_legs, code",
    [
        (lambda b: [], errors.TOO_FEW_LEGS),
        (lambda b: [(b.escrow, D("5.00"))], errors.TOO_FEW_LEGS),
        (lambda b: [(b.clearing, D("0")), (b.escrow, D("0.00"))], errors.INVALID_AMOUNT),
        (lambda b: [(b.clearing, D("5")), (b.shop, D("0")), (b.escrow, D("-5"))], errors.INVALID_AMOUNT),
        (lambda b: [(b.clearing, 1.5), (b.escrow, D("-1.50"))], errors.INVALID_AMOUNT),
        (lambda b: [(b.clearing, D("1.005")), (b.escrow, D("-1.005"))], errors.INVALID_AMOUNT),
        (lambda b: [(b.clearing, "1.00"), (b.escrow, D("-1.00"))], errors.INVALID_AMOUNT),
        (lambda b: [(b.clearing, True), (b.escrow, -1)], errors.INVALID_AMOUNT),
        (lambda b: [(b.clearing, D("NaN")), (b.escrow, D("1"))], errors.INVALID_AMOUNT),
        (lambda b: [(b.clearing, D("Infinity")), (b.escrow, D("-Infinity"))], errors.INVALID_AMOUNT),
        (lambda b: [(b.clearing, D("1000000000000.00")), (b.escrow, D("-1000000000000.00"))], errors.INVALID_AMOUNT),
        (lambda b: [(b.clearing, D("10.00")), (b.escrow, D("-9.99"))], errors.UNBALANCED_TRANSACTION),
        (lambda b: [(b.clearing, D("10.00")), (b.escrow, D("-10.00")), (b.shop, D("0.01"))],
         errors.UNBALANCED_TRANSACTION),
        (lambda b: [(b.clearing, D("1.00")), (b.clearing, D("1.00"))], errors.UNBALANCED_TRANSACTION),
        (lambda b: [(b.clearing, D("1.00")), "escrow"], errors.INVALID_LEG),
        (lambda b: [(b.clearing, D("1.00")), (b.escrow, D("-1.00"), "memo")], errors.INVALID_LEG),
        (lambda b: [(b.clearing.pk, D("1.00")), (b.escrow, D("-1.00"))], errors.INVALID_LEG),
        (lambda b: [(Account(code="x", kind="asset"), D("1.00")), (b.escrow, D("-1.00"))], errors.INVALID_LEG),
        (lambda b: "not legs", errors.INVALID_LEG),
        (lambda b: None, errors.INVALID_LEG),
    ],
    ids=["no-legs", "one-leg", "zero-legs", "one-zero-leg", "float", "three-decimals", "string", "bool", "nan",
         "infinity", "over-max", "unbalanced", "unbalanced-by-a-cent", "same-side-twice", "leg-not-a-pair",
         "leg-of-three", "account-id-not-account", "unsaved-account", "legs-a-string", "legs-none"],
)
def test_post_refuses_bad_legs_and_writes_nothing(books, make_legs, code):
    with pytest.raises(DomainError) as raised:
        post(kind="order_payment", legs=make_legs(books), idempotency_key="bad")

    assert raised.value.code == code
    assert _nothing_written()


def test_unbalanced_error_says_by_how_much(books):
    with pytest.raises(DomainError) as raised:
        post(kind="x", legs=[(books.clearing, D("10.00")), (books.escrow, D("-9.99"))], idempotency_key="k")

    assert raised.value.extra == {"imbalance": "0.01"}
    assert raised.value.status == 500


@pytest.mark.parametrize(
    "overrides",
    [
        {"kind": ""},
        {"kind": "   "},
        {"kind": "k" * 65},
        {"kind": None},
        {"idempotency_key": ""},
        {"idempotency_key": "k" * 256},
        {"idempotency_key": 42},
        {"memo": "m" * 256},
        {"memo": None},
        {"reference": ("order",)},
        {"reference": "order:1"},
        {"reference": ("order", "1")},
        {"reference": ("order", True)},
        {"reference": ("", 1)},
        {"reference": ("o" * 33, 1)},
    ],
    ids=["kind-empty", "kind-blank", "kind-too-long", "kind-none", "key-empty", "key-too-long", "key-int",
         "memo-too-long", "memo-none", "reference-one-item", "reference-string", "reference-id-string",
         "reference-id-bool", "reference-type-empty", "reference-type-too-long"],
)
def test_post_refuses_malformed_postings(books, overrides):
    arguments = {"kind": "order_payment", "legs": [(books.clearing, D("1.00")), (books.escrow, D("-1.00"))],
                 "idempotency_key": "k", "memo": "", "reference": None, **overrides}

    with pytest.raises(DomainError) as raised:
        post(**arguments)

    assert raised.value.code == errors.INVALID_POSTING
    assert _nothing_written()


def test_post_accepts_the_longest_allowed_texts(books):
    txn = post(kind="k" * 64, legs=[(books.clearing, D("1.00")), (books.escrow, D("-1.00"))],
               idempotency_key="i" * 255, memo="m" * 255, reference=("r" * 32, 2**62))

    txn.refresh_from_db()
    assert (len(txn.kind), len(txn.idempotency_key), len(txn.memo), txn.reference_id) == (64, 255, 255, 2**62)


def test_replay_with_the_same_key_and_legs_returns_the_first_transaction(books):
    legs = [(books.clearing, D("30.00")), (books.escrow, D("-30.00"))]
    first = post(kind="order_payment", legs=legs, idempotency_key="order:7:payment", reference=("order", 7))

    again = post(kind="order_payment", legs=list(reversed(legs)), idempotency_key="order:7:payment",
                 memo="a retry, with a different note", reference=("order", 7))

    assert again.pk == first.pk
    assert again.memo == ""
    assert Transaction.objects.count() == 1
    assert Entry.objects.count() == 2
    assert balance(books.clearing) == D("30.00")


def test_replay_treats_equal_amounts_as_equal(books):
    first = post(kind="p", legs=[(books.clearing, D("5.00")), (books.escrow, D("-5.00"))], idempotency_key="k")

    again = post(kind="p", legs=[(books.clearing, 5), (books.escrow, D("-5"))], idempotency_key="k")

    assert again.pk == first.pk


def test_replay_does_not_query_more_than_a_lookup(books, django_assert_num_queries):
    legs = [(books.clearing, D("5.00")), (books.escrow, D("-5.00"))]
    post(kind="p", legs=legs, idempotency_key="k")

    with django_assert_num_queries(3):  # the insert the key turns into nothing, the transaction, its entries
        post(kind="p", legs=legs, idempotency_key="k")


@pytest.mark.parametrize(
    "make_changes",
    [
        lambda b: {"legs": [(b.clearing, D("30.01")), (b.escrow, D("-30.01"))]},
        lambda b: {"legs": [(b.clearing, D("30.00")), (b.shop, D("-30.00"))]},
        lambda b: {"legs": [(b.clearing, D("30.00")), (b.escrow, D("-20.00")), (b.shop, D("-10.00"))]},
        lambda b: {"legs": [(b.clearing, D("-30.00")), (b.escrow, D("30.00"))]},
        lambda b: {"kind": "refund"},
        lambda b: {"reference": ("order", 8)},
        lambda b: {"reference": ("case", 7)},
        lambda b: {"reference": None},
    ],
    ids=["other-amount", "other-account", "extra-leg", "sides-swapped", "other-kind", "other-reference-id",
         "other-reference-type", "no-reference"],
)
def test_same_key_with_a_different_posting_is_a_conflict(books, make_changes):
    original = {"kind": "order_payment", "legs": [(books.clearing, D("30.00")), (books.escrow, D("-30.00"))],
                "idempotency_key": "order:7:payment", "reference": ("order", 7)}
    first = post(**original)

    with pytest.raises(DomainError) as raised:
        post(**{**original, **make_changes(books)})

    assert raised.value.code == errors.IDEMPOTENCY_CONFLICT
    assert raised.value.status == 409
    assert raised.value.extra == {"transaction_id": first.pk}
    assert Transaction.objects.count() == 1
    assert Entry.objects.count() == 2


def test_a_replay_inside_the_callers_transaction_leaves_it_usable(books):
    """A key already posted writes nothing and raises nothing: the caller's transaction goes on."""
    legs = [(books.clearing, D("12.34")), (books.escrow, D("-12.34"))]
    first = post(kind="order_payment", legs=legs, idempotency_key="again")

    with transaction.atomic():
        again = post(kind="order_payment", legs=legs, idempotency_key="again")
        assert Transaction.objects.count() == 1  # still usable

    assert again.pk == first.pk
    assert Entry.objects.count() == 2


def test_a_conflict_inside_the_callers_transaction_leaves_it_usable(books):
    post(kind="order_payment", legs=[(books.clearing, D("1.00")), (books.escrow, D("-1.00"))], idempotency_key="k")

    with transaction.atomic():
        with pytest.raises(DomainError) as raised:
            post(kind="order_payment", legs=[(books.clearing, D("2.00")), (books.escrow, D("-2.00"))],
                 idempotency_key="k")
        assert Transaction.objects.count() == 1  # still usable

    assert raised.value.code == errors.IDEMPOTENCY_CONFLICT
    assert Entry.objects.count() == 2


def test_post_rolls_back_with_the_caller(books):
    with pytest.raises(RuntimeError), transaction.atomic():
        post(kind="p", legs=[(books.clearing, D("1.00")), (books.escrow, D("-1.00"))], idempotency_key="k")
        raise RuntimeError("the order could not be saved")

    assert _nothing_written()


def test_reversal_mirrors_the_original_and_keeps_its_reference(books, pay):
    original = pay("45.60", order_id=3)

    reversal = post_reversal(original, idempotency_key="order:3:payment:reversal")

    assert reversal.kind == "reversal"
    assert reversal.reference == ("order", 3)
    assert reversal.memo == f"Reversal of #{original.pk}"
    assert _entries(reversal) == [("platform:escrow", D("45.60")), ("platform:provider_clearing", D("-45.60"))]
    assert balance(books.clearing) == D("0.00")
    assert balance(books.escrow) == D("0.00")


def test_reversal_is_idempotent(pay):
    original = pay("10.00")

    first = post_reversal(original, idempotency_key="rev", kind="payment_void", memo="voided")
    again = post_reversal(original, idempotency_key="rev", kind="payment_void", memo="voided")

    assert again.pk == first.pk
    assert Transaction.objects.count() == 2


def test_accounts_lock_returns_each_account_once_in_pk_order(books):
    with transaction.atomic():
        locked = accounts_lock([books.shop, books.escrow, books.shop, books.clearing])

    assert [account.pk for account in locked] == sorted({books.shop.pk, books.escrow.pk, books.clearing.pk})
