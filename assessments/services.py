"""Writes for quizzes and skill levels. Each service owns its transaction.

Integrity rules:
- learners take the published (live) version of a quiz and its questions; drafts
  and changes under review never reach them (``Question.objects.usable_in``);
- the answer key is copied into the attempt when it starts and never sent to
  the browser before submission; scores are computed here, from that copy;
- the browser sees a random token per choice, fresh for each attempt, never a
  choice id (ids follow authoring order, so they would hint at the key); a
  token that is not one of the question's is refused;
- a submission is bound to its attempt's token; only the first submission
  of an attempt is scored (a conditional UPDATE claims it);
- attempt limits hold under concurrent requests (unique attempt numbers);
- late rule: answers that arrive after the time limit plus ``GRACE`` are not
  scored; the attempt is closed as "time ran out" and counts as an attempt.
"""

import datetime
import random
import secrets
from collections.abc import Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from . import scoring
from .levels import Level
from .models import (
    Attempt,
    AttemptQuestion,
    Question,
    Quiz,
    Response,
    SelfAssessment,
    SkillArea,
    SkillResult,
)
from .selectors import current_skill_results, skill_tallies

GRACE = datetime.timedelta(seconds=30)

ATTEMPT_LIMIT_REACHED = _(
    "You have already used all %(limit)s attempts for this quiz. Please ask the course "
    "author if you need another attempt."
)
QUIZ_HAS_NO_QUESTIONS = _("This quiz has no questions yet. Please tell the course author.")
QUIZ_NOT_PUBLISHED = _(
    "This quiz is not open yet: it is waiting to be published. Please try again later."
)
UNKNOWN_QUESTION = _(
    "An answer was sent for a question that is not part of this attempt. "
    "Please reload the page and answer again."
)
UNKNOWN_CHOICE = _(
    "An answer contains a choice that does not belong to its question. "
    "Please reload the page and answer again."
)
TOO_MANY_CHOICES = _("Question %(number)s accepts only one choice.")
TIME_RAN_OUT = _(
    "The time limit had passed, so these answers could not be accepted. "
    "The attempt has been closed as “time ran out”."
)
ATTEMPT_CLOSED = _(
    "This attempt has already been submitted or closed, so the answer was not saved. "
    "Please open the result page."
)
INVALID_QUESTION_ID = _(
    "The answer could not be saved: the question was not recognised. "
    "Please reload the page and answer again."
)
INVALID_RATING = _("Please choose a rating from 1 to 4 for each area.")


class AssessmentError(Exception):
    pass


@dataclass(frozen=True)
class SubmitResult:
    attempt: Attempt
    scored_now: bool

    @property
    def late(self) -> bool:
        return self.attempt.status == Attempt.Status.EXPIRED


@transaction.atomic
def attempt_start(
    *,
    user,
    quiz: Quiz,
    context: str = "",
    now: datetime.datetime | None = None,
    rng: random.Random | None = None,
) -> Attempt:
    """Start an attempt, or return the one already open (a second tab resumes it)."""
    now = now or timezone.now()
    rng = rng or random.SystemRandom()
    if not quiz.live:
        raise AssessmentError(QUIZ_NOT_PUBLISHED)
    open_attempt = Attempt.objects.filter(
        user=user, quiz=quiz, context=context, status=Attempt.Status.IN_PROGRESS
    ).first()
    if open_attempt:
        if not _past_deadline(open_attempt, now):
            return open_attempt
        _close_as_expired(open_attempt, now)
    used = Attempt.objects.filter(user=user, quiz=quiz).count()
    if quiz.attempt_limit and used >= quiz.attempt_limit:
        # A concurrent request (another tab) may have started it since we looked.
        started_meanwhile = Attempt.objects.filter(
            user=user, quiz=quiz, context=context, status=Attempt.Status.IN_PROGRESS
        ).first()
        if started_meanwhile:
            return started_meanwhile
        raise AssessmentError(ATTEMPT_LIMIT_REACHED % {"limit": quiz.attempt_limit})
    questions = _questions_for(quiz, rng)
    if not questions:
        raise AssessmentError(QUIZ_HAS_NO_QUESTIONS)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                user=user,
                quiz=quiz,
                number=used + 1,
                context=context,
                started_at=now,
                deadline=(
                    now + datetime.timedelta(minutes=quiz.time_limit_minutes)
                    if quiz.time_limit_minutes
                    else None
                ),
            )
    except IntegrityError:
        # A concurrent request took this attempt number first; use its attempt.
        concurrent = Attempt.objects.filter(
            user=user, quiz=quiz, context=context, status=Attempt.Status.IN_PROGRESS
        ).first()
        if concurrent is None:
            raise AssessmentError(ATTEMPT_LIMIT_REACHED % {"limit": quiz.attempt_limit}) from None
        return concurrent
    AttemptQuestion.objects.bulk_create(
        _attempt_question(attempt, question, position, shuffle=quiz.shuffle, rng=rng)
        for position, question in enumerate(questions, start=1)
    )
    return attempt


