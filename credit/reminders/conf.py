"""Technical tunables of the reminder machinery; the business policy is the ReminderPolicy row (admin).

Override in settings: ``FANGXIN_CREDIT = {"REMINDER_SWEEP_CHUNK": 2000, ...}``.
"""
from datetime import timedelta
from zoneinfo import ZoneInfo

from django.conf import settings

DEFAULTS = {
    # Instalments per sweep transaction (reminder rows + in-site messages + delivery rows).
    "REMINDER_SWEEP_CHUNK": 5000,
    # Delivery ids per send task: fewer, larger messages on the broker.
    "REMINDER_TASK_CHUNK": 250,
    "REMINDER_SWEEP_MINUTES": 5,
    # Attempts per delivery before it is recorded as failed; backoff base 30 s doubling, capped.
    "REMINDER_MAX_ATTEMPTS": 5,
    "REMINDER_RETRY_BASE_SECONDS": 30,
    "REMINDER_RETRY_MAX_SECONDS": 600,
    # A delivery claimed longer ago than this by a worker that never finished may be sent again.
    "REMINDER_CLAIM_LEASE_SECONDS": 600,
    # A pending delivery enqueued longer ago than this (its message lost with Redis's data) is enqueued again by
    # the sweep. Longer than the longest retry backoff (a scheduled retry is never overtaken) and than Redis's
    # visibility timeout (1 h: Redis redelivers what a dead worker held), and long enough that a backlog in the
    # queue is not doubled every few minutes. Deliveries whose publish failed are enqueued at the next sweep.
    "REMINDER_REQUEUE_SECONDS": 7200,
    # Where the link to pay points in e-mail and SMS (in-site messages use the path alone).
    "SITE_URL": "http://127.0.0.1:8000",
}


def get(name: str):
    overrides = getattr(settings, "FANGXIN_CREDIT", {}) or {}
    if name == "SITE_URL":
        return overrides.get(name) or (getattr(settings, "FANGXIN", {}) or {}).get(name) or DEFAULTS[name]
    return overrides.get(name, DEFAULTS[name])


def seconds(name: str) -> timedelta:
    return timedelta(seconds=int(get(name)))


def time_zone() -> ZoneInfo:
    """Quiet hours and reminder days are Beijing time (settings.TIME_ZONE), whatever zone is active."""
    return ZoneInfo(settings.TIME_ZONE)
