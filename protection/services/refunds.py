"""Paying a case out: always through the marketplace's one refund path, never by moving money here.

``refund_issue`` takes the money from escrow, or after settlement from the merchant's
balance, then the deposit, and where those fall short the platform pays first
(先行赔付) with the merchant owing the difference; it sends it back the way it came.
"""
from decimal import Decimal

from django.utils.translation import gettext as _

from core.errors import DomainError
from core.money import ZERO, quantize
from marketplace.models import Order, OrderLine
from protection import errors
from protection.models import AfterSalesCase, CaseStatus
from protection.services.transitions import case_transition


def refund_idempotency_key(case) -> str:
    # One refund per case, ever: a retried job or a repeated request finds the first.
    return f"after-sales:{case.pk}:refund"


def refundable(line) -> Decimal:
    """What is left to refund on a line (its price less what has already gone back)."""
    return quantize(line.line_amount - line.refunded_amount)


def case_pay_out(*, actor, case: AfterSalesCase, party, note="", deduction: Decimal = ZERO,
                 changes=None) -> AfterSalesCase:
    """Refund the case's amount (less a deduction for use) and move it to ``refunded``; inside a transaction."""
    from marketplace.services.refunds import refund_issue

    # Lock the order before reading the line, so what is left to refund cannot change under us.
    order = Order.objects.select_for_update().get(pk=case.order_id)
    line = OrderLine.objects.get(pk=case.line_id)
    amount = min(quantize(case.claimed_amount - deduction), refundable(line))
    if amount <= ZERO:
        raise DomainError(errors.AMOUNT_EXCEEDS_PAID, _("Nothing is left to refund on this item."),
                          refundable=str(refundable(line)))
    refund = refund_issue(order=order, amount=amount, line=line, actor=actor,
                          reason=f"after-sales case #{case.pk}",
                          idempotency_key=refund_idempotency_key(case))
    return case_transition(actor=actor, case=case, to=CaseStatus.REFUNDED, party=party, note=note,
                           changes={**(changes or {}), "refund": refund, "refunded_amount": refund.amount,
                                    "deduction_amount": quantize(deduction)})
