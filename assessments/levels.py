"""Skill levels: DigComp 2.2's four proficiency bands, plus "not assessed"."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Level(models.IntegerChoices):
    UNASSESSED = 0, _("Not assessed")
    FOUNDATION = 1, _("Foundation")
    INTERMEDIATE = 2, _("Intermediate")
    ADVANCED = 3, _("Advanced")
    SPECIALISED = 4, _("Highly specialised")


DESCRIPTORS = {
    Level.UNASSESSED: _("No skill check or quiz evidence yet."),
    Level.FOUNDATION: _("Knows the basic terms and rules, and follows them with some guidance."),
    Level.INTERMEDIATE: _("Applies the knowledge in own work and handles typical cases alone."),
    Level.ADVANCED: _("Handles unusual cases and can guide colleagues."),
    Level.SPECIALISED: _("Solves complex problems and leads improvement across the organisation."),
}

TESTED_LEVELS = (Level.FOUNDATION, Level.INTERMEDIATE, Level.ADVANCED, Level.SPECIALISED)


def level_guide() -> list[dict]:
    """Each level with its label and descriptor, for learners."""
    return [
        {"value": level.value, "label": level.label, "descriptor": DESCRIPTORS[level]}
        for level in Level
    ]


# A level 0 with evidence is a measurement (answered, not yet at level 1), not "no results".
BELOW_FOUNDATION = _("Not yet level 1")
MEASURED_BELOW_FOUNDATION = _(
    "Measured: the answers so far do not reach level 1 yet. The evidence shows what was answered."
)


def level_label(level: int, evidence) -> str:
    """A level in words; level 0 reads 未評価 only while nothing has been answered."""
    if level == Level.UNASSESSED and evidence:
        return str(BELOW_FOUNDATION)
    return str(Level(level).label)
