"""Identities risk control compares without keeping them in clear: devices, delivery phones and addresses, IPs."""
import ipaddress
import re
import unicodedata

from core.crypto import blind_index
from core.pii import InvalidPhone, normalize_phone

DEVICE_PURPOSE = "risk.device"
PHONE_PURPOSE = "risk.phone"
ADDRESS_PURPOSE = "risk.address"
IP_PURPOSE = "risk.ip"
DEVICE_ID_MAX = 100

_NOT_ADDRESS = re.compile(r"[\W_]+")  # spaces, punctuation (ASCII and full-width) — "1 号" is "1号"


def device_hash(device_id) -> str:
    if not isinstance(device_id, str) or not device_id.strip():
        return ""
    return blind_index(device_id.strip()[:DEVICE_ID_MAX], purpose=DEVICE_PURPOSE)


def normalize_address(text) -> str:
    if not isinstance(text, str):
        return ""
    return _NOT_ADDRESS.sub("", unicodedata.normalize("NFKC", text).casefold())


def address_index(text) -> str:
    normal = normalize_address(text)
    return blind_index(normal, purpose=ADDRESS_PURPOSE) if normal else ""


def e164(phone) -> str:
    try:
        return normalize_phone(phone)
    except InvalidPhone:
        return ""


def phone_index(phone) -> str:
    normal = e164(phone)
    return blind_index(normal, purpose=PHONE_PURPOSE) if normal else ""


def ip_info(raw) -> tuple[str | None, bool]:
    """``(address, public)``: the address normalised (or None), and whether it may count as a signal.

    Only globally routable addresses count. Loopback, private (10/8, 172.16/12,
    192.168/16, fc00::/7), link-local, carrier-grade NAT and reserved ranges are
    proxies, load balancers and development machines: many unrelated people share them.
    """
    if not isinstance(raw, str) or not raw.strip():
        return None, False
    try:
        address = ipaddress.ip_address(raw.strip().split("%", 1)[0])
    except ValueError:
        return None, False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    public = address.is_global and not address.is_multicast
    return str(address), public


def ip_index(ip) -> str:
    """The blind index of an address normalised by ``ip_info``: IPs are stored encrypted, compared by this."""
    return blind_index(ip, purpose=IP_PURPOSE) if isinstance(ip, str) and ip else ""
