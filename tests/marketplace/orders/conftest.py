"""Fixtures of the order tests: people in every role, a verified shop with a listing, orders at each stage."""
from decimal import Decimal
from itertools import count

import pytest
from django.contrib.auth.models import Group, Permission

from marketplace.models import Category, ListingStatus
from marketplace.services.listings import listing_create
from marketplace.services.orders import order_confirm_receipt, order_place, order_ship
from marketplace.services.payments import order_pay
from marketplace.services.shops import shop_open, shop_verify

D = Decimal
_keys = count(1)

ADDRESS = {"name": "张三", "phone": "13912345678", "address": "上海市浦东新区世纪大道100号 8楼"}


def next_key(prefix="key") -> str:
    return f"{prefix}-{next(_keys)}"


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Many users per test: hashing with the production hasher would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def address():
    return dict(ADDRESS)


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def buyer(make_user):
    return make_user("buyer")


@pytest.fixture
def other_buyer(make_user):
    return make_user("otherbuyer")


@pytest.fixture
def merchant(make_user):
    return make_user("merchant")


@pytest.fixture
def other_merchant(make_user):
    return make_user("othermerchant")


def _open_verified(owner, name, verifier):
    shop = shop_open(actor=owner, name=name, description="")
    shop_verify(actor=verifier, shop=shop)
    return shop


@pytest.fixture
def shop(merchant, superuser):
    return _open_verified(merchant, "Tea House", superuser)


@pytest.fixture
def other_shop(other_merchant, superuser):
    return _open_verified(other_merchant, "Other Shop", superuser)


@pytest.fixture
def staff_user(make_user):
    """Customer service: the group the 0004 migration creates."""
    user = make_user("cs", is_staff=True)
    user.groups.add(Group.objects.get(name="Customer service"))
    return user


@pytest.fixture
def finance_user(make_user):
    user = make_user("finance", is_staff=True)
    user.groups.add(Group.objects.get(name="Finance"))
    return user


@pytest.fixture
def staff_no_perms(make_user):
    return make_user("staffnoperms", is_staff=True)


@pytest.fixture
def grant():
    def add(user, *codenames):
        for codename in codenames:
            app, name = codename.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app, codename=name))
        # Django caches permissions on the instance.
        for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            user.__dict__.pop(attr, None)
        return user

    return add


@pytest.fixture
def category(db):
    return Category.objects.order_by("pk").first()


@pytest.fixture
def make_listing(shop, merchant, category):
    def make(*, shop=shop, owner=None, price="100.00", stock=10, title="Teapot", status=ListingStatus.ACTIVE,
             **extra):
        return listing_create(actor=owner or shop.owner, shop=shop, title=title, description="A good one.",
                              price=price, stock=stock, category=category, status=status, **extra)

    return make


@pytest.fixture
def listing(make_listing):
    return make_listing()


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
