"""Staff admin of core: audit trail, data-access records, and masked personal fields with audited reveal."""
from django import forms
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from core.models import AuditEvent, DataAccessRecord, Notification
from core.privacy import can_reveal, personal_data_reveal


class ReadOnlyAdmin(admin.ModelAdmin):
    """History is written by services, never edited by hand."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AuditEvent)
class AuditEventAdmin(ReadOnlyAdmin):
    list_display = ["created", "actor", "action", "target_type", "target_id", "reason"]
    list_filter = ["action", "target_type"]
    search_fields = ["target_id", "reason", "actor__username"]
    date_hierarchy = "created"


@admin.register(DataAccessRecord)
class DataAccessRecordAdmin(ReadOnlyAdmin):
    list_display = ["created", "staff", "subject", "object_type", "field", "reason"]
    list_filter = ["object_type", "field"]
    search_fields = ["staff__username", "subject__username", "reason"]
    date_hierarchy = "created"


@admin.register(Notification)
class NotificationAdmin(ReadOnlyAdmin):
    list_display = ["created", "user", "kind", "title", "read_at"]
    list_filter = ["kind"]
    search_fields = ["user__username", "title"]
    list_select_related = ["user"]


class RevealForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 3}),
                             help_text=_("Recorded with your name and shown to the person concerned."))


def masked(field: str, masker, *, label=None):
    """A read-only admin column showing ``field`` masked, with a link to reveal it."""

    def display(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        value = masker(getattr(obj, field))
        url = reverse(f"admin:{obj._meta.app_label}_{obj._meta.model_name}_reveal", args=[obj.pk, field])
        return format_html('{} <a href="{}">{}</a>', value or "—", url, _("reveal"))

    display.short_description = label or field.replace("_", " ")
    display.__name__ = f"masked_{field}"
    return display


class PersonalDataAdminMixin:
    """Adds an audited reveal view for the fields listed in ``personal_fields``.

    ``personal_fields = {"phone": lambda obj: obj}``: each field names how to find
    the person the data is about, for the access record they will see.
    """

    personal_fields: dict = {}

    def get_urls(self):
        opts = self.model._meta
        return [
            path("<path:object_id>/reveal/<str:field>/", self.admin_site.admin_view(self.reveal_view),
                 name=f"{opts.app_label}_{opts.model_name}_reveal"),
            *super().get_urls(),
        ]

    def reveal_view(self, request, object_id, field):
        if field not in self.personal_fields or not can_reveal(request.user):
            raise PermissionDenied
        obj = get_object_or_404(self.model, pk=object_id)
        form = RevealForm(request.POST or None)
        value = None
        if request.method == "POST" and form.is_valid():
            try:
                value = personal_data_reveal(actor=request.user, obj=obj, field=field,
                                             subject=self.personal_fields[field](obj),
                                             reason=form.cleaned_data["reason"])
            except DomainError as exc:
                form.add_error("reason", exc.message)
        context = {**self.admin_site.each_context(request), "opts": self.model._meta, "original": obj,
                   "field": field, "form": form, "value": value, "title": _("Reveal personal data")}
        return TemplateResponse(request, "admin/core/reveal.html", context)


def _with_dashboard(get_urls):
    """The staff dashboard (core.dashboard) at /admin/dashboard/, named ``admin:dashboard``."""

    def urls():
        from core.dashboard import dashboard_view

        return [path("dashboard/", admin.site.admin_view(dashboard_view), name="dashboard"), *get_urls()]

    return urls


admin.site.get_urls = _with_dashboard(admin.site.get_urls)
