"""Hostile review 2: attestation of an annual module with a quiz (a strict xfail)."""

import datetime
from zoneinfo import ZoneInfo

import pytest

from assessments.factories import QuestionFactory, QuizFactory
from assessments.models import Attempt, Question
from courses.models import ModuleCompletion
from courses.services import module_attest

TOKYO = ZoneInfo("Asia/Tokyo")
pytestmark = pytest.mark.django_db


def test_attesting_this_year_does_not_complete_with_last_years_quiz(make_course, learner):
    quiz = QuizFactory(questions=[QuestionFactory(kind=Question.Kind.SINGLE)])
    _, course, (module,) = make_course(modules=1, annual=True)
    module.requires_attestation = True
    module.body = [("quiz", {"quiz": quiz})]
    module.save_revision().publish()
    module.refresh_from_db()
    last_year = datetime.datetime(2025, 6, 1, 10, tzinfo=TOKYO)
    Attempt.objects.create(
        user=learner,
        quiz=quiz,
        number=1,
        context=f"module:{module.id}",
        status="submitted",
        started_at=last_year,
        submitted_at=last_year,
        passed=True,
        correct_count=1,
        question_count=1,
    )

    module_attest(user=learner, module=module, at=datetime.datetime(2026, 6, 1, 10, tzinfo=TOKYO))

    # FY2026: the quiz has not been passed this year; only the box was ticked.
    assert not ModuleCompletion.objects.filter(user=learner, module=module, cycle=2026).exists()
