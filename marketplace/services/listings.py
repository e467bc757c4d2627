"""Listing services: create, edit, change state, add images; the search document and its tokens."""
import re

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import errors
from core.errors import DomainError
from core.models import Notification
from core.notifications import notify
from core.privacy import audit
from marketplace import errors as mp_errors
from marketplace import errors_catalog as cat_errors
from marketplace.models import Category, Listing, ListingImage, ListingStatus, Shop
from marketplace.services import images
from marketplace.services.shops import (
    LazyFormat,
    clean_amount,
    clean_text,
    field_error,
    require_shop_owner,
    require_staff_permission,
)

CHANGE_LISTING = "marketplace.change_listing"
TITLE_MAX_LENGTH = Listing._meta.get_field("title").max_length
DESCRIPTION_MAX_LENGTH = Listing._meta.get_field("description").max_length
MAX_STOCK = 2_147_483_647  # PositiveIntegerField on PostgreSQL
MAX_IMAGES = 10
CREATE_STATUSES = (ListingStatus.ACTIVE, ListingStatus.DRAFT)

# The no-reason return window the law gives every online purchase; no setting goes below it.
LEGAL_RETURN_DAYS = 7
# Platform bounds of the guarantee windows, in days; operators tune them in settings.FANGXIN.
_DEFAULT_BOUNDS = {
    "return_days": ("RETURN_DAYS_MIN", 7, "RETURN_DAYS_MAX", 30),
    "exchange_days": ("EXCHANGE_DAYS_MIN", 7, "EXCHANGE_DAYS_MAX", 30),
    "quality_days": ("QUALITY_DAYS_MIN", 30, "QUALITY_DAYS_MAX", 180),
}
WINDOW_LABELS = {
    "return_days": gettext_lazy("return window"),
    "exchange_days": gettext_lazy("exchange window"),
    "quality_days": gettext_lazy("quality-claim window"),
}


def guarantee_bounds() -> dict[str, tuple[int, int]]:
    """``{"return_days": (min, max), ...}`` from settings.FANGXIN, read on each call so tests can override."""
    conf = getattr(settings, "FANGXIN", {}) or {}
    bounds = {}
    for field, (min_key, min_default, max_key, max_default) in _DEFAULT_BOUNDS.items():
        bounds[field] = (int(conf.get(min_key, min_default)), int(conf.get(max_key, max_default)))
    low, high = bounds["return_days"]
    bounds["return_days"] = (max(low, LEGAL_RETURN_DAYS), max(high, LEGAL_RETURN_DAYS))
    return bounds


# --- search document -----------------------------------------------------------------------------
# PostgreSQL's "simple" parser sees a run of Chinese characters as one word, so "蓝牙" would not
# find "蓝牙耳机". Emitting every run also as overlapping bigrams, and splitting queries the same
# way, makes Chinese searchable without a Chinese parser.
_CJK = "\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef"
_CJK_RUN = re.compile(f"([{_CJK}]+)")
_WORD = re.compile(r"[^\W_]+")  # letters and digits of any script
MAX_QUERY_TERMS = 24


def _runs(text: str):
    """(run, is_cjk) for every word of ``text``, lowercased, CJK runs split off Latin ones."""
    for word in _WORD.findall((text or "").lower()):
        for run in _CJK_RUN.split(word):
            if run:
                yield run, bool(_CJK_RUN.fullmatch(run))


def _bigrams(run: str) -> list[str]:
    return [run[i:i + 2] for i in range(len(run) - 1)]


def search_document_tokens(text: str) -> list[str]:
    tokens = []
    for run, cjk in _runs(text):
        tokens.append(run)
        if cjk and len(run) > 2:
            tokens.extend(_bigrams(run))
    return tokens


def search_query_terms(text: str) -> list[tuple[str, bool]]:
    """The query's terms as (term, is_prefix), deduplicated, in order; all must match.

    A CJK run becomes its bigrams; a single CJK character matches as a prefix,
    so "耳" finds documents with "耳机".
    """
    terms, seen = [], set()
    for run, cjk in _runs(text):
        if cjk and len(run) == 1:
            parts = [(run, True)]
        elif cjk:
            parts = [(gram, False) for gram in _bigrams(run)]
        else:
            parts = [(run, False)]
        for part in parts:
            if part not in seen:
                seen.add(part)
                terms.append(part)
    return terms[:MAX_QUERY_TERMS]


def tsquery_text(terms: list[tuple[str, bool]]) -> str:
    """A to_tsquery() argument ANDing the terms, each quoted; passed as a parameter, never spliced into SQL."""
    quoted = []
    for term, prefix in terms:
        escaped = term.replace("\\", "\\\\").replace("'", "''")
        quoted.append(f"'{escaped}'" + (":*" if prefix else ""))
    return " & ".join(quoted)


def _category_names(category: Category) -> list[str]:
    names, seen, node = [], set(), category
    while node is not None and node.pk not in seen:  # the guard stops a cycle an admin might create
        seen.add(node.pk)
        names.extend([node.name_zh, node.name_en])
        node = node.parent
    return names


