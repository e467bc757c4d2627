"""Core API routes under /api/v1/: my notifications and preferences."""
from django.urls import path

from core.api import notifications

urlpatterns = [
    path("me/notifications/", notifications.NotificationList.as_view(), name="api-notifications"),
    path("me/notifications/read-all/", notifications.NotificationMarkAllRead.as_view(),
         name="api-notifications-read-all"),
    path("me/notifications/<int:pk>/read/", notifications.NotificationMarkRead.as_view(),
         name="api-notification-read"),
    path("me/notification-preferences/", notifications.NotificationPreferences.as_view(),
         name="api-notification-preferences"),
]

from core.api import privacy  # noqa: E402

urlpatterns += [
    path("me/data-access-log/", privacy.DataAccessLog.as_view(), name="api-data-access-log"),
]
