"""Fixtures of the protection tests: people in every role, orders at each stage, cases, the clock, the books."""
import io
from datetime import datetime
from decimal import Decimal
from itertools import count
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth.models import Group, Permission
from PIL import Image

from core.models import Notification
from marketplace.models import Category
from marketplace.services.listings import listing_create
from marketplace.services.orders import order_confirm_receipt, order_place, order_ship
from marketplace.services.payments import order_pay
from marketplace.services.shops import shop_open, shop_verify
from protection.models import AfterSalesCase, CaseEvent
from protection.services.cases import case_open

D = Decimal
_keys = count(1)
ADDRESS = {"name": "张三", "phone": "13912345678", "address": "上海市浦东新区世纪大道100号 8楼"}


def next_key(prefix="key") -> str:
    return f"{prefix}-{next(_keys)}"


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _eager_celery(monkeypatch):
    """E-mails queued on commit (transactional tests commit for real) run in-process, not via a broker."""
    from config.celery import app

    monkeypatch.setitem(app.conf, "task_always_eager", True)


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    # Users are made in every test; the production hasher's work factor is not what these tests are about.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


def _reads_english(user):
    # Messages are rendered in each person's language; these people read English, so tests can quote texts.
    from core.notifications import preferences_for

    prefs = preferences_for(user)
    prefs.language = "en"
    prefs.save(update_fields=["language"])
    return user


@pytest.fixture
def buyer(make_user):
    return _reads_english(make_user("buyer"))


@pytest.fixture
def other_buyer(make_user):
    return make_user("otherbuyer")


@pytest.fixture
def merchant(make_user):
    return _reads_english(make_user("merchant"))


@pytest.fixture
def other_merchant(make_user):
    return make_user("othermerchant")


def _verified_shop(owner, name, verifier):
    shop = shop_open(actor=owner, name=name, description="")
    shop_verify(actor=verifier, shop=shop)
    shop.refresh_from_db()
    return shop


@pytest.fixture
def shop(merchant, superuser):
    return _verified_shop(merchant, "Tea House", superuser)


@pytest.fixture
def other_shop(other_merchant, superuser):
    return _verified_shop(other_merchant, "Other Shop", superuser)


@pytest.fixture
def staff_user(make_user):
    """Customer service: the group our data migration gives the ruling permission."""
    user = make_user("cs", is_staff=True)
    user.groups.add(Group.objects.get(name="Customer service"))
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
        for attr in ("_perm_cache", "_user_perm_cache", "_group_perm_cache"):
            user.__dict__.pop(attr, None)
        return user

    return add


@pytest.fixture
def category(db):
    return Category.objects.order_by("pk").first()


@pytest.fixture
def make_listing(shop, category):
    def make(*, shop=shop, price="100.00", stock=50, title="Teapot", **extra):
        return listing_create(actor=shop.owner, shop=shop, title=title, description="A good one.", price=price,
                              stock=stock, category=category, **extra)

    return make


@pytest.fixture
def listing(make_listing):
    return make_listing()


@pytest.fixture
def make_order(buyer, listing, merchant):
    """An order of ``quantity`` × listing, taken to ``stage``: pending, paid, shipped or received."""

    def make(stage="received", *, who=None, item=None, quantity=1, lines=None):
        who = who or buyer
        order = order_place(buyer=who, lines=lines or [{"listing": item or listing, "quantity": quantity}],
                            shipping_address=dict(ADDRESS), payment={"method": "full"})
        if stage == "pending":
            return order
        order = order_pay(actor=who, order=order, idempotency_key=next_key("pay"))
        if stage == "paid":
            return order
        order = order_ship(actor=order.shop.owner, order=order, carrier="SF Express", tracking_number="SF1002003")
        if stage == "shipped":
            return order
        order = order_confirm_receipt(actor=who, order=order)
        order.refresh_from_db()
        return order

    return make


@pytest.fixture
def received_order(make_order):
    return make_order("received")


@pytest.fixture
def open_case(buyer):
    """Open a case the way the buyer does; defaults to a no-reason return of the order's first line."""

    def make(order, *, type="return_refund", reason="no_reason", amount=None, line=None, actor=None,
             description="Changed my mind."):
        return case_open(actor=actor or buyer, order=order, line=line or order.lines.first(), type=type,
                         reason=reason, description=description, amount=amount)

    return make


@pytest.fixture
def png_file():
    """A small real PNG, as an upload."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    def make(name="photo.png", size=(64, 48)):
        buffer = io.BytesIO()
        Image.new("RGB", size, (200, 30, 30)).save(buffer, "PNG")
        return SimpleUploadedFile(name, buffer.getvalue(), content_type="image/png")

    return make


def case_snapshot(case) -> dict:
    """Everything a refused request must leave as it was."""
    case = AfterSalesCase.objects.get(pk=case.pk)
    return {"status": case.status, "updated": case.updated, "refunded": case.refunded_amount,
            "events": CaseEvent.objects.filter(case=case).count(), "evidence": case.evidence.count(),
            "notifications": Notification.objects.count(), "decision": case.decision}


def after_sales_messages(user) -> list[str]:
    return list(Notification.objects.filter(user=user, kind="after_sales").order_by("pk").values_list("title",
                                                                                                      flat=True))


T0 = datetime(2026, 3, 2, 10, 0, 0, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture
def clock(db):
    """Time stands still at T0 until a test moves it (``clock.move_to``, ``clock.shift``)."""
    with time_machine.travel(T0, tick=False) as traveller:
        yield traveller
