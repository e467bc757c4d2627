"""Shapes of credit's API: input serializers check types; output serializers render money as two-decimal strings."""
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from credit.models import IncomeBand, InstallmentStatus, Relation, Repayment

MONEY = {"max_digits": 14, "decimal_places": 2}


class StrictCharField(serializers.CharField):
    """A CharField that refuses numbers and booleans instead of turning 0 into "0" (PITFALLS)."""

    def to_internal_value(self, data):
        if not isinstance(data, str):
            self.fail("invalid")
        return super().to_internal_value(data)


class ConsentSerializer(serializers.Serializer):
    terms_version = StrictCharField(max_length=32)
    privacy_version = StrictCharField(max_length=32)


class ContactSerializer(serializers.Serializer):
    name = StrictCharField(max_length=100)
    phone = StrictCharField(max_length=32)
    relation = serializers.ChoiceField(choices=Relation.choices)


class ApplicationInput(serializers.Serializer):
    real_name = StrictCharField(max_length=100)
    id_number = StrictCharField(max_length=32)
    phone = StrictCharField(max_length=32)
    income_band = serializers.ChoiceField(choices=IncomeBand.choices)
    emergency_contacts = ContactSerializer(many=True, required=False, max_length=2,
                                           help_text="Optional; never affects the decision; never messaged.")
    consent = serializers.DictField(required=False, help_text="{terms_version, privacy_version} of GET /credit/terms/")


class ReasonSerializer(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class ApplicationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.CharField()
    limit = serializers.DecimalField(**MONEY)
    reasons = ReasonSerializer(many=True)


class TermsOutput(serializers.Serializer):
    terms_version = serializers.CharField()
    privacy_version = serializers.CharField()
    terms = serializers.CharField()
    privacy = serializers.CharField()


class LineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    limit = serializers.DecimalField(**MONEY)
    available = serializers.DecimalField(**MONEY)
    used = serializers.DecimalField(**MONEY)
    status = serializers.CharField()
    frozen_reason = serializers.CharField(allow_blank=True)
    overdue_amount = serializers.DecimalField(**MONEY)


class QuoteLineOutput(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    principal = serializers.DecimalField(**MONEY)
    fee = serializers.DecimalField(**MONEY)
    amount = serializers.DecimalField(**MONEY)


class QuoteOutput(serializers.Serializer):
    installments = QuoteLineOutput(many=True)
    total_fee = serializers.DecimalField(**MONEY)
    total = serializers.DecimalField(**MONEY)
    apr = serializers.CharField(help_text='Annualised rate in percent (IRR × 12), e.g. "13.57".')
    principal = serializers.DecimalField(**MONEY)
    fee_payer = serializers.CharField()


class InstallmentOutput(serializers.Serializer):
    number = serializers.IntegerField()
    due_date = serializers.DateField()
    principal = serializers.DecimalField(source="principal_amount", **MONEY)
    fee = serializers.DecimalField(source="fee_amount", **MONEY)
    penalty = serializers.DecimalField(source="penalty_amount", **MONEY)
    amount = serializers.DecimalField(**MONEY)
    paid = serializers.DecimalField(source="paid_amount", **MONEY)
    status = serializers.ChoiceField(choices=InstallmentStatus.choices)
    paused = serializers.BooleanField()


class PlanOutput(serializers.Serializer):
    id = serializers.IntegerField()
    order = serializers.IntegerField(source="order_id")
    principal = serializers.DecimalField(source="principal_amount", **MONEY)
    total_fee = serializers.DecimalField(source="fee_amount", **MONEY)
    apr = serializers.DecimalField(max_digits=7, decimal_places=2)
    count = serializers.IntegerField()
    fee_payer = serializers.CharField()
    status = serializers.CharField()
    paused = serializers.BooleanField()
    created = serializers.DateTimeField()
    installments = InstallmentOutput(many=True)


class RepaymentInput(serializers.Serializer):
    plan = serializers.IntegerField()
    mode = serializers.ChoiceField(choices=Repayment.Mode.choices)
    amount = serializers.CharField(required=False, allow_null=True,
                                   help_text='With mode "amount": a string with at most two decimals.')


class AllocationOutput(serializers.Serializer):
    number = serializers.IntegerField()
    principal = serializers.DecimalField(**MONEY)
    fee = serializers.DecimalField(**MONEY)
    penalty = serializers.DecimalField(**MONEY)
    amount = serializers.DecimalField(**MONEY)


class RepaymentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    plan = serializers.IntegerField(source="plan_id")
    mode = serializers.CharField()
    amount = serializers.DecimalField(**MONEY)
    allocations = AllocationOutput(many=True)
    created = serializers.DateTimeField()


@extend_schema_field({"type": "string", "pattern": r"^\d{4}-\d{2}$", "example": "2026-12"})
class MonthField(serializers.DateField):
    """A statement's month, ``YYYY-MM`` (not a full date: the schema says so)."""

    def __init__(self, **kwargs):
        super().__init__(format="%Y-%m", **kwargs)


class StatementOutput(serializers.Serializer):
    id = serializers.IntegerField()
    period = MonthField()
    opening_balance = serializers.DecimalField(source="opening_balance_amount", **MONEY)
    new_purchases = serializers.DecimalField(source="new_principal_amount", **MONEY)
    payments = serializers.DecimalField(source="payments_amount", **MONEY)
    principal_paid = serializers.DecimalField(source="principal_paid_amount", **MONEY)
    fees = serializers.DecimalField(source="fees_amount", **MONEY)
    penalties = serializers.DecimalField(source="penalties_amount", **MONEY)
    refunds = serializers.DecimalField(source="refunds_amount", **MONEY)
    closing_balance = serializers.DecimalField(source="closing_balance_amount", **MONEY)
    lines = serializers.JSONField()
    next_dues = serializers.JSONField()


class DecideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "approve"), ("decline", "decline")])
    limit = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class StaffApplicationOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    status = serializers.CharField()
    automatic_status = serializers.CharField()
    limit = serializers.DecimalField(source="limit_amount", **MONEY)
    reasons = serializers.ListField(child=serializers.CharField())
    note = serializers.CharField()
    decided_by = serializers.IntegerField(source="decided_by_id", allow_null=True)
    decided_at = serializers.DateTimeField(allow_null=True)


class StaffLineInput(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class StaffLineOutput(serializers.Serializer):
    id = serializers.IntegerField()
    user = serializers.IntegerField(source="user_id")
    limit = serializers.DecimalField(source="limit_amount", **MONEY)
    used = serializers.DecimalField(source="used_amount", **MONEY)
    available = serializers.DecimalField(source="available_amount", **MONEY)
    status = serializers.CharField()
    frozen_reason = serializers.CharField(allow_blank=True)


class CreditEventOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    plan = serializers.IntegerField(source="plan_id", allow_null=True)
    created = serializers.DateTimeField()
