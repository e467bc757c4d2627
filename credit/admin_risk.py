"""Staff screens of cash-out risk control: the review queue, tunable rules and thresholds, shops' cash-out record.

Imported by credit.admin. Actions ask for confirmation (and a note or reason), then
call credit.risk.review, which checks permissions and writes the audit trail.
"""
import hashlib
import uuid

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from core.admin import PersonalDataAdminMixin, ReadOnlyAdmin, masked
from core.pii import mask_ip
from credit.admin import ReasonForm, confirm
from credit.models import (
    CheckoutFingerprint,
    DeviceSighting,
    RiskAssessment,
    RiskDecision,
    RiskOutcome,
    RiskRule,
    RiskSettings,
    ShopCashOutRisk,
)
from credit.risk import identity, review, rules


class ReviewForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=review.NOTE_MAX, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class RejectForm(ReviewForm):
    cash_out_confirmed = forms.BooleanField(
        label=_("Cash-out confirmed (puts the shop at elevated risk)"), required=False)


class DeductForm(ReasonForm):
    amount = forms.DecimalField(label=_("Amount to deduct from the deposit"), max_digits=14, decimal_places=2,
                                min_value=0.01)


class PenaliseForm(ReasonForm):
    deduction_amount = forms.DecimalField(label=_("Deduct from the deposit (optional)"), max_digits=14,
                                          decimal_places=2, min_value=0.01, required=False)


class QueueFilter(admin.SimpleListFilter):
    title = _("review")
    parameter_name = "queue"

    def lookups(self, request, model_admin):
        return [("pending", _("Waiting for a decision")), ("decided", _("Decided"))]

    def queryset(self, request, queryset):
        if self.value() == "pending":
            return queryset.filter(outcome=RiskOutcome.HOLD, decision=RiskDecision.PENDING,
                                   order__status="under_review")
        if self.value() == "decided":
            return queryset.exclude(decision=RiskDecision.PENDING)
        return queryset


@admin.register(RiskAssessment)
class RiskAssessmentAdmin(ReadOnlyAdmin):
    list_display = ["id", "created", "order", "order_status", "buyer", "shop", "amount", "score", "outcome",
                    "reason_list", "decision", "cash_out_confirmed", "reviewed_by"]
    list_filter = [QueueFilter, "outcome", "decision", "cash_out_confirmed", "shop__risk_level"]
    search_fields = ["buyer__username", "shop__name", "=order__id"]
    date_hierarchy = "created"
    list_select_related = ["order", "buyer", "shop", "reviewed_by"]
    fields = ["order", "order_status", "buyer", "shop", "amount", "score", "outcome", "hold_score", "reject_score",
              "signal_table", "decision", "cash_out_confirmed", "note", "reviewed_by", "reviewed_at", "created"]
    readonly_fields = fields
    actions = ["approve", "reject"]

    @admin.display(description=_("order status"))
    def order_status(self, obj):
        return obj.order.get_status_display() if obj.order_id else "—"

    @admin.display(description=_("reasons"))
    def reason_list(self, obj):
        return "; ".join(rules.explain(code) for code in obj.reasons) or "—"

    @admin.display(description=_("signals"))
    def signal_table(self, obj):
        if not obj.signals:
            return "—"
        rows = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", (
            (s.get("code"), s.get("weight"), rules.explain(s.get("code", "")),
             ", ".join(f"{k}={v}" for k, v in (s.get("facts") or {}).items()))
            for s in obj.signals))
        return format_html("<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>{}</table>",
                           _("signal"), _("points"), _("explanation"), _("facts"), rows)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) or request.user.has_perm(review.DECIDE)

    def has_decide_permission(self, request):
        return request.user.has_perm(review.DECIDE)

    @admin.action(description=_("Approve the selected held orders (they are paid)"), permissions=["decide"])
    def approve(self, request, queryset):
        return confirm(self, request, queryset, title=_("Approve held credit orders"), form_class=ReviewForm,
                       action="approve", run=lambda obj, data: review.risk_review_decide(
                           actor=request.user, assessment=obj, decision="approve", note=data.get("note", "")))

    @admin.action(description=_("Reject the selected held orders (cancelled, credit released)"),
                  permissions=["decide"])
    def reject(self, request, queryset):
        return confirm(self, request, queryset, title=_("Reject held credit orders"), form_class=RejectForm,
                       action="reject", run=lambda obj, data: review.risk_review_decide(
                           actor=request.user, assessment=obj, decision="reject", note=data.get("note", ""),
                           cash_out_confirmed=bool(data.get("cash_out_confirmed"))))


