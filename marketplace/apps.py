"""Django app config for the marketplace."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Sweeps that find what is due (PITFALLS: no long ETAs on Redis). django-celery-beat's
# DatabaseScheduler copies these into its PeriodicTask table, where the admin shows them.
BEAT_SCHEDULE = {
    "marketplace-orders-auto-confirm": {
        "task": "marketplace.tasks.orders_auto_confirm_task",
        "schedule": 600.0,
    },
    "marketplace-orders-settle-due": {
        "task": "marketplace.tasks.orders_settle_due_task",
        "schedule": 600.0,
    },
}


class MarketplaceConfig(AppConfig):
    name = "marketplace"
    verbose_name = _("Marketplace")

    def ready(self):
        from config.celery import app as celery_app
        from marketplace import hooks
        from marketplace.payment_methods import FullPayment

        hooks.register_payment_method(FullPayment())
        celery_app.conf.beat_schedule = {**(celery_app.conf.beat_schedule or {}), **BEAT_SCHEDULE}
