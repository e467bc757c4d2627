"""Django app config for core."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "core"
    verbose_name = _("Notifications and audit")

    def ready(self):
        from config.celery import app as celery_app
        from core import admin_guards, checks  # noqa: F401 - checks registers the system checks
        from core.tasks import BEAT_SCHEDULE

        celery_app.conf.beat_schedule = {**(celery_app.conf.beat_schedule or {}), **BEAT_SCHEDULE}
        admin_guards.install()
