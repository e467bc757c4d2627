"""Celery tasks of the marketplace: thin, idempotent sweeps over orders (run by beat every 10 minutes)."""
from celery import shared_task
from django.utils.dateparse import parse_datetime

from marketplace.services.orders import orders_auto_confirm
from marketplace.services.settlement import orders_settle_due


def _when(now: str | None):
    return parse_datetime(now) if now else None


@shared_task(acks_late=True)
def orders_auto_confirm_task(now: str | None = None) -> int:
    """Complete shipped orders past their auto-confirm time; safe to run twice or concurrently."""
    return orders_auto_confirm(now=_when(now))


@shared_task(acks_late=True)
def orders_settle_due_task(now: str | None = None) -> int:
    """Settle completed orders that nothing holds in escrow; safe to run twice or concurrently."""
    return orders_settle_due(now=_when(now))
