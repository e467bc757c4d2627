"""Device fingerprint cookie for cash-out risk control, and the record of who was seen on which device.

``RiskDeviceMiddleware`` sits in MIDDLEWARE after AuthenticationMiddleware. It
- gives every browser a random device id in a signed cookie (``fx_device``) and puts it
  on ``request.device_id``; apps may send their own in an ``X-Device-Id`` header
  (``device_id_for(request)`` prefers the header);
- after the response, notes that the signed-in user (session or token) used this device
  from this IP (at most once an hour per combination), so a buyer checking out on a
  merchant's device can be recognised;
- writes the assessments of credit checkouts that risk control rejected (their
  placement was undone, so they are written once the request's transaction is over).

``checkout_context`` is registered with the marketplace (``register_checkout_context``):
it puts the device id in the risk context of every checkout, website and API alike.
"""
import logging
import secrets

from django.conf import settings
from django.core import signing
from django.core.cache import cache
from django.db import DatabaseError, transaction
from django.utils import timezone

from core.fields import encrypt
from core.net import client_ip
from credit.risk import identity
from credit.risk.scoring import rejections_flush
from credit.tasks import device_sighting_record_task

logger = logging.getLogger("credit.risk")

COOKIE = "fx_device"
SALT = "credit.risk.device"
MAX_AGE = 2 * 365 * 24 * 3600
SEEN_SECONDS = 3600


def device_id_for(request) -> str:
    """The device id to put in a checkout's risk context: the app's header, else the browser's cookie."""
    header = (request.headers.get("X-Device-Id") or "").strip()[:identity.DEVICE_ID_MAX]
    return header or getattr(request, "device_id", "") or ""


def checkout_context(request) -> dict:
    """What credit adds to a checkout's context (``marketplace.hooks.checkout_context``)."""
    return {"device_id": device_id_for(request)}


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
        # Bookkeeping for risk control must never break the response.
        try:
            user = getattr(request, "user", None)  # DRF sets the token user on the Django request too
            if user is not None and user.is_authenticated:
                self._seen(user.pk, identity.device_hash(device_id_for(request)), client_ip(request))
        except Exception:  # e.g. the cache is unreachable
            logger.exception("risk middleware could not queue a device sighting")
        try:
            rejections_flush()
        except DatabaseError:
            logger.exception("risk middleware could not record a rejected checkout")

    @staticmethod
    def _seen(user_id, device_hash: str, raw_ip) -> None:
        """Queue the sighting once an hour per (user, device, IP): no write in the request itself."""
        ip, public = identity.ip_info(raw_ip)
        if not device_hash and not ip:
            return
        key = f"credit:risk:seen:{user_id}:{device_hash[:16]}:{identity.ip_index(ip)[:16]}"  # no IP in clear
        if cache.get(key):
            return
        cache.set(key, 1, SEEN_SECONDS)
        args = (user_id, device_hash, encrypt(ip) if ip else None, public, timezone.now().isoformat())
        transaction.on_commit(lambda: device_sighting_record_task.delay(*args), robust=True)
