"""Options the management commands share: a moment or a day to run as of."""
from datetime import date, datetime

from django.core.management.base import CommandError
from django.utils import timezone


def parse_moment(value: str | None, *, option: str = "--now") -> datetime:
    """A command's ISO date-time option (naive means the site's time zone), or now when not given."""
    if not value:
        return timezone.now()
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: not an ISO date-time: {value!r} (e.g. 2026-03-01T09:00)") from None
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment


def parse_day(value: str | None, *, option: str = "--today") -> date:
    """A command's ISO date option, or today (in the site's time zone) when not given."""
    if not value:
        return timezone.localdate()
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"{option}: not an ISO date: {value!r} (e.g. 2026-03-01)") from None
