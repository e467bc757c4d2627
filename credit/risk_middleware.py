"""Device fingerprint cookie for cash-out risk control, and the record of who was seen on which device.

Add ``"credit.risk_middleware.RiskDeviceMiddleware"`` to MIDDLEWARE after
AuthenticationMiddleware. It
- gives every browser a random device id in a signed cookie (``fx_device``) and puts it
  on ``request.device_id``; apps may send their own in an ``X-Device-Id`` header
  (``device_id_for(request)`` prefers the header);
- after the response, notes that the signed-in user (session or token) used this device
  from this IP (at most once an hour per combination), so a buyer checking out on a
  merchant's device can be recognised;
- writes the assessments of credit checkouts that risk control rejected (their
  placement was undone, so they are written once the request's transaction is over).
"""
import logging
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import DatabaseError

from credit.risk import identity
from credit.risk.scoring import rejections_flush, sighting_record

logger = logging.getLogger("credit.risk")

COOKIE = "fx_device"
SALT = "credit.risk.device"
MAX_AGE = 2 * 365 * 24 * 3600
SEEN_SECONDS = 3600


def device_id_for(request) -> str:
    """The device id to put in a checkout's risk context: the app's header, else the browser's cookie."""
    header = (request.headers.get("X-Device-Id") or "").strip()[:identity.DEVICE_ID_MAX]
    return header or getattr(request, "device_id", "") or ""


class RiskDeviceMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            device_id = request.get_signed_cookie(COOKIE, default="", salt=SALT)
        except signing.BadSignature:
            device_id = ""
        fresh = not device_id
        request.device_id = device_id or secrets.token_urlsafe(18)
        response = self.get_response(request)
        if fresh:
            response.set_signed_cookie(COOKIE, request.device_id, salt=SALT, max_age=MAX_AGE, httponly=True,
                                       samesite="Lax", secure=settings.SESSION_COOKIE_SECURE)
        self._after(request)
        return response

    def _after(self, request) -> None:
        try:
            user = getattr(request, "user", None)  # DRF sets the token user on the Django request too
            if user is not None and user.is_authenticated:
                self._seen(user.pk, identity.device_hash(device_id_for(request)), request.META.get("REMOTE_ADDR"))
            rejections_flush()
        except DatabaseError:  # bookkeeping for risk control must never break the response
            logger.exception("risk middleware could not record a sighting")

    @staticmethod
    def _seen(user_id, device_hash: str, raw_ip) -> None:
        ip, public = identity.ip_info(raw_ip)
        key = f"credit:risk:seen:{user_id}:{device_hash[:16]}:{ip or ''}"
        if cache.get(key):
            return
        sighting_record(user_id=user_id, device_hash=device_hash, ip=ip, ip_public=public)
        cache.set(key, 1, SEEN_SECONDS)
