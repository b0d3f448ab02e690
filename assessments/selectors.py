"""Reads of skills, quizzes and attempts, with fixed query counts."""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db import connection

from .levels import DESCRIPTORS, MEASURED_BELOW_FOUNDATION, Level, level_label
from .models import (
    Attempt,
    AttemptQuestion,
    Choice,
    Quiz,
    Response,
    SelfAssessment,
    SkillArea,
    SkillResult,
)
from .scoring import Tally, explain


def skill_tallies(*, user, area_ids=None) -> dict[int, dict[int, Tally]]:
    """Per area and level, how many questions the learner answered and got right.

    Each question counts once, with the learner's latest answer, so retaking a
    quiz shows growth without inflating the evidence. A category's tally is
    the sum of its sub-items'. One query.
    """
    rows = (
        Response.objects.filter(
            attempt_question__attempt__user=user,
            attempt_question__attempt__status=Attempt.Status.SUBMITTED,
        )
        .order_by("attempt_question__question_id", "-attempt_question__attempt__submitted_at")
        .values_list(
            "attempt_question__question_id",
            "attempt_question__area_id",
            "attempt_question__area__parent_id",
            "attempt_question__level",
            "is_correct",
        )
    )
    seen = set()
    tallies: dict[int, dict[int, Tally]] = defaultdict(dict)
    for question_id, area_id, parent_id, level, is_correct in rows:
        if question_id in seen:
            continue
        seen.add(question_id)
        for target in (area_id, parent_id):
            if target is not None and (area_ids is None or target in area_ids):
                tallies[target][level] = tallies[target].get(level, Tally()).add(is_correct)
    return tallies


def current_skill_results(*, user) -> dict[int, SkillResult]:
    """The latest result per area. One query."""
    latest: dict[int, SkillResult] = {}
    for result in SkillResult.objects.filter(user=user).order_by("area_id", "-assessed_at", "-id"):
        latest.setdefault(result.area_id, result)
    return latest


def current_self_ratings(*, user) -> dict[int, int]:
    latest: dict[int, int] = {}
    for area_id, rating in (
        SelfAssessment.objects.filter(user=user)
        .order_by("area_id", "-assessed_at", "-id")
        .values_list("area_id", "rating")
    ):
        latest.setdefault(area_id, rating)
    return latest


@dataclass
class AreaSkill:
    area: SkillArea
    level: int = Level.UNASSESSED
    evidence: list = field(default_factory=list)
    self_rating: int | None = None
    children: list["AreaSkill"] = field(default_factory=list)

    @property
    def level_label(self) -> str:
        return level_label(self.level, self.evidence)

    @property
    def evidence_text(self) -> str:
        return explain(self.evidence)

    @property
    def descriptor(self) -> str:
        if self.level == Level.UNASSESSED and self.evidence:
            return str(MEASURED_BELOW_FOUNDATION)
        return DESCRIPTORS[Level(self.level)]


@dataclass
class SkillProfile:
    categories: list[AreaSkill]
    history: list[SkillResult]

    def levels_by_area(self) -> dict[int, int]:
        return {
            skill.area.id: skill.level
            for category in self.categories
            for skill in (category, *category.children)
        }


def skill_profile(*, user, history_limit: int = 30) -> SkillProfile:
    """Current level, evidence and self-rating per area, and recent history. Four queries."""
    areas = list(SkillArea.objects.order_by("sort_order", "code"))
    results = current_skill_results(user=user)
    ratings = current_self_ratings(user=user)

    def skill(area):
        result = results.get(area.id)
        return AreaSkill(
            area=area,
            level=result.level if result else Level.UNASSESSED,
            evidence=result.evidence if result else [],
            self_rating=ratings.get(area.id),
        )

    categories = [skill(area) for area in areas if area.parent_id is None]
    by_id = {category.area.id: category for category in categories}
    for area in areas:
        if area.parent_id in by_id:
            by_id[area.parent_id].children.append(skill(area))
    history = list(
        SkillResult.objects.filter(user=user, area__parent__isnull=True)
        .select_related("area")
        .order_by("-assessed_at", "-id")[:history_limit]
    )
    return SkillProfile(categories=categories, history=history)


@dataclass(frozen=True)
class ChoiceToTake:
    """A choice on the take page: its text and this attempt's token, never its id."""

    token: str
    text: str


