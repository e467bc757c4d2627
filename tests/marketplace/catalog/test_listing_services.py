"""Listing services: creation rules and bounds, editing, state changes, the search document."""
from decimal import Decimal

import pytest

from core.errors import DomainError
from core.models import AuditEvent, Notification
from marketplace.models import Category, Listing, ListingStatus, Shop
from marketplace.services.listings import (
    guarantee_bounds,
    listing_activate,
    listing_create,
    listing_pause,
    listing_remove,
    listing_transition,
    listing_update,
    search_document_for,
    search_query_terms,
    tsquery_text,
)
from marketplace.services.shops import shop_open, shop_suspend

pytestmark = pytest.mark.django_db
D = Decimal


def _row(listing):
    return Listing.objects.filter(pk=listing.pk).values().get()


# --- create --------------------------------------------------------------------------------------
def test_create_active_listing_with_defaults(make_listing, shop):
    listing = make_listing(price="1299.00", stock=3)

    listing.refresh_from_db()
    assert listing.status == ListingStatus.ACTIVE
    assert listing.shop == shop
    assert listing.price_amount == D("1299.00")
    assert (listing.return_days, listing.exchange_days, listing.quality_days) == (15, 15, 90)
    assert not listing.installments_available and not listing.merchant_pays_fee


def test_create_draft(make_listing):
    assert make_listing(status="draft").status == ListingStatus.DRAFT


@pytest.mark.parametrize("status", ["paused", "removed", "sold", ""])
def test_create_only_active_or_draft(make_listing, status):
    with pytest.raises(DomainError) as exc:
        make_listing(status=status)

    assert exc.value.code == "validation_error"
    assert Listing.objects.count() == 0


def test_pending_shop_cannot_publish(make_user, category):
    owner = make_user()
    shop = shop_open(actor=owner, name="Moon Bakery")

    with pytest.raises(DomainError) as exc:
        listing_create(actor=owner, shop=shop, title="Bread", description="", price="5.00", stock=1,
                       category=category)

    assert exc.value.code == "shop_not_verified"
    assert exc.value.status == 403
    assert Listing.objects.count() == 0


def test_suspended_shop_cannot_publish(make_listing, shop, staff_user):
    shop_suspend(actor=staff_user, shop=shop, reason="Checks")

    with pytest.raises(DomainError) as exc:
        make_listing()

    assert exc.value.code == "shop_not_verified"


def test_only_the_owner_creates_listings_in_a_shop(make_listing, other_merchant, staff_user):
    for actor in (other_merchant, staff_user):
        with pytest.raises(DomainError) as exc:
            make_listing(actor=actor)
        assert exc.value.code == "permission_denied"
    assert Listing.objects.count() == 0


@pytest.mark.parametrize("field, value", [
    ("return_days", 6), ("return_days", 31), ("exchange_days", 6), ("exchange_days", 31),
    ("quality_days", 29), ("quality_days", 181), ("return_days", 0), ("quality_days", -1),
    ("return_days", "15"), ("return_days", 15.0), ("return_days", True),
], ids=lambda v: str(v))
def test_guarantee_windows_outside_bounds_are_refused(make_listing, field, value):
    with pytest.raises(DomainError) as exc:
        make_listing(**{field: value})

    assert exc.value.code == "validation_error"
    assert list(exc.value.extra["fields"]) == [field]
    assert Listing.objects.count() == 0


@pytest.mark.parametrize("windows", [
    {"return_days": 7, "exchange_days": 7, "quality_days": 30},
    {"return_days": 30, "exchange_days": 30, "quality_days": 180},
], ids=["lowest", "highest"])
def test_guarantee_windows_at_the_bounds_are_accepted(make_listing, windows):
    listing = make_listing(**windows)

    assert {k: getattr(listing, k) for k in windows} == windows


def test_bounds_come_from_settings_but_never_below_the_legal_7_days(settings):
    settings.FANGXIN = {**settings.FANGXIN, "RETURN_DAYS_MIN": 3, "RETURN_DAYS_MAX": 20, "QUALITY_DAYS_MAX": 365}

    bounds = guarantee_bounds()

    assert bounds == {"return_days": (7, 20), "exchange_days": (7, 30), "quality_days": (30, 365)}


