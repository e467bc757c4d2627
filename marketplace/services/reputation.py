"""A shop's reputation: rating, review count, dispute rate and on-time shipping rate.

The figures on Shop are a cache; reviews, complaints and orders are the truth.
Whoever changes those (orders, reviews, complaints, after-sales rulings) calls
``shop_recompute_reputation`` afterwards, in the same transaction.
"""
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Avg, Count, F, Q
from django.utils import timezone

from marketplace.models import Complaint, Order, Review, Shop

RATING_STEP = Decimal("0.01")
RATE_STEP = Decimal("0.0001")
ONE = Decimal("1")

# Apps that decide disputes (protection: after-sales rulings against the merchant) add a
# counter here from their AppConfig.ready(); the marketplace never imports them.
_dispute_counters: list[Callable[[Shop], int]] = []


def register_dispute_counter(func: Callable[[Shop], int]) -> None:
    """Add ``func(shop) -> int``: disputes the shop lost that the marketplace does not see itself."""
    if func not in _dispute_counters:
        _dispute_counters.append(func)


def lost_dispute_count(shop: Shop) -> int:
    """Disputes the shop lost: complaints upheld by staff, plus what registered counters report."""
    upheld = (Complaint.objects.filter(shop=shop, status=Complaint.Status.RESOLVED)
              .exclude(outcome__in=["", Complaint.Outcome.DISMISSED]).count())
    return upheld + sum(int(counter(shop)) for counter in _dispute_counters)


def _ratio(part: int, whole: int, *, empty: Decimal) -> Decimal:
    if not whole:
        return empty
    return min(ONE, (Decimal(part) / Decimal(whole)).quantize(RATE_STEP, rounding=ROUND_HALF_UP))


def shop_recompute_reputation(*, shop: Shop) -> Shop:
    """Recompute the cached figures from the facts and store them (one UPDATE, no lock needed)."""
    reviews = Review.objects.filter(shop=shop).aggregate(avg=Avg("rating"), n=Count("pk"))
    rating = (Decimal(str(reviews["avg"])).quantize(RATING_STEP, rounding=ROUND_HALF_UP)
              if reviews["avg"] is not None else Decimal("0.00"))
    orders = Order.objects.filter(shop=shop).aggregate(
        completed=Count("pk", filter=Q(completed_at__isnull=False)),
        shipped=Count("pk", filter=Q(shipped_at__isnull=False)),
        on_time=Count("pk", filter=Q(shipped_at__isnull=False)
                      & (Q(ship_by__isnull=True) | Q(shipped_at__lte=F("ship_by")))),
    )
    lost = lost_dispute_count(shop)
    # Nothing shipped: nothing late yet. A dispute can be lost before any order completes
    # (a complaint needs no order), so the lost ones always count in the denominator.
    figures = {
        "rating": rating,
        "review_count": reviews["n"],
        "dispute_rate": _ratio(lost, max(orders["completed"], lost), empty=Decimal("0.0000")),
        "on_time_rate": _ratio(orders["on_time"], orders["shipped"], empty=Decimal("1.0000")),
        "reputation_updated": timezone.now(),
    }
    Shop.objects.filter(pk=shop.pk).update(**figures)
    for name, value in figures.items():
        setattr(shop, name, value)
    return shop
