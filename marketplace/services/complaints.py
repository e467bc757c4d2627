"""Complaints about a merchant: filed by buyers, resolved by staff with an outcome and its consequence.

A deposit deduction is a penalty: Dr the shop's deposit / Cr penalty_income (the
platform's income), not compensation to the complainant — a buyer who lost money is
made whole through a refund (after-sales), which is the one path money goes back by.
"""
from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core import errors
from core.errors import DomainError
from core.money import ZERO, to_positive_amount
from core.notifications import notify
from ledger import accounts
from ledger.selectors import normal_balance
from ledger.services import post
from marketplace import errors_orders as order_errors
from marketplace.models import Complaint, Listing, ListingStatus, Order, Shop, ShopStatus
from marketplace.services.orders import lazy_message

RESOLVE_PERMISSION = "marketplace.change_complaint"
DESCRIPTION_MAX = Complaint._meta.get_field("description").max_length
NOTE_MAX = 4000


def _field(field, message) -> DomainError:
    return DomainError(errors.VALIDATION_ERROR, str(message), fields={field: [str(message)]})


def _text(value, field, limit, *, required=True) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise _field(field, gettext("This field is required."))
    if len(value.strip()) > limit:
        raise _field(field, gettext("Use at most %(max)s characters.") % {"max": limit})
    return value.strip()


def can_resolve(user) -> bool:
    return bool(user and user.is_authenticated and user.is_staff and user.has_perm(RESOLVE_PERMISSION))


@transaction.atomic
def complaint_file(*, actor, shop, kind, description, order=None, listing=None) -> Complaint:
    """A user complains about a shop (optionally about one of their orders or one listing)."""
    if not isinstance(shop, Shop):
        shop = Shop.objects.filter(pk=shop).first() if isinstance(shop, int) and not isinstance(shop, bool) else None
        if shop is None:
            raise _field("shop", gettext("Choose the shop you are complaining about."))
    if shop.owner_id == actor.pk:
        raise DomainError(errors.PERMISSION_DENIED, gettext("You cannot complain about your own shop."))
    if kind not in Complaint.Kind.values:
        raise _field("kind", gettext("Choose what the complaint is about."))
    description = _text(description, "description", DESCRIPTION_MAX)
    if order is not None:
        order_id = order.pk if isinstance(order, Order) else order
        order = Order.objects.filter(pk=order_id, buyer=actor, shop=shop).first()
        if order is None:
            raise _field("order", gettext("Choose one of your orders from this shop."))
    if listing is not None:
        listing_id = listing.pk if isinstance(listing, Listing) else listing
        listing = Listing.objects.filter(pk=listing_id, shop=shop).first()
        if listing is None:
            raise _field("listing", gettext("Choose a listing of this shop."))
    return Complaint.objects.create(buyer=actor, shop=shop, order=order, listing=listing, kind=kind,
                                    description=description)


def _deduction(value) -> Decimal:
    try:
        return to_positive_amount(value)
    except ValueError:
        raise _field("deduction_amount", gettext("Enter a positive amount in yuan and fen.")) from None


def _deduct_deposit(*, complaint, amount: Decimal) -> None:
    shop = Shop.objects.select_for_update().get(pk=complaint.shop_id)
    deposit_account = accounts.merchant_deposit(shop.pk)
    available = min(max(normal_balance(deposit_account), ZERO), shop.deposit_amount)
    if amount > available:
        raise DomainError(order_errors.INSUFFICIENT_DEPOSIT,
                          gettext("The shop's deposit holds only %(amount)s.") % {"amount": available},
                          available=str(available), fields={"deduction_amount": [
                              gettext("The shop's deposit holds only %(amount)s.") % {"amount": available}]})
    post(kind="deposit_deduction", legs=[(deposit_account, amount), (accounts.penalty_income(), -amount)],
         idempotency_key=f"complaint:{complaint.pk}:deduction", memo=f"Penalty for complaint #{complaint.pk}",
         reference=("complaint", complaint.pk))
    Shop.objects.filter(pk=shop.pk).update(deposit_amount=F("deposit_amount") - amount)


