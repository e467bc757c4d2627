"""Reviews: the buyer rates a completed order once; the shop's reputation follows."""
from django.db import IntegrityError, transaction
from django.utils.translation import gettext

from core import errors
from core.errors import DomainError
from marketplace import errors_orders as order_errors
from marketplace.models import OrderStatus, Review
from marketplace.services.orders import order_lock

TEXT_MAX = Review._meta.get_field("text").max_length


def can_review(order) -> bool:
    return order.completed_at is not None and order.status != OrderStatus.REFUNDED


@transaction.atomic
def review_create(*, actor, order, rating, text: str = "") -> Review:
    """One review per completed order, by its buyer; rating a whole number from 1 to 5."""
    locked = order_lock(order)
    if locked.buyer_id != actor.pk:
        raise DomainError(errors.PERMISSION_DENIED, gettext("Only the buyer can review this order."))
    if isinstance(rating, bool) or not isinstance(rating, int) or not 1 <= rating <= 5:
        message = gettext("Choose a rating from 1 to 5 stars.")
        raise DomainError(errors.VALIDATION_ERROR, message, fields={"rating": [message]})
    if text is None:
        text = ""
    if not isinstance(text, str) or len(text.strip()) > TEXT_MAX:
        message = gettext("Use at most %(max)s characters.") % {"max": TEXT_MAX}
        raise DomainError(errors.VALIDATION_ERROR, message, fields={"text": [message]})
    if not can_review(locked):
        raise DomainError(errors.INVALID_TRANSITION, gettext("You can review an order once it is completed."),
                          current_status=str(locked.status))
    if Review.objects.filter(order=locked).exists():
        raise DomainError(order_errors.ALREADY_REVIEWED, gettext("You have already reviewed this order."))
    try:
        with transaction.atomic():
            review = Review.objects.create(order=locked, buyer=actor, shop_id=locked.shop_id, rating=rating,
                                           text=text.strip())
    except IntegrityError:
        raise DomainError(order_errors.ALREADY_REVIEWED, gettext("You have already reviewed this order.")) from None
    _recompute_reputation(review.shop)
    return review


def _recompute_reputation(shop) -> None:
    try:
        from marketplace.services.reputation import shop_recompute_reputation
    except ImportError:  # the catalogue's reputation service is optional for orders
        return
    shop_recompute_reputation(shop=shop)
