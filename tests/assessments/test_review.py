"""Quiz content is reviewed like pages: a change is a draft until IT policy approves it,
and learners are asked and scored on the published version only. Real admin requests."""

from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse

from assessments.factories import QuestionFactory
from assessments.models import Attempt, Choice, Question, Quiz, QuizQuestion
from assessments.services import AssessmentError, attempt_start, attempt_submit
from lms.factories import UserFactory
from tests.assessments.conftest import key_of, question_edit_data


def edit_url(obj):
    return reverse(f"wagtailsnippets_assessments_{obj._meta.model_name}:edit", args=[obj.pk])


def submit_change(client, question, **changes):
    """The leader rewrites ``question`` and submits it for review."""
    return client.post(
        edit_url(question), question_edit_data(question, action="action-submit", **changes)
    )


def approve(client, obj):
    obj.refresh_from_db()
    task_state = obj.current_workflow_state.current_task_state
    url_name = f"wagtailsnippets_assessments_{obj._meta.model_name}:workflow_action"
    return client.post(reverse(url_name, args=[obj.pk, "approve", task_state.id]), {"comment": ""})


@pytest.fixture
def leader_client(client, authoring):
    client.force_login(authoring.leader)
    return client


def test_a_leaders_change_waits_for_review_and_learners_keep_the_published_question(
    leader_client, authoring
):
    question = authoring.question_a  # 選択肢1 is right
    before = [(c.text, c.is_correct) for c in question.choices.all()]

    response = submit_change(
        leader_client,
        question,
        text="改訂した問題文",
        correct=[1],
        choice_texts=["新しい選択肢1", "選択肢2", "選択肢3", "選択肢4"],
    )

    assert response.status_code == HTTPStatus.FOUND
    question.refresh_from_db()
    assert question.text == "Aの問題" and question.has_unpublished_changes
    assert [(c.text, c.is_correct) for c in question.choices.all()] == before
    draft = question.get_latest_revision().as_object()
    assert draft.text == "改訂した問題文"
    assert [(c.text, c.is_correct) for c in draft.choices.all()][:2] == [
        ("新しい選択肢1", False),
        ("選択肢2", True),
    ]
    assert question.current_workflow_state is not None
    # A learner is asked the published question and scored on its key.
    learner = UserFactory()
    attempt = attempt_start(user=learner, quiz=authoring.quiz_a)
    (asked,) = attempt.questions.all()
    assert asked.correct_choice_ids == [question.choices.get(text="選択肢1").id]
    result = attempt_submit(user=learner, token=attempt.token, answers=key_of(attempt))
    assert result.attempt.correct_count == 1


def test_the_take_page_shows_the_published_text_while_a_change_is_under_review(
    leader_client, authoring
):
    submit_change(leader_client, authoring.question_a, text="改訂した問題文")
    learner = UserFactory()
    attempt = attempt_start(user=learner, quiz=authoring.quiz_a)
    browser = Client()
    browser.force_login(learner)

    html = browser.get(reverse("lms:attempt_take", args=[attempt.token])).content.decode()

    assert "Aの問題" in html and "改訂した問題文" not in html


def test_it_policy_approves_and_the_next_attempt_uses_the_new_version(
    client, leader_client, authoring
):
    question = authoring.question_a
    learner = UserFactory()
    submit_change(leader_client, question, text="改訂した問題文", correct=[1])
    started_before = attempt_start(user=learner, quiz=authoring.quiz_a)

    client.force_login(authoring.reviewer)
    response = approve(client, question)

    assert response.status_code == HTTPStatus.FOUND
    question.refresh_from_db()
    assert question.live and not question.has_unpublished_changes
    assert question.text == "改訂した問題文"
    new_key = [question.choices.get(text="選択肢2").id]
    assert [c.id for c in question.choices.filter(is_correct=True)] == new_key
    # The attempt started before approval keeps the key copied when it started.
    (asked_before,) = started_before.questions.all()
    assert asked_before.correct_choice_ids == [question.choices.get(text="選択肢1").id]
    attempt_submit(user=learner, token=started_before.token, answers=key_of(started_before))
    attempt = attempt_start(user=learner, quiz=authoring.quiz_a)
    assert attempt.questions.get().correct_choice_ids == new_key


def test_a_leader_cannot_publish_nor_approve_their_own_change(leader_client, authoring):
    question = authoring.question_a

    leader_client.post(
        edit_url(question), question_edit_data(question, action="action-publish", text="直接公開")
    )
    question.refresh_from_db()
    assert question.text == "Aの問題" and question.has_unpublished_changes

    submit_change(leader_client, question, text="直接公開")
    approve(leader_client, question)  # refused: Wagtail sends them back to the dashboard
    question.refresh_from_db()
    assert question.text == "Aの問題"
    assert question.current_workflow_state.status == "in_progress"
    unpublish = reverse("wagtailsnippets_assessments_question:unpublish", args=[question.pk])
    leader_client.post(unpublish)
    question.refresh_from_db()
    assert question.live


