"""Listings API: search, create, read, edit, pause/activate, images, staff removal; schema; query counts."""
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from marketplace import hooks
from marketplace.models import Category, Listing, ListingImage
from marketplace.services.listings import listing_add_image, listing_pause, listing_remove
from marketplace.services.shops import shop_open, shop_suspend, shop_verify

from .conftest import image_bytes

pytestmark = pytest.mark.django_db
D = Decimal
ROLES = ["anonymous", "buyer", "other_buyer", "merchant", "other_merchant", "staff_user", "staff_no_perms"]


@pytest.fixture
def as_role(request, client_for):
    def make(role):
        return APIClient() if role == "anonymous" else client_for(request.getfixturevalue(role))

    return make


@pytest.fixture
def body(category):
    return {"title": "蓝牙耳机 Pro", "description": "Noise cancelling.", "price": "1299.00", "stock": 5,
            "category": category.pk, "installments_available": True, "merchant_pays_fee": False,
            "return_days": 30, "exchange_days": 15, "quality_days": 180}


def _row(listing):
    return Listing.objects.filter(pk=listing.pk).values().get()


# --- read ----------------------------------------------------------------------------------------
def test_listing_json_shape(as_role, make_listing, merchant, shop, category, monkeypatch):
    monkeypatch.setattr(hooks, "_methods", {})  # no instalment offer registered: no teaser
    listing = make_listing(price="1299.00", installments_available=True, return_days=30)
    listing_add_image(actor=merchant, listing=listing, file=_upload(), alt_text="Front")

    body = as_role("anonymous").get(f"/api/v1/listings/{listing.pk}/").json()

    assert body["id"] == listing.pk
    assert body["price"] == "1299.00"
    assert body["stock"] == 10
    assert body["status"] == "active"
    assert body["category"] == category.pk
    assert body["shop"] == {"id": shop.pk, "name": "Blue Sky Audio", "rating": "0.00", "dispute_rate": "0.0000",
                            "verification_status": "verified", "has_deposit": False}
    assert body["guarantee"] == {"return_days": 30, "exchange_days": 15, "quality_days": 90}
    assert body["installments_available"] is True and body["merchant_pays_fee"] is False
    assert body["monthly_from"] is None
    [image] = body["images"]
    assert image["alt_text"] == "Front"
    assert image["url"].startswith("http://testserver/media/listings/")
    assert image["thumbnail_url"].endswith("-thumb.jpg")
    assert "created" in body


def test_monthly_from_is_the_lowest_amount_any_method_offers(as_role, make_listing, monkeypatch):
    class Cheap(hooks.PaymentMethod):
        key = "test-cheap"

        def listing_monthly_from(self, listing):
            return listing.price_amount / 12

    class Dear(hooks.PaymentMethod):
        key = "test-dear"

        def listing_monthly_from(self, listing):
            return D("500.00")

    monkeypatch.setattr(hooks, "_methods", {"test-cheap": Cheap(), "test-dear": Dear()})
    with_instalments = make_listing(price="1200.00", installments_available=True)
    without = make_listing(price="1200.00")

    assert as_role("anonymous").get(f"/api/v1/listings/{with_instalments.pk}/").json()["monthly_from"] == "100.00"
    assert as_role("anonymous").get(f"/api/v1/listings/{without.pk}/").json()["monthly_from"] is None


def test_search_endpoint(as_role, make_listing, other_shop):
    make_listing(title="蓝牙耳机", price="199.00")
    make_listing(title="Teapot", price="50.00", category=Category.objects.get(slug="tea"))
    make_listing(shop=other_shop, title="Longjing", price="88.00", category=Category.objects.get(slug="tea"))
    client = as_role("anonymous")

    body = client.get("/api/v1/listings/", {"q": "耳机"}).json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert [r["title"] for r in body["results"]] == ["蓝牙耳机"]
    assert [r["title"] for r in client.get("/api/v1/listings/", {"category": "food", "ordering": "price"})
            .json()["results"]] == ["Teapot", "Longjing"]
    assert client.get("/api/v1/listings/", {"shop": other_shop.pk}).json()["count"] == 1
    assert client.get("/api/v1/listings/", {"min_price": "60", "max_price": "100"}).json()["count"] == 1
    paged = client.get("/api/v1/listings/", {"page_size": 2}).json()
    assert paged["count"] == 3 and len(paged["results"]) == 2 and paged["next"]


