"""Error codes of orders, payments, refunds, settlement and merchant money (with their HTTP statuses)."""
from core.errors import register_status

OWN_SHOP = "own_shop"
REFUND_EXCEEDS_PAID = "refund_exceeds_paid"
REFUND_FAILED = "refund_failed"
ALREADY_REVIEWED = "already_reviewed"
INSUFFICIENT_BALANCE = "insufficient_balance"
INSUFFICIENT_DEPOSIT = "insufficient_deposit"
PAYOUT_FAILED = "payout_failed"
CART_EMPTY = "cart_empty"
NOT_SETTLEABLE = "not_settleable"
SETTLEMENT_HELD = "settlement_held"

register_status(
    own_shop=400,
    refund_exceeds_paid=400,
    # The provider refused or failed: nothing was recorded, the caller may try again.
    refund_failed=502,
    already_reviewed=409,
    insufficient_balance=400,
    insufficient_deposit=400,
    payout_failed=502,
    cart_empty=400,
    not_settleable=409,
    settlement_held=409,
)
