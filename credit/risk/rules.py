"""The rule book of cash-out scoring: each signal's default weight and parameters, its explanation, the thresholds.

Staff tune weights, parameters and thresholds in the admin (RiskRule, RiskSettings);
a rule or setting missing from the database falls back to the defaults here, which
the risk migration also writes. The configuration is cached briefly and dropped on
every change made through ``risk_config_save``.
"""
from dataclasses import dataclass, field
from decimal import Decimal

from django.core.cache import cache
from django.utils.translation import gettext_lazy as _

CACHE_KEY = "credit:risk:config:v1"
CACHE_SECONDS = 60


@dataclass(frozen=True)
class RuleDefault:
    weight: int
    params: dict
    description: str


# Weights are points; thresholds below. The defaults make a hold need two strong signals
# (e.g. shared device and shared address: 70) and a rejection three (e.g. plus the limit
# maxed right after approval: 100). No weight reaches the hold threshold on its own, and
# RiskSettings.min_signals_to_hold (≥ 2, a database constraint) makes sure of it anyway.
DEFAULT_RULES: dict[str, RuleDefault] = {
    "shared_device": RuleDefault(35, {"lookback_days": 180}, "The buyer checks out on a device the merchant's "
                                 "account has used, or other buyers of this shop checked out on it."),
    "shared_ip": RuleDefault(20, {"lookback_days": 30}, "The buyer checks out from a public IP the merchant's "
                             "account used recently (loopback and private addresses never count)."),
    "shared_phone": RuleDefault(35, {}, "The delivery phone or the buyer's phone is the merchant's phone, or a "
                                "phone the merchant ships their own orders to."),
    "shared_address": RuleDefault(35, {"lookback_days": 180, "owner_orders": 10},
                                  "The delivery address is one the merchant ships their own orders to, or other "
                                  "buyers of this shop use it."),
    "limit_after_approval": RuleDefault(30, {"within_hours": 72, "min_utilisation": "0.80"},
                                        "Most of the limit is used within hours of the line being approved or "
                                        "raised."),
    "merchant_credit_share": RuleDefault(20, {"window_days": 30, "min_orders": 10, "peer_multiple": "2.5",
                                              "min_share": "0.50"},
                                         "The shop's share of orders paid with credit is far above its peers'."),
    "round_amount": RuleDefault(10, {"min_amount": "500.00", "multiple_of": "100"},
                                "A large, round order total."),
    "late_night_burst": RuleDefault(15, {"start_hour": 0, "end_hour": 6, "window_minutes": 60, "min_orders": 3},
                                    "Several credit orders by the buyer within an hour, late at night."),
    "repeated_pair": RuleDefault(20, {"window_days": 30, "min_orders": 3},
                                 "The buyer keeps buying with credit from the same shop."),
    "virtual_goods": RuleDefault(15, {}, "Virtual goods (top-up cards, vouchers): nothing to ship."),
    "completed_without_tracking": RuleDefault(
        20, {"window_days": 180, "max_hours_to_receipt": 2},
        "Earlier orders between this buyer and shop completed without tracking, or were confirmed received "
        "within hours of shipping."),
}

DEFAULT_SETTINGS = {"hold_score": 50, "reject_score": 100, "min_signals_to_hold": 2, "min_signals_to_reject": 3,
                    "repeat_cash_out_threshold": 2}

# How each reason reads to staff (and to a buyer whose order is refused), in their language.
EXPLANATIONS = {
    "shared_device": _("Buyer and merchant share a device."),
    "shared_ip": _("Buyer and merchant use the same public IP address."),
    "shared_phone": _("Buyer and merchant share a phone number."),
    "shared_address": _("Buyer and merchant share an address."),
    "limit_after_approval": _("Most of the credit limit used right after approval."),
    "merchant_credit_share": _("The shop's share of credit orders is far above its peers'."),
    "round_amount": _("A large, round amount."),
    "late_night_burst": _("A burst of credit orders late at night."),
    "repeated_pair": _("Repeated credit orders between the same buyer and shop."),
    "virtual_goods": _("Virtual goods."),
    "completed_without_tracking": _("Earlier orders of this pair completed without real delivery."),
}


def explain(code: str) -> str:
    return str(EXPLANATIONS.get(code, code))


@dataclass(frozen=True)
class Rule:
    code: str
    weight: int
    params: dict = field(default_factory=dict)

    def param(self, name, cast=None):
        """A parameter as staff set it, or the default where it is missing or unusable (never a failed checkout)."""
        default = DEFAULT_RULES[self.code].params.get(name)
        for value in (self.params.get(name, default), default):
            try:
                return _cast(value, cast)
            except (ArithmeticError, TypeError, ValueError):
                continue
        return default


def _cast(value, cast):
    if cast is Decimal:
        number = Decimal(str(value))
        if not number.is_finite():
            raise ValueError(value)
        return number
    return cast(value) if cast else value


def params_errors(code: str, params) -> list[str]:
    """What is wrong with parameters staff typed for rule ``code`` (empty: nothing)."""
    if not isinstance(params, dict):
        return [str(_("Parameters are a JSON object, e.g. {\"lookback_days\": 30}."))]
    defaults = DEFAULT_RULES[code].params if code in DEFAULT_RULES else {}
    problems = []
    for name, value in params.items():
        if name not in defaults:
            problems.append(str(_("Unknown parameter %(name)s; this rule takes: %(names)s.")
                                % {"name": name, "names": ", ".join(defaults) or "—"}))
            continue
        try:
            number = Decimal(str(value))
        except ArithmeticError:
            number = None
        if isinstance(value, bool) or number is None or not number.is_finite() or number < 0:
            problems.append(str(_("%(name)s must be a number of at least 0.") % {"name": name}))
        elif isinstance(defaults[name], int) and number != number.to_integral_value():
            problems.append(str(_("%(name)s must be a whole number.") % {"name": name}))
    return problems


@dataclass(frozen=True)
class Config:
    rules: dict[str, Rule]
    hold_score: int
    reject_score: int
    min_signals_to_hold: int
    min_signals_to_reject: int
    repeat_cash_out_threshold: int


def _load() -> Config:
    from credit.models import RiskRule, RiskSettings

    row = RiskSettings.objects.filter(pk=1).values(*DEFAULT_SETTINGS).first() or {}
    values = {**DEFAULT_SETTINGS, **row}
    stored = {r.code: r for r in RiskRule.objects.all()}
    rules = {}
    for code, default in DEFAULT_RULES.items():
        rule = stored.get(code)
        if rule is None:
            rules[code] = Rule(code, default.weight, dict(default.params))
        elif rule.enabled:
            rules[code] = Rule(code, rule.weight, {**default.params, **(rule.params or {})})
    # The SPEC's rule "no single signal holds an order" does not depend on anyone's tuning.
    values["min_signals_to_hold"] = max(2, values["min_signals_to_hold"])
    values["min_signals_to_reject"] = max(values["min_signals_to_hold"], values["min_signals_to_reject"])
    return Config(rules=rules, **values)


def config() -> Config:
    current = cache.get(CACHE_KEY)
    if current is None:
        current = _load()
        cache.set(CACHE_KEY, current, CACHE_SECONDS)
    return current


def config_invalidate() -> None:
    cache.delete(CACHE_KEY)
