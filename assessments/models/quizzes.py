from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel, MultiFieldPanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    RevisionMixin,
    WorkflowMixin,
)

from ..levels import Level

# Held by IT policy (and implied for superusers): author every bank, quiz and question,
# skill checks included, and give banks and quizzes to tracks.
MANAGE_ALL_BANKS = "assessments.manage_all_banks"

SKILL_CHECK_HAS_NO_TRACK = _(
    "A skill check belongs to IT policy, not to a track. Please leave the track empty."
)
TRACK_REQUIRED = _("Please choose the track this quiz belongs to.")
TRACK_NOT_YOURS = _("You can only choose a track that you edit.")
FIXED_QUESTION_OF_OTHER_KIND = _(
    "Fixed question %(number)s is not from a bank for this kind of quiz: module quizzes use "
    "questions of module-quiz banks, skill checks questions of skill-check banks."
)


class QuizForm(WagtailAdminModelForm):
    """Who may give a quiz to which track, and which questions it may list."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        fixed = self.formsets.get("fixed_questions")
        if self.for_user is not None and fixed is not None:
            from ..authoring import limit_chooser, questions_for  # (it imports the models)

            questions = questions_for(self.for_user)
            for form in fixed.forms:
                if "question" in form.fields:
                    limit_chooser(form.fields["question"], questions)

    def clean(self):
        cleaned_data = super().clean()
        from ..authoring import manages_all_banks, may_edit_page  # (it imports the models)

        kind = cleaned_data.get("kind", self.instance.kind)
        track = cleaned_data.get("track")
        user = self.for_user
        if kind == Quiz.Kind.SKILL_CHECK and track is not None:
            self.add_error("track", SKILL_CHECK_HAS_NO_TRACK)
        elif user is not None and not manages_all_banks(user):
            if track is None:
                self.add_error("track", TRACK_REQUIRED)
            elif not may_edit_page(user, track):
                self.add_error("track", TRACK_NOT_YOURS)
        self._check_fixed_questions(kind)
        return cleaned_data

    def _check_fixed_questions(self, kind) -> None:
        fixed = self.formsets.get("fixed_questions")
        if fixed is None or not fixed.is_valid():
            return
        chosen = [
            form.cleaned_data["question"]
            for form in fixed.forms
            if form.cleaned_data.get("question") and not form.cleaned_data.get("DELETE")
        ]
        for number, question in enumerate(chosen, start=1):
            if question.bank.kind != kind:
                raise ValidationError(FIXED_QUESTION_OF_OTHER_KIND % {"number": number})


class Quiz(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, ClusterableModel):
    """A set of questions taken in one sitting: a module quiz or a skill check (スキル診断).

    Questions are fixed (listed) or drawn at random per area and level when an
    attempt starts; both may be combined. A module quiz belongs to a track (its DX
    promotion leaders author it); a skill check belongs to IT policy. Learners take
    the published (live) version; drafts and changes under review wait for approval.
    """

    class Kind(models.TextChoices):
        QUIZ = "quiz", _("Module quiz")
        SKILL_CHECK = "skill_check", _("Skill check")

    title = models.CharField(_("title"), max_length=120)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind, default=Kind.QUIZ)
    track = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("track"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The DX promotion leaders who may edit this track author the quiz. "
            "Empty: IT policy only (always empty for a skill check)."
        ),
    )
    introduction = models.TextField(_("introduction"), blank=True)
    pass_mark_percent = models.PositiveSmallIntegerField(_("pass mark (%)"), default=70)
    attempt_limit = models.PositiveSmallIntegerField(
        _("attempt limit"), default=0, help_text=_("0 means unlimited.")
    )
    time_limit_minutes = models.PositiveSmallIntegerField(
        _("time limit (minutes)"), null=True, blank=True, help_text=_("Empty means no limit.")
    )
    shuffle = models.BooleanField(_("shuffle questions and choices"), default=True)
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="quiz")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="quiz",
        for_concrete_model=False,
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("kind", permission=MANAGE_ALL_BANKS),
        FieldPanel("track"),
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
    base_form_class = QuizForm

    class Meta:
        verbose_name = _("quiz")
        verbose_name_plural = _("quizzes")
        ordering = ["title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(pass_mark_percent__lte=100), name="quiz_pass_mark_at_most_100"
            ),
            models.CheckConstraint(
                condition=models.Q(kind="quiz") | models.Q(track__isnull=True),
                name="quiz_skill_check_has_no_track",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def revisions(self):
        return self._revisions


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