def search_document_for(listing: Listing) -> str:
    """Title, description and category names (with ancestors), lowercased, plus CJK bigrams."""
    text = " ".join([listing.title, listing.description, *_category_names(listing.category)])
    return " ".join(search_document_tokens(text))


# --- validation ----------------------------------------------------------------------------------
EDITABLE_FIELDS = ("title", "description", "price", "stock", "category", "installments_available",
                   "merchant_pays_fee", "return_days", "exchange_days", "quality_days")


def _clean_int(value, *, field: str, low: int, high: int, message) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise field_error(field, _("Enter a whole number."))
    if not low <= value <= high:
        raise field_error(field, message)
    return value


def _clean_bool(value, *, field: str) -> bool:
    if not isinstance(value, bool):
        raise field_error(field, _("Enter true or false."))
    return value


def _clean_fields(changes: dict, *, shop: Shop) -> dict:
    """Validate the given listing fields one by one; returns model attribute → value."""
    clean = {}
    bounds = guarantee_bounds()
    for field, value in changes.items():
        if field == "title":
            clean["title"] = clean_text(value, field="title", min_length=1, max_length=TITLE_MAX_LENGTH)
        elif field == "description":
            clean["description"] = clean_text(value, field="description", max_length=DESCRIPTION_MAX_LENGTH)
        elif field == "price":
            clean["price_amount"] = clean_amount(value, field="price")
        elif field == "stock":
            clean["stock"] = _clean_int(value, field="stock", low=0, high=MAX_STOCK,
                                        message=_("Stock must be between 0 and %(max)d.") % {"max": MAX_STOCK})
        elif field == "category":
            if not isinstance(value, Category) or value.pk is None:
                raise field_error("category", _("Choose a category."))
            clean["category"] = value
        elif field in ("installments_available", "merchant_pays_fee"):
            clean[field] = _clean_bool(value, field=field)
        elif field in bounds:
            low, high = bounds[field]
            clean[field] = _clean_int(
                value, field=field, low=low, high=high,
                message=_("The %(window)s must be between %(low)d and %(high)d days.")
                % {"window": WINDOW_LABELS[field], "low": low, "high": high})
        else:
            raise TypeError(f"unknown listing field {field!r}")
    if clean.get("installments_available") and shop.installments_disabled:
        raise field_error("installments_available", _("Instalments are disabled for your shop."))
    return clean


def _check_fee_promotion(listing: Listing) -> None:
    if listing.merchant_pays_fee and not listing.installments_available:
        raise field_error("merchant_pays_fee", _("Interest-free instalments need instalments to be offered."))


def _require_verified(shop: Shop) -> None:
    if not shop.is_verified:
        raise DomainError(mp_errors.SHOP_NOT_VERIFIED,
                          _("Your shop must be verified by Fangxin staff before it can publish listings."))


# --- services ------------------------------------------------------------------------------------
@transaction.atomic
def listing_create(*, actor, shop: Shop, title, description, price, stock, category,
                   installments_available=False, merchant_pays_fee=False, return_days=15, exchange_days=15,
                   quality_days=90, status=ListingStatus.ACTIVE) -> Listing:
    """Publish a listing (or save a draft) in the actor's verified shop."""
    require_shop_owner(actor, shop)
    _require_verified(shop)
    if status not in CREATE_STATUSES:
        raise field_error("status", _("A new listing is active or a draft."))
    values = _clean_fields(
        {"title": title, "description": description, "price": price, "stock": stock, "category": category,
         "installments_available": installments_available, "merchant_pays_fee": merchant_pays_fee,
         "return_days": return_days, "exchange_days": exchange_days, "quality_days": quality_days},
        shop=shop,
    )
    listing = Listing(shop=shop, status=status, **values)
    _check_fee_promotion(listing)
    listing.search_document = search_document_for(listing)
    listing.save()
    return listing


def _lock(listing: Listing) -> Listing:
    return Listing.objects.select_for_update().select_related("category", "shop").get(pk=listing.pk)


def _sync(target: Listing, source: Listing, fields) -> None:
    for name in fields:
        setattr(target, name, getattr(source, name))


@transaction.atomic
def listing_update(*, actor, listing: Listing, **fields) -> Listing:
    """Change a listing's details (owner only); the status changes through listing_transition."""
    require_shop_owner(actor, listing.shop)
    # Locked so that a stock change cannot overwrite a concurrent checkout's reservation.
    locked = _lock(listing)
    if locked.status == ListingStatus.REMOVED:
        raise DomainError(cat_errors.LISTING_REMOVED, _("This listing was removed by Fangxin staff."))
    values = _clean_fields(fields, shop=locked.shop)
    for name, value in values.items():
        setattr(locked, name, value)
    _check_fee_promotion(locked)
    changed = list(values)
    if {"title", "description", "category"} & set(values):
        locked.search_document = search_document_for(locked)
        changed.append("search_document")
    if changed:
        locked.save(update_fields=[*changed, "modified"])
        _sync(listing, locked, [*changed, "modified"])
    return listing


