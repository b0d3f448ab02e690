"""DX promotion leader criteria and nominations."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class LeaderCriteria(models.Model):
    """How DX promotion leader candidates are chosen; edited by IT policy. One per organisation.

    Defaults: level 2 (中級) or more in 留意点 (security) and データ; the leader
    track is not required; self-nomination and endorsement each add points.
    """

    organization = models.OneToOneField(
        "lms.Organization", on_delete=models.CASCADE, related_name="leader_criteria"
    )
    minimum_levels = models.JSONField(
        _("minimum levels"),
        default=dict,
        blank=True,
        help_text=_("Skill area code → minimum level, e.g. {'caution': 2}."),
    )
    required_track = models.ForeignKey(
        "courses.TrackPage",
        verbose_name=_("required track"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    weight_level = models.PositiveSmallIntegerField(
        _("points per level above the minimum"), default=2
    )
    weight_self_nomination = models.PositiveSmallIntegerField(
        _("points for volunteering"), default=3
    )
    weight_endorsement = models.PositiveSmallIntegerField(_("points for endorsement"), default=5)
    weight_authored = models.PositiveSmallIntegerField(_("points per module authored"), default=1)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("DX leader criteria")
        verbose_name_plural = _("DX leader criteria")

    def __str__(self):
        return str(self.organization)


class LeaderNomination(models.Model):
    """A volunteer (手挙げ, by the person) or an endorsement (所属長推薦, by their head)."""

    class Kind(models.TextChoices):
        SELF = "self", _("Volunteered")
        ENDORSEMENT = "endorsement", _("Endorsed by the department head")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="leader_nominations"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind)
    fiscal_year = models.PositiveSmallIntegerField(_("fiscal year"))
    endorsed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("leader nomination")
        verbose_name_plural = _("leader nominations")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "kind", "fiscal_year"], name="leader_nomination_once_a_year"
            ),
        ]

    def __str__(self):
        return f"{self.user} ({self.get_kind_display()})"
