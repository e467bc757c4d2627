"""Blind indexes (keyed hashes that let us find a row by an encrypted value), and sealed task arguments."""
import hashlib
import hmac

from cryptography.fernet import Fernet, MultiFernet
from django.conf import settings


def blind_index(value: str, *, purpose: str) -> str:
    """HMAC-SHA256 of a normalised value, bound to its purpose ("user.phone")

    so the same phone gives different digests in different columns.
    """
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(settings.BLIND_INDEX_KEY.encode(), message, hashlib.sha256).hexdigest()


def _fernet() -> MultiFernet:
    return MultiFernet([Fernet(key) for key in settings.FIELD_ENCRYPTION_KEY])


def seal(value: str) -> str:
    """Encrypt a personal value for a trip through the broker: task arguments sit in Redis in clear."""
    return _fernet().encrypt(value.encode()).decode()


def unseal(token: str) -> str:
    return _fernet().decrypt(token.encode()).decode()
