"""受講後アンケート: offering a course's survey, answering it once per cycle, and its results
as totals only (docs/surveys.md).

Who took part (``SurveyParticipation``) and what was answered (``SurveyResponse`` and its
``SurveyAnswer`` rows, with random ids and no time) are kept apart: no screen, selector or
export joins them. Results are per course and cycle, never per person and never broken
down further (no department, no union of cycles), and a question's result with fewer
answers than ``SHINKA_SURVEY_MIN_ANSWERS`` is withheld. Who may read results, and of which
town's courses, is decided in lms (``lms.people.permissions``): courses knows no towns.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django import forms
from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Exists, OuterRef, Subquery
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext_lazy as _

from .fiscal import fiscal_year_of, local_today
from .models import (
    RATING_MAX,
    RATING_MIN,
    CourseCompletion,
    CoursePage,
    SurveyAnswer,
    SurveyParticipation,
    SurveyQuestion,
    SurveyResponse,
    cycle_for,
)

TEXT_MAX_LENGTH = 1000
ALREADY_ANSWERED = _("You have already answered this survey.")
NOT_COMPLETED = _("The survey opens once you have completed the course.")
NOTHING_ANSWERED = _("Please answer at least one question, or choose “Skip the survey”.")


class SurveyError(Exception):
    pass


def min_answers() -> int:
    """The fewest answers a result is shown with (``SHINKA_SURVEY_MIN_ANSWERS``, default 5)."""
    return settings.SHINKA_SURVEY_MIN_ANSWERS


def current_cycle(course: CoursePage, *, today: datetime.date | None = None) -> int:
    """The cycle a learner answers in today: the fiscal year for annual courses, else 0."""
    return cycle_for(annual=course.annual, fiscal_year=fiscal_year_of(today or local_today()))


def survey_questions(course: CoursePage) -> list[SurveyQuestion]:
    """The published questions, in the author's order (the live page's rows)."""
    return list(SurveyQuestion.objects.filter(page=course).order_by("sort_order", "pk"))


def owner_key(*, user, course: CoursePage, cycle: int) -> str:
    """A keyed hash naming the learner's own response to themselves only (docs/surveys.md)."""
    return salted_hmac(
        "shinka.survey.owner", f"{user.pk}:{course.pk}:{cycle}", algorithm="sha256"
    ).hexdigest()


# ---------------------------------------------------------------------------------------
# The learner's side


@dataclass(frozen=True)
class SurveyState:
    """What the course page and the survey page show the learner. Three queries at most."""

    has_survey: bool
    cycle: int
    completed: bool = False
    answered: bool = False
    skipped: bool = False

    @property
    def open(self) -> bool:
        """The learner may answer now."""
        return self.has_survey and self.completed and not self.answered

    @property
    def offered(self) -> bool:
        """The course page invites them (not after they skipped or answered)."""
        return self.open and not self.skipped


def survey_state(*, user, course: CoursePage, today: datetime.date | None = None) -> SurveyState:
    """One query: whether the course has questions, the learner completed it this cycle,
    and answered or skipped its survey."""
    cycle = current_cycle(course, today=today)
    if not user.is_authenticated:
        return SurveyState(has_survey=False, cycle=cycle)
    row = (
        CoursePage.objects.filter(pk=course.pk)
        .annotate(
            has_survey=Exists(SurveyQuestion.objects.filter(page_id=OuterRef("pk"))),
            completed=Exists(
                CourseCompletion.objects.filter(user=user, course_id=OuterRef("pk"), cycle=cycle)
            ),
            answered=Subquery(
                SurveyParticipation.objects.filter(
                    user=user, course_id=OuterRef("pk"), cycle=cycle
                ).values("answered")[:1]
            ),
        )
        .values("has_survey", "completed", "answered")
        .first()
    )
    if row is None or not row["has_survey"]:
        return SurveyState(has_survey=False, cycle=cycle)
    return SurveyState(
        has_survey=True,
        cycle=cycle,
        completed=row["completed"],
        answered=row["answered"] is True,
        skipped=row["answered"] is False,
    )


