"""Admin: orders (with their timeline and ledger transactions), payments, refunds, settlements, reviews,
complaints (resolved through actions) and withdrawals.

Money and status never change by editing a row: every change goes through a service,
so the history and the books stay complete. Personal data is shown masked.
"""
from django import forms
from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.money import format_cny
from core.pii import mask_name, mask_phone, mask_text
from ledger.selectors import transactions_for_reference
from marketplace import hooks
from marketplace.models import (
    Complaint,
    Order,
    OrderLine,
    OrderStatusChange,
    Payment,
    Refund,
    Review,
    Settlement,
    Withdrawal,
)
from marketplace.services.complaints import complaint_resolve
from marketplace.services.orders import SYSTEM_REASONS, order_cancel
from marketplace.services.settlement import order_settle_if_eligible

CONFIRM_TEMPLATE = "marketplace/orders/admin_confirm.html"


class ReadOnlyAdmin(admin.ModelAdmin):
    """Written by services only; staff with the view permission look, nobody edits."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


# --- confirmation pages for actions --------------------------------------------------------------
class NoteForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=4000, widget=forms.Textarea(attrs={"rows": 3}),
                           help_text=_("Recorded with the decision; the people concerned are told the outcome."))


class DeductionForm(NoteForm):
    deduction_amount = forms.DecimalField(label=_("Amount to deduct (¥)"), max_digits=14, decimal_places=2)


def confirm_action(modeladmin, request, queryset, *, action, title, question, perform, form_class=None):
    """A confirmation page (with a form if the action needs input); then ``perform(obj, data)`` for each object."""
    confirmed = "confirm" in request.POST
    form = form_class(request.POST if confirmed else None) if form_class else None
    if confirmed and (form is None or form.is_valid()):
        data = form.cleaned_data if form else {}
        done = 0
        for obj in queryset:
            try:
                perform(obj, data)
                done += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        if done:
            modeladmin.message_user(request, _("%(n)d done.") % {"n": done}, messages.SUCCESS)
        return None
    return TemplateResponse(request, CONFIRM_TEMPLATE, {
        **modeladmin.admin_site.each_context(request),
        "title": title, "question": question, "objects": list(queryset), "form": form, "action": action,
        "opts": modeladmin.model._meta, "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
    })


# --- orders --------------------------------------------------------------------------------------
class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ("listing", "title", "unit_price_amount", "quantity", "line_amount", "refunded_amount", "return_days",
              "exchange_days", "quality_days")
    readonly_fields = fields


class OrderStatusChangeInline(ReadOnlyInline):
    model = OrderStatusChange
    verbose_name = _("status change")
    verbose_name_plural = _("timeline")
    fields = ("created", "old_status", "new_status", "actor", "why")
    readonly_fields = fields
    ordering = ("created", "pk")

    @admin.display(description=_("reason"))
    def why(self, change):
        """The system's reasons by their names in the staff's language; what a person typed as it is."""
        return SYSTEM_REASONS.get(change.reason, change.reason) or "-"


class PaymentInline(ReadOnlyInline):
    model = Payment
    fields = ("created", "provider", "provider_ref", "amount", "refunded_amount", "status")
    readonly_fields = fields


class RefundInline(ReadOnlyInline):
    model = Refund
    fields = ("created", "amount", "line", "method", "provider_ref", "reason")
    readonly_fields = fields


class SettledFilter(admin.SimpleListFilter):
    title = _("settlement")
    parameter_name = "settled"

    def lookups(self, request, model_admin):
        return [("yes", _("Settled")), ("waiting", _("Completed, in escrow")), ("no", _("Not settled"))]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(settled_at__isnull=False)
        if self.value() == "waiting":
            return queryset.filter(completed_at__isnull=False, settled_at__isnull=True)
        if self.value() == "no":
            return queryset.filter(settled_at__isnull=True)
        return queryset


class PaymentMethodFilter(admin.SimpleListFilter):
    """The payment methods on offer (the credit app adds instalments), by their names in the staff's language."""

    title = _("payment method")
    parameter_name = "payment_method"

    def lookups(self, request, model_admin):
        return [(method.key, method.label) for method in hooks.payment_methods()]

    def queryset(self, request, queryset):
        return queryset.filter(payment_method=self.value()) if self.value() else queryset


