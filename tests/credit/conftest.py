"""Credit fixtures: buyers with and without lines, a verified shop with instalment listings, credit officers.

Everything is made through services, the way users create it.
"""
from decimal import Decimal
from itertools import count

import pytest
from django.contrib.auth.models import Group, Permission

from core.money import ZERO
from credit.models import CreditLine
from credit.services.applications import application_submit
from credit.services.quotes import current_terms
from ledger import accounts
from ledger.selectors import balance
from marketplace.models import Category
from marketplace.services.listings import listing_create
from marketplace.services.shops import shop_open, shop_verify

_ids = count(1)
# Valid resident ID numbers (check digit computed below), born 1990-01-01.
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id_number(born="19900101", seq=None) -> str:
    seq = seq if seq is not None else next(_ids) % 1000
    body = f"110101{born}{seq:03d}"
    total = sum(int(d) * w for d, w in zip(body, _ID_WEIGHTS, strict=True))
    return body + "10X98765432"[total % 11]


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def ensure_reference_data():
    """Transactional tests flush the tables, data migrations included: put credit's reference data back."""
    import importlib

    from django.apps import apps
    from django.contrib.contenttypes.models import ContentType

    from credit.models import InstallmentProduct

    if InstallmentProduct.objects.exists():
        return
    ContentType.objects.clear_cache()
    importlib.import_module("credit.migrations.0002_reference_data").forwards(apps, None)
    if not Category.objects.filter(slug="phones-audio").exists():
        importlib.import_module("marketplace.migrations.0002_categories").create_categories(apps, None)


@pytest.fixture(autouse=True)
def _reference_data(request):
    if {"db", "transactional_db"} & set(request.fixturenames) or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("transactional_db" if _transactional(request) else "db")
        ensure_reference_data()


def _transactional(request) -> bool:
    marker = request.node.get_closest_marker("django_db")
    return "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))


@pytest.fixture
def grant():
    def add(user, *perms):
        for perm in perms:
            app_label, codename = perm.split(".")
            user.user_permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))
        for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            user.__dict__.pop(attr, None)
        return user

    return add


@pytest.fixture
def consent(db):
    terms = current_terms()
    return {"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version}


@pytest.fixture
def application_data(consent):
    def make(**overrides):
        data = {"real_name": "张三", "id_number": make_id_number(), "phone": f"137{next(_ids):08d}",
                "income_band": "8k_15k", "emergency_contacts": [], "consent": consent}
        data.update(overrides)
        return data

    return make


@pytest.fixture
def apply(application_data):
    """Submit an application for ``user`` through the service."""

    def make(user, **overrides):
        return application_submit(actor=user, **application_data(**overrides))

    return make


@pytest.fixture
def buyer(make_user):
    return make_user("creditbuyer")


@pytest.fixture
def other_buyer(make_user):
    return make_user("otherbuyer")


@pytest.fixture
def buyer_with_line(buyer, apply):
    """A new account with income 8k–15k: approved for 3,000.00 (half of 6,000 while the account is new)."""
    application = apply(buyer)
    assert application.status == "approved", application.reasons
    return buyer


@pytest.fixture
def catalog_staff(make_user, grant):
    return grant(make_user("catalogstaff", is_staff=True), "marketplace.view_shop", "marketplace.change_shop")


@pytest.fixture
def credit_officer(make_user):
    user = make_user("creditofficer", is_staff=True)
    user.groups.add(Group.objects.get(name="Credit officers"))
    return user


@pytest.fixture
def staff_no_perms(make_user):
    return make_user("staffnoperms", is_staff=True)


@pytest.fixture
def merchant(make_user, catalog_staff):
    user = make_user("merchant")
    shop = shop_open(actor=user, name="Blue Sky Audio", description="Headphones.")
    shop_verify(actor=catalog_staff, shop=shop)
    return user


@pytest.fixture
def shop(merchant):
    merchant.refresh_from_db()
    return merchant.shop


@pytest.fixture
def make_listing(shop):
    def make(**overrides):
        values = {"shop": shop, "title": "Wireless earphones", "description": "Good sound.",
                  "price": Decimal("1000.00"), "stock": 50, "category": Category.objects.get(slug="phones-audio"),
                  "installments_available": True}
        values.update(overrides)
        return listing_create(actor=values["shop"].owner, **values)

    return make


@pytest.fixture
def listing(make_listing):
    return make_listing()


ADDRESS = {"name": "李四", "phone": "13912345678", "address": "上海市黄浦区南京东路 1 号"}


@pytest.fixture
def place_credit_order():
    """Place an instalment order through the marketplace service."""
    from marketplace.services.orders import order_place

    def make(buyer, listing, *, installments=6, quantity=1, context=None):
        return order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": quantity}],
                           shipping_address=ADDRESS, payment={"method": "installment", "installments": installments},
                           context=context or {})

    return make


def assert_books(user):
    """The books balance and the line's used equals the buyer's receivable in the books."""
    from ledger.selectors import books_balanced

    assert books_balanced()
    line = CreditLine.objects.filter(user=user).first()
    receivable = balance(accounts.buyer_credit_receivable(user.pk))
    assert (line.used_amount if line else ZERO) == receivable
