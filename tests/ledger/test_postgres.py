"""PostgreSQL guarantees: the balance trigger at COMMIT, append-only rows, concurrent posts of one key."""
import threading
from concurrent.futures import ThreadPoolExecutor
from decimal import Decimal

import pytest
from django.core.management.color import no_style
from django.db import IntegrityError, connection, transaction

from ledger import accounts, services
from ledger.models import Entry, Transaction
from ledger.selectors import balance, books_balanced
from ledger.services import post

pytestmark = pytest.mark.postgres

D = Decimal
WAIT = 10  # seconds a thread may wait for another before the test fails instead of hanging


def _payment_legs():
    return [(accounts.provider_clearing(), D("88.00")), (accounts.escrow(), D("-88.00"))]


@pytest.mark.django_db(transaction=True)
def test_an_unbalanced_entry_is_refused_at_commit():
    txn = post(kind="order_payment", legs=_payment_legs(), idempotency_key="paid")
    shop = accounts.merchant_balance(17)

    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO ledger_entry (transaction_id, account_id, amount) VALUES (%s, %s, %s)",
                           [txn.pk, shop.pk, D("0.01")])
        # Deferred: the statement itself succeeded, only COMMIT (leaving this block) refuses it.
        assert Entry.objects.count() == 3

    assert Entry.objects.count() == 2
    assert balance(shop) == D("0.00")
    assert books_balanced() is True


@pytest.mark.django_db(transaction=True)
def test_a_new_transaction_with_one_raw_entry_is_refused_at_commit():
    escrow = accounts.escrow()

    with pytest.raises(IntegrityError, match="does not balance"), transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO ledger_transaction (kind, idempotency_key, memo, reference_type, created)"
                           " VALUES ('forged', 'forged', '', '', now()) RETURNING id")
            (txn_id,) = cursor.fetchone()
            cursor.execute("INSERT INTO ledger_entry (transaction_id, account_id, amount) VALUES (%s, %s, 100)",
                           [txn_id, escrow.pk])

    assert not Transaction.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_balanced_raw_entries_commit():
    """The trigger judges the finished transaction, not each row as it is inserted."""
    clearing, escrow = accounts.provider_clearing(), accounts.escrow()

    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("INSERT INTO ledger_transaction (kind, idempotency_key, memo, reference_type, created)"
                       " VALUES ('manual', 'manual', '', '', now()) RETURNING id")
        (txn_id,) = cursor.fetchone()
        for account, amount in [(clearing, 5), (escrow, -3), (escrow, -2)]:
            cursor.execute("INSERT INTO ledger_entry (transaction_id, account_id, amount) VALUES (%s, %s, %s)",
                           [txn_id, account.pk, amount])

    assert balance(escrow) == D("-5.00")


@pytest.mark.django_db
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE ledger_entry SET amount = -amount",
        "DELETE FROM ledger_entry",
        "UPDATE ledger_transaction SET memo = 'rewritten'",
        "DELETE FROM ledger_transaction",
    ],
    ids=["update-entry", "delete-entry", "update-transaction", "delete-transaction"],
)
def test_entries_and_transactions_are_append_only(sql):
    post(kind="order_payment", legs=_payment_legs(), idempotency_key="paid")

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)

    assert Transaction.objects.get().memo == ""
    assert balance(accounts.escrow()) == D("-88.00")


@pytest.mark.django_db(transaction=True)
def test_the_test_databases_flush_still_empties_the_books():
    """Flush uses TRUNCATE, which fires no row triggers; transactional tests depend on it."""
    post(kind="order_payment", legs=_payment_legs(), idempotency_key="paid")
    tables = [Entry._meta.db_table, Transaction._meta.db_table]

    with transaction.atomic(), connection.cursor() as cursor:
        for statement in connection.ops.sql_flush(no_style(), tables):
            cursor.execute(statement)

    assert not Entry.objects.exists()
    assert not Transaction.objects.exists()


def _in_thread(work):
    """Run ``work`` on the thread's own connection (``connection`` is per thread), closed whatever happens."""
    try:
        return work()
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_concurrent_posts_of_one_key_write_one_transaction():
    legs = _payment_legs()
    threads = 8
    start = threading.Barrier(threads, timeout=WAIT)

    def work():
        start.wait()
        return post(kind="order_payment", legs=legs, idempotency_key="order:1:payment", reference=("order", 1))

    with ThreadPoolExecutor(threads) as pool:
        results = [future.result(timeout=WAIT) for future in [pool.submit(_in_thread, work) for _ in range(threads)]]

    assert len({txn.pk for txn in results}) == 1
    assert Transaction.objects.count() == 1
    assert Entry.objects.count() == 2
    assert balance(accounts.escrow()) == D("-88.00")


@pytest.mark.django_db(transaction=True)
def test_a_post_blocked_on_the_key_returns_the_winner_once_it_commits(monkeypatch):
    """The second post's insert waits on the first's uncommitted key, writes nothing once it commits, replays it."""
    legs = _payment_legs()
    lookups, real_find = [], services._find
    monkeypatch.setattr(services, "_find", lambda key: lookups.append(key) or real_find(key))
    winner_inserted, winner_may_commit = threading.Event(), threading.Event()

    def winner():
        with transaction.atomic():
            txn = post(kind="order_payment", legs=legs, idempotency_key="order:1:payment")
            winner_inserted.set()
            assert winner_may_commit.wait(WAIT)
        return txn

    def loser():
        assert winner_inserted.wait(WAIT)
        return post(kind="order_payment", legs=legs, idempotency_key="order:1:payment")

    first, second = _second_waits_on_the_first(winner, loser, release=winner_may_commit)

    assert second.pk == first.pk
    assert lookups == ["order:1:payment"]  # only the loser looks, once its insert has written nothing
    assert Transaction.objects.count() == 1
    assert Entry.objects.count() == 2


@pytest.mark.django_db(transaction=True)
def test_a_post_blocked_on_the_key_writes_its_own_once_the_first_rolls_back():
    """The first posting of the key is undone with its caller's transaction: the waiting one is then the posting."""
    legs = _payment_legs()
    first_inserted, first_may_end = threading.Event(), threading.Event()

    def first():
        with pytest.raises(RuntimeError), transaction.atomic():
            post(kind="order_payment", legs=legs, idempotency_key="order:1:payment")
            first_inserted.set()
            assert first_may_end.wait(WAIT)
            raise RuntimeError("the order could not be saved")

    def second():
        assert first_inserted.wait(WAIT)
        return post(kind="order_payment", legs=legs, idempotency_key="order:1:payment")

    _undone, kept = _second_waits_on_the_first(first, second, release=first_may_end)

    assert Transaction.objects.get().pk == kept.pk
    assert Entry.objects.filter(transaction=kept).count() == 2
    assert balance(accounts.escrow()) == D("-88.00")


def _second_waits_on_the_first(first, second, *, release):
    """Run both on their own connections; once the second waits on a lock, let the first go on: both results."""
    with ThreadPoolExecutor(2) as pool:
        futures = pool.submit(_in_thread, first), pool.submit(_in_thread, second)
        _wait_for_a_lock_wait()
        release.set()
        return tuple(future.result(timeout=WAIT) for future in futures)


def _wait_for_a_lock_wait():
    """Return once some other session of this database waits on a lock (the loser, on the unique index)."""
    event = threading.Event()
    with connection.cursor() as cursor:
        for _ in range(WAIT * 100):
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                           " AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()")
            if cursor.fetchone()[0]:
                return
            event.wait(0.01)  # polling another process, not moving time
    raise AssertionError("the second post never waited on the first one's key")
