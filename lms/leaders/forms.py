from django import forms
from django.utils.translation import gettext_lazy as _

from assessments.levels import Level
from assessments.models import SkillArea
from lms.models import LeaderCriteria
from lms.towns import tracks_of_towns


def level_label(value: int | None) -> str:
    """A minimum level in words, as the form offers it: "2 中級", or "条件なし"."""
    if not value:
        return str(_("No minimum"))
    return f"{value} {Level(value).label}"


def minimum_level_label(area_name: str) -> str:
    """The label of a category's minimum level, on the form and wherever criteria are shown."""
    return _("Minimum level: %(area)s") % {"area": area_name}


LEVEL_CHOICES = [("", _("No minimum"))] + [
    (str(level.value), level_label(level.value)) for level in Level if level > 0
]


class LeaderCriteriaForm(forms.ModelForm):
    """IT policy's settings screen: one minimum-level field per skill category.

    It only validates: ``leader_criteria_save`` saves ``criteria_values()`` and audits them.
    """

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
        # The town's own tracks (lms.towns): another town's is not offered, nor accepted.
        self.fields["required_track"].queryset = (
            tracks_of_towns([self.instance.organization_id]).live().order_by("path")
        )
        self.categories = list(SkillArea.objects.filter(parent__isnull=True))
        minimums = self.instance.minimum_levels or {}
        for area in self.categories:
            self.fields[f"minimum_{area.code}"] = forms.TypedChoiceField(
                label=minimum_level_label(area.name),
                choices=LEVEL_CHOICES,
                coerce=int,
                empty_value=None,
                required=False,
                initial=str(minimums.get(area.code, "")),
            )

    def criteria_values(self) -> dict:
        """The criteria as sent, for ``leader_criteria_save`` (which saves and audits them)."""
        return {
            "minimum_levels": {
                area.code: self.cleaned_data[f"minimum_{area.code}"]
                for area in self.categories
                if self.cleaned_data.get(f"minimum_{area.code}")
            },
            **{name: self.cleaned_data[name] for name in self._meta.fields},
        }

    def save(self, commit=True):
        raise NotImplementedError("Criteria are saved by leader_criteria_save, which audits them.")


def criteria_in_words(criteria: dict, categories) -> list[tuple[str, str]]:
    """A criteria snapshot (``criteria_snapshot``) as (label, value) pairs in words, in the
    order and with the labels of the form above: the required track, the points, then
    the minimum level of each category of ``categories`` (skill areas, in the form's
    order). For the candidate report's 選定基準 sheet; nothing in it is a Python key."""
    fields = LeaderCriteriaForm.base_fields
    rows = []
    for name in LeaderCriteriaForm._meta.fields:
        label = str(fields[name].label)
        if name == "required_track":
            rows.append((label, criteria.get("required_track") or str(_("Not required"))))
        else:
            rows.append((label, _("%(points)s points") % {"points": criteria.get(name, 0)}))
    minimums = criteria.get("minimum_levels") or {}
    for area in categories:
        rows.append((minimum_level_label(area.name), level_label(minimums.get(area.code))))
    return rows