@admin.register(RiskSettings)
class RiskSettingsAdmin(admin.ModelAdmin):
    list_display = ["__str__", "min_signals_to_hold", "min_signals_to_reject", "repeat_cash_out_threshold",
                    "modified"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not RiskSettings.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        obj.pk = 1
        super().save_model(request, obj, form, change)
        rules.config_invalidate()


class RiskRuleForm(forms.ModelForm):
    class Meta:
        model = RiskRule
        fields = ["enabled", "weight", "params", "description"]

    def clean_params(self):
        params = self.cleaned_data.get("params")
        problems = rules.params_errors(self.instance.code, params)
        if problems:
            raise forms.ValidationError(problems)
        return params


@admin.register(RiskRule)
class RiskRuleAdmin(admin.ModelAdmin):
    form = RiskRuleForm
    list_display = ["code", "enabled", "weight", "description", "modified"]
    list_editable = ["enabled", "weight"]
    list_filter = ["enabled"]
    readonly_fields = ["code", "modified"]
    fields = ["code", "enabled", "weight", "params", "description", "modified"]

    def has_add_permission(self, request):
        return False  # the rules are the signals the code computes; the migration creates them

    def has_delete_permission(self, request, obj=None):
        return False  # disable a rule instead

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        rules.config_invalidate()


class EncryptedIpAdminMixin(PersonalDataAdminMixin):
    """The IP is stored encrypted: shown masked (revealed with a reason), found by its blind index."""

    exclude = ["ip"]
    readonly_fields = ["show_ip"]
    show_ip = masked("ip", mask_ip, label=_("IP"))

    def get_search_results(self, request, queryset, search_term):
        queryset, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        ip, _public = identity.ip_info(search_term)
        if ip:
            queryset |= self.model.objects.filter(ip_index=identity.ip_index(ip))
        return queryset, may_have_duplicates


@admin.register(CheckoutFingerprint)
class CheckoutFingerprintAdmin(EncryptedIpAdminMixin, ReadOnlyAdmin):
    list_display = ["order", "created", "buyer", "shop", "show_ip", "ip_public", "short_device"]
    list_filter = ["ip_public"]
    search_fields = ["=order__id", "buyer__username", "shop__name", "=device_hash"]  # and an IP (blind index)
    personal_fields = {"ip": lambda obj: obj.buyer}
    list_select_related = ["order", "buyer", "shop"]
    date_hierarchy = "created"

    @admin.display(description=_("device"))
    def short_device(self, obj):
        return obj.device_hash[:12] or "—"


@admin.register(DeviceSighting)
class DeviceSightingAdmin(EncryptedIpAdminMixin, ReadOnlyAdmin):
    list_display = ["user", "short_device", "show_ip", "ip_public", "first_seen", "last_seen"]
    list_filter = ["ip_public"]
    search_fields = ["user__username", "=device_hash"]  # and an IP (blind index)
    personal_fields = {"ip": lambda obj: obj.user}
    list_select_related = ["user"]

    @admin.display(description=_("device"))
    def short_device(self, obj):
        return obj.device_hash[:12] or "—"


class RepeatOffenderFilter(admin.SimpleListFilter):
    title = _("confirmed cash-outs")
    parameter_name = "cash_outs"

    def lookups(self, request, model_admin):
        return [("any", _("At least one")), ("repeat", _("Repeated (penalties apply)"))]

    def queryset(self, request, queryset):
        if self.value() == "any":
            return queryset.filter(cash_outs__gte=1)
        if self.value() == "repeat":
            return queryset.filter(cash_outs__gte=rules.config().repeat_cash_out_threshold)
        return queryset


@admin.register(ShopCashOutRisk)
class ShopCashOutRiskAdmin(ReadOnlyAdmin):
    list_display = ["name", "owner", "verification_status", "risk_level", "installments_disabled", "deposit_amount",
                    "cash_outs", "holds", "rejections"]
    list_filter = [RepeatOffenderFilter, "risk_level", "installments_disabled", "verification_status"]
    search_fields = ["name", "owner__username"]
    list_select_related = ["owner"]
    fields = ["name", "owner", "verification_status", "risk_level", "installments_disabled", "deposit_amount",
              "cash_outs", "holds", "rejections"]
    readonly_fields = fields
    actions = ["mark_elevated", "mark_normal", "disable_installments", "enable_installments", "deduct_deposit",
               "suspend", "penalise"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(
            cash_outs=Count("risk_assessments", filter=Q(risk_assessments__cash_out_confirmed=True)),
            holds=Count("risk_assessments", filter=Q(risk_assessments__outcome=RiskOutcome.HOLD)),
            rejections=Count("risk_assessments", filter=Q(risk_assessments__outcome=RiskOutcome.REJECT)))

    @admin.display(description=_("confirmed cash-outs"), ordering="cash_outs")
    def cash_outs(self, obj):
        return obj.cash_outs

    @admin.display(description=_("held orders"), ordering="holds")
    def holds(self, obj):
        return obj.holds

    @admin.display(description=_("rejected checkouts"), ordering="rejections")
    def rejections(self, obj):
        return obj.rejections

    def has_penalise_permission(self, request):
        return request.user.has_perm(review.PENALISE)

    @staticmethod
    def _submission_key(request, action) -> str:
        """The same for a double-submitted confirmation form (same CSRF field), new for each rendering."""
        token = request.POST.get("csrfmiddlewaretoken") or uuid.uuid4().hex
        return "admin:" + hashlib.sha256(f"{action}:{token}".encode()).hexdigest()[:32]

    def _run(self, request, queryset, *, action, title, form_class, run):
        return confirm(self, request, queryset, title=title, form_class=form_class, action=action, run=run)

    @admin.action(description=_("Mark at elevated cash-out risk (credit orders settle after returns)"),
                  permissions=["penalise"])
    def mark_elevated(self, request, queryset):
        return self._run(request, queryset, action="mark_elevated", title=_("Elevated cash-out risk"),
                         form_class=ReasonForm, run=lambda shop, data: review.shop_risk_set(
                             actor=request.user, shop=shop, elevated=True, reason=data["reason"]))

    @admin.action(description=_("Back to normal cash-out risk"), permissions=["penalise"])
    def mark_normal(self, request, queryset):
        return self._run(request, queryset, action="mark_normal", title=_("Normal cash-out risk"),
                         form_class=ReasonForm, run=lambda shop, data: review.shop_risk_set(
                             actor=request.user, shop=shop, elevated=False, reason=data["reason"]))

    @admin.action(description=_("Disable instalments"), permissions=["penalise"])
    def disable_installments(self, request, queryset):
        return self._run(request, queryset, action="disable_installments", title=_("Disable instalments"),
                         form_class=ReasonForm, run=lambda shop, data: review.shop_installments_set(
                             actor=request.user, shop=shop, disabled=True, reason=data["reason"]))

    @admin.action(description=_("Enable instalments again"), permissions=["penalise"])
    def enable_installments(self, request, queryset):
        return self._run(request, queryset, action="enable_installments", title=_("Enable instalments"),
                         form_class=ReasonForm, run=lambda shop, data: review.shop_installments_set(
                             actor=request.user, shop=shop, disabled=False, reason=data["reason"]))

    @admin.action(description=_("Deduct a cash-out penalty from the deposit"), permissions=["penalise"])
    def deduct_deposit(self, request, queryset):
        key = self._submission_key(request, "deduct_deposit")
        return self._run(request, queryset, action="deduct_deposit", title=_("Deduct from the deposit"),
                         form_class=DeductForm, run=lambda shop, data: review.shop_deposit_deduct(
                             actor=request.user, shop=shop, amount=data["amount"], reason=data["reason"],
                             idempotency_key=key))

    @admin.action(description=_("Suspend the shop for cash-out"), permissions=["penalise"])
    def suspend(self, request, queryset):
        return self._run(request, queryset, action="suspend", title=_("Suspend shops"), form_class=ReasonForm,
                         run=lambda shop, data: review.shop_suspend_for_cash_out(
                             actor=request.user, shop=shop, reason=data["reason"]))

    @admin.action(description=_("Penalise repeated cash-out: no instalments, deposit deducted, suspended"),
                  permissions=["penalise"])
    def penalise(self, request, queryset):
        key = self._submission_key(request, "penalise")
        return self._run(request, queryset, action="penalise", title=_("Penalise repeated cash-out"),
                         form_class=PenaliseForm, run=lambda shop, data: review.shop_penalise_cash_out(
                             actor=request.user, shop=shop, reason=data["reason"],
                             deduction_amount=data.get("deduction_amount"), idempotency_key=key))
