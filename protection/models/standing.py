"""A buyer's after-sales standing (a snapshot for staff filters) and suspensions of no-reason returns."""
from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class BuyerStanding(models.Model):
    """Counts over the policy's period, refreshed whenever one of the buyer's cases moves.

    The figures are recomputed from the cases (the truth); this row exists so that
    staff can filter and sort buyers by them.
    """

    buyer = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                 related_name="after_sales_standing", verbose_name=_("buyer"))
    period_days = models.PositiveSmallIntegerField(_("period (days)"))
    orders_received = models.PositiveIntegerField(_("orders received"), default=0)
    cases = models.PositiveIntegerField(_("cases opened"), default=0)
    returns = models.PositiveIntegerField(_("returns and refunds"), default=0)
    no_reason_returns = models.PositiveIntegerField(_("no-reason returns"), default=0)
    disputes_lost = models.PositiveIntegerField(_("rulings against the buyer"), default=0)
    quality_claims_won = models.PositiveIntegerField(_("quality claims upheld"), default=0)
    flagged = models.BooleanField(_("frequent returner"), default=False, db_index=True)
    flag_reasons = models.JSONField(_("why"), default=list, blank=True)
    refreshed_at = models.DateTimeField(_("refreshed"))

    class Meta:
        verbose_name = _("buyer standing")
        verbose_name_plural = _("buyer standings")
        ordering = ["-flagged", "-no_reason_returns", "buyer_id"]

    def __str__(self):
        return f"standing of {self.buyer_id}"


class NoReasonSuspensionQuerySet(models.QuerySet):
    def active(self, at=None):
        at = at or timezone.now()
        return self.filter(starts_at__lte=at, ends_at__gt=at, lifted_at__isnull=True)


class NoReasonSuspension(models.Model):
    """Staff took no-reason returns away from an abusive buyer for a period. Quality claims stay open."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                              related_name="no_reason_suspensions", verbose_name=_("buyer"))
    starts_at = models.DateTimeField(_("suspended from"))
    ends_at = models.DateTimeField(_("suspended until"))
    reason = models.CharField(_("reason"), max_length=500)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL,
                                   related_name="+", verbose_name=_("suspended by"))
    created = models.DateTimeField(_("created"), auto_now_add=True)
    lifted_at = models.DateTimeField(_("lifted"), null=True, blank=True)
    lifted_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("lifted by"), null=True, blank=True,
                                  on_delete=models.SET_NULL,
                                  related_name="+")

    objects = NoReasonSuspensionQuerySet.as_manager()

    class Meta:
        verbose_name = _("no-reason return suspension")
        verbose_name_plural = _("no-reason return suspensions")
        ordering = ["-starts_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(ends_at__gt=F("starts_at")),
                                              name="protection_suspension_ends_after_start")]

    def __str__(self):
        return f"no-reason returns suspended for {self.buyer_id} until {self.ends_at:%Y-%m-%d}"
