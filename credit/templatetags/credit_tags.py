"""Template tags of credit: the quote partial for checkout and listing pages."""
from decimal import Decimal

from django import template

from core.errors import DomainError
from credit.selectors import products_active
from credit.services.quotes import quote_build

register = template.Library()


@register.inclusion_tag("credit/_quote.html")
def credit_quote(amount, installments, listing=None):
    """``{% load credit_tags %}{% credit_quote order_total 6 listing %}`` — every instalment, total cost, APR."""
    try:
        return {"quote": quote_build(amount=Decimal(str(amount)), count=installments, listing=listing)}
    except DomainError as exc:
        return {"quote": None, "error": exc.message}


@register.simple_tag
def installment_counts() -> list[int]:
    """``{% installment_counts as counts %}``: the instalment counts offered now (the active products, cached)."""
    return [product.count for product in products_active()]
