import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from ..scoring import score_percent


class Attempt(models.Model):
    """One sitting of a quiz by one learner (受験).

    The questions, their choice order, the choices' tokens and the answer key are
    copied into ``AttemptQuestion`` rows when the attempt starts, so scoring uses
    exactly what the learner was shown even if an author edits the question later.
    """

    class Status(models.TextChoices):
        IN_PROGRESS = "in_progress", _("In progress")
        SUBMITTED = "submitted", _("Submitted")
        EXPIRED = "expired", _("Time ran out")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff member"),
        on_delete=models.CASCADE,
        related_name="attempts",
    )
    quiz = models.ForeignKey(
        "assessments.Quiz",
        verbose_name=_("quiz"),
        on_delete=models.PROTECT,
        related_name="attempts",
    )
    number = models.PositiveSmallIntegerField(_("attempt number"))
    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    context = models.CharField(
        _("where it was taken"),
        max_length=40,
        blank=True,
        help_text=_("e.g. 'module:42' for a quiz placed in a module."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status, default=Status.IN_PROGRESS
    )
    started_at = models.DateTimeField(_("started at"))
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    correct_count = models.PositiveSmallIntegerField(_("correct answers"), default=0)
    question_count = models.PositiveSmallIntegerField(_("number of questions"), default=0)
    passed = models.BooleanField(_("passed"), default=False)

    class Meta:
        verbose_name = _("attempt")
        verbose_name_plural = _("attempts")
        ordering = ["-started_at"]
        constraints = [
            # Attempt limits hold under concurrent requests: numbers are unique.
            models.UniqueConstraint(
                fields=["user", "quiz", "number"], name="attempt_number_unique"
            ),
            # A second tab resumes the open attempt instead of starting another.
            models.UniqueConstraint(
                fields=["user", "quiz", "context"],
                condition=Q(status="in_progress"),
                name="attempt_one_open_per_quiz",
            ),
        ]
        indexes = [models.Index(fields=["quiz", "status"])]

    def __str__(self):
        return f"{self.user} — {self.quiz} #{self.number}"

    @property
    def score_percent(self) -> int:
        return score_percent(self.correct_count, self.question_count)


class AttemptQuestion(models.Model):
    """A question as shown in one attempt, with the answer key at that moment."""

    attempt = models.ForeignKey(Attempt, on_delete=models.CASCADE, related_name="questions")
    question = models.ForeignKey(
        "assessments.Question", on_delete=models.PROTECT, related_name="attempt_questions"
    )
    position = models.PositiveSmallIntegerField()
    area = models.ForeignKey("assessments.SkillArea", on_delete=models.PROTECT, related_name="+")
    level = models.PositiveSmallIntegerField()
    kind = models.CharField(max_length=12)
    choice_order = models.JSONField(default=list)
    # What the browser sees instead of choice ids: a random token per choice, fresh for
    # each attempt, so nothing on the page follows authoring order (token → choice id).
    choice_tokens = models.JSONField(default=dict)
    correct_choice_ids = models.JSONField(default=list)
    # The answer saved while the attempt is open (autosave), as choice ids; None until the
    # learner answers. Scoring reads only the submitted answers (``Response``).
    saved_choice_ids = models.JSONField(null=True, blank=True, default=None)

    class Meta:
        ordering = ["attempt", "position"]
        constraints = [
            models.UniqueConstraint(
                fields=["attempt", "position"], name="attempt_question_position"
            ),
            models.UniqueConstraint(fields=["attempt", "question"], name="attempt_question_once"),
        ]

    def __str__(self):
        return f"{self.attempt} Q{self.position}"

    def tokens_for(self, choice_ids) -> list[str]:
        """The tokens this attempt shows for ``choice_ids`` (what a learner ticking them sends)."""
        token_of = {choice_id: token for token, choice_id in self.choice_tokens.items()}
        return [token_of[choice_id] for choice_id in choice_ids]

    def choice_ids_for(self, tokens) -> list[int] | None:
        """The choices behind ``tokens``, or None when one is not a token of this question."""
        try:
            return [self.choice_tokens[token] for token in tokens]
        except (KeyError, TypeError):
            return None


class Response(models.Model):
    """The learner's answer to one question of a submitted attempt."""

    attempt_question = models.OneToOneField(
        AttemptQuestion, on_delete=models.CASCADE, related_name="response"
    )
    selected_choice_ids = models.JSONField(default=list)
    is_correct = models.BooleanField()

    class Meta:
        verbose_name = _("response")
        verbose_name_plural = _("responses")

    def __str__(self):
        return f"{self.attempt_question}: {'✓' if self.is_correct else '✗'}"
