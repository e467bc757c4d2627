"""Catalogue pages: home, search, listing and shop pages, and the merchant's shop and listing management."""
from decimal import ROUND_HALF_UP, Decimal

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from marketplace import hooks
from marketplace.models import ListingImage, ListingStatus
from marketplace.providers import get_provider
from marketplace.selectors_catalog import (
    CachedCountPaginator,
    ListingFilter,
    category_tree,
    featured_listings,
    listing_is_public,
    listing_list_for_merchant,
    listing_list_for_public,
    listing_list_for_shop_page,
    listing_monthly_from,
    listings_visible_to,
    search_count_key,
    shop_get_for_owner,
    shops_visible_to,
)
from marketplace.services import listings as listing_services
from marketplace.services import shops as shop_services
from marketplace.web.catalog_forms import DepositForm, ImageForm, ListingForm, ShopForm, apply_domain_error
from marketplace.web.paging import page_of


def _page(request, queryset, *, cache_count: bool = False):
    if cache_count:  # the public search: its total is cached a minute per search (selectors_catalog)
        return page_of(request, queryset, paginator_class=CachedCountPaginator,
                       cache_key=search_count_key(request.GET))
    return page_of(request, queryset)


def _percent(rate) -> str:
    return f"{(Decimal(rate) * 100).quantize(Decimal('0.01'), rounding=ROUND_HALF_UP)}%"


def home(request):
    return render(request, "core/home.html", {
        "categories": category_tree(),
        "featured": featured_listings(limit=8),
    })


def listing_search(request):
    search = ListingFilter(request.GET or None, queryset=listing_list_for_public())
    valid = search.is_valid() if request.GET else True
    queryset = search.qs if valid else listing_list_for_public().none()
    page = _page(request, queryset, cache_count=valid)
    return render(request, "marketplace/catalog/search.html", {
        "search": search,
        "form": search.form,
        "page": page,
        "categories": category_tree(),
        "selected_category": request.GET.get("category", ""),
    })


def listing_detail(request, pk):
    listing = get_object_or_404(listings_visible_to(request.user), pk=pk)
    shop = listing.shop
    return render(request, "marketplace/catalog/listing_detail.html", {
        "listing": listing,
        "shop": shop,
        "images": list(listing.images.all()),
        "monthly_from": listing_monthly_from(listing),
        "is_public": listing_is_public(listing),
        "is_owner": request.user.is_authenticated and shop.owner_id == request.user.pk,
        "dispute_percent": _percent(shop.dispute_rate),
        "on_time_percent": _percent(shop.on_time_rate),
    })


def shop_detail(request, pk):
    shop = get_object_or_404(shops_visible_to(request.user), pk=pk)
    return render(request, "marketplace/catalog/shop_detail.html", {
        "shop": shop,
        "page": _page(request, listing_list_for_shop_page(shop=shop)),
        "is_owner": request.user.is_authenticated and shop.owner_id == request.user.pk,
        "dispute_percent": _percent(shop.dispute_rate),
        "on_time_percent": _percent(shop.on_time_rate),
    })


# --- merchant pages ------------------------------------------------------------------------------
def _my_shop_or_redirect(request):
    shop = shop_get_for_owner(request.user)
    if shop is None:
        messages.info(request, _("Open your shop first."))
    return shop


@login_required
def merchant_dashboard(request):
    shop = _my_shop_or_redirect(request)
    if shop is None:
        return redirect("merchant-shop-open")
    return render(request, "marketplace/catalog/merchant/dashboard.html", {
        "shop": shop,
        "dispute_percent": _percent(shop.dispute_rate),
        "on_time_percent": _percent(shop.on_time_rate),
        "listing_count": shop.listings.exclude(status=ListingStatus.REMOVED).count(),
        # The day's work and money at a glance (orders to ship, sales, balance): what the dashboard must show.
        **_merchant_summary(shop),
    })


def _merchant_summary(shop) -> dict:
    from datetime import timedelta

    from django.db.models import Count, Sum
    from django.utils import timezone

    from marketplace.models import Order
    from marketplace.selectors_orders import order_list_for_merchant
    from marketplace.services.withdrawals import shop_money

    to_ship = order_list_for_merchant(shop=shop, status="to_ship")
    sales = Order.objects.filter(shop=shop, paid_at__gte=timezone.now() - timedelta(days=30)).aggregate(
        count=Count("pk"), amount=Sum("total_amount"))
    return {"money": shop_money(shop), "to_ship": list(to_ship[:5]), "to_ship_count": to_ship.count(),
            "sales_count": sales["count"], "sales_amount": sales["amount"] or 0,
            # Open after-sales cases with their deadlines, from whichever app registered them (protection).
            "cases": hooks.shop_open_cases(shop, limit=5) if hooks.shop_cases_registered() else None}


@login_required
@require_http_methods(["GET", "POST"])
def merchant_shop_open(request):
    if shop_get_for_owner(request.user) is not None:
        return redirect("merchant-dashboard")
    form = ShopForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            shop_services.shop_open(actor=request.user, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Your shop is open. Fangxin staff will verify it shortly; then you can "
                                        "publish listings."))
            return redirect("merchant-dashboard")
    return render(request, "marketplace/catalog/merchant/shop_form.html", {"form": form, "opening": True})


