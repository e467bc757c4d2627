"""Catalogue reads: the public listing search and shop/listing querysets scoped to who is asking."""
import re
from decimal import Decimal

import django_filters
from django import forms
from django.core.cache import cache
from django.core.paginator import Paginator
from django.db import connection
from django.db.models import BooleanField, F, Func, Q, QuerySet, Value
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.utils.functional import cached_property
from django.utils.translation import gettext_lazy as _

from marketplace import hooks
from marketplace.models import Category, Listing, ListingStatus, Shop, ShopStatus
from marketplace.services.listings import LEGAL_RETURN_DAYS, search_query_terms, tsquery_text

VIEW_LISTING, CHANGE_LISTING = "marketplace.view_listing", "marketplace.change_listing"
VIEW_SHOP, CHANGE_SHOP = "marketplace.view_shop", "marketplace.change_shop"


# --- who sees what -------------------------------------------------------------------------------
def _has_any_perm(user, *perms) -> bool:
    return bool(user is not None and user.is_authenticated and user.is_staff
                and any(user.has_perm(perm) for perm in perms))


def can_see_hidden_listings(user) -> bool:
    """Staff who look after listings see drafts, paused and removed ones, and those of suspended shops."""
    return _has_any_perm(user, VIEW_LISTING, CHANGE_LISTING)


def can_see_hidden_shops(user) -> bool:
    return _has_any_perm(user, VIEW_SHOP, CHANGE_SHOP)


def _public_listing_q() -> Q:
    # Suspending a shop hides its listings here, by query, so verifying it again restores them untouched.
    return Q(status=ListingStatus.ACTIVE, shop__verification_status=ShopStatus.VERIFIED)


def listing_list_for_public() -> QuerySet[Listing]:
    """Listings anybody may see and buy: active ones of verified shops, newest first, ready to render."""
    return _with_relations(Listing.objects.filter(_public_listing_q())).order_by("-created", "-pk")


def listings_visible_to(viewer) -> QuerySet[Listing]:
    """Listings ``viewer`` may open: public ones, the owner's own (not removed ones), all of them for staff."""
    queryset = Listing.objects.all()
    if not can_see_hidden_listings(viewer):
        visible = _public_listing_q()
        if viewer is not None and viewer.is_authenticated:
            visible |= Q(shop__owner_id=viewer.pk) & ~Q(status=ListingStatus.REMOVED)
        queryset = queryset.filter(visible)
    return _with_relations(queryset)


def listing_for_render(pk) -> Listing:
    """A listing with what pages and the API show of it, for a caller already authorised to see it."""
    return _with_relations(Listing.objects.all()).get(pk=pk)


def listing_is_public(listing: Listing) -> bool:
    return listing.status == ListingStatus.ACTIVE and listing.shop.verification_status == ShopStatus.VERIFIED


def listing_list_for_merchant(*, shop: Shop) -> QuerySet[Listing]:
    """The shop's own listings in every state, newest first (its owner's management list)."""
    return _with_relations(Listing.objects.filter(shop=shop)).order_by("-created", "-pk")


def listing_list_for_shop_page(*, shop: Shop) -> QuerySet[Listing]:
    return listing_list_for_public().filter(shop=shop)


def featured_listings(*, limit: int = 8) -> list[Listing]:
    return list(listing_list_for_public()[:limit])


def _with_relations(queryset: QuerySet[Listing]) -> QuerySet[Listing]:
    # One query for the page, one for its images, whatever the page size.
    return queryset.select_related("shop", "category").prefetch_related("images")


def shops_visible_to(viewer) -> QuerySet[Shop]:
    """Shops ``viewer`` may open: all but suspended ones; their own always; every shop for staff."""
    queryset = Shop.objects.all()
    if can_see_hidden_shops(viewer):
        return queryset
    visible = ~Q(verification_status=ShopStatus.SUSPENDED)
    if viewer is not None and viewer.is_authenticated:
        visible |= Q(owner_id=viewer.pk)
    return queryset.filter(visible)


def shop_list_for_public() -> QuerySet[Shop]:
    return Shop.objects.filter(verification_status=ShopStatus.VERIFIED).order_by("name", "pk")


def shop_get_for_owner(owner) -> Shop | None:
    if owner is None or not owner.is_authenticated:
        return None
    return Shop.objects.filter(owner_id=owner.pk).first()


# --- categories ----------------------------------------------------------------------------------
def category_list() -> list[Category]:
    return list(Category.objects.all())


