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


class Notification(models.Model):
    """An in-site message (order events, after-sales deadlines, repayment reminders)."""

    class Kind(models.TextChoices):
        ORDER_EVENT = "order_event"
        AFTER_SALES = "after_sales"
        REPAYMENT_REMINDER = "repayment_reminder"
        CREDIT = "credit"
        ACCOUNT = "account"

    class EmailStatus(models.TextChoices):
        NONE = ""
        PENDING = "pending"
        SENDING = "sending"
        SENT = "sent"
        FAILED = "failed"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications")
    kind = models.CharField(max_length=32, choices=Kind.choices)
    title = models.CharField(max_length=200)
    body = models.TextField()
    link = models.CharField(max_length=300, blank=True)
    created = models.DateTimeField(auto_now_add=True)
    read_at = models.DateTimeField(null=True, blank=True)
    # The e-mail copy (core/notifications.py): recorded with the message, sent by a task after commit; a
    # periodic sweep sends again what a broker outage or a lost queue kept from going out.
    email_status = models.CharField(max_length=8, choices=EmailStatus.choices, default="", db_default="",
                                    blank=True)
    email_enqueued_at = models.DateTimeField(null=True, blank=True)
    email_claimed_at = models.DateTimeField(null=True, blank=True)
    email_sent_at = models.DateTimeField(null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(default=0, db_default=0)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [
            models.Index(fields=["user", "-created"], name="notification_user_idx"),
            models.Index(fields=["email_enqueued_at"], name="notification_email_due_idx",
                         condition=models.Q(email_status__in=["pending", "sending"])),
        ]

    def __str__(self):
        return self.title

    @property
    def read(self) -> bool:
        return self.read_at is not None


class NotificationPreference(models.Model):
    """How a user wants to be told things. In-site messages are always on."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="notification_preference")
    email = models.BooleanField(default=True)
    sms = models.BooleanField(default=True)
    language = models.CharField(max_length=8, choices=settings.LANGUAGES, default="zh-hans")

    def __str__(self):
        return f"preferences of {self.user_id}"


class AuditEvent(models.Model):
    """A staff action worth remembering (verify a shop, rule a case, freeze a line).

    ``detail`` never holds personal data in the clear: ids and field names only.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(max_length=64, db_index=True)
    target_type = models.CharField(max_length=64)
    target_id = models.CharField(max_length=64)
    reason = models.CharField(max_length=500, blank=True)
    detail = models.JSONField(default=dict, blank=True)
    created = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self):
        return f"{self.action} {self.target_type}#{self.target_id}"


class DataAccessRecord(models.Model):
    """A member of staff revealed one masked personal field: who, what, whose, why, when.

    The buyer sees these in the privacy centre. The value itself is never stored here.
    """

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="data_access_records")
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64)
    field = models.CharField(max_length=64)
    reason = models.CharField(max_length=500)
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["subject", "-created"], name="data_access_subject_idx")]
        permissions = [("reveal_personal_data", "Can reveal masked personal data (with a reason)")]

    def __str__(self):
        return f"{self.staff_id} revealed {self.object_type}.{self.field} of {self.subject_id}"
