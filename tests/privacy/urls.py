"""The project's URLs plus the privacy centre pages, until config/urls.py includes core.urls."""
from django.urls import include, path

from config.urls import handler404, handler500  # noqa: F401
from config.urls import urlpatterns as project

urlpatterns = [path("", include("core.urls")), *project]
