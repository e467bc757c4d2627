"""Staff admin of the catalogue: masked users, shop verification and suspension, listing removal, categories."""
import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.test import Client
from django.urls import reverse

from marketplace.models import Category, Listing, Shop, ShopStatusChange
from marketplace.services.shops import shop_open

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_for():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


@pytest.fixture
def superuser(make_user):
    return make_user("root", is_staff=True, is_superuser=True)


@pytest.mark.parametrize("model", ["user", "shop", "category", "listing"])
def test_changelists_and_change_pages_render(admin_client_for, superuser, listing, model):
    client = admin_client_for(superuser)
    obj = {"user": listing.shop.owner, "shop": listing.shop, "category": listing.category, "listing": listing}[model]

    assert client.get(reverse(f"admin:marketplace_{model}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:marketplace_{model}_change", args=[obj.pk])).status_code == 200


def test_user_admin_shows_the_phone_masked_only(admin_client_for, superuser, make_user):
    user = make_user("alice", phone="13912345678")
    client = admin_client_for(superuser)

    listing_page = client.get(reverse("admin:marketplace_user_changelist")).content.decode()
    change_page = client.get(reverse("admin:marketplace_user_change", args=[user.pk])).content.decode()

    for html in (listing_page, change_page):
        assert "139****5678" in html
        assert "13912345678" not in html and "+8613912345678" not in html
    assert 'name="phone"' not in change_page and 'name="real_name"' not in change_page


def test_user_admin_finds_users_by_phone(admin_client_for, superuser, make_user):
    make_user("alice", phone="13912345678")
    make_user("bob", phone="13700001111")

    response = admin_client_for(superuser).get(reverse("admin:marketplace_user_changelist"), {"q": "139 1234 5678"})

    assert [u.username for u in response.context["cl"].result_list] == ["alice"]


def test_verify_action_asks_for_confirmation_then_verifies(admin_client_for, staff_user, make_user):
    pending = shop_open(actor=make_user(), name="Moon Bakery")
    client = admin_client_for(staff_user)
    url = reverse("admin:marketplace_shop_changelist")
    data = {"action": "verify_shops", ACTION_CHECKBOX_NAME: [pending.pk]}

    confirm = client.post(url, data)
    assert confirm.status_code == 200
    assert "Moon Bakery" in confirm.content.decode()
    assert Shop.objects.get(pk=pending.pk).verification_status == "pending"

    done = client.post(url, {**data, "confirm": "yes"})
    assert done.status_code == 302
    assert Shop.objects.get(pk=pending.pk).verification_status == "verified"
    assert ShopStatusChange.objects.get(shop=pending).actor == staff_user


def test_suspend_action_needs_a_reason(admin_client_for, staff_user, shop):
    client = admin_client_for(staff_user)
    url = reverse("admin:marketplace_shop_changelist")
    data = {"action": "suspend_shops", ACTION_CHECKBOX_NAME: [shop.pk], "confirm": "yes"}

    without = client.post(url, {**data, "reason": ""})
    assert without.status_code == 200
    assert without.context["form"].errors["reason"]
    assert Shop.objects.get(pk=shop.pk).is_verified

    client.post(url, {**data, "reason": "Counterfeit reports"})
    assert Shop.objects.get(pk=shop.pk).verification_status == "suspended"
    assert ShopStatusChange.objects.filter(shop=shop).last().reason == "Counterfeit reports"


def test_invalid_verification_is_reported_not_raised(admin_client_for, staff_user, shop):
    response = admin_client_for(staff_user).post(
        reverse("admin:marketplace_shop_changelist"),
        {"action": "verify_shops", ACTION_CHECKBOX_NAME: [shop.pk], "confirm": "yes"}, follow=True)

    assert response.status_code == 200
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_shop_status_and_money_are_read_only(admin_client_for, superuser, shop):
    form = admin_client_for(superuser).get(reverse("admin:marketplace_shop_change", args=[shop.pk])).content.decode()

    for field in ("verification_status", "deposit_amount", "rating", "dispute_rate", "owner"):
        assert f'name="{field}"' not in form
    assert 'name="risk_level"' in form


def test_staff_without_permission_has_no_shop_actions(admin_client_for, staff_no_perms, grant, shop):
    grant(staff_no_perms, "marketplace.view_shop")

    response = admin_client_for(staff_no_perms).post(
        reverse("admin:marketplace_shop_changelist"),
        {"action": "suspend_shops", ACTION_CHECKBOX_NAME: [shop.pk], "confirm": "yes", "reason": "x"})

    assert Shop.objects.get(pk=shop.pk).is_verified
    assert response.status_code in (200, 302)


def test_remove_listing_action(admin_client_for, staff_user, listing):
    client = admin_client_for(staff_user)
    url = reverse("admin:marketplace_listing_changelist")

    client.post(url, {"action": "remove_listings", ACTION_CHECKBOX_NAME: [listing.pk], "confirm": "yes",
                      "reason": "Fake brand"})

    assert Listing.objects.get(pk=listing.pk).status == "removed"


def test_renaming_a_category_reindexes_its_listings(admin_client_for, superuser, listing, category):
    client = admin_client_for(superuser)
    parent = category.parent

    client.post(reverse("admin:marketplace_category_change", args=[parent.pk]), {
        "slug": parent.slug, "name_zh": "数码产品", "name_en": parent.name_en, "position": parent.position,
    })

    assert Category.objects.get(pk=parent.pk).name_zh == "数码产品"
    assert "产品" in Listing.objects.get(pk=listing.pk).search_document.split()
