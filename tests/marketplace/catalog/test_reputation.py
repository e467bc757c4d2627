"""Shop reputation: rating, review count, dispute rate and on-time rate from the facts.

Orders, reviews and complaints are written by other services (orders, reviews,
complaints); here they are made directly so that the arithmetic is pinned exactly.
"""
from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from marketplace.models import Complaint, Order, Review, Shop
from marketplace.services import reputation
from marketplace.services.reputation import lost_dispute_count, register_dispute_counter, shop_recompute_reputation

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def make_order(shop, buyer):
    def make(*, completed=False, shipped_late=None, **extra):
        now = timezone.now()
        values = {"buyer": buyer, "shop": shop, "total_amount": D("100.00"), "payment_method": "full",
                  "shipping_name": "张三", "shipping_phone": "+8613912345678", "shipping_address": "上海"}
        if shipped_late is not None:
            values.update(ship_by=now, shipped_at=now + (timedelta(hours=1) if shipped_late else -timedelta(hours=1)))
        if completed:
            values["completed_at"] = now
        values.update(extra)
        return Order.objects.create(**values)

    return make


@pytest.fixture
def _no_extra_counters(monkeypatch):
    monkeypatch.setattr(reputation, "_dispute_counters", [])


def test_a_new_shop_has_neutral_figures(shop, _no_extra_counters):
    shop_recompute_reputation(shop=shop)

    stored = Shop.objects.get(pk=shop.pk)
    assert (stored.rating, stored.review_count, stored.dispute_rate, stored.on_time_rate) == (
        D("0.00"), 0, D("0.0000"), D("1.0000"))
    assert stored.reputation_updated is not None


def test_rating_is_the_mean_rounded_half_up(shop, buyer, make_order, _no_extra_counters):
    for stars in (5, 4, 4):  # mean 4.3333…
        Review.objects.create(order=make_order(completed=True), buyer=buyer, shop=shop, rating=stars)
    assert shop_recompute_reputation(shop=shop).rating == D("4.33")

    for stars in (5, 5, 5):  # 28 / 6 = 4.6666…
        Review.objects.create(order=make_order(completed=True), buyer=buyer, shop=shop, rating=stars)
    shop_recompute_reputation(shop=shop)

    stored = Shop.objects.get(pk=shop.pk)
    assert (stored.rating, stored.review_count) == (D("4.67"), 6)


def test_rating_half_cent_rounds_up(shop, buyer, make_order, _no_extra_counters):
    for stars in [5] * 5 + [4] * 3:  # 37 / 8 = 4.625
        Review.objects.create(order=make_order(completed=True), buyer=buyer, shop=shop, rating=stars)

    assert shop_recompute_reputation(shop=shop).rating == D("4.63")


def test_dispute_rate_counts_upheld_complaints_over_completed_orders(shop, buyer, make_order, _no_extra_counters):
    for _ in range(3):
        make_order(completed=True)
    make_order()  # not completed: not in the denominator
    for outcome in ("warning", "dismissed", ""):
        Complaint.objects.create(buyer=buyer, shop=shop, kind="fraud", description="x",
                                 status="resolved" if outcome else "open", outcome=outcome)

    shop_recompute_reputation(shop=shop)

    assert lost_dispute_count(shop) == 1
    assert Shop.objects.get(pk=shop.pk).dispute_rate == D("0.3333")


def test_registered_counters_add_lost_disputes(shop, make_order, monkeypatch):
    monkeypatch.setattr(reputation, "_dispute_counters", [])
    for _ in range(4):
        make_order(completed=True)

    register_dispute_counter(lambda s: 2 if s.pk == shop.pk else 0)
    shop_recompute_reputation(shop=shop)

    assert Shop.objects.get(pk=shop.pk).dispute_rate == D("0.5000")


def test_dispute_rate_never_exceeds_one(shop, buyer, _no_extra_counters):
    Complaint.objects.create(buyer=buyer, shop=shop, kind="fraud", description="x", status="resolved",
                             outcome="shop_suspended")

    assert shop_recompute_reputation(shop=shop).dispute_rate == D("1.0000")


def test_on_time_rate(shop, make_order, _no_extra_counters):
    make_order(shipped_late=False)
    make_order(shipped_late=False)
    make_order(shipped_late=True)
    make_order(shipped_at=timezone.now())  # no deadline set: on time
    make_order()  # not shipped: not counted

    shop_recompute_reputation(shop=shop)

    assert Shop.objects.get(pk=shop.pk).on_time_rate == D("0.7500")


def test_figures_of_other_shops_are_ignored(shop, other_shop, buyer, make_order, _no_extra_counters):
    Review.objects.create(order=make_order(completed=True, shop=other_shop), buyer=buyer, shop=other_shop, rating=1)

    shop_recompute_reputation(shop=shop)

    assert Shop.objects.get(pk=shop.pk).review_count == 0
