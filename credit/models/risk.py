"""Cash-out (套现) risk control: tunable rules, the assessment of each credit checkout, and what it was scored on.

Devices and addresses are kept as blind indexes (keyed hashes), never in clear; an
IP is kept encrypted with its blind index and whether it is public, because loopback
and private addresses are proxies and development machines and never count as a signal.
"""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from core.fields import EncryptedCharField
from marketplace.models import Shop

__all__ = ["CheckoutFingerprint", "DeviceSighting", "RiskAssessment", "RiskDecision", "RiskOutcome", "RiskRule",
           "RiskSettings", "ShopCashOutRisk"]


class RiskSettings(models.Model):
    """The thresholds turning a score into accept / hold / reject (one row, pk 1; defaults in code)."""

    hold_score = models.PositiveSmallIntegerField(_("hold from score"), default=50)
    reject_score = models.PositiveSmallIntegerField(_("reject from score"), default=100)
    min_signals_to_hold = models.PositiveSmallIntegerField(
        _("signals needed to hold"), default=2,
        help_text=_("No single signal holds an order: at least 2, whatever the weights."))
    min_signals_to_reject = models.PositiveSmallIntegerField(_("signals needed to reject"), default=3)
    repeat_cash_out_threshold = models.PositiveSmallIntegerField(
        _("confirmed cash-outs that make a shop a repeat offender"), default=2)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("risk thresholds")
        verbose_name_plural = _("risk thresholds")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="credit_risk_settings_single_row"),
            models.CheckConstraint(condition=Q(hold_score__gte=1, reject_score__gt=F("hold_score")),
                                   name="credit_risk_reject_above_hold"),
            models.CheckConstraint(condition=Q(min_signals_to_hold__gte=2,
                                               min_signals_to_reject__gte=F("min_signals_to_hold")),
                                   name="credit_risk_no_single_signal_holds"),
            models.CheckConstraint(condition=Q(repeat_cash_out_threshold__gte=1),
                                   name="credit_risk_repeat_threshold_positive"),
        ]

    def __str__(self):
        return str(_("hold ≥ %(hold)s, reject ≥ %(reject)s") % {"hold": self.hold_score, "reject": self.reject_score})