def _attempt_question(attempt, question, position, *, shuffle, rng) -> AttemptQuestion:
    order = _choice_order(question, shuffle=shuffle, rng=rng)
    return AttemptQuestion(
        attempt=attempt,
        question=question,
        position=position,
        area_id=question.area_id,
        level=question.level,
        kind=question.kind,
        choice_order=order,
        choice_tokens=_choice_tokens(order),
        correct_choice_ids=sorted(c.id for c in question.choices.all() if c.is_correct),
    )


def _questions_for(quiz: Quiz, rng: random.Random) -> list[Question]:
    usable = Question.objects.usable_in(quiz)
    chosen_ids = list(
        quiz.fixed_questions.filter(question__in=usable).values_list("question_id", flat=True)
    )
    for rule in quiz.draw_rules.select_related("area"):
        candidates = list(
            usable.filter(active=True, level=rule.level)
            .filter(Q(area=rule.area) | Q(area__parent=rule.area))
            .exclude(pk__in=chosen_ids)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        chosen_ids += rng.sample(candidates, min(rule.count, len(candidates)))
    questions = {
        q.pk: q for q in Question.objects.filter(pk__in=chosen_ids).prefetch_related("choices")
    }
    ordered = [questions[pk] for pk in chosen_ids if pk in questions]
    if quiz.shuffle:
        rng.shuffle(ordered)
    return ordered


def _choice_order(question: Question, *, shuffle: bool, rng: random.Random) -> list[int]:
    ids = [choice.id for choice in question.choices.all()]
    # 正しい/誤り keep their order; shuffling them only confuses.
    if shuffle and question.kind != Question.Kind.TRUE_FALSE:
        rng.shuffle(ids)
    return ids


TOKEN_BYTES = 12  # 16 URL-safe characters from the operating system's random source


def _choice_tokens(choice_ids: list[int]) -> dict[str, int]:
    """A fresh, unpredictable token per choice (token → choice id). Never from ``rng``:
    a seeded generator (the demo, tests) must not make tokens guessable."""
    tokens: dict[str, int] = {}
    while len(tokens) < len(choice_ids):
        tokens = {secrets.token_urlsafe(TOKEN_BYTES): choice_id for choice_id in choice_ids}
    return tokens


def _past_deadline(attempt: Attempt, now: datetime.datetime) -> bool:
    return attempt.deadline is not None and now > attempt.deadline + GRACE


def _close_as_expired(attempt: Attempt, now: datetime.datetime) -> bool:
    closed = Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS).update(
        status=Attempt.Status.EXPIRED, submitted_at=now
    )
    attempt.refresh_from_db()
    return bool(closed)


