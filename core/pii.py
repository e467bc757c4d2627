"""Normalising and masking personal data (phones, ID numbers, names, addresses)."""
import re

from django.utils.translation import gettext_lazy as _

_CN_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_E164 = re.compile(r"^\+[1-9]\d{6,14}$")
_ID_NUMBER = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


class InvalidPhone(ValueError):
    pass


def normalize_phone(raw) -> str:
    """Return the E.164 form (+8613912345678). Chinese mobiles may omit +86."""
    if not isinstance(raw, str):
        raise InvalidPhone(_("Enter a valid mobile phone number."))
    digits = re.sub(r"[\s\-()]", "", raw)
    if digits.startswith("0086"):
        digits = "+86" + digits[4:]
    if _CN_MOBILE.match(digits):
        return "+86" + digits
    if digits.startswith("+86") and not _CN_MOBILE.match(digits[3:]):
        raise InvalidPhone(_("Enter a valid mobile phone number."))
    if _E164.match(digits):
        return digits
    raise InvalidPhone(_("Enter a valid mobile phone number."))


def national_phone(e164: str) -> str:
    return e164[3:] if e164.startswith("+86") else e164


def mask_phone(phone: str | None) -> str:
    """139****5678: enough for a courier to confirm, useless to a scraper."""
    if not phone:
        return ""
    local = national_phone(phone)
    if len(local) < 7:
        return "*" * len(local)
    return f"{local[:3]}****{local[-4:]}"


def valid_id_number(value: str) -> bool:
    """Resident identity card number: 18 characters with the ISO 7064 check digit."""
    value = (value or "").strip().upper()
    if not _ID_NUMBER.match(value):
        return False
    total = sum(int(d) * w for d, w in zip(value[:17], _ID_WEIGHTS, strict=True))
    return _ID_CHECK[total % 11] == value[17]


def mask_id_number(value: str | None) -> str:
    if not value:
        return ""
    return f"{value[:3]}{'*' * (len(value) - 7)}{value[-4:]}"


def mask_name(value: str | None) -> str:
    """张三丰 → 张**; Alice Smith → A*********."""
    if not value:
        return ""
    return value[0] + "*" * (len(value) - 1)


def mask_ip(value: str | None) -> str:
    """61.135.*.* / 2001:db8:****: the network, not the machine."""
    if not value:
        return ""
    if ":" in value:
        return ":".join(value.split(":")[:2]) + ":****"
    parts = value.split(".")
    return ".".join(parts[:2] + ["*", "*"]) if len(parts) == 4 else "****"


def mask_text(value: str | None, keep: int = 6) -> str:
    if not value:
        return ""
    return value[:keep] + "****" if len(value) > keep else "****"
