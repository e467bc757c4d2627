"""Extension points the marketplace offers to apps built on it (it never imports them).

- Payment methods: the marketplace ships "full" (pay through a provider); the credit
  app registers "installment". Checkout, refunds and settlement ask the order's method.
- Settlement holds: protection (an open after-sales case) and credit (elevated cash-out
  risk) register functions that can keep an order's escrow from being settled yet.
- Checkout context: the request facts handed to the payment method at checkout (client IP,
  user agent); credit adds the device id its risk control compares.
- Shop cases: protection lists a shop's open after-sales cases, with their deadlines, for the
  merchant's dashboard.

Apps register in their AppConfig.ready().
"""
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import DomainError
from core.net import client_ip
from marketplace import errors

_methods: dict = {}
_settlement_holds: dict = {}
_auto_confirm_holds: dict = {}


class PaymentMethod:
    """How an order is paid for, and how money goes back the way it came."""

    key: str = ""
    label = ""

    def validate_options(self, options: dict) -> dict:
        """Check the method's options from the checkout request (e.g. instalment count)."""
        return {}

    def checkout(self, *, order, buyer, options: dict, context: dict) -> None:
        """Called inside order placement, after lines are created and stock reserved.

        May move the order on (e.g. to ``paid``) or raise DomainError, which undoes
        the whole placement. ``context`` carries request facts (ip, device) for risk checks.
        """

    def refund(self, *, order, amount: Decimal, refund, actor) -> list:
        """Send ``amount`` back the way the order was paid; runs inside the refund transaction.

        Does the method's own work (a provider refund, cancelling instalments) and returns
        the ledger legs on the buyer's side — ``[(account, -x), ...]`` summing to ``-amount``.
        The refund service adds the legs that take the money from escrow, the merchant's
        balance or deposit, or the platform, and posts one balanced transaction.
        """
        raise NotImplementedError

    def settlement_fee(self, order) -> Decimal:
        """A fee the merchant pays out of this order's settlement (interest-free promotions)."""
        return Decimal("0.00")

    def listing_monthly_from(self, listing) -> Decimal | None:
        """The smallest monthly amount this method offers for the listing, or None."""
        return None

    def listing_teaser(self, listing) -> str | None:
        """Short text for a listing page, e.g. "from ¥88.00 / month"."""
        return None

    def cancel(self, *, order, actor) -> None:
        """Undo the method's effects when an order is cancelled before shipping."""


def register_payment_method(method: PaymentMethod) -> None:
    _methods[method.key] = method


def payment_method(key: str) -> PaymentMethod:
    try:
        return _methods[key]
    except KeyError:
        raise DomainError(errors.UNKNOWN_PAYMENT_METHOD, _("Unknown payment method: %(key)s") % {"key": key},
                          fields={"payment": [_("Choose a payment method we offer.")]}) from None


def payment_methods() -> list[PaymentMethod]:
    return list(_methods.values())


def payment_method_label(key: str) -> str:
    """The method's name in the current language, or the key of a method no longer offered."""
    try:
        return str(payment_method(key).label)
    except DomainError:
        return key


def register_settlement_hold(name: str, eligible) -> None:
    """``eligible(orders_queryset) -> queryset`` drops the orders this hold keeps unsettled.

    Set-based, so the settlement sweep stays a few queries however many orders wait.
    """
    _settlement_holds[name] = eligible


def settlement_eligible(orders):
    for eligible in _settlement_holds.values():
        orders = eligible(orders)
    return orders


def register_auto_confirm_hold(name: str, eligible) -> None:
    """Like a settlement hold, for automatic confirmation of receipt (e.g. a "not received" claim)."""
    _auto_confirm_holds[name] = eligible


def auto_confirm_eligible(orders):
    for eligible in _auto_confirm_holds.values():
        orders = eligible(orders)
    return orders


def settlement_hold_reasons(order) -> list[str]:
    """The names of the holds keeping one order unsettled (for pages and the admin)."""
    one = type(order).objects.filter(pk=order.pk)
    return [name for name, eligible in _settlement_holds.items() if not eligible(one).exists()]


# After-sales cases and instalments: protection announces when an order gets or loses an
# open case; credit listens to pause the order's instalments (no penalty, no reporting).
_case_listeners: list = []


def register_case_listener(func) -> None:
    """``func(*, order, is_open: bool, actor)`` runs inside the case's transaction."""
    if func not in _case_listeners:
        _case_listeners.append(func)


def announce_case_state(*, order, is_open: bool, actor=None) -> None:
    for func in _case_listeners:
        func(order=order, is_open=is_open, actor=actor)


# Checkout context: what a payment method may weigh about the request an order is placed from.
_checkout_context_providers: list = []
USER_AGENT_MAX = 300


def register_checkout_context(func) -> None:
    """``func(request) -> dict`` adds facts (e.g. ``device_id``) to the context of every checkout from a request."""
    if func not in _checkout_context_providers:
        _checkout_context_providers.append(func)


def checkout_context(request) -> dict:
    """The request facts for ``order_place(context=...)``, the same for the website and the API."""
    context = {"ip": client_ip(request), "user_agent": request.META.get("HTTP_USER_AGENT", "")[:USER_AGENT_MAX]}
    for func in _checkout_context_providers:
        context.update(func(request) or {})
    return context


# The shop dashboard lists open after-sales cases with their deadlines; the app that owns the cases
# (protection) provides them, so the marketplace shows them without knowing what a case is.
@dataclass(frozen=True)
class ShopCase:
    """One open case as the shop dashboard shows it; texts already translated by the provider."""

    url: str
    reference: str
    item: str
    request: str
    status: str
    deadline_label: str = ""
    deadline: datetime | None = None
    merchants_move: bool = False


@dataclass
class ShopCases:
    """A shop's open cases: how many in all, the first few (the merchant's move first, soonest first), and
    where the whole list is."""

    total: int = 0
    rows: list[ShopCase] = field(default_factory=list)
    list_url: str = ""


_shop_case_providers: dict = {}


def register_shop_cases(name: str, provider) -> None:
    """``provider(shop, *, limit: int) -> ShopCases``, a fixed number of queries however many cases."""
    _shop_case_providers[name] = provider


def shop_cases_registered() -> bool:
    return bool(_shop_case_providers)


def shop_open_cases(shop, *, limit: int = 5) -> ShopCases:
    found = ShopCases()
    for provider in _shop_case_providers.values():
        cases = provider(shop, limit=limit)
        found.total += cases.total
        found.rows += cases.rows
        found.list_url = found.list_url or cases.list_url
    never = datetime.max.replace(tzinfo=UTC)
    found.rows.sort(key=lambda row: (not row.merchants_move, row.deadline or never))
    found.rows = found.rows[:limit]
    return found
