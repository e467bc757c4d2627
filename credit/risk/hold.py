"""Settlement hold: an elevated-risk shop's credit-funded orders settle only after their return window closes.

Registered with the marketplace (``register_settlement_hold``); set-based, so the
settlement sweep stays a few queries however many orders wait. The window closes at
``received_at`` + the longest ``return_days`` of the order's lines; an order not yet
received is held too.
"""
from datetime import timedelta

from django.db.models import DateTimeField, DurationField, Exists, ExpressionWrapper, IntegerField, OuterRef, Value
from django.db.models.functions import Cast
from django.utils import timezone

from marketplace.models import OrderLine, Shop

CREDIT_METHOD = "installment"


def _window_open(now):
    closes = ExpressionWrapper(
        OuterRef("received_at") + ExpressionWrapper(Cast("return_days", IntegerField()) * Value(timedelta(days=1)),
                                                    output_field=DurationField()),
        output_field=DateTimeField())
    return OrderLine.objects.annotate(window_closes=closes).filter(order=OuterRef("pk"), window_closes__gt=now)


def orders_past_cash_out_hold(orders):
    """``orders`` less the credit orders of elevated-risk shops whose return window is still open."""
    now = timezone.now()
    risky = orders.filter(shop__risk_level=Shop.RiskLevel.ELEVATED, payment_method=CREDIT_METHOD)
    held = risky.filter(received_at__isnull=True) | risky.filter(Exists(_window_open(now)))
    return orders.exclude(pk__in=held.values("pk"))


def window_closes_at(order):
    """When the order's return window closes (None until it is received)."""
    if order.received_at is None:
        return None
    days = max(order.lines.values_list("return_days", flat=True), default=0)
    return order.received_at + timedelta(days=days)
