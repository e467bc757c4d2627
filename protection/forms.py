"""Forms of the after-sales pages: the buyer's request with photos, and the small forms of each action."""
from django import forms
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from marketplace.services.images import validate_image
from protection.models import CaseReason, CaseType


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    widget = MultipleFileInput

    def clean(self, data, initial=None):
        files = data if isinstance(data, (list, tuple)) else ([data] if data else [])
        return [super(MultiplePhotoField, self).clean(item, initial) for item in files]


class CaseForm(forms.Form):
    line = forms.TypedChoiceField(label=_("Item"), coerce=int)
    type = forms.ChoiceField(label=_("What you ask for"), choices=CaseType.choices)
    reason = forms.ChoiceField(label=_("Reason"), choices=CaseReason.choices)
    amount = forms.CharField(label=_("Amount (CNY)"), required=False, max_length=32,
                             help_text=_("Leave empty to ask for everything paid for the item; needed for a "
                                         "partial refund."),
                             widget=forms.TextInput(attrs={"inputmode": "decimal", "placeholder": "0.00"}))
    description = forms.CharField(label=_("What happened"), required=False, max_length=2000,
                                  widget=forms.Textarea(attrs={"rows": 4}))
    photos = MultiplePhotoField(label=_("Photos"), required=False,
                                help_text=_("Up to 5 JPEG, PNG or WebP photos, 5 MB each."),
                                widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))

    def __init__(self, *args, lines=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].choices = [(line.pk, f"{line.title} × {line.quantity} (¥{line.line_amount})")
                                       for line in lines]

    def clean_photos(self):
        photos = self.cleaned_data.get("photos") or []
        if len(photos) > 5:
            raise forms.ValidationError(_("At most 5 photos."))
        # All checked before anything is stored, so a bad second photo leaves no orphaned first one.
        for photo in photos:
            try:
                validate_image(photo)
            except DomainError as exc:
                raise forms.ValidationError(f"{photo.name}: {exc.message}") from None
        return photos


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("Note"), max_length=1000, required=False,
                             widget=forms.Textarea(attrs={"rows": 2}))


class ShipmentForm(forms.Form):
    carrier = forms.CharField(label=_("Carrier"), max_length=60)
    tracking_number = forms.CharField(label=_("Tracking number"), max_length=60)


class EvidenceForm(forms.Form):
    text = forms.CharField(label=_("Note"), required=False, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
    file = forms.FileField(label=_("Photo"), required=False,
                           widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
