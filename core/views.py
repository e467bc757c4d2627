"""Site-wide pages: sign-up and error pages."""
import sys

from django.contrib import messages
from django.contrib.auth import login
from django.db import InterfaceError, OperationalError
from django.http import JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from core import errors
from core.errors import DomainError
from core.forms import RegisterForm


@require_http_methods(["GET", "POST"])
def register(request):
    form = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        from marketplace.services.accounts import user_register

        try:
            user = user_register(**form.cleaned_data)
        except DomainError as exc:
            for field, msgs in (exc.extra.get("fields") or {"__all__": [exc.message]}).items():
                for msg in msgs:
                    form.add_error(field if field in form.fields else None, msg)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Welcome to Fangxin, %(name)s!") % {"name": user.username})
            return redirect("home")
    return render(request, "registration/register.html", {"form": form})


def page_not_found(request, exception=None):
    if request.path.startswith("/api/"):
        return JsonResponse({"code": errors.NOT_FOUND, "detail": _("Not found.")}, status=404)
    return render(request, "404.html", status=404)


def server_error(request):
    if isinstance(sys.exc_info()[1], (OperationalError, InterfaceError)):
        # The database connection broke mid-request (the transaction went with it): a retry may succeed.
        from core.api.exceptions import RETRY_AFTER_SECONDS, database_unavailable_body

        if request.path.startswith("/api/"):
            response = JsonResponse(database_unavailable_body(), status=503)
        else:
            response = render(request, "503.html", status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    if request.path.startswith("/api/"):
        return JsonResponse({"code": errors.SERVER_ERROR, "detail": _("Internal error; it has been logged.")},
                            status=500)
    return render(request, "500.html", status=500)