def category_tree() -> list[Category]:
    """Top-level categories, each with ``children_list`` set; one query."""
    categories = category_list()
    by_parent: dict = {}
    for category in categories:
        by_parent.setdefault(category.parent_id, []).append(category)
    for category in categories:
        category.children_list = by_parent.get(category.pk, [])
    return by_parent.get(None, [])


def category_resolve(value) -> Category | None:
    """A category by id or slug, or None."""
    value = str(value or "").strip()
    if not value:
        return None
    lookup = {"pk": int(value)} if value.isdigit() and len(value) < 18 else {"slug": value}
    return Category.objects.filter(**lookup).first()


def _subtree(rows, root_pk) -> list[int]:
    children: dict = {}
    for pk, _slug, parent_id in rows:
        children.setdefault(parent_id, []).append(pk)
    found, stack = [], [root_pk]
    while stack:
        pk = stack.pop()
        if pk not in found:  # the guard stops a cycle an admin might create
            found.append(pk)
            stack.extend(children.get(pk, []))
    return found


# Every search by category walks the tree: keep its (pk, slug, parent) rows in the cache. Saving or
# deleting a category clears them (at once with the shared Redis cache; the TTL bounds how long another
# process's local-memory cache can lag behind an admin's edit).
CATEGORY_ROWS_KEY = "marketplace:category_rows:v1"
CATEGORY_ROWS_SECONDS = 300


def _category_rows() -> list[tuple]:
    rows = cache.get(CATEGORY_ROWS_KEY)
    if rows is None:
        rows = list(Category.objects.values_list("pk", "slug", "parent_id"))
        cache.set(CATEGORY_ROWS_KEY, rows, CATEGORY_ROWS_SECONDS)
    return rows


@receiver(post_save, sender=Category, dispatch_uid="marketplace.category_rows.saved")
@receiver(post_delete, sender=Category, dispatch_uid="marketplace.category_rows.deleted")
def _forget_category_rows(**kwargs) -> None:
    cache.delete(CATEGORY_ROWS_KEY)


def category_descendant_ids(category: Category) -> list[int]:
    """The category and everything below it (the tree is small: cached, walked in memory)."""
    return _subtree(_category_rows(), category.pk)


def category_subtree_ids(value) -> list[int] | None:
    """Ids of the category given by id or slug and of everything below it; None if unknown."""
    value = str(value or "").strip()
    rows = _category_rows()
    root = next((pk for pk, slug, _parent in rows if str(pk) == value or slug == value), None)
    return None if root is None else _subtree(rows, root)


# --- search --------------------------------------------------------------------------------------
class TsMatch(Func):
    """``to_tsvector('simple'::regconfig, <document>) @@ to_tsquery('simple'::regconfig, <query>)``.

    Written out by hand because SearchVector wraps the column in COALESCE, which
    would not match the expression of the GIN index (migration 0003) and so would
    never use it. The query text is a bound parameter.
    """

    output_field = BooleanField()
    arity = 2

    def as_sql(self, compiler, connection, **extra_context):
        document, query = self.get_source_expressions()
        document_sql, document_params = compiler.compile(document)
        query_sql, query_params = compiler.compile(query)
        sql = (f"to_tsvector('simple'::regconfig, {document_sql}) "
               f"@@ to_tsquery('simple'::regconfig, {query_sql})")
        return sql, (*document_params, *query_params)


def search_listings(queryset: QuerySet[Listing], text: str) -> QuerySet[Listing]:
    """Listings matching every term of ``text``: full-text on PostgreSQL, substrings elsewhere."""
    terms = search_query_terms(text)
    if not terms:
        return queryset
    if connection.vendor == "postgresql":
        return queryset.filter(TsMatch(F("search_document"), Value(tsquery_text(terms))))
    # SQLite: each word (a CJK run as a whole) must occur in the title or the description.
    words = [word for word in re.findall(r"[^\W_]+", text.lower())]
    condition = Q()
    for word in words[:24]:
        condition &= Q(title__icontains=word) | Q(description__icontains=word)
    return queryset.filter(condition)


class CategoryRefField(forms.CharField):
    """A category given by id or slug, cleaned to the ids of its subtree; unknown ones are an error."""

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        ids = category_subtree_ids(value)
        if ids is None:
            raise forms.ValidationError(_("Unknown category."), code="invalid_choice")
        return ids


class CategoryRefFilter(django_filters.Filter):
    field_class = CategoryRefField

    def filter(self, queryset, value):
        return queryset if value is None else queryset.filter(category_id__in=value)