@pytest.mark.parametrize("price", ["0", "0.00", "-1.00", "1.005", "abc", "", 1.5, None, True, "NaN",
                                   "1000000000000.00"], ids=str)
def test_bad_prices_are_refused(make_listing, price):
    with pytest.raises(DomainError) as exc:
        make_listing(price=price)

    assert exc.value.code == "validation_error"
    assert list(exc.value.extra["fields"]) == ["price"]


@pytest.mark.parametrize("stock", [-1, 1.5, "5", True, None, 2**31], ids=str)
def test_bad_stock_is_refused(make_listing, stock):
    with pytest.raises(DomainError) as exc:
        make_listing(stock=stock)

    assert exc.value.code == "validation_error"
    assert list(exc.value.extra["fields"]) == ["stock"]


def test_price_accepts_whole_numbers_and_cent_strings(make_listing):
    assert make_listing(price=99).price_amount == D("99")
    assert make_listing(price="0.01").price_amount == D("0.01")


@pytest.mark.parametrize("title", ["", "   ", "t" * 121, 7], ids=["empty", "blank", "long", "number"])
def test_bad_titles_are_refused(make_listing, title):
    with pytest.raises(DomainError) as exc:
        make_listing(title=title)

    assert exc.value.code == "validation_error"


def test_interest_free_needs_instalments(make_listing):
    with pytest.raises(DomainError) as exc:
        make_listing(merchant_pays_fee=True)

    assert list(exc.value.extra["fields"]) == ["merchant_pays_fee"]
    assert make_listing(installments_available=True, merchant_pays_fee=True).merchant_pays_fee


def test_instalments_refused_when_staff_disabled_them(make_listing, shop):
    Shop.objects.filter(pk=shop.pk).update(installments_disabled=True)
    shop.refresh_from_db()

    with pytest.raises(DomainError) as exc:
        make_listing(installments_available=True)

    assert list(exc.value.extra["fields"]) == ["installments_available"]


def test_category_must_be_a_saved_category(make_listing):
    with pytest.raises(DomainError) as exc:
        make_listing(category=Category(slug="ghost"))

    assert list(exc.value.extra["fields"]) == ["category"]


# --- search document -----------------------------------------------------------------------------
def test_search_document_has_text_categories_and_bigrams(make_listing):
    listing = make_listing(title="Sony 蓝牙耳机 WH-1000XM5", description="降噪")

    words = listing.search_document.split()
    assert {"sony", "蓝牙耳机", "蓝牙", "牙耳", "耳机", "wh", "1000xm5", "降噪"} <= set(words)
    # The category and its parent, in both languages, split the same way.
    assert {"耳机音响", "音响", "headphones", "audio", "手机数码", "数码", "phones", "digital"} <= set(words)
    assert listing.search_document == listing.search_document.lower()


def test_single_cjk_characters_stay_whole(make_listing):
    words = make_listing(title="茶 cup").search_document.split()

    assert "茶" in words and "cup" in words


def test_query_terms_split_like_documents():
    assert search_query_terms("蓝牙耳机") == [("蓝牙", False), ("牙耳", False), ("耳机", False)]
    assert search_query_terms("耳") == [("耳", True)]
    assert search_query_terms("Sony  SONY x-1") == [("sony", False), ("x", False), ("1", False)]
    assert search_query_terms("'; DROP TABLE --") == [("drop", False), ("table", False)]
    assert search_query_terms("&|!:*()") == []


def test_tsquery_text_quotes_every_term():
    assert tsquery_text([("蓝牙", False), ("耳", True)]) == "'蓝牙' & '耳':*"
    assert tsquery_text([("it's", False), ("a\\b", False)]) == "'it''s' & 'a\\\\b'"


# --- update --------------------------------------------------------------------------------------
def test_owner_updates_fields_and_the_search_document(listing, merchant):
    listing_update(actor=merchant, listing=listing, title="蓝牙音箱", price="88.80", stock=0, return_days=30)

    listing.refresh_from_db()
    assert (listing.title, listing.price_amount, listing.stock, listing.return_days) == ("蓝牙音箱", D("88.80"), 0,
                                                                                          30)
    assert "音箱" in listing.search_document.split()
    assert listing.search_document == search_document_for(listing)


