"""Credit API views: validate, call a service or selector, render. Money as two-decimal strings."""
import uuid
from decimal import Decimal

from django.http import HttpResponse
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from core import errors as core_errors
from core.errors import DomainError
from core.idempotency import idempotent
from core.money import CENT, to_positive_amount
from core.net import client_ip_or_none
from credit import errors, selectors
from credit.api import serializers as s
from credit.models import CreditApplication, CreditEvent, CreditLine, InstallmentPlan, Statement
from credit.services import applications, lines, permissions, quotes, repayments, statements
from credit.services.underwriting import reasons_for_display
from marketplace.models import Listing

ERROR = OpenApiResponse(description="Error object {code, detail[, fields, reasons]}")
AUTH_ERRORS = {401: ERROR, 403: ERROR, 404: ERROR}


def _not_found():
    return DomainError(core_errors.NOT_FOUND, _("Not found."))


def _client_ip(request) -> str | None:
    return client_ip_or_none(request)


class TermsView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(responses={200: s.TermsOutput}, summary="Current credit terms and privacy notice")
    def get(self, request):
        terms = quotes.current_terms()
        return Response({"terms_version": terms["terms"].version, "privacy_version": terms["privacy"].version,
                         "terms": terms["terms"].text, "privacy": terms["privacy"].text})


def application_body(application: CreditApplication) -> dict:
    return s.ApplicationOutput({"id": application.pk, "status": application.status,
                                "limit": application.limit_amount,
                                "reasons": reasons_for_display(application.reasons)}).data


class ApplicationCreateView(APIView):
    @extend_schema(request=s.ApplicationInput, responses={201: s.ApplicationOutput, 400: ERROR, 401: ERROR,
                                                          409: ERROR}, summary="Apply for a credit line")
    def post(self, request):
        data = s.ApplicationInput(data=request.data)
        data.is_valid(raise_exception=True)
        application = applications.application_submit(actor=request.user, ip=_client_ip(request),
                                                      **data.validated_data)
        return Response(application_body(application), status=status.HTTP_201_CREATED)


class LineView(APIView):
    @extend_schema(responses={200: s.LineOutput, 401: ERROR, 404: ERROR}, summary="My credit line")
    def get(self, request):
        summary = selectors.line_summary(request.user)
        if summary is None:
            raise DomainError(errors.NO_CREDIT_LINE, _("You have no credit line yet."), status=404)
        return Response(s.LineOutput(summary).data)


def _parse_query_amount(raw) -> Decimal:
    message = _("Enter an amount above zero with at most two decimals.")
    try:
        return to_positive_amount(raw).quantize(CENT)
    except ValueError:
        raise DomainError(core_errors.VALIDATION_ERROR, message, fields={"amount": [message]}) from None


class QuoteView(APIView):
    permission_classes = [AllowAny]

    @extend_schema(
        parameters=[OpenApiParameter("amount", str, required=True), OpenApiParameter("installments", int,
                                                                                     required=True),
                    OpenApiParameter("listing", int, required=False)],
        responses={200: s.QuoteOutput, 400: ERROR, 404: ERROR},
        summary="Schedule, total cost and annualised rate before confirming")
    def get(self, request):
        listing = None
        if request.query_params.get("listing"):
            try:
                listing = Listing.objects.filter(pk=int(request.query_params["listing"]), status="active").first()
            except ValueError:
                listing = None
            if listing is None:
                raise _not_found()
        raw = request.query_params.get("amount")
        amount = _parse_query_amount(raw if raw not in (None, "") else (listing.price_amount if listing else ""))
        quote = quotes.quote_build(amount=amount, count=request.query_params.get("installments"), listing=listing)
        return Response(quote)


@extend_schema(responses={200: s.PlanOutput(many=True), 401: ERROR}, summary="My instalment plans")
class PlanListView(generics.ListAPIView):
    serializer_class = s.PlanOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return InstallmentPlan.objects.none()
        return selectors.plans_for_buyer(self.request.user)


class PlanDetailView(APIView):
    @extend_schema(responses={200: s.PlanOutput, 401: ERROR, 404: ERROR})
    def get(self, request, pk):
        plan = selectors.plan_get_for_buyer(request.user, pk)
        if plan is None:
            raise _not_found()
        return Response(s.PlanOutput(plan).data)


