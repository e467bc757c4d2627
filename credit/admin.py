"""Staff screens of credit: applications queue, lines (freeze, limit), plans, repayments, delinquency report.

Personal fields are shown masked, with the audited reveal of core.admin; actions
ask for confirmation and a reason, then call the services (which check permissions
and write the audit trail).
"""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from core.admin import PersonalDataAdminMixin, ReadOnlyAdmin, masked
from core.errors import DomainError
from core.pii import mask_id_number, mask_ip, mask_name, mask_phone
from credit.models import (
    CreditApplication,
    CreditEvent,
    CreditLine,
    CreditLineEvent,
    CreditTerms,
    EmergencyContact,
    Installment,
    InstallmentPlan,
    InstallmentProduct,
    Repayment,
    Statement,
)
from credit.services import applications, lines, permissions
from credit.services.overdue import delinquency_report


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}))


class DecideForm(forms.Form):
    limit = forms.DecimalField(label=_("Limit (empty: the automatic limit)"), required=False, max_digits=14,
                               decimal_places=2, min_value=0.01)
    note = forms.CharField(label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3}))


class LimitForm(ReasonForm):
    limit = forms.DecimalField(label=_("New limit"), max_digits=14, decimal_places=2, min_value=0)


def confirm(modeladmin, request, queryset, *, title, form_class, run, action):
    """Show a confirmation form; on "confirm", run ``run(obj, cleaned_data)`` for each selected object."""
    form = form_class(request.POST if "confirm" in request.POST else None)
    if "confirm" in request.POST and form.is_valid():
        done = 0
        for obj in queryset:
            try:
                run(obj, form.cleaned_data)
                done += 1
            except DomainError as exc:
                modeladmin.message_user(request, f"{obj}: {exc.message}", messages.ERROR)
        modeladmin.message_user(request, _("%(count)s done.") % {"count": done}, messages.SUCCESS)
        return None
    return TemplateResponse(request, "admin/credit/confirm_action.html", {
        **modeladmin.admin_site.each_context(request), "title": title, "objects": queryset, "form": form,
        "action": action, "opts": modeladmin.model._meta,
        "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME})


@admin.register(InstallmentProduct)
class InstallmentProductAdmin(admin.ModelAdmin):
    list_display = ["count", "fee_rate", "active", "modified"]
    list_editable = ["active"]


@admin.register(CreditTerms)
class CreditTermsAdmin(admin.ModelAdmin):
    list_display = ["kind", "version", "published"]
    list_filter = ["kind"]

    def get_readonly_fields(self, request, obj=None):
        # A published version is what buyers consented to: never edited, only superseded.
        return [f.name for f in self.model._meta.fields] if obj else []


class EmergencyContactInline(admin.TabularInline):
    model = EmergencyContact
    extra = 0
    can_delete = False
    fields = ["relation", "masked_name", "masked_phone"]
    readonly_fields = fields

    @admin.display(description=_("name"))
    def masked_name(self, obj):
        return mask_name(obj.name)

    @admin.display(description=_("phone"))
    def masked_phone(self, obj):
        return mask_phone(obj.phone)

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CreditApplication)
class CreditApplicationAdmin(PersonalDataAdminMixin, admin.ModelAdmin):
    list_display = ["id", "user", "status", "automatic_status", "limit_amount", "income_band", "created",
                    "decided_by"]
    list_filter = ["status", "automatic_status", "income_band"]
    search_fields = ["user__username"]
    date_hierarchy = "created"
    list_select_related = ["user", "decided_by"]
    personal_fields = {"real_name": lambda obj: obj.user, "id_number": lambda obj: obj.user,
                       "phone": lambda obj: obj.user, "consent_ip": lambda obj: obj.user}
    show_real_name = masked("real_name", mask_name, label=_("real name"))
    show_id_number = masked("id_number", mask_id_number, label=_("ID number"))
    show_phone = masked("phone", mask_phone, label=_("phone"))
    show_consent_ip = masked("consent_ip", mask_ip, label=_("consent given from"))
    fields = ["user", "show_real_name", "show_id_number", "show_phone", "income_band", "status",
              "automatic_status", "limit_amount", "automatic_limit_amount", "reasons", "factors", "terms_version",
              "privacy_version", "consented_at", "show_consent_ip", "decided_by", "decided_at", "note", "created"]
    readonly_fields = fields
    inlines = [EmergencyContactInline]
    actions = ["approve", "decline"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_decide_permission(self, request):
        return request.user.has_perm(permissions.DECIDE)

    @admin.action(description=_("Approve (or change the limit of) selected applications"), permissions=["decide"])
    def approve(self, request, queryset):
        return confirm(self, request, queryset, title=_("Approve applications"), form_class=DecideForm,
                       action="approve", run=lambda obj, data: applications.application_decide(
                           actor=request.user, application=obj, decision="approve", limit=data.get("limit"),
                           note=data.get("note", "")))

    @admin.action(description=_("Decline selected applications"), permissions=["decide"])
    def decline(self, request, queryset):
        return confirm(self, request, queryset, title=_("Decline applications"), form_class=DecideForm,
                       action="decline", run=lambda obj, data: applications.application_decide(
                           actor=request.user, application=obj, decision="decline", note=data.get("note", "")))


class CreditLineEventInline(admin.TabularInline):
    model = CreditLineEvent
    extra = 0
    can_delete = False
    fields = ["created", "kind", "old_status", "new_status", "old_limit_amount", "new_limit_amount", "actor",
              "reason"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CreditLine)
class CreditLineAdmin(admin.ModelAdmin):
    list_display = ["id", "user", "limit_amount", "used_amount", "available", "status", "frozen_reason", "modified"]
    list_filter = ["status", "frozen_reason"]
    search_fields = ["user__username"]
    list_select_related = ["user"]
    readonly_fields = ["user", "application", "limit_amount", "used_amount", "status", "frozen_reason", "created",
                       "modified"]
    inlines = [CreditLineEventInline]
    actions = ["freeze", "unfreeze", "change_limit"]

    @admin.display(description=_("available"))
    def available(self, obj):
        return obj.available_amount

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_freeze_permission(self, request):
        return request.user.has_perm(permissions.FREEZE)

    def has_change_limit_permission(self, request):
        return request.user.has_perm(permissions.CHANGE_LIMIT)

    @admin.action(description=_("Freeze selected lines"), permissions=["freeze"])
    def freeze(self, request, queryset):
        return confirm(self, request, queryset, title=_("Freeze credit lines"), form_class=ReasonForm,
                       action="freeze", run=lambda obj, data: lines.credit_line_freeze(
                           actor=request.user, line=obj, reason=data["reason"]))

    @admin.action(description=_("Unfreeze selected lines"), permissions=["freeze"])
    def unfreeze(self, request, queryset):
        return confirm(self, request, queryset, title=_("Unfreeze credit lines"), form_class=ReasonForm,
                       action="unfreeze", run=lambda obj, data: lines.credit_line_unfreeze(
                           actor=request.user, line=obj, reason=data["reason"]))

    @admin.action(description=_("Change the limit of selected lines"), permissions=["change_limit"])
    def change_limit(self, request, queryset):
        return confirm(self, request, queryset, title=_("Change credit limits"), form_class=LimitForm,
                       action="change_limit", run=lambda obj, data: lines.credit_line_set_limit(
                           actor=request.user, line=obj, limit=data["limit"], reason=data["reason"]))


class InstallmentInline(admin.TabularInline):
    model = Installment
    extra = 0
    can_delete = False
    fields = ["number", "due_date", "principal_amount", "fee_amount", "penalty_amount", "paid_principal_amount",
              "paid_fee_amount", "paid_penalty_amount", "status", "paused", "bucket"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(InstallmentPlan)
class InstallmentPlanAdmin(ReadOnlyAdmin):
    list_display = ["id", "order", "buyer", "principal_amount", "fee_amount", "apr", "count", "fee_payer",
                    "status", "paused", "created"]
    list_filter = ["status", "fee_payer", "paused", "count"]
    search_fields = ["buyer__username", "order__id"]
    list_select_related = ["buyer", "order"]
    inlines = [InstallmentInline]


@admin.register(Installment)
class InstallmentAdmin(ReadOnlyAdmin):
    list_display = ["plan", "number", "due_date", "principal_amount", "penalty_amount", "status", "bucket", "paused"]
    list_filter = ["status", "bucket", "paused"]
    date_hierarchy = "due_date"
    change_list_template = "admin/credit/installment_changelist.html"

    def get_urls(self):
        return [path("delinquency/", self.admin_site.admin_view(self.delinquency_view),
                     name="credit_installment_delinquency"), *super().get_urls()]

    def delinquency_view(self, request):
        if not self.has_view_permission(request):
            raise PermissionDenied
        return TemplateResponse(request, "admin/credit/delinquency.html", {
            **self.admin_site.each_context(request), "title": _("Delinquency by bucket"),
            "rows": delinquency_report(), "opts": self.model._meta})


@admin.register(Repayment)
class RepaymentAdmin(ReadOnlyAdmin):
    list_display = ["id", "plan", "buyer", "mode", "amount", "principal_amount", "fee_amount", "penalty_amount",
                    "refunded_amount", "created"]
    list_filter = ["mode"]
    search_fields = ["buyer__username", "provider_ref"]
    exclude = ["idempotency_key"]


@admin.register(CreditEvent)
class CreditEventAdmin(ReadOnlyAdmin):
    list_display = ["created", "user", "kind", "plan", "installment"]
    list_filter = ["kind"]
    search_fields = ["user__username"]


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ["period", "line", "opening_balance_amount", "closing_balance_amount", "payments_amount"]
    date_hierarchy = "period"


# The other credit screens register themselves on import; they use confirm() above.
from credit import (  # noqa: E402
    admin_contact_attempts,  # noqa: F401 - emergency contact attempts (unreachable buyers)
    admin_reminders,  # noqa: F401 - repayment reminder log, policy and resend
    admin_risk,  # noqa: F401 - cash-out risk screens
)
