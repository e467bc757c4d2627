"""SMS providers: an interface, a log provider for development, and the configured one."""
import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger("fangxin.sms")


class SmsError(Exception):
    """The provider could not send; callers retry with backoff."""


class BaseSmsBackend:
    def send(self, *, to: str, body: str) -> str:
        """Send one message and return the provider's message id."""
        raise NotImplementedError


class LogSmsBackend(BaseSmsBackend):
    """Writes each message to the log instead of sending it (development)."""

    def send(self, *, to: str, body: str) -> str:
        from core.pii import mask_phone

        logger.info("SMS to %s: %s", mask_phone(to), body)
        return "log"


class MemorySmsBackend(BaseSmsBackend):
    """Keeps messages in ``outbox`` (tests)."""

    outbox: list = []

    def send(self, *, to: str, body: str) -> str:
        self.outbox.append({"to": to, "body": body})
        return f"mem-{len(self.outbox)}"


def get_sms_backend() -> BaseSmsBackend:
    return import_string(settings.SMS_BACKEND)()
