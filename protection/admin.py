"""Staff screens: the case queue, rulings with a confirmation form, buyer standing and no-reason suspensions."""
from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from core.errors import DomainError
from protection.models import (
    OPEN_STATUSES,
    AfterSalesCase,
    AtFault,
    BuyerStanding,
    CaseEvent,
    Decision,
    Evidence,
    NoReasonSuspension,
)
from protection.selectors import overdue_cases
from protection.services.rulings import can_rule, ruling_record
from protection.services.standing import can_suspend, no_reason_suspend, suspension_lift


class QueueFilter(admin.SimpleListFilter):
    title = _("queue")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("escalated", _("Escalated: waiting for a ruling")), ("overdue", _("Deadline passed")),
                ("open", _("All open cases"))]

    def queryset(self, request, queryset):
        if self.value() == "escalated":
            return queryset.filter(status="escalated")
        if self.value() == "overdue":
            return queryset.filter(pk__in=overdue_cases().values("pk"))
        if self.value() == "open":
            return queryset.filter(status__in=OPEN_STATUSES)
        return queryset


class ReadOnlyInline(admin.TabularInline):
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


class CaseEventInline(ReadOnlyInline):
    model = CaseEvent
    fields = ["created", "kind", "old_status", "new_status", "party", "actor", "note"]
    readonly_fields = fields


class EvidenceInline(ReadOnlyInline):
    model = Evidence
    fields = ["created", "party", "author", "text", "preview"]
    readonly_fields = fields

    @admin.display(description=_("photo"))
    def preview(self, obj):
        if not obj.thumbnail:
            return "—"
        return format_html('<a href="{}" target="_blank" rel="noopener"><img src="{}" alt="" style="max-height:120px">'
                           "</a>", obj.image.url, obj.thumbnail.url)


class RulingForm(forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=Decision.choices, widget=forms.RadioSelect)
    at_fault = forms.ChoiceField(label=_("At fault"), choices=AtFault.choices, widget=forms.RadioSelect)
    note = forms.CharField(label=_("Note"), widget=forms.Textarea(attrs={"rows": 4}),
                           help_text=_("Shown to both sides on the case page."))
    deduction = forms.DecimalField(label=_("Deduction for use (CNY)"), required=False, min_value=0, max_digits=14,
                                   decimal_places=2, help_text=_("Only for returned goods that came back used."))


class SuspensionForm(forms.Form):
    days = forms.IntegerField(label=pgettext_lazy("duration", "Days"), min_value=1, max_value=365, initial=90)
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("The buyer is told this."))


