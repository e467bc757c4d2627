"""Reference data of credit: the instalment products on offer and the versions of the terms and privacy notice."""
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class InstallmentProduct(models.Model):
    """A number of monthly instalments and its total fee rate (3: 2.5 %, 6: 4.5 %, 12: 7.5 % by default)."""

    count = models.PositiveSmallIntegerField(_("number of instalments"), unique=True)
    fee_rate = models.DecimalField(_("total fee rate"), max_digits=6, decimal_places=4,
                                   help_text=_("Share of the financed amount, e.g. 0.0750 for 7.5 %."))
    active = models.BooleanField(_("offered"), default=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        ordering = ["count"]
        verbose_name = _("instalment product")
        verbose_name_plural = _("instalment products")
        constraints = [
            models.CheckConstraint(condition=Q(count__gte=1, count__lte=36), name="credit_product_count_range"),
            models.CheckConstraint(condition=Q(fee_rate__gte=0, fee_rate__lt=Decimal("1")),
                                   name="credit_product_fee_rate_range"),
        ]

    def __str__(self):
        return _("%(count)s instalments, %(rate)s %% fee") % {"count": self.count, "rate": self.fee_rate * 100}


class CreditTerms(models.Model):
    """One published version of the credit terms or of the privacy notice, in both languages.

    The newest version of each kind is the current one; an application must consent to it.
    """

    class Kind(models.TextChoices):
        TERMS = "terms", _("Credit terms")
        PRIVACY = "privacy", _("Privacy notice")

    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    version = models.CharField(_("version"), max_length=32)
    title_zh = models.CharField(_("title (Chinese)"), max_length=200)
    title_en = models.CharField(_("title (English)"), max_length=200)
    text_zh = models.TextField(_("text (Chinese)"))
    text_en = models.TextField(_("text (English)"))
    published = models.DateTimeField(_("published"), db_index=True)

    class Meta:
        ordering = ["kind", "-published", "-pk"]
        verbose_name = _("credit terms version")
        verbose_name_plural = _("credit terms versions")
        constraints = [models.UniqueConstraint(fields=["kind", "version"], name="credit_terms_version_unique")]

    def __str__(self):
        return f"{self.get_kind_display()} {self.version}"

    def _english(self) -> bool:
        return (get_language() or "").startswith("en")

    @property
    def title(self) -> str:
        return self.title_en if self._english() else self.title_zh

    @property
    def text(self) -> str:
        return self.text_en if self._english() else self.text_zh
