"""Staff work on cash-out risk: deciding held credit orders, and penalising shops for confirmed cash-out.

Every action checks its permission first (a denied call changes nothing), runs in one
transaction and writes an audit event (core.privacy.audit) next to its effect.

- Approving a hold completes the payment: the order moves from ``under_review`` to
  ``paid`` (marketplace ``order_transition``).
- Rejecting it cancels the order (marketplace ``order_cancel_held``: the decide
  permission is what lets a reviewer do it), which returns the stock and, through the
  instalment method's ``cancel``, the credit. A rejection may
  confirm cash-out; that puts the shop at elevated risk at once (its credit orders then
  settle only after the return window closes).
- Shops with repeated confirmed cash-out are penalised by staff: instalments disabled,
  a deduction from the guarantee deposit (a penalty: Dr deposit / Cr penalty income),
  the shop suspended. Credit decides; the marketplace's shop services write the shop.
"""
import uuid
from decimal import Decimal

from django.db import transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors
from core.errors import DomainError
from core.money import to_positive_amount
from core.privacy import audit
from credit.models import RiskAssessment, RiskDecision, RiskOutcome, ShopCashOutRisk
from credit.risk import rules
from credit.services import permissions
from marketplace.models import OrderStatus, Shop, ShopStatus
from marketplace.services.orders import order_cancel_held, order_transition
from marketplace.services.shops import deposit_deduct, shop_risk_update, shop_suspend

DECIDE = "credit.decide_riskassessment"
VIEW = "credit.view_riskassessment"
PENALISE = "credit.penalise_shopcashoutrisk"
SUSPEND_SHOP = "marketplace.change_shop"  # what marketplace's shop_suspend asks
DECISIONS = {"approve": RiskDecision.APPROVED, "reject": RiskDecision.REJECTED}
NOTE_MAX = 2000
REASON_MAX = 500


def _field(name, message) -> DomainError:
    return DomainError(errors.VALIDATION_ERROR, str(message), fields={name: [str(message)]})


def _text(value, name, limit, *, required=False) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or "\x00" in value:
        raise _field(name, _("Enter text."))
    value = value.strip()
    if required and not value:
        raise _field(name, _("This field is required."))
    if len(value) > limit:
        raise _field(name, _("Use at most %(max)s characters.") % {"max": limit})
    return value


def can_view(user) -> bool:
    return permissions.is_credit_staff(user) and user.has_perm(VIEW)


# --- reads -----------------------------------------------------------------------------------------


def risk_review_queue() -> QuerySet[RiskAssessment]:
    """Held credit orders waiting for a decision, oldest first."""
    return (RiskAssessment.objects.filter(outcome=RiskOutcome.HOLD, decision=RiskDecision.PENDING,
                                          order__status=OrderStatus.UNDER_REVIEW)
            .select_related("order", "buyer", "shop").order_by("created", "pk"))


def risk_assessment_list(*, status: str = "pending") -> QuerySet[RiskAssessment]:
    if status == "pending":
        return risk_review_queue()
    queryset = RiskAssessment.objects.select_related("order", "buyer", "shop", "reviewed_by")
    if status == "decided":
        return queryset.exclude(decision=RiskDecision.PENDING).order_by("-reviewed_at", "-pk")
    return queryset.order_by("-created", "-pk")


def confirmed_cash_outs(shop) -> int:
    return RiskAssessment.objects.filter(shop_id=shop.pk, cash_out_confirmed=True).count()


def shops_with_cash_out_counts() -> QuerySet[ShopCashOutRisk]:
    return ShopCashOutRisk.objects.annotate(
        cash_outs=Count("risk_assessments", filter=Q(risk_assessments__cash_out_confirmed=True)),
        holds=Count("risk_assessments", filter=Q(risk_assessments__outcome=RiskOutcome.HOLD)),
        rejections=Count("risk_assessments", filter=Q(risk_assessments__outcome=RiskOutcome.REJECT)))


# --- deciding a hold -------------------------------------------------------------------------------


@transaction.atomic
def risk_review_decide(*, actor, assessment: RiskAssessment, decision, note="",
                       cash_out_confirmed=False) -> RiskAssessment:
    """Approve (the order is paid) or reject (the order is cancelled, credit returned) a held credit order."""
    permissions.require(actor, DECIDE)
    if decision not in DECISIONS:
        raise _field("decision", _("Choose approve or reject."))
    note = _text(note, "note", NOTE_MAX)
    if not isinstance(cash_out_confirmed, bool):
        raise _field("cash_out_confirmed", _("Must be true or false."))
    if cash_out_confirmed and decision != "reject":
        raise _field("cash_out_confirmed", _("Only a rejection can confirm cash-out."))

    locked = RiskAssessment.objects.select_for_update().get(pk=assessment.pk)
    if not locked.is_pending or locked.order_id is None:
        raise DomainError(errors.INVALID_TRANSITION, _("This assessment is not waiting for a decision."),
                          current_status=locked.decision or locked.outcome)
    order = locked.order
    if order.status != OrderStatus.UNDER_REVIEW:
        raise DomainError(errors.INVALID_TRANSITION, _("The order is no longer under review."),
                          current_status=order.status)
    reason = (_("Risk review approved") if decision == "approve" else _("Risk review rejected"))
    reason = f"{reason}: {note}" if note else reason
    if decision == "approve":
        order_transition(order=order, to=OrderStatus.PAID, actor=actor, reason=reason[:REASON_MAX])
    else:
        order_cancel_held(actor=actor, order=order, reason=reason[:REASON_MAX])

    locked.decision = DECISIONS[decision]
    locked.cash_out_confirmed = cash_out_confirmed
    locked.reviewed_by, locked.reviewed_at, locked.note = actor, timezone.now(), note
    locked.save(update_fields=["decision", "cash_out_confirmed", "reviewed_by", "reviewed_at", "note"])
    audit(actor=actor, action=f"risk_review_{locked.decision}", target=locked, reason=note, order=order.pk,
          score=locked.score, reasons=locked.reasons, cash_out_confirmed=cash_out_confirmed)
    if cash_out_confirmed:
        _set_shop_risk(actor=actor, shop=locked.shop, risk_level=Shop.RiskLevel.ELEVATED, action="shop_risk_elevated",
                       reason=_("Cash-out confirmed in risk review #%(id)s") % {"id": locked.pk})
    assessment.__dict__.update({f.attname: getattr(locked, f.attname) for f in RiskAssessment._meta.concrete_fields})
    return locked


