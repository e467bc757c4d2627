"""Writes to the books: ``post`` is the only way a transaction or an entry is created."""
import functools
from collections.abc import Iterable
from decimal import Decimal

from django.db import connection
from django.db import transaction as db

from core.errors import DomainError
from core.money import CENT, MAX_AMOUNT
from ledger import errors
from ledger.models import Account, Entry, Transaction

Leg = tuple[Account, Decimal]

_KIND_MAX = Transaction._meta.get_field("kind").max_length
_KEY_MAX = Transaction._meta.get_field("idempotency_key").max_length
_MEMO_MAX = Transaction._meta.get_field("memo").max_length
_REFERENCE_TYPE_MAX = Transaction._meta.get_field("reference_type").max_length


def post(*, kind: str, legs: Iterable[Leg], idempotency_key: str, memo: str = "",
         reference: tuple[str, int] | None = None) -> Transaction:
    """Record one balanced movement of money and return its Transaction.

    ``legs`` are ``(account, amount)`` pairs, debit positive and credit negative,
    summing to zero. Posting the same ``idempotency_key`` again with the same kind,
    reference and legs (in any order) writes nothing and returns the first
    transaction; with anything else it raises ``idempotency_conflict``. The memo is
    a note for people and is not compared.
    """
    checked = _check_legs(legs)
    _check_text(kind, "kind", _KIND_MAX)
    _check_text(idempotency_key, "idempotency_key", _KEY_MAX)
    _check_text(memo, "memo", _MEMO_MAX, required=False)
    reference = _check_reference(reference)

    # One statement decides the key: INSERT … ON CONFLICT DO NOTHING writes the transaction, or — the key
    # already posted, or posted by a concurrent transaction this one waited for — writes nothing and the
    # first posting answers. No read before a new posting, no savepoint, no error for a replay.
    with db.atomic(savepoint=False):  # a transaction of its own when the caller has none
        txn = _insert_once(Transaction(kind=kind, idempotency_key=idempotency_key, memo=memo,
                                       reference_type=reference[0] if reference else "",
                                       reference_id=reference[1] if reference else None))
        if txn is not None:
            Entry.objects.bulk_create(Entry(transaction=txn, account=account, amount=amount)
                                      for account, amount in checked)
    if txn is None:
        existing = _find(idempotency_key)
        if existing is None:  # the key's row is invisible to this transaction's snapshot: never under READ COMMITTED
            raise DomainError(errors.IDEMPOTENCY_CONFLICT,
                              f"idempotency key {idempotency_key!r} is being posted by another transaction")
        return _replay(existing, kind=kind, legs=checked, reference=reference)
    return txn


def post_reversal(original: Transaction, *, idempotency_key: str, kind: str = "reversal",
                  memo: str = "") -> Transaction:
    """Undo ``original`` with its mirror image; the books are append-only, so this is how a mistake is fixed."""
    legs = [(entry.account, -entry.amount) for entry in original.entries.select_related("account")]
    return post(kind=kind, legs=legs, idempotency_key=idempotency_key,
                memo=memo or f"Reversal of #{original.pk}", reference=original.reference)


def accounts_lock(accounts: Iterable[Account]) -> list[Account]:
    """Lock the accounts' rows, in pk order so two callers never deadlock; call inside ``atomic``.

    Balances are derived, so ``post`` needs no lock. A caller that checks a balance
    before moving money out of it (a payout, a deposit deduction) locks first.
    """
    ids = sorted({account.pk for account in accounts})
    return list(Account.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


@functools.cache
def _insert_once_statement() -> tuple[list, str]:
    """The columns of a Transaction row and the statement inserting one unless its key is taken."""
    meta, quote = Transaction._meta, connection.ops.quote_name
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    columns = ", ".join(quote(field.column) for field in fields)
    key, pk = quote(meta.get_field("idempotency_key").column), quote(meta.pk.column)
    # Names from the model's _meta, every value a parameter (hence the noqa: S608).
    sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({', '.join(['%s'] * len(fields))}) "  # noqa: S608
           f"ON CONFLICT ({key}) DO NOTHING RETURNING {pk}")
    return fields, sql


