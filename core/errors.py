"""DomainError and the error codes shared by every app (apps add theirs in <app>/errors.py)."""

NOT_FOUND = "not_found"
PERMISSION_DENIED = "permission_denied"
NOT_AUTHENTICATED = "not_authenticated"
VALIDATION_ERROR = "validation_error"
MALFORMED_REQUEST = "malformed_request"
INVALID_TRANSITION = "invalid_transition"
CONFLICT = "conflict"
IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
IDEMPOTENCY_IN_FLIGHT = "idempotency_in_flight"
METHOD_NOT_ALLOWED = "method_not_allowed"
UNSUPPORTED_MEDIA_TYPE = "unsupported_media_type"
REQUEST_TOO_LARGE = "request_too_large"
THROTTLED = "throttled"
SERVER_ERROR = "server_error"
SERVICE_UNAVAILABLE = "service_unavailable"  # the database went away mid-request: nothing was saved, retry

# The HTTP status each shared code answers with; apps register theirs with register_status().
STATUS_BY_CODE = {
    NOT_FOUND: 404,
    PERMISSION_DENIED: 403,
    NOT_AUTHENTICATED: 401,
    VALIDATION_ERROR: 400,
    MALFORMED_REQUEST: 400,
    INVALID_TRANSITION: 409,
    CONFLICT: 409,
    IDEMPOTENCY_KEY_REUSED: 422,
    IDEMPOTENCY_IN_FLIGHT: 409,
    METHOD_NOT_ALLOWED: 405,
    UNSUPPORTED_MEDIA_TYPE: 415,
    REQUEST_TOO_LARGE: 413,
    THROTTLED: 429,
    SERVICE_UNAVAILABLE: 503,
}


def register_status(**codes: int) -> None:
    """Let an app declare the HTTP status of its own codes (``window_closed=400``)."""
    STATUS_BY_CODE.update(codes)


class DomainError(Exception):
    """A rule of the business said no. ``code`` is stable; ``message`` is for people.

    Extra keyword arguments travel to the API error object (e.g. ``closed_on``).
    """

    def __init__(self, code: str, message="", *, status: int | None = None, **extra):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.status = status or STATUS_BY_CODE.get(code, 400)
        self.extra = extra

    def __str__(self):
        return str(self.message)
