"""Shops and what belongs to a shop's standing and money: reviews, complaints, settlements, withdrawals."""
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import EncryptedCharField


class ShopStatus(models.TextChoices):
    PENDING = "pending", _("Pending verification")
    VERIFIED = "verified", _("Verified")
    SUSPENDED = "suspended", _("Suspended")


class Shop(models.Model):
    """A merchant's shop. Only a verified shop can publish listings and be bought from."""

    TRANSITIONS = {
        ShopStatus.PENDING: {ShopStatus.VERIFIED, ShopStatus.SUSPENDED},
        ShopStatus.VERIFIED: {ShopStatus.SUSPENDED},
        ShopStatus.SUSPENDED: {ShopStatus.VERIFIED},
    }

    class RiskLevel(models.TextChoices):
        NORMAL = "normal", _("Normal")
        ELEVATED = "elevated", _("Elevated cash-out risk")

    owner = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="shop",
                                 verbose_name=_("owner"))
    name = models.CharField(_("name"), max_length=80, unique=True)
    description = models.TextField(_("description"), blank=True, max_length=4000)
    verification_status = models.CharField(_("verification status"), max_length=16, choices=ShopStatus.choices,
                                           default=ShopStatus.PENDING, db_index=True)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    # Cached figures, recomputed by services; the books and the reviews are the truth.
    deposit_amount = models.DecimalField(_("guarantee deposit"), max_digits=14, decimal_places=2,
                                         default=Decimal("0.00"))
    rating = models.DecimalField(_("rating"), max_digits=3, decimal_places=2, default=Decimal("0.00"))
    review_count = models.PositiveIntegerField(_("reviews"), default=0)
    dispute_rate = models.DecimalField(_("dispute rate"), max_digits=5, decimal_places=4, default=Decimal("0"))
    on_time_rate = models.DecimalField(_("on-time shipping rate"), max_digits=5, decimal_places=4,
                                       default=Decimal("1"))
    reputation_updated = models.DateTimeField(_("reputation updated"), null=True, blank=True)
    risk_level = models.CharField(_("cash-out risk"), max_length=16, choices=RiskLevel.choices,
                                  default=RiskLevel.NORMAL)
    installments_disabled = models.BooleanField(_("instalments disabled by staff"), default=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("shop")
        verbose_name_plural = _("shops")
        constraints = [models.CheckConstraint(condition=Q(deposit_amount__gte=0), name="shop_deposit_not_negative")]

    def __str__(self):
        return self.name

    @property
    def is_verified(self) -> bool:
        return self.verification_status == ShopStatus.VERIFIED

    @property
    def has_deposit(self) -> bool:
        return self.deposit_amount > 0


class ShopStatusChange(models.Model):
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(_("old status"), max_length=16, choices=ShopStatus.choices, blank=True)
    new_status = models.CharField(_("new status"), max_length=16, choices=ShopStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.SET_NULL,
                              related_name="+")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("shop status change")
        verbose_name_plural = _("shop status changes")
        ordering = ["created", "pk"]

    def __str__(self):
        return f"{self.shop_id}: {self.get_old_status_display()} → {self.get_new_status_display()}"


class Review(models.Model):
    """A buyer's review of a completed order (one per order)."""

    order = models.OneToOneField("marketplace.Order", verbose_name=_("order"), on_delete=models.CASCADE,
                                 related_name="review")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("buyer"), on_delete=models.CASCADE,
                              related_name="reviews")
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.CASCADE, related_name="reviews")
    rating = models.PositiveSmallIntegerField(_("rating"), validators=[MinValueValidator(1), MaxValueValidator(5)])
    text = models.TextField(_("review"), blank=True, max_length=2000)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [models.CheckConstraint(condition=Q(rating__gte=1, rating__lte=5), name="review_rating_1_5")]

    def __str__(self):
        return f"{self.rating}★ #{self.order_id}"


