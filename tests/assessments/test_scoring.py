"""Scoring rules as tables. No database."""

from fractions import Fraction

import pytest

from assessments.scoring import (
    Tally,
    choice_set_error,
    decide_level,
    has_passed,
    is_answer_correct,
    score_percent,
)


@pytest.mark.parametrize(
    ("selected", "correct", "expected"),
    [
        ([1], [1], True),
        ([2], [1], False),
        ([], [1], False),
        ([1, 2], [1, 2], True),
        ([2, 1], [1, 2], True),
        ([1], [1, 2], False),  # no partial credit
        ([1, 2, 3], [1, 2], False),
        ([1, 1], [1], True),  # a repeated value is one choice
        ([], [], False),  # a question without a key never scores
    ],
)
def test_answer_is_correct_only_when_the_selected_set_equals_the_key(selected, correct, expected):
    assert is_answer_correct(selected=selected, correct=correct) is expected


@pytest.mark.parametrize(
    ("correct", "total", "mark", "passed"),
    [(7, 10, 70, True), (6, 10, 70, False), (2, 3, 67, False), (2, 3, 66, True), (0, 0, 0, False)],
)
def test_pass_mark(correct, total, mark, passed):
    assert has_passed(correct=correct, total=total, pass_mark_percent=mark) is passed


def test_score_percent_rounds():
    assert (score_percent(2, 3), score_percent(0, 0)) == (67, 0)


@pytest.mark.parametrize(
    ("tallies", "level"),
    [
        ({}, 0),
        ({1: Tally(2, 2)}, 0),  # too few questions
        ({1: Tally(3, 2)}, 0),  # 67 % < 70 %
        ({1: Tally(3, 3)}, 1),
        ({1: Tally(10, 7)}, 1),  # exactly 70 %
        ({1: Tally(3, 3), 2: Tally(5, 4)}, 2),
        ({1: Tally(3, 3), 2: Tally(5, 3)}, 1),
        ({1: Tally(3, 1), 2: Tally(5, 5)}, 0),  # must also meet the level below
        ({2: Tally(5, 5)}, 0),
        ({1: Tally(3, 3), 2: Tally(3, 3), 3: Tally(4, 3), 4: Tally(3, 3)}, 4),
        ({1: Tally(3, 3), 2: Tally(3, 3), 4: Tally(3, 3)}, 2),
    ],
)
def test_level_rule(tallies, level):
    assert decide_level(tallies).level == level


def test_level_rule_thresholds_are_parameters():
    tallies = {1: Tally(2, 2)}
    assert decide_level(tallies, min_questions=2).level == 1
    assert decide_level({1: Tally(4, 2)}, pass_ratio=Fraction(1, 2)).level == 1


def test_every_level_carries_its_evidence_in_words():
    decision = decide_level({1: Tally(3, 3), 2: Tally(5, 4), 3: Tally(3, 1)})

    assert decision.level == 2
    assert decision.evidence == [[1, 3, 3], [2, 5, 4], [3, 3, 1]]
    assert decision.explanation == (
        "レベル1：レベル1の問題 3問中3問正解 / "
        "レベル2：レベル2の問題 5問中4問正解 / "
        "レベル3：レベル3の問題 3問中1問正解"
    )


@pytest.mark.parametrize(
    ("kind", "flags", "ok"),
    [
        ("single", [True, False, False], True),
        ("single", [True, True, False], False),
        ("single", [False, False], False),
        ("true_false", [False, True], True),
        ("true_false", [True, False, False], False),
        ("multiple", [True, True, False], True),
        ("multiple", [True, True], False),
        ("multiple", [False, False, False], False),
        ("single", [True], False),
    ],
)
def test_choice_sets_must_fit_the_question_type(kind, flags, ok):
    assert (choice_set_error(kind, flags) is None) is ok
