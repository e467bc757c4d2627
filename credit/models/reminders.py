"""Repayment reminders: the admin-editable policy, one row per (instalment, kind), one per channel delivery.

The unique (installment, kind) row is what makes a reminder exactly-once in the
database however often or concurrently the sweep runs; a delivery is marked sent
with a conditional UPDATE so a redelivered task never sends it twice. The
workflow lives in credit/reminders/.
"""
from datetime import time

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

_DAY_LIST = RegexValidator(r"^\s*(\d{1,3}\s*(,\s*\d{1,3}\s*)*)?$",
                           _("Enter whole numbers of days separated by commas, e.g. 3,1."))


def parse_days(value: str) -> list[int]:
    """"3, 1" → [3, 1]; empty → []."""
    return [int(part) for part in (value or "").replace(" ", "").split(",") if part]


def kind_for(offset: int) -> str:
    """The reminder kind of a day offset from the due date: -3 → before_3d, 0 → due_day, 7 → overdue_7d."""
    if offset < 0:
        return f"before_{-offset}d"
    if offset == 0:
        return "due_day"
    return f"overdue_{offset}d"


def offset_for(kind: str) -> int:
    if kind == "due_day":
        return 0
    stage, days = kind.split("_")
    return -int(days[:-1]) if stage == "before" else int(days[:-1])


class ReminderPolicy(models.Model):
    """When reminders go out. One row (pk 1), created by the migration; staff edit it in the admin.

    Day offsets count from the due date before it and on it, and from the overdue
    clock after it (the due date moved on by days the plan was paused), so days
    spent in an after-sales case never count as overdue days.
    """

    SINGLETON_PK = 1

    active = models.BooleanField(_("send reminders"), default=True)
    days_before = models.CharField(_("days before the due date"), max_length=60, default="3,1", blank=True,
                                   validators=[_DAY_LIST], help_text=_("Comma-separated, e.g. 3,1."))
    on_due_day = models.BooleanField(_("on the due day"), default=True)
    days_overdue = models.CharField(_("days overdue"), max_length=60, default="1,3,7", blank=True,
                                    validators=[_DAY_LIST], help_text=_("Comma-separated, e.g. 1,3,7."))
    quiet_start = models.TimeField(_("quiet hours start"), default=time(22, 0),
                                   help_text=_("Beijing time. No e-mail or SMS goes out from here…"))
    quiet_end = models.TimeField(_("quiet hours end"), default=time(8, 0),
                                 help_text=_("…until here; a reminder falling inside waits for the morning."))
    email_enabled = models.BooleanField(_("e-mail channel"), default=True)
    sms_enabled = models.BooleanField(_("SMS channel"), default=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("reminder policy")
        verbose_name_plural = _("reminder policy")
        constraints = [models.CheckConstraint(condition=Q(pk=1), name="credit_reminder_policy_singleton")]

    def __str__(self):
        return str(_("Reminder policy"))

    def clean(self):
        for name in ("days_before", "days_overdue"):
            try:
                days = parse_days(getattr(self, name))
            except ValueError:
                continue  # not a list of numbers: the field's own validator says so

            if any(day < 1 for day in days):
                raise ValidationError({name: _("Days must be 1 or more (the due day has its own switch).")})

    @classmethod
    def current(cls) -> "ReminderPolicy":
        policy, _ = cls.objects.get_or_create(pk=cls.SINGLETON_PK)
        return policy

    def offsets(self) -> list[int]:
        """Day offsets from the due date, earliest first: [-3, -1, 0, 1, 3, 7] by default."""
        before = {-day for day in parse_days(self.days_before)}
        after = set(parse_days(self.days_overdue))
        return sorted(before | ({0} if self.on_due_day else set()) | after)


class Reminder(models.Model):
    """One reminder of one kind for one instalment, with its in-site message (written in the same transaction)."""

    # Indexed by the unique (installment, kind) below: no index of its own (one less to write per row).
    installment = models.ForeignKey("credit.Installment", verbose_name=_("installment"), on_delete=models.CASCADE,
                                    related_name="reminders",
                                    db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+",
                             help_text=_("The buyer: the only recipient of a reminder."))
    kind = models.CharField(_("kind"), max_length=16)
    offset_days = models.SmallIntegerField(_("days from the due date"))
    day = models.DateField(_("reminder day"))
    notification = models.OneToOneField("core.Notification", null=True, blank=True, on_delete=models.SET_NULL,
                                        related_name="+", verbose_name=_("in-site message"))
    created = models.DateTimeField(_("created"), default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("repayment reminder")
        verbose_name_plural = _("repayment reminders")
        constraints = [models.UniqueConstraint(fields=["installment", "kind"], name="credit_reminder_once_per_kind")]

    def __str__(self):
        return f"{self.kind} for {self.installment_id}"


class Channel(models.TextChoices):
    EMAIL = "email", _("E-mail")
    SMS = "sms", _("SMS")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    SENDING = "sending", _("Sending")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Failed")
    SKIPPED = "skipped", _("Skipped")


class ReminderDelivery(models.Model):
    """A reminder going out by e-mail or SMS: status, attempts and the last error, for staff."""

    reminder = models.ForeignKey(Reminder, verbose_name=_("reminder"), on_delete=models.CASCADE,
                                 related_name="deliveries", db_index=False)
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    status = models.CharField(_("status"), max_length=8, choices=DeliveryStatus.choices,
                              default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    not_before = models.DateTimeField(_("not before"), null=True, blank=True,
                                      help_text=_("Held until the end of quiet hours."))
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    claimed_at = models.DateTimeField(_("claimed at"), null=True, blank=True)
    claim = models.CharField(_("claim token"), max_length=32, blank=True, default="",
                             help_text=_("Token of the task sending it now; only that task may mark it sent."))
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    provider_ref = models.CharField(_("provider reference"), max_length=100, blank=True, default="")
    last_error = models.CharField(_("last error"), max_length=500, blank=True, default="")
    created = models.DateTimeField(_("created"), default=timezone.now)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("reminder delivery")
        verbose_name_plural = _("reminder deliveries")
        constraints = [
            models.UniqueConstraint(fields=["reminder", "channel"], name="credit_reminder_delivery_once"),
        ]
        indexes = [
            # The sweep's repair step: pending or stuck deliveries to (re)enqueue. Sent rows stay out of it.
            models.Index(fields=["status", "enqueued_at"], name="credit_rem_delivery_open_idx",
                         condition=Q(status__in=["pending", "sending"])),
            # The admin's failures, newest first.
            models.Index(fields=["-created"], name="credit_rem_delivery_failed_idx", condition=Q(status="failed")),
        ]
        permissions = [("resend_reminderdelivery", "Can resend a repayment reminder")]

    def __str__(self):
        return f"{self.channel} of reminder {self.reminder_id}: {self.status}"
