"""Risk fixtures: shops to buy from, buyers with fresh lines, the merchant's own footprint, risk officers.

Everything is made through services, the way users create it.
"""
from datetime import datetime
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group
from django.core.cache import cache

from credit.risk import scoring
from credit.risk.identity import device_hash, ip_info
from marketplace.models import Category
from marketplace.services.listings import listing_create
from marketplace.services.orders import order_place
from marketplace.services.shops import shop_open, shop_verify

_n = count(1)
PUBLIC_IP = "114.114.114.114"
OTHER_PUBLIC_IP = "61.135.169.121"
HOME = {"name": "王五", "phone": "13700001111", "address": "北京市朝阳区建国路 88 号 3 单元 502"}


def home_of(user) -> dict:
    return {**HOME, "address": f"{HOME['address']} 室 {user.pk}"}


@pytest.fixture(autouse=True)
def _daytime_in_beijing():
    """Checkouts happen at 10:00 Beijing time unless a test travels elsewhere itself.

    The late-night burst rule reads the local hour: without this, a run between midnight and
    06:00 Beijing time (16:00-22:00 UTC) would see it fire on every test's third order.
    """
    with time_machine.travel(datetime(2026, 6, 15, 10, 0, tzinfo=ZoneInfo("Asia/Shanghai")), tick=True):
        yield


@pytest.fixture(autouse=True)
def _fresh_risk_state():
    """The rule book and the peer share are cached; rejected checkouts wait in a per-thread list."""
    cache.clear()
    scoring.rejections_discard()
    yield
    scoring.rejections_discard()
    cache.clear()


@pytest.fixture
def risk_officer(make_user):
    user = make_user("riskofficer", is_staff=True)
    user.groups.add(Group.objects.get(name="Risk officers"))
    return user


@pytest.fixture
def make_shop(make_user, catalog_staff):
    """A verified shop of a new merchant, with one instalment listing; returns the listing."""

    def make(*, price=Decimal("99.99"), category="phones-audio", stock=500, owner=None):
        n = next(_n)
        owner = owner or make_user(f"shopowner{n}")
        shop = shop_open(actor=owner, name=f"Shop number {n}", description="")
        shop_verify(actor=catalog_staff, shop=shop)
        return listing_create(actor=owner, shop=shop, title=f"Item {n}", description="", price=price, stock=stock,
                              category=Category.objects.get(slug=category), installments_available=True)

    return make


@pytest.fixture
def make_credit_buyer(make_user, apply):
    """A new account with a freshly approved 3,000.00 line."""

    def make(name=None):
        user = make_user(name or f"riskbuyer{next(_n)}")
        application = apply(user)
        assert application.status == "approved", application.reasons
        return user

    return make


@pytest.fixture
def checkout():
    """Place a credit order with a request context; the shipping address defaults to the buyer's own home."""

    def place(buyer, listing, *, device=None, ip=None, address=None, quantity=1, installments=3):
        context = {}
        if device is not None:
            context["device_id"] = device
        if ip is not None:
            context["ip"] = ip
        return order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": quantity}],
                           shipping_address=address or home_of(buyer), payment={"method": "installment",
                                                                      "installments": installments},
                           context=context)

    return place


@pytest.fixture
def seen():
    """The merchant (or anyone) used a device from an IP — what the risk middleware records."""

    def record(user, *, device="", ip=None):
        address, public = ip_info(ip)
        scoring.sighting_record(user_id=user.pk, device_hash=device_hash(device), ip=address, ip_public=public)

    return record


@pytest.fixture
def merchant_ships_own_order_to(make_shop):
    """The shop's owner buys elsewhere (paying in full) and has it delivered to ``address``."""

    def buy(owner, address):
        elsewhere = make_shop(price=Decimal("19.90"))
        return order_place(buyer=owner, lines=[{"listing": elsewhere.pk, "quantity": 1}], shipping_address=address,
                           payment={"method": "full"})

    return buy