@dataclass
class QuestionView:
    attempt_question: AttemptQuestion
    text: str
    kind: str
    choices: list  # ChoiceToTake while taking, Choice in the review
    selected: set[int] = field(default_factory=set)
    correct: set[int] = field(default_factory=set)
    explanation: str = ""
    is_correct: bool | None = None

    @property
    def number(self) -> int:
        return self.attempt_question.position

    @property
    def field_name(self) -> str:
        return f"q{self.attempt_question.question_id}"

    @property
    def multiple(self) -> bool:
        return self.kind == "multiple"


def attempt_for_taking(*, attempt: Attempt, selected=None) -> list[QuestionView]:
    """Questions and choices in the attempt's order, WITHOUT answer keys or explanations,
    and with each choice known by its token only (``selected``: question id → tokens, as
    the browser sent them; a question not in it shows the answer saved while taking).

    Two queries: attempt questions with their question texts, choices.
    """
    selected = selected or {}
    attempt_questions = list(attempt.questions.select_related("question"))
    choices = _choices_for(attempt_questions)
    views = []
    for aq in attempt_questions:
        token_of = {choice_id: token for token, choice_id in aq.choice_tokens.items()}
        views.append(
            QuestionView(
                attempt_question=aq,
                text=aq.question.text,
                kind=aq.kind,
                choices=[
                    ChoiceToTake(token=token_of[cid], text=choices[cid].text)
                    for cid in aq.choice_order
                    if cid in choices and cid in token_of
                ],
                selected=set(
                    selected[aq.question_id]
                    if aq.question_id in selected
                    else [token_of[cid] for cid in aq.saved_choice_ids or () if cid in token_of]
                ),
            )
        )
    return views


def attempt_review(*, attempt: Attempt) -> list[QuestionView]:
    """A scored attempt with answers, the key and explanations. Only after submission,
    and never for a skill check: its questions are drawn again in later skill checks (by
    everyone who takes them), so their key and explanations stay on the server; the learner
    reads the levels on マイスキル."""
    if attempt.status == Attempt.Status.IN_PROGRESS:
        raise ValueError("An attempt in progress has no review: the key stays on the server.")
    if attempt.quiz.kind == Quiz.Kind.SKILL_CHECK:
        return []
    attempt_questions = list(attempt.questions.select_related("question", "response"))
    choices = _choices_for(attempt_questions)
    views = []
    for aq in attempt_questions:
        response = getattr(aq, "response", None)
        views.append(
            QuestionView(
                attempt_question=aq,
                text=aq.question.text,
                kind=aq.kind,
                choices=[choices[cid] for cid in aq.choice_order if cid in choices],
                selected=set(response.selected_choice_ids) if response else set(),
                correct=set(aq.correct_choice_ids),
                explanation=aq.question.explanation,
                is_correct=response.is_correct if response else None,
            )
        )
    return views


@dataclass(frozen=True)
class AreaMeasured:
    """What one skill check measured in one DSS-L category: this attempt's answers there,
    and the level the learner holds now (decided on every answer so far)."""

    area: SkillArea
    answered: int
    correct: int
    level: int
    evidence: list

    @property
    def level_label(self) -> str:
        return level_label(self.level, self.evidence)

    @property
    def evidence_text(self) -> str:
        return explain(self.evidence)


def attempt_skill_summary(*, attempt: Attempt) -> list[AreaMeasured]:
    """Per category the attempt asked about: answered, correct, the current level. Two queries."""
    rows = (
        AttemptQuestion.objects.filter(attempt=attempt)
        .select_related("area__parent", "response")
        .order_by("position")
    )
    tallies: dict[int, list] = {}
    for aq in rows:
        category = aq.area.parent or aq.area
        tally = tallies.setdefault(category.id, [category, 0, 0])
        tally[1] += 1
        tally[2] += bool(getattr(aq, "response", None) and aq.response.is_correct)
    results = current_skill_results(user=attempt.user_id)
    summary = []
    for category, answered, correct in sorted(
        tallies.values(), key=lambda t: (t[0].sort_order, t[0].code)
    ):
        result = results.get(category.id)
        summary.append(
            AreaMeasured(
                area=category,
                answered=answered,
                correct=correct,
                level=result.level if result else Level.UNASSESSED,
                evidence=result.evidence if result else [],
            )
        )
    return summary