def test_it_policy_compares_the_change_choices_included(client, leader_client, authoring):
    question = authoring.question_a
    first = question.revisions.count()
    submit_change(
        leader_client,
        question,
        choice_texts=["書き換えた選択肢", *["選択肢2", "選択肢3", "選択肢4"]],
    )
    question.refresh_from_db()
    assert question.revisions.count() == first + 1
    client.force_login(authoring.reviewer)

    response = client.get(
        reverse(
            "wagtailsnippets_assessments_question:revisions_compare",
            args=[question.pk, "live", question.latest_revision_id],
        )
    )

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "書き換えた選択肢" in html and "選択肢1" in html


def test_a_new_question_is_a_draft_and_never_asked_until_published(leader_client, authoring):
    quiz = authoring.quiz_a
    draft = QuestionFactory(bank=authoring.bank_a, text="新しい問題", live=False)
    QuizQuestion.objects.create(quiz=quiz, question=draft, sort_order=1)

    attempt = attempt_start(user=UserFactory(), quiz=quiz)

    assert [aq.question_id for aq in attempt.questions.all()] == [authoring.question_a.pk]


def test_a_quiz_change_waits_for_review(client, leader_client, authoring):
    quiz = authoring.quiz_a
    data = {
        "title": "Aの確認テスト（改訂）",
        "track": authoring.track_a.pk,
        "introduction": "",
        "pass_mark_percent": "100",
        "attempt_limit": "0",
        "time_limit_minutes": "",
        "fixed_questions-TOTAL_FORMS": "1",
        "fixed_questions-INITIAL_FORMS": "1",
        "fixed_questions-0-id": str(quiz.fixed_questions.get().pk),
        "fixed_questions-0-question": str(authoring.question_a.pk),
        "fixed_questions-0-ORDER": "1",
        "fixed_questions-0-DELETE": "on",
        "draw_rules-TOTAL_FORMS": "0",
        "draw_rules-INITIAL_FORMS": "0",
        "action-submit": "1",
    }

    response = leader_client.post(edit_url(quiz), data)

    assert response.status_code == HTTPStatus.FOUND
    quiz.refresh_from_db()
    assert quiz.title == "Aの確認テスト" and quiz.pass_mark_percent == 70
    assert quiz.fixed_questions.count() == 1  # the draft dropped it; learners still get it
    assert quiz.get_latest_revision().as_object().pass_mark_percent == 100
    attempt = attempt_start(user=UserFactory(), quiz=quiz)
    assert attempt.questions.count() == 1
    client.force_login(authoring.reviewer)
    approve(client, quiz)
    quiz.refresh_from_db()
    assert quiz.title == "Aの確認テスト（改訂）" and not quiz.fixed_questions.exists()


def test_a_quiz_that_was_never_published_cannot_be_started(authoring):
    quiz = authoring.quiz_a
    Quiz.objects.filter(pk=quiz.pk).update(live=False)
    quiz.refresh_from_db()

    with pytest.raises(AssessmentError, match="公開"):
        attempt_start(user=UserFactory(), quiz=quiz)
    assert not Attempt.objects.exists()


def test_a_bank_change_by_it_policy_is_published_at_once(client, authoring):
    bank = authoring.bank_a
    client.force_login(authoring.reviewer)

    client.post(
        edit_url(bank),
        {
            "title": "Aの問題集（新）",
            "slug": bank.slug,
            "description": "",
            "kind": "quiz",
            "track": authoring.track_a.pk,
            "action-publish": "1",
        },
    )

    bank.refresh_from_db()
    assert bank.title == "Aの問題集（新）" and bank.live and not bank.has_unpublished_changes


def test_choices_are_children_of_the_questions_revision(authoring):
    question = authoring.question_a
    revision = question.save_revision()

    assert [c["text"] for c in revision.content["choices"]] == [
        c.text for c in question.choices.all()
    ]
    assert Choice.objects.filter(question=question).count() == 4
    assert Question.objects.get(pk=question.pk).live


def test_it_policy_finds_the_change_awaiting_review_on_the_dashboard(
    client, leader_client, authoring
):
    submit_change(leader_client, authoring.question_a, text="改訂した問題文")
    assert leader_client.get(reverse("wagtailadmin_home")).status_code == HTTPStatus.OK
    assert leader_client.get(reverse("wagtailsnippets_assessments_quiz:add")).status_code == 200

    client.force_login(authoring.reviewer)
    dashboard = client.get(reverse("wagtailadmin_home"))
    edit = client.get(edit_url(authoring.question_a))

    assert dashboard.status_code == HTTPStatus.OK
    assert "改訂した問題文" in dashboard.content.decode()
    assert edit.status_code == HTTPStatus.OK and "改訂した問題文" in edit.content.decode()
