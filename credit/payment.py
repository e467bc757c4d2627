"""The "installment" payment method the credit app offers the marketplace (registered in apps.ready)."""
from decimal import Decimal

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.money import format_cny
from credit.services import plans, quotes, refunds
from marketplace.hooks import PaymentMethod


class InstallmentPaymentMethod(PaymentMethod):
    key = "installment"
    label = gettext_lazy("Instalments on your credit line")
    checkout_template = "credit/_checkout.html"

    def validate_options(self, options: dict) -> dict:
        return {"installments": quotes.product_for((options or {}).get("installments"), cached=True).count}

    def checkout(self, *, order, buyer, options: dict, context: dict) -> None:
        plans.plan_create(order=order, buyer=buyer, count=options["installments"], context=context)

    def refund(self, *, order, amount: Decimal, refund, actor) -> list:
        return refunds.plan_refund(order=order, amount=amount, refund=refund, actor=actor)

    def settlement_fee(self, order) -> Decimal:
        return plans.plan_settled_fee(order)

    def listing_monthly_from(self, listing) -> Decimal | None:
        if not listing.installments_available:
            return None
        return quotes.teaser_amount(listing.price_amount, merchant_pays_fee=listing.merchant_pays_fee)

    def listing_teaser(self, listing) -> str | None:
        amount = self.listing_monthly_from(listing)
        if amount is None:
            return None
        if listing.merchant_pays_fee:
            return _("from %(amount)s / month, interest-free") % {"amount": format_cny(amount)}
        return _("from %(amount)s / month") % {"amount": format_cny(amount)}

    def cancel(self, *, order, actor) -> None:
        refunds.plan_cancel(order=order, actor=actor)


def case_listener(*, order, is_open: bool, actor=None) -> None:
    """Protection announces open/closed after-sales cases; pause or resume the order's instalments."""
    plans.plan_pause(order=order, is_open=is_open, actor=actor)
