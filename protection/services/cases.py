"""Opening a case and the merchant's first answer: open, approve, reject; the buyer may withdraw."""
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core import errors as core_errors
from core.errors import DomainError
from core.money import ZERO, is_cents, to_decimal
from marketplace.models import Order, OrderLine, OrderStatus
from protection import errors
from protection.models import OPEN_STATUSES, AfterSalesCase, CaseReason, CaseStatus, CaseType, Party
from protection.policy import policy
from protection.services import messages
from protection.services.refunds import case_pay_out, refundable
from protection.services.standing import active_suspension
from protection.services.transitions import announce, case_lock, case_transition, record_event, require_party
from protection.windows import check_window

ELIGIBLE_ORDER_STATUSES = {OrderStatus.PAID, OrderStatus.SHIPPED, OrderStatus.COMPLETED,
                           OrderStatus.PARTIALLY_REFUNDED}


def invalid(field: str, message) -> DomainError:
    return DomainError(core_errors.VALIDATION_ERROR, message, fields={field: [str(message)]})


def parse_amount(value, field: str = "amount", *, allow_zero: bool = False) -> Decimal:
    """A positive amount in whole cents, from a string, an int or a Decimal (a float only via its text)."""
    if isinstance(value, bool):
        raise invalid(field, _("Enter an amount such as 99.00."))
    if isinstance(value, float):
        value = repr(value)  # 12.345 stays 12.345 and is refused below, rather than rounded
    try:
        amount = to_decimal(value)
    except ValueError:
        raise invalid(field, _("Enter an amount such as 99.00."))
    if not is_cents(amount):
        raise invalid(field, _("Amounts have at most two decimals."))
    if amount < ZERO or (amount == ZERO and not allow_zero):
        raise invalid(field, _("The amount must be more than zero."))
    return amount


def _check_request(*, type, reason) -> None:
    if type not in CaseType.values:
        raise invalid("type", _("Choose a type of request."))
    if reason not in CaseReason.values:
        raise invalid("reason", _("Choose a reason."))
    if reason == CaseReason.NOT_RECEIVED and type in (CaseType.RETURN_REFUND, CaseType.EXCHANGE):
        raise invalid("reason", _("Goods that did not arrive cannot be sent back: ask for a refund only."))


def _claim_amount(*, type, amount, line) -> Decimal:
    left = refundable(line)
    if amount in (None, ""):
        if type == CaseType.PARTIAL_REFUND:
            raise invalid("amount", _("Say how much you ask back."))
        amount = left
    else:
        amount = parse_amount(amount)
    if amount > left or left <= ZERO:
        raise DomainError(errors.AMOUNT_EXCEEDS_PAID,
                          _("You can ask for at most %(left)s on this item.") % {"left": left},
                          refundable=str(left), fields={"amount": [_("At most %(left)s.") % {"left": left}]})
    return amount


@transaction.atomic
def case_open(*, actor, order, line, type: str, reason: str, description: str = "", amount=None) -> AfterSalesCase:
    """The buyer asks for a refund, a return, an exchange or a partial refund on one order line."""
    _check_request(type=type, reason=reason)
    # The order's lock serialises cases and refunds on it; read the line only under it.
    order = Order.objects.select_for_update().filter(pk=getattr(order, "pk", order)).first()
    if order is None or actor is None or order.buyer_id != actor.pk:
        raise DomainError(core_errors.NOT_FOUND, _("Not found."))
    line = OrderLine.objects.filter(pk=getattr(line, "pk", line), order=order).first()
    if line is None:
        raise invalid("line", _("This item is not part of the order."))
    if order.status not in ELIGIBLE_ORDER_STATUSES:
        raise DomainError(errors.ORDER_NOT_ELIGIBLE,
                          _("After-sales requests are for paid orders; this one is %(status)s.") % {
                              "status": order.get_status_display()}, order_status=order.status)
    if reason == CaseReason.NO_REASON:
        suspension = active_suspension(buyer=actor)
        if suspension is not None:
            raise DomainError(errors.NO_REASON_SUSPENDED,
                              _("No-reason returns are suspended for your account until %(date)s. Quality claims "
                                "are still open to you.") % {"date": timezone.localtime(suspension.ends_at).date()},
                              until=suspension.ends_at.isoformat())
    check_window(order=order, line=line, type=type, reason=reason)
    amount = _claim_amount(type=type, amount=amount, line=line)
    if AfterSalesCase.objects.filter(line=line, status__in=OPEN_STATUSES).exists():
        raise DomainError(errors.CASE_ALREADY_OPEN, _("There is already an open case on this item."))
    try:
        with transaction.atomic():  # the partial unique index decides a race between two requests
            case = AfterSalesCase.objects.create(
                order=order, line=line, buyer=actor, shop_id=order.shop_id, type=type, reason=reason,
                description=(description or "").strip()[:2000], claimed_amount=amount,
                respond_by=timezone.now() + policy().merchant_response)
    except IntegrityError:
        raise DomainError(errors.CASE_ALREADY_OPEN, _("There is already an open case on this item."))
    record_event(case=case, party=Party.BUYER, actor=actor, new_status=case.status)
    announce(case=case, actor=actor)
    messages.case_opened(case=case)
    return case


def case_accept(*, actor, case, party, note="") -> AfterSalesCase:
    """Approve (merchant, or the response deadline): returns wait for the goods, refunds pay out at once."""
    case = case_transition(actor=actor, case=case, to=CaseStatus.APPROVED, party=party, note=note)
    if case.needs_return:
        return case_transition(actor=actor, case=case, to=CaseStatus.AWAITING_RETURN, party=party, note=note,
                               changes={"return_ship_by": timezone.now() + policy().buyer_ship_return})
    return case_pay_out(actor=actor, case=case, party=party, note=note)


@transaction.atomic
def case_approve(*, actor, case) -> AfterSalesCase:
    case = case_lock(case)
    party = require_party(actor, case, Party.MERCHANT)
    if case.status != CaseStatus.REQUESTED:
        raise DomainError(core_errors.INVALID_TRANSITION, _("Only a new request can be approved."), status=409,
                          current_status=case.status)
    return case_accept(actor=actor, case=case, party=party)


@transaction.atomic
def case_reject(*, actor, case, reason: str) -> AfterSalesCase:
    case = case_lock(case)
    party = require_party(actor, case, Party.MERCHANT)
    reason = (reason or "").strip()
    if not reason:
        raise invalid("reason", _("Tell the buyer why."))
    return case_transition(actor=actor, case=case, to=CaseStatus.REJECTED, party=party, note=reason,
                           changes={"rejection_reason": reason[:500],
                                    "escalate_by": timezone.now() + policy().escalate_after_rejection})


WITHDRAWABLE = {CaseStatus.REQUESTED, CaseStatus.REJECTED, CaseStatus.AWAITING_RETURN, CaseStatus.ESCALATED}


@transaction.atomic
def case_withdraw(*, actor, case, note: str = "") -> AfterSalesCase:
    """The buyer drops the case (e.g. agreed with the merchant another way)."""
    case = case_lock(case)
    party = require_party(actor, case, Party.BUYER)
    if case.status not in WITHDRAWABLE:
        raise DomainError(core_errors.INVALID_TRANSITION, _("This case can no longer be withdrawn."), status=409,
                          current_status=case.status)
    return case_transition(actor=actor, case=case, to=CaseStatus.CLOSED, party=party,
                           note=note or gettext_lazy("Withdrawn by the buyer."))
