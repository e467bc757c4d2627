"""Website pages of orders: cart, checkout, my orders, order detail and its actions, merchant orders and money.

Views validate forms, call a service and render; a service's DomainError is shown on
the form (field messages in place) or as a message after a redirect.
"""
import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core import errors
from core.errors import DomainError
from marketplace import hooks
from marketplace.models import Order, OrderStatus, Shop
from marketplace.selectors_orders import (
    MERCHANT,
    MERCHANT_FILTERS,
    cart_for_buyer,
    order_actions,
    order_get_for_user,
    order_list_for_buyer,
    order_list_for_merchant,
    settlement_list_for_shop,
    shipping_address_for,
    timeline,
    user_shop,
    withdrawal_list_for_shop,
)
from marketplace.services import cart as cart_services
from marketplace.services.complaints import complaint_file
from marketplace.services.orders import order_cancel, order_confirm_receipt, order_ship
from marketplace.services.payments import order_pay
from marketplace.services.reviews import review_create
from marketplace.services.withdrawals import shop_money, withdrawal_request
from marketplace.web.order_forms import (
    AddToCartForm,
    CancelForm,
    CartQuantityForm,
    CheckoutForm,
    ComplaintForm,
    PayForm,
    ReviewForm,
    ShipForm,
    WithdrawalForm,
    add_domain_error,
)
from marketplace.web.paging import page_of

T = "marketplace/orders/"


def _next(request, default):
    target = request.POST.get("next") or request.GET.get("next")
    # Only a path of this site: redirect() takes anything else for a URL name (NoReverseMatch, a 500).
    if target and target.startswith("/") and target.isprintable() and url_has_allowed_host_and_scheme(
            target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return default


def _visible(request, pk) -> tuple[Order, str]:
    try:
        return order_get_for_user(user=request.user, pk=pk)
    except Order.DoesNotExist:
        raise Http404 from None


def _detail_url(order) -> str:
    return reverse("orders:order-detail", args=[order.pk])


def _no_shop(request):
    return render(request, T + "no_shop.html", status=403)


# --- cart ----------------------------------------------------------------------------------------
@login_required
def cart(request):
    groups = cart_for_buyer(buyer=request.user)
    for group in groups:
        for item in group["items"]:
            item.form = CartQuantityForm(initial={"quantity": item.quantity}, prefix=f"item{item.pk}")
    return render(request, T + "cart.html", {"groups": groups})


@login_required
@require_POST
def cart_add(request):
    form = AddToCartForm(request.POST)
    back = _next(request, "orders:cart")
    if not form.is_valid():
        messages.error(request, _("Choose a quantity from 1 to 999."))
        return redirect(back)
    try:
        cart_services.cart_add(buyer=request.user, listing=form.cleaned_data["listing"],
                               quantity=form.cleaned_data["quantity"])
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect(back)
    messages.success(request, _("Added to your cart."))
    return redirect("orders:cart")


@login_required
@require_POST
def cart_item_update(request, pk):
    form = CartQuantityForm(request.POST, prefix=f"item{pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a quantity from 0 to 999."))
        return redirect("orders:cart")
    try:
        cart_services.cart_update(buyer=request.user, item=pk, quantity=form.cleaned_data["quantity"])
    except DomainError as exc:
        if exc.status == 404:
            raise Http404 from None
        messages.error(request, exc.message)
    return redirect("orders:cart")


@login_required
@require_POST
def cart_item_remove(request, pk):
    try:
        cart_services.cart_remove(buyer=request.user, item=pk)
    except DomainError:
        raise Http404 from None
    messages.success(request, _("Removed from your cart."))
    return redirect("orders:cart")


def _last_address(user) -> dict:
    """The address of the buyer's last order, to save typing it again (their own data)."""
    last = Order.objects.filter(buyer=user).only("shipping_name", "shipping_phone", "shipping_address").first()
    if last is None:
        return {"phone": user.phone or ""}
    return {"name": last.shipping_name, "phone": last.shipping_phone, "address": last.shipping_address}


