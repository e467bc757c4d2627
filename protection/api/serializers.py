"""Serializers of the after-sales API: explicit inputs per action, one case representation out."""
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from protection.models import AfterSalesCase, AtFault, CaseEvent, CaseReason, CaseType, Decision, Evidence
from protection.selectors import allowed_actions
from protection.services.transitions import party_of


class AfterSalesErrorSerializer(serializers.Serializer):
    """The API's error object (API.md): a stable ``code``, human ``detail``, and details of the failure."""

    code = serializers.CharField()
    detail = serializers.CharField()
    fields = serializers.DictField(child=serializers.ListField(child=serializers.CharField()), required=False)
    closed_on = serializers.DateField(required=False, help_text="window_closed: the date the window closed.")
    closed_at = serializers.DateTimeField(required=False)
    refundable = serializers.CharField(required=False, help_text="amount_exceeds_paid: what is left to refund.")
    current_status = serializers.CharField(required=False)


# --- inputs --------------------------------------------------------------------------------------

class CaseCreateInput(serializers.Serializer):
    order = serializers.IntegerField(min_value=1)
    line = serializers.IntegerField(min_value=1)
    type = serializers.ChoiceField(choices=CaseType.choices)
    reason = serializers.ChoiceField(choices=CaseReason.choices)
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")
    # A string such as "99.00" (numbers are read through their text, so 3 decimals are refused, not rounded).
    amount = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True, default=None,
                                   help_text="Defaults to what is left to refund on the line; required for "
                                             "partial_refund.")


class CaseReasonInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)


class CaseNoteInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000, required=False, allow_blank=True, default="")


class CaseEscalateInput(serializers.Serializer):
    reason = serializers.CharField(max_length=1000)
    return_received = serializers.BooleanField(required=False, default=False,
                                               help_text="Merchant only: the return arrived (its condition is "
                                                         "what is disputed).")


class CaseShipmentInput(serializers.Serializer):
    carrier = serializers.CharField(max_length=60)
    tracking_number = serializers.CharField(max_length=60)


class CaseEvidenceInput(serializers.Serializer):
    file = serializers.FileField(required=False, allow_empty_file=True, help_text="A JPEG, PNG or WebP photo.")
    text = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class CaseRulingInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=Decision.choices)
    at_fault = serializers.ChoiceField(choices=AtFault.choices)
    note = serializers.CharField(max_length=4000, required=False, allow_blank=True, default="")
    deduction = serializers.CharField(max_length=32, required=False, allow_null=True, allow_blank=True, default=None,
                                      help_text="For goods returned used: kept back from the refund.")


# --- output --------------------------------------------------------------------------------------

class AfterSalesEventSerializer(serializers.ModelSerializer):
    class Meta:
        model = CaseEvent
        fields = ["id", "kind", "old_status", "new_status", "party", "note", "created"]


class AfterSalesEvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = Evidence
        fields = ["id", "party", "text", "image", "thumbnail", "width", "height", "created"]


class AfterSalesCaseSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(source="claimed_amount", max_digits=14, decimal_places=2, read_only=True)
    deduction = serializers.DecimalField(source="deduction_amount", max_digits=14, decimal_places=2, read_only=True)
    line = serializers.SerializerMethodField()
    shop = serializers.SerializerMethodField()
    buyer = serializers.SerializerMethodField()
    deadline = serializers.SerializerMethodField()
    ruling = serializers.SerializerMethodField()
    role = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    buyer_standing = serializers.SerializerMethodField()
    status_display = serializers.CharField(source="get_status_display", read_only=True)
    # Blank until someone escalates: the schema's enum must include "" (read-only fields lose allow_blank).
    escalated_by = serializers.ChoiceField(choices=AfterSalesCase._meta.get_field("escalated_by").choices,
                                           allow_blank=True, read_only=True)

    class Meta:
        model = AfterSalesCase
        fields = [
            "id", "order", "line", "shop", "buyer", "type", "reason", "description", "amount", "refunded_amount",
            "deduction", "status", "status_display", "respond_by", "escalate_by", "return_ship_by",
            "return_confirm_by", "replacement_ship_by", "ruling_honour_by", "deadline", "rejection_reason",
            "return_carrier", "return_tracking_number", "return_shipped_at", "return_received_at",
            "replacement_carrier", "replacement_tracking_number", "replacement_shipped_at", "escalated_by",
            "escalation_reason", "escalated_at", "ruling", "role", "actions", "buyer_standing", "created", "updated",
            "ended_at",
        ]
        read_only_fields = fields

    def _user(self):
        request = self.context.get("request")
        return getattr(request, "user", None)

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "integer"}, "title": {"type": "string"},
                                                           "quantity": {"type": "integer"},
                                                           "amount": {"type": "string"}}})
    def get_line(self, case):
        return {"id": case.line_id, "title": case.line.title, "quantity": case.line.quantity,
                "amount": f"{case.line.line_amount:.2f}"}

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "integer"}, "name": {"type": "string"}}})
    def get_shop(self, case):
        return {"id": case.shop_id, "name": case.shop.name}

    @extend_schema_field({"type": "object", "properties": {"id": {"type": "integer"},
                                                           "username": {"type": "string"}}})
    def get_buyer(self, case):
        # Only the username: merchants see nothing of the buyer's personal data here.
        return {"id": case.buyer_id, "username": case.buyer.username}

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "field": {"type": "string"}, "at": {"type": "string", "format": "date-time"},
        "party": {"type": "string"}, "seconds_left": {"type": "integer"}}})
    def get_deadline(self, case):
        deadline = case.deadline
        if deadline is None:
            return None
        field, at, party = deadline
        return {"field": field, "at": serializers.DateTimeField().to_representation(at), "party": party,
                "seconds_left": max(0, int((at - timezone.now()).total_seconds()))}

    @extend_schema_field({"type": "object", "nullable": True, "properties": {
        "decision": {"type": "string"}, "at_fault": {"type": "string"}, "note": {"type": "string"},
        "deduction": {"type": "string"}, "ruled_at": {"type": "string", "format": "date-time"}}})
    def get_ruling(self, case):
        if not case.decision:
            return None
        return {"decision": case.decision, "at_fault": case.at_fault, "note": case.ruling_note,
                "deduction": f"{case.deduction_amount:.2f}",
                "ruled_at": serializers.DateTimeField().to_representation(case.ruled_at)}

    def get_role(self, case) -> str | None:
        return party_of(self._user(), case)

    def get_actions(self, case) -> list[str]:
        return allowed_actions(self._user(), case)

    @extend_schema_field({"type": "object", "nullable": True, "description": "Neutral frequent-returner flag, "
                                                                             "for the merchant and staff only."})
    def get_buyer_standing(self, case):
        if party_of(self._user(), case) not in ("merchant", "staff"):
            return None
        standing = getattr(case.buyer, "after_sales_standing", None)
        if standing is None:
            return {"flagged": False, "flag_reasons": []}
        return {"flagged": standing.flagged, "flag_reasons": standing.flag_reasons,
                "no_reason_returns": standing.no_reason_returns, "disputes_lost": standing.disputes_lost,
                "period_days": standing.period_days}


class AfterSalesCaseDetailSerializer(AfterSalesCaseSerializer):
    events = AfterSalesEventSerializer(many=True, read_only=True)
    evidence = AfterSalesEvidenceSerializer(many=True, read_only=True)

    class Meta(AfterSalesCaseSerializer.Meta):
        fields = [*AfterSalesCaseSerializer.Meta.fields, "events", "evidence"]
        read_only_fields = fields


class AfterSalesStandingSerializer(serializers.Serializer):
    period_days = serializers.IntegerField()
    orders_received = serializers.IntegerField()
    cases = serializers.IntegerField()
    returns = serializers.IntegerField()
    no_reason_returns = serializers.IntegerField()
    no_reason_share_percent = serializers.IntegerField()
    disputes_lost = serializers.IntegerField()
    quality_claims_won = serializers.IntegerField()
    flagged = serializers.BooleanField()
    flag_reasons = serializers.ListField(child=serializers.CharField())
    suspension = serializers.DictField(allow_null=True)
    rules = serializers.ListField(child=serializers.CharField())