def _remove_listing(*, actor, complaint, note) -> None:
    listing = complaint.listing
    if listing is None:
        raise _field("outcome", gettext("This complaint names no listing to remove."))
    if listing.status == ListingStatus.REMOVED:
        return
    try:
        from marketplace.services.listings import listing_remove
    except ImportError:  # catalogue services not installed: do the minimum ourselves
        Listing.objects.filter(pk=listing.pk).update(status=ListingStatus.REMOVED)
        return
    listing_remove(actor=actor, listing=listing, reason=note)


def _suspend_shop(*, actor, complaint, note) -> None:
    shop = complaint.shop
    if shop.verification_status == ShopStatus.SUSPENDED:
        return
    try:
        from marketplace.services.shops import shop_suspend
    except ImportError:  # catalogue services not installed: do the minimum ourselves
        Shop.objects.filter(pk=shop.pk).update(verification_status=ShopStatus.SUSPENDED)
        return
    shop_suspend(actor=actor, shop=shop, reason=note)


@transaction.atomic
def complaint_resolve(*, actor, complaint, outcome, note, deduction_amount=None) -> Complaint:
    """Staff (marketplace.change_complaint) close a complaint with an outcome and carry out its consequence.

    Outcomes: dismissed, warning (the merchant is told), listing_removed (the named
    listing), deposit_deducted (a penalty from the deposit, ``deduction_amount``),
    shop_suspended. Removing a listing and suspending a shop also need the catalogue's
    permissions (change_listing, change_shop).
    """
    if not can_resolve(actor):
        raise DomainError(errors.PERMISSION_DENIED, gettext("You may not resolve complaints."))
    locked = Complaint.objects.select_for_update().get(pk=complaint.pk)
    if locked.status != Complaint.Status.OPEN:
        raise DomainError(errors.INVALID_TRANSITION, gettext("This complaint is already resolved."),
                          current_status=locked.status)
    if outcome not in Complaint.Outcome.values:
        raise _field("outcome", gettext("Choose an outcome."))
    note = _text(note, "note", NOTE_MAX)
    amount = ZERO
    if outcome == Complaint.Outcome.DEPOSIT_DEDUCTED:
        amount = _deduction(deduction_amount)
    elif deduction_amount not in (None, "", 0, ZERO):
        raise _field("deduction_amount", gettext("Only a deposit deduction takes an amount."))

    if outcome == Complaint.Outcome.DEPOSIT_DEDUCTED:
        _deduct_deposit(complaint=locked, amount=amount)
    elif outcome == Complaint.Outcome.LISTING_REMOVED:
        _remove_listing(actor=actor, complaint=locked, note=note)
    elif outcome == Complaint.Outcome.SHOP_SUSPENDED:
        _suspend_shop(actor=actor, complaint=locked, note=note)

    locked.status = Complaint.Status.RESOLVED
    locked.outcome = outcome
    locked.deduction_amount = amount
    locked.staff_note = note
    locked.resolved_by = actor
    locked.resolved_at = timezone.now()
    locked.save(update_fields=["status", "outcome", "deduction_amount", "staff_note", "resolved_by",
                               "resolved_at"])
    _audit(actor=actor, complaint=locked, note=note)
    _recompute_reputation(locked.shop)

    params = {"id": locked.pk, "outcome": Complaint.Outcome(outcome).label, "shop": locked.shop.name}
    notify(user=locked.buyer, kind="order_event",
           title=lazy_message(_("Your complaint #%(id)s was resolved"), params),
           body=lazy_message(_("Outcome: %(outcome)s. Thank you for helping keep %(shop)s honest."), params))
    if outcome != Complaint.Outcome.DISMISSED:
        notify(user=locked.shop.owner, kind="account",
               title=lazy_message(_("A complaint against your shop was upheld"), params),
               body=lazy_message(_("Complaint #%(id)s: %(outcome)s."), params))
    complaint.__dict__.update({f.attname: getattr(locked, f.attname) for f in Complaint._meta.concrete_fields})
    return locked


def _audit(*, actor, complaint, note) -> None:
    try:
        from core.privacy import audit
    except ImportError:
        return
    audit(actor=actor, action="complaint_resolved", target=complaint, reason=note,
          outcome=complaint.outcome, deduction=str(complaint.deduction_amount))


def _recompute_reputation(shop) -> None:
    try:
        from marketplace.services.reputation import shop_recompute_reputation
    except ImportError:
        return
    shop_recompute_reputation(shop=shop)
