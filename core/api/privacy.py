"""My privacy: who on staff revealed which of my data, when and why."""
from rest_framework import generics, serializers

from core.models import DataAccessRecord


class DataAccessRecordSerializer(serializers.ModelSerializer):
    staff = serializers.SerializerMethodField()

    class Meta:
        model = DataAccessRecord
        fields = ["id", "staff", "object_type", "field", "reason", "created"]

    def get_staff(self, record) -> str:
        # Staff are named by username: accountable, without exposing their own personal data.
        return record.staff.username


class DataAccessLog(generics.ListAPIView):
    serializer_class = DataAccessRecordSerializer

    def get_queryset(self):
        return DataAccessRecord.objects.filter(subject=self.request.user).select_related("staff")
