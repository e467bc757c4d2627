"""Reads from the books: balances derived from entries, statements, transactions of a reference."""
from collections.abc import Iterable
from datetime import datetime
from decimal import Decimal

from django.db.models import (
    Case,
    DecimalField,
    ExpressionWrapper,
    F,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
    When,
    Window,
)
from django.db.models.functions import Coalesce

from core.money import CENT, ZERO
from ledger.models import Account, Entry, Transaction

# Entries are whole cents, so a non-zero sum is at least 0.01 in size. SQLite keeps
# decimals as binary floats and its SUM can come back as 1e-17 instead of 0;
# comparing against half a cent gives the exact answer on both databases.
_HALF_CENT = Decimal("0.005")
_AMOUNT = DecimalField(max_digits=14, decimal_places=2)


def balance(account: Account) -> Decimal:
    """Sum of the account's entries, debit positive."""
    total = Entry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"]
    return _cents(total)


def normal_balance(account: Account) -> Decimal:
    """The balance as its holder reads it: positive when a liability, income or equity account is in credit."""
    amount = balance(account)
    return -amount if account.is_credit_normal else amount


def balances(accounts: Iterable[Account], *, normal: bool = False) -> dict[Account, Decimal]:
    """Balances of many accounts in one query; accounts without entries map to 0.00."""
    accounts = list(accounts)
    totals = dict(
        Entry.objects.filter(account__in=[account.pk for account in accounts])
        .order_by()
        .values("account")
        .annotate(total=Sum("amount"))
        .values_list("account", "total")
    )
    result = {}
    for account in accounts:
        amount = _cents(totals.get(account.pk))
        result[account] = -amount if normal and account.is_credit_normal else amount
    return result


def books_balanced() -> bool:
    """True when all entries sum to zero and so does every transaction's."""
    total = Entry.objects.aggregate(total=Sum("amount"))["total"] or ZERO
    if abs(total) >= _HALF_CENT:
        return False
    unbalanced = (
        Entry.objects.order_by()
        .values("transaction")
        .annotate(total=Sum("amount"))
        .filter(Q(total__gte=_HALF_CENT) | Q(total__lte=-_HALF_CENT))
    )
    return not unbalanced.exists()


def accounts_with_balances(queryset: QuerySet[Account] | None = None) -> QuerySet[Account]:
    """Accounts annotated with ``balance_amount`` (debit positive) and ``normal_balance_amount``, in one query."""
    queryset = Account.objects.all() if queryset is None else queryset
    summed = (
        Entry.objects.filter(account=OuterRef("pk"))
        .order_by()
        .values("account")
        .annotate(total=Sum("amount"))
        .values("total")
    )
    return queryset.annotate(
        balance_amount=Coalesce(Subquery(summed, output_field=_AMOUNT), Value(ZERO), output_field=_AMOUNT),
    ).annotate(
        normal_balance_amount=Case(
            When(kind__in=Account.CREDIT_NORMAL_KINDS, then=-F("balance_amount")),
            default=F("balance_amount"),
            output_field=_AMOUNT,
        )
    )


def accounts_for_holder(holder_type: str, holder_id: int) -> QuerySet[Account]:
    return Account.objects.filter(holder_type=holder_type, holder_id=holder_id)


def transactions_for_reference(reference_type: str, reference_id: int) -> QuerySet[Transaction]:
    """Every ledger transaction of, say, an order, oldest first, with entries and their accounts."""
    return (
        Transaction.objects.filter(reference_type=reference_type, reference_id=reference_id)
        .order_by("id")
        .prefetch_related("entries__account")
    )


def account_entries(account: Account) -> QuerySet[Entry]:
    """The account's entries, oldest first, with their transactions."""
    return Entry.objects.filter(account=account).select_related("transaction").order_by("id")


def account_statement(account: Account, *, since: datetime | None = None,
                      until: datetime | None = None) -> QuerySet[Entry]:
    """Entries of a period annotated with ``running_balance`` in the account's normal sign.

    The running balance starts from the balance before ``since`` (one extra query),
    so a statement of March ends on the same figure as ``normal_balance`` did then.
    """
    sign = -1 if account.is_credit_normal else 1
    entries = account_entries(account)
    opening = ZERO
    if since is not None:
        before = Entry.objects.filter(account=account, transaction__created__lt=since)
        opening = _cents(before.aggregate(total=Sum("amount"))["total"]) * sign
        entries = entries.filter(transaction__created__gte=since)
    if until is not None:
        entries = entries.filter(transaction__created__lt=until)
    running = Window(Sum("amount"), order_by=F("id").asc(), output_field=_AMOUNT)
    return entries.annotate(
        running_balance=ExpressionWrapper(Value(opening) + Value(sign) * running, output_field=_AMOUNT),
    )


def _cents(total) -> Decimal:
    # Quantised so that SQLite's float sums come back as the exact cents they stand for.
    return ZERO if total is None else Decimal(total).quantize(CENT)
