"""The Celery application, configured from Django settings (CELERY_* names)."""
import os

from celery import Celery, signals

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("fangxin")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@signals.worker_init.connect
def _refuse_wrong_keys(**kwargs):
    """A worker must not start with keys that cannot read the stored data (core.checks): it would write ciphertext
    back as if it were plaintext. SystemExit passes Celery's signal dispatch, so the worker stops here."""
    import django

    django.setup()
    from django.core.exceptions import ImproperlyConfigured

    from core.checks import run_startup_checks

    try:
        run_startup_checks()
    except ImproperlyConfigured as exc:
        raise SystemExit(f"Refusing to start the worker: {exc}") from None