@pytest.mark.parametrize("params", [{"category": "nope"}, {"min_price": "x"}, {"ordering": "title"},
                                    {"installments": "perhaps"}, {"max_price": "1.234"}], ids=str)
def test_search_bad_filters_are_400(as_role, listing, params):
    response = as_role("anonymous").get("/api/v1/listings/", params)

    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
    assert list(response.json()["fields"]) == list(params)


def test_search_hides_suspended_shops(as_role, listing, shop, staff_user):
    shop_suspend(actor=staff_user, shop=shop, reason="Checks")

    assert as_role("buyer").get("/api/v1/listings/").json()["count"] == 0
    assert as_role("buyer").get(f"/api/v1/listings/{listing.pk}/").status_code == 404
    assert as_role("merchant").get(f"/api/v1/listings/{listing.pk}/").status_code == 200


@pytest.mark.parametrize("state, visible_to", [
    ("active", set(ROLES)),
    ("draft", {"merchant", "staff_user"}),
    ("paused", {"merchant", "staff_user"}),
    ("removed", {"staff_user"}),
])
@pytest.mark.parametrize("role", ROLES)
def test_listing_detail_visibility(as_role, make_listing, merchant, staff_user, state, visible_to, role):
    listing = make_listing(status="draft" if state == "draft" else "active")
    if state == "paused":
        listing_pause(actor=merchant, listing=listing)
    if state == "removed":
        listing_remove(actor=staff_user, listing=listing, reason="r")

    response = as_role(role).get(f"/api/v1/listings/{listing.pk}/")

    assert response.status_code == (200 if role in visible_to else 404)


# --- create --------------------------------------------------------------------------------------
def test_create_listing(as_role, body, shop):
    response = as_role("merchant").post("/api/v1/listings/", body, format="json")

    assert response.status_code == 201, response.json()
    created = response.json()
    assert created["status"] == "active"
    assert created["price"] == "1299.00"
    assert created["guarantee"] == {"return_days": 30, "exchange_days": 15, "quality_days": 180}
    assert created["shop"]["id"] == shop.pk
    assert Listing.objects.get(pk=created["id"]).price_amount == D("1299.00")


def test_create_draft_and_defaults(as_role, category):
    response = as_role("merchant").post("/api/v1/listings/", {
        "title": "Draft", "price": 5, "stock": 0, "category": category.slug, "status": "draft"}, format="json")

    assert response.status_code == 201, response.json()
    assert response.json()["status"] == "draft"
    assert response.json()["guarantee"] == {"return_days": 15, "exchange_days": 15, "quality_days": 90}
    assert response.json()["price"] == "5.00"


@pytest.mark.parametrize("role, status, code", [
    ("anonymous", 401, "not_authenticated"), ("buyer", 403, "no_shop"), ("staff_user", 403, "no_shop"),
    ("staff_no_perms", 403, "no_shop"), ("merchant", 201, None), ("other_merchant", 201, None),
])
def test_create_listing_matrix(as_role, body, role, status, code):
    client = as_role(role)
    before = Listing.objects.count()

    response = client.post("/api/v1/listings/", body, format="json")

    assert response.status_code == status
    if code:
        assert response.json()["code"] == code
        assert Listing.objects.count() == before


def test_unverified_shop_cannot_create(as_role, client_for, make_user, body):
    owner = make_user()
    shop_open(actor=owner, name="Moon Bakery")

    response = client_for(owner).post("/api/v1/listings/", body, format="json")

    assert response.status_code == 403
    assert response.json()["code"] == "shop_not_verified"
    assert Listing.objects.count() == 0


