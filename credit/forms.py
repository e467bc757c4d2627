"""Forms of the credit centre. Each personal field says what it is used for, where it is asked."""
import uuid

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from credit.models import IncomeBand, Relation, Repayment

RELATIONS = [("", _("— choose —")), *Relation.choices]


class ApplicationForm(forms.Form):
    real_name = forms.CharField(label=_("Real name"), max_length=100,
                                help_text=_("Used to verify who you are, as the law requires for credit."))
    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=18,
                                help_text=_("Used only to verify your identity and age; stored encrypted."))
    phone = forms.CharField(label=_("Mobile phone"), max_length=20,
                            help_text=_("For account security and repayment reminders — sent to you only."))
    income_band = forms.ChoiceField(label=_("Monthly income"), choices=IncomeBand.choices,
                                    help_text=_("Used to set a limit you can comfortably repay."))
    contact1_name = forms.CharField(label=_("Emergency contact (optional): name"), max_length=100, required=False,
                                    help_text=_("Optional. Never messaged by us, never affects your limit; only "
                                                "asked to pass on a message if we cannot reach you for a long time."))
    contact1_phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    contact1_relation = forms.ChoiceField(label=_("Relation"), choices=RELATIONS, required=False)
    contact2_name = forms.CharField(label=_("Second emergency contact (optional): name"), max_length=100,
                                    required=False)
    contact2_phone = forms.CharField(label=_("Phone"), max_length=20, required=False)
    contact2_relation = forms.ChoiceField(label=_("Relation"), choices=RELATIONS, required=False)
    terms_version = forms.CharField(widget=forms.HiddenInput)
    privacy_version = forms.CharField(widget=forms.HiddenInput)
    accept_terms = forms.BooleanField(label=_("I have read and accept the credit terms above."))
    accept_privacy = forms.BooleanField(label=_("I have read and accept how my personal data is used."))

    def clean(self):
        data = super().clean()
        for n in (1, 2):
            parts = [data.get(f"contact{n}_{f}") for f in ("name", "phone", "relation")]
            if any(parts) and not all(parts):
                self.add_error(f"contact{n}_name", _("Give name, phone and relation — or leave all three empty."))
        return data

    def contacts(self) -> list[dict]:
        data = self.cleaned_data
        return [{"name": data[f"contact{n}_name"], "phone": data[f"contact{n}_phone"],
                 "relation": data[f"contact{n}_relation"]} for n in (1, 2) if data.get(f"contact{n}_name")]


class RepayForm(forms.Form):
    mode = forms.ChoiceField(label=pgettext_lazy("repayment mode", "Pay"), choices=Repayment.Mode.choices,
                             widget=forms.RadioSelect, initial=Repayment.Mode.NEXT)
    amount = forms.DecimalField(label=_("Amount (with “an amount”)"), required=False, max_digits=14,
                                decimal_places=2, min_value=0.01)
    idempotency_key = forms.CharField(widget=forms.HiddenInput, initial=lambda: uuid.uuid4().hex, max_length=64)

    def clean(self):
        data = super().clean()
        if data.get("mode") == Repayment.Mode.AMOUNT and not data.get("amount"):
            self.add_error("amount", _("Enter the amount you want to pay."))
        return data
