"""Turns every API failure into the error object of API.md: {code, detail[, fields, ...]}."""
import logging

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import InterfaceError, OperationalError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions as drf
from rest_framework.response import Response
from rest_framework.views import set_rollback

from core import errors
from core.errors import DomainError

logger = logging.getLogger(__name__)
RETRY_AFTER_SECONDS = 5

_DRF_CODES = [
    (drf.ValidationError, errors.VALIDATION_ERROR),
    (drf.ParseError, errors.MALFORMED_REQUEST),
    (drf.NotAuthenticated, errors.NOT_AUTHENTICATED),
    (drf.AuthenticationFailed, errors.NOT_AUTHENTICATED),
    (drf.PermissionDenied, errors.PERMISSION_DENIED),
    (drf.NotFound, errors.NOT_FOUND),
    (drf.MethodNotAllowed, errors.METHOD_NOT_ALLOWED),
    (drf.UnsupportedMediaType, errors.UNSUPPORTED_MEDIA_TYPE),
    (drf.NotAcceptable, "not_acceptable"),
    (drf.Throttled, errors.THROTTLED),
]


def _flatten(detail):
    """DRF error details → plain strings, keeping the nesting of fields."""
    if isinstance(detail, dict):
        return {str(k): _flatten(v) for k, v in detail.items()}
    if isinstance(detail, list):
        return [_flatten(v) for v in detail]
    return str(detail)


def _field_errors(detail) -> dict:
    if isinstance(detail, dict):
        return {
            key: value if isinstance(value, (list, dict)) else [value]
            for key, value in _flatten(detail).items()
        }
    return {"non_field_errors": _flatten(detail if isinstance(detail, list) else [detail])}


def error_body(code: str, detail, **extra) -> dict:
    body = {"code": code, "detail": str(detail)}
    body.update(extra)
    return body


def database_unavailable_body() -> dict:
    return error_body(errors.SERVICE_UNAVAILABLE, _("The service is briefly unavailable; please try again shortly."))


def exception_handler(exc, context):
    if isinstance(exc, (OperationalError, InterfaceError)):
        # The connection broke (database restarted, backend terminated, network): the transaction was
        # rolled back with it, so nothing of this request was saved and the client may simply retry.
        logger.error("database unavailable during %s", context["request"].path, exc_info=exc)
        set_rollback()
        return Response(database_unavailable_body(), status=503,
                        headers={"Retry-After": str(RETRY_AFTER_SECONDS)})

    if isinstance(exc, DomainError):
        set_rollback()
        extra = {k: (str(v) if not isinstance(v, (list, dict, int, bool)) else v) for k, v in exc.extra.items()}
        return Response(error_body(exc.code, exc.message, **extra), status=exc.status)

    if isinstance(exc, DjangoValidationError):
        exc = drf.ValidationError(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    elif isinstance(exc, Http404):
        exc = drf.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf.PermissionDenied()

    if not isinstance(exc, drf.APIException):
        return None  # a real bug: let Django log it and answer 500

    set_rollback()
    code = next((c for cls, c in _DRF_CODES if isinstance(exc, cls)), None) or str(exc.default_code)
    headers = {}
    if getattr(exc, "auth_header", None):
        headers["WWW-Authenticate"] = exc.auth_header
    if getattr(exc, "wait", None):
        headers["Retry-After"] = str(int(exc.wait))

    if isinstance(exc, drf.ValidationError):
        body = error_body(code, _("Some fields are not valid."), fields=_field_errors(exc.detail))
    else:
        detail = exc.detail if isinstance(exc.detail, str) else _flatten(exc.detail)
        body = error_body(code, detail)
    return Response(body, status=exc.status_code, headers=headers)
