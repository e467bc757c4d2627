"""Website forms for the cart, checkout, order actions, complaints and withdrawals.

Forms check shapes (a whole number, a required field); the services check the rules,
and their DomainError field messages are put back on the form with ``add_domain_error``.
"""
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace import hooks
from marketplace.models import Complaint
from marketplace.services.orders import MAX_QUANTITY

PAYMENT_OPTION_PREFIX = "payment_"


def add_domain_error(form, exc, *, nested: str | None = None) -> None:
    """Show a service's DomainError on the form: each field message in place, the rest on top."""
    fields = exc.extra.get("fields") or {}
    if nested and isinstance(fields.get(nested), dict):
        fields = {**fields, **fields.pop(nested)}
    placed = False
    for name, messages in fields.items():
        if not isinstance(messages, list):
            continue
        for message in messages:
            if isinstance(message, str) and name in form.fields:
                form.add_error(name, message)
                placed = True
    if not placed:
        form.add_error(None, exc.message)


class AddToCartForm(forms.Form):
    listing = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, max_value=MAX_QUANTITY, initial=1,
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 4}))


class CartQuantityForm(forms.Form):
    quantity = forms.IntegerField(label=_("Quantity"), min_value=0, max_value=MAX_QUANTITY,
                                  help_text=_("0 removes the item."),
                                  widget=forms.NumberInput(attrs={"inputmode": "numeric", "size": 4}))


class CheckoutForm(forms.Form):
    """Where the order goes and how it is paid. Payment methods come from the registry."""

    name = forms.CharField(label=_("Recipient"), max_length=100)
    phone = forms.CharField(label=_("Mobile phone"), max_length=32,
                            help_text=_("For the courier. The merchant only ever sees it masked (139****5678)."))
    address = forms.CharField(label=_("Address"), max_length=500,
                              widget=forms.Textarea(attrs={"rows": 3}),
                              help_text=_("Used to deliver this order and for returns; encrypted at rest."))
    payment_method = forms.ChoiceField(label=_("Payment"), widget=forms.RadioSelect)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        methods = hooks.payment_methods()
        self.fields["payment_method"].choices = [(method.key, method.label) for method in methods]
        if methods:
            self.fields["payment_method"].initial = methods[0].key

    def payment(self) -> dict:
        """``{"method": key, **options}``; options are the POSTed ``payment_<name>`` fields (whole numbers as int)."""
        payment = {"method": self.cleaned_data["payment_method"]}
        for key, value in self.data.items():
            if key.startswith(PAYMENT_OPTION_PREFIX) and key != "payment_method":
                value = value.strip()
                payment[key[len(PAYMENT_OPTION_PREFIX):]] = int(value) if value.isdigit() else value
        return payment

    def shipping_address(self) -> dict:
        return {name: self.cleaned_data[name] for name in ("name", "phone", "address")}


class PayForm(forms.Form):
    outcome = forms.ChoiceField(choices=[("approve", _("Approve")), ("decline", _("Decline"))])
    # One key per rendered form: a double-click pays once.
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)


class ShipForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=60)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=60)


class CancelForm(forms.Form):
    reason = forms.CharField(label=_("Reason (optional)"), max_length=500, required=False)


class ReviewForm(forms.Form):
    rating = forms.TypedChoiceField(label=_("Rating"), coerce=int,
                                    choices=[(n, "★" * n) for n in range(5, 0, -1)], initial=5)
    text = forms.CharField(label=_("Your review"), max_length=2000, required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ComplaintForm(forms.Form):
    shop = forms.IntegerField(widget=forms.HiddenInput, min_value=1)
    order = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    listing = forms.IntegerField(widget=forms.HiddenInput, min_value=1, required=False)
    kind = forms.ChoiceField(label=_("What is wrong?"), choices=Complaint.Kind.choices)
    description = forms.CharField(label=_("Describe what happened"), max_length=4000,
                                  widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text=_("Staff read every complaint; penalties follow when it is upheld."))


class WithdrawalForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (¥)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    bank_name = forms.CharField(label=_("Bank"), max_length=80)
    bank_account = forms.CharField(label=_("Account number"), max_length=40,
                                   help_text=_("Stored encrypted; only the last four digits are shown."))
    key = forms.CharField(max_length=64, widget=forms.HiddenInput)
