"""Pure scoring rules: no database, no Django models. Tested as plain tables.

The level rule (default): a learner holds level L in an area when they
answered at least ``MIN_QUESTIONS`` questions at level L, got at least
``PASS_RATIO`` of them right, and also hold level L−1. Each decision carries
its evidence in words, so every level shown can be explained.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction

from django.utils.translation import gettext as _

MIN_QUESTIONS = 3
PASS_RATIO = Fraction(7, 10)
MAX_LEVEL = 4

SINGLE = "single"
MULTIPLE = "multiple"
TRUE_FALSE = "true_false"


def choice_set_error(kind: str | None, correct_flags: list[bool]) -> str | None:
    """Why a set of choices does not fit the question type, or None when it does."""
    correct = sum(correct_flags)
    if len(correct_flags) < 2:
        return _("A question needs at least two choices.")
    if kind in (SINGLE, TRUE_FALSE) and correct != 1:
        return _("Mark exactly one choice as correct.")
    if kind == TRUE_FALSE and len(correct_flags) != 2:
        return _("A true-or-false question has exactly two choices.")
    if kind == MULTIPLE and not (1 <= correct < len(correct_flags)):
        return _("Mark at least one correct and at least one incorrect choice.")
    return None


def is_answer_correct(*, selected: Iterable[int], correct: Iterable[int]) -> bool:
    """All-or-nothing: the selected set must equal the correct set (no partial credit)."""
    selected, correct = set(selected), set(correct)
    return bool(correct) and selected == correct


def score_percent(correct: int, total: int) -> int:
    return round(100 * correct / total) if total else 0


def has_passed(*, correct: int, total: int, pass_mark_percent: int) -> bool:
    return total > 0 and Fraction(correct, total) * 100 >= pass_mark_percent


@dataclass(frozen=True)
class Tally:
    answered: int = 0
    correct: int = 0

    def add(self, is_correct: bool) -> "Tally":
        return Tally(self.answered + 1, self.correct + int(is_correct))


@dataclass(frozen=True)
class LevelDecision:
    """A level and the tallies it was decided on: ``[[level, answered, correct], …]``.

    The evidence is stored as data and put into words when shown, in the
    reader's language.
    """

    level: int
    evidence: list[list[int]]

    @property
    def explanation(self) -> str:
        return explain(self.evidence)


def describe_tally(level: int, answered: int, correct: int) -> str:
    return _("Level %(level)s: %(correct)s of %(answered)s level-%(level)s questions correct") % {
        "level": level,
        "answered": answered,
        "correct": correct,
    }


def explain(evidence) -> str:
    return " / ".join(describe_tally(*row) for row in evidence or [])


def decide_level(
    tallies: Mapping[int, Tally],
    *,
    min_questions: int = MIN_QUESTIONS,
    pass_ratio: Fraction = PASS_RATIO,
) -> LevelDecision:
    """The highest level L such that every level 1..L is met, with the evidence."""
    level = 0
    evidence: list[list[int]] = []
    for candidate in range(1, MAX_LEVEL + 1):
        tally = tallies.get(candidate, Tally())
        if tally.answered == 0:
            break
        evidence.append([candidate, tally.answered, tally.correct])
        if tally.answered < min_questions or Fraction(tally.correct, tally.answered) < pass_ratio:
            break
        level = candidate
    return LevelDecision(level=level, evidence=evidence)
