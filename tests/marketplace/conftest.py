"""Marketplace fixtures: people in every role, verified shops and listings, all made through the services.

Stable names other test packages rely on: buyer, other_buyer, merchant (a user with a
verified shop), shop, other_merchant, other_shop, staff_user (staff with the catalogue
permissions), staff_no_perms, category, listing (active, "100.00", stock 10),
make_listing(**overrides), grant(user, "app.codename", ...).
"""
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission

from marketplace.models import Category, ListingStatus
from marketplace.services.listings import listing_create
from marketplace.services.shops import shop_open, shop_verify

STAFF_PERMISSIONS = ("marketplace.view_shop", "marketplace.change_shop", "marketplace.view_listing",
                     "marketplace.change_listing")


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    """Many users per test: the production password hasher would dominate the run."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def grant():
    """Give a user Django permissions ("app.codename") and drop its cached permissions."""

    def add(user, *perms):
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            user.__dict__.pop(attr, None)
        return user

    return add


@pytest.fixture
def staff_user(make_user, grant):
    """Staff who may verify and suspend shops and remove listings."""
    return grant(make_user("catalogstaff", is_staff=True), *STAFF_PERMISSIONS)


@pytest.fixture
def staff_no_perms(make_user):
    return make_user("staffnoperms", is_staff=True)


@pytest.fixture
def buyer(make_user):
    return make_user("buyer")


@pytest.fixture
def other_buyer(make_user):
    return make_user("otherbuyer")


@pytest.fixture
def open_verified_shop(staff_user):
    """Open a shop for ``owner`` and have staff verify it."""

    def make(owner, name, description=""):
        shop = shop_open(actor=owner, name=name, description=description)
        return shop_verify(actor=staff_user, shop=shop)

    return make


@pytest.fixture
def merchant(make_user, open_verified_shop):
    """A user whose shop ("Blue Sky Audio") is verified."""
    user = make_user("merchant")
    open_verified_shop(user, "Blue Sky Audio", "Headphones and speakers.")
    return user


@pytest.fixture
def shop(merchant):
    return merchant.shop


@pytest.fixture
def other_merchant(make_user, open_verified_shop):
    user = make_user("othermerchant")
    open_verified_shop(user, "Green Tea House", "Tea from Hangzhou.")
    return user


@pytest.fixture
def other_shop(other_merchant):
    return other_merchant.shop


@pytest.fixture
def category(db):
    """Headphones & Audio (耳机音响), under Phones & Digital; from the reference data."""
    return Category.objects.get(slug="phones-audio")


@pytest.fixture
def make_listing(shop, category):
    """Create a listing through the service; any argument of listing_create may be overridden."""

    def make(**overrides):
        values = {"shop": shop, "title": "Wireless earphones", "description": "Good sound.",
                  "price": Decimal("100.00"), "stock": 10, "category": category, "status": ListingStatus.ACTIVE}
        values.update(overrides)
        actor = values.pop("actor", None) or values["shop"].owner
        return listing_create(actor=actor, **values)

    return make


@pytest.fixture
def listing(make_listing):
    return make_listing()
