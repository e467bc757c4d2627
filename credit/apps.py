"""Django app config for instalment credit: registers the payment method, the case listener, the checkout context
(device id) and beat jobs."""
from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CreditConfig(AppConfig):
    name = "credit"
    verbose_name = _("Instalment credit")

    def ready(self):
        from credit import errors  # noqa: F401 - registers the HTTP status of credit's codes
        from credit.payment import InstallmentPaymentMethod, case_listener
        from credit.risk.hold import orders_past_cash_out_hold
        from credit.risk_middleware import checkout_context
        from credit.tasks import register_beat_schedule
        from marketplace.hooks import (
            register_case_listener,
            register_checkout_context,
            register_payment_method,
            register_settlement_hold,
        )

        register_payment_method(InstallmentPaymentMethod())
        register_case_listener(case_listener)
        register_checkout_context(checkout_context)  # the device id in every checkout's risk context
        register_beat_schedule()
        from credit.reminders.tasks import register_beat_schedule as register_reminder_sweep
        register_reminder_sweep()  # the reminder sweep every few minutes (also imports its send task)
        register_settlement_hold("cash_out_risk", orders_past_cash_out_hold)  # elevated risk: after returns
