"""The catalogue: categories, listings and their images."""
from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _


class Category(models.Model):
    """A product category. Names in both languages; reference data from a data migration."""

    slug = models.SlugField(_("slug"), unique=True)
    name_zh = models.CharField(_("name (Chinese)"), max_length=60)
    name_en = models.CharField(_("name (English)"), max_length=60)
    parent = models.ForeignKey("self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="children")
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_virtual = models.BooleanField(_("virtual goods"), default=False,
                                     help_text=_("Top-up cards, vouchers and other goods with nothing to ship."))

    class Meta:
        ordering = ["position", "slug"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if (get_language() or "").startswith("en") else self.name_zh


class ListingStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    ACTIVE = "active", _("Active")
    PAUSED = "paused", _("Paused")
    REMOVED = "removed", _("Removed by staff")


class Listing(models.Model):
    """Something a shop sells, with the guarantee it carries and whether instalments are offered."""

    TRANSITIONS = {
        ListingStatus.DRAFT: {ListingStatus.ACTIVE, ListingStatus.PAUSED, ListingStatus.REMOVED},
        ListingStatus.ACTIVE: {ListingStatus.PAUSED, ListingStatus.REMOVED},
        ListingStatus.PAUSED: {ListingStatus.ACTIVE, ListingStatus.REMOVED},
        ListingStatus.REMOVED: set(),
    }

    shop = models.ForeignKey("marketplace.Shop", verbose_name=_("shop"), on_delete=models.PROTECT,
                             related_name="listings")
    category = models.ForeignKey(Category, verbose_name=_("category"), on_delete=models.PROTECT,
                                 related_name="listings")
    title = models.CharField(_("title"), max_length=120)
    description = models.TextField(_("description"), blank=True, max_length=10000)
    price_amount = models.DecimalField(_("price"), max_digits=14, decimal_places=2)
    stock = models.PositiveIntegerField(_("stock"), default=0)
    status = models.CharField(_("status"), max_length=16, choices=ListingStatus.choices,
                              default=ListingStatus.ACTIVE)
    # The guarantee, in days counted from receipt; bounded by platform settings.
    return_days = models.PositiveSmallIntegerField(_("return window (days)"), default=15)
    exchange_days = models.PositiveSmallIntegerField(_("exchange window (days)"), default=15)
    quality_days = models.PositiveSmallIntegerField(_("quality-claim window (days)"), default=90)
    installments_available = models.BooleanField(_("instalments offered"), default=False)
    merchant_pays_fee = models.BooleanField(_("merchant pays the instalment fee (interest-free)"), default=False)
    # Title, description and category names, with Chinese split into bigrams, for full-text search.
    search_document = models.TextField(_("search document"), blank=True, default="", editable=False)
    created = models.DateTimeField(_("created"), auto_now_add=True)
    modified = models.DateTimeField(_("modified"), auto_now=True)

    class Meta:
        verbose_name = _("listing")
        verbose_name_plural = _("listings")
        constraints = [
            models.CheckConstraint(condition=Q(price_amount__gt=Decimal("0")), name="listing_price_positive"),
            models.CheckConstraint(condition=~Q(merchant_pays_fee=True, installments_available=False),
                                   name="listing_fee_promo_needs_installments"),
        ]
        indexes = [
            models.Index(fields=["status", "category", "price_amount"], name="listing_browse_idx"),
            models.Index(fields=["status", "-created"], name="listing_recent_idx"),
            models.Index(fields=["shop", "status"], name="listing_shop_idx"),
        ]

    def __str__(self):
        return self.title


def listing_image_path(instance, filename):
    return f"listings/{instance.listing_id}/{filename}"


class ListingImage(models.Model):
    listing = models.ForeignKey(Listing, verbose_name=_("listing"), on_delete=models.CASCADE, related_name="images")
    image = models.ImageField(_("image"), upload_to=listing_image_path, width_field="width", height_field="height")
    thumbnail = models.ImageField(_("thumbnail"), upload_to=listing_image_path, blank=True)
    width = models.PositiveIntegerField(_("width"), default=0)
    height = models.PositiveIntegerField(_("height"), default=0)
    alt_text = models.CharField(_("description of the image"), max_length=200, blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("listing image")
        verbose_name_plural = _("listing images")
        ordering = ["position", "pk"]

    def __str__(self):
        return self.alt_text or f"image #{self.pk}"
