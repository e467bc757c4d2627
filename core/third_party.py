"""Names the staff admin shows for django-axes (login protection), which has no Simplified Chinese catalogue.

The strings below are axes' own msgids: makemessages copies them into the project catalogue, whose
translations (LOCALE_PATHS) Django prefers to any app's, so the admin in zh-Hans shows them in Chinese.
"""
from axes.apps import AppConfig as _AxesAppConfig
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop


class AxesConfig(_AxesAppConfig):
    """axes itself, with a translated name for its section of the admin."""

    verbose_name = _("Login protection")


AXES_MESSAGES = [
    gettext_noop("access attempt"), gettext_noop("access attempts"),
    gettext_noop("access attempt expiration"), gettext_noop("access attempt expirations"),
    gettext_noop("access failure"), gettext_noop("access failures"),
    gettext_noop("access log"), gettext_noop("access logs"),
    gettext_noop("Access Attempt"), gettext_noop("Access lock out"), gettext_noop("Attempt Remaining"),
    gettext_noop("Attempt Time"), gettext_noop("Clean up expired attempts"), gettext_noop("Expires At"),
    gettext_noop("Failed Logins"), gettext_noop("Form Data"), gettext_noop("GET Data"), gettext_noop("HTTP Accept"),
    gettext_noop("IP Address"), gettext_noop("Locked Out"), gettext_noop("Logout Time"), gettext_noop("Meta Data"),
    gettext_noop("Not set"), gettext_noop("POST Data"), gettext_noop("Path"),
    gettext_noop("Session key hash (sha256)"),
    gettext_noop("The time when access attempt expires and is no longer valid."),
    gettext_noop("User Agent"), gettext_noop("Username"),
    gettext_noop("Account locked: too many login attempts. Please try again later."),
]
