"""Website routes of core: the privacy centre (namespace "privacy"), included at the site root."""
from django.urls import path

from core.privacy_center import views

app_name = "privacy"

urlpatterns = [
    path("privacy/", views.centre, name="centre"),
    path("privacy/access-log/", views.access_log, name="access-log"),
    path("privacy/consents/<slug:key>/withdraw/", views.withdraw, name="withdraw"),
    path("privacy/export/", views.export, name="export"),
    path("privacy/delete/", views.delete_account, name="delete"),
]
