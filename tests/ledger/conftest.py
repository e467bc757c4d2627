"""Fixtures of the ledger tests: a handful of well-known accounts and a posting helper."""
from decimal import Decimal
from itertools import count
from types import SimpleNamespace

import pytest

from ledger import accounts
from ledger.services import post

_keys = count(1)


@pytest.fixture
def books(db):
    """The accounts an order's money passes through, for shop 17 and buyer 5."""
    return SimpleNamespace(
        clearing=accounts.provider_clearing(),
        escrow=accounts.escrow(),
        commission=accounts.commission_income(),
        shop=accounts.merchant_balance(17),
        other_shop=accounts.merchant_balance(18),
        buyer_payable=accounts.buyer_payable(5),
    )


@pytest.fixture
def pay(books):
    """Post a buyer's payment of ``amount`` into escrow for ``order_id``."""

    def make(amount, order_id=1, *, key=None):
        amount = Decimal(amount)
        return post(kind="order_payment", legs=[(books.clearing, amount), (books.escrow, -amount)],
                    idempotency_key=key or f"test:{next(_keys)}", reference=("order", order_id))

    return make


@pytest.fixture
def release(books):
    """Post the release of an order's escrow to shop 17, keeping ``commission`` for the platform."""

    def make(amount, commission, order_id=1):
        amount, commission = Decimal(amount), Decimal(commission)
        return post(kind="escrow_release",
                    legs=[(books.escrow, amount), (books.shop, commission - amount), (books.commission, -commission)],
                    idempotency_key=f"test:{next(_keys)}", reference=("order", order_id))

    return make
