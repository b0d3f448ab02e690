from django.db import models
from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel


class SkillArea(models.Model):
    """An area of the skill framework (default: IPA/METI DX リテラシー標準, DSS-L).

    Two levels: categories (マインド・スタンス, Why, What/データ …) and their
    sub-items. Questions are tagged with sub-items; a category's level is
    measured on the questions of all its sub-items.
    """

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("category"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        limit_choices_to={"parent__isnull": True},
    )
    description = models.TextField(_("description"), blank=True)
    digcomp_code = models.CharField(
        _("DigComp 2.2 code"), max_length=10, blank=True, help_text=_("e.g. 4.2")
    )
    sort_order = models.PositiveIntegerField(_("sort order"), default=0)

    panels = [
        FieldPanel("name"),
        FieldPanel("code"),
        FieldPanel("parent"),
        FieldPanel("description"),
        FieldPanel("digcomp_code"),
        FieldPanel("sort_order"),
    ]

    class Meta:
        verbose_name = _("skill area")
        verbose_name_plural = _("skill areas")
        ordering = ["sort_order", "code"]

    def __str__(self):
        return self.name if self.parent_id is None else f"{self.parent.name} / {self.name}"