def _choices_for(attempt_questions) -> dict[int, Choice]:
    ids = [cid for aq in attempt_questions for cid in aq.choice_order]
    return {choice.id: choice for choice in Choice.objects.filter(pk__in=ids).only("id", "text")}


@dataclass
class QuizStatus:
    quiz: Quiz
    attempts_used: int = 0
    open_attempt: Attempt | None = None
    best: Attempt | None = None

    @property
    def passed(self) -> bool:
        return bool(self.best and self.best.passed)

    @property
    def attempts_left(self) -> int | None:
        if not self.quiz.attempt_limit:
            return None
        return max(0, self.quiz.attempt_limit - self.attempts_used)


def quiz_statuses(*, user, quizzes, context: str | None = None) -> dict[int, QuizStatus]:
    """Per published quiz (drafts are not offered): attempts used, the open attempt (in
    ``context``, if given), the best. One query."""
    statuses = {quiz.id: QuizStatus(quiz=quiz) for quiz in quizzes if quiz.live}
    if not statuses or not user.is_authenticated:
        return statuses
    for attempt in Attempt.objects.filter(user=user, quiz_id__in=statuses).order_by("number"):
        status = statuses[attempt.quiz_id]
        status.attempts_used += 1
        if attempt.status == Attempt.Status.IN_PROGRESS and context in (None, attempt.context):
            status.open_attempt = attempt
        elif attempt.status == Attempt.Status.SUBMITTED and (
            status.best is None
            or (attempt.passed, attempt.correct_count)
            > (status.best.passed, status.best.correct_count)
        ):
            status.best = attempt
    return statuses


@dataclass(frozen=True)
class QuestionStatistics:
    """Item analysis for one question (after Moodle's quiz statistics).

    ``facility``: share of answers that were right. ``discrimination``: share
    right among the top 27 % of attempts (by score on their quiz) minus the
    share among the bottom 27 %; low or negative values flag a question that
    strong learners get wrong as often as weak ones.
    """

    question_id: int
    answered: int
    facility: float
    discrimination: float | None


ITEM_ANALYSIS_SQL = """
WITH ranked AS (
    SELECT a.id AS attempt_id,
           PERCENT_RANK() OVER (
               PARTITION BY a.quiz_id
               ORDER BY CAST(a.correct_count AS REAL) / a.question_count
           ) AS standing
    FROM {attempt} a
    WHERE a.status = %s AND a.question_count > 0{learners}
), marks AS (
    SELECT aq.question_id,
           CASE WHEN r.is_correct THEN 1.0 ELSE 0.0 END AS mark,
           ranked.standing
    FROM {response} r
    JOIN {attempt_question} aq ON aq.id = r.attempt_question_id
    JOIN ranked ON ranked.attempt_id = aq.attempt_id
)
SELECT question_id,
       COUNT(*) AS answered,
       AVG(mark) AS facility,
       AVG(CASE WHEN standing >= 0.73 THEN mark END) AS upper_group,
       AVG(CASE WHEN standing <= 0.27 THEN mark END) AS lower_group
FROM marks
GROUP BY question_id
"""


def question_statistics(*, learners=()) -> dict[int, QuestionStatistics]:
    """Facility and discrimination of every answered question, aggregated in SQL. One query.

    ``learners``: querysets of user ids (``values("user_id")`` or the like); when given,
    only attempts by people in every one of them count (and are ranked among themselves).
    Assessments knows no towns: the admin view gets them from ``ITEM_ANALYSIS_LEARNERS_HOOK``.
    """
    conditions, params = [], [Attempt.Status.SUBMITTED]
    for people in learners:
        subquery, subquery_params = people.query.sql_with_params()
        conditions.append(f" AND a.user_id IN ({subquery})")
        params.extend(subquery_params)
    sql = ITEM_ANALYSIS_SQL.format(
        attempt=Attempt._meta.db_table,
        response=Response._meta.db_table,
        attempt_question=AttemptQuestion._meta.db_table,
        learners="".join(conditions),
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        rows = cursor.fetchall()
    return {
        question_id: QuestionStatistics(
            question_id=question_id,
            answered=answered,
            facility=float(facility),
            discrimination=(
                float(upper) - float(lower) if upper is not None and lower is not None else None
            ),
        )
        for question_id, answered, facility, upper, lower in rows
    }
