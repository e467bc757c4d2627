"""What a locked-out login sees (django-axes calls ``lockout_response`` through AXES_LOCKOUT_CALLABLE).

The API answers JSON ``{"code": "locked_out", ...}`` with 429 and ``Retry-After``; the
website renders a page with the same status. Neither says whether the username exists.
"""
from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

LOCKED_OUT = "locked_out"


def cool_off_seconds() -> int:
    from axes.helpers import get_cool_off

    cool_off = get_cool_off()
    return int(cool_off.total_seconds()) if cool_off else 0


def lockout_response(request, original_response=None, credentials=None):
    status = settings.AXES_HTTP_RESPONSE_CODE
    seconds = cool_off_seconds()
    minutes = max(1, (seconds + 59) // 60)
    detail = _("Too many failed logins. Try again in %(minutes)s minutes, or reset your password.") % {
        "minutes": minutes}
    if request.path.startswith("/api/"):
        response = JsonResponse({"code": LOCKED_OUT, "detail": detail, "retry_after": seconds}, status=status)
    else:
        response = render(request, "core/privacy/locked_out.html", {"detail": detail, "minutes": minutes},
                          status=status)
    if seconds:
        response["Retry-After"] = str(seconds)
    return response
