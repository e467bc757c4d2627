"""The one place credit's tunable parameters live: defaults here, overrides in settings.FANGXIN_CREDIT."""
from decimal import Decimal

from django.conf import settings

from credit.schedules import PenaltyPolicy

DEFAULTS = {
    "GRACE_DAYS": 3,
    "PENALTY_DAILY_RATE": "0.0005",  # 0.05 % a day on the overdue principal
    "PENALTY_ANNUAL_CAP": "0.24",  # total penalties never above 24 % annualised on that principal
    # A line is frozen once anything on it is this many days overdue (1: as soon as a due date passes).
    "FREEZE_AFTER_DAYS": 1,
    "OVERDUE_SWEEP_CHUNK": 2000,
    "MAX_LIMIT": "50000.00",
    "MIN_ORDER_AMOUNT": "1.00",
}


def get(name: str):
    overrides = getattr(settings, "FANGXIN_CREDIT", {}) or {}
    return overrides.get(name, DEFAULTS[name])


def penalty_policy() -> PenaltyPolicy:
    return PenaltyPolicy(grace_days=int(get("GRACE_DAYS")), daily_rate=Decimal(str(get("PENALTY_DAILY_RATE"))),
                         annual_cap=Decimal(str(get("PENALTY_ANNUAL_CAP"))))
