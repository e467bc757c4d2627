"""The client's IP address, read the same way everywhere (risk control, django-axes, DRF throttles, consents).

Behind ``TRUSTED_PROXY_COUNT`` reverse proxies, each proxy appends the address it received
the request from to ``X-Forwarded-For``, so the client is the n-th entry from the right;
everything to the left of it was written by the client and is not believed. With no
trusted proxy (the default) the header is ignored and ``REMOTE_ADDR`` is the client.
This is DRF's rule for ``NUM_PROXIES`` (config/settings.py sets it to the same count).
"""
import ipaddress

from django.conf import settings


def _is_ip(value: str) -> bool:
    try:
        ipaddress.ip_address(value.split("%", 1)[0])
    except ValueError:
        return False
    return True


def client_ip(request) -> str:
    """The client's address, or ``""`` when there is none worth keeping."""
    remote = (request.META.get("REMOTE_ADDR") or "").strip()
    count = getattr(settings, "TRUSTED_PROXY_COUNT", 0)
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR") or ""
    if count > 0 and forwarded.strip():
        entries = forwarded.split(",")
        candidate = entries[-min(count, len(entries))].strip()
        if _is_ip(candidate):
            return candidate
    return remote if _is_ip(remote) else ""


def client_ip_or_none(request) -> str | None:
    """For django-axes (AXES_CLIENT_IP_CALLABLE) and nullable IP columns."""
    return client_ip(request) or None
