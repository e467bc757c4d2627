"""Staff screens for emergency contacts: the unreachable buyers' work list and the attempts made.

Only credit officers with ``credit.attempt_emergency_contact`` see the action, and the
service refuses unless the buyer is unreachable. The contact's name and phone are shown
once, on the page that follows the attempt (the reveal is recorded for the buyer).
"""
from django import forms
from django.contrib import admin, messages
from django.db.models import Count, Min, Q
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.pii import mask_name
from credit.models import EmergencyContact
from credit.models.contact_attempts import AttemptChannel, AttemptOutcome, EmergencyContactAttempt, UnreachableBuyer
from credit.services import contact_attempts as service


class AttemptForm(forms.Form):
    contact = forms.ModelChoiceField(label=_("Emergency contact"), queryset=EmergencyContact.objects.none())
    channel = forms.ChoiceField(label=_("Channel"), choices=AttemptChannel.choices)
    language = forms.ChoiceField(label=_("Language of the message"),
                                 choices=[("zh-hans", "简体中文"), ("en", "English")])
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Recorded with your name and shown to the buyer."))

    def __init__(self, *args, application, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["contact"].queryset = application.emergency_contacts.all()
        self.fields["contact"].label_from_instance = lambda c: f"{c.get_relation_display()} {mask_name(c.name)}"


@admin.register(UnreachableBuyer)
class UnreachableBuyerAdmin(admin.ModelAdmin):
    """Buyers who count as unreachable now, with the action to try one of their emergency contacts."""

    list_display = ["id", "user", "masked_real_name", "oldest_overdue", "last_login", "contacts", "attempts"]
    list_display_links = None
    search_fields = ["user__username"]
    actions = ["contact_emergency_contact"]

    def get_queryset(self, request):
        return (service.applications_of_unreachable_buyers().select_related("user")
                .annotate(contact_count=Count("emergency_contacts", distinct=True),
                          attempt_count=Count("contact_attempts", distinct=True),
                          oldest_due=Min("user__installment_plans__installments__due_date",
                                 filter=Q(user__installment_plans__installments__status="overdue"))))

    @admin.display(description=_("real name"))
    def masked_real_name(self, obj):
        return mask_name(obj.real_name)

    @admin.display(description=_("overdue since"))
    def oldest_overdue(self, obj):
        return obj.oldest_due

    @admin.display(description=_("last login"))
    def last_login(self, obj):
        return obj.user.last_login or "—"

    @admin.display(description=_("contacts"))
    def contacts(self, obj):
        return obj.contact_count

    @admin.display(description=_("attempts so far"))
    def attempts(self, obj):
        return obj.attempt_count

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def has_view_permission(self, request, obj=None):
        return service.can_attempt(request.user)

    def has_module_permission(self, request):
        return service.can_attempt(request.user)

    def has_attempt_permission(self, request):
        return service.can_attempt(request.user)

    @admin.action(description=_("Try an emergency contact (fixed message, recorded)"), permissions=["attempt"])
    def contact_emergency_contact(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one buyer."), messages.ERROR)
            return None
        application = queryset.get()
        form = AttemptForm(request.POST if "confirm" in request.POST else None, application=application)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "application": application,
                   "form": form, "action": "contact_emergency_contact", "title": _("Try an emergency contact"),
                   "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME}
        if "confirm" in request.POST and form.is_valid():
            try:
                attempt, shown = service.contact_attempt_start(
                    actor=request.user, contact=form.cleaned_data["contact"], reason=form.cleaned_data["reason"],
                    channel=form.cleaned_data["channel"], language=form.cleaned_data["language"])
            except DomainError as exc:
                details = exc.extra.get("details") or []
                self.message_user(request, " ".join([exc.message, *details]), messages.ERROR)
                return None
            context.update({"attempt": attempt, "shown": shown, "title": _("Emergency contact attempt")})
        return TemplateResponse(request, "core/privacy/admin_contact_attempt.html", context)


class OutcomeForm(forms.ModelForm):
    class Meta:
        model = EmergencyContactAttempt
        fields = ["outcome"]


@admin.register(EmergencyContactAttempt)
class EmergencyContactAttemptAdmin(admin.ModelAdmin):
    """The record of every attempt. Only the outcome is entered here, once."""

    list_display = ["created", "buyer", "relation", "staff", "channel", "outcome"]
    list_filter = ["outcome", "channel", "relation"]
    search_fields = ["buyer__username", "staff__username"]
    list_select_related = ["buyer", "staff"]
    date_hierarchy = "created"
    form = OutcomeForm
    readonly_fields = ["buyer", "application", "relation", "staff", "channel", "language", "template_key",
                       "message", "reason", "outcome_recorded_at", "created"]
    fields = ["created", "buyer", "application", "relation", "staff", "channel", "language", "template_key",
              "message", "reason", "outcome", "outcome_recorded_at"]

    @admin.display(description=_("message used"))
    def message(self, obj):
        return service.attempt_message(obj)

    def get_readonly_fields(self, request, obj=None):
        if obj is not None and obj.outcome != AttemptOutcome.PENDING:
            return [*self.readonly_fields, "outcome"]
        return self.readonly_fields

    def has_add_permission(self, request):
        return False  # attempts start from the unreachable buyers' list

    def has_delete_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return service.can_attempt(request.user) and (obj is None or obj.outcome == AttemptOutcome.PENDING)

    def save_model(self, request, obj, form, change):
        try:
            service.contact_attempt_record_outcome(actor=request.user, attempt=obj, outcome=obj.outcome)
        except DomainError as exc:
            self.message_user(request, exc.message, messages.ERROR)
