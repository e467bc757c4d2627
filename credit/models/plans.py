"""Instalment plans (one per credit order) and their instalments."""
from datetime import date
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.money import ZERO


class PlanStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    PAID_OFF = "paid_off", _("Paid off")
    REFUNDED = "refunded", _("Refunded")
    CANCELLED = "cancelled", _("Cancelled")


class InstallmentPlan(models.Model):
    """The credit that paid for one order: principal, fee, APR and the agreement the buyer accepted."""

    TRANSITIONS = {
        PlanStatus.ACTIVE: {PlanStatus.PAID_OFF, PlanStatus.REFUNDED, PlanStatus.CANCELLED},
        PlanStatus.PAID_OFF: {PlanStatus.REFUNDED},
        PlanStatus.REFUNDED: set(),
        PlanStatus.CANCELLED: set(),
    }

    class FeePayer(models.TextChoices):
        BUYER = "buyer", _("Buyer")
        MERCHANT = "merchant", _("Merchant (interest-free)")

    order = models.OneToOneField("marketplace.Order", verbose_name=_("order"), on_delete=models.PROTECT,
                                 related_name="installment_plan")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("buyer"), on_delete=models.PROTECT,
                              related_name="installment_plans")
    line = models.ForeignKey("credit.CreditLine", verbose_name=_("credit line"), on_delete=models.PROTECT,
                             related_name="plans")
    product = models.ForeignKey("credit.InstallmentProduct", verbose_name=_("product"), null=True,
                                on_delete=models.SET_NULL, related_name="+")
    count = models.PositiveSmallIntegerField(_("instalments"))
    fee_rate = models.DecimalField(_("total fee rate"), max_digits=6, decimal_places=4)
    fee_payer = models.CharField(_("fee paid by"), max_length=16, choices=FeePayer.choices, default=FeePayer.BUYER)
    original_principal_amount = models.DecimalField(_("financed"), max_digits=14, decimal_places=2)
    principal_amount = models.DecimalField(_("principal"), max_digits=14, decimal_places=2,
                                           help_text=_("Financed amount less refunds."))
    fee_amount = models.DecimalField(_("buyer's fee"), max_digits=14, decimal_places=2)
    merchant_fee_amount = models.DecimalField(_("merchant's fee"), max_digits=14, decimal_places=2,
                                              default=Decimal("0.00"))
    apr = models.DecimalField(_("annualised rate (%)"), max_digits=7, decimal_places=2)
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.ACTIVE,
                              db_index=True)
    # The quote the buyer accepted, as shown: amounts, dates, rate, versions. No personal data.
    agreement = models.JSONField(_("agreement"), default=dict)
    paused = models.BooleanField(_("paused (after-sales case open)"), default=False)
    paused_since = models.DateField(_("paused since"), null=True, blank=True)
    purchase_date = models.DateField(_("purchased on"))
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("instalment plan")
        verbose_name_plural = _("instalment plans")
        constraints = [
            models.CheckConstraint(condition=Q(original_principal_amount__gt=0), name="credit_plan_financed_positive"),
            models.CheckConstraint(condition=Q(principal_amount__gte=0,
                                               principal_amount__lte=F("original_principal_amount")),
                                   name="credit_plan_principal_within_financed"),
            models.CheckConstraint(condition=Q(fee_amount__gte=0), name="credit_plan_fee_not_negative"),
            models.CheckConstraint(condition=Q(merchant_fee_amount__gte=0),
                                   name="credit_plan_merchant_fee_not_negative"),
            models.CheckConstraint(condition=Q(apr__gte=0), name="credit_plan_apr_not_negative"),
        ]

    def __str__(self):
        return f"plan #{self.pk} (order #{self.order_id})"


class PlanStatusChange(models.Model):
    plan = models.ForeignKey(InstallmentPlan, verbose_name=_("plan"), on_delete=models.CASCADE,
                             related_name="status_changes")
    old_status = models.CharField(_("old status"), max_length=16, choices=PlanStatus.choices, blank=True)
    new_status = models.CharField(_("new status"), max_length=16, choices=PlanStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.SET_NULL,
                              related_name="+")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("plan status change")
        verbose_name_plural = _("plan status changes")
        ordering = ["created", "pk"]

    def __str__(self):
        return f"plan #{self.plan_id}: {self.get_old_status_display() or '∅'} → {self.get_new_status_display()}"


class InstallmentStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Scheduled")
    PAID = "paid", _("Paid")
    OVERDUE = "overdue", _("Overdue")
    CANCELLED = "cancelled", _("Cancelled")


UNPAID = (InstallmentStatus.SCHEDULED, InstallmentStatus.OVERDUE)


class Installment(models.Model):
    """One monthly instalment: what falls due, what was paid of it, and how late it is."""

    class Bucket(models.TextChoices):
        NONE = "", _("Not overdue")
        D1_30 = "1_30", _("1–30 days")
        D31_60 = "31_60", _("31–60 days")
        D61_90 = "61_90", _("61–90 days")
        D90_PLUS = "90_plus", _("More than 90 days")

    plan = models.ForeignKey(InstallmentPlan, verbose_name=_("plan"), on_delete=models.CASCADE,
                             related_name="installments")
    number = models.PositiveSmallIntegerField(_("number"))
    due_date = models.DateField(_("due"))
    # Overdue days count from here: the due date, moved on by days the plan was paused after it.
    clock_date = models.DateField(_("overdue counted from"))
    principal_amount = models.DecimalField(_("principal"), max_digits=14, decimal_places=2)
    fee_amount = models.DecimalField(_("fee"), max_digits=14, decimal_places=2)
    penalty_amount = models.DecimalField(_("penalty"), max_digits=14, decimal_places=2, default=ZERO)
    paid_principal_amount = models.DecimalField(_("paid principal amount"), max_digits=14, decimal_places=2,
                                                default=ZERO)
    paid_fee_amount = models.DecimalField(_("paid fee amount"), max_digits=14, decimal_places=2, default=ZERO)
    paid_penalty_amount = models.DecimalField(_("paid penalty amount"), max_digits=14, decimal_places=2, default=ZERO)
    status = models.CharField(_("status"), max_length=16, choices=InstallmentStatus.choices,
                              default=InstallmentStatus.SCHEDULED)
    paused = models.BooleanField(_("paused"), default=False)
    bucket = models.CharField(_("delinquency bucket"), max_length=8, choices=Bucket.choices, blank=True, default="")
    penalty_accrued_days = models.PositiveIntegerField(_("penalty accrued days"), default=0,
                                                       help_text=_("Overdue days already charged for."))
    reported_late = models.BooleanField(_("reported late"), default=False)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("instalment")
        verbose_name_plural = _("instalments")
        indexes = [models.Index(fields=["status", "due_date"], name="credit_installment_sweep_idx"),
                   models.Index(fields=["status", "clock_date"], name="credit_installment_clock_idx"),
                   # The overdue sweep's keyset: unpaid, not paused instalments by the day overdue days count from.
                   models.Index(fields=["clock_date", "id"], name="credit_installment_pending_idx",
                                condition=Q(status__in=["scheduled", "overdue"], paused=False))]
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="credit_installment_number_unique"),
            models.CheckConstraint(condition=Q(principal_amount__gte=0, fee_amount__gte=0, penalty_amount__gte=0),
                                   name="credit_installment_amounts_not_negative"),
            models.CheckConstraint(
                condition=Q(paid_principal_amount__gte=0, paid_principal_amount__lte=F("principal_amount"),
                            paid_fee_amount__gte=0, paid_fee_amount__lte=F("fee_amount"),
                            paid_penalty_amount__gte=0, paid_penalty_amount__lte=F("penalty_amount")),
                name="credit_installment_paid_within_due"),
        ]

    def __str__(self):
        return f"{self.plan_id}/{self.number}"

    @property
    def amount(self) -> Decimal:
        return self.principal_amount + self.fee_amount + self.penalty_amount

    @property
    def paid_amount(self) -> Decimal:
        return self.paid_principal_amount + self.paid_fee_amount + self.paid_penalty_amount

    @property
    def owed_amount(self) -> Decimal:
        return self.amount - self.paid_amount

    @property
    def owed_principal_amount(self) -> Decimal:
        return self.principal_amount - self.paid_principal_amount

    def days_overdue(self, today: date) -> int:
        if self.status not in UNPAID:
            return 0
        return max(0, (today - self.clock_date).days)
