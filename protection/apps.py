"""Django app config for buyer and merchant protection: hooks into the marketplace and the beat schedule."""
from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

# Each deadline sweep runs often so an automatic outcome comes within minutes of its deadline.
BEAT_SCHEDULE = {
    "protection-merchant-response": {"task": "protection.tasks.sweep_merchant_response",
                                     "schedule": timedelta(minutes=5)},
    "protection-return-shipping": {"task": "protection.tasks.sweep_return_shipping",
                                   "schedule": timedelta(minutes=5)},
    "protection-return-confirmation": {"task": "protection.tasks.sweep_return_confirmation",
                                       "schedule": timedelta(minutes=5)},
    "protection-replacement-shipping": {"task": "protection.tasks.sweep_replacement_shipping",
                                        "schedule": timedelta(minutes=5)},
    "protection-escalation-window": {"task": "protection.tasks.sweep_escalation_window",
                                     "schedule": timedelta(minutes=5)},
    "protection-standings": {"task": "protection.tasks.refresh_standings", "schedule": timedelta(hours=24)},
}


class ProtectionConfig(AppConfig):
    name = "protection"
    verbose_name = _("Protection")

    def ready(self):
        from config.celery import app
        from marketplace import hooks
        from protection import errors  # noqa: F401 - registers the HTTP status of our codes
        from protection.dashboard import shop_open_cases
        from protection.selectors import orders_without_open_case, orders_without_open_not_received_case

        hooks.register_settlement_hold("after_sales_case", orders_without_open_case)
        hooks.register_auto_confirm_hold("not_received_claim", orders_without_open_not_received_case)
        hooks.register_shop_cases("after_sales", shop_open_cases)
        _register_dispute_counter()
        app.conf.beat_schedule = {**(app.conf.beat_schedule or {}), **BEAT_SCHEDULE}


def _register_dispute_counter():
    # The reputation service may not be installed in every deployment of the marketplace.
    try:
        from marketplace.services.reputation import register_dispute_counter
    except ImportError:
        return
    from protection.selectors import disputes_lost_by_shop

    register_dispute_counter(disputes_lost_by_shop)
