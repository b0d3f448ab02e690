from http import HTTPStatus

import pytest
from django.urls import reverse

from assessments.factories import QuestionFactory, QuizFactory
from assessments.models import Attempt, Response
from assessments.selectors import question_statistics
from assessments.services import attempt_start, attempt_submit
from lms.factories import UserFactory
from lms.people.roles import Role
from tests.assessments.conftest import key_of, wrong_answers

# Which of the four questions each learner gets right. Question 4 is "bad":
# only the weakest learners answer it correctly.
PATTERNS = [
    (True, True, True, False),
    (True, True, True, False),
    (True, True, False, False),
    (True, False, False, False),
    (True, False, False, True),
    (False, False, False, True),
]


@pytest.fixture
def answered_quiz(db):
    questions = [QuestionFactory() for _ in range(4)]
    quiz = QuizFactory(questions=questions)
    for pattern in PATTERNS:
        learner = UserFactory()
        attempt = attempt_start(user=learner, quiz=quiz)
        key, wrong = key_of(attempt), wrong_answers(attempt)
        answers = {
            q.id: key[q.id] if right else wrong[q.id]
            for q, right in zip(questions, pattern, strict=True)
        }
        attempt_submit(user=learner, token=attempt.token, answers=answers)
    return questions


def expected_statistics():
    """An independent computation in Python of what the SQL should return."""
    attempts = list(Attempt.objects.filter(status="submitted"))
    ratios = sorted(a.correct_count / a.question_count for a in attempts)
    n = len(ratios)
    standing = {a.id: ratios.index(a.correct_count / a.question_count) / (n - 1) for a in attempts}
    per_question = {}
    for response in Response.objects.select_related("attempt_question"):
        aq = response.attempt_question
        per_question.setdefault(aq.question_id, []).append(
            (standing[aq.attempt_id], response.is_correct)
        )
    result = {}
    for question_id, marks in per_question.items():
        upper = [c for s, c in marks if s >= 0.73]
        lower = [c for s, c in marks if s <= 0.27]
        result[question_id] = (
            len(marks),
            sum(c for _, c in marks) / len(marks),
            sum(upper) / len(upper) - sum(lower) / len(lower),
        )
    return result


def test_item_analysis_matches_an_independent_computation(answered_quiz):
    statistics = question_statistics()
    expected = expected_statistics()

    for question in answered_quiz:
        stats = statistics[question.id]
        answered, facility, discrimination = expected[question.id]
        assert stats.answered == answered
        assert stats.facility == pytest.approx(facility)
        assert stats.discrimination == pytest.approx(discrimination)
    assert statistics[answered_quiz[0].id].discrimination > 0
    assert statistics[answered_quiz[3].id].discrimination < 0  # the bad question shows up


def test_item_analysis_page_is_for_authors_only(client, make_staff, answered_quiz):
    client.force_login(make_staff(roles=[Role.ADMIN], is_superuser=True))
    response = client.get(reverse("question_statistics"))
    assert response.status_code == HTTPStatus.OK
    assert "識別力" in response.content.decode() or "Discrimination" in response.content.decode()

    client.force_login(make_staff(roles=[Role.HR]))
    assert client.get(reverse("question_statistics")).status_code != HTTPStatus.OK
