"""Small shared models: the encryption canary and idempotency records."""
from django.conf import settings
from django.db import models

from core.fields import EncryptedCharField, EncryptedTextField

CANARY_PLAINTEXT = "fangxin-canary"


class EncryptionCanary(models.Model):
    """One known value, encrypted under the keys in use when it was written.

    A system check decrypts it at start-up: if the configured keys cannot, the
    process refuses to start instead of serving ciphertext as data.
    """

    value = EncryptedCharField(max_length=64)
    created = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return f"canary #{self.pk}"


class TimeStamped(models.Model):
    created = models.DateTimeField(auto_now_add=True, db_index=True)
    modified = models.DateTimeField(auto_now=True)

    class Meta:
        abstract = True


class IdempotencyRecord(models.Model):
    """The first response to a money-moving request, replayed for repeats of its key."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight"
        DONE = "done"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    key = models.CharField(max_length=255)
    scope = models.CharField(max_length=100, help_text="The endpoint the key was used on.")
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(null=True, blank=True)
    # Encrypted: a response may carry personal data (an order's shipping address).
    response_body = EncryptedTextField(blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    locked_until = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_unique_per_user"),
        ]

    def __str__(self):
        return f"{self.scope}:{self.key} ({self.state})"
