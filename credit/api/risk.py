"""Staff API of cash-out risk control: the review queue and deciding a held credit order.

Who sees what: anonymous callers get 401; anyone who is not staff is told nothing
exists (404); staff without the permission get 403; nothing changes on a refusal.
"""
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core import errors as core_errors
from core.errors import DomainError
from credit.api.serializers import MONEY, StrictCharField
from credit.models import RiskAssessment, RiskOutcome
from credit.risk import review
from credit.risk.rules import explain
from credit.services import permissions

ERROR = OpenApiResponse(description="Error object {code, detail[, fields]}")
STATUSES = ("pending", "decided", "all")


def _not_found():
    return DomainError(core_errors.NOT_FOUND, _("Not found."))


def _require_staff(user, permission: str) -> None:
    if not permissions.is_credit_staff(user):
        raise _not_found()
    permissions.require(user, permission)


class RiskReasonOutput(serializers.Serializer):
    code = serializers.CharField()
    detail = serializers.CharField()


class RiskSignalOutput(serializers.Serializer):
    code = serializers.CharField()
    weight = serializers.IntegerField()
    detail = serializers.CharField()
    facts = serializers.DictField()


class RiskAssessmentOutput(serializers.ModelSerializer):
    order_status = serializers.SerializerMethodField()
    amount = serializers.DecimalField(**MONEY)
    reasons = serializers.SerializerMethodField()
    signals = serializers.SerializerMethodField()

    class Meta:
        model = RiskAssessment
        fields = ["id", "order", "order_status", "buyer", "shop", "amount", "score", "outcome", "reasons", "signals",
                  "hold_score", "reject_score", "decision", "cash_out_confirmed", "note", "reviewed_by",
                  "reviewed_at", "created"]

    def get_order_status(self, obj) -> str | None:
        return obj.order.status if obj.order_id else None

    def get_reasons(self, obj) -> list[dict]:
        return RiskReasonOutput([{"code": code, "detail": explain(code)} for code in obj.reasons], many=True).data

    def get_signals(self, obj) -> list[dict]:
        rows = [{"code": s.get("code", ""), "weight": s.get("weight", 0), "detail": explain(s.get("code", "")),
                 "facts": s.get("facts") or {}} for s in obj.signals or []]
        return RiskSignalOutput(rows, many=True).data


class RiskDecideInput(serializers.Serializer):
    decision = serializers.ChoiceField(choices=[("approve", "approve"), ("reject", "reject")])
    note = StrictCharField(required=False, allow_blank=True, max_length=review.NOTE_MAX, default="")
    cash_out_confirmed = serializers.BooleanField(required=False, default=False,
                                                  help_text="With reject: the order was a cash-out attempt (the "
                                                            "shop is put at elevated risk).")


@extend_schema(
    summary="Risk review queue (staff): held credit orders, oldest first",
    parameters=[OpenApiParameter("status", str, enum=list(STATUSES), description="pending (default), decided, all"),
                OpenApiParameter("outcome", str, enum=list(RiskOutcome.values)),
                OpenApiParameter("shop", int)],
    responses={200: RiskAssessmentOutput(many=True), 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR})
class RiskReviewListView(generics.ListAPIView):
    serializer_class = RiskAssessmentOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return RiskAssessment.objects.none()
        _require_staff(self.request.user, review.VIEW)
        params = self.request.query_params
        status = params.get("status") or "pending"
        if status not in STATUSES:
            message = _("Choose pending, decided or all.")
            raise DomainError(core_errors.VALIDATION_ERROR, message, fields={"status": [message]})
        queryset = review.risk_assessment_list(status=status)
        if params.get("outcome"):
            if params["outcome"] not in RiskOutcome.values:
                message = _("Choose accept, hold or reject.")
                raise DomainError(core_errors.VALIDATION_ERROR, message, fields={"outcome": [message]})
            queryset = queryset.filter(outcome=params["outcome"])
        if params.get("shop"):
            if not params["shop"].isdigit():
                message = _("Enter a shop id.")
                raise DomainError(core_errors.VALIDATION_ERROR, message, fields={"shop": [message]})
            queryset = queryset.filter(shop_id=int(params["shop"]))
        return queryset


class RiskReviewDetailView(APIView):
    @extend_schema(summary="One risk assessment (staff)",
                   responses={200: RiskAssessmentOutput, 401: ERROR, 403: ERROR, 404: ERROR})
    def get(self, request, pk):
        _require_staff(request.user, review.VIEW)
        assessment = RiskAssessment.objects.select_related("order").filter(pk=pk).first()
        if assessment is None:
            raise _not_found()
        return Response(RiskAssessmentOutput(assessment).data)


class RiskReviewDecideView(APIView):
    @extend_schema(request=RiskDecideInput, summary="Decide a held credit order: approve (paid) or reject "
                                                    "(cancelled, credit released)",
                   responses={200: RiskAssessmentOutput, 400: ERROR, 401: ERROR, 403: ERROR, 404: ERROR,
                              409: ERROR})
    def post(self, request, pk):
        if not permissions.is_credit_staff(request.user):
            raise _not_found()
        assessment = RiskAssessment.objects.filter(pk=pk).first()
        if assessment is None:
            raise _not_found()
        permissions.require(request.user, review.DECIDE)
        data = RiskDecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = review.risk_review_decide(actor=request.user, assessment=assessment, **data.validated_data)
        assessment = RiskAssessment.objects.select_related("order").get(pk=assessment.pk)
        return Response(RiskAssessmentOutput(assessment).data)
