"""The platform's after-sales rules in one place: windows and their bounds, deadlines, standing.

Operators may override any value with ``settings.FANGXIN["PROTECTION"]`` (a dict of
the field names below); everything else reads ``policy()``. The bounds a listing's
guarantee must keep are the catalogue's (``settings.FANGXIN`` RETURN_DAYS_MIN and so
on, read by ``marketplace.services.listings.guarantee_bounds``), so a listing can never
promise a window that after-sales would not honour.
"""
from dataclasses import dataclass, fields, replace
from datetime import timedelta

from django.conf import settings


@dataclass(frozen=True)
class Bounds:
    """What a listing may choose for one of its guarantee windows, in days."""

    low: int
    high: int
    default: int

    def clamp(self, days) -> int:
        if days is None:
            return self.default
        return max(self.low, min(self.high, int(days)))


@dataclass(frozen=True)
class Policy:
    # Windows, counted to the second from the moment of receipt.
    no_reason_days: int = 7  # the statutory standard (七天无理由); the Fangxin guarantee extends it
    # Deadlines of the flow, each enforced by a beat job (protection/tasks.py).
    merchant_response: timedelta = timedelta(hours=48)
    buyer_ship_return: timedelta = timedelta(days=7)
    # The merchant's 7 days count from delivery. We do not track parcels, so delivery
    # is assumed this long after the buyer hands the return to the carrier.
    return_delivery_allowance: timedelta = timedelta(days=3)
    merchant_confirm_return: timedelta = timedelta(days=7)
    merchant_ship_replacement: timedelta = timedelta(days=3)
    # After a rejection the buyer may ask the platform to step in (平台介入) for this long.
    escalate_after_rejection: timedelta = timedelta(days=7)
    # What the platform promises: a ruling within this time of an escalation.
    ruling_within: timedelta = timedelta(hours=72)
    # Standing: the period looked at, and when a pattern is flagged for staff and merchants.
    standing_period: timedelta = timedelta(days=90)
    serial_no_reason_returns: int = 5
    serial_no_reason_share_percent: int = 50
    serial_disputes_lost: int = 2
    suspension_days: int = 90

    @property
    def window_bounds(self) -> dict[str, Bounds]:
        """``{"return_days": Bounds, ...}``: the catalogue's bounds, with the listing defaults."""
        from marketplace.models import Listing
        from marketplace.services.listings import guarantee_bounds

        return {name: Bounds(low, high, Listing._meta.get_field(name).default)
                for name, (low, high) in guarantee_bounds().items()}

    @property
    def return_confirm_after_shipping(self) -> timedelta:
        return self.return_delivery_allowance + self.merchant_confirm_return


def policy() -> Policy:
    overrides = (getattr(settings, "FANGXIN", None) or {}).get("PROTECTION") or {}
    known = {f.name for f in fields(Policy)}
    return replace(Policy(), **{k: v for k, v in overrides.items() if k in known})
