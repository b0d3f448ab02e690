from django.contrib.contenttypes.fields import GenericRelation
from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _
from modelcluster.fields import ParentalKey
from modelcluster.models import ClusterableModel
from wagtail.admin.forms import WagtailAdminModelForm
from wagtail.admin.panels import FieldPanel, InlinePanel
from wagtail.models import Orderable, RevisionMixin
from wagtail.search import index

from ..levels import Level
from ..scoring import choice_set_error


class QuestionBank(models.Model):
    """A named group of questions, e.g. 情報セキュリティ."""

    title = models.CharField(_("title"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    description = models.TextField(_("description"), blank=True)

    panels = [FieldPanel("title"), FieldPanel("slug"), FieldPanel("description")]

    class Meta:
        verbose_name = _("question bank")
        verbose_name_plural = _("question banks")
        ordering = ["title"]

    def __str__(self):
        return self.title


class QuestionForm(WagtailAdminModelForm):
    """Checks the choices against the question type before anything is saved."""

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


class Question(RevisionMixin, index.Indexed, ClusterableModel):
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

    panels = [
        FieldPanel("bank"),
        FieldPanel("area"),
        FieldPanel("level"),
        FieldPanel("kind"),
        FieldPanel("text"),
        InlinePanel("choices", label=_("choices"), min_num=2, max_num=6),
        FieldPanel("explanation"),
        FieldPanel("active"),
    ]
    search_fields = [index.SearchField("text"), index.AutocompleteField("text")]
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

    panels = [FieldPanel("text"), FieldPanel("is_correct")]

    class Meta(Orderable.Meta):
        verbose_name = _("choice")
        verbose_name_plural = _("choices")

    def __str__(self):
        return self.text
