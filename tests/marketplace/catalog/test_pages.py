"""Catalogue pages: home, search, listing and shop pages, merchant pages; both languages; query counts."""
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from marketplace.models import Category, Listing, ListingImage, Payment, Shop
from marketplace.services.listings import listing_add_image, listing_pause, listing_remove
from marketplace.services.shops import shop_open, shop_suspend

from .conftest import image_bytes

pytestmark = pytest.mark.django_db
D = Decimal
ROLES = ["anonymous", "buyer", "other_buyer", "merchant", "other_merchant", "staff_user", "staff_no_perms"]


@pytest.fixture
def browser(request):
    """A website client logged in (session) as the role's user."""

    def make(role):
        client = Client()
        if role != "anonymous":
            client.force_login(request.getfixturevalue(role))
        return client

    return make


def _image(size=(32, 24)):
    return SimpleUploadedFile("p.png", image_bytes("PNG", size), content_type="image/png")


# --- public pages --------------------------------------------------------------------------------
def test_home_shows_categories_and_new_listings(browser, listing):
    response = browser("anonymous").get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<html lang="zh-hans">' in html
    assert "手机数码" in html and "耳机音响" in html
    assert listing.title in html
    assert reverse("listing-detail", args=[listing.pk]) in html


@pytest.mark.parametrize("how", ["header", "cookie"])
@pytest.mark.parametrize("url_name", ["home", "listing-search", "listing-detail", "shop-detail"])
def test_pages_render_in_english(browser, listing, settings, url_name, how):
    args = {"listing-detail": [listing.pk], "shop-detail": [listing.shop_id]}.get(url_name, [])
    client = browser("anonymous")
    if how == "cookie":
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
        extra = {}
    else:
        extra = {"HTTP_ACCEPT_LANGUAGE": "en"}

    english = client.get(reverse(url_name, args=args), **extra)
    chinese = browser("anonymous").get(reverse(url_name, args=args))

    assert english.status_code == chinese.status_code == 200
    assert '<html lang="en">' in english.content.decode()
    assert '<html lang="zh-hans">' in chinese.content.decode()
    if url_name in ("home", "listing-search"):
        assert "Headphones &amp; Audio" in english.content.decode()
        assert "耳机音响" in chinese.content.decode()


