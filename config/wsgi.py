"""WSGI entry point (gunicorn config.wsgi). Refuses to serve when the system checks fail."""
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from core.checks import run_startup_checks  # noqa: E402 - needs the app registry

run_startup_checks()
