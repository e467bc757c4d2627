"""My privacy: staff access to my data, contact attempts, consents, my data export, deleting my account."""
from django.apps import apps
from django.contrib.auth import logout
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from core.models import DataAccessRecord
from core.privacy_center import consents as consent_services
from core.privacy_center import deletion
from core.privacy_center.export import personal_data_export


def describe_access(object_type: str, field: str) -> str:
    """ "credit.emergencycontact", "phone" → "emergency contact: mobile phone" (in the request's language)."""
    try:
        model = apps.get_model(object_type)
        return f"{model._meta.verbose_name}: {model._meta.get_field(field).verbose_name}"
    except Exception:  # noqa: BLE001 - a record about a model or field since removed still shows
        return f"{object_type}: {field}"


class DataAccessRecordSerializer(serializers.ModelSerializer):
    staff = serializers.SerializerMethodField()
    description = serializers.SerializerMethodField()

    class Meta:
        model = DataAccessRecord
        fields = ["id", "staff", "object_type", "field", "description", "reason", "created"]

    def get_staff(self, record) -> str:
        # Staff are named by username: accountable, without exposing their own personal data.
        return record.staff.username

    def get_description(self, record) -> str:
        return describe_access(record.object_type, record.field)


class DataAccessLog(generics.ListAPIView):
    """Who on staff revealed which of my personal data, when and why (newest first)."""

    serializer_class = DataAccessRecordSerializer
    queryset = DataAccessRecord.objects.none()

    def get_queryset(self):
        return DataAccessRecord.objects.filter(subject=self.request.user).select_related("staff")


class ContactAttemptSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    created = serializers.DateTimeField()
    staff = serializers.CharField(source="staff.username")
    relation = serializers.CharField()
    channel = serializers.CharField()
    message = serializers.SerializerMethodField()
    reason = serializers.CharField()
    outcome = serializers.CharField()

    def get_message(self, attempt) -> str:
        from credit.services.contact_attempts import attempt_message

        return attempt_message(attempt)


class ContactAttemptList(generics.ListAPIView):
    """Every time staff tried one of my emergency contacts: when, who, why, and the exact message used."""

    serializer_class = ContactAttemptSerializer

    def get_queryset(self):
        from credit.models.contact_attempts import EmergencyContactAttempt
        from credit.services.contact_attempts import attempts_for_buyer

        if getattr(self, "swagger_fake_view", False):  # the schema: no request user
            return EmergencyContactAttempt.objects.none()
        return attempts_for_buyer(self.request.user)


class ConsentSerializer(serializers.Serializer):
    key = serializers.ChoiceField(choices=consent_services.KEYS)
    title = serializers.CharField()
    purpose = serializers.CharField()
    version = serializers.CharField()
    given_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    active = serializers.BooleanField()
    withdrawable = serializers.BooleanField()
    blocked_reason = serializers.CharField(help_text="Why it cannot be withdrawn now (empty when it can).")
    blocked_detail = serializers.CharField()


class ConsentList(APIView):
    @extend_schema(summary="My consents, with versions and times, and whether each can be withdrawn now",
                   responses=ConsentSerializer(many=True))
    def get(self, request):
        return Response(ConsentSerializer(consent_services.consents_for(request.user), many=True).data)


class ConsentWithdraw(APIView):
    @extend_schema(summary="Withdraw a consent (409 consent_withdrawal_blocked while the law keeps it)",
                   request=None, responses={200: ConsentSerializer, 404: OpenApiResponse(description="not given"),
                                            409: OpenApiResponse(description="consent_withdrawal_blocked")})
    def post(self, request, key):
        consent = consent_services.consent_withdraw(user=request.user, key=key)
        return Response(ConsentSerializer(consent).data)


class DataExport(APIView):
    @extend_schema(summary="Everything Fangxin holds about me, decrypted (JSON)",
                   responses={200: OpenApiResponse(description="The export document.")})
    def get(self, request):
        data = personal_data_export(user=request.user)
        filename = f"fangxin-my-data-{timezone.localdate():%Y-%m-%d}.json"
        return Response(data, headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                       "Cache-Control": "no-store"})


class DeleteInput(serializers.Serializer):
    password = serializers.CharField(max_length=128, trim_whitespace=False, write_only=True)


DeletionPreview = inline_serializer("DeletionPreview", {
    "can_delete": serializers.BooleanField(), "reasons": serializers.ListField(child=serializers.CharField()),
    "messages": serializers.ListField(child=serializers.CharField()),
    "erased": serializers.ListField(child=serializers.CharField()),
    "kept": serializers.ListField(child=serializers.CharField())})


class AccountDelete(APIView):
    @extend_schema(summary="What deleting my account would erase and keep, and whether it can be done now",
                   responses=DeletionPreview)
    def get(self, request):
        reasons = deletion.deletion_blockers(request.user)
        return Response({"can_delete": not reasons, "reasons": reasons,
                         "messages": [str(deletion.BLOCKER_TEXT[r]) for r in reasons],
                         "erased": [str(t) for t in deletion.ERASED], "kept": [str(t) for t in deletion.KEPT]})

    @extend_schema(summary="Delete my account (password to confirm; 409 deletion_blocked with reasons)",
                   request=DeleteInput,
                   responses={200: inline_serializer("DeletionDone", {
                       "status": serializers.CharField(),
                       "erased": serializers.ListField(child=serializers.CharField()),
                       "kept": serializers.ListField(child=serializers.CharField())}),
                       409: OpenApiResponse(description="deletion_blocked, with reasons")})
    def post(self, request):
        data = DeleteInput(data=request.data)
        data.is_valid(raise_exception=True)
        result = deletion.account_delete(user=request.user, password=data.validated_data["password"])
        logout(request._request)  # a website session ends too
        return Response(result, status=status.HTTP_200_OK)
