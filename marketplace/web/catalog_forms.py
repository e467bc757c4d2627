"""Forms of the catalogue pages: open and edit a shop, post a deposit, edit a listing, upload an image."""
import uuid
from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from marketplace.models import Category, ListingStatus
from marketplace.providers import get_provider
from marketplace.services import images
from marketplace.services import listings as listing_services
from marketplace.services import shops as shop_services


def apply_domain_error(form: forms.Form, exc) -> None:
    """Show a service's DomainError on the form: field errors in place, the rest at the top."""
    fields = exc.extra.get("fields") or {}
    if not fields:
        form.add_error(None, exc.message)
    for field, messages in fields.items():
        for message in messages:
            form.add_error(field if field in form.fields else None, message)


class ShopForm(forms.Form):
    name = forms.CharField(label=_("Shop name"), min_length=shop_services.NAME_MIN_LENGTH,
                           max_length=shop_services.NAME_MAX_LENGTH)
    description = forms.CharField(label=_("About the shop"), required=False,
                                  max_length=shop_services.DESCRIPTION_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 5}),
                                  help_text=_("What you sell and how you work; shown on your shop page."))


class DepositForm(forms.Form):
    amount = forms.DecimalField(label=_("Amount (¥)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"),
                                help_text=_("Held by Fangxin as a guarantee to buyers; a shop with a deposit "
                                            "shows a badge."))
    outcome = forms.ChoiceField(label=_("Sandbox outcome"), choices=[("approve", _("Approve")),
                                                                     ("decline", _("Decline"))],
                                initial="approve",
                                help_text=_("Test payments only: choose how the sandbox provider answers."))
    idempotency_key = forms.CharField(widget=forms.HiddenInput, max_length=shop_services.IDEMPOTENCY_KEY_MAX_LENGTH)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # A key per rendered form: submitting it twice (a double click) charges once.
        self.fields["idempotency_key"].initial = uuid.uuid4().hex
        if get_provider().name != "sandbox":
            del self.fields["outcome"]


class CategoryChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, category):
        return f"{category.parent.name} › {category.name}" if category.parent_id else category.name


class ListingForm(forms.Form):
    title = forms.CharField(label=_("Title"), max_length=listing_services.TITLE_MAX_LENGTH)
    description = forms.CharField(label=_("Description"), required=False,
                                  max_length=listing_services.DESCRIPTION_MAX_LENGTH,
                                  widget=forms.Textarea(attrs={"rows": 8}))
    price = forms.DecimalField(label=_("Price (¥)"), max_digits=14, decimal_places=2, min_value=Decimal("0.01"))
    stock = forms.IntegerField(label=_("Stock"), min_value=0, max_value=listing_services.MAX_STOCK)
    category = CategoryChoiceField(label=_("Category"), queryset=Category.objects.select_related("parent"))
    installments_available = forms.BooleanField(label=_("Offer instalments"), required=False)
    merchant_pays_fee = forms.BooleanField(
        label=_("I pay the instalment fee (interest-free for the buyer)"), required=False,
        help_text=_("The fee is taken from your settlement of each instalment order."))
    return_days = forms.IntegerField(label=_("No-reason return window (days)"))
    exchange_days = forms.IntegerField(label=_("Exchange window (days)"))
    quality_days = forms.IntegerField(label=_("Quality-claim window (days)"))
    status = forms.ChoiceField(label=_("Publish"), choices=[(ListingStatus.ACTIVE, _("Publish now")),
                                                           (ListingStatus.DRAFT, _("Save as a draft"))],
                               initial=ListingStatus.ACTIVE)

    def __init__(self, *args, creating: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        # Built here, not in the class body: the bounds are settings and may change.
        for field, (low, high) in listing_services.guarantee_bounds().items():
            self.fields[field] = forms.IntegerField(
                label=self.fields[field].label, min_value=low, max_value=high,
                help_text=_("Between %(low)d and %(high)d days.") % {"low": low, "high": high})
        if not creating:
            del self.fields["status"]
        else:
            for field, value in listing_services.default_windows().items():
                self.fields[field].initial = value

    def clean(self):
        data = super().clean()
        if data.get("merchant_pays_fee") and not data.get("installments_available"):
            self.add_error("merchant_pays_fee", _("Interest-free instalments need instalments to be offered."))
        return data


class ImageForm(forms.Form):
    file = forms.FileField(label=_("Image"), widget=forms.ClearableFileInput(
        attrs={"accept": "image/jpeg,image/png,image/webp"}))
    alt_text = forms.CharField(label=_("What the image shows"), required=False, max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["file"].help_text = _("JPEG, PNG or WebP, at most %(mb)d MB and %(px)d × %(px)d pixels.") % {
            "mb": images.MAX_BYTES // (1024 * 1024), "px": images.MAX_SIDE}
