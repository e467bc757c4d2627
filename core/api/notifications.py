"""My in-site messages and how I want to be told things."""
from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import generics, serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from core.models import Notification, NotificationPreference
from core.notifications import preferences_for, preferences_of


class NotificationSerializer(serializers.ModelSerializer):
    read = serializers.BooleanField(read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "link", "created", "read"]


class NotificationList(generics.ListAPIView):
    serializer_class = NotificationSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Notification.objects.none()
        qs = Notification.objects.filter(user=self.request.user)
        kind = self.request.query_params.get("kind")
        if kind:
            qs = qs.filter(kind=kind)
        if self.request.query_params.get("unread") in {"1", "true"}:
            qs = qs.filter(read_at__isnull=True)
        return qs


class NotificationMarkRead(APIView):
    @extend_schema(request=None, responses={200: NotificationSerializer})
    def post(self, request, pk):
        notification = generics.get_object_or_404(Notification, pk=pk, user=request.user)
        if notification.read_at is None:
            notification.read_at = timezone.now()
            notification.save(update_fields=["read_at"])
        return Response(NotificationSerializer(notification).data)


class NotificationMarkAllRead(APIView):
    @extend_schema(request=None,
                   responses={200: inline_serializer("MarkedRead", {"marked_read": serializers.IntegerField()})})
    def post(self, request):
        count = Notification.objects.filter(user=request.user, read_at__isnull=True).update(read_at=timezone.now())
        return Response({"marked_read": count})


class PreferenceSerializer(serializers.ModelSerializer):
    in_site = serializers.SerializerMethodField(help_text="In-site messages are always on.")

    class Meta:
        model = NotificationPreference
        fields = ["in_site", "email", "sms", "language"]

    def get_in_site(self, obj) -> bool:
        return True


class NotificationPreferences(APIView):
    @extend_schema(responses=PreferenceSerializer)
    def get(self, request):
        return Response(PreferenceSerializer(preferences_of(request.user)).data)

    @extend_schema(request=PreferenceSerializer, responses=PreferenceSerializer)
    def patch(self, request):
        prefs = preferences_for(request.user)
        data = PreferenceSerializer(prefs, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        data.save()
        return Response(data.data)
