"""The maths of instalment credit as pure functions: schedules, APR, allocation, payoff, penalties, refunds.

No ORM and no settings here: callers pass plain values (Decimal amounts, dates) and
get plain values back, so every rule can be property-tested on its own. Amounts
are rounded only through ``core.money.quantize``.
"""
import calendar
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal, localcontext

from core.money import ZERO, quantize, split_evenly

ONE = Decimal(1)


@dataclass(frozen=True)
class Line:
    """One instalment of a schedule as quoted: what falls due on ``due_date``."""

    number: int
    due_date: date
    principal: Decimal
    fee: Decimal

    @property
    def amount(self) -> Decimal:
        return self.principal + self.fee


@dataclass(frozen=True)
class Due:
    """An instalment's state for allocation and payoff: what it costs and what was paid of it."""

    number: int
    due_date: date
    principal: Decimal
    fee: Decimal
    penalty: Decimal = ZERO
    paid_principal: Decimal = ZERO
    paid_fee: Decimal = ZERO
    paid_penalty: Decimal = ZERO

    @property
    def owed_principal(self) -> Decimal:
        return self.principal - self.paid_principal

    @property
    def owed_fee(self) -> Decimal:
        return self.fee - self.paid_fee

    @property
    def owed_penalty(self) -> Decimal:
        return self.penalty - self.paid_penalty

    @property
    def owed(self) -> Decimal:
        return self.owed_principal + self.owed_fee + self.owed_penalty


@dataclass(frozen=True)
class Allocation:
    number: int
    principal: Decimal = ZERO
    fee: Decimal = ZERO
    penalty: Decimal = ZERO

    @property
    def amount(self) -> Decimal:
        return self.principal + self.fee + self.penalty

    def as_dict(self) -> dict:
        return {"number": self.number, "principal": str(self.principal), "fee": str(self.fee),
                "penalty": str(self.penalty), "amount": str(self.amount)}


# ---------------------------------------------------------------- due dates and schedules