def validate_answers(
    attempt_questions: list[AttemptQuestion], answers: Mapping[int, list[str]]
) -> dict[int, list[int]]:
    """The chosen choice ids per question, from the tokens the browser sent.

    Rejects answers to questions outside the attempt, and tokens that are not the
    question's in this attempt (another question's, another attempt's, a choice id,
    anything made up).
    """
    by_question = {aq.question_id: aq for aq in attempt_questions}
    chosen = {}
    for question_id, tokens in answers.items():
        attempt_question = by_question.get(question_id)
        if attempt_question is None:
            raise AssessmentError(UNKNOWN_QUESTION)
        choice_ids = attempt_question.choice_ids_for(tokens)
        if choice_ids is None:
            raise AssessmentError(UNKNOWN_CHOICE)
        if attempt_question.kind != Question.Kind.MULTIPLE and len(set(choice_ids)) > 1:
            raise AssessmentError(TOO_MANY_CHOICES % {"number": attempt_question.position})
        chosen[question_id] = choice_ids
    return chosen


@dataclass(frozen=True)
class SaveResult:
    attempt: Attempt
    answered: int  # questions of the attempt with a saved answer
    total: int


def attempt_answer_save(
    *,
    user,
    token,
    question_id: int,
    tokens: list[str],
    now: datetime.datetime | None = None,
) -> SaveResult:
    """Save one question's answer while the attempt is open (autosave), checked as a
    submission is: only the learner's own attempt (``Attempt.DoesNotExist`` otherwise), only
    while it is open and before its deadline (the late rule: past the deadline plus
    ``GRACE`` the attempt closes as time ran out), only the attempt's questions and their
    tokens. No tokens saves "no answer" (a multiple-choice question unticked). Nothing is
    scored here: the submission is.
    """
    now = now or timezone.now()
    attempt = Attempt.objects.get(token=token, user=user)
    if attempt.status == Attempt.Status.IN_PROGRESS and _past_deadline(attempt, now):
        _close_as_expired(attempt, now)  # kept: the refusal below must not undo it
        raise AssessmentError(TIME_RAN_OUT)
    return _answer_save(attempt.pk, question_id=question_id, tokens=tokens)


@transaction.atomic
def _answer_save(attempt_id, *, question_id: int, tokens: list[str]) -> SaveResult:
    # Locked, so that a submission in another tab is either before (refused) or after.
    attempt = Attempt.objects.select_for_update().get(pk=attempt_id)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        raise AssessmentError(ATTEMPT_CLOSED)
    attempt_questions = list(attempt.questions.all())
    chosen = validate_answers(attempt_questions, {question_id: list(tokens)})
    saved = sorted(set(chosen[question_id])) or None
    answered = 0
    for aq in attempt_questions:
        if aq.question_id == question_id:
            aq.saved_choice_ids = saved
            AttemptQuestion.objects.filter(pk=aq.pk).update(saved_choice_ids=saved)
        answered += bool(aq.saved_choice_ids)
    return SaveResult(attempt=attempt, answered=answered, total=len(attempt_questions))


