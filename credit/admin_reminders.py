"""Staff screens of repayment reminders: the policy, the reminder log with its deliveries, failures, resend."""
from django import forms
from django.contrib import admin, messages
from django.db.models import Q
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.admin import ReadOnlyAdmin
from core.errors import DomainError
from credit.models.reminders import DeliveryStatus, Reminder, ReminderDelivery, ReminderPolicy
from credit.reminders.delivery import RESEND_PERMISSION, deliveries_resend


@admin.register(ReminderPolicy)
class ReminderPolicyAdmin(admin.ModelAdmin):
    list_display = ["__str__", "active", "days_before", "on_due_day", "days_overdue", "quiet_start", "quiet_end",
                    "email_enabled", "sms_enabled", "modified"]
    fieldsets = [
        (None, {"fields": ["active"]}),
        (_("When"), {"fields": ["days_before", "on_due_day", "days_overdue"],
                     "description": _("Days before and on the due date count from the due date; days overdue "
                                      "count from the overdue clock, which stops while an after-sales case is "
                                      "open. A paused instalment gets no reminder.")}),
        (_("Quiet hours (Beijing time)"), {"fields": ["quiet_start", "quiet_end"]}),
        (_("Channels"), {"fields": ["email_enabled", "sms_enabled"],
                         "description": _("In-site messages always go out. Buyers choose e-mail and SMS in "
                                          "their notification preferences; switching a channel off here stops "
                                          "it for everybody (e.g. during a provider outage).")}),
    ]

    def has_add_permission(self, request):
        return not ReminderPolicy.objects.exists() and super().has_add_permission(request)

    def has_delete_permission(self, request, obj=None):
        return False


class FailureFilter(admin.SimpleListFilter):
    title = _("trouble")
    parameter_name = "trouble"

    def lookups(self, request, model_admin):
        return [("failed", _("Failed for good")), ("retrying", _("Failed, retrying")),
                ("stuck", _("Not sent yet"))]

    def queryset(self, request, queryset):
        if self.value() == "failed":
            return queryset.filter(status=DeliveryStatus.FAILED)
        if self.value() == "retrying":
            return queryset.filter(status__in=[DeliveryStatus.PENDING, DeliveryStatus.SENDING]).exclude(last_error="")
        if self.value() == "stuck":
            return queryset.filter(Q(status=DeliveryStatus.PENDING) | Q(status=DeliveryStatus.SENDING))
        return queryset


class ResendForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Recorded in the audit log with your name."))


@admin.register(ReminderDelivery)
class ReminderDeliveryAdmin(ReadOnlyAdmin):
    list_display = ["id", "installment", "kind", "channel", "status", "attempts", "last_error", "sent_at", "created"]
    list_filter = [FailureFilter, "status", "channel", "reminder__kind"]
    search_fields = ["reminder__user__username", "=reminder__installment__id", "=reminder__installment__plan__id"]
    list_select_related = ["reminder"]
    date_hierarchy = "created"
    fields = ["reminder", "channel", "status", "attempts", "last_error", "not_before", "enqueued_at", "claimed_at",
              "sent_at", "provider_ref", "created", "modified"]
    readonly_fields = fields
    actions = ["resend"]

    @admin.display(description=_("instalment"), ordering="reminder__installment")
    def installment(self, obj):
        url = reverse("admin:credit_installment_change", args=[obj.reminder.installment_id])
        return format_html('<a href="{}">{}</a>', url, obj.reminder.installment_id)

    @admin.display(description=_("kind"), ordering="reminder__kind")
    def kind(self, obj):
        return obj.reminder.kind

    def has_resend_permission(self, request):
        return request.user.has_perm(RESEND_PERMISSION)

    @admin.action(description=_("Resend selected reminders"), permissions=["resend"])
    def resend(self, request, queryset):
        form = ResendForm(request.POST if "confirm" in request.POST else None)
        if "confirm" in request.POST and form.is_valid():
            try:
                ids = deliveries_resend(actor=request.user, deliveries=list(queryset),
                                        reason=form.cleaned_data["reason"])
            except DomainError as exc:
                self.message_user(request, exc.message, messages.ERROR)
                return None
            skipped = queryset.count() - len(ids)
            self.message_user(request, _("%(count)s queued to be sent again.") % {"count": len(ids)},
                              messages.SUCCESS)
            if skipped:
                self.message_user(request, _("%(count)s still waiting to be sent were left alone.")
                                  % {"count": skipped}, messages.WARNING)
            return None
        return TemplateResponse(request, "admin/credit/confirm_action.html", {
            **self.admin_site.each_context(request), "title": _("Resend reminders"), "objects": queryset,
            "form": form, "action": "resend", "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME})


class DeliveryInline(admin.TabularInline):
    model = ReminderDelivery
    extra = 0
    can_delete = False
    fields = ["channel", "status", "attempts", "last_error", "not_before", "sent_at", "provider_ref"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Reminder)
class ReminderAdmin(ReadOnlyAdmin):
    list_display = ["id", "installment", "user", "kind", "day", "in_site", "created"]
    list_filter = ["kind", "day"]
    search_fields = ["user__username", "=installment__id", "=installment__plan__id"]
    list_select_related = ["user", "installment"]
    date_hierarchy = "day"
    fields = ["installment", "user", "kind", "offset_days", "day", "in_site_message", "created"]
    readonly_fields = fields
    inlines = [DeliveryInline]

    @admin.display(description=_("in-site message"), boolean=True)
    def in_site(self, obj):
        return obj.notification_id is not None

    @admin.display(description=_("in-site message"))
    def in_site_message(self, obj):
        if obj.notification is None:
            return "—"
        return format_html("<strong>{}</strong><br>{}", obj.notification.title, obj.notification.body)
