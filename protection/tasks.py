"""Celery tasks of protection: thin, idempotent wrappers around the deadline sweeps."""
from celery import shared_task

from protection.services import deadlines, standing


@shared_task(acks_late=True)
def sweep_merchant_response() -> int:
    return deadlines.sweep("merchant_response")


@shared_task(acks_late=True)
def sweep_return_shipping() -> int:
    return deadlines.sweep("return_shipping")


@shared_task(acks_late=True)
def sweep_return_confirmation() -> int:
    return deadlines.sweep("return_confirmation")


@shared_task(acks_late=True)
def sweep_replacement_shipping() -> int:
    return deadlines.sweep("replacement_shipping")


@shared_task(acks_late=True)
def sweep_escalation_window() -> int:
    return deadlines.sweep("escalation_window")


@shared_task(acks_late=True)
def refresh_standings() -> int:
    return standing.standings_refresh_all()
