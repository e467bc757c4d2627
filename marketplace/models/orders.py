"""Orders: carts, orders and their lines, status history, payments and refunds."""
from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.fields import EncryptedCharField, EncryptedTextField
from core.pii import mask_phone


class CartItem(models.Model):
    """A line in a buyer's cart (website). Checkout takes one shop's items."""

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("buyer"), on_delete=models.CASCADE,
                              related_name="cart_items")
    listing = models.ForeignKey("marketplace.Listing", verbose_name=_("listing"), on_delete=models.CASCADE,
                                related_name="+")
    quantity = models.PositiveIntegerField(_("quantity"), default=1)
    added = models.DateTimeField(_("added"), auto_now_add=True)

    class Meta:
        verbose_name = _("cart item")
        verbose_name_plural = _("cart items")
        constraints = [
            models.UniqueConstraint(fields=["buyer", "listing"], name="cart_item_once_per_listing"),
            models.CheckConstraint(condition=Q(quantity__gte=1), name="cart_quantity_positive"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.listing_id}"


class OrderStatus(models.TextChoices):
    PENDING_PAYMENT = "pending_payment", _("Awaiting payment")
    UNDER_REVIEW = "under_review", _("Under review")
    PAID = "paid", _("Paid")
    SHIPPED = "shipped", _("Shipped")
    COMPLETED = "completed", _("Completed")
    CANCELLED = "cancelled", _("Cancelled")
    REFUNDED = "refunded", _("Refunded")
    PARTIALLY_REFUNDED = "partially_refunded", _("Partially refunded")


class Order(models.Model):
    """One buyer's order from one shop."""

    TRANSITIONS = {
        # A credit checkout is placed pending payment, then funded (paid) or held by risk control.
        OrderStatus.PENDING_PAYMENT: {OrderStatus.PAID, OrderStatus.UNDER_REVIEW, OrderStatus.CANCELLED},
        OrderStatus.UNDER_REVIEW: {OrderStatus.PAID, OrderStatus.CANCELLED},
        OrderStatus.PAID: {OrderStatus.SHIPPED, OrderStatus.CANCELLED, OrderStatus.REFUNDED,
                           OrderStatus.PARTIALLY_REFUNDED},
        OrderStatus.SHIPPED: {OrderStatus.COMPLETED, OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED},
        OrderStatus.COMPLETED: {OrderStatus.REFUNDED, OrderStatus.PARTIALLY_REFUNDED},
        OrderStatus.PARTIALLY_REFUNDED: {OrderStatus.SHIPPED, OrderStatus.COMPLETED, OrderStatus.REFUNDED,
                                         OrderStatus.PARTIALLY_REFUNDED},
        OrderStatus.CANCELLED: set(),
        OrderStatus.REFUNDED: set(),
    }

    buyer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("buyer"), on_delete=models.PROTECT,
                              related_name="orders")
    shop = models.ForeignKey("marketplace.Shop", verbose_name=_("shop"), on_delete=models.PROTECT,
                             related_name="orders")
    status = models.CharField(_("status"), max_length=24, choices=OrderStatus.choices,
                              default=OrderStatus.PENDING_PAYMENT)
    total_amount = models.DecimalField(_("total"), max_digits=14, decimal_places=2)
    refunded_amount = models.DecimalField(_("refunded"), max_digits=14, decimal_places=2, default=Decimal("0.00"))
    payment_method = models.CharField(_("payment method"), max_length=32)
    installments = models.PositiveSmallIntegerField(_("installments"), null=True, blank=True)
    # Personal data for delivery, encrypted; merchants see the phone masked.
    shipping_name = EncryptedCharField(_("recipient"), max_length=100)
    shipping_phone = EncryptedCharField(_("recipient phone"), max_length=32)
    shipping_address = EncryptedTextField(_("address"), max_length=500)
    carrier = models.CharField(_("carrier"), max_length=60, blank=True)
    tracking_number = models.CharField(_("tracking number"), max_length=60, blank=True)
    created = models.DateTimeField(_("placed"), auto_now_add=True, db_index=True)
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("shipped at"), null=True, blank=True)
    ship_by = models.DateTimeField(_("ship by"), null=True, blank=True,
                                   help_text=_("Shipping later than this counts as late."))
    auto_confirm_at = models.DateTimeField(_("confirmed automatically at"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), null=True, blank=True,
                                       help_text=_("After-sales windows count from this moment."))
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    settled_at = models.DateTimeField(_("settled at"), null=True, blank=True)

    class Meta:
        verbose_name = _("order")
        verbose_name_plural = _("orders")
        ordering = ["-created", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(total_amount__gt=0), name="order_total_positive"),
            models.CheckConstraint(condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("total_amount")),
                                   name="order_refund_within_total"),
        ]
        indexes = [
            models.Index(fields=["buyer", "-created"], name="order_buyer_idx"),
            models.Index(fields=["shop", "status", "-created"], name="order_shop_idx"),
            models.Index(fields=["status", "auto_confirm_at"], name="order_autoconfirm_idx"),
            models.Index(fields=["status", "settled_at"], name="order_settle_idx"),
        ]

    def __str__(self):
        return f"#{self.pk}"

    @property
    def shipping_phone_masked(self) -> str:
        return mask_phone(self.shipping_phone)