@pytest.mark.parametrize("changes, field", [
    ({"price": "12.345"}, "price"), ({"price": "0"}, "price"), ({"price": "-1"}, "price"),
    ({"price": "abc"}, "price"), ({"price": True}, "price"), ({"price": "NaN"}, "price"),
    ({"price": "1e30"}, "price"), ({"price": None}, "price"),
    ({"stock": 1.5}, "stock"), ({"stock": "-1"}, "stock"), ({"stock": -1}, "stock"), ({"stock": True}, "stock"),
    ({"stock": "many"}, "stock"), ({"stock": 2**40}, "stock"),
    ({"category": 999999}, "category"), ({"category": "no-such"}, "category"), ({"category": True}, "category"),
    ({"category": 1.5}, "category"), ({"category": None}, "category"), ({"category": -3}, "category"),
    ({"title": ""}, "title"), ({"title": 123}, "title"), ({"title": "t" * 121}, "title"),
    ({"return_days": 6}, "return_days"), ({"return_days": 31}, "return_days"),
    ({"quality_days": 200}, "quality_days"), ({"exchange_days": "x"}, "exchange_days"),
    ({"merchant_pays_fee": True, "installments_available": False}, "merchant_pays_fee"),
    ({"status": "paused"}, "status"), ({"status": "removed"}, "status"),
], ids=lambda v: str(v))
def test_create_bad_input_is_400_with_the_field(as_role, body, changes, field):
    client = as_role("merchant")

    response = client.post("/api/v1/listings/", {**body, **changes}, format="json")

    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "validation_error"
    assert field in response.json()["fields"]
    assert Listing.objects.count() == 0


@pytest.mark.parametrize("missing", ["title", "price", "stock", "category"])
def test_create_requires_fields(as_role, body, missing):
    del body[missing]

    response = as_role("merchant").post("/api/v1/listings/", body, format="json")

    assert response.status_code == 400
    assert missing in response.json()["fields"]


# --- edit and actions ----------------------------------------------------------------------------
@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("buyer", 403), ("other_buyer", 403), ("merchant", 200), ("other_merchant", 403),
    ("staff_user", 403), ("staff_no_perms", 403),
])
def test_patch_listing_matrix(as_role, listing, role, status):
    client = as_role(role)
    before = _row(listing)

    response = client.patch(f"/api/v1/listings/{listing.pk}/", {"price": "88.00", "stock": 3}, format="json")

    assert response.status_code == status
    if status == 200:
        assert (response.json()["price"], response.json()["stock"]) == ("88.00", 3)
    else:
        assert _row(listing) == before


@pytest.mark.parametrize("role", ["buyer", "other_merchant", "staff_no_perms"])
def test_patch_a_listing_the_caller_cannot_see_is_404(as_role, make_listing, role):
    draft = make_listing(status="draft")
    client = as_role(role)
    before = _row(draft)

    response = client.patch(f"/api/v1/listings/{draft.pk}/", {"title": "Mine"}, format="json")

    assert response.status_code == 404
    assert _row(draft) == before


def test_patch_status_and_fields_together_or_not_at_all(as_role, listing):
    client = as_role("merchant")

    paused = client.patch(f"/api/v1/listings/{listing.pk}/", {"status": "paused", "title": "Quiet"}, format="json")
    assert paused.status_code == 200
    assert (paused.json()["status"], paused.json()["title"]) == ("paused", "Quiet")

    before = _row(listing)
    refused = client.patch(f"/api/v1/listings/{listing.pk}/", {"status": "draft"}, format="json")
    assert refused.status_code == 400
    assert _row(listing) == before


def test_patch_bad_values(as_role, listing):
    before = _row(listing)

    response = as_role("merchant").patch(f"/api/v1/listings/{listing.pk}/", {"stock": -2, "price": "1.001"},
                                         format="json")

    assert response.status_code == 400
    assert set(response.json()["fields"]) == {"stock", "price"}
    assert _row(listing) == before


@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("buyer", 403), ("merchant", 200), ("other_merchant", 403), ("staff_user", 403),
    ("staff_no_perms", 403),
])
def test_pause_matrix(as_role, listing, role, status):
    client = as_role(role)
    before = _row(listing)

    response = client.post(f"/api/v1/listings/{listing.pk}/pause/")

    assert response.status_code == status
    if status == 200:
        assert response.json()["status"] == "paused"
    else:
        assert _row(listing) == before


def test_activate_and_invalid_action(as_role, listing):
    client = as_role("merchant")

    again = client.post(f"/api/v1/listings/{listing.pk}/activate/")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"

    assert client.post(f"/api/v1/listings/{listing.pk}/pause/").json()["status"] == "paused"
    assert client.post(f"/api/v1/listings/{listing.pk}/activate/").json()["status"] == "active"


