"""A buyer's after-sales standing: counted from the cases, shown to the buyer, flagged for staff and merchants.

The written rules (rules page and ``GET /api/v1/after-sales/standing/``):
- Counted over the last ``policy().standing_period`` (90 days).
- Against a buyer count only no-reason returns that went through, and rulings in which
  staff found the buyer at fault.
- A quality claim (quality, not as described, damaged, not received) that the merchant
  accepted or staff upheld never counts against the buyer.
- The frequent-returner flag is neutral: it is shown to staff and to merchants handling
  the buyer's cases and takes nothing away by itself. Only staff can suspend no-reason
  returns, for a period, for an abusive pattern; quality claims stay open to everybody.
"""
from dataclasses import asdict, dataclass, field
from datetime import timedelta

from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors as core_errors
from core.errors import DomainError
from core.privacy import audit
from marketplace.models import Order
from protection.models import (
    QUALITY_REASONS,
    AfterSalesCase,
    AtFault,
    BuyerStanding,
    CaseReason,
    CaseStatus,
    NoReasonSuspension,
)
from protection.policy import policy

SUSPEND_PERMISSION = "protection.add_noreasonsuspension"
WENT_THROUGH = (CaseStatus.REFUNDED, CaseStatus.EXCHANGED)


@dataclass
class Standing:
    period_days: int
    orders_received: int = 0
    cases: int = 0
    returns: int = 0
    no_reason_returns: int = 0
    disputes_lost: int = 0
    quality_claims_won: int = 0
    flagged: bool = False
    flag_reasons: list = field(default_factory=list)

    @property
    def no_reason_share_percent(self) -> int:
        if not self.orders_received:
            return 0
        return int(self.no_reason_returns * 100 // self.orders_received)


def standing_compute(*, buyer, at=None) -> Standing:
    """The buyer's figures over the period ending ``at``, from the cases themselves."""
    rules = policy()
    at = at or timezone.now()
    since = at - rules.standing_period
    cases = AfterSalesCase.objects.filter(buyer=buyer, created__gte=since, created__lte=at)
    went_through = Q(status__in=WENT_THROUGH)
    lost = Q(at_fault=AtFault.BUYER)
    figures = {
        "cases": cases.count(),
        "returns": cases.filter(went_through).count(),
        "no_reason_returns": cases.filter(went_through, reason=CaseReason.NO_REASON).count(),
        "disputes_lost": cases.filter(lost).count(),
        "quality_claims_won": cases.filter(went_through, reason__in=[*QUALITY_REASONS, CaseReason.NOT_RECEIVED])
        .exclude(at_fault=AtFault.BUYER).count(),
    }
    standing = Standing(
        period_days=rules.standing_period.days,
        orders_received=Order.objects.filter(buyer=buyer, received_at__gte=since, received_at__lte=at).count(),
        **figures,
    )
    if (standing.no_reason_returns >= rules.serial_no_reason_returns
            and standing.no_reason_share_percent >= rules.serial_no_reason_share_percent):
        standing.flag_reasons.append("no_reason_returns")
    if standing.disputes_lost >= rules.serial_disputes_lost:
        standing.flag_reasons.append("disputes_lost")
    standing.flagged = bool(standing.flag_reasons)
    return standing


def written_rules() -> list[str]:
    """The rules of standing as shown to buyers, with the platform's current figures."""
    rules = policy()
    params = {"days": rules.standing_period.days, "returns": rules.serial_no_reason_returns,
              "share": rules.serial_no_reason_share_percent, "lost": rules.serial_disputes_lost}
    return [
        _("We look at the last %(days)s days.") % params,
        _("A quality claim (quality problem, not as described, arrived damaged, not received) that the merchant "
          "accepted or Fangxin upheld never counts against you.") % params,
        _("Counted against you: no-reason returns that went through, and rulings in which Fangxin found you at "
          "fault.") % params,
        _("You are marked as a frequent returner when you made %(returns)s or more no-reason returns and they are "
          "at least %(share)s%% of the orders you received, or when %(lost)s or more rulings went against you. "
          "The mark is shown to customer service and to merchants handling your cases; it takes nothing away by "
          "itself.") % params,
        _("For an abusive pattern, customer service may suspend no-reason returns for a period; you are told why "
          "and until when. Quality claims stay open to you.") % params,
    ]


def standing_refresh(*, buyer, at=None) -> BuyerStanding:
    """Store the buyer's current figures for staff filters (called when a case ends, and nightly)."""
    figures = asdict(standing_compute(buyer=buyer, at=at))
    row, _created = BuyerStanding.objects.update_or_create(
        buyer=buyer, defaults={**figures, "refreshed_at": timezone.now()})
    return row


def standings_refresh_all(*, at=None) -> int:
    """Nightly: figures age as the period moves on, so refresh everybody with a case in it or a stored flag."""
    at = at or timezone.now()
    since = at - policy().standing_period
    buyer_ids = set(AfterSalesCase.objects.filter(created__gte=since).values_list("buyer_id", flat=True))
    buyer_ids |= set(BuyerStanding.objects.filter(flagged=True).values_list("buyer_id", flat=True))
    for buyer in get_user_model().objects.filter(pk__in=buyer_ids).order_by("pk"):
        standing_refresh(buyer=buyer, at=at)
    return len(buyer_ids)


def active_suspension(*, buyer, at=None) -> NoReasonSuspension | None:
    return NoReasonSuspension.objects.active(at).filter(buyer=buyer).order_by("-ends_at").first()


def can_suspend(user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(SUSPEND_PERMISSION))


@transaction.atomic
def no_reason_suspend(*, actor, buyer, reason: str, days: int | None = None) -> NoReasonSuspension:
    """Take no-reason returns away from ``buyer`` for ``days`` (staff with the permission only)."""
    if not can_suspend(actor):
        raise DomainError(core_errors.PERMISSION_DENIED, _("You may not suspend no-reason returns."))
    reason = (reason or "").strip()
    days = policy().suspension_days if days is None else days
    problems = {}
    if not reason:
        problems["reason"] = [_("Say why: the buyer is told.")]
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 365:
        problems["days"] = [_("Between 1 and 365 days.")]
    if problems:
        raise DomainError(core_errors.VALIDATION_ERROR, _("Some fields are not valid."), fields=problems)
    now = timezone.now()
    suspension = NoReasonSuspension.objects.create(buyer=buyer, starts_at=now, ends_at=now + timedelta(days=days),
                                                   reason=reason[:500], created_by=actor)
    audit(actor=actor, action="no_reason_suspend", target=suspension, reason=reason, buyer=buyer.pk, days=days)
    from protection.services import messages

    messages.suspension_started(suspension=suspension)
    return suspension


@transaction.atomic
def suspension_lift(*, actor, suspension: NoReasonSuspension) -> NoReasonSuspension:
    if not can_suspend(actor):
        raise DomainError(core_errors.PERMISSION_DENIED, _("You may not lift suspensions."))
    suspension = NoReasonSuspension.objects.select_for_update().get(pk=suspension.pk)
    if suspension.lifted_at is None:
        suspension.lifted_at, suspension.lifted_by = timezone.now(), actor
        suspension.save(update_fields=["lifted_at", "lifted_by"])
        audit(actor=actor, action="no_reason_suspension_lift", target=suspension, buyer=suspension.buyer_id)
    return suspension
