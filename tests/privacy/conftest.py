"""Privacy tests: fast password hashing, an empty throttle cache, people and credit made through services."""
import pytest
from django.core.cache import cache


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _fresh_throttles():
    cache.clear()
    yield
    cache.clear()


# --- people and credit, made through the services --------------------------------------------------
@pytest.fixture
def staff_root(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.fixture
def officer(make_user):
    """A credit officer (the group has the emergency-contact permission) who may also reveal personal data."""
    from django.contrib.auth.models import Group, Permission

    user = make_user("officer", is_staff=True)
    user.groups.add(Group.objects.get(name="Credit officers"))
    user.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    return user


@pytest.fixture
def listing(make_user, staff_root):
    from decimal import Decimal

    from marketplace.models import Category
    from marketplace.services.listings import listing_create
    from marketplace.services.shops import shop_open, shop_verify

    merchant = make_user("merchant")
    shop = shop_verify(actor=staff_root, shop=shop_open(actor=merchant, name="Privacy Shop"))
    return listing_create(actor=merchant, shop=shop, title="Earphones", description="Good.", price=Decimal("300.00"),
                          stock=50, category=Category.objects.get(slug="phones-audio"), installments_available=True)


@pytest.fixture
def apply_for_credit():
    from credit.services.applications import application_submit
    from credit.services.quotes import current_terms
    from tests.privacy import scenario as sc

    def apply(user, *, contacts=None, **overrides):
        terms = current_terms()
        data = {**sc.CREDIT, "income_band": "8k_15k",
                "emergency_contacts": sc.CONTACTS if contacts is None else contacts,
                "consent": {"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version}}
        data.update(overrides)
        return application_submit(actor=user, **data)

    return apply


@pytest.fixture
def place_order(listing):
    from marketplace.services.orders import order_place
    from tests.privacy import scenario as sc

    def place(buyer, *, installments=None, address=None):
        payment = {"method": "installment", "installments": installments} if installments else {"method": "full"}
        return order_place(buyer=buyer, lines=[{"listing": listing.pk, "quantity": 1}],
                           shipping_address=address or sc.SHIPPING, payment=payment)

    return place