@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("buyer", 403), ("merchant", 403), ("staff_user", 200), ("staff_no_perms", 403),
])
def test_staff_remove_matrix(as_role, listing, role, status):
    client = as_role(role)
    before = _row(listing)

    response = client.post(f"/api/v1/staff/listings/{listing.pk}/remove/", {"reason": "Counterfeit"}, format="json")

    assert response.status_code == status
    if status == 200:
        assert response.json()["status"] == "removed"
    else:
        assert _row(listing) == before


# --- images --------------------------------------------------------------------------------------
def _upload(fmt="JPEG", size=(64, 48), content=None, name="photo.jpg"):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content if content is not None else image_bytes(fmt, size),
                              content_type="image/jpeg")


@pytest.mark.parametrize("role, status", [
    ("anonymous", 401), ("buyer", 403), ("merchant", 201), ("other_merchant", 403), ("staff_user", 403),
    ("staff_no_perms", 403),
])
def test_image_upload_matrix(as_role, listing, role, status):
    client = as_role(role)

    response = client.post(f"/api/v1/listings/{listing.pk}/images/", {"file": _upload(), "alt_text": "Side"},
                           format="multipart")

    assert response.status_code == status
    assert ListingImage.objects.count() == (1 if status == 201 else 0)
    if status == 201:
        assert response.json()["images"][0]["alt_text"] == "Side"


@pytest.mark.parametrize("content, code", [
    (b"plain text, not a picture", "invalid_image"),
    (b"GIF89a" + b"\x00" * 40, "invalid_image"),
    (b"\xff\xd8" + b"0" * (5 * 1024 * 1024 + 10), "invalid_image"),
], ids=["text", "gif", "over-5mb"])
def test_bad_uploads_are_refused(as_role, listing, content, code):
    response = as_role("merchant").post(f"/api/v1/listings/{listing.pk}/images/", {"file": _upload(content=content)},
                                        format="multipart")

    assert response.status_code == 400
    assert response.json()["code"] == code
    assert "file" in response.json()["fields"]
    assert ListingImage.objects.count() == 0


def test_upload_needs_a_file_and_multipart(as_role, listing):
    client = as_role("merchant")

    missing = client.post(f"/api/v1/listings/{listing.pk}/images/", {"alt_text": "x"}, format="multipart")
    as_json = client.post(f"/api/v1/listings/{listing.pk}/images/", {"file": "abc"}, format="json")

    assert (missing.status_code, missing.json()["code"]) == (400, "validation_error")
    assert (as_json.status_code, as_json.json()["code"]) == (415, "unsupported_media_type")


def test_huge_upload_is_refused_before_parsing(as_role, listing):
    response = as_role("merchant").post(f"/api/v1/listings/{listing.pk}/images/",
                                        {"file": _upload(content=b"0" * (13 * 1024 * 1024))}, format="multipart")

    assert response.status_code == 413
    assert response.json()["code"] == "request_too_large"


# --- query counts and schema ---------------------------------------------------------------------
@pytest.fixture
def hundred_listings(make_listing, merchant, other_shop):
    listings = [make_listing(title=f"Listing {n}", price=f"{n + 1}.00") for n in range(60)]
    listings += [make_listing(shop=other_shop, title=f"Other {n}") for n in range(45)]
    for listing in listings[::3]:
        listing_add_image(actor=listing.shop.owner, listing=listing, file=_upload(size=(8, 8)))
    return listings


@pytest.mark.parametrize("role", ["anonymous", "buyer"])
def test_listing_list_query_count_does_not_grow_with_the_page(as_role, hundred_listings, role,
                                                              django_assert_max_num_queries):
    client = as_role(role)
    client.get("/api/v1/listings/", {"page_size": 5})  # the search's count is cached (a minute) after the first
    counts = []
    for size in (10, 20, 100):
        with CaptureQueriesContext(connection) as queries:
            response = client.get("/api/v1/listings/", {"page_size": size})
        assert len(response.json()["results"]) == size
        counts.append(len(queries))

    assert counts[0] == counts[1] == counts[2]
    # A new search: categories (1), count (1), page (1), images (1), and the token lookup when logged in.
    with django_assert_max_num_queries(4 if role == "anonymous" else 5):
        client.get("/api/v1/listings/", {"page_size": 100, "q": "listing", "category": "phones"})