@login_required
@require_http_methods(["GET", "POST"])
def merchant_shop_edit(request):
    shop = _my_shop_or_redirect(request)
    if shop is None:
        return redirect("merchant-shop-open")
    form = ShopForm(request.POST or None, initial={"name": shop.name, "description": shop.description})
    if request.method == "POST" and form.is_valid():
        try:
            shop_services.shop_update(actor=request.user, shop=shop, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Your shop's profile is saved."))
            return redirect("merchant-dashboard")
    return render(request, "marketplace/catalog/merchant/shop_form.html", {"form": form, "shop": shop})


@login_required
@require_http_methods(["GET", "POST"])
def merchant_deposit(request):
    shop = _my_shop_or_redirect(request)
    if shop is None:
        return redirect("merchant-shop-open")
    form = DepositForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            payment = shop_services.deposit_post(
                actor=request.user, shop=shop, amount=form.cleaned_data["amount"],
                outcome=form.cleaned_data.get("outcome", "approve"),
                idempotency_key=form.cleaned_data["idempotency_key"])
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Deposit of ¥%(amount)s received. Your shop's deposit is now ¥%(total)s.")
                             % {"amount": payment.amount, "total": shop.deposit_amount})
            return redirect("merchant-dashboard")
    return render(request, "marketplace/catalog/merchant/deposit_form.html", {
        "form": form, "shop": shop, "sandbox": get_provider().name == "sandbox"})


@login_required
def merchant_listings(request):
    shop = _my_shop_or_redirect(request)
    if shop is None:
        return redirect("merchant-shop-open")
    return render(request, "marketplace/catalog/merchant/listings.html", {
        "shop": shop,
        "page": _page(request, listing_list_for_merchant(shop=shop)),
    })


def _my_listing(request, pk):
    """One of the caller's listings (not a removed one); anybody else's is a 404."""
    shop = shop_get_for_owner(request.user)
    if shop is None:
        raise Http404
    return get_object_or_404(listing_list_for_merchant(shop=shop).exclude(status=ListingStatus.REMOVED), pk=pk)


@login_required
@require_http_methods(["GET", "POST"])
def merchant_listing_create(request):
    shop = _my_shop_or_redirect(request)
    if shop is None:
        return redirect("merchant-shop-open")
    form = ListingForm(request.POST or None, creating=True)
    if request.method == "POST" and form.is_valid():
        try:
            listing = listing_services.listing_create(actor=request.user, shop=shop, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Listing saved. Add images below."))
            return redirect("merchant-listing-edit", pk=listing.pk)
    return render(request, "marketplace/catalog/merchant/listing_form.html", {"form": form, "shop": shop})


def _listing_initial(listing) -> dict:
    return {"title": listing.title, "description": listing.description, "price": listing.price_amount,
            "stock": listing.stock, "category": listing.category_id,
            "installments_available": listing.installments_available,
            "merchant_pays_fee": listing.merchant_pays_fee, "return_days": listing.return_days,
            "exchange_days": listing.exchange_days, "quality_days": listing.quality_days}


@login_required
@require_http_methods(["GET", "POST"])
def merchant_listing_edit(request, pk):
    listing = _my_listing(request, pk)
    form = ListingForm(request.POST or None, initial=_listing_initial(listing), creating=False)
    if request.method == "POST" and form.is_valid():
        try:
            listing_services.listing_update(actor=request.user, listing=listing, **form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(form, exc)
        else:
            messages.success(request, _("Listing saved."))
            return redirect("merchant-listing-edit", pk=listing.pk)
    return _listing_edit_page(request, listing, form, ImageForm())


def _listing_edit_page(request, listing, form, image_form, status=200):
    return render(request, "marketplace/catalog/merchant/listing_form.html", {
        "form": form, "image_form": image_form, "listing": listing, "shop": listing.shop,
        "images": list(listing.images.all()),
    }, status=status)


@login_required
@require_POST
def merchant_listing_image(request, pk):
    listing = _my_listing(request, pk)
    image_form = ImageForm(request.POST, request.FILES)
    if image_form.is_valid():
        try:
            listing_services.listing_add_image(actor=request.user, listing=listing, **image_form.cleaned_data)
        except DomainError as exc:
            apply_domain_error(image_form, exc)
        else:
            messages.success(request, _("Image added."))
            return redirect("merchant-listing-edit", pk=listing.pk)
    form = ListingForm(initial=_listing_initial(listing), creating=False)
    return _listing_edit_page(request, listing, form, image_form, status=400)


@login_required
@require_POST
def merchant_listing_image_delete(request, pk, image_pk):
    listing = _my_listing(request, pk)
    image = get_object_or_404(ListingImage, pk=image_pk, listing=listing)
    listing_services.listing_delete_image(actor=request.user, image=image)
    messages.success(request, _("Image deleted."))
    return redirect("merchant-listing-edit", pk=listing.pk)


_ACTIONS = {"pause": ListingStatus.PAUSED, "activate": ListingStatus.ACTIVE}


@login_required
@require_POST
def merchant_listing_transition(request, pk, action):
    if action not in _ACTIONS:
        raise Http404
    listing = _my_listing(request, pk)
    try:
        listing_services.listing_transition(actor=request.user, listing=listing, to=_ACTIONS[action])
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Listing paused.") if action == "pause" else _("Listing is on sale."))
    return redirect(request.POST.get("next") if _safe_next(request) else reverse("merchant-listings"))


def _safe_next(request) -> bool:
    target = request.POST.get("next", "")
    return target.startswith("/merchant/") and not target.startswith("//")
