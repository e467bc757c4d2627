"""WSGI entry point (gunicorn config.wsgi). Refuses to serve when the system checks fail."""
import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

application = get_wsgi_application()

from core.checks import run_startup_checks  # noqa: E402 - needs the app registry

run_startup_checks()

# Everything loaded so far (Django, the apps, URLconf, translations) lives as long as the process: move it out
# of the collector's reach, so garbage collections during requests no longer walk it (with gunicorn --preload,
# forked workers also keep sharing those pages with the master instead of copying them).
gc.freeze()
