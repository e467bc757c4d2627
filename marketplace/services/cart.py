"""The buyer's cart on the website: add, change, remove, and check out one shop's items as an order."""
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from core import errors
from core.errors import DomainError
from marketplace import errors as mp_errors
from marketplace import errors_orders as order_errors
from marketplace.models import CartItem, Listing, ListingStatus, Order, Shop
from marketplace.services.orders import MAX_QUANTITY, order_place

MAX_ITEMS = 100


def _quantity(value) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        message = gettext("Enter a whole number from 1 to %(max)s.") % {"max": MAX_QUANTITY}
        raise DomainError(errors.VALIDATION_ERROR, message, fields={"quantity": [message]})
    return value


def _buyable(listing, buyer) -> Listing:
    listing_id = listing.pk if isinstance(listing, Listing) else listing
    listing = Listing.objects.select_related("shop").filter(pk=listing_id).first() \
        if isinstance(listing_id, int) and not isinstance(listing_id, bool) else None
    if listing is None or listing.status != ListingStatus.ACTIVE or not listing.shop.is_verified:
        raise DomainError(mp_errors.LISTING_UNAVAILABLE, gettext("This listing is not for sale."))
    if listing.shop.owner_id == buyer.pk:
        raise DomainError(order_errors.OWN_SHOP, gettext("You cannot buy from your own shop."))
    return listing


def _item(buyer, item) -> CartItem:
    item_id = item.pk if isinstance(item, CartItem) else item
    found = CartItem.objects.select_for_update().filter(pk=item_id, buyer=buyer).first() \
        if isinstance(item_id, int) and not isinstance(item_id, bool) else None
    if found is None:
        raise DomainError(errors.NOT_FOUND, gettext("This item is not in your cart."))
    return found


@transaction.atomic
def cart_add(*, buyer, listing, quantity: int = 1) -> CartItem:
    """Put ``quantity`` of a listing in the cart (added to what is there, at most MAX_QUANTITY)."""
    quantity = _quantity(quantity)
    listing = _buyable(listing, buyer)
    item = CartItem.objects.select_for_update().filter(buyer=buyer, listing=listing).first()
    if item is None:
        if CartItem.objects.filter(buyer=buyer).count() >= MAX_ITEMS:
            raise DomainError(errors.VALIDATION_ERROR,
                              gettext("Your cart is full; check out or remove something first."))
        try:
            with transaction.atomic():
                return CartItem.objects.create(buyer=buyer, listing=listing, quantity=quantity)
        except IntegrityError:
            # A double click added the same listing a moment ago: add to that line instead.
            item = CartItem.objects.select_for_update().get(buyer=buyer, listing=listing)
    item.quantity = min(item.quantity + quantity, MAX_QUANTITY)
    item.save(update_fields=["quantity"])
    return item


@transaction.atomic
def cart_update(*, buyer, item, quantity: int) -> CartItem | None:
    """Set an item's quantity; 0 removes it (and returns None)."""
    found = _item(buyer, item)
    if quantity == 0 and not isinstance(quantity, bool):
        found.delete()
        return None
    found.quantity = _quantity(quantity)
    found.save(update_fields=["quantity"])
    return found


@transaction.atomic
def cart_remove(*, buyer, item) -> None:
    _item(buyer, item).delete()


@transaction.atomic
def cart_checkout(*, buyer, shop, shipping_address, payment, context=None) -> Order:
    """Order the cart's items of one shop, then take them out of the cart (in the same transaction)."""
    shop_id = shop.pk if isinstance(shop, Shop) else shop
    items = list(CartItem.objects.select_for_update().filter(buyer=buyer, listing__shop_id=shop_id).order_by("pk"))
    if not items:
        raise DomainError(order_errors.CART_EMPTY, gettext("Your cart holds nothing from this shop."))
    order = order_place(buyer=buyer, lines=[{"listing": item.listing_id, "quantity": item.quantity} for item in items],
                        shipping_address=shipping_address, payment=payment, context=context)
    CartItem.objects.filter(pk__in=[item.pk for item in items]).delete()
    return order
