"""Money coming back: repayments, refunds onto plans, monthly statements; and the sweep's lock row."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class Repayment(models.Model):
    """One payment by the buyer towards a plan, charged through the payment provider."""

    class Mode(models.TextChoices):
        NEXT = "next", _("Next instalment")
        AMOUNT = "amount", _("An amount")
        PAYOFF = "payoff", _("Pay off early")

    plan = models.ForeignKey("credit.InstallmentPlan", verbose_name=_("plan"), on_delete=models.PROTECT,
                             related_name="repayments")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("buyer"), on_delete=models.PROTECT,
                              related_name="repayments")
    mode = models.CharField(_("mode"), max_length=8, choices=Mode.choices)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    principal_amount = models.DecimalField(_("principal amount"), max_digits=14, decimal_places=2,
                                           default=Decimal("0.00"))
    fee_amount = models.DecimalField(_("fee amount"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    penalty_amount = models.DecimalField(_("penalty amount"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    refunded_amount = models.DecimalField(_("refunded amount"), max_digits=14, decimal_places=2,
                                          default=Decimal("0.00"))
    # [{"number", "principal", "fee", "penalty", "amount"}] as strings, per instalment.
    allocations = models.JSONField(_("allocations"), default=list)
    provider = models.CharField(_("provider"), max_length=32, default="sandbox")
    provider_ref = models.CharField(_("provider reference"), max_length=64)
    idempotency_key = models.CharField(_("idempotency key"), max_length=300, unique=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("repayment")
        verbose_name_plural = _("repayments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_repayment_amount_positive"),
            # No "parts sum to amount" constraint: SQLite compares decimal sums as floats. The service ensures it.
            models.CheckConstraint(condition=Q(principal_amount__gte=0, fee_amount__gte=0, penalty_amount__gte=0),
                                   name="credit_repayment_parts_not_negative"),
            models.CheckConstraint(condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("amount")),
                                   name="credit_repayment_refund_within_amount"),
        ]

    def __str__(self):
        return f"repayment {self.amount} on plan #{self.plan_id}"


class CreditRefund(models.Model):
    """What a marketplace refund did to a plan: principal removed, fees cancelled, money returned."""

    plan = models.ForeignKey("credit.InstallmentPlan", verbose_name=_("plan"), on_delete=models.PROTECT,
                             related_name="refunds")
    refund = models.OneToOneField("marketplace.Refund", verbose_name=_("refund"), null=True, blank=True,
                                  on_delete=models.PROTECT,
                                  related_name="credit_refund")
    key = models.CharField(_("key"), max_length=200, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    principal_removed_amount = models.DecimalField(_("principal removed amount"), max_digits=14, decimal_places=2)
    fee_cancelled_amount = models.DecimalField(_("fee cancelled amount"), max_digits=14, decimal_places=2)
    returned_principal_amount = models.DecimalField(_("returned principal amount"), max_digits=14, decimal_places=2)
    returned_fee_amount = models.DecimalField(_("returned fee amount"), max_digits=14, decimal_places=2)
    returned_penalty_amount = models.DecimalField(_("returned penalty amount"), max_digits=14, decimal_places=2)
    provider_refs = models.JSONField(_("provider references"), default=list, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund onto a plan")
        verbose_name_plural = _("refunds onto plans")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0, principal_removed_amount__gte=0,
                                               fee_cancelled_amount__gte=0, returned_principal_amount__gte=0,
                                               returned_fee_amount__gte=0, returned_penalty_amount__gte=0),
                                   name="credit_refund_amounts_signs"),
        ]

    def __str__(self):
        return f"refund {self.amount} on plan #{self.plan_id}"

    @property
    def returned_amount(self) -> Decimal:
        return self.returned_principal_amount + self.returned_fee_amount + self.returned_penalty_amount


class Statement(models.Model):
    """A credit line's monthly statement (账单): balances and movements of one calendar month."""

    line = models.ForeignKey("credit.CreditLine", verbose_name=_("credit line"), on_delete=models.CASCADE,
                             related_name="statements")
    period = models.DateField(_("month"), help_text=_("First day of the month."))
    opening_balance_amount = models.DecimalField(_("opening balance"), max_digits=14, decimal_places=2)
    new_principal_amount = models.DecimalField(_("new purchases"), max_digits=14, decimal_places=2)
    payments_amount = models.DecimalField(_("payments"), max_digits=14, decimal_places=2)
    principal_paid_amount = models.DecimalField(_("principal repaid"), max_digits=14, decimal_places=2)
    fees_amount = models.DecimalField(_("fees paid"), max_digits=14, decimal_places=2)
    penalties_amount = models.DecimalField(_("penalties paid"), max_digits=14, decimal_places=2)
    refunds_amount = models.DecimalField(_("refunds"), max_digits=14, decimal_places=2)
    closing_balance_amount = models.DecimalField(_("closing balance"), max_digits=14, decimal_places=2)
    # [{"date", "kind", "description", "amount"}] and [{"plan", "number", "due_date", "amount"}]: no personal data.
    lines = models.JSONField(_("statement lines"), default=list, blank=True)
    next_dues = models.JSONField(_("upcoming instalments"), default=list, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["-period", "-pk"]
        verbose_name = _("statement")
        verbose_name_plural = _("statements")
        constraints = [
            models.UniqueConstraint(fields=["line", "period"], name="credit_statement_once_per_month"),
            models.CheckConstraint(
                condition=Q(opening_balance_amount__gte=0, closing_balance_amount__gte=0, new_principal_amount__gte=0,
                            payments_amount__gte=0, principal_paid_amount__gte=0, fees_amount__gte=0,
                            penalties_amount__gte=0, refunds_amount__gte=0),
                name="credit_statement_amounts_not_negative"),
        ]

    def __str__(self):
        return f"statement {self.period:%Y-%m} of line #{self.line_id}"


class CreditJobLock(models.Model):
    """A row per scheduled job, locked while it runs, so concurrent runs of a sweep take turns."""

    name = models.CharField(_("name"), max_length=64, unique=True)
    last_run_on = models.DateField(_("last run on"), null=True, blank=True)

    class Meta:
        verbose_name = _("credit job lock")
        verbose_name_plural = _("credit job locks")

    def __str__(self):
        return self.name
