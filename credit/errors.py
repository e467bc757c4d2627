"""Error codes of instalment credit, with the HTTP status each answers with."""
from core.errors import register_status

CONSENT_REQUIRED = "consent_required"
STALE_CONSENT = "stale_consent"
INVALID_ID_NUMBER = "invalid_id_number"
APPLICATION_PENDING = "application_pending"
ALREADY_HAS_LINE = "already_has_credit_line"
NO_CREDIT_LINE = "no_credit_line"
CREDIT_LINE_FROZEN = "credit_line_frozen"
CREDIT_LINE_CLOSED = "credit_line_closed"
INSUFFICIENT_CREDIT = "insufficient_credit"
UNSUPPORTED_INSTALLMENTS = "unsupported_installments"
INSTALLMENTS_UNAVAILABLE = "installments_unavailable"
RISK_REJECTED = "risk_rejected"
AMOUNT_EXCEEDS_OUTSTANDING = "amount_exceeds_outstanding"
NOTHING_TO_REPAY = "nothing_to_repay"
INVALID_AMOUNT = "invalid_amount"
PLAN_NOT_ACTIVE = "plan_not_active"
REPAYMENT_DECLINED = "payment_declined"
LIMIT_BELOW_USED = "limit_below_used"
REFUND_EXCEEDS_PLAN = "refund_exceeds_plan"
IDEMPOTENCY_CONFLICT = "idempotency_key_reused"
CREDIT_OUTSTANDING = "credit_outstanding"

register_status(
    consent_required=400,
    stale_consent=409,
    invalid_id_number=400,
    application_pending=409,
    already_has_credit_line=409,
    no_credit_line=422,
    credit_line_frozen=422,
    credit_line_closed=422,
    insufficient_credit=422,
    unsupported_installments=400,
    installments_unavailable=400,
    risk_rejected=422,
    amount_exceeds_outstanding=400,
    nothing_to_repay=409,
    invalid_amount=400,
    plan_not_active=409,
    payment_declined=402,
    limit_below_used=400,
    refund_exceeds_plan=400,
    credit_outstanding=409,
)