def add_months(start: date, months: int) -> date:
    """The same day ``months`` later, clamped to the end of a shorter month (31 Jan + 1 → 28/29 Feb)."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


def due_dates(start: date, count: int) -> list[date]:
    """Due dates of ``count`` monthly instalments bought on ``start``: the first one month later.

    Each is counted from ``start`` (not from the previous due date), so 31 Jan gives
    28 Feb and then 31 Mar, never 28 Mar.
    """
    return [add_months(start, n) for n in range(1, count + 1)]


def total_fee(principal: Decimal, fee_rate: Decimal) -> Decimal:
    """The total fee of a plan: ``fee_rate`` (e.g. 0.075) of the financed amount."""
    return quantize(principal * fee_rate)


def build_schedule(principal: Decimal, fee_rate: Decimal, count: int, start: date) -> list[Line]:
    """Equal instalments of principal and fee; the cents left over go to the last one.

    The instalments add up exactly to ``principal + total_fee(principal, fee_rate)``.
    """
    if count < 1:
        raise ValueError("count must be positive")
    if principal <= 0:
        raise ValueError("principal must be positive")
    if fee_rate < 0:
        raise ValueError("fee rate must not be negative")
    principals = split_evenly(principal, count)
    fees = split_evenly(total_fee(principal, fee_rate), count)
    return [Line(n, due, p, f) for n, (due, p, f) in enumerate(zip(due_dates(start, count), principals, fees,
                                                                     strict=True), start=1)]


# ---------------------------------------------------------------- annualised rate

def _npv(rate: Decimal, principal: Decimal, amounts: list[Decimal]) -> Decimal:
    value, factor = -principal, ONE
    step = ONE / (ONE + rate)
    for amount in amounts:
        factor *= step
        value += amount * factor
    return value


def monthly_irr(principal: Decimal, amounts: list[Decimal]) -> Decimal:
    """The monthly rate r with principal = Σ amount_k / (1 + r)^k, by bisection at 50 digits.

    The present value falls as r rises, so bisection always converges; we stop
    far below the precision the two-decimal percentage needs.
    """
    if principal <= 0 or not amounts:
        raise ValueError("need a positive principal and at least one payment")
    if sum(amounts) <= principal:
        return ZERO if sum(amounts) == principal else -_bisect(principal, amounts, Decimal("-0.99"), ZERO)
    return _bisect(principal, amounts, ZERO, ONE)


def _bisect(principal, amounts, low, high) -> Decimal:
    with localcontext() as ctx:
        ctx.prec = 50
        while _npv(high, principal, amounts) > 0:  # rates above 100 % a month: widen
            high *= 2
        for _ in range(200):
            mid = (low + high) / 2
            if _npv(mid, principal, amounts) > 0:
                low = mid
            else:
                high = mid
            if high - low < Decimal("1e-30"):
                break
        return abs((low + high) / 2)


def apr_percent(principal: Decimal, amounts: list[Decimal]) -> Decimal:
    """Annualised rate in percent: monthly IRR × 12 × 100, rounded half up to two decimals."""
    if sum(amounts) == principal:
        return ZERO
    if sum(amounts) < principal:
        raise ValueError("payments below the principal have no positive rate")
    with localcontext() as ctx:
        ctx.prec = 50
        return quantize(monthly_irr(principal, amounts) * 1200)


def schedule_apr(principal: Decimal, lines: list[Line]) -> Decimal:
    return apr_percent(principal, [line.amount for line in lines])


# ---------------------------------------------------------------- allocation and payoff

def allocate(dues: list[Due], amount: Decimal) -> tuple[list[Allocation], Decimal]:
    """Spread a payment over instalments, oldest first: penalty, then fee, then principal of each.

    Returns the allocations (only instalments that received something) and the part
    of ``amount`` left over when everything owed is paid. Never loses or invents a cent.
    """
    if amount < 0:
        raise ValueError("amount must not be negative")
    left = amount
    allocations = []
    for due in sorted(dues, key=lambda d: (d.due_date, d.number)):
        if left <= 0:
            break
        penalty = min(left, due.owed_penalty)
        left -= penalty
        fee = min(left, due.owed_fee)
        left -= fee
        principal = min(left, due.owed_principal)
        left -= principal
        if penalty or fee or principal:
            allocations.append(Allocation(due.number, principal=principal, fee=fee, penalty=penalty))
    return allocations, left


def is_due(due: Due, today: date) -> bool:
    return due.due_date <= today


def payoff_amount(dues: list[Due], today: date) -> Decimal:
    """Outstanding principal + fees and penalties of instalments already due; nothing for periods not yet due."""
    return sum((d.owed_principal + (d.owed_fee + d.owed_penalty if is_due(d, today) else d.owed_penalty)
                for d in dues), ZERO)


def payoff_allocations(dues: list[Due], today: date) -> list[Allocation]:
    """What a payoff pays on each instalment; the fees of periods not yet due are waived, not paid."""
    result = []
    for d in sorted(dues, key=lambda d: (d.due_date, d.number)):
        fee = d.owed_fee if is_due(d, today) else ZERO
        allocation = Allocation(d.number, principal=d.owed_principal, fee=fee, penalty=d.owed_penalty)
        if allocation.amount:
            result.append(allocation)
    return result


def next_due_amount(dues: list[Due]) -> Decimal:
    """What "pay the next instalment" pays: everything owed on the oldest instalment with something owed."""
    owing = [d for d in sorted(dues, key=lambda d: (d.due_date, d.number)) if d.owed > 0]
    return owing[0].owed if owing else ZERO


def total_outstanding(dues: list[Due]) -> Decimal:
    return sum((d.owed for d in dues), ZERO)


# ---------------------------------------------------------------- overdue and penalties

@dataclass(frozen=True)
class PenaltyPolicy:
    grace_days: int = 3
    daily_rate: Decimal = Decimal("0.0005")  # 0.05 % a day on the overdue principal
    annual_cap: Decimal = Decimal("0.24")  # penalties never above 24 % a year of that principal


def penalty_cap(overdue_principal: Decimal, days_overdue: int, policy: PenaltyPolicy) -> Decimal:
    """The most penalty an instalment may carry after ``days_overdue`` days: 24 % annualised."""
    return quantize(overdue_principal * policy.annual_cap * days_overdue / 365, rounding="ROUND_DOWN")


def penalty_after(*, penalty: Decimal, overdue_principal: Decimal, accrued_days: int, days_overdue: int,
                  policy: PenaltyPolicy) -> Decimal:
    """The instalment's penalty after accruing from day ``accrued_days`` to day ``days_overdue`` overdue.

    Days inside the grace period accrue nothing. Each accrued day adds
    ``daily_rate`` of the principal still overdue; the total never exceeds the cap
    and never goes down here (a cap lower than what was charged keeps the charge).
    """
    chargeable = max(0, days_overdue - policy.grace_days) - max(0, accrued_days - policy.grace_days)
    if chargeable <= 0 or overdue_principal <= 0:
        return penalty
    grown = quantize(penalty + overdue_principal * policy.daily_rate * chargeable)
    return max(penalty, min(grown, penalty_cap(overdue_principal, days_overdue, policy)))


BUCKETS = ((1, 30, "1_30"), (31, 60, "31_60"), (61, 90, "61_90"), (91, None, "90_plus"))


def bucket_for(days_overdue: int) -> str:
    """Delinquency bucket: 1–30, 31–60, 61–90, 90+ days; "" when not overdue."""
    for low, high, name in BUCKETS:
        if days_overdue >= low and (high is None or days_overdue <= high):
            return name
    return ""


# ---------------------------------------------------------------- refunds

@dataclass(frozen=True)
class RefundResult:
    dues: list[Due]  # the instalments after the refund
    principal_removed: Decimal  # outstanding (unpaid) principal that no longer has to be repaid
    fee_cancelled: Decimal  # unpaid fees cancelled
    returned_principal: Decimal  # principal the buyer had paid and gets back
    returned_fee: Decimal  # fees the buyer had paid and gets back
    returned_penalty: Decimal = ZERO
    cancelled_numbers: list[int] = field(default_factory=list)

    @property
    def returned(self) -> Decimal:
        return self.returned_principal + self.returned_fee + self.returned_penalty


def refund_adjust(dues: list[Due], amount: Decimal, *, full: bool = False) -> RefundResult:
    """Take ``amount`` of principal off a plan from the last instalment backwards.

    Each instalment keeps the share of its fee that matches the principal it keeps
    (fees on refunded principal are cancelled pro rata). Whatever the buyer had
    already paid beyond the new amounts comes back. A ``full`` refund also returns
    penalties paid and cancels every instalment.
    """
    principal_total = sum((d.principal for d in dues), ZERO)
    if amount <= 0 or amount > principal_total:
        raise ValueError("refund must be positive and at most the plan's principal")
    left = amount
    adjusted: dict[int, Due] = {}
    removed = cancelled_fee = back_p = back_f = back_x = ZERO
    cancelled = []
    for d in sorted(dues, key=lambda d: (d.due_date, d.number), reverse=True):
        cut = min(left, d.principal)
        left -= cut
        new_principal = d.principal - cut
        new_fee = quantize(d.fee * new_principal / d.principal) if d.principal else d.fee
        paid_p, paid_f, penalty, paid_x = d.paid_principal, d.paid_fee, d.penalty, d.paid_penalty
        extra_p, extra_f = max(ZERO, paid_p - new_principal), max(ZERO, paid_f - new_fee)
        removed += (d.principal - paid_p) - max(ZERO, new_principal - paid_p) if cut else ZERO
        cancelled_fee += (d.fee - paid_f) - max(ZERO, new_fee - paid_f) if new_fee != d.fee else ZERO
        back_p, back_f = back_p + extra_p, back_f + extra_f
        if full or new_principal == 0:
            # Nothing left to repay on it: unpaid penalties are waived; paid ones come back on a full refund.
            if full:
                back_x += paid_x
                paid_x = ZERO
            penalty = paid_x
            cancelled.append(d.number)
        adjusted[d.number] = replace(d, principal=new_principal, fee=new_fee, penalty=penalty,
                                     paid_principal=paid_p - extra_p, paid_fee=paid_f - extra_f,
                                     paid_penalty=paid_x)
    return RefundResult(
        dues=[adjusted[d.number] for d in dues], principal_removed=removed, fee_cancelled=cancelled_fee,
        returned_principal=back_p, returned_fee=back_f, returned_penalty=back_x,
        cancelled_numbers=sorted(cancelled),
    )
