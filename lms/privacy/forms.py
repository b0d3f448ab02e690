"""The 開示請求 form: what HR records before the export is made."""

import unicodedata

from django import forms
from django.utils.translation import gettext_lazy as _

from courses.fiscal import local_today
from lms.models import DisclosureRequest


class DisclosureRequestForm(forms.ModelForm):
    """On whose behalf, under which reference number, for what purpose; checked, not trusted."""

    class Meta:
        model = DisclosureRequest
        fields = ["reference_number", "received_on", "requester", "requester_name", "reason"]
        widgets = {
            "received_on": forms.DateInput(attrs={"type": "date"}),
            "reason": forms.Textarea(attrs={"rows": 3, "maxlength": 500}),
            "requester": forms.RadioSelect,
        }
        help_texts = {
            "reference_number": _("The number your office gave the written request (受付番号)."),
            "reason": _(
                "For example: a request by the person under the Act on the Protection of "
                "Personal Information (個人情報保護法)."
            ),
        }

    DUPLICATE_REFERENCE = _("A disclosure request with this reference number is already recorded.")

    def __init__(self, *args, organization, **kwargs):
        super().__init__(*args, **kwargs)
        self.organization = organization
        self.fields["reference_number"].widget.attrs["maxlength"] = 32
        self.fields["requester_name"].widget.attrs["maxlength"] = 100

    def clean_reference_number(self):
        # One number however it was typed: full-width digits and letters as half-width
        # (NFKC), and 「ａ-12」 the same request as 「A-12」.
        number = unicodedata.normalize("NFKC", self.cleaned_data["reference_number"]).strip()
        if DisclosureRequest.objects.filter(
            organization=self.organization, reference_number__iexact=number
        ).exists():
            raise forms.ValidationError(self.DUPLICATE_REFERENCE)
        return number

    def clean_received_on(self):
        received_on = self.cleaned_data["received_on"]
        if received_on > local_today():
            raise forms.ValidationError(_("The date received cannot be in the future."))
        return received_on

    def clean(self):
        cleaned = super().clean()
        requester = cleaned.get("requester")
        name = (cleaned.get("requester_name") or "").strip()
        if requester and requester != DisclosureRequest.Requester.SELF and not name:
            self.add_error(
                "requester_name",
                _("Enter the name of the representative or agent who made the request."),
            )
        cleaned["requester_name"] = name if requester != DisclosureRequest.Requester.SELF else ""
        return cleaned
