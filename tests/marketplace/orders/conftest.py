"""Fixtures of the order tests: staff of the order groups, an address, orders at each stage.

People, shops and listings come from tests/marketplace/conftest.py (buyer, merchant, shop,
listing "100.00" × 10, make_listing, staff_no_perms...).
"""
from itertools import count

import pytest
from django.contrib.auth.models import Group

from marketplace.services.orders import order_confirm_receipt, order_place, order_ship
from marketplace.services.payments import order_pay

_keys = count(1)

ADDRESS = {"name": "张三", "phone": "13912345678", "address": "上海市浦东新区世纪大道100号 8楼"}


def next_key(prefix="key") -> str:
    return f"{prefix}-{next(_keys)}"


@pytest.fixture
def address():
    return dict(ADDRESS)


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def cs_staff(make_user):
    """Customer service: the group the 0004 migration creates (orders, complaints)."""
    user = make_user("cs", is_staff=True)
    user.groups.add(Group.objects.get(name="Customer service"))
    return user


@pytest.fixture
def finance_user(make_user):
    user = make_user("finance", is_staff=True)
    user.groups.add(Group.objects.get(name="Finance"))
    return user


@pytest.fixture
def place(buyer, listing, address):
    def make(*, who=None, lines=None, quantity=1, payment=None, item=None):
        return order_place(buyer=who or buyer, lines=lines or [{"listing": item or listing, "quantity": quantity}],
                           shipping_address=address, payment=payment or {"method": "full"})

    return make


@pytest.fixture
def pending_order(place):
    return place(quantity=2)


@pytest.fixture
def paid_order(pending_order, buyer):
    return order_pay(actor=buyer, order=pending_order, idempotency_key=next_key("pay"))


@pytest.fixture
def shipped_order(paid_order, merchant):
    return order_ship(actor=merchant, order=paid_order, carrier="SF Express", tracking_number="SF100200300")


@pytest.fixture
def completed_order(shipped_order, buyer):
    return order_confirm_receipt(actor=buyer, order=shipped_order)
