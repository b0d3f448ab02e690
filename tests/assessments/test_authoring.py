from http import HTTPStatus

import pytest
from django.urls import reverse

from assessments.factories import QuestionBankFactory
from assessments.models import Question, SkillArea
from lms.people.roles import Role


@pytest.fixture
def admin_client(client, make_staff):
    client.force_login(make_staff(roles=[Role.ADMIN], is_superuser=True))
    return client


def question_form(*, kind, correct):
    data = {
        "bank": QuestionBankFactory().pk,
        "area": SkillArea.objects.get(code="tech-ai").pk,
        "level": 2,
        "kind": kind,
        "text": "生成 AI に入力してよい情報はどれですか。",
        "explanation": "個人情報や非公開情報は入力しません。",
        "active": "on",
        "choices-TOTAL_FORMS": str(len(correct)),
        "choices-INITIAL_FORMS": "0",
        "choices-MIN_NUM_FORMS": "2",
        "choices-MAX_NUM_FORMS": "6",
    }
    for index, is_correct in enumerate(correct):
        data[f"choices-{index}-text"] = f"選択肢{index}"
        data[f"choices-{index}-ORDER"] = str(index + 1)
        if is_correct:
            data[f"choices-{index}-is_correct"] = "on"
    return data


def test_authors_create_questions_with_choices_and_a_revision(admin_client):
    response = admin_client.post(
        reverse("wagtailsnippets_assessments_question:add"),
        question_form(kind="single", correct=[False, True, False]),
    )

    assert response.status_code == HTTPStatus.FOUND
    question = Question.objects.get()
    assert [c.is_correct for c in question.choices.all()] == [False, True, False]
    assert question.revisions.count() == 1


def test_a_single_choice_question_with_two_keys_is_refused(admin_client):
    response = admin_client.post(
        reverse("wagtailsnippets_assessments_question:add"),
        question_form(kind="single", correct=[True, True, False]),
    )

    assert response.status_code == HTTPStatus.OK
    assert "正解" in response.content.decode()
    assert not Question.objects.exists()


@pytest.mark.parametrize(
    "url_name",
    [
        "wagtailsnippets_assessments_quiz:add",
        "wagtailsnippets_assessments_question:list",
        "wagtailsnippets_assessments_skillarea:list",
        "wagtailsnippets_assessments_questionbank:list",
    ],
)
def test_assessment_admin_screens_open(admin_client, url_name):
    assert admin_client.get(reverse(url_name)).status_code == HTTPStatus.OK
