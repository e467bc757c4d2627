"""The site's URLs plus uploaded media, so the screenshot run shows listing pictures (DEBUG is off in tests)."""
from django.conf import settings
from django.urls import path
from django.views.static import serve

from config.urls import handler404, handler500  # noqa: F401 (the handlers are looked up here)
from config.urls import urlpatterns as site

urlpatterns = [path(f"{settings.MEDIA_URL.strip('/')}/<path:path>", serve, {"document_root": settings.MEDIA_ROOT}),
               *site]
