from django import forms
from django.contrib.auth import get_user_model
from django.core.validators import ProhibitNullCharactersValidator
from django.utils.translation import gettext_lazy as _

from assessments.levels import Level
from assessments.models import SkillArea
from courses.models import TrackPage

from .models import LeaderCriteria

LEVEL_CHOICES = [("", _("No minimum"))] + [
    (str(level.value), f"{level.value} {level.label}") for level in Level if level > 0
]


class LeaderCriteriaForm(forms.ModelForm):
    """IT policy's settings screen: one minimum-level field per skill category."""

    class Meta:
        model = LeaderCriteria
        fields = [
            "required_track",
            "weight_level",
            "weight_self_nomination",
            "weight_endorsement",
            "weight_authored",
        ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["required_track"].queryset = TrackPage.objects.live().order_by("path")
        self.categories = list(SkillArea.objects.filter(parent__isnull=True))
        minimums = self.instance.minimum_levels or {}
        for area in self.categories:
            self.fields[f"minimum_{area.code}"] = forms.TypedChoiceField(
                label=_("Minimum level: %(area)s") % {"area": area.name},
                choices=LEVEL_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                initial=str(minimums.get(area.code, "")),
            )

    def save(self, commit=True):
        self.instance.minimum_levels = {
            area.code: self.cleaned_data[f"minimum_{area.code}"]
            for area in self.categories
            if self.cleaned_data.get(f"minimum_{area.code}")
        }
        return super().save(commit=commit)


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
