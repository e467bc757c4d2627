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
    path("me/contact-attempts/", privacy.ContactAttemptList.as_view(), name="api-contact-attempts"),
    path("me/consents/", privacy.ConsentList.as_view(), name="api-consents"),
    path("me/consents/<slug:key>/withdraw/", privacy.ConsentWithdraw.as_view(), name="api-consent-withdraw"),
    path("me/export/", privacy.DataExport.as_view(), name="api-data-export"),
    path("me/delete/", privacy.AccountDelete.as_view(), name="api-account-delete"),
]