# Strict: an unknown value is an error, not silently "don't mind".
BOOLEAN_CHOICES = [("true", _("Yes")), ("false", _("No")), ("1", _("Yes")), ("0", _("No"))]
GUARANTEE_CHOICES = [
    ("extended", _("Returns longer than the legal 7 days")),
    ("quality", _("Quality claims of 90 days or more")),
]
ORDERING_CHOICES = [
    ("-created", _("Newest")),
    ("price", _("Price: low to high")),
    ("-price", _("Price: high to low")),
]
_ORDER_BY = {"-created": ("-created", "-pk"), "price": ("price_amount", "pk"), "-price": ("-price_amount", "-pk")}


class ListingFilter(django_filters.rest_framework.FilterSet):
    """The public search's filters, shared by the API and the search page."""

    q = django_filters.CharFilter(method="filter_q", max_length=200, label=_("Search"))
    category = CategoryRefFilter(label=_("Category"), max_length=60)
    shop = django_filters.NumberFilter(field_name="shop_id", max_digits=18, decimal_places=0, min_value=1,
                                       label=_("Shop"))
    min_price = django_filters.NumberFilter(field_name="price_amount", lookup_expr="gte", max_digits=14,
                                            decimal_places=2, min_value=Decimal("0"), label=_("Lowest price"))
    max_price = django_filters.NumberFilter(field_name="price_amount", lookup_expr="lte", max_digits=14,
                                            decimal_places=2, min_value=Decimal("0"), label=_("Highest price"))
    installments = django_filters.ChoiceFilter(method="filter_installments", choices=BOOLEAN_CHOICES,
                                               label=_("Instalments available"))
    guarantee = django_filters.ChoiceFilter(method="filter_guarantee", choices=GUARANTEE_CHOICES,
                                            label=_("Guarantee"))
    ordering = django_filters.ChoiceFilter(method="filter_ordering", choices=ORDERING_CHOICES,
                                           label=_("Sort by"), empty_label=None)

    class Meta:
        model = Listing
        fields: list = []

    def filter_q(self, queryset, name, value):
        return search_listings(queryset, value)

    def filter_installments(self, queryset, name, value):
        # Only "true" narrows the search; "false" means "I don't mind".
        return queryset.filter(installments_available=True) if value in ("true", "1") else queryset

    def filter_guarantee(self, queryset, name, value):
        if value == "extended":
            return queryset.filter(return_days__gt=LEGAL_RETURN_DAYS)
        if value == "quality":
            return queryset.filter(quality_days__gte=90)
        return queryset

    def filter_ordering(self, queryset, name, value):
        return queryset.order_by(*_ORDER_BY.get(value, _ORDER_BY["-created"]))


# --- the instalment teaser -------------------------------------------------------------------------
def listing_monthly_from(listing: Listing) -> Decimal | None:
    """The lowest monthly amount any payment method advertises for the listing, or None."""
    if not listing.installments_available or listing.shop.installments_disabled:
        return None
    amounts = [amount for method in hooks.payment_methods()
               if (amount := method.listing_monthly_from(listing)) is not None and amount > 0]
    return min(amounts) if amounts else None


# --- the search's result count ------------------------------------------------------------------
# Every search page asks the database twice: the page of rows, and how many rows match in all (for the
# page links and the total). On a large catalogue the count costs as much as the page, and the same
# searches come again and again, so the count is cached for a minute, keyed by the search (its filters
# normalised: order, blanks and the page itself do not matter; the sort order does not change a count).
# The rows themselves are never cached: a listing paused or sold out disappears at once. A stale count
# only moves the total and the last page by what changed within the minute; a page past the real end
# comes back empty rather than an error.
SEARCH_COUNT_SECONDS = 60
_NOT_IN_COUNT = {"page", "page_size", "ordering", "format"}


def search_count_key(params) -> str:
    """The cache key of a public search's count: its filters, normalised, hashed."""
    import hashlib

    pairs = sorted((key, value.strip()) for key in params.keys() if key not in _NOT_IN_COUNT
                   for value in params.getlist(key) if value.strip())
    digest = hashlib.sha256(repr(pairs).encode()).hexdigest()[:32]
    return f"marketplace:search_count:v1:{digest}"


class CachedCountPaginator(Paginator):
    """A Paginator whose total comes from the cache when the same search was counted in the last minute."""

    def __init__(self, object_list, per_page, *, cache_key: str, **kwargs):
        super().__init__(object_list, per_page, **kwargs)
        self.cache_key = cache_key

    @cached_property
    def count(self) -> int:
        value = cache.get(self.cache_key)
        if value is None:
            value = Paginator.count.func(self)
            cache.set(self.cache_key, value, SEARCH_COUNT_SECONDS)
        return value
