"""Site-wide forms."""
from django import forms
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import MaxLengthValidator
from django.utils.translation import gettext_lazy as _


class RegisterForm(forms.Form):
    username = forms.RegexField(r"^[\w.@+-]+\Z", max_length=150, label=_("Username"))
    email = forms.EmailField(required=False, label=_("E-mail"))
    phone = forms.CharField(max_length=32, label=_("Mobile phone"),
                            help_text=_("Used to sign in and for order updates. Merchants only ever see it masked."))
    password = forms.CharField(widget=forms.PasswordInput, label=_("Password"), max_length=128, strip=False)


class _UsernameLimit:
    """Django's login forms show the username's max_length but never check it (the validator is built before
    the length is set): a 100,000-character username reached django-axes, whose 255-character column refused
    it with a database error. Check the length, so such a login is an ordinary form error."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["username"]
        field.validators.append(MaxLengthValidator(field.max_length or 150))


class LoginForm(_UsernameLimit, AuthenticationForm):
    pass


class AdminLoginForm(_UsernameLimit, AdminAuthenticationForm):
    pass
