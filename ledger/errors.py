"""Error codes of the ledger."""
from core.errors import register_status

UNBALANCED_TRANSACTION = "unbalanced_transaction"
INVALID_AMOUNT = "invalid_amount"
TOO_FEW_LEGS = "too_few_legs"
INVALID_LEG = "invalid_leg"
INVALID_POSTING = "invalid_posting"
IDEMPOTENCY_CONFLICT = "idempotency_conflict"

# A malformed posting is a bug in the service that computed it, never the client's fault.
register_status(
    unbalanced_transaction=500,
    invalid_amount=500,
    too_few_legs=500,
    invalid_leg=500,
    invalid_posting=500,
    idempotency_conflict=409,
)