@transaction.atomic
def attempt_submit(
    *, user, token, answers: Mapping[int, list[str]], now: datetime.datetime | None = None
) -> SubmitResult:
    """Score an attempt once. Repeated or concurrent submissions return the first result.

    ``answers`` maps question ids to the tokens of the chosen choices (as the
    take page shows them, ``AttemptQuestion.tokens_for``); unanswered
    questions count as wrong. Raises ``Attempt.DoesNotExist`` for a token that
    is not this user's, ``AssessmentError`` (nothing saved) for tampered answers.
    """
    now = now or timezone.now()
    attempt = Attempt.objects.select_related("quiz").get(token=token, user=user)
    if attempt.status != Attempt.Status.IN_PROGRESS:
        return SubmitResult(attempt, scored_now=False)
    if _past_deadline(attempt, now):
        # Whatever was sent, it came too late: close the attempt, score nothing.
        return SubmitResult(attempt, scored_now=_close_as_expired(attempt, now))
    attempt_questions = list(attempt.questions.all())
    chosen = validate_answers(attempt_questions, answers)
    claimed = Attempt.objects.filter(pk=attempt.pk, status=Attempt.Status.IN_PROGRESS).update(
        status=Attempt.Status.SUBMITTED, submitted_at=now
    )
    if not claimed:
        attempt.refresh_from_db()
        return SubmitResult(attempt, scored_now=False)
    responses = [
        Response(
            attempt_question=aq,
            selected_choice_ids=sorted(set(chosen.get(aq.question_id, []))),
            is_correct=scoring.is_answer_correct(
                selected=chosen.get(aq.question_id, []), correct=aq.correct_choice_ids
            ),
        )
        for aq in attempt_questions
    ]
    Response.objects.bulk_create(responses)
    correct = sum(r.is_correct for r in responses)
    Attempt.objects.filter(pk=attempt.pk).update(
        correct_count=correct,
        question_count=len(responses),
        passed=scoring.has_passed(
            correct=correct,
            total=len(responses),
            pass_mark_percent=attempt.quiz.pass_mark_percent,
        ),
    )
    attempt.refresh_from_db()
    skill_levels_refresh(
        user=user, area_ids={aq.area_id for aq in attempt_questions}, attempt=attempt, now=now
    )
    return SubmitResult(attempt, scored_now=True)


@transaction.atomic
def skill_levels_refresh(*, user, area_ids, attempt=None, now=None) -> list[SkillResult]:
    """Re-decide levels of the given areas and their categories; append changed ones.

    History is append-only: a new row is written only when the level or its
    evidence changed, so repeated calls are a no-op. An area without a result yet is
    未評価 without evidence (as マイスキル shows it), so answers that decide nothing
    there (only questions above level 1, say) record nothing: every result has evidence.
    """
    now = now or timezone.now()
    parents = set(
        SkillArea.objects.filter(pk__in=area_ids, parent__isnull=False).values_list(
            "parent_id", flat=True
        )
    )
    affected = set(area_ids) | parents
    tallies = skill_tallies(user=user, area_ids=affected)
    current = current_skill_results(user=user)
    new_results = []
    for area_id in sorted(affected):
        decision = scoring.decide_level(tallies.get(area_id, {}))
        latest = current.get(area_id)
        shown = (latest.level, latest.evidence) if latest else (Level.UNASSESSED, [])
        if shown == (decision.level, decision.evidence):
            continue
        new_results.append(
            SkillResult(
                user=user,
                area_id=area_id,
                level=decision.level,
                evidence=decision.evidence,
                assessed_at=now,
                attempt=attempt,
            )
        )
    return SkillResult.objects.bulk_create(new_results)


@transaction.atomic
def self_assessment_record(
    *, user, ratings: Mapping[int, int], now: datetime.datetime | None = None
) -> int:
    """Append the learner's own ratings (1–4) per area; unchanged ratings are skipped."""
    now = now or timezone.now()
    if any(not 0 < area_id < 2**63 for area_id in ratings):
        raise AssessmentError(INVALID_RATING)
    valid_ratings = set(SelfAssessment.Rating.values)
    areas = set(SkillArea.objects.filter(pk__in=ratings.keys()).values_list("pk", flat=True))
    if set(ratings) - areas or set(ratings.values()) - valid_ratings:
        raise AssessmentError(INVALID_RATING)
    latest = {}
    for row in SelfAssessment.objects.filter(user=user, area_id__in=areas).order_by(
        "area_id", "-assessed_at", "-id"
    ):
        latest.setdefault(row.area_id, row.rating)
    rows = [
        SelfAssessment(user=user, area_id=area_id, rating=rating, assessed_at=now)
        for area_id, rating in ratings.items()
        if latest.get(area_id) != rating
    ]
    SelfAssessment.objects.bulk_create(rows)
    return len(rows)
