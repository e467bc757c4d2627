"""Credit lines, the audit trail of their changes, and the buyer's credit history."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class LineStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    FROZEN = "frozen", _("Frozen")
    CLOSED = "closed", _("Closed")


class CreditLine(models.Model):
    """A buyer's revolving limit. ``used_amount`` caches the outstanding principal.

    It always equals the balance of the buyer's ``buyer_credit_receivable`` account in
    the books; it is changed only with F() under a row lock or a conditional UPDATE.
    """

    TRANSITIONS = {
        LineStatus.ACTIVE: {LineStatus.FROZEN, LineStatus.CLOSED},
        LineStatus.FROZEN: {LineStatus.ACTIVE, LineStatus.CLOSED},
        LineStatus.CLOSED: {LineStatus.ACTIVE},
    }

    class FrozenReason(models.TextChoices):
        NONE = "", _("—")
        OVERDUE = "overdue", _("An instalment is overdue")
        STAFF = "staff", _("Frozen by staff")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.PROTECT,
                                related_name="credit_line")
    application = models.ForeignKey("credit.CreditApplication", verbose_name=_("application"), null=True, blank=True,
                                    on_delete=models.SET_NULL,
                                    related_name="+")
    limit_amount = models.DecimalField(_("limit"), max_digits=14, decimal_places=2)
    used_amount = models.DecimalField(_("used"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    status = models.CharField(_("status"), max_length=16, choices=LineStatus.choices, default=LineStatus.ACTIVE,
                              db_index=True)
    frozen_reason = models.CharField(_("frozen because"), max_length=16, choices=FrozenReason.choices,
                                     blank=True, default="")
    created = models.DateTimeField(_("opened"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("credit line")
        verbose_name_plural = _("credit lines")
        permissions = [
            ("freeze_creditline", "Can freeze and unfreeze credit lines"),
            ("change_limit_creditline", "Can change the limit of credit lines"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(limit_amount__gte=0), name="credit_line_limit_not_negative"),
            models.CheckConstraint(condition=Q(used_amount__gte=0, used_amount__lte=F("limit_amount")),
                                   name="credit_line_used_within_limit"),
        ]

    def __str__(self):
        return f"line #{self.pk} ({self.get_status_display()})"

    @property
    def available_amount(self) -> Decimal:
        return max(Decimal("0.00"), self.limit_amount - self.used_amount)


class CreditLineEvent(models.Model):
    """Every change of a line's status or limit: who, why, before and after."""

    class Kind(models.TextChoices):
        OPENED = "opened", _("Opened")
        FROZEN = "frozen", _("Frozen")
        UNFROZEN = "unfrozen", _("Unfrozen")
        LIMIT_CHANGED = "limit_changed", _("Limit changed")
        CLOSED = "closed", _("Closed")
        REOPENED = "reopened", _("Reopened")

    line = models.ForeignKey(CreditLine, verbose_name=_("credit line"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    old_status = models.CharField(_("old status"), max_length=16, choices=LineStatus.choices, blank=True)
    new_status = models.CharField(_("new status"), max_length=16, choices=LineStatus.choices, blank=True)
    old_limit_amount = models.DecimalField(_("old limit amount"), max_digits=14, decimal_places=2, null=True,
                                           blank=True)
    new_limit_amount = models.DecimalField(_("new limit amount"), max_digits=14, decimal_places=2, null=True,
                                           blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.SET_NULL,
                              related_name="+")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created", "pk"]
        verbose_name = _("credit line event")
        verbose_name_plural = _("credit line events")

    def __str__(self):
        return f"line #{self.line_id}: {self.get_kind_display()}"


class CreditEvent(models.Model):
    """An entry of the buyer's credit history, shown to the buyer and used by underwriting."""

    class Kind(models.TextChoices):
        APPROVED = "approved", _("Credit approved")
        DECLINED = "declined", _("Credit declined")
        ON_TIME = "on_time", _("Instalment paid on time")
        LATE = "late", _("Instalment overdue")
        PAID_LATE = "paid_late", _("Overdue instalment paid")
        PAID_OFF = "paid_off", _("Plan paid off")
        FROZEN = "frozen", _("Line frozen")
        UNFROZEN = "unfrozen", _("Line unfrozen")
        REFUNDED = "refunded", _("Plan refunded")

    # No single-column indexes on user and installment: the (user, kind) index and the unique
    # (installment, kind) index serve those lookups, and the overdue sweep inserts these rows in bulk.
    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="credit_events", db_index=False)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    plan = models.ForeignKey("credit.InstallmentPlan", verbose_name=_("plan"), null=True, blank=True,
                             on_delete=models.CASCADE,
                             related_name="credit_events")
    installment = models.ForeignKey("credit.Installment", verbose_name=_("installment"), null=True, blank=True,
                                    on_delete=models.CASCADE,
                                    related_name="credit_events", db_index=False)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("credit history event")
        verbose_name_plural = _("credit history")
        indexes = [models.Index(fields=["user", "kind"], name="credit_event_user_kind_idx")]
        constraints = [
            # The overdue sweep may run often and concurrently: one event per instalment and kind.
            models.UniqueConstraint(fields=["installment", "kind"], condition=Q(installment__isnull=False),
                                    name="credit_event_once_per_installment"),
        ]

    def __str__(self):
        return f"{self.user_id}: {self.get_kind_display()}"
