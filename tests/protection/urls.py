"""The project's URLs with protection's mounted first (config/urls.py includes them once its owner adds them)."""
from django.urls import include, path

from config.urls import handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    path("api/v1/", include("protection.api.urls")),
    path("", include("protection.urls")),
    *project_urlpatterns,
]
