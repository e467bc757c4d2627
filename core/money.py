"""Money is Decimal, in CNY; this module holds the one place where amounts are rounded."""
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")
MAX_AMOUNT = Decimal("999999999999.99")  # fits DecimalField(max_digits=14, decimal_places=2)
# Beyond this no amount is meant, and "1e400" would overflow every quantize() after it.
_MAX_DIGITS_BEFORE_POINT = 15


def quantize(value, rounding=ROUND_HALF_UP) -> Decimal:
    """Round to the cent. Every computed amount passes through here exactly once."""
    return Decimal(value).quantize(CENT, rounding=rounding)


def to_decimal(value) -> Decimal:
    """Parse an amount given by a person or a client without rounding it.

    Floats are refused: they cannot carry cents exactly.
    """
    if isinstance(value, float):
        raise ValueError("amounts must not be floats")
    if isinstance(value, Decimal):
        result = value
    else:
        try:
            result = Decimal(str(value).strip())
        except (InvalidOperation, ValueError):
            raise ValueError(f"not an amount: {value!r}") from None
    if not result.is_finite() or result.adjusted() >= _MAX_DIGITS_BEFORE_POINT:
        raise ValueError(f"not an amount: {value!r}")
    return result


def to_positive_amount(value) -> Decimal:
    """Parse an amount that must be above zero, in whole cents, at most MAX_AMOUNT (not rounded).

    Raises ValueError for anything else, booleans and floats included.
    """
    amount = to_decimal(value) if not isinstance(value, bool) else None
    if amount is None or amount <= 0 or not is_cents(amount) or amount > MAX_AMOUNT:
        raise ValueError(f"not a positive amount: {value!r}")
    return amount


def is_cents(value: Decimal) -> bool:
    """True when the amount has no more than two decimals."""
    try:
        return value == value.quantize(CENT)
    except InvalidOperation:  # too many digits to have cents at all
        return False


def split_evenly(total: Decimal, parts: int) -> list[Decimal]:
    """Split ``total`` into ``parts`` cent amounts; the remainder goes to the last part."""
    if parts < 1:
        raise ValueError("parts must be positive")
    share = quantize(total / parts, rounding="ROUND_DOWN")
    return [share] * (parts - 1) + [quantize(total - share * (parts - 1))]


def format_cny(value) -> str:
    return f"¥{quantize(value):,}"