_REMOVAL_MESSAGE = (gettext_lazy("A listing was removed"),
                    gettext_lazy("Fangxin staff removed your listing %(title)s. Reason: %(reason)s"))


@transaction.atomic
def listing_transition(*, actor, listing: Listing, to, reason: str = "") -> Listing:
    """Move a listing along Listing.TRANSITIONS.

    The owner publishes, pauses and re-activates; only staff with
    marketplace.change_listing remove, and nobody brings a removed listing back.
    """
    if to not in ListingStatus.values:
        raise field_error("to", _("Unknown listing status."))
    reason = clean_text(reason, field="reason", max_length=500)
    if to == ListingStatus.REMOVED:
        require_staff_permission(actor, CHANGE_LISTING)
    else:
        require_shop_owner(actor, listing.shop)
    locked = _lock(listing)
    old = locked.status
    if to not in Listing.TRANSITIONS.get(old, set()):
        raise DomainError(errors.INVALID_TRANSITION,
                          _("A listing cannot go from %(old)s to %(new)s.") % {"old": old, "new": to},
                          from_status=old, to_status=to)
    if to == ListingStatus.ACTIVE:
        _require_verified(locked.shop)
    locked.status = to
    locked.save(update_fields=["status", "modified"])
    if to == ListingStatus.REMOVED:
        # No status history on listings yet: the audit trail keeps who removed it and why.
        audit(actor=actor, action="listing_removed", target=locked, reason=reason, old_status=old)
        notify(user=locked.shop.owner, kind=Notification.Kind.ACCOUNT, title=_REMOVAL_MESSAGE[0],
               body=LazyFormat(_REMOVAL_MESSAGE[1], title=locked.title, reason=reason or "—"))
    _sync(listing, locked, ["status", "modified"])
    return listing


def listing_pause(*, actor, listing: Listing) -> Listing:
    return listing_transition(actor=actor, listing=listing, to=ListingStatus.PAUSED)


def listing_activate(*, actor, listing: Listing) -> Listing:
    return listing_transition(actor=actor, listing=listing, to=ListingStatus.ACTIVE)


def listing_remove(*, actor, listing: Listing, reason: str) -> Listing:
    if not isinstance(reason, str) or not reason.strip():
        require_staff_permission(actor, CHANGE_LISTING)
        raise field_error("reason", _("Say why the listing is removed."))
    return listing_transition(actor=actor, listing=listing, to=ListingStatus.REMOVED, reason=reason)


@transaction.atomic
def listing_add_image(*, actor, listing: Listing, file, alt_text: str = "") -> ListingImage:
    """Validate an uploaded image and store a clean copy and a thumbnail (owner only)."""
    require_shop_owner(actor, listing.shop)
    alt_text = clean_text(alt_text, field="alt_text",
                           max_length=ListingImage._meta.get_field("alt_text").max_length)
    locked = _lock(listing)  # serialises uploads, so the image count below is exact
    if locked.status == ListingStatus.REMOVED:
        raise DomainError(cat_errors.LISTING_REMOVED, _("This listing was removed by Fangxin staff."))
    count = locked.images.count()
    if count >= MAX_IMAGES:
        raise DomainError(cat_errors.TOO_MANY_IMAGES,
                          _("A listing has at most %(n)d images.") % {"n": MAX_IMAGES},
                          fields={"file": [_("A listing has at most %(n)d images.") % {"n": MAX_IMAGES}]})
    info = images.validate_image(file)
    original, thumbnail = images.sanitized_copy(file, info), images.make_thumbnail(file)
    image = ListingImage(listing=locked, alt_text=alt_text, position=count)
    # Stored under random names; a rolled-back upload leaves only unreferenced files behind.
    image.image.save(original.name, original, save=False)
    image.thumbnail.save(thumbnail.name, thumbnail, save=False)
    image.save()
    return image


@transaction.atomic
def listing_delete_image(*, actor, image: ListingImage) -> None:
    require_shop_owner(actor, image.listing.shop)
    storage, names = image.image.storage, [image.image.name, image.thumbnail.name]
    image.delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in names if name])


def listing_reindex(*, listings) -> int:
    """Rebuild the search document of the given listings (after a category is renamed)."""
    batch, count = [], 0
    for listing in listings.select_related("category__parent__parent"):
        listing.search_document = search_document_for(listing)
        batch.append(listing)
        if len(batch) >= 500:
            Listing.objects.bulk_update(batch, ["search_document"])
            count, batch = count + len(batch), []
    if batch:
        Listing.objects.bulk_update(batch, ["search_document"])
        count += len(batch)
    return count


def default_windows() -> dict[str, int]:
    """The windows a new listing starts with: the product defaults, kept inside the bounds."""
    defaults = {"return_days": 15, "exchange_days": 15, "quality_days": 90}
    bounds = guarantee_bounds()
    return {field: min(max(value, bounds[field][0]), bounds[field][1]) for field, value in defaults.items()}

