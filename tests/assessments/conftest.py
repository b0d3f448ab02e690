import pytest

from assessments.factories import QuestionFactory, QuizFactory
from assessments.models import Question
from lms.factories import UserFactory


@pytest.fixture
def learner(db):
    return UserFactory()


@pytest.fixture
def quiz(db):
    """Three questions: single (1st correct), multiple (1st+2nd), true/false (2nd)."""
    questions = [
        QuestionFactory(kind=Question.Kind.SINGLE, choices__correct=[0]),
        QuestionFactory(kind=Question.Kind.MULTIPLE, choices__correct=[0, 1]),
        QuestionFactory(kind=Question.Kind.TRUE_FALSE, choices__correct=[1]),
    ]
    return QuizFactory(questions=questions)


def key_of(attempt):
    """The right answers for every question of an attempt (what a perfect learner sends)."""
    return {aq.question_id: list(aq.correct_choice_ids) for aq in attempt.questions.all()}


def wrong_answers(attempt):
    return {
        aq.question_id: [next(c for c in aq.choice_order if c not in aq.correct_choice_ids)]
        for aq in attempt.questions.all()
    }
