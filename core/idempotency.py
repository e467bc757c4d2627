"""Idempotency-Key handling for money-moving API actions (Stripe's semantics).

Same key and body → the first response again, no second movement of money;
same key, different body → 422; first request still running → 409. The stored
response is written in the same transaction as the action's effects, so a crash
leaves either both or neither.
"""
import functools
import hashlib
import json
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from rest_framework.response import Response
from rest_framework.utils.encoders import JSONEncoder

from core import errors
from core.errors import DomainError
from core.models import IdempotencyRecord

HEADER = "Idempotency-Key"
LEASE = timedelta(seconds=60)  # an in-flight record older than this was abandoned by a crash
MAX_KEY_LENGTH = 255


def _fingerprint(request) -> str:
    # A malformed body raises ParseError (400) here, before a key is claimed. It must not be swallowed:
    # DRF then hands the view an empty request.data, and an action with defaults (pay) would go ahead.
    data = request.data
    try:
        body = json.dumps(data, sort_keys=True, cls=JSONEncoder, default=str)
    except (TypeError, ValueError):  # not JSON-able (e.g. uploaded files): their repr is still stable
        body = repr(data)
    raw = f"{request.method}\n{request.path}\n{body}"
    return hashlib.sha256(raw.encode()).hexdigest()


def _claim(request, scope: str, key: str) -> IdempotencyRecord | Response:
    """Insert the in-flight record, or answer from the existing one."""
    fingerprint = _fingerprint(request)
    now = timezone.now()
    try:
        with transaction.atomic():
            return IdempotencyRecord.objects.create(
                user=request.user, scope=scope, key=key, fingerprint=fingerprint, locked_until=now + LEASE
            )
    except IntegrityError:
        pass
    record = IdempotencyRecord.objects.get(user=request.user, scope=scope, key=key)
    if record.fingerprint != fingerprint:
        raise DomainError(
            errors.IDEMPOTENCY_KEY_REUSED, _("This Idempotency-Key was already used with a different request.")
        )
    if record.state == IdempotencyRecord.State.DONE:
        replay = Response(json.loads(record.response_body), status=record.response_status)
        replay["Idempotent-Replayed"] = "true"
        return replay
    taken = IdempotencyRecord.objects.filter(pk=record.pk, locked_until__lt=now).update(
        locked_until=now + LEASE
    )
    if not taken:
        raise DomainError(errors.IDEMPOTENCY_IN_FLIGHT, _("A request with this Idempotency-Key is still in progress."))
    record.refresh_from_db()
    return record


def idempotent(scope: str):
    """Decorate a DRF view method that moves money."""

    def decorator(method):
        @functools.wraps(method)
        def wrapper(self, request, *args, **kwargs):
            key = request.headers.get(HEADER, "").strip()
            if not key:
                return method(self, request, *args, **kwargs)
            if len(key) > MAX_KEY_LENGTH:
                raise DomainError(errors.VALIDATION_ERROR, _("Idempotency-Key is too long."), status=400)
            claimed = _claim(request, scope, key)
            if isinstance(claimed, Response):
                return claimed
            try:
                with transaction.atomic():
                    response = method(self, request, *args, **kwargs)
                    if 200 <= response.status_code < 300:
                        claimed.state = IdempotencyRecord.State.DONE
                        claimed.response_status = response.status_code
                        claimed.response_body = json.dumps(response.data, cls=JSONEncoder)
                        claimed.save(update_fields=["state", "response_status", "response_body"])
                    else:
                        transaction.set_rollback(True)
            except BaseException:
                IdempotencyRecord.objects.filter(pk=claimed.pk).delete()
                raise
            if claimed.state != IdempotencyRecord.State.DONE:
                IdempotencyRecord.objects.filter(pk=claimed.pk).delete()
            return response

        return wrapper

    return decorator
