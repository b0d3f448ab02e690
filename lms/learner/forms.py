from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

# Control characters a paste from another program may carry; line breaks and tabs stay.
CONTROL_CHARACTERS = dict.fromkeys(
    [c for c in range(0x20) if c not in (0x09, 0x0A, 0x0D)] + list(range(0x7F, 0xA0))
)


# Django's own Japanese text for this error ("enter some characters") misleads.
NULL_CHARACTER = _("The text contains a null character. Please remove it and try again.")


class MultilineTextField(forms.CharField):
    """Line breaks count as one character, as in the browser's own limit (CRLF → LF)."""

    def to_python(self, value):
        return super().to_python(value).replace("\r\n", "\n")


class ProfileForm(forms.ModelForm):
    """What staff write about themselves; the roster (HR) owns names, posts and e-mail."""

    class Meta:
        model = get_user_model()
        fields = ["interests"]
        widgets = {"interests": forms.Textarea(attrs={"rows": 5})}
        field_classes = {"interests": MultilineTextField}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["interests"]
        field.validators = [
            ProhibitNullCharactersValidator(NULL_CHARACTER)
            if isinstance(validator, ProhibitNullCharactersValidator)
            else validator
            for validator in field.validators
        ]

    def clean_interests(self):
        text = self.cleaned_data["interests"].translate(CONTROL_CHARACTERS)
        return "\n".join(line.rstrip() for line in text.split("\n")).strip()
