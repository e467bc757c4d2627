"""Rule-based, explainable underwriting: a limit from the income band, adjusted by written-down factors.

Inputs: account age, completed orders, lost disputes (complaints against the
applicant's own shop that were upheld — any outcome but "dismissed"), repayment
history and the income band. Emergency contacts are NOT an input, by design: they
are never passed to ``underwrite`` at all.
"""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from credit import conf
from credit.models import ApplicationStatus, CreditEvent, IncomeBand

BASE_LIMIT = {
    IncomeBand.BELOW_3K: Decimal("1000"),
    IncomeBand.FROM_3K_TO_8K: Decimal("3000"),
    IncomeBand.FROM_8K_TO_15K: Decimal("6000"),
    IncomeBand.FROM_15K_TO_30K: Decimal("10000"),
    IncomeBand.ABOVE_30K: Decimal("15000"),
}

# Every reason a buyer can be told, in words they can act on.
REASON_TEXT = {
    "income_band": _("Your limit starts from your income band."),
    "new_account": _("Your account is less than 30 days old, so we start with half the limit."),
    "established_account": _("Your account is over a year old: limit raised by 20 %."),
    "order_history": _("You have completed orders with us: limit raised."),
    "lost_disputes": _("Complaints against your shop were upheld: limit halved."),
    "too_many_lost_disputes": _("Three or more complaints against your shop were upheld."),
    "late_repayments": _("You paid an instalment late in the last six months: limit halved."),
    "repeated_late_repayments": _("Three or more of your instalments were late."),
    "currently_overdue": _("You have an overdue instalment; repay it and apply again."),
    "good_repayment_history": _("You repaid instalments on time: limit raised by 20 %."),
    "underage": _("Credit is available from the age of 18."),
    "identity_in_use": _("This ID number or phone is used by another account; a credit officer will check."),
    "staff_decision": _("Decided by a credit officer."),
}


@dataclass
class Facts:
    """What underwriting looks at — all about the applicant's own record; nothing about contacts."""

    account_age_days: int
    completed_orders: int
    lost_disputes: int
    late_events: int
    recent_late_events: int
    on_time_events: int
    currently_overdue: bool
    income_band: str
    age_years: int | None
    identity_in_use: bool = False


@dataclass
class Outcome:
    status: str
    limit: Decimal
    reasons: list[str] = field(default_factory=list)
    factors: dict = field(default_factory=dict)


def age_from_id_number(id_number: str, today: date) -> int | None:
    try:
        born = date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except (ValueError, IndexError):
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def gather_facts(*, user, income_band: str, id_number: str, identity_in_use: bool) -> Facts:
    from marketplace.models import Complaint, Order

    now = timezone.now()
    events = CreditEvent.objects.filter(user=user)
    half_year_ago = now - timezone.timedelta(days=183)
    from credit.models import Installment

    return Facts(
        account_age_days=(now - user.date_joined).days,
        completed_orders=Order.objects.filter(buyer=user, status="completed").count(),
        lost_disputes=Complaint.objects.filter(shop__owner=user, status="resolved").exclude(outcome="dismissed")
        .exclude(outcome="").count(),
        late_events=events.filter(kind=CreditEvent.Kind.LATE).count(),
        recent_late_events=events.filter(kind=CreditEvent.Kind.LATE, created__gte=half_year_ago).count(),
        on_time_events=events.filter(kind=CreditEvent.Kind.ON_TIME).count(),
        currently_overdue=Installment.objects.filter(plan__buyer=user, status="overdue").exists(),
        income_band=income_band,
        age_years=age_from_id_number(id_number, timezone.localdate()),
        identity_in_use=identity_in_use,
    )


def underwrite(facts: Facts) -> Outcome:
    """The rules, in order. Declines name every rule that declined; approvals name what shaped the limit."""
    factors = {"account_age_days": facts.account_age_days, "completed_orders": facts.completed_orders,
               "lost_disputes": facts.lost_disputes, "late_events": facts.late_events,
               "on_time_events": facts.on_time_events, "income_band": facts.income_band}
    declines = []
    if facts.age_years is None or facts.age_years < 18:
        declines.append("underage")
    if facts.currently_overdue:
        declines.append("currently_overdue")
    if facts.lost_disputes >= 3:
        declines.append("too_many_lost_disputes")
    if facts.late_events >= 3:
        declines.append("repeated_late_repayments")
    if declines:
        return Outcome(ApplicationStatus.DECLINED, Decimal("0.00"), declines, factors)

    limit = BASE_LIMIT[facts.income_band]
    reasons = ["income_band"]
    if facts.account_age_days < 30:
        limit *= Decimal("0.5")
        reasons.append("new_account")
    elif facts.account_age_days >= 365:
        limit *= Decimal("1.2")
        reasons.append("established_account")
    if facts.completed_orders >= 5:
        limit *= Decimal("1.2") if facts.completed_orders >= 20 else Decimal("1.1")
        reasons.append("order_history")
    if facts.lost_disputes:
        limit *= Decimal("0.5")
        reasons.append("lost_disputes")
    if facts.recent_late_events:
        limit *= Decimal("0.5")
        reasons.append("late_repayments")
    elif facts.on_time_events >= 6:
        limit *= Decimal("1.2")
        reasons.append("good_repayment_history")
    # Limits are whole hundreds (a business rule, not a rounding of money owed).
    limit = min(Decimal(int(limit) // 100 * 100), Decimal(conf.get("MAX_LIMIT")))
    limit = max(limit, Decimal("100")).quantize(Decimal("0.01"))
    if facts.identity_in_use:
        return Outcome(ApplicationStatus.UNDER_REVIEW, limit, [*reasons, "identity_in_use"], factors)
    return Outcome(ApplicationStatus.APPROVED, limit, reasons, factors)


def reasons_for_display(codes: list[str]) -> list[dict]:
    return [{"code": code, "detail": str(REASON_TEXT.get(code, code))} for code in codes]