class RepaymentCreateView(APIView):
    @extend_schema(request=s.RepaymentInput, responses={201: s.RepaymentOutput, 400: ERROR, 401: ERROR,
                                                        402: ERROR, 404: ERROR, 409: ERROR, 422: ERROR},
                   summary="Repay: the next instalment, an amount, or pay off (Idempotency-Key)")
    @idempotent("credit.repayment")
    def post(self, request):
        data = s.RepaymentInput(data=request.data)
        data.is_valid(raise_exception=True)
        plan = selectors.plan_get_for_buyer(request.user, data.validated_data["plan"])
        if plan is None:
            raise DomainError(core_errors.NOT_FOUND, _("Not found."), fields={"plan": [_("No such plan.")]})
        amount = request.data.get("amount") if isinstance(request.data, dict) else None
        if amount not in (None, ""):
            repayments.parse_amount(amount)  # refused even where the mode does not use it, not silently dropped
        key = request.headers.get("Idempotency-Key", "").strip() or f"auto:{uuid.uuid4()}"
        repayment = repayments.repayment_make(actor=request.user, plan=plan, mode=data.validated_data["mode"],
                                              amount=amount, idempotency_key=key)
        return Response(s.RepaymentOutput(repayment).data, status=status.HTTP_201_CREATED)


@extend_schema(responses={200: s.StatementOutput(many=True), 401: ERROR}, summary="My monthly statements")
class StatementListView(generics.ListAPIView):
    serializer_class = s.StatementOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Statement.objects.none()
        return selectors.statements_for_buyer(self.request.user)


class StatementDetailView(APIView):
    @extend_schema(responses={200: s.StatementOutput, 401: ERROR, 404: ERROR})
    def get(self, request, pk):
        statement = selectors.statements_for_buyer(request.user).filter(pk=pk).first()
        if statement is None:
            raise _not_found()
        return Response(s.StatementOutput(statement).data)


class StatementCsvView(APIView):
    @extend_schema(responses={(200, "text/csv"): str, 401: ERROR, 404: ERROR}, summary="Statement as CSV")
    def get(self, request, pk):
        statement = selectors.statements_for_buyer(request.user).filter(pk=pk).first()
        if statement is None:
            raise _not_found()
        response = HttpResponse(statements.statement_csv(statement), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="statement-{statement.period:%Y-%m}.csv"'
        return response


@extend_schema(responses={200: s.CreditEventOutput(many=True), 401: ERROR}, summary="My credit history")
class HistoryView(generics.ListAPIView):
    serializer_class = s.CreditEventOutput

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return CreditEvent.objects.none()
        return selectors.credit_history(self.request.user)


def _staff_object(request, model, pk):
    """Staff only: others are told nothing exists (404); staff without the permission get 403 from the service."""
    if not permissions.is_credit_staff(request.user):
        raise _not_found()
    obj = model.objects.filter(pk=pk).first()
    if obj is None:
        raise _not_found()
    return obj


class StaffDecideView(APIView):
    @extend_schema(request=s.DecideInput, responses={200: s.StaffApplicationOutput, **AUTH_ERRORS, 400: ERROR},
                   summary="Approve or decline a credit application (also overrides)")
    def post(self, request, pk):
        application = _staff_object(request, CreditApplication, pk)
        permissions.require(request.user, permissions.DECIDE)
        data = s.DecideInput(data=request.data)
        data.is_valid(raise_exception=True)
        application = applications.application_decide(actor=request.user, application=application,
                                                      decision=data.validated_data["decision"],
                                                      limit=data.validated_data.get("limit"),
                                                      note=data.validated_data.get("note", ""))
        return Response(s.StaffApplicationOutput(application).data)


class StaffLineActionView(APIView):
    action = ""

    @extend_schema(request=s.StaffLineInput, responses={200: s.StaffLineOutput, **AUTH_ERRORS})
    def post(self, request, pk):
        line = _staff_object(request, CreditLine, pk)
        permissions.require(request.user, permissions.FREEZE)
        data = s.StaffLineInput(data=request.data)
        data.is_valid(raise_exception=True)
        service = lines.credit_line_freeze if self.action == "freeze" else lines.credit_line_unfreeze
        line = service(actor=request.user, line=line, reason=data.validated_data.get("reason", ""))
        return Response(s.StaffLineOutput(line).data)