def _admin_link(obj, label=None) -> str:
    try:
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_change", args=[obj.pk])
    except NoReverseMatch:
        return str(label or obj)
    return format_html('<a href="{}">{}</a>', url, label or obj)


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ("id", "created", "buyer", "shop", "status", "total", "refunded", "payment", "settled")
    list_filter = ("status", PaymentMethodFilter, SettledFilter)
    search_fields = ("=id", "buyer__username", "shop__name", "tracking_number")
    search_help_text = _("Order number, buyer's username, shop name or tracking number.")
    list_select_related = ("buyer", "shop")
    date_hierarchy = "created"
    readonly_fields = (
        "buyer", "shop", "status", "total_amount", "refunded_amount", "payment", "installments",
        "recipient", "phone", "address", "carrier", "tracking_number", "created", "paid_at", "ship_by",
        "shipped_at", "auto_confirm_at", "received_at", "completed_at", "cancelled_at", "settled_at",
        "settlement_holds", "ledger_transactions",
    )
    fieldsets = (
        (None, {"fields": ("buyer", "shop", "status", "payment", "installments")}),
        (_("Money"), {"fields": ("total_amount", "refunded_amount", "settled_at", "settlement_holds",
                                 "ledger_transactions")}),
        (_("Delivery (masked)"), {"fields": ("recipient", "phone", "address", "carrier", "tracking_number")}),
        (_("Dates"), {"fields": ("created", "paid_at", "ship_by", "shipped_at", "auto_confirm_at", "received_at",
                                 "completed_at", "cancelled_at")}),
    )
    inlines = [OrderLineInline, OrderStatusChangeInline, PaymentInline, RefundInline]
    actions = ["cancel_orders", "settle_orders"]

    def has_add_permission(self, request):
        return False  # orders are placed by buyers

    def has_delete_permission(self, request, obj=None):
        return False  # payments, refunds and the books refer to orders

    @admin.display(description=_("total"), ordering="total_amount")
    def total(self, order):
        return format_cny(order.total_amount)

    @admin.display(description=_("refunded"), ordering="refunded_amount")
    def refunded(self, order):
        return format_cny(order.refunded_amount) if order.refunded_amount else "—"

    @admin.display(description=_("payment method"), ordering="payment_method")
    def payment(self, order):
        return hooks.payment_method_label(order.payment_method)

    @admin.display(description=_("settled"), boolean=True, ordering="settled_at")
    def settled(self, order):
        return order.settled_at is not None

    @admin.display(description=_("recipient"))
    def recipient(self, order):
        return mask_name(order.shipping_name)

    @admin.display(description=_("recipient phone"))
    def phone(self, order):
        return mask_phone(order.shipping_phone)

    @admin.display(description=_("address"))
    def address(self, order):
        return mask_text(order.shipping_address)

    @admin.display(description=_("holds on settlement"))
    def settlement_holds(self, order):
        if order.settled_at or not order.completed_at:
            return "—"
        return ", ".join(hooks.settlement_hold_reasons(order)) or _("none: settles on the next sweep")

    @admin.display(description=_("ledger transactions"))
    def ledger_transactions(self, order):
        rows = []
        for txn in transactions_for_reference("order", order.pk):
            legs = format_html_join(
                "", "<li>{} {} {}</li>",
                (("Dr" if entry.amount > 0 else "Cr", format_cny(abs(entry.amount)), entry.account.code)
                 for entry in txn.entries.all()))
            rows.append(format_html("<li>{} · {} · {}<ul>{}</ul></li>", _admin_link(txn, f"#{txn.pk}"), txn.kind,
                                    txn.created.strftime("%Y-%m-%d %H:%M"), legs))
        if not rows:
            return "—"
        return format_html("<ul>{}</ul>", format_html_join("", "{}", ((row,) for row in rows)))

    @admin.action(description=_("Cancel the selected orders (refunds what was paid)"), permissions=["change"])
    def cancel_orders(self, request, queryset):
        return confirm_action(self, request, queryset, action="cancel_orders", title=_("Cancel orders"),
                              question=_("These orders will be cancelled, their stock returned and anything "
                                         "paid refunded the way it came:"),
                              form_class=NoteForm,
                              perform=lambda order, data: order_cancel(actor=request.user, order=order,
                                                                       reason=data["note"][:500]))

    @admin.action(description=_("Settle the selected completed orders unless a hold keeps them"),
                  permissions=["change"])
    def settle_orders(self, request, queryset):
        def settle(order, data):
            if order_settle_if_eligible(order=order) is None and not order.settled_at:
                raise DomainError("settlement_held", str(_("not settled: still held or not completed")))

        return confirm_action(self, request, queryset, action="settle_orders", title=_("Settle orders"),
                              question=_("The escrow of these orders will be released to their merchants:"),
                              perform=settle)


