"""After-sales API views: validate the input, call one service, answer with the case as it now is."""
from django.db.models import Prefetch
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response
from rest_framework.views import APIView

from core import errors as core_errors
from core.api.parsers import JSONParser
from core.errors import DomainError
from core.idempotency import idempotent
from protection.api.serializers import (
    AfterSalesCaseDetailSerializer,
    AfterSalesCaseSerializer,
    AfterSalesErrorSerializer,
    AfterSalesStandingSerializer,
    CaseCreateInput,
    CaseEscalateInput,
    CaseEvidenceInput,
    CaseNoteInput,
    CaseReasonInput,
    CaseRulingInput,
    CaseShipmentInput,
)
from protection.models import AfterSalesCase, CaseEvent
from protection.selectors import case_get, case_list_for_user
from protection.services import cases, evidence, returns, rulings
from protection.services.standing import active_suspension, standing_compute, written_rules


def _error(description: str) -> OpenApiResponse:
    return OpenApiResponse(AfterSalesErrorSerializer, description=description)


E400 = _error("Invalid input (validation_error, window_closed with closed_on, amount_exceeds_paid, "
              "order_not_eligible, invalid_image).")
E401 = _error("Not logged in.")
E403 = _error("The caller may see the case but not do this (permission_denied, no_reason_suspended).")
E404 = _error("No such case, or not the caller's to see.")
E409 = _error("The case is not in a state for this (invalid_transition, case_already_open).")
ACTION_ERRORS = {400: E400, 401: E401, 403: E403, 404: E404, 409: E409}


def _detail_queryset(user):
    return case_list_for_user(user).select_related("buyer__after_sales_standing").prefetch_related(
        Prefetch("events", queryset=CaseEvent.objects.order_by("created", "pk")), "evidence")