def test_schema_documents_the_catalogue(as_role):
    response = as_role("anonymous").get("/api/schema/", {"format": "json"})

    assert response.status_code == 200
    paths = response.json()["paths"]
    for path in ("/api/v1/shops/", "/api/v1/shops/{id}/", "/api/v1/shops/{id}/deposit/", "/api/v1/categories/",
                 "/api/v1/listings/", "/api/v1/listings/{id}/", "/api/v1/listings/{id}/pause/",
                 "/api/v1/listings/{id}/activate/", "/api/v1/listings/{id}/images/",
                 "/api/v1/staff/shops/{id}/verify/", "/api/v1/staff/shops/{id}/suspend/"):
        assert path in paths, path
    assert {"200", "400", "401", "403", "404"} <= set(paths["/api/v1/listings/{id}/"]["patch"]["responses"])
    assert {"201", "400", "401", "403"} <= set(paths["/api/v1/listings/"]["post"]["responses"])
    assert {"401", "403", "404", "409"} <= set(paths["/api/v1/staff/shops/{id}/verify/"]["post"]["responses"])
    parameters = {p["name"] for p in paths["/api/v1/listings/"]["get"]["parameters"]}
    assert {"q", "category", "shop", "min_price", "max_price", "installments", "ordering", "page"} <= parameters


@pytest.mark.parametrize("url, role", [("/api/v1/merchant/listings/", "merchant"), ("/api/v1/shops/", "anonymous"),
                                       ("/api/v1/categories/", "anonymous")])
def test_other_list_endpoints_query_count_does_not_grow(as_role, hundred_listings, make_user, staff_user, url,
                                                        role):
    for n in range(30):
        shop_verify(actor=staff_user, shop=shop_open(actor=make_user(), name=f"Shop {n}"))
    client = as_role(role)
    client.get("/api/v1/listings/", {"page_size": 5})  # the search's count is cached (a minute) after the first
    counts = []
    for size in (10, 20, 100):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, {"page_size": size}).status_code == 200
        counts.append(len(queries))

    # At most: token, my shop, count, page, images.
    assert counts[0] == counts[1] == counts[2] <= 5


# --- never a 500 for bad input -------------------------------------------------------------------
_json = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-2**70, max_value=2**70)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
    | st.sampled_from(["1.00", "0.001", "1e400", "NaN", "-0", "phones", "active", "draft", "paused", "１２"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=5,
)
_fields = ["title", "description", "price", "stock", "category", "installments_available", "merchant_pays_fee",
           "return_days", "exchange_days", "quality_days", "status"]


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(changes=st.dictionaries(st.sampled_from(_fields), _json, max_size=4))
def test_create_and_patch_answer_4xx_never_500(as_role, body, listing, changes):
    client = as_role("merchant")

    created = client.post("/api/v1/listings/", {**body, **changes}, format="json")
    patched = client.patch(f"/api/v1/listings/{listing.pk}/", changes, format="json")

    assert created.status_code in (201, 400), created.content
    assert patched.status_code in (200, 400, 409), patched.content


@hypothesis_settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(params=st.dictionaries(
    st.sampled_from(["q", "category", "shop", "min_price", "max_price", "installments", "guarantee", "ordering",
                     "page", "page_size"]),
    st.text(max_size=20) | st.sampled_from(["1e999", "-1", "99999999999999999999", "0", "phones", "true"]),
    max_size=4))
def test_search_answers_200_or_400_never_500(as_role, listing, params):
    response = as_role("anonymous").get("/api/v1/listings/", params)

    assert response.status_code in (200, 400, 404), response.content


@pytest.mark.parametrize("field", ["title", "description"])
def test_null_characters_are_a_validation_error(as_role, body, field):
    response = as_role("merchant").post("/api/v1/listings/", {**body, field: "a\x00b"}, format="json")

    assert response.status_code == 400
    assert field in response.json()["fields"]


def test_null_character_in_a_search_is_a_validation_error(as_role, listing):
    assert as_role("anonymous").get("/api/v1/listings/", {"q": "a\x00b"}).status_code == 400
