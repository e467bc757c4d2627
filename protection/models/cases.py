"""The after-sales case (售后) for one order line: type, reason, amount, status, deadlines, ruling."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class CaseType(models.TextChoices):
    REFUND_ONLY = "refund_only", _("Refund only")
    RETURN_REFUND = "return_refund", _("Return and refund")
    EXCHANGE = "exchange", pgettext_lazy("after-sales type", "Exchange")
    PARTIAL_REFUND = "partial_refund", _("Partial refund")


class CaseReason(models.TextChoices):
    NO_REASON = "no_reason", _("No reason (changed my mind)")
    QUALITY = "quality", _("Quality problem")
    NOT_AS_DESCRIBED = "not_as_described", _("Not as described")
    NOT_RECEIVED = "not_received", _("Not received")
    DAMAGED = "damaged", _("Arrived damaged")


# Claims about the goods themselves: they use the quality-claim window and, when the
# buyer is right, never count against the buyer's standing.
QUALITY_REASONS = frozenset({CaseReason.QUALITY, CaseReason.NOT_AS_DESCRIBED, CaseReason.DAMAGED})


class CaseStatus(models.TextChoices):
    REQUESTED = "requested", _("Awaiting the merchant")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected by the merchant")
    AWAITING_RETURN = "awaiting_return", _("Awaiting the return")
    RETURN_SHIPPED = "return_shipped", _("Return on its way")
    AWAITING_REPLACEMENT = "awaiting_replacement", _("Awaiting the replacement")
    ESCALATED = "escalated", _("Platform stepping in")
    REFUNDED = "refunded", _("Refunded")
    EXCHANGED = "exchanged", _("Exchanged")
    CLOSED = "closed", _("Closed")


# A rejected case stays open while the buyer may still escalate it: the order's money
# stays in escrow until the dispute is really over.
OPEN_STATUSES = frozenset({
    CaseStatus.REQUESTED, CaseStatus.APPROVED, CaseStatus.REJECTED, CaseStatus.AWAITING_RETURN,
    CaseStatus.RETURN_SHIPPED, CaseStatus.AWAITING_REPLACEMENT, CaseStatus.ESCALATED,
})


class Party(models.TextChoices):
    BUYER = "buyer", _("Buyer")
    MERCHANT = "merchant", _("Merchant")
    STAFF = "staff", _("Fangxin staff")
    SYSTEM = "system", _("Automatic")


class Decision(models.TextChoices):
    REFUND = "refund", _("Refund the buyer")
    REJECT = "reject", _("Reject the claim")


class AtFault(models.TextChoices):
    MERCHANT = "merchant", _("Merchant")
    BUYER = "buyer", _("Buyer")
    NONE = "none", _("Nobody")


S = CaseStatus


class AfterSalesCase(models.Model):
    """A buyer's claim on one order line, from request to refund, exchange or closing."""

    TRANSITIONS = {
        S.REQUESTED: {S.APPROVED, S.REJECTED, S.ESCALATED, S.CLOSED, S.REFUNDED},
        S.APPROVED: {S.AWAITING_RETURN, S.REFUNDED},
        S.REJECTED: {S.ESCALATED, S.CLOSED, S.REFUNDED},
        S.AWAITING_RETURN: {S.RETURN_SHIPPED, S.ESCALATED, S.CLOSED, S.REFUNDED},
        S.RETURN_SHIPPED: {S.REFUNDED, S.AWAITING_REPLACEMENT, S.ESCALATED, S.CLOSED},
        S.AWAITING_REPLACEMENT: {S.EXCHANGED, S.REFUNDED, S.ESCALATED, S.CLOSED},
        # Staff may send an escalated case back to the return step before ruling.
        S.ESCALATED: {S.REFUNDED, S.CLOSED, S.AWAITING_RETURN},
        S.REFUNDED: set(),
        S.EXCHANGED: set(),
        S.CLOSED: set(),
    }

    # The deadline that runs in each status, and whose move it is.
    DEADLINES = {
        S.REQUESTED: ("respond_by", Party.MERCHANT),
        S.REJECTED: ("escalate_by", Party.BUYER),
        S.AWAITING_RETURN: ("return_ship_by", Party.BUYER),
        S.RETURN_SHIPPED: ("return_confirm_by", Party.MERCHANT),
        S.AWAITING_REPLACEMENT: ("replacement_ship_by", Party.MERCHANT),
        S.ESCALATED: ("ruling_honour_by", Party.STAFF),
    }

    order = models.ForeignKey("marketplace.Order", on_delete=models.PROTECT, related_name="after_sales_cases",
                              verbose_name=_("order"))
    line = models.ForeignKey("marketplace.OrderLine", on_delete=models.PROTECT, related_name="after_sales_cases",
                             verbose_name=_("order line"))
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="after_sales_cases",
                              verbose_name=_("buyer"))
    shop = models.ForeignKey("marketplace.Shop", on_delete=models.PROTECT, related_name="after_sales_cases",
                             verbose_name=_("shop"))
    type = models.CharField(_("type"), max_length=20, choices=CaseType.choices)
    reason = models.CharField(_("reason"), max_length=20, choices=CaseReason.choices)
    description = models.TextField(_("description"), blank=True, max_length=2000)
    claimed_amount = models.DecimalField(_("amount claimed"), max_digits=14, decimal_places=2)
    status = models.CharField(_("status"), max_length=24, choices=CaseStatus.choices, default=S.REQUESTED,
                              db_index=True)

    respond_by = models.DateTimeField(_("merchant responds by"), null=True, blank=True)
    escalate_by = models.DateTimeField(_("buyer may escalate until"), null=True, blank=True)
    return_ship_by = models.DateTimeField(_("buyer ships the return by"), null=True, blank=True)
    return_confirm_by = models.DateTimeField(_("merchant confirms the return by"), null=True, blank=True)
    replacement_ship_by = models.DateTimeField(_("merchant ships the replacement by"), null=True, blank=True)
    ruling_honour_by = models.DateTimeField(_("platform rules by"), null=True, blank=True,
                                            help_text=_("The platform's promise: a ruling within 72 hours."))

    rejection_reason = models.CharField(_("reason for rejecting"), max_length=500, blank=True)
    return_carrier = models.CharField(_("return carrier"), max_length=60, blank=True)
    return_tracking_number = models.CharField(_("return tracking number"), max_length=60, blank=True)
    return_shipped_at = models.DateTimeField(_("return shipped at"), null=True, blank=True)
    return_received_at = models.DateTimeField(_("return received at"), null=True, blank=True)
    replacement_carrier = models.CharField(_("replacement carrier"), max_length=60, blank=True)
    replacement_tracking_number = models.CharField(_("replacement tracking number"), max_length=60, blank=True)
    replacement_shipped_at = models.DateTimeField(_("replacement shipped at"), null=True, blank=True)

    escalated_by = models.CharField(_("escalated by"), max_length=16, choices=Party.choices, blank=True)
    escalated_from = models.CharField(_("escalated from"), max_length=24, choices=CaseStatus.choices, blank=True)
    escalation_reason = models.CharField(_("reason for escalating"), max_length=1000, blank=True)
    escalated_at = models.DateTimeField(_("escalated at"), null=True, blank=True)

    decision = models.CharField(_("decision"), max_length=16, choices=Decision.choices, blank=True)
    at_fault = models.CharField(_("at fault"), max_length=16, choices=AtFault.choices, blank=True)
    ruling_note = models.TextField(_("ruling note"), blank=True, max_length=4000)
    deduction_amount = models.DecimalField(_("deduction for use"), max_digits=14, decimal_places=2,
                                           default=Decimal("0.00"))
    ruled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+", verbose_name=_("ruled by"))
    ruled_at = models.DateTimeField(_("ruled at"), null=True, blank=True)

    refund = models.ForeignKey("marketplace.Refund", verbose_name=_("refund"), null=True, blank=True,
                               on_delete=models.PROTECT,
                               related_name="+")
    refunded_amount = models.DecimalField(_("refunded"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    created = models.DateTimeField(_("opened"), auto_now_add=True, db_index=True)
    updated = models.DateTimeField(_("updated"), auto_now=True)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)

    class Meta:
        verbose_name = _("after-sales case")
        verbose_name_plural = _("after-sales cases")
        ordering = ["-created", "-pk"]
        permissions = [("rule_case", "Can rule on after-sales cases")]
        constraints = [
            models.UniqueConstraint(fields=["line"], condition=Q(status__in=sorted(OPEN_STATUSES)),
                                    name="protection_one_open_case_per_line"),
            models.CheckConstraint(condition=Q(claimed_amount__gt=0), name="protection_case_amount_positive"),
            models.CheckConstraint(condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("claimed_amount")),
                                   name="protection_case_refund_within_claim"),
            models.CheckConstraint(condition=Q(deduction_amount__gte=0, deduction_amount__lt=F("claimed_amount")),
                                   name="protection_case_deduction_below_claim"),
        ]
        indexes = [
            models.Index(fields=["status", "respond_by"], name="protection_respond_idx"),
            models.Index(fields=["status", "return_ship_by"], name="protection_return_ship_idx"),
            models.Index(fields=["status", "return_confirm_by"], name="protection_return_confirm_idx"),
            models.Index(fields=["status", "replacement_ship_by"], name="protection_replacement_idx"),
            models.Index(fields=["status", "escalate_by"], name="protection_escalate_idx"),
            models.Index(fields=["buyer", "-created"], name="protection_buyer_idx"),
            models.Index(fields=["shop", "status", "-created"], name="protection_shop_idx"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_type_display()} ({self.get_status_display()})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def deadline(self):
        """``(field name, moment, whose move)`` of the deadline running now, or None."""
        entry = self.DEADLINES.get(self.status)
        if entry is None or getattr(self, entry[0]) is None:
            return None
        return entry[0], getattr(self, entry[0]), entry[1]

    @property
    def needs_return(self) -> bool:
        return self.type in (CaseType.RETURN_REFUND, CaseType.EXCHANGE)
