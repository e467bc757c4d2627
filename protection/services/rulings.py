"""The platform stepping in (平台介入): either side escalates, staff rule on the evidence.

A ruling to refund is carried out at once, in the same transaction, through the one
refund path (which pays first from the platform where the merchant's money falls
short). Merchant protection: a return-and-refund or exchange is refunded only when
the goods came back, or the merchant let its confirmation deadline pass before the
case was escalated; a merchant who wins a ruling is charged nothing; staff may
deduct for goods returned used.
"""
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import errors as core_errors
from core.errors import DomainError
from core.money import ZERO
from core.privacy import audit
from protection import errors
from protection.models import AtFault, CaseStatus, Decision, Party
from protection.policy import policy
from protection.services.cases import invalid, parse_amount
from protection.services.refunds import case_pay_out
from protection.services.transitions import case_lock, case_transition, require_party

RULE_PERMISSION = "protection.rule_case"
ESCALATABLE = {CaseStatus.REQUESTED, CaseStatus.REJECTED, CaseStatus.AWAITING_RETURN, CaseStatus.RETURN_SHIPPED,
               CaseStatus.AWAITING_REPLACEMENT}
# Who may be found at fault with each decision: a refund is never the buyer's fault, a rejection never
# the merchant's.
FAULTS = {Decision.REFUND: {AtFault.MERCHANT, AtFault.NONE}, Decision.REJECT: {AtFault.BUYER, AtFault.NONE}}


def can_rule(user) -> bool:
    return bool(user and user.is_active and user.is_staff and user.has_perm(RULE_PERMISSION))


@transaction.atomic
def case_escalate(*, actor, case, reason: str, return_received: bool = False):
    """Either side asks the platform to step in; the deadlines of the flow stop, staff's starts.

    A merchant escalating over a return it did get back (worn, wrong item) says so with
    ``return_received``: a ruling may then refund it, less a deduction for use.
    """
    case = case_lock(case)
    party = require_party(actor, case, Party.BUYER, Party.MERCHANT)
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", _("Say what the platform should look at."))
    if case.status not in ESCALATABLE:
        raise DomainError(core_errors.INVALID_TRANSITION, _("This case cannot be escalated now."), status=409,
                          current_status=case.status)
    now = timezone.now()
    changes = {"escalated_by": party, "escalated_from": case.status, "escalation_reason": reason[:1000],
               "escalated_at": now, "ruling_honour_by": now + policy().ruling_within}
    if return_received:
        if party != Party.MERCHANT or case.status != CaseStatus.RETURN_SHIPPED:
            raise invalid("return_received", _("Only the merchant says a return on its way has arrived."))
        changes["return_received_at"] = now
    return case_transition(actor=actor, case=case, to=CaseStatus.ESCALATED, party=party, note=reason,
                           changes=changes)


def return_counts_as_received(case) -> bool:
    """Merchant protection: the goods are back, or the merchant missed its confirmation deadline."""
    if not case.needs_return or case.return_received_at is not None:
        return True
    if case.return_shipped_at is None or case.return_confirm_by is None:
        return False
    cutoff = case.escalated_at or timezone.now()
    return case.return_confirm_by <= cutoff


def _check_ruling(*, case, decision, at_fault, deduction):
    if decision not in Decision.values:
        raise DomainError(errors.INVALID_RULING, _("Decide refund or reject."),
                          fields={"decision": [_("Choose refund or reject.")]})
    if at_fault not in AtFault.values or at_fault not in FAULTS[decision]:
        raise DomainError(errors.INVALID_RULING, _("A refund is not the buyer's fault, a rejection not the "
                                                   "merchant's."), fields={"at_fault": [_("Not with this decision.")]})
    if deduction is None or deduction == "":
        return ZERO
    deduction = parse_amount(deduction, field="deduction", allow_zero=True)
    if deduction == ZERO:
        return ZERO
    if decision != Decision.REFUND or not case.needs_return:
        raise DomainError(errors.INVALID_RULING, _("A deduction applies only to a refund of returned goods."),
                          fields={"deduction": [_("Only for returned goods.")]})
    if deduction >= case.claimed_amount:
        raise DomainError(errors.INVALID_RULING, _("The deduction must be less than the amount claimed."),
                          fields={"deduction": [_("Less than %(amount)s.") % {"amount": case.claimed_amount}]})
    return deduction


@transaction.atomic
def ruling_record(*, actor, case, decision: str, at_fault: str, note: str = "", deduction=None):
    """Staff decide an open case: ``refund`` pays out now (less any deduction), ``reject`` closes it."""
    if not can_rule(actor):
        raise DomainError(core_errors.PERMISSION_DENIED, _("You may not rule on after-sales cases."))
    case = case_lock(case)
    if not case.is_open:
        raise DomainError(errors.CASE_CLOSED, _("This case is already over."), current_status=case.status)
    deduction = _check_ruling(case=case, decision=decision, at_fault=at_fault, deduction=deduction)
    note = (note or "").strip()[:4000]
    ruling = {"decision": decision, "at_fault": at_fault, "ruling_note": note, "ruled_by": actor,
              "ruled_at": timezone.now()}
    audit(actor=actor, action="after_sales_ruling", target=case, reason=note[:500], decision=decision,
          at_fault=at_fault, deduction=str(deduction))
    if decision == Decision.REJECT:
        case = case_transition(actor=actor, case=case, to=CaseStatus.CLOSED, party=Party.STAFF,
                               note=note or gettext_lazy("Claim rejected by Fangxin."), changes=ruling)
    elif not return_counts_as_received(case):
        raise DomainError(errors.RETURN_NOT_RECEIVED,
                          _("The goods have not come back to the merchant. Send the case back to the return step "
                            "first, or reject the claim."))
    else:
        case = case_pay_out(actor=actor, case=case, party=Party.STAFF,
                            note=note or gettext_lazy("Refund ordered by Fangxin."), deduction=deduction,
                            changes=ruling)
    _recompute_reputation(case.shop)
    return case


def _recompute_reputation(shop) -> None:
    """A ruling against the merchant is a dispute lost: the shop's cached dispute rate follows at once."""
    try:
        from marketplace.services.reputation import shop_recompute_reputation
    except ImportError:  # a marketplace without reputation figures
        return
    shop_recompute_reputation(shop=shop)


@transaction.atomic
def case_return_order(*, actor, case, note: str = ""):
    """Staff send an escalated case back to the return step: the buyer ships the goods, then the flow resumes."""
    if not can_rule(actor):
        raise DomainError(core_errors.PERMISSION_DENIED, _("You may not rule on after-sales cases."))
    case = case_lock(case)
    if case.status != CaseStatus.ESCALATED or not case.needs_return:
        raise DomainError(core_errors.INVALID_TRANSITION, _("Only an escalated return or exchange can go back to "
                                                            "the return step."), status=409,
                          current_status=case.status)
    audit(actor=actor, action="after_sales_return_ordered", target=case, reason=note[:500])
    return case_transition(actor=actor, case=case, to=CaseStatus.AWAITING_RETURN, party=Party.STAFF,
                           note=note or gettext_lazy("Fangxin asks the buyer to send the goods back first."),
                           changes={"return_ship_by": timezone.now() + policy().buyer_ship_return,
                                    "return_shipped_at": None, "return_confirm_by": None, "escalated_at": None})
