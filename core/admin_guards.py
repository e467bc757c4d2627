"""Guards for the admin, our models' and third-party apps' alike, found by the bad-input catalogue.

- Django turns a bad filter value into IncorrectLookupParameters (the list reloads with ``?e=1``) when
  the value raises ValueError, but a year such as ``created__year=999…9`` (date hierarchy or a lookup)
  raises OverflowError while the list is built, and that was a 500. Treat it the same way.
- django-timezone-field (django-celery-beat's crontab schedules) reports an unknown zone as a form error,
  but a name longer than a file name makes zoneinfo raise OSError ("File name too long"): a 500 on the
  crontab form. Report it as the unknown zone it is.
"""
from django.contrib.admin.options import IncorrectLookupParameters, ModelAdmin
from timezone_field.backends.base import TimeZoneNotFoundError
from timezone_field.backends.zoneinfo import ZoneInfoBackend

_get_changelist_instance = ModelAdmin.get_changelist_instance


def get_changelist_instance(self, request):
    try:
        return _get_changelist_instance(self, request)
    except OverflowError as exc:
        raise IncorrectLookupParameters(exc) from exc


_to_tzobj = ZoneInfoBackend.to_tzobj


def to_tzobj(self, tzstr):
    try:
        return _to_tzobj(self, tzstr)
    except (OSError, ValueError) as exc:  # too long for a file name, or a path zoneinfo refuses
        raise TimeZoneNotFoundError from exc


def install() -> None:
    ModelAdmin.get_changelist_instance = get_changelist_instance
    ZoneInfoBackend.to_tzobj = to_tzobj
