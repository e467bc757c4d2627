"""After-sales windows: when a case of a given type and reason may be opened.

Windows are counted to the second from the moment of receipt (``order.received_at``):
a 7-day window that opened at 10:00:00 on the 1st is open at 09:59:59 on the 8th and
closed at 10:00:00. Before receipt only "refund only" (not received / not shipped) and
an agreed partial refund make sense; "refund only, not received" closes on receipt.

``window_for`` is pure (no ORM); ``check_window`` applies it to an order line.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from core.errors import DomainError
from protection import errors
from protection.models.cases import QUALITY_REASONS, CaseReason, CaseType
from protection.policy import Policy, policy


class Kind:
    UNTIL_RECEIPT = "until_receipt"
    NO_REASON = "no_reason"
    EXCHANGE = "exchange"
    QUALITY = "quality"
    NONE = "none"  # this request cannot be made after receipt


@dataclass(frozen=True)
class Window:
    kind: str
    opens_at: datetime | None  # None: not open yet (the goods have not arrived)
    closes_at: datetime | None  # None: open until the goods are received

    def is_open(self, at: datetime) -> bool:
        if self.opens_at is None or at < self.opens_at:
            return False
        return self.closes_at is None or at < self.closes_at


def guarantee_days(*, return_days, exchange_days, quality_days, rules: Policy) -> dict:
    """A line's guarantee, brought within the platform's bounds; no-reason returns never below the standard."""
    bounds = rules.window_bounds
    return {
        "return": max(rules.no_reason_days, bounds["return_days"].clamp(return_days)),
        "exchange": bounds["exchange_days"].clamp(exchange_days),
        "quality": bounds["quality_days"].clamp(quality_days),
    }


def window_for(*, type: str, reason: str, paid_at, received_at, return_days=None, exchange_days=None,
               quality_days=None, rules: Policy | None = None) -> Window:
    """The window in which a case of ``type`` and ``reason`` may be opened on a line."""
    rules = rules or policy()
    if received_at is None:
        if type == CaseType.REFUND_ONLY and reason in (CaseReason.NOT_RECEIVED, CaseReason.NO_REASON):
            return Window(Kind.UNTIL_RECEIPT, paid_at, None)
        if type == CaseType.PARTIAL_REFUND:
            return Window(Kind.UNTIL_RECEIPT, paid_at, None)
        return Window(Kind.NO_REASON if reason == CaseReason.NO_REASON else Kind.QUALITY, None, None)

    if reason == CaseReason.NOT_RECEIVED or (type == CaseType.REFUND_ONLY and reason == CaseReason.NO_REASON):
        # The goods arrived: "not received" and "not shipped" ended at that moment.
        return Window(Kind.UNTIL_RECEIPT, received_at, received_at)

    days = guarantee_days(return_days=return_days, exchange_days=exchange_days, quality_days=quality_days,
                          rules=rules)
    no_reason = days["exchange"] if type == CaseType.EXCHANGE else days["return"]
    if reason in QUALITY_REASONS:
        # A quality claim never has less time than a change of mind would.
        return Window(Kind.QUALITY, received_at, received_at + timedelta(days=max(days["quality"], no_reason)))
    kind = Kind.EXCHANGE if type == CaseType.EXCHANGE else Kind.NO_REASON
    return Window(kind, received_at, received_at + timedelta(days=no_reason))


def line_window(*, order, line, type: str, reason: str, rules: Policy | None = None) -> Window:
    return window_for(type=type, reason=reason, paid_at=order.paid_at or order.created,
                      received_at=order.received_at, return_days=line.return_days,
                      exchange_days=line.exchange_days, quality_days=line.quality_days, rules=rules)


def check_window(*, order, line, type: str, reason: str, at: datetime | None = None) -> Window:
    """Raise ``window_closed`` (with ``closed_on``) or ``window_not_open`` unless the request fits now."""
    at = at or timezone.now()
    window = line_window(order=order, line=line, type=type, reason=reason)
    if window.is_open(at):
        return window
    if window.opens_at is None or at < window.opens_at:
        raise DomainError(errors.WINDOW_NOT_OPEN,
                          _("This request can be made once you have received the goods."))
    closed = timezone.localtime(window.closes_at)
    message = _("The window for this request closed on %(date)s.") % {"date": date_format(closed, "DATE_FORMAT")}
    raise DomainError(errors.WINDOW_CLOSED, message,
                      closed_on=closed.date().isoformat(), closed_at=closed.isoformat())


def line_windows(*, order, line, at: datetime | None = None) -> list[dict]:
    """What the buyer may still ask for on a line, with closing moments (for pages and the API)."""
    at = at or timezone.now()
    offers = [
        (CaseType.REFUND_ONLY, CaseReason.NOT_RECEIVED),
        (CaseType.RETURN_REFUND, CaseReason.NO_REASON),
        (CaseType.EXCHANGE, CaseReason.NO_REASON),
        (CaseType.RETURN_REFUND, CaseReason.QUALITY),
    ]
    result = []
    for type_, reason in offers:
        window = line_window(order=order, line=line, type=type_, reason=reason)
        result.append({"type": type_, "reason": reason, "kind": window.kind, "open": window.is_open(at),
                       "opens_at": window.opens_at, "closes_at": window.closes_at})
    return result
