from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import (
    DraftStateMixin,
    LockableMixin,
    Orderable,
    RevisionMixin,
    WorkflowMixin,
)
from wagtail.search import index

from ..levels import Level
from ..scoring import choice_set_error
from .quizzes import MANAGE_ALL_BANKS, Quiz

SKILL_CHECK_BANK_HAS_NO_TRACK = _(
    "A skill-check bank belongs to IT policy, not to a track. Please leave the track empty."
)


class QuestionBankForm(WagtailAdminModelForm):
    def clean(self):
        cleaned_data = super().clean()
        kind = cleaned_data.get("kind", self.instance.kind)
        track = cleaned_data.get("track", self.instance.track)
        if kind == Quiz.Kind.SKILL_CHECK and track is not None:
            raise ValidationError(SKILL_CHECK_BANK_HAS_NO_TRACK)
        return cleaned_data


class QuestionBank(WorkflowMixin, DraftStateMixin, LockableMixin, RevisionMixin, models.Model):
    """A named group of questions, e.g. 情報セキュリティ, and who authors it.

    A module-quiz bank belongs to a track: whoever may edit that track's pages (its
    DX promotion leaders, IT policy) authors its questions. A skill-check bank belongs
    to IT policy alone: everyone else takes skill checks, so its questions are hidden
    from them (``assessments.authoring``). Only IT policy sets ``kind`` and ``track``.
    """

    title = models.CharField(_("title"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)
    kind = models.CharField(
        _("used in"),
        max_length=12,
        choices=Quiz.Kind,
        default=Quiz.Kind.QUIZ,
        help_text=_(
            "Module quizzes use only questions of module-quiz banks, skill checks only "
            "questions of skill-check banks."
        ),
    )
    track = models.ForeignKey(
        "wagtailcore.Page",
        verbose_name=_("track"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        help_text=_(
            "The DX promotion leaders who may edit this track author the bank. "
            "Empty: IT policy only."
        ),
    )
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="question_bank")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="question_bank",
        for_concrete_model=False,
    )

    panels = [
        FieldPanel("title"),
        FieldPanel("slug"),
        FieldPanel("description"),
        FieldPanel("kind", permission=MANAGE_ALL_BANKS),
        FieldPanel("track", permission=MANAGE_ALL_BANKS),
    ]
    base_form_class = QuestionBankForm

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["title"]
        permissions = [
            ("manage_all_banks", _("Can author every question bank, skill checks included")),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind="quiz") | models.Q(track__isnull=True),
                name="question_bank_skill_check_has_no_track",
            ),
        ]

    def __str__(self):
        return self.title

    @property
    def revisions(self):
        return self._revisions


class QuestionForm(WagtailAdminModelForm):
    """Checks the choices against the question type before anything is saved, and
    offers only the banks the author may use."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.for_user is not None and "bank" in self.fields:
            from ..authoring import banks_for, limit_chooser  # (authoring imports the models)

            limit_chooser(self.fields["bank"], banks_for(self.for_user))

    def clean(self):
        cleaned_data = super().clean()
        choices = self.formsets.get("choices")
        if choices is not None and choices.is_valid():
            flags = [
                form.cleaned_data.get("is_correct", False)
                for form in choices.forms
                if form.cleaned_data and not form.cleaned_data.get("DELETE")
            ]
            error = choice_set_error(cleaned_data.get("kind"), flags)
            if error:
                raise ValidationError(error)
        return cleaned_data


class QuestionQuerySet(models.QuerySet):
    def usable_in(self, quiz: Quiz) -> "QuestionQuerySet":
        """What a learner may be asked in ``quiz``: the published version of questions
        from banks of the quiz's kind (a skill check never shows a module-quiz question,
        whose key learners read after every module quiz, and a module quiz never shows a
        skill-check question)."""
        return self.filter(live=True, bank__kind=quiz.kind)


class Question(
    WorkflowMixin,
    DraftStateMixin,
    LockableMixin,
    RevisionMixin,
    index.Indexed,
    ClusterableModel,
):
    """A question with its choices. One revision holds the question and all its choices
    (choices are its children), so a draft or a change under review never touches what
    learners are asked or how they are scored: that is the published (live) row."""

    class Kind(models.TextChoices):
        SINGLE = "single", _("Single choice")
        MULTIPLE = "multiple", _("Multiple choice")
        TRUE_FALSE = "true_false", _("True or false")

    bank = models.ForeignKey(
        QuestionBank,
        verbose_name=_("question bank"),
        on_delete=models.PROTECT,
        related_name="questions",
    )
    area = models.ForeignKey(
        "assessments.SkillArea",
        verbose_name=_("skill area"),
        on_delete=models.PROTECT,
        related_name="questions",
        limit_choices_to={"parent__isnull": False},
    )
    level = models.PositiveSmallIntegerField(
        _("target level"),
        choices=[(level.value, level.label) for level in Level if level != Level.UNASSESSED],
    )
    kind = models.CharField(_("type"), max_length=12, choices=Kind, default=Kind.SINGLE)
    text = models.TextField(_("question"))
    explanation = models.TextField(
        _("explanation"), help_text=_("Shown to the learner after they submit their answers.")
    )
    active = models.BooleanField(
        _("in use"), default=True, help_text=_("Retired questions are no longer drawn.")
    )
    _revisions = GenericRelation("wagtailcore.Revision", related_query_name="question")
    workflow_states = GenericRelation(
        "wagtailcore.WorkflowState",
        content_type_field="base_content_type",
        object_id_field="object_id",
        related_query_name="question",
        for_concrete_model=False,
    )

    objects = QuestionQuerySet.as_manager()

    # Every revision is a complete question (text, explanation, a valid set of
    # choices), even a draft, so whichever revision a reviewer approves can be asked.
    panels = [
        FieldPanel("bank"),
        FieldPanel("area"),
        FieldPanel("level"),
        FieldPanel("kind"),
        FieldPanel("text", required_on_save=True),
        InlinePanel("choices", label=_("choices"), min_num=2, max_num=6),
        FieldPanel("explanation", required_on_save=True),
        FieldPanel("active"),
    ]
    search_fields = [
        index.SearchField("text"),
        index.AutocompleteField("text"),
        # What the admin listing and choosers filter a search by (the author's banks, …).
        index.FilterField("bank"),
        index.FilterField("level"),
        index.FilterField("kind"),
        index.FilterField("active"),
        index.FilterField("live"),
    ]
    base_form_class = QuestionForm

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["bank", "area", "level", "id"]
        indexes = [models.Index(fields=["area", "level", "active"])]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(level__gte=1, level__lte=4), name="question_level_1_to_4"
            ),
        ]

    def __str__(self):
        return self.text[:60]

    @property
    def revisions(self):
        return self._revisions


class Choice(Orderable):
    question = ParentalKey(Question, on_delete=models.CASCADE, related_name="choices")
    text = models.CharField(_("choice"), max_length=300)
    is_correct = models.BooleanField(_("correct"), default=False)

    panels = [FieldPanel("text", required_on_save=True), FieldPanel("is_correct")]

    class Meta(Orderable.Meta):
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.text
