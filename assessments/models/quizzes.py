from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import Orderable

from ..levels import Level


class Quiz(ClusterableModel):
    """A set of questions taken in one sitting: a module quiz or a skill check (スキル診断).

    Questions are fixed (listed) or drawn at random per area and level when an
    attempt starts; both may be combined.
    """

    class Kind(models.TextChoices):
        QUIZ = "quiz", _("Module quiz")
        SKILL_CHECK = "skill_check", _("Skill check")

    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.QUIZ)
    introduction = models.TextField(_("introduction"), blank=True)
    pass_mark_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=70)
    attempt_limit = models.PositiveSmallIntegerField(
        _("attempt limit"), default=0, help_text=_("0 means unlimited.")
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), null=True, blank=True, help_text=_("Empty means no limit.")
    )
    shuffle = models.BooleanField(_("shuffle questions and choices"), default=True)

    panels = [
        FieldPanel("title"),
        FieldPanel("kind"),
        FieldPanel("introduction"),
        MultiFieldPanel(
            [
                FieldPanel("pass_mark_percent"),
                FieldPanel("attempt_limit"),
                FieldPanel("time_limit_minutes"),
                FieldPanel("shuffle"),
            ],
            heading=_("Rules"),
        ),
        InlinePanel("fixed_questions", label=_("fixed questions")),
        InlinePanel("draw_rules", label=_("random draw")),
    ]

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark_percent__lte=100), name="quiz_pass_mark_at_most_100"
            ),
        ]

    def __str__(self):
        return self.title


class QuizQuestion(Orderable):
    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="fixed_questions")
    question = models.ForeignKey(
        "assessments.Question",
        verbose_name=_("question"),
        on_delete=models.PROTECT,
        related_name="+",
    )

    panels = [FieldPanel("question")]

    class Meta(Orderable.Meta):
        verbose_name = _("fixed question")
        constraints = [
            models.UniqueConstraint(fields=["quiz", "question"], name="quiz_question_once"),
        ]


class QuizDrawRule(Orderable):
    """Draw ``count`` active questions of ``level`` from ``area``.

    A category includes the questions of its sub-items.
    """

    quiz = ParentalKey(Quiz, on_delete=models.CASCADE, related_name="draw_rules")
    area = models.ForeignKey(
        "assessments.SkillArea", verbose_name=_("skill area"), on_delete=models.PROTECT
    )
    level = models.PositiveSmallIntegerField(
        _("level"),
        choices=[(level.value, level.label) for level in Level if level != Level.UNASSESSED],
    )
    count = models.PositiveSmallIntegerField(_("number of questions"), default=3)

    panels = [FieldPanel("area"), FieldPanel("level"), FieldPanel("count")]

    class Meta(Orderable.Meta):
        verbose_name = _("random draw rule")