def test_search_page_filters_and_keeps_the_form(browser, make_listing):
    make_listing(title="蓝牙耳机", price="199.00")
    make_listing(title="Teapot", price="50.00", category=Category.objects.get(slug="tea"))

    response = browser("anonymous").get("/listings/", {"q": "耳机", "max_price": "500", "ordering": "price"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "蓝牙耳机" in html and "Teapot" not in html
    assert 'value="耳机"' in html and 'value="500"' in html
    assert [listing.title for listing in response.context["page"].object_list] == ["蓝牙耳机"]


def test_search_page_shows_filter_errors_in_place(browser, listing):
    response = browser("anonymous").get("/listings/", {"category": "nope", "min_price": "abc"})

    assert response.status_code == 200
    assert response.context["page"].paginator.count == 0
    assert response.context["form"].errors.keys() == {"category", "min_price"}
    assert 'class="field-error"' in response.content.decode()


def test_search_page_paginates_and_keeps_the_query(browser, make_listing):
    for n in range(25):
        make_listing(title=f"Earphones {n}")

    first = browser("anonymous").get("/listings/", {"q": "earphones"})
    second = browser("anonymous").get("/listings/", {"q": "earphones", "page": 2})

    assert len(first.context["page"].object_list) == 20
    assert "?q=earphones&amp;page=2" in first.content.decode()
    assert len(second.context["page"].object_list) == 5


def test_listing_page_shows_price_guarantee_and_shop_standing(browser, make_listing, merchant, shop):
    listing = make_listing(price="1299.00", stock=3, return_days=30, quality_days=180)
    listing_add_image(actor=merchant, listing=listing, file=_image(), alt_text="Front view")
    Shop.objects.filter(pk=shop.pk).update(deposit_amount=D("1000.00"), rating=D("4.50"), review_count=8,
                                           dispute_rate=D("0.0125"))

    html = browser("anonymous").get(reverse("listing-detail", args=[listing.pk]),
                                    HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "¥1299.00" in html
    assert "3 in stock" in html
    assert "<strong>30 days</strong>" in html and "<strong>180 days</strong>" in html
    assert "Verified merchant" in html and "Guarantee deposit" in html
    assert "★ 4.50" in html and "8 reviews" in html and "1.25%" in html
    assert 'alt="Front view"' in html
    assert "Log in to buy" in html and "/accounts/login/?next=" in html


def test_listing_page_shows_the_instalment_teaser(browser, make_listing, monkeypatch):
    from marketplace import hooks

    class Monthly(hooks.PaymentMethod):
        key = "test-monthly"

        def listing_monthly_from(self, listing):
            return Decimal("88.00")

        def listing_teaser(self, listing):
            return "from ¥88.00 / month"

    monkeypatch.setattr(hooks, "_methods", {"test-monthly": Monthly()})
    listing = make_listing(installments_available=True)

    html = browser("anonymous").get(reverse("listing-detail", args=[listing.pk]),
                                    HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "or from ¥88.00 / month" in html


@pytest.mark.parametrize("state, visible_to", [
    ("draft", {"merchant", "staff_user"}),
    ("paused", {"merchant", "staff_user"}),
    ("removed", {"staff_user"}),
    ("suspended", {"merchant", "staff_user"}),
])
@pytest.mark.parametrize("role", ROLES)
def test_listing_page_visibility(browser, make_listing, merchant, shop, staff_user, state, visible_to, role):
    listing = make_listing(status="draft" if state == "draft" else "active")
    if state == "paused":
        listing_pause(actor=merchant, listing=listing)
    elif state == "removed":
        listing_remove(actor=staff_user, listing=listing, reason="r")
    elif state == "suspended":
        shop_suspend(actor=staff_user, shop=shop, reason="r")

    response = browser(role).get(reverse("listing-detail", args=[listing.pk]))

    assert response.status_code == (200 if role in visible_to else 404)
    if response.status_code == 200:
        assert "Log in to buy" not in response.content.decode()  # not for sale: no buy box


@pytest.mark.parametrize("role, status", [
    ("anonymous", 404), ("buyer", 404), ("merchant", 200), ("other_merchant", 404), ("staff_user", 200),
    ("staff_no_perms", 404),
])
def test_suspended_shop_page(browser, shop, staff_user, role, status):
    shop_suspend(actor=staff_user, shop=shop, reason="r")

    assert browser(role).get(reverse("shop-detail", args=[shop.pk])).status_code == status


def test_shop_page_lists_its_public_listings(browser, make_listing, shop):
    make_listing(title="On sale")
    make_listing(title="Hidden draft", status="draft")

    html = browser("anonymous").get(reverse("shop-detail", args=[shop.pk])).content.decode()

    assert "On sale" in html and "Hidden draft" not in html
    assert "Blue Sky Audio" in html


# --- query counts --------------------------------------------------------------------------------
@pytest.fixture
def many_listings(make_listing, other_shop):
    listings = [make_listing(title=f"Item {n}") for n in range(70)]
    listings += [make_listing(shop=other_shop, title=f"Tea {n}", category=Category.objects.get(slug="tea"))
                 for n in range(35)]
    for listing in listings[::4]:
        listing_add_image(actor=listing.shop.owner, listing=listing, file=_image((8, 8)))
    return listings


@pytest.mark.parametrize("role", ["anonymous", "buyer"])
def test_search_page_query_count_does_not_grow_with_the_page(browser, many_listings, role,
                                                             django_assert_max_num_queries):
    client = browser(role)
    client.get("/listings/", {"page_size": 5})  # the search's count is cached (a minute) after the first
    counts = []
    for size in (10, 20, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/listings/", {"page_size": size})
        assert len(response.context["page"].object_list) == size
        counts.append(len(queries))

    assert counts[0] == counts[1] == counts[2]
    # A new search. Logged in: session and user (2). Categories for the form (1), filter categories (1), count,
    # page, images.
    with django_assert_max_num_queries(5 if role == "anonymous" else 7):
        client.get("/listings/", {"page_size": 100, "category": "phones", "q": "item"})


def test_home_query_count_is_fixed(browser, many_listings, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        browser("anonymous").get("/")


# --- merchant pages ------------------------------------------------------------------------------
MERCHANT_PAGES = ["merchant-dashboard", "merchant-shop-edit", "merchant-deposit", "merchant-listings",
                  "merchant-listing-create"]


@pytest.mark.parametrize("url_name", MERCHANT_PAGES + ["merchant-shop-open"])
def test_merchant_pages_need_login(browser, url_name):
    response = browser("anonymous").get(reverse(url_name))

    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url_name", MERCHANT_PAGES)
def test_merchant_pages_render_for_the_merchant(browser, listing, url_name):
    assert browser("merchant").get(reverse(url_name)).status_code == 200
    assert browser("merchant").get(reverse(url_name), HTTP_ACCEPT_LANGUAGE="en").status_code == 200


@pytest.mark.parametrize("url_name", MERCHANT_PAGES)
def test_merchant_pages_send_a_user_without_shop_to_open_one(browser, url_name):
    response = browser("buyer").get(reverse(url_name))

    assert response.status_code == 302
    assert response["Location"] == reverse("merchant-shop-open")


def test_open_shop_page(browser, buyer):
    client = browser("buyer")

    invalid = client.post(reverse("merchant-shop-open"), {"name": "x"})
    assert invalid.status_code == 200
    assert invalid.context["form"].errors["name"]

    response = client.post(reverse("merchant-shop-open"), {"name": "Moon Bakery", "description": "Bread"})
    assert response.status_code == 302
    assert Shop.objects.get(owner=buyer).verification_status == "pending"
    assert client.get(reverse("merchant-shop-open"))["Location"] == reverse("merchant-dashboard")


def test_open_shop_with_a_taken_name_shows_the_error_in_place(browser, shop):
    response = browser("buyer").post(reverse("merchant-shop-open"), {"name": shop.name}, HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    assert response.context["form"].errors["name"] == ["This shop name is taken."]
    assert Shop.objects.count() == 1


def test_edit_shop_profile(browser, shop):
    response = browser("merchant").post(reverse("merchant-shop-edit"), {"name": "Blue Sky", "description": "New"})

    assert response.status_code == 302
    shop.refresh_from_db()
    assert (shop.name, shop.description) == ("Blue Sky", "New")


def test_deposit_page_posts_once_per_form(browser, shop):
    client = browser("merchant")
    form = client.get(reverse("merchant-deposit")).context["form"]
    data = {"amount": "2000.00", "outcome": "approve", "idempotency_key": form["idempotency_key"].initial}

    first = client.post(reverse("merchant-deposit"), data)
    double_click = client.post(reverse("merchant-deposit"), data)

    assert first.status_code == double_click.status_code == 302
    assert Payment.objects.count() == 1
    assert Shop.objects.get(pk=shop.pk).deposit_amount == D("2000.00")


@pytest.mark.parametrize("data, field", [
    ({"amount": "0", "outcome": "approve"}, "amount"),
    ({"amount": "1.001", "outcome": "approve"}, "amount"),
    ({"amount": "100", "outcome": "decline"}, None),
], ids=["zero", "precise", "declined"])
def test_deposit_page_errors(browser, shop, data, field):
    response = browser("merchant").post(reverse("merchant-deposit"), {**data, "idempotency_key": "k1"})

    assert response.status_code == 200
    errors = response.context["form"].errors
    assert (field in errors) if field else errors["__all__"]
    assert Payment.objects.count() == 0


@pytest.fixture
def listing_form(category):
    return {"title": "蓝牙音箱", "description": "Loud.", "price": "299.00", "stock": "4", "category": category.pk,
            "return_days": "15", "exchange_days": "15", "quality_days": "90", "status": "active"}


def test_create_listing_page(browser, shop, listing_form):
    response = browser("merchant").post(reverse("merchant-listing-create"), listing_form)

    listing = Listing.objects.get()
    assert response["Location"] == reverse("merchant-listing-edit", args=[listing.pk])
    assert (listing.title, listing.price_amount, listing.stock, listing.status) == ("蓝牙音箱", D("299.00"), 4,
                                                                                    "active")


@pytest.mark.parametrize("changes, field", [
    ({"price": "1.001"}, "price"), ({"stock": "-1"}, "stock"), ({"stock": "1.5"}, "stock"),
    ({"return_days": "40"}, "return_days"), ({"quality_days": "10"}, "quality_days"),
    ({"category": "999999"}, "category"), ({"merchant_pays_fee": "on"}, "merchant_pays_fee"),
], ids=lambda v: str(v))
def test_create_listing_page_shows_errors_in_place(browser, shop, listing_form, changes, field):
    response = browser("merchant").post(reverse("merchant-listing-create"), {**listing_form, **changes})

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assert 'class="field-error"' in response.content.decode()
    assert Listing.objects.count() == 0


def test_unverified_shop_sees_why_it_cannot_publish(make_user, listing_form):
    owner = make_user()
    shop_open(actor=owner, name="Moon Bakery")
    client = Client()
    client.force_login(owner)

    page = client.get(reverse("merchant-listing-create"), HTTP_ACCEPT_LANGUAGE="en")
    response = client.post(reverse("merchant-listing-create"), listing_form)

    assert "must be verified by Fangxin staff" in page.content.decode()
    assert response.status_code == 200
    assert response.context["form"].non_field_errors()
    assert Listing.objects.count() == 0


def test_edit_listing_page(browser, listing, listing_form):
    data = {**listing_form, "price": "88.00"}
    del data["status"]

    response = browser("merchant").post(reverse("merchant-listing-edit", args=[listing.pk]), data)

    assert response.status_code == 302
    assert Listing.objects.get(pk=listing.pk).price_amount == D("88.00")


@pytest.mark.parametrize("role", ["buyer", "other_merchant", "staff_user"])
def test_others_cannot_open_or_change_a_listing_through_merchant_pages(browser, listing, listing_form, role):
    client = browser(role)
    before = Listing.objects.filter(pk=listing.pk).values().get()
    pause = reverse("merchant-listing-transition", args=[listing.pk, "pause"])

    assert client.get(reverse("merchant-listing-edit", args=[listing.pk])).status_code in (302, 404)
    assert client.post(reverse("merchant-listing-edit", args=[listing.pk]), listing_form).status_code in (302, 404)
    assert client.post(pause).status_code in (302, 404)
    assert client.post(reverse("merchant-listing-image", args=[listing.pk]), {"file": _image()}).status_code in (
        302, 404)
    assert Listing.objects.filter(pk=listing.pk).values().get() == before
    assert ListingImage.objects.count() == 0


def test_pause_and_activate_from_the_list(browser, listing):
    client = browser("merchant")

    client.post(reverse("merchant-listing-transition", args=[listing.pk, "pause"]))
    assert Listing.objects.get(pk=listing.pk).status == "paused"
    response = client.post(reverse("merchant-listing-transition", args=[listing.pk, "activate"]),
                           {"next": "//evil.example/"})
    assert Listing.objects.get(pk=listing.pk).status == "active"
    assert response["Location"] == reverse("merchant-listings")
    assert client.post(reverse("merchant-listing-transition", args=[listing.pk, "remove"])).status_code == 404
    assert Listing.objects.get(pk=listing.pk).status == "active"


def test_invalid_transition_from_the_list_is_a_message(browser, listing):
    response = browser("merchant").post(reverse("merchant-listing-transition", args=[listing.pk, "activate"]),
                                        follow=True)

    assert Listing.objects.get(pk=listing.pk).status == "active"
    assert any(m.level_tag == "error" for m in response.context["messages"])


def test_image_upload_page(browser, listing):
    client = browser("merchant")

    ok = client.post(reverse("merchant-listing-image", args=[listing.pk]), {"file": _image(), "alt_text": "Top"})
    bad = client.post(reverse("merchant-listing-image", args=[listing.pk]),
                      {"file": SimpleUploadedFile("x.png", b"not an image", content_type="image/png")})

    assert ok.status_code == 302
    assert ListingImage.objects.get().alt_text == "Top"
    assert bad.status_code == 400
    assert "file" in bad.context["image_form"].errors
    assert ListingImage.objects.count() == 1

    image = ListingImage.objects.get()
    assert client.post(reverse("merchant-listing-image-delete", args=[listing.pk, image.pk])).status_code == 302
    assert ListingImage.objects.count() == 0


def test_buy_box_offers_the_cart_to_buyers_only(browser, listing):
    url = reverse("listing-detail", args=[listing.pk])

    assert "Log in to buy" in browser("anonymous").get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'name="quantity"' in browser("buyer").get(url).content.decode()
    assert 'name="quantity"' not in browser("merchant").get(url).content.decode()


@pytest.mark.parametrize("url_name, role", [("shop-detail", "anonymous"), ("merchant-listings", "merchant")])
def test_other_list_pages_query_count_does_not_grow(browser, many_listings, shop, url_name, role):
    client = browser(role)
    url = reverse(url_name, args=[shop.pk] if url_name == "shop-detail" else [])
    counts = []
    for size in (10, 20, 100):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"page_size": size}).status_code == 200
        counts.append(len(queries))

    assert counts[0] == counts[1] == counts[2] <= 7


def test_merchant_pages_link_to_orders_and_money(browser, shop):
    html = browser("merchant").get(reverse("merchant-dashboard")).content.decode()

    assert reverse("orders:merchant-orders") in html
    assert reverse("orders:merchant-balance") in html


def test_dashboard_shows_cases_only_when_an_app_provides_them(browser, shop, monkeypatch):
    from marketplace import hooks

    monkeypatch.setattr(hooks, "_shop_case_providers", {})
    html = browser("merchant").get(reverse("merchant-dashboard"), HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Open after-sales cases" not in html


def test_shop_open_cases_merges_providers_merchants_move_first_soonest_first(shop, monkeypatch):
    from datetime import UTC, datetime

    from marketplace import hooks

    def at(day):
        return datetime(2026, 3, day, tzinfo=UTC)

    def first(shop, *, limit):
        return hooks.ShopCases(total=3, list_url="/first/", rows=[
            hooks.ShopCase(url="/a", reference="#a", item="", request="", status="", deadline=at(9)),
            hooks.ShopCase(url="/b", reference="#b", item="", request="", status="", deadline=at(5),
                           merchants_move=True),
            hooks.ShopCase(url="/c", reference="#c", item="", request="", status="")])

    def second(shop, *, limit):
        return hooks.ShopCases(total=1, list_url="/second/", rows=[
            hooks.ShopCase(url="/d", reference="#d", item="", request="", status="", deadline=at(7),
                           merchants_move=True)])

    monkeypatch.setattr(hooks, "_shop_case_providers", {})
    hooks.register_shop_cases("first", first)
    hooks.register_shop_cases("second", second)

    cases = hooks.shop_open_cases(shop, limit=3)

    assert cases.total == 4
    assert [row.url for row in cases.rows] == ["/b", "/d", "/a"]
    assert cases.list_url == "/first/"
