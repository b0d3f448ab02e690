from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from ..levels import Level, level_label
from ..scoring import explain


class SkillResult(models.Model):
    """A measured skill level with its evidence. Append-only: history shows growth (進化)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="skill_results",
    )
    area = models.ForeignKey(
        "assessments.SkillArea", verbose_name=_("skill area"), on_delete=models.PROTECT
    )
    level = models.PositiveSmallIntegerField(_("level"), choices=Level)
    evidence = models.JSONField(
        _("evidence"), default=list, help_text=_("[[level, answered, correct], …]")
    )
    assessed_at = models.DateTimeField(_("assessed at"), db_index=True)
    attempt = models.ForeignKey(
        "assessments.Attempt",
        verbose_name=_("attempt"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("skill result")
        verbose_name_plural = _("skill results")
        ordering = ["user", "area", "-assessed_at", "-id"]
        indexes = [models.Index(fields=["user", "area", "-assessed_at"])]

    def __str__(self):
        return f"{self.user} — {self.area}: {self.get_level_display()}"

    @property
    def evidence_text(self) -> str:
        return explain(self.evidence)

    @property
    def level_label(self) -> str:
        return level_label(self.level, self.evidence)


class SelfAssessment(models.Model):
    """How confident a learner says they are (自己評価), kept apart from measured levels."""

    class Rating(models.IntegerChoices):
        NOT_CONFIDENT = 1, _("Not confident")
        SOMEWHAT = 2, _("Somewhat confident")
        CONFIDENT = 3, _("Confident")
        CAN_TEACH = 4, _("Can teach others")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="self_assessments",
    )
    area = models.ForeignKey(
        "assessments.SkillArea", verbose_name=_("skill area"), on_delete=models.PROTECT
    )
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating)
    assessed_at = models.DateTimeField(_("assessed at"))

    class Meta:
        verbose_name = _("self-assessment")
        verbose_name_plural = _("self-assessments")
        ordering = ["user", "area", "-assessed_at", "-id"]

    def __str__(self):
        return f"{self.user} — {self.area}: {self.rating}"