def test_others_cannot_update_and_nothing_changes(listing, other_merchant, staff_user, buyer):
    before = _row(listing)
    for actor in (other_merchant, staff_user, buyer):
        with pytest.raises(DomainError) as exc:
            listing_update(actor=actor, listing=listing, title="Mine now")
        assert exc.value.code == "permission_denied"
    assert _row(listing) == before


def test_invalid_update_changes_nothing(listing, merchant):
    before = _row(listing)

    with pytest.raises(DomainError):
        listing_update(actor=merchant, listing=listing, title="New title", quality_days=999)

    assert _row(listing) == before


def test_update_checks_the_fee_rule_against_current_values(make_listing, merchant):
    listing = make_listing(installments_available=True, merchant_pays_fee=True)

    with pytest.raises(DomainError):
        listing_update(actor=merchant, listing=listing, installments_available=False)

    assert Listing.objects.get(pk=listing.pk).installments_available


def test_removed_listing_cannot_be_edited(listing, merchant, staff_user):
    listing_remove(actor=staff_user, listing=listing, reason="Counterfeit")

    with pytest.raises(DomainError) as exc:
        listing_update(actor=merchant, listing=listing, title="Back again")

    assert exc.value.code == "listing_removed"


# --- transitions ---------------------------------------------------------------------------------
def test_owner_pauses_and_reactivates(listing, merchant):
    listing_pause(actor=merchant, listing=listing)
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.PAUSED

    listing_activate(actor=merchant, listing=listing)
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.ACTIVE


def test_owner_publishes_a_draft(make_listing, merchant):
    draft = make_listing(status="draft")

    listing_activate(actor=merchant, listing=draft)

    assert Listing.objects.get(pk=draft.pk).status == ListingStatus.ACTIVE


def test_staff_removes_with_reason_audit_and_notice(listing, staff_user, merchant):
    listing_remove(actor=staff_user, listing=listing, reason="False advertising")

    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.REMOVED
    event = AuditEvent.objects.get(action="listing_removed")
    assert (event.actor, event.target_id, event.reason) == (staff_user, str(listing.pk), "False advertising")
    assert Notification.objects.filter(user=merchant, body__contains="False advertising").exists()


@pytest.mark.parametrize("actor_name, target", [
    ("merchant", "removed"), ("staff_user", "paused"), ("staff_no_perms", "removed"), ("other_merchant", "paused"),
    ("buyer", "paused"),
])
def test_who_may_move_a_listing(request, listing, actor_name, target):
    actor = request.getfixturevalue(actor_name)
    before = _row(listing)

    with pytest.raises(DomainError) as exc:
        listing_transition(actor=actor, listing=listing, to=target, reason="r")

    assert exc.value.code == "permission_denied"
    assert _row(listing) == before


@pytest.mark.parametrize("start, target", [
    ("active", "active"), ("paused", "paused"), ("active", "draft"), ("removed", "active"), ("removed", "paused"),
    ("removed", "removed"),
], ids=lambda v: v)
def test_invalid_listing_transitions_change_nothing(listing, merchant, staff_user, start, target):
    if start == "paused":
        listing_pause(actor=merchant, listing=listing)
    if start == "removed":
        listing_remove(actor=staff_user, listing=listing, reason="r")
    before = _row(listing)
    actor = staff_user if target == "removed" else merchant

    with pytest.raises(DomainError) as exc:
        listing_transition(actor=actor, listing=listing, to=target)

    assert exc.value.code == "invalid_transition"
    assert exc.value.status == 409
    assert _row(listing) == before


def test_listings_of_a_suspended_shop_cannot_be_reactivated(listing, merchant, shop, staff_user):
    listing_pause(actor=merchant, listing=listing)
    shop_suspend(actor=staff_user, shop=shop, reason="Checks")
    listing.shop.refresh_from_db()

    with pytest.raises(DomainError) as exc:
        listing_activate(actor=merchant, listing=listing)

    assert exc.value.code == "shop_not_verified"
    assert Listing.objects.get(pk=listing.pk).status == ListingStatus.PAUSED


def test_suspension_leaves_listings_untouched(listing, shop, staff_user):
    before = _row(listing)

    shop_suspend(actor=staff_user, shop=shop, reason="Checks")

    assert _row(listing) == before