class SurveyForm(forms.Form):
    """One optional field per question: a 1–5 choice or a text."""

    def __init__(self, *args, questions: list[SurveyQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            if question.kind == SurveyQuestion.Kind.RATING:
                self.fields[f"q{question.pk}"] = forms.TypedChoiceField(
                    label=question.text,
                    choices=[(n, str(n)) for n in range(RATING_MIN, RATING_MAX + 1)],
                    coerce=int,
                    empty_value=None,
                    required=False,
                    widget=forms.RadioSelect,
                )
            else:
                self.fields[f"q{question.pk}"] = forms.CharField(
                    label=question.text,
                    max_length=TEXT_MAX_LENGTH,
                    required=False,
                    strip=True,
                    widget=forms.Textarea(attrs={"rows": 4}),
                )

    def rows(self):
        """(question, bound field) pairs, for the template."""
        return [(question, self[f"q{question.pk}"]) for question in self.questions]

    def answers(self) -> dict[int, int | str]:
        """Answered questions only: question id → rating or text."""
        found = {}
        for question in self.questions:
            value = self.cleaned_data.get(f"q{question.pk}")
            if value not in (None, ""):
                found[question.pk] = value
        return found

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not self.answers():
            raise forms.ValidationError(NOTHING_ANSWERED)
        return cleaned


@transaction.atomic
def survey_answer(
    *, user, course: CoursePage, answers: dict[int, int | str], today: datetime.date | None = None
) -> SurveyResponse:
    """Store ``user``'s answers to ``course``'s survey for this cycle: once.

    ``answers`` maps question ids of the course to a rating (1–5) or a text; other ids
    are refused. The participation row (locked) says that they answered; the response
    says what, without them. Not audited on purpose: an audit row would tie the two.
    """
    state = survey_state(user=user, course=course, today=today)
    if not state.completed:
        raise SurveyError(NOT_COMPLETED)
    questions = {question.pk: question for question in survey_questions(course)}
    rows = []
    for question_id, value in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise SurveyError(NOTHING_ANSWERED)
        if question.kind == SurveyQuestion.Kind.RATING:
            if not isinstance(value, int) or not RATING_MIN <= value <= RATING_MAX:
                raise SurveyError(NOTHING_ANSWERED)
            rows.append(SurveyAnswer(question=question, rating=value))
        else:
            text = str(value).strip()[:TEXT_MAX_LENGTH]
            if text:
                rows.append(SurveyAnswer(question=question, text=text))
    if not rows:
        raise SurveyError(NOTHING_ANSWERED)
    participation, _created = SurveyParticipation.objects.select_for_update().get_or_create(
        user=user, course=course, cycle=state.cycle
    )
    if participation.answered:
        raise SurveyError(ALREADY_ANSWERED)
    try:
        with transaction.atomic():
            response = SurveyResponse.objects.create(
                course=course,
                cycle=state.cycle,
                owner=owner_key(user=user, course=course, cycle=state.cycle),
            )
    except IntegrityError as error:  # the same learner, two requests at once
        raise SurveyError(ALREADY_ANSWERED) from error
    for row in rows:
        row.response = response
    SurveyAnswer.objects.bulk_create(rows)
    participation.answered = True
    participation.save(update_fields=["answered"])
    return response


@transaction.atomic
def survey_skip(*, user, course: CoursePage, today: datetime.date | None = None) -> None:
    """The learner does not want to answer (「回答しない」): the course page stops asking.
    They may still answer later in the cycle. Idempotent."""
    state = survey_state(user=user, course=course, today=today)
    if not state.completed:
        raise SurveyError(NOT_COMPLETED)
    SurveyParticipation.objects.get_or_create(user=user, course=course, cycle=state.cycle)


def own_answers(*, user, course: CoursePage, cycle: int) -> list[tuple[SurveyQuestion, object]]:
    """The learner's own answers (for them alone): (question, rating or text or None)."""
    response = SurveyResponse.objects.filter(
        owner=owner_key(user=user, course=course, cycle=cycle)
    ).first()
    given = {}
    if response is not None:
        for answer in response.answers.all():
            given[answer.question_id] = answer.rating if answer.rating is not None else answer.text
    return [(question, given.get(question.pk)) for question in survey_questions(course)]


# ---------------------------------------------------------------------------------------
# Results: totals per question, withheld under the threshold


@dataclass(frozen=True)
class RatingShare:
    rating: int
    count: int
    percent: int


@dataclass(frozen=True)
class QuestionResult:
    question: SurveyQuestion
    count: int  # answers to this question; not shown when suppressed
    suppressed: bool
    mean: Decimal | None = None
    distribution: list[RatingShare] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SurveyResults:
    course: CoursePage
    cycle: int
    responses: int
    threshold: int
    questions: list[QuestionResult]


def survey_cycles(course: CoursePage) -> list[int]:
    """The cycles with answers, latest first (fiscal years of an annual course; 0 else)."""
    return list(
        SurveyResponse.objects.filter(course=course)
        .values_list("cycle", flat=True)
        .distinct()
        .order_by("-cycle")
    )


def survey_results(
    *, course: CoursePage, cycle: int, threshold: int | None = None
) -> SurveyResults:
    """Each question's totals for one course and cycle. A question with fewer than
    ``threshold`` answers shows nothing of them (not even its count); free texts are listed
    in the order of their random ids (stable, not the order of answering), and only when
    the question has ``threshold`` texts. Four queries."""
    threshold = min_answers() if threshold is None else threshold
    questions = survey_questions(course)
    answers = SurveyAnswer.objects.filter(response__course=course, response__cycle=cycle)
    ratings: dict[int, dict[int, int]] = {}
    for question_id, rating, count in (
        answers.filter(rating__isnull=False)
        .values_list("question_id", "rating")
        .annotate(n=Count("id"))
        .values_list("question_id", "rating", "n")
    ):
        ratings.setdefault(question_id, {})[rating] = count
    text_counts = dict(
        answers.exclude(text="")
        .values_list("question_id")
        .annotate(n=Count("id"))
        .values_list("question_id", "n")
    )
    shown_text_ids = [
        question.pk
        for question in questions
        if question.kind == SurveyQuestion.Kind.TEXT
        and text_counts.get(question.pk, 0) >= threshold
    ]
    texts: dict[int, list[str]] = {}
    if shown_text_ids:
        for question_id, text in (
            answers.filter(question_id__in=shown_text_ids)
            .exclude(text="")
            .order_by("id")
            .values_list("question_id", "text")
        ):
            texts.setdefault(question_id, []).append(text)
    results = []
    for question in questions:
        if question.kind == SurveyQuestion.Kind.RATING:
            counts = ratings.get(question.pk, {})
            total = sum(counts.values())
            if total < threshold:
                results.append(QuestionResult(question, total, suppressed=True))
                continue
            mean = Decimal(sum(r * n for r, n in counts.items())) / total
            results.append(
                QuestionResult(
                    question,
                    total,
                    suppressed=False,
                    mean=mean.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP),
                    distribution=[
                        RatingShare(
                            rating,
                            counts.get(rating, 0),
                            round(100 * counts.get(rating, 0) / total),
                        )
                        for rating in range(RATING_MIN, RATING_MAX + 1)
                    ],
                )
            )
        else:
            total = text_counts.get(question.pk, 0)
            if total < threshold:
                results.append(QuestionResult(question, total, suppressed=True))
            else:
                results.append(
                    QuestionResult(question, total, suppressed=False, texts=texts[question.pk])
                )
    responses = SurveyResponse.objects.filter(course=course, cycle=cycle).count()
    return SurveyResults(course, cycle, responses, threshold, results)
