"""A buyer's open "not received" claim keeps the order from being confirmed automatically."""
from datetime import timedelta

import pytest

from marketplace.models import OrderStatus
from marketplace.services.orders import orders_auto_confirm

pytestmark = pytest.mark.django_db


def test_open_not_received_claim_blocks_auto_confirm(clock, make_order, open_case):
    claimed, quiet = make_order("shipped"), make_order("shipped")
    open_case(claimed, type="refund_only", reason="not_received")

    clock.shift(timedelta(days=11))
    assert orders_auto_confirm() == 1

    claimed.refresh_from_db()
    quiet.refresh_from_db()
    assert claimed.status == OrderStatus.SHIPPED and claimed.received_at is None
    assert quiet.status == OrderStatus.COMPLETED
