"""The built-in payment method "full": pay the whole amount through the payment provider."""
from decimal import Decimal

from django.db.models import F
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from ledger import accounts
from marketplace import errors_orders as order_errors
from marketplace.hooks import PaymentMethod
from marketplace.models import Payment, PaymentStatus
from marketplace.providers import get_provider


class FullPayment(PaymentMethod):
    """Checkout leaves the order awaiting payment; the buyer pays it with order_pay.

    Refunds go back to the provider charge; cancelling has nothing of its own to undo
    (order_cancel returns the stock and refunds a paid order through refund()).
    """

    key = "full"
    label = _("Pay in full")
    description = _("Pay the whole amount now. We hold it until you confirm receipt.")

    def validate_options(self, options: dict) -> dict:
        return {}

    def checkout(self, *, order, buyer, options, context) -> None:
        """Nothing to do: the order stays ``pending_payment`` until the buyer pays."""

    def refund(self, *, order, amount: Decimal, refund, actor) -> list:
        payment = (Payment.objects.select_for_update()
                   .filter(order=order, purpose=Payment.Purpose.ORDER, status=PaymentStatus.SUCCEEDED)
                   .order_by("pk").first())
        if payment is None or payment.amount - payment.refunded_amount < amount:
            raise DomainError(order_errors.REFUND_EXCEEDS_PAID,
                              gettext("The payment of this order does not cover this refund."))
        result = get_provider().refund(charge_reference=payment.provider_ref, amount=amount,
                                       idempotency_key=f"refund:{refund.idempotency_key}")
        if not result.approved:
            raise DomainError(order_errors.REFUND_FAILED,
                              gettext("The payment provider could not refund; nothing was changed."),
                              provider_message=result.message)
        Payment.objects.filter(pk=payment.pk).update(refunded_amount=F("refunded_amount") + amount)
        refund.payment = payment
        refund.provider_ref = result.reference
        refund.save(update_fields=["payment", "provider_ref"])
        return [(accounts.provider_clearing(), -amount)]

    def cancel(self, *, order, actor) -> None:
        """Nothing of the method's own to undo."""
