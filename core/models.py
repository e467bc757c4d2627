"""Small shared models: the encryption canary and idempotency records."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import EncryptedCharField, EncryptedTextField

CANARY_PLAINTEXT = "fangxin-canary"


class EncryptionCanary(models.Model):
    """One known value, encrypted under the keys in use when it was written.

    A system check decrypts it at start-up: if the configured keys cannot, the
    process refuses to start instead of serving ciphertext as data.
    """

    value = EncryptedCharField(_("value"), max_length=64)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("encryption canary")
        verbose_name_plural = _("encryption canaries")

    def __str__(self):
        return f"canary #{self.pk}"


class TimeStamped(models.Model):
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        abstract = True


class IdempotencyRecord(models.Model):
    """The first response to a money-moving request, replayed for repeats of its key."""

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight", _("In flight")
        DONE = "done", _("Done")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+")
    key = models.CharField(_("key"), max_length=255)
    scope = models.CharField(_("scope"), max_length=100, help_text=_("The endpoint the key was used on."))
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    state = models.CharField(_("state"), max_length=16, choices=State.choices, default=State.IN_FLIGHT)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True, blank=True)
    # Encrypted: a response may carry personal data (an order's shipping address).
    response_body = EncryptedTextField(_("response body"), blank=True, default="")
    created = models.DateTimeField(_("created"), auto_now_add=True)
    locked_until = models.DateTimeField(_("locked until"))

    class Meta:
        verbose_name = _("idempotency record")
        verbose_name_plural = _("idempotency records")
        constraints = [
            models.UniqueConstraint(fields=["user", "scope", "key"], name="idempotency_key_unique_per_user"),
        ]

    def __str__(self):
        return f"{self.scope}:{self.key} ({self.state})"


class Notification(models.Model):
    """An in-site message (order events, after-sales deadlines, repayment reminders)."""

    class Kind(models.TextChoices):
        ORDER_EVENT = "order_event", _("Order event")
        AFTER_SALES = "after_sales", _("After sales")
        REPAYMENT_REMINDER = "repayment_reminder", _("Repayment reminder")
        CREDIT = "credit", _("Credit")
        ACCOUNT = "account", pgettext_lazy("notification kind", "Account")

    class EmailStatus(models.TextChoices):
        NONE = "", pgettext_lazy("email status", "None")
        PENDING = "pending", pgettext_lazy("email status", "Pending")
        SENDING = "sending", pgettext_lazy("email status", "Sending")
        SENT = "sent", pgettext_lazy("email status", "Sent")
        FAILED = "failed", pgettext_lazy("email status", "Failed")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="notifications")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("body"))
    link = models.CharField(_("link"), max_length=300, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)
    # The e-mail copy (core/notifications.py): recorded with the message, sent by a task after commit; a
    # periodic sweep sends again what a broker outage or a lost queue kept from going out.
    email_status = models.CharField(_("email status"), max_length=8, choices=EmailStatus.choices, default="",
                                    db_default="",
                                    blank=True)
    email_enqueued_at = models.DateTimeField(_("email enqueued at"), null=True, blank=True)
    email_claimed_at = models.DateTimeField(_("email claimed at"), null=True, blank=True)
    email_sent_at = models.DateTimeField(_("email sent at"), null=True, blank=True)
    email_attempts = models.PositiveSmallIntegerField(_("email attempts"), default=0, db_default=0)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
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

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                                related_name="notification_preference")
    email = models.BooleanField(_("email"), default=True)
    sms = models.BooleanField(_("SMS"), default=True)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="zh-hans")

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")

    def __str__(self):
        return f"preferences of {self.user_id}"


class AuditEvent(models.Model):
    """A staff action worth remembering (verify a shop, rule a case, freeze a line).

    ``detail`` never holds personal data in the clear: ids and field names only.
    """

    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.SET_NULL,
                              related_name="+")
    action = models.CharField(_("action"), max_length=64, db_index=True)
    target_type = models.CharField(_("target type"), max_length=64)
    target_id = models.CharField(_("target id"), max_length=64)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]

    def __str__(self):
        return f"{self.action} {self.target_type}#{self.target_id}"


class DataAccessRecord(models.Model):
    """A member of staff revealed one masked personal field: who, what, whose, why, when.

    The buyer sees these in the privacy centre. The value itself is never stored here.
    """

    staff = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("staff"), on_delete=models.PROTECT,
                              related_name="+")
    subject = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("subject"), on_delete=models.CASCADE,
                                related_name="data_access_records")
    object_type = models.CharField(_("object type"), max_length=64)
    object_id = models.CharField(_("object id"), max_length=64)
    field = models.CharField(_("field"), max_length=64)
    reason = models.CharField(_("reason"), max_length=500)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("data access record")
        verbose_name_plural = _("data access records")
        ordering = ["-created", "-pk"]
        indexes = [models.Index(fields=["subject", "-created"], name="data_access_subject_idx")]
        permissions = [("reveal_personal_data", "Can reveal masked personal data (with a reason)")]

    def __str__(self):
        return f"{self.staff_id} revealed {self.object_type}.{self.field} of {self.subject_id}"