@login_required
@require_http_methods(["GET", "POST"])
def checkout(request, shop_id):
    group = next((g for g in cart_for_buyer(buyer=request.user) if g["shop"].pk == shop_id), None)
    if group is None:
        messages.info(request, _("Your cart holds nothing from this shop."))
        return redirect("orders:cart")
    form = CheckoutForm(request.POST or None, initial=_last_address(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            order = cart_services.cart_checkout(buyer=request.user, shop=shop_id,
                                                shipping_address=form.shipping_address(), payment=form.payment(),
                                                context=hooks.checkout_context(request))
        except DomainError as exc:
            add_domain_error(form, exc, nested="shipping_address")
            if "payment" in (exc.extra.get("fields") or {}):
                for message in exc.extra["fields"]["payment"]:
                    form.add_error("payment_method", message)
        else:
            messages.success(request, _("Order #%(id)s placed.") % {"id": order.pk})
            return redirect("orders:order-detail", pk=order.pk)
    return render(request, T + "checkout.html", {"group": group, "form": form, "methods": hooks.payment_methods()},
                  status=400 if form.errors else 200)


# --- my orders -----------------------------------------------------------------------------------
@login_required
def order_list(request):
    page = page_of(request, order_list_for_buyer(buyer=request.user))
    return render(request, T + "order_list.html", {"page": page})


def _detail_context(request, order, role, **forms) -> dict:
    actions = order_actions(order, role)
    return {
        "order": order, "role": role, "actions": actions, "timeline": timeline(order),
        "address": shipping_address_for(order, role), "payment_label": hooks.payment_method_label(order.payment_method),
        "hold_reasons": hooks.settlement_hold_reasons(order) if role == MERCHANT and order.completed_at
        and not order.settled_at else [],
        "pay_key": uuid.uuid4().hex,
        "ship_form": forms.get("ship_form") or (ShipForm(prefix="ship") if "ship" in actions else None),
        "cancel_form": forms.get("cancel_form") or (CancelForm(prefix="cancel") if "cancel" in actions else None),
        "review_form": forms.get("review_form") or (ReviewForm(prefix="review") if "review" in actions else None),
    }


@login_required
def order_detail(request, pk):
    order, role = _visible(request, pk)
    return render(request, T + "order_detail.html", _detail_context(request, order, role))


def _action(request, pk, run, *, success):
    """Run a simple order action and come back to the page it was started from."""
    order, _role = _visible(request, pk)
    try:
        run(order)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, success)
    return redirect(_next(request, _detail_url(order)))


@login_required
@require_POST
def order_pay_view(request, pk):
    form = PayForm(request.POST)
    if not form.is_valid():
        raise Http404
    order, _role = _visible(request, pk)
    try:
        order_pay(actor=request.user, order=order, outcome=form.cleaned_data["outcome"],
                  idempotency_key=f"web-{form.cleaned_data['key']}")
    except DomainError as exc:
        order.refresh_from_db()
        if exc.code == errors.INVALID_TRANSITION and order.paid_at is not None and order.buyer_id == request.user.pk:
            # A double click: the first submission already paid; the second found the order paid.
            messages.info(request, _("This order is paid."))
        else:
            messages.error(request, exc.message)
    else:
        messages.success(request, _("Paid. We hold the money until you confirm receipt."))
    return redirect(_next(request, _detail_url(order)))


@login_required
@require_POST
def order_confirm_view(request, pk):
    return _action(request, pk, lambda order: order_confirm_receipt(actor=request.user, order=order),
                   success=_("Receipt confirmed. Thank you!"))


@login_required
@require_POST
def order_cancel_view(request, pk):
    # An invalid reason (too long, a NUL byte) is shown on the order page; the order is not cancelled.
    return _form_action(request, pk, "cancel_form", CancelForm(request.POST, prefix="cancel"),
                        lambda order, data: order_cancel(actor=request.user, order=order, reason=data["reason"]),
                        success=_("The order is cancelled."))


def _form_action(request, pk, form_name, form, run, *, success):
    """An action with a form: errors are shown in place on the order page."""
    order, role = _visible(request, pk)
    if form.is_valid():
        try:
            run(order, form.cleaned_data)
        except DomainError as exc:
            if not (exc.extra.get("fields")):
                messages.error(request, exc.message)
                return redirect(_next(request, _detail_url(order)))
            add_domain_error(form, exc)
        else:
            messages.success(request, success)
            return redirect(_next(request, _detail_url(order)))
    return render(request, T + "order_detail.html", _detail_context(request, order, role, **{form_name: form}),
                  status=400)


@login_required
@require_POST
def order_ship_view(request, pk):
    return _form_action(request, pk, "ship_form", ShipForm(request.POST, prefix="ship"),
                        lambda order, data: order_ship(actor=request.user, order=order, **data),
                        success=_("Marked as shipped."))


@login_required
@require_POST
def order_review_view(request, pk):
    return _form_action(request, pk, "review_form", ReviewForm(request.POST, prefix="review"),
                        lambda order, data: review_create(actor=request.user, order=order, **data),
                        success=_("Thank you for your review."))


# --- merchant ------------------------------------------------------------------------------------
@login_required
def merchant_orders(request):
    shop = user_shop(request.user)
    if shop is None:
        return _no_shop(request)
    wanted = request.GET.get("status", "to_ship")
    if wanted not in MERCHANT_FILTERS and wanted not in OrderStatus.values:
        wanted = "to_ship"
    page = page_of(request, order_list_for_merchant(shop=shop, status=wanted))
    rows = [{"order": order, "address": shipping_address_for(order, MERCHANT),
             "ship_form": ShipForm(prefix="ship") if "ship" in order_actions(order, MERCHANT) else None}
            for order in page]
    filters = [(key, label) for key, label in (
        ("to_ship", _("To ship")), ("pending_payment", _("Awaiting payment")), ("shipped", _("Shipped")),
        ("completed", _("Completed")), ("cancelled", _("Cancelled")), ("refunds", _("Refunds")), ("all", _("All")))]
    return render(request, T + "merchant_orders.html",
                  {"shop": shop, "page": page, "rows": rows, "status": wanted, "filters": filters})


@login_required
@require_http_methods(["GET", "POST"])
def merchant_balance(request):
    shop = user_shop(request.user)
    if shop is None:
        return _no_shop(request)
    form = WithdrawalForm(request.POST or None, initial={"key": uuid.uuid4().hex})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            withdrawal_request(actor=request.user, shop=shop, amount=data["amount"], bank_name=data["bank_name"],
                               bank_account=data["bank_account"], idempotency_key=f"web-{data['key']}")
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("%(amount)s is on its way to your bank.") % {"amount": f"¥{data['amount']}"})
            return redirect("orders:merchant-balance")
    settlements = page_of(request, settlement_list_for_shop(shop=shop))
    return render(request, T + "merchant_balance.html", {
        "shop": shop, "money": shop_money(shop), "settlements": settlements,
        "withdrawals": withdrawal_list_for_shop(shop=shop)[:20], "form": form,
    }, status=400 if form.errors else 200)


# --- complaints ----------------------------------------------------------------------------------
@login_required
@require_http_methods(["GET", "POST"])
def complaint_new(request):
    source = request.POST if request.method == "POST" else request.GET
    try:
        shop = Shop.objects.get(pk=int(source.get("shop", "")))
    except (ValueError, Shop.DoesNotExist):
        raise Http404 from None
    form = ComplaintForm(request.POST or None, initial={"shop": shop.pk, "order": source.get("order") or None,
                                                        "listing": source.get("listing") or None})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            complaint_file(actor=request.user, shop=shop, kind=data["kind"], description=data["description"],
                           order=data.get("order"), listing=data.get("listing"))
        except DomainError as exc:
            add_domain_error(form, exc)
        else:
            messages.success(request, _("Thank you. Our staff will look into it and tell you the outcome."))
            return redirect("orders:order-list")
    return render(request, T + "complaint_form.html", {"form": form, "shop": shop},
                  status=400 if form.errors else 200)