class CaseViewSet(viewsets.GenericViewSet):
    """Cases the caller is party to (as buyer or as the shop's owner); case staff see all."""

    serializer_class = AfterSalesCaseSerializer
    lookup_value_regex = r"\d+"
    queryset = AfterSalesCase.objects.none()

    def get_queryset(self):
        queryset = case_list_for_user(self.request.user).select_related("buyer__after_sales_standing")
        for name in ("status", "type"):
            value = self.request.query_params.get(name)
            if value:
                queryset = queryset.filter(**{name: value})
        return queryset.order_by("-created", "-pk")

    def _render(self, case, code=status.HTTP_200_OK):
        fresh = _detail_queryset(self.request.user).get(pk=case.pk)
        return Response(AfterSalesCaseDetailSerializer(fresh, context={"request": self.request}).data, status=code)

    def _case(self, pk):
        return case_get(user=self.request.user, pk=pk)

    @extend_schema(responses={200: AfterSalesCaseSerializer(many=True), 401: E401})
    def list(self, request):
        page = self.paginate_queryset(self.get_queryset())
        return self.get_paginated_response(AfterSalesCaseSerializer(page, many=True, context={"request": request}).data)

    @extend_schema(responses={200: AfterSalesCaseDetailSerializer, 401: E401, 404: E404})
    def retrieve(self, request, pk=None):
        return self._render(self._case(pk))

    @extend_schema(request=CaseCreateInput, responses={201: AfterSalesCaseDetailSerializer, **ACTION_ERRORS})
    def create(self, request):
        data = CaseCreateInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = cases.case_open(actor=request.user, **data.validated_data)
        return self._render(case, status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: AfterSalesCaseDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    @idempotent("after_sales_approve")
    def approve(self, request, pk=None):
        return self._render(cases.case_approve(actor=request.user, case=self._case(pk)))

    @extend_schema(request=CaseReasonInput, responses={200: AfterSalesCaseDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def reject(self, request, pk=None):
        case = self._case(pk)
        data = CaseReasonInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(cases.case_reject(actor=request.user, case=case, reason=data.validated_data["reason"]))

    @extend_schema(request=CaseNoteInput, responses={200: AfterSalesCaseDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def withdraw(self, request, pk=None):
        case = self._case(pk)
        data = CaseNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(cases.case_withdraw(actor=request.user, case=case, note=data.validated_data["reason"]))

    @extend_schema(request=CaseShipmentInput, responses={200: AfterSalesCaseDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], url_path="ship-return")
    def ship_return(self, request, pk=None):
        case = self._case(pk)
        data = CaseShipmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(returns.return_ship(actor=request.user, case=case, **data.validated_data))

    @extend_schema(request=None, responses={200: AfterSalesCaseDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], url_path="confirm-return")
    @idempotent("after_sales_confirm_return")
    def confirm_return(self, request, pk=None):
        return self._render(returns.return_confirm(actor=request.user, case=self._case(pk)))

    @extend_schema(request=CaseShipmentInput, responses={200: AfterSalesCaseDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], url_path="ship-replacement")
    def ship_replacement(self, request, pk=None):
        case = self._case(pk)
        data = CaseShipmentInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(returns.replacement_ship(actor=request.user, case=case, **data.validated_data))

    @extend_schema(request=CaseNoteInput, responses={200: AfterSalesCaseDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], url_path="refund-instead")
    @idempotent("after_sales_refund_instead")
    def refund_instead(self, request, pk=None):
        case = self._case(pk)
        data = CaseNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(returns.exchange_refund_instead(actor=request.user, case=case,
                                                            note=data.validated_data["reason"]))

    @extend_schema(request=CaseEscalateInput, responses={200: AfterSalesCaseDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"])
    def escalate(self, request, pk=None):
        case = self._case(pk)
        data = CaseEscalateInput(data=request.data)
        data.is_valid(raise_exception=True)
        return self._render(rulings.case_escalate(actor=request.user, case=case, **data.validated_data))

    @extend_schema(request={"multipart/form-data": CaseEvidenceInput},
                   responses={201: AfterSalesCaseDetailSerializer, **ACTION_ERRORS})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser, JSONParser])
    def evidence(self, request, pk=None):
        case = self._case(pk)
        data = CaseEvidenceInput(data=request.data)
        data.is_valid(raise_exception=True)
        evidence.evidence_add(actor=request.user, case=case, text=data.validated_data["text"],
                              file=data.validated_data.get("file"))
        return self._render(case, status.HTTP_201_CREATED)

    @extend_schema(responses={200: AfterSalesStandingSerializer, 401: E401})
    @action(detail=False, methods=["get"])
    def standing(self, request):
        """My own standing and the written rules of what counts against a buyer."""
        figures = standing_compute(buyer=request.user)
        suspension = active_suspension(buyer=request.user)
        body = {**figures.__dict__, "no_reason_share_percent": figures.no_reason_share_percent,
                "suspension": ({"until": suspension.ends_at.isoformat(), "reason": suspension.reason}
                               if suspension else None),
                "rules": written_rules()}
        return Response(AfterSalesStandingSerializer(body).data)


class StaffRuleView(APIView):
    """Customer service rules on a case; ``refund`` pays out at once and the case is ``refunded``."""

    @extend_schema(request=CaseRulingInput, responses={200: AfterSalesCaseDetailSerializer, **ACTION_ERRORS},
                   operation_id="staff_after_sales_rule")
    @idempotent("after_sales_rule")
    def post(self, request, pk):
        if not rulings.can_rule(request.user):
            raise DomainError(core_errors.PERMISSION_DENIED, _("Only customer service can rule on cases."))
        case = AfterSalesCase.objects.filter(pk=pk).first()
        if case is None:
            raise DomainError(core_errors.NOT_FOUND, _("Not found."))
        data = CaseRulingInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = rulings.ruling_record(actor=request.user, case=case, **data.validated_data)
        fresh = _detail_queryset(request.user).get(pk=case.pk)
        return Response(AfterSalesCaseDetailSerializer(fresh, context={"request": request}).data)


class StaffReturnOrderView(APIView):
    """Customer service sends an escalated return back to the return step before ruling."""

    @extend_schema(request=CaseNoteInput, responses={200: AfterSalesCaseDetailSerializer, **ACTION_ERRORS},
                   operation_id="staff_after_sales_return_order")
    def post(self, request, pk):
        if not rulings.can_rule(request.user):
            raise DomainError(core_errors.PERMISSION_DENIED, _("Only customer service can do this."))
        case = AfterSalesCase.objects.filter(pk=pk).first()
        if case is None:
            raise DomainError(core_errors.NOT_FOUND, _("Not found."))
        data = CaseNoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        case = rulings.case_return_order(actor=request.user, case=case, note=data.validated_data["reason"])
        fresh = _detail_queryset(request.user).get(pk=case.pk)
        return Response(AfterSalesCaseDetailSerializer(fresh, context={"request": request}).data)
