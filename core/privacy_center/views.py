"""Privacy centre pages: consents, staff access to my data, contact attempts, my data export, deleting my account."""
import json

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from core.models import DataAccessRecord
from core.privacy_center import deletion
from core.privacy_center.consents import consent_withdraw, consents_for
from core.privacy_center.export import personal_data_export

RECENT = 5


class DeleteAccountForm(forms.Form):
    password = forms.CharField(label=gettext_lazy("Your password"), widget=forms.PasswordInput, strip=False,
                               max_length=128)
    confirm = forms.BooleanField(label=gettext_lazy("I understand that this cannot be undone."))


def _access_rows(records):
    from core.api.privacy import describe_access

    return [{"record": r, "what": describe_access(r.object_type, r.field)} for r in records]


def _attempt_rows(user):
    from credit.services.contact_attempts import attempt_message, attempts_for_buyer

    return [{"attempt": a, "message": attempt_message(a)} for a in attempts_for_buyer(user)]


@login_required
def centre(request):
    records = DataAccessRecord.objects.filter(subject=request.user).select_related("staff")
    reasons = deletion.deletion_blockers(request.user)
    return render(request, "core/privacy/centre.html", {
        "consents": consents_for(request.user),
        "access": _access_rows(records[:RECENT]), "access_count": records.count(),
        "attempts": _attempt_rows(request.user),
        "blockers": [deletion.BLOCKER_TEXT[r] for r in reasons],
    })


@login_required
def access_log(request):
    records = DataAccessRecord.objects.filter(subject=request.user).select_related("staff")
    page = Paginator(records, 20).get_page(request.GET.get("page"))
    return render(request, "core/privacy/access_log.html", {"page": page, "rows": _access_rows(page.object_list)})


@login_required
@require_POST
def withdraw(request, key):
    try:
        consent = consent_withdraw(user=request.user, key=key)
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Withdrawn: %(title)s.") % {"title": consent.title})
    return redirect("privacy:centre")


@login_required
def export(request):
    data = personal_data_export(user=request.user)
    response = HttpResponse(json.dumps(data, ensure_ascii=False, indent=2),
                            content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="fangxin-my-data-{timezone.localdate():%Y-%m-%d}.json"'
    response["Cache-Control"] = "no-store"
    return response


@login_required
@require_http_methods(["GET", "POST"])
def delete_account(request):
    reasons = deletion.deletion_blockers(request.user)
    form = DeleteAccountForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            deletion.account_delete(user=request.user, password=form.cleaned_data["password"])
        except DomainError as exc:
            if exc.code == deletion.DELETION_BLOCKED:
                reasons = exc.extra["reasons"]
            form.add_error("password" if exc.code != deletion.DELETION_BLOCKED else None, exc.message)
        else:
            logout(request)
            messages.success(request, _("Your account has been deleted. Thank you for shopping with Fangxin."))
            return redirect("home")
    return render(request, "core/privacy/delete.html", {
        "form": form, "blockers": [deletion.BLOCKER_TEXT[r] for r in reasons],
        "erased": deletion.ERASED, "kept": deletion.KEPT})