def _confirm(request, model_admin, queryset, form, *, title, action):
    context = {**model_admin.admin_site.each_context(request), "title": title, "form": form, "objects": queryset,
               "action": action, "opts": model_admin.model._meta,
               "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
    return TemplateResponse(request, "admin/protection/confirm_action.html", context)


@admin.register(AfterSalesCase)
class AfterSalesCaseAdmin(admin.ModelAdmin):
    list_display = ["id", "created", "status", "type", "reason", "shop", "buyer_with_flag", "claimed_amount",
                    "running_deadline"]
    list_filter = [QueueFilter, "status", "type", "reason", "decision", "at_fault", "escalated_by"]
    search_fields = ["=id", "=order__id", "buyer__username", "shop__name", "line__title"]
    list_select_related = ["shop", "line", "buyer__after_sales_standing"]
    date_hierarchy = "created"
    inlines = [CaseEventInline, EvidenceInline]
    actions = ["rule"]
    readonly_fields = [f.name for f in AfterSalesCase._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_rule_permission(self, request):
        return can_rule(request.user)

    @admin.display(description=_("buyer"))
    def buyer_with_flag(self, obj):
        standing = getattr(obj.buyer, "after_sales_standing", None)
        if standing is not None and standing.flagged:
            return format_html('{} <span title="{}">⚑</span>', obj.buyer.username,
                               ", ".join(standing.flag_reasons))
        return obj.buyer.username

    @admin.display(description=_("deadline"))
    def running_deadline(self, obj):
        deadline = obj.deadline
        if deadline is None:
            return "—"
        field, at, party = deadline
        late = at <= timezone.now()
        return format_html('<span style="{}">{} ({})</span>', "color:#b00;font-weight:bold" if late else "",
                           timezone.localtime(at).strftime("%Y-%m-%d %H:%M"), party)

    @admin.action(description=_("Rule on the selected cases"), permissions=["rule"])
    def rule(self, request, queryset):
        form = RulingForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            done = 0
            for case in queryset.order_by("pk"):
                try:
                    ruling_record(actor=request.user, case=case, decision=form.cleaned_data["decision"],
                                  at_fault=form.cleaned_data["at_fault"], note=form.cleaned_data["note"],
                                  deduction=form.cleaned_data["deduction"])
                    done += 1
                except DomainError as exc:
                    self.message_user(request, f"#{case.pk}: {exc.message}", messages.ERROR)
            if done:
                self.message_user(request, _("Ruled on %(n)d case(s).") % {"n": done}, messages.SUCCESS)
            return None
        return _confirm(request, self, queryset, form, title=_("Rule on after-sales cases"), action="rule")

    def get_urls(self):
        return [path("<int:pk>/rule/", self.admin_site.admin_view(self.rule_one),
                     name="protection_aftersalescase_rule"), *super().get_urls()]

    def rule_one(self, request, pk):
        """One case's ruling page (linked from the case): the form, then the ruling, carried out at once."""
        if not can_rule(request.user):
            raise PermissionDenied
        case = get_object_or_404(AfterSalesCase, pk=pk)
        form = RulingForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                ruling_record(actor=request.user, case=case, **form.cleaned_data)
            except DomainError as exc:
                form.add_error(None, exc.message)
            else:
                self.message_user(request, _("Ruling recorded."), messages.SUCCESS)
                return redirect("admin:protection_aftersalescase_change", case.pk)
        return _confirm(request, self, [case], form, title=_("Rule on case #%(id)s") % {"id": case.pk}, action="")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra_context = {**(extra_context or {}), "can_rule": can_rule(request.user)}
        return super().change_view(request, object_id, form_url, extra_context)


@admin.register(BuyerStanding)
class BuyerStandingAdmin(admin.ModelAdmin):
    list_display = ["buyer", "flagged", "no_reason_returns", "orders_received", "disputes_lost",
                    "quality_claims_won", "returns", "cases", "refreshed_at"]
    list_filter = ["flagged"]
    search_fields = ["buyer__username"]
    list_select_related = ["buyer"]
    readonly_fields = [f.name for f in BuyerStanding._meta.fields]
    actions = ["suspend_no_reason"]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_suspend_permission(self, request):
        return can_suspend(request.user)

    @admin.action(description=_("Suspend no-reason returns of the selected buyers"), permissions=["suspend"])
    def suspend_no_reason(self, request, queryset):
        form = SuspensionForm(request.POST if "apply" in request.POST else None)
        if form.is_bound and form.is_valid():
            for standing in queryset.select_related("buyer"):
                no_reason_suspend(actor=request.user, buyer=standing.buyer, reason=form.cleaned_data["reason"],
                                  days=form.cleaned_data["days"])
            self.message_user(request, _("Suspended no-reason returns of %(n)d buyer(s).") % {"n": queryset.count()},
                              messages.SUCCESS)
            return None
        return _confirm(request, self, queryset, form, title=_("Suspend no-reason returns"),
                        action="suspend_no_reason")


@admin.register(NoReasonSuspension)
class NoReasonSuspensionAdmin(admin.ModelAdmin):
    list_display = ["buyer", "starts_at", "ends_at", "reason", "created_by", "lifted_at"]
    list_filter = [("lifted_at", admin.EmptyFieldListFilter)]
    search_fields = ["buyer__username", "reason"]
    list_select_related = ["buyer", "created_by"]
    readonly_fields = [f.name for f in NoReasonSuspension._meta.fields]
    actions = ["lift"]

    def has_add_permission(self, request):
        return False  # suspensions are made from the buyer standing list, through the service

    def has_delete_permission(self, request, obj=None):
        return False

    def has_lift_permission(self, request):
        return can_suspend(request.user)

    @admin.action(description=_("Lift the selected suspensions"), permissions=["lift"])
    def lift(self, request, queryset):
        for suspension in queryset:
            suspension_lift(actor=request.user, suspension=suspension)
        self.message_user(request, _("Lifted."), messages.SUCCESS)