class Complaint(models.Model):
    """A buyer's complaint about a shop, triaged by staff."""

    class Kind(models.TextChoices):
        FALSE_ADVERTISING = "false_advertising", _("False advertising")
        COUNTERFEIT = "counterfeit", _("Counterfeit goods")
        FRAUD = "fraud", _("Fraud")
        OTHER = "other", _("Other")

    class Status(models.TextChoices):
        OPEN = "open", pgettext_lazy("complaint status", "Open")
        RESOLVED = "resolved", _("Resolved")

    class Outcome(models.TextChoices):
        DISMISSED = "dismissed", _("Dismissed")
        WARNING = "warning", _("Warning")
        LISTING_REMOVED = "listing_removed", _("Listing removed")
        DEPOSIT_DEDUCTED = "deposit_deducted", _("Deposit deducted")
        SHOP_SUSPENDED = "shop_suspended", _("Shop suspended")

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("buyer"), on_delete=models.CASCADE,
                              related_name="complaints")
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.CASCADE, related_name="complaints")
    order = models.ForeignKey("marketplace.Order", verbose_name=_("order"), null=True, blank=True,
                              on_delete=models.SET_NULL,
                              related_name="complaints")
    listing = models.ForeignKey("marketplace.Listing", verbose_name=_("listing"), null=True, blank=True,
                                on_delete=models.SET_NULL,
                                related_name="complaints")
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    description = models.TextField(_("description"), max_length=4000)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.OPEN,
                              db_index=True)
    outcome = models.CharField(_("outcome"), max_length=32, choices=Outcome.choices, blank=True)
    deduction_amount = models.DecimalField(_("deduction amount"), max_digits=14, decimal_places=2,
                                           default=Decimal("0.00"))
    staff_note = models.TextField(_("staff note"), blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True, blank=True,
                                    on_delete=models.SET_NULL,
                                    related_name="+")
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("complaint")
        verbose_name_plural = _("complaints")
        constraints = [models.CheckConstraint(condition=Q(deduction_amount__gte=0),
                                              name="complaint_deduction_not_negative")]

    def __str__(self):
        return f"{self.get_kind_display()} — {self.shop}"


class Settlement(models.Model):
    """Escrow released to a merchant for one completed order (gross − commission − fees)."""

    order = models.OneToOneField("marketplace.Order", verbose_name=_("order"), on_delete=models.PROTECT,
                                 related_name="settlement")
    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="settlements")
    gross_amount = models.DecimalField(_("gross amount"), max_digits=14, decimal_places=2)
    commission_amount = models.DecimalField(_("commission amount"), max_digits=14, decimal_places=2)
    fee_amount = models.DecimalField(_("fee amount"), max_digits=14, decimal_places=2, default=Decimal("0.00"),
                                     help_text=_("Instalment fee the merchant pays (interest-free promotion)."))
    net_amount = models.DecimalField(_("net amount"), max_digits=14, decimal_places=2)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("settlement")
        verbose_name_plural = _("settlements")
        constraints = [
            models.CheckConstraint(condition=Q(gross_amount__gte=0), name="settlement_gross_not_negative"),
            models.CheckConstraint(
                condition=Q(net_amount=models.F("gross_amount") - models.F("commission_amount")
                            - models.F("fee_amount")),
                name="settlement_net_is_gross_less_deductions",
            ),
        ]

    def __str__(self):
        return f"settlement #{self.order_id}"


class Withdrawal(models.Model):
    """Money a merchant takes out of its balance to a bank account (sandbox payout)."""

    class Status(models.TextChoices):
        PAID = "paid", _("Paid out")
        FAILED = "failed", _("Failed")

    shop = models.ForeignKey(Shop, verbose_name=_("shop"), on_delete=models.PROTECT, related_name="withdrawals")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    bank_account = EncryptedCharField(_("bank account"), max_length=64)
    bank_name = models.CharField(_("bank"), max_length=80)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices)
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("withdrawal")
        verbose_name_plural = _("withdrawals")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="withdrawal_amount_positive")]

    def __str__(self):
        return f"{self.amount} → {self.bank_name}"
