"""Error codes of after-sales protection, with the HTTP status each answers."""
from core.errors import register_status

WINDOW_CLOSED = "window_closed"
WINDOW_NOT_OPEN = "window_not_open"
AMOUNT_EXCEEDS_PAID = "amount_exceeds_paid"
ORDER_NOT_ELIGIBLE = "order_not_eligible"
CASE_ALREADY_OPEN = "case_already_open"
NO_REASON_SUSPENDED = "no_reason_suspended"
RETURN_NOT_RECEIVED = "return_not_received"
INVALID_RULING = "invalid_ruling"
CASE_CLOSED = "case_closed"

register_status(
    window_closed=400,
    window_not_open=400,
    amount_exceeds_paid=400,
    order_not_eligible=400,
    case_already_open=409,
    no_reason_suspended=403,
    return_not_received=409,
    invalid_ruling=400,
    case_closed=409,
)