def _insert_once(txn: Transaction) -> Transaction | None:
    """Insert ``txn`` unless its idempotency key is taken: ``txn`` saved, or None (nothing written).

    Written out because the ORM has no INSERT … ON CONFLICT DO NOTHING that returns the new key
    (PostgreSQL, and SQLite from 3.35). Columns and values come from the model, values as parameters.
    """
    fields, sql = _insert_once_statement()
    values = [field.get_db_prep_save(field.pre_save(txn, add=True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        row = cursor.fetchone()
    if row is None:
        return None
    txn.pk = row[0]
    txn._state.adding, txn._state.db = False, connection.alias
    return txn


def _find(idempotency_key: str) -> Transaction | None:
    try:
        return Transaction.objects.prefetch_related("entries").get(idempotency_key=idempotency_key)
    except Transaction.DoesNotExist:
        return None


def _replay(existing: Transaction, *, kind: str, legs: list[Leg], reference) -> Transaction:
    stored = sorted((entry.account_id, entry.amount) for entry in existing.entries.all())
    wanted = sorted((account.pk, amount) for account, amount in legs)
    if existing.kind != kind or existing.reference != reference or stored != wanted:
        raise DomainError(errors.IDEMPOTENCY_CONFLICT,
                          f"idempotency key {existing.idempotency_key!r} was already posted with other legs",
                          transaction_id=existing.pk)
    return existing


def _check_legs(legs) -> list[Leg]:
    if isinstance(legs, (str, bytes)) or not isinstance(legs, Iterable):
        raise DomainError(errors.INVALID_LEG, "legs must be a list of (account, amount) pairs")
    legs = list(legs)
    if len(legs) < 2:
        raise DomainError(errors.TOO_FEW_LEGS, f"a transaction needs at least two legs, got {len(legs)}")
    checked = []
    for index, leg in enumerate(legs):
        try:
            account, amount = leg
        except (TypeError, ValueError):
            raise DomainError(errors.INVALID_LEG, f"leg {index} is not an (account, amount) pair", leg=index)
        if not isinstance(account, Account) or account.pk is None:
            raise DomainError(errors.INVALID_LEG, f"leg {index} has no saved account", leg=index)
        checked.append((account, _check_amount(amount, index)))
    total = sum(amount for _, amount in checked)
    if total != 0:
        raise DomainError(errors.UNBALANCED_TRANSACTION, f"legs sum to {total}, not 0", imbalance=str(total))
    return checked


def _check_amount(value, index: int) -> Decimal:
    # Only Decimal and int: a float cannot carry cents exactly, and a string here
    # would mean some caller skipped parsing its input. bool is an int, refuse it too.
    if isinstance(value, bool) or not isinstance(value, (Decimal, int)):
        raise DomainError(errors.INVALID_AMOUNT, f"leg {index}: amount must be a Decimal, not {type(value).__name__}",
                          leg=index)
    amount = Decimal(value)
    if not amount.is_finite() or abs(amount) > MAX_AMOUNT:
        raise DomainError(errors.INVALID_AMOUNT, f"leg {index}: {amount} is out of range", leg=index)
    if amount != amount.quantize(CENT):
        raise DomainError(errors.INVALID_AMOUNT, f"leg {index}: {amount} is not a whole number of cents", leg=index)
    if amount == 0:
        raise DomainError(errors.INVALID_AMOUNT, f"leg {index}: amount is zero", leg=index)
    return amount.quantize(CENT)


def _check_text(value, name: str, max_length: int, *, required: bool = True) -> None:
    if not isinstance(value, str) or (required and not value.strip()) or len(value) > max_length:
        raise DomainError(errors.INVALID_POSTING, f"{name} must be a string of 1 to {max_length} characters"
                          if required else f"{name} must be a string of at most {max_length} characters")


def _check_reference(reference) -> tuple[str, int] | None:
    if reference is None:
        return None
    try:
        reference_type, reference_id = reference
    except (TypeError, ValueError):
        raise DomainError(errors.INVALID_POSTING, "reference must be a (type, id) pair")
    _check_text(reference_type, "reference type", _REFERENCE_TYPE_MAX)
    if isinstance(reference_id, bool) or not isinstance(reference_id, int):
        raise DomainError(errors.INVALID_POSTING, "reference id must be an integer")
    return reference_type, reference_id