class OrderLine(models.Model):
    """A listing bought in an order, with the price and guarantee as they were at purchase."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="lines")
    listing = models.ForeignKey("marketplace.Listing", verbose_name=_("listing"), on_delete=models.PROTECT,
                                related_name="order_lines")
    title = models.CharField(_("title"), max_length=120)
    unit_price_amount = models.DecimalField(_("unit price"), max_digits=14, decimal_places=2)
    quantity = models.PositiveIntegerField(_("quantity"))
    line_amount = models.DecimalField(_("line total"), max_digits=14, decimal_places=2)
    refunded_amount = models.DecimalField(_("refunded amount"), max_digits=14, decimal_places=2,
                                          default=Decimal("0.00"))
    return_days = models.PositiveSmallIntegerField(_("return window (days)"))
    exchange_days = models.PositiveSmallIntegerField(_("exchange window (days)"))
    quality_days = models.PositiveSmallIntegerField(_("quality-claim window (days)"))

    class Meta:
        verbose_name = _("order line")
        verbose_name_plural = _("order lines")
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=Q(quantity__gte=1), name="order_line_quantity_positive"),
            models.CheckConstraint(condition=Q(line_amount=F("unit_price_amount") * F("quantity")),
                                   name="order_line_amount_is_price_times_quantity"),
            models.CheckConstraint(condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("line_amount")),
                                   name="order_line_refund_within_amount"),
        ]

    def __str__(self):
        return f"{self.quantity} × {self.title}"


class OrderStatusChange(models.Model):
    """The order's timeline: every status change with who made it and why."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.CASCADE, related_name="status_changes")
    old_status = models.CharField(_("old status"), max_length=24, choices=OrderStatus.choices, blank=True)
    new_status = models.CharField(_("new status"), max_length=24, choices=OrderStatus.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True,
                              on_delete=models.SET_NULL,
                              related_name="+")
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("order status change")
        verbose_name_plural = _("order status changes")
        ordering = ["created", "pk"]

    def __str__(self):
        return f"#{self.order_id}: {self.get_old_status_display() or '∅'} → {self.get_new_status_display()}"


class PaymentStatus(models.TextChoices):
    SUCCEEDED = "succeeded", _("Succeeded")
    DECLINED = "declined", _("Declined")


class Payment(models.Model):
    """A charge at a payment provider (order payment, guarantee deposit, repayment)."""

    class Purpose(models.TextChoices):
        ORDER = "order", pgettext_lazy("noun", "Order")
        DEPOSIT = "deposit", _("Guarantee deposit")
        REPAYMENT = "repayment", _("Credit repayment")

    payer = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("payer"), on_delete=models.PROTECT,
                              related_name="payments")
    order = models.ForeignKey(Order, verbose_name=_("order"), null=True, blank=True, on_delete=models.PROTECT,
                              related_name="payments")
    purpose = models.CharField(_("purpose"), max_length=16, choices=Purpose.choices)
    provider = models.CharField(_("provider"), max_length=32, default="sandbox")
    provider_ref = models.CharField(_("provider reference"), max_length=64, unique=True)
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    refunded_amount = models.DecimalField(_("refunded amount"), max_digits=14, decimal_places=2,
                                          default=Decimal("0.00"))
    status = models.CharField(_("status"), max_length=16, choices=PaymentStatus.choices)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(condition=Q(refunded_amount__gte=0, refunded_amount__lte=F("amount")),
                                   name="payment_refund_within_amount"),
        ]

    def __str__(self):
        return f"{self.provider}:{self.provider_ref} {self.amount}"


class Refund(models.Model):
    """Money returned to a buyer for an order, the way it came (provider or credit line)."""

    order = models.ForeignKey(Order, verbose_name=_("order"), on_delete=models.PROTECT, related_name="refunds")
    line = models.ForeignKey(OrderLine, verbose_name=_("order line"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="refunds")
    payment = models.ForeignKey(Payment, verbose_name=_("payment"), null=True, blank=True, on_delete=models.PROTECT,
                                related_name="refunds")
    amount = models.DecimalField(_("amount"), max_digits=14, decimal_places=2)
    method = models.CharField(_("method"), max_length=32)
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=500, blank=True)
    idempotency_key = models.CharField(_("idempotency key"), max_length=128, unique=True)
    created = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("refund")
        verbose_name_plural = _("refunds")
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="refund_amount_positive")]

    def __str__(self):
        return f"refund {self.amount} #{self.order_id}"
