"""Site-wide forms."""
from django import forms
from django.utils.translation import gettext_lazy as _


class RegisterForm(forms.Form):
    username = forms.RegexField(r"^[\w.@+-]+\Z", max_length=150, label=_("Username"))
    email = forms.EmailField(required=False, label=_("E-mail"))
    phone = forms.CharField(max_length=32, label=_("Mobile phone"),
                            help_text=_("Used to sign in and for order updates. Merchants only ever see it masked."))
    password = forms.CharField(widget=forms.PasswordInput, label=_("Password"), max_length=128, strip=False)
