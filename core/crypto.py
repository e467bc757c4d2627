"""Blind indexes: keyed hashes that let us find a row by an encrypted value."""
import hashlib
import hmac

from django.conf import settings


def blind_index(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of a normalised value, bound to its purpose ("user.phone")

    so the same phone gives different digests in different columns.
    """
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()
