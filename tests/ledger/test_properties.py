"""Property: whatever balanced posts (and replays) happen, the books balance and balances equal their entries."""
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ledger.models import Account, Entry, Transaction
from ledger.selectors import balance, balances, books_balanced, normal_balance
from ledger.services import post

pytestmark = pytest.mark.django_db

CENTS = Decimal("0.01")
# Nonzero amounts up to a million yuan, in cents.
amounts = st.integers(min_value=-100_000_000, max_value=100_000_000).filter(bool).map(lambda c: Decimal(c) * CENTS)


@st.composite
def postings(draw, n_accounts):
    """Legs over random accounts that sum to zero: the last leg balances the others."""
    drawn = draw(st.lists(st.tuples(st.integers(0, n_accounts - 1), amounts), min_size=1, max_size=5))
    rest = -sum(amount for _, amount in drawn)
    if rest != 0:
        drawn.append((draw(st.integers(0, n_accounts - 1)), rest))
    # Otherwise the drawn legs already balance, and being nonzero there are at least two.
    return drawn


@st.composite
def scenarios(draw):
    kinds = draw(st.lists(st.sampled_from(Account.Kind.values), min_size=2, max_size=6))
    steps = []
    for _ in range(draw(st.integers(1, 12))):
        # Now and then, replay an earlier post under its key: it must change nothing.
        if steps and draw(st.booleans()) and draw(st.booleans()):
            steps.append(("replay", draw(st.integers(0, len(steps) - 1))))
        else:
            steps.append(("post", draw(postings(len(kinds)))))
    return kinds, steps


@settings(max_examples=50, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenario=scenarios())
def test_random_balanced_posts_keep_the_books_balanced(scenario):
    kinds, steps = scenario
    # One example's rows are rolled back before the next: the test database is shared by all examples.
    with transaction.atomic():
        accounts = [Account.objects.create(code=f"test:{i}", name=f"Test {i}", kind=kind)
                    for i, kind in enumerate(kinds)]
        expected = {account: Decimal("0.00") for account in accounts}
        posted = []  # (key, legs) of each step, replays pointing at their original
        for number, (action, value) in enumerate(steps):
            if action == "replay":
                key, legs = posted[value]
            else:
                key, legs = f"step:{number}", [(accounts[index], amount) for index, amount in value]
                for account, amount in legs:
                    expected[account] += amount
            txn = post(kind="test", legs=legs, idempotency_key=key)
            assert txn.idempotency_key == key
            posted.append((key, legs))

        assert books_balanced() is True
        assert Transaction.objects.count() == len({key for key, _ in posted})
        assert balances(accounts) == expected
        for account in accounts:
            from_entries = sum(Entry.objects.filter(account=account).values_list("amount", flat=True), Decimal("0"))
            assert balance(account) == from_entries == expected[account]
            assert normal_balance(account) == (-expected[account] if account.is_credit_normal else expected[account])
        assert sum(expected.values()) == 0
        transaction.set_rollback(True)
