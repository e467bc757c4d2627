"""Quotes: the schedule, total cost and annualised rate a buyer sees before confirming."""
from datetime import date
from decimal import Decimal
from functools import lru_cache

from django.utils import timezone
from django.utils.translation import gettext as _

from core import errors as core_errors
from core.errors import DomainError
from core.money import ZERO, quantize
from credit import errors, schedules
from credit.models import CreditTerms, InstallmentProduct


def products_active() -> list[InstallmentProduct]:
    from credit.selectors import products_active as cached  # the cached read; invalidated on product saves

    return cached()


def product_for(count, *, cached: bool = False) -> InstallmentProduct:
    """The active product with ``count`` instalments, or the stable ``unsupported_installments`` error.

    ``cached=True`` answers from the cached active products (no query): enough to check a request's
    options; the checkout itself prices the plan with the product read from the database.
    """
    active = products_active()
    counts = [p.count for p in active]
    if isinstance(count, bool) or not isinstance(count, int):
        try:
            count = int(str(count).strip())
        except (TypeError, ValueError):
            count = None
    if cached:
        product = next((p for p in active if p.count == count), None) if count else None
    else:
        product = InstallmentProduct.objects.filter(active=True, count=count).first() if count else None
    if product is None:
        message = _("Choose %(counts)s instalments.") % {"counts": "/".join(str(c) for c in counts)}
        raise DomainError(errors.UNSUPPORTED_INSTALLMENTS, message, fields={"installments": [message]},
                          supported=counts)
    return product


def current_terms() -> dict:
    """The current version of each kind of terms ({"terms": CreditTerms, "privacy": CreditTerms})."""
    result = {}
    for kind in CreditTerms.Kind.values:
        terms = CreditTerms.objects.filter(kind=kind, published__lte=timezone.now()).order_by("-published",
                                                                                              "-pk").first()
        if terms is not None:
            result[kind] = terms
    return result


def merchant_pays(listing) -> bool:
    return bool(listing is not None and listing.merchant_pays_fee)


def quote_build(*, amount: Decimal, count, listing=None, start: date | None = None,
                merchant_pays_fee: bool | None = None, product: InstallmentProduct | None = None) -> dict:
    """Everything the buyer must see before confirming; also stored as the plan's agreement.

    When the merchant pays the fee (免息), the buyer's instalments carry no fee and the APR is 0.00.
    """
    if listing is not None and not listing.installments_available:
        raise DomainError(errors.INSTALLMENTS_UNAVAILABLE, _("This listing is not offered in instalments."))
    if not isinstance(amount, Decimal) or amount <= 0 or amount != quantize(amount):
        raise DomainError(core_errors.VALIDATION_ERROR, _("Enter an amount above zero with at most two decimals."),
                          fields={"amount": [_("Enter an amount above zero with at most two decimals.")]})
    if product is None or product.count != count:
        product = product_for(count)
    start = start or timezone.localdate()
    if merchant_pays_fee is None:
        merchant_pays_fee = merchant_pays(listing)
    buyer_rate = ZERO if merchant_pays_fee else product.fee_rate
    lines = schedules.build_schedule(amount, buyer_rate, product.count, start)
    total_fee = sum((line.fee for line in lines), ZERO)
    apr = schedules.schedule_apr(amount, lines)
    return {
        "installments": [{"number": line.number, "due_date": line.due_date.isoformat(),
                          "principal": str(line.principal), "fee": str(line.fee), "amount": str(line.amount)}
                         for line in lines],
        "principal": str(amount),
        "total_fee": str(total_fee),
        "total": str(amount + total_fee),
        "apr": str(apr),
        # Shown, smaller, next to the APR: the per-period rate alone understates the cost.
        "monthly_fee_rate": str(quantize(buyer_rate * 100 / product.count)),
        "count": product.count,
        "fee_rate": str(product.fee_rate),
        "fee_payer": "merchant" if merchant_pays_fee else "buyer",
        "merchant_fee": str(schedules.total_fee(amount, product.fee_rate)) if merchant_pays_fee else "0.00",
        "purchase_date": start.isoformat(),
    }


def teaser_amount(price: Decimal, *, merchant_pays_fee: bool = False) -> Decimal | None:
    """The smallest regular monthly amount among the active products for ``price``."""
    amounts = [_first_instalment(price, ZERO if merchant_pays_fee else product.fee_rate, product.count)
               for product in products_active()]
    return min(amounts) if amounts else None


@lru_cache(maxsize=8192)
def _first_instalment(price: Decimal, fee_rate: Decimal, count: int) -> Decimal:
    """The first instalment of ``schedules.build_schedule`` (it does not depend on the purchase date).

    Every listing card shows a teaser: a whole schedule per product per card was most of the search's time.
    """
    return schedules.build_schedule(price, fee_rate, count, date(2000, 1, 31))[0].amount
