"""Autosave and 「ログインを続ける」 against a hostile colleague: another question's tokens of
the same attempt, an attempt posted through another module's address, a skill check's
attempt through a module's, a flood of tokens, and the session endpoint by GET, without
CSRF and signed out."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from assessments.factories import QuestionFactory, QuizFactory, SkillCheckBankFactory
from assessments.models import AttemptQuestion, Quiz
from assessments.services import attempt_start
from tests.assessments.test_quiz_safety import _autosave_url, _start, module_with_quiz

__all__ = ["module_with_quiz"]  # a fixture of the quiz-safety tests (signed_in: conftest)


def _nothing_saved():
    return not AttemptQuestion.objects.filter(saved_choice_ids__isnull=False).exists()


def test_a_token_of_another_question_of_the_same_attempt_is_refused(
    signed_in, module_with_quiz, quiz
):
    module, _, _ = module_with_quiz
    attempt = _start(signed_in, module, quiz)
    first, second, _ = attempt.questions.order_by("position")

    response = signed_in.post(
        _autosave_url(module, attempt),
        {"question": first.question_id, "choice": second.tokens_for(second.choice_order[:1])},
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert _nothing_saved()


def test_an_attempt_posted_through_another_modules_address_is_not_found(
    signed_in, module_with_quiz, quiz
):
    module, after, _ = module_with_quiz
    attempt = _start(signed_in, module, quiz)
    aq = attempt.questions.first()

    response = signed_in.post(
        _autosave_url(after, attempt),
        {"question": aq.question_id, "choice": aq.tokens_for(aq.choice_order[:1])},
    )

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert _nothing_saved()


def test_a_skill_checks_attempt_through_a_modules_address_is_not_found(
    signed_in, module_with_quiz, learner
):
    module, _, _ = module_with_quiz
    skill_check = QuizFactory(
        kind=Quiz.Kind.SKILL_CHECK,
        questions=[QuestionFactory(bank=SkillCheckBankFactory(), choices__correct=[0])],
    )
    attempt = attempt_start(user=learner, quiz=skill_check)  # a standalone skill check
    aq = attempt.questions.first()

    response = signed_in.post(
        _autosave_url(module, attempt),
        {"question": aq.question_id, "choice": aq.tokens_for(aq.choice_order[:1])},
    )

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert _nothing_saved()


def test_a_flood_of_tokens_is_answered_not_a_500(signed_in, module_with_quiz, quiz):
    module, _, _ = module_with_quiz
    attempt = _start(signed_in, module, quiz)
    single = attempt.questions.order_by("position").first()
    tokens = single.tokens_for(single.choice_order)

    response = signed_in.post(
        _autosave_url(module, attempt),
        {"question": single.question_id, "choice": tokens * 500},
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST  # several choices for a single one
    assert _nothing_saved()


@pytest.fixture
def session_url():
    return reverse("lms:session_extend")


def test_keeping_the_session_is_a_post_with_csrf(learner, session_url):
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)

    assert strict.get(session_url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert strict.post(session_url).status_code == HTTPStatus.FORBIDDEN


def test_keeping_the_session_signed_out_is_a_japanese_401(client, db, session_url):
    response = client.post(session_url)

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "ログイン" in response.json()["error"]