class RiskRule(models.Model):
    """One signal's weight and parameters; the code that computes it lives in credit.risk.signals."""

    code = models.CharField(_("signal"), max_length=40, unique=True)
    enabled = models.BooleanField(_("enabled"), default=True)
    weight = models.PositiveSmallIntegerField(_("weight (points)"))
    params = models.JSONField(_("parameters"), default=dict, blank=True)
    description = models.CharField(_("what it looks for"), max_length=300, blank=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("risk rule")
        verbose_name_plural = _("risk rules")
        constraints = [models.CheckConstraint(condition=Q(weight__lte=100), name="credit_risk_rule_weight_range")]

    def __str__(self):
        return self.code


class RiskOutcome(models.TextChoices):
    ACCEPT = "accept", _("Accepted")
    HOLD = "hold", _("Held for review")
    REJECT = "reject", _("Rejected")


class RiskDecision(models.TextChoices):
    PENDING = "", _("Pending")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class RiskAssessment(models.Model):
    """The score of one credit checkout, with each signal's explanation, and the staff review of a hold.

    A rejected checkout leaves no order (placement is undone); its assessment is kept
    with ``order`` empty, the buyer, the shop and the amount.
    """

    order = models.OneToOneField("marketplace.Order", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="risk_assessment", verbose_name=_("order"))
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+",
                              verbose_name=_("buyer"))
    shop = models.ForeignKey("marketplace.Shop", on_delete=models.PROTECT, related_name="risk_assessments",
                             verbose_name=_("shop"))
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    score = models.PositiveSmallIntegerField(_("score"))
    outcome = models.CharField(_("outcome"), max_length=8, choices=RiskOutcome.choices)
    reasons = models.JSONField(_("reasons"), default=list, blank=True)
    # [{code, weight, facts}] — codes, counts and amounts only, no personal data.
    signals = models.JSONField(_("signals"), default=list, blank=True)
    hold_score = models.PositiveSmallIntegerField(_("hold threshold then"))
    reject_score = models.PositiveSmallIntegerField(_("reject threshold then"))
    decision = models.CharField(_("review decision"), max_length=8, choices=RiskDecision.choices, blank=True,
                                default=RiskDecision.PENDING)
    cash_out_confirmed = models.BooleanField(_("cash-out confirmed"), default=False)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+", verbose_name=_("reviewed by"))
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    note = models.TextField(_("review note"), blank=True, max_length=2000)
    created = models.DateTimeField(_("scored at"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        permissions = [("decide_riskassessment", "Can decide credit orders held by risk control")]
        indexes = [
            models.Index(fields=["outcome", "decision", "created"], name="credit_risk_queue_idx"),
            models.Index(fields=["shop", "cash_out_confirmed"], name="credit_risk_shop_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(decision="") | Q(outcome="hold"),
                                   name="credit_risk_only_holds_reviewed"),
            models.CheckConstraint(condition=~Q(cash_out_confirmed=True) | Q(decision="rejected"),
                                   name="credit_risk_cash_out_needs_rejection"),
            models.CheckConstraint(condition=Q(amount__gt=0), name="credit_risk_amount_positive"),
        ]

    def __str__(self):
        return f"#{self.pk} {self.get_outcome_display()} ({self.score})"

    @property
    def is_pending(self) -> bool:
        return self.outcome == RiskOutcome.HOLD and self.decision == RiskDecision.PENDING


class CheckoutFingerprint(models.Model):
    """What a credit checkout came from: device and IP, and the delivery phone and address as blind indexes."""

    order = models.OneToOneField("marketplace.Order", verbose_name=_("order"), on_delete=models.CASCADE,
                                 related_name="checkout_fingerprint")
    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("buyer"), on_delete=models.CASCADE,
                              related_name="+")
    shop = models.ForeignKey("marketplace.Shop", verbose_name=_("shop"), on_delete=models.CASCADE, related_name="+")
    device_hash = models.CharField(_("device (hashed)"), max_length=64, blank=True)
    # IP is personal data: stored encrypted, compared by its blind index (HMAC under BLIND_INDEX_KEY).
    ip = EncryptedCharField(_("IP"), max_length=45, blank=True, default="")
    ip_index = models.CharField(_("IP index"), max_length=64, blank=True, default="", editable=False)
    ip_public = models.BooleanField(_("public IP"), default=False,
                                    help_text=_("Loopback and private addresses are stored but are no signal."))
    phone_index = models.CharField(_("phone index"), max_length=64, blank=True)
    address_index = models.CharField(_("address index"), max_length=64, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["-created", "-pk"]
        verbose_name = _("checkout fingerprint")
        verbose_name_plural = _("checkout fingerprints")
        indexes = [
            models.Index(fields=["shop", "device_hash"], name="credit_fp_shop_device_idx"),
            models.Index(fields=["shop", "address_index"], name="credit_fp_shop_address_idx"),
        ]

    def __str__(self):
        return f"order #{self.order_id}"


class DeviceSighting(models.Model):
    """A user seen on a device from an IP (recorded by the risk middleware): for shared-device and IP signals."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE,
                             related_name="+")
    device_hash = models.CharField(_("device (hashed)"), max_length=64, blank=True)
    ip = EncryptedCharField(_("IP"), max_length=45, blank=True, default="")  # personal data: encrypted
    ip_index = models.CharField(_("IP index"), max_length=64, blank=True, default="", editable=False)
    ip_public = models.BooleanField(_("public IP"), default=False)
    first_seen = models.DateTimeField(_("first seen"), auto_now_add=True)
    last_seen = models.DateTimeField(_("last seen"), db_index=True)

    class Meta:
        verbose_name = _("device sighting")
        verbose_name_plural = _("device sightings")
        constraints = [models.UniqueConstraint(fields=["user", "device_hash", "ip_index"],
                                               name="credit_sighting_unique")]

    def __str__(self):
        return f"user {self.user_id} on {self.device_hash[:8]}"


class ShopCashOutRisk(Shop):
    """A shop as risk officers see it: confirmed cash-outs and the penalties staff may apply."""

    class Meta:
        proxy = True
        verbose_name = _("shop cash-out risk")
        verbose_name_plural = _("shops' cash-out risk")
        permissions = [("penalise_shopcashoutrisk", "Can penalise shops for confirmed cash-out")]