# --- penalties on a shop ---------------------------------------------------------------------------
# Risk staff decide here, under credit's permissions; the marketplace's services write the shop.


def _set_shop_risk(*, actor, shop, action: str, reason: str, **changes) -> Shop:
    return shop_risk_update(actor=actor, shop=shop, reason=str(reason)[:REASON_MAX], action=action, **changes)


@transaction.atomic
def shop_risk_set(*, actor, shop, elevated: bool, reason) -> Shop:
    """Mark a shop at elevated cash-out risk (its credit orders settle after the return window) or back to normal."""
    permissions.require(actor, PENALISE)
    reason = _text(reason, "reason", REASON_MAX, required=True)
    level = Shop.RiskLevel.ELEVATED if elevated else Shop.RiskLevel.NORMAL
    return _set_shop_risk(actor=actor, shop=shop, action=f"shop_risk_{level}", reason=reason, risk_level=level)


@transaction.atomic
def shop_installments_set(*, actor, shop, disabled: bool, reason) -> Shop:
    """Stop (or allow again) instalments for everything the shop sells."""
    permissions.require(actor, PENALISE)
    reason = _text(reason, "reason", REASON_MAX, required=True)
    return _set_shop_risk(actor=actor, shop=shop, reason=reason, installments_disabled=bool(disabled),
                          action="shop_installments_disabled" if disabled else "shop_installments_enabled")


def _amount(value) -> Decimal:
    try:
        return to_positive_amount(value)
    except ValueError:
        raise _field("amount", _("Enter a positive amount in yuan and fen.")) from None


@transaction.atomic
def shop_deposit_deduct(*, actor, shop, amount, reason, idempotency_key: str | None = None) -> Shop:
    """Deduct a cash-out penalty from the shop's guarantee deposit: Dr deposit / Cr penalty income.

    The same ``idempotency_key`` never deducts twice.
    """
    permissions.require(actor, PENALISE)
    amount = _amount(amount)
    reason = _text(reason, "reason", REASON_MAX, required=True)
    key = f"risk:cash_out_deduction:{shop.pk}:{idempotency_key or uuid.uuid4()}"
    return deposit_deduct(actor=actor, shop=shop, amount=amount, reason=reason, idempotency_key=key,
                          action="shop_deposit_deducted")


@transaction.atomic
def shop_suspend_for_cash_out(*, actor, shop, reason) -> Shop:
    permissions.require(actor, PENALISE)
    reason = _text(reason, "reason", REASON_MAX, required=True)
    if not Shop.objects.filter(pk=shop.pk, verification_status=ShopStatus.SUSPENDED).exists():
        shop_suspend(actor=actor, shop=shop, reason=reason)  # needs marketplace.change_shop as well
    return shop


@transaction.atomic
def shop_penalise_cash_out(*, actor, shop, reason, deduction_amount=None, idempotency_key=None) -> Shop:
    """Repeated confirmed cash-out: instalments disabled, deposit deducted (if an amount is given), shop suspended.

    Refused while the shop has fewer confirmed cash-outs than RiskSettings.repeat_cash_out_threshold.
    """
    permissions.require(actor, PENALISE)
    if not actor.has_perm(SUSPEND_SHOP):
        raise DomainError(errors.PERMISSION_DENIED,
                          _("Suspending a shop also needs permission to change shops."))
    reason = _text(reason, "reason", REASON_MAX, required=True)
    if deduction_amount not in (None, ""):
        deduction_amount = _amount(deduction_amount)
    threshold = rules.config().repeat_cash_out_threshold
    found = confirmed_cash_outs(shop)
    if found < threshold:
        raise DomainError(errors.INVALID_TRANSITION,
                          _("This shop has %(found)s confirmed cash-out(s); penalties need %(needed)s.")
                          % {"found": found, "needed": threshold}, confirmed=found, needed=threshold)
    shop_risk_set(actor=actor, shop=shop, elevated=True, reason=reason)
    shop_installments_set(actor=actor, shop=shop, disabled=True, reason=reason)
    if deduction_amount not in (None, ""):
        shop_deposit_deduct(actor=actor, shop=shop, amount=deduction_amount, reason=reason,
                            idempotency_key=idempotency_key)
    return shop_suspend_for_cash_out(actor=actor, shop=shop, reason=reason)