@admin.register(Payment)
class PaymentAdmin(ReadOnlyAdmin):
    list_display = ("created", "provider_ref", "purpose", "payer", "order", "amount", "refunded_amount", "status")
    list_filter = ("purpose", "status", "provider")
    search_fields = ("provider_ref", "payer__username", "=order__id")
    list_select_related = ("payer", "order")
    date_hierarchy = "created"


@admin.register(Refund)
class RefundAdmin(ReadOnlyAdmin):
    list_display = ("created", "order", "amount", "method", "provider_ref", "reason")
    list_filter = ("method",)
    search_fields = ("=order__id", "provider_ref", "idempotency_key", "reason")
    list_select_related = ("order",)
    date_hierarchy = "created"


@admin.register(Settlement)
class SettlementAdmin(ReadOnlyAdmin):
    list_display = ("created", "order", "shop", "gross_amount", "commission_amount", "fee_amount", "net_amount")
    search_fields = ("=order__id", "shop__name")
    list_select_related = ("order", "shop")
    date_hierarchy = "created"


@admin.register(Review)
class ReviewAdmin(ReadOnlyAdmin):
    list_display = ("created", "order", "shop", "buyer", "rating", "text")
    list_filter = ("rating",)
    search_fields = ("shop__name", "buyer__username", "text")
    list_select_related = ("order", "shop", "buyer")
    date_hierarchy = "created"


@admin.register(Withdrawal)
class WithdrawalAdmin(ReadOnlyAdmin):
    list_display = ("created", "shop", "amount", "bank_name", "account", "status", "provider_ref")
    list_filter = ("status",)
    search_fields = ("shop__name", "provider_ref")
    list_select_related = ("shop",)
    date_hierarchy = "created"
    fields = ("shop", "amount", "bank_name", "account", "status", "provider_ref", "created")
    readonly_fields = fields

    @admin.display(description=_("bank account"))
    def account(self, withdrawal):
        return f"****{withdrawal.bank_account[-4:]}"


# --- complaints ----------------------------------------------------------------------------------
def _resolve(outcome, description, question, form_class=NoteForm):
    def action(modeladmin, request, queryset):
        def perform(complaint, data):
            complaint_resolve(actor=request.user, complaint=complaint, outcome=outcome, note=data["note"],
                              deduction_amount=data.get("deduction_amount"))

        return confirm_action(modeladmin, request, queryset.filter(status=Complaint.Status.OPEN),
                              action=f"resolve_{outcome}", title=description, question=question,
                              form_class=form_class, perform=perform)

    action.__name__ = f"resolve_{outcome}"
    return admin.action(description=description, permissions=["change"])(action)


@admin.register(Complaint)
class ComplaintAdmin(admin.ModelAdmin):
    list_display = ("id", "created", "shop", "buyer", "kind", "status", "outcome", "deduction_amount")
    list_filter = ("status", "kind", "outcome")
    search_fields = ("=id", "shop__name", "buyer__username", "description")
    list_select_related = ("shop", "buyer")
    date_hierarchy = "created"
    readonly_fields = ("buyer", "shop", "order", "listing", "kind", "description", "status", "outcome",
                       "deduction_amount", "staff_note", "resolved_by", "resolved_at", "created")
    fields = readonly_fields
    actions = [
        _resolve(Complaint.Outcome.DISMISSED, _("Resolve: dismiss"),
                 _("These complaints will be dismissed:")),
        _resolve(Complaint.Outcome.WARNING, _("Resolve: warn the merchant"),
                 _("The merchants of these complaints will be warned:")),
        _resolve(Complaint.Outcome.LISTING_REMOVED, _("Resolve: remove the listing"),
                 _("The listings these complaints name will be removed:")),
        _resolve(Complaint.Outcome.DEPOSIT_DEDUCTED, _("Resolve: deduct from the deposit"),
                 _("This amount will be deducted from each shop's guarantee deposit as a penalty:"),
                 form_class=DeductionForm),
        _resolve(Complaint.Outcome.SHOP_SUSPENDED, _("Resolve: suspend the shop"),
                 _("The shops of these complaints will be suspended:")),
    ]

    def has_add_permission(self, request):
        return False  # complaints are filed by users

    def has_delete_permission(self, request, obj=None):
        return False
