from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.factories import QuestionFactory, QuizFactory
from assessments.models import Attempt, Question, Quiz, SkillArea
from assessments.services import attempt_start, attempt_submit
from courses.models import ModuleCompletion
from lms.factories import UserFactory
from lms.people.roles import Role
from tests.assessments.conftest import key_of


@pytest.fixture
def module_with_quiz(make_course, quiz):
    _, course, (module, after) = make_course(modules=2)
    module.body = [("markdown", "## 学習"), ("quiz", {"quiz": quiz})]
    module.save_revision().publish()
    module.refresh_from_db()
    return module, after


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


def _start(client, module, quiz):
    response = client.post(reverse("courses:module_quiz_start", args=[module.id, quiz.id]))
    assert response.status_code == HTTPStatus.FOUND, response
    return Attempt.objects.latest("started_at"), response["Location"]


def test_module_page_offers_the_quiz_instead_of_the_complete_button(signed_in, module_with_quiz):
    module, _ = module_with_quiz

    html = signed_in.get(module.url).content.decode()

    assert (
        reverse("courses:module_quiz_start", args=[module.id, module.body[1].value["quiz"].id])
        in html
    )
    assert reverse("courses:module_complete", args=[module.id]) not in html


def test_the_answer_key_and_explanations_never_reach_the_page_before_submission(
    signed_in, module_with_quiz, quiz
):
    module, _ = module_with_quiz
    attempt, take_url = _start(signed_in, module, quiz)

    html = signed_in.get(take_url).content.decode()

    assert "選択肢1" in html  # the choices are there…
    for question in Question.objects.all():
        assert question.explanation not in html  # …but not the explanations
    assert "is_correct" not in html and "correct" not in html.lower().replace("incorrect", "")


def test_passing_the_module_quiz_completes_the_module(signed_in, learner, module_with_quiz, quiz):
    module, after = module_with_quiz
    attempt, _ = _start(signed_in, module, quiz)
    data = {f"q{qid}": choices for qid, choices in key_of(attempt).items()}

    response = signed_in.post(
        reverse("courses:module_quiz_submit", args=[module.id, attempt.token]), data
    )

    assert response.status_code == HTTPStatus.FOUND
    completion = ModuleCompletion.objects.get(user=learner, module=module)
    assert completion.via_attempt_id == attempt.id
    result = signed_in.get(response["Location"]).content.decode()
    assert "合格" in result
    for question in Question.objects.all():
        assert question.explanation in result  # shown after submission


def test_failing_the_quiz_leaves_the_module_open(signed_in, learner, module_with_quiz, quiz):
    module, _ = module_with_quiz
    attempt, _ = _start(signed_in, module, quiz)

    signed_in.post(reverse("courses:module_quiz_submit", args=[module.id, attempt.token]), {})

    assert not ModuleCompletion.objects.filter(user=learner).exists()


def test_a_double_post_scores_one_attempt(signed_in, module_with_quiz, quiz):
    module, _ = module_with_quiz
    attempt, _ = _start(signed_in, module, quiz)
    url = reverse("courses:module_quiz_submit", args=[module.id, attempt.token])
    data = {f"q{qid}": choices for qid, choices in key_of(attempt).items()}

    signed_in.post(url, data)
    signed_in.post(url, {})

    attempt.refresh_from_db()
    assert Attempt.objects.count() == 1
    assert attempt.correct_count == 3


def test_a_tampered_answer_is_refused_with_a_japanese_message_and_nothing_saved(
    signed_in, module_with_quiz, quiz
):
    module, _ = module_with_quiz
    attempt, _ = _start(signed_in, module, quiz)

    response = signed_in.post(
        reverse("courses:module_quiz_submit", args=[module.id, attempt.token]),
        {"q999999": ["1"], "qabc": ["x"]},
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "もう一度" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


def test_the_manual_complete_button_is_refused_for_a_module_with_a_quiz(
    signed_in, learner, module_with_quiz
):
    module, _ = module_with_quiz

    signed_in.post(reverse("courses:module_complete", args=[module.id]))

    assert not ModuleCompletion.objects.filter(user=learner).exists()


def test_a_quiz_not_placed_in_the_module_cannot_be_started_there(signed_in, module_with_quiz):
    module, _ = module_with_quiz
    other = QuizFactory(questions=[QuestionFactory()])

    response = signed_in.post(reverse("courses:module_quiz_start", args=[module.id, other.id]))

    assert response.status_code == HTTPStatus.NOT_FOUND


@pytest.mark.parametrize("viewer_role", [None, Role.HR, Role.IT_POLICY, Role.DEPT_HEAD])
def test_nobody_else_can_open_a_learners_attempt_or_result(
    client, make_staff, learner, quiz, viewer_role
):
    attempt = attempt_start(user=learner, quiz=quiz)
    take = reverse("lms:attempt_take", args=[attempt.token])
    attempt_submit(user=learner, token=attempt.token, answers=key_of(attempt))
    client.force_login(make_staff(roles=[viewer_role] if viewer_role else []))

    assert client.get(take).status_code == HTTPStatus.NOT_FOUND
    assert client.get(reverse("lms:attempt_result", args=[attempt.token])).status_code == 404
    assert client.post(reverse("lms:attempt_submit", args=[attempt.token])).status_code == 404


@pytest.fixture
def skill_check(db):
    security = SkillArea.objects.get(code="caution-security")
    return QuizFactory(
        title="スキル診断",
        kind=Quiz.Kind.SKILL_CHECK,
        questions=[QuestionFactory(area=security, level=1) for _ in range(3)],
    )


def test_skill_check_flow_shows_a_level_with_evidence(signed_in, skill_check):
    response = signed_in.post(reverse("lms:skill_check_start", args=[skill_check.id]))
    attempt = Attempt.objects.get()
    assert response["Location"] == reverse("lms:attempt_take", args=[attempt.token])
    data = {f"q{qid}": choices for qid, choices in key_of(attempt).items()}

    signed_in.post(reverse("lms:attempt_submit", args=[attempt.token]), data)
    html = signed_in.get(reverse("lms:skills")).content.decode()

    assert "<svg" in html and 'role="img"' in html
    assert "3問中3問正解" in html


def test_self_assessment_from_the_skills_page(signed_in, learner):
    area = SkillArea.objects.get(code="data")

    response = signed_in.post(reverse("lms:skills"), {f"rating-{area.id}": "3"})

    assert response.status_code == HTTPStatus.FOUND
    assert learner.self_assessments.get().rating == 3


def test_a_tampered_self_assessment_is_refused(signed_in, learner):
    response = signed_in.post(reverse("lms:skills"), {"rating-abc": "9"}, follow=True)

    assert "1〜4" in response.content.decode()
    assert not learner.self_assessments.exists()


def _count(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(queries)


def test_quiz_and_skill_pages_run_a_fixed_number_of_queries(
    signed_in, learner, skill_check, django_assert_max_num_queries
):
    attempt = attempt_start(user=learner, quiz=skill_check)
    take = reverse("lms:attempt_take", args=[attempt.token])
    small_take, small_skills = _count(signed_in, take), _count(signed_in, reverse("lms:skills"))

    security = SkillArea.objects.get(code="caution-security")
    big = QuizFactory(
        kind=Quiz.Kind.SKILL_CHECK,
        questions=[QuestionFactory(area=security, level=1 + i % 3) for i in range(15)],
    )
    for _ in range(3):
        done = attempt_start(user=learner, quiz=big)
        attempt_submit(user=learner, token=done.token, answers=key_of(done))
        other = UserFactory()
        theirs = attempt_start(user=other, quiz=big)
        attempt_submit(user=other, token=theirs.token, answers={})
    big_attempt = attempt_start(user=learner, quiz=big)

    assert _count(signed_in, reverse("lms:attempt_take", args=[big_attempt.token])) == small_take
    assert _count(signed_in, reverse("lms:skills")) == small_skills
    result = reverse("lms:attempt_result", args=[done.token])
    with django_assert_max_num_queries(12):
        signed_in.get(result)


def test_the_same_quiz_in_two_modules_has_an_attempt_in_each(signed_in, make_course, quiz):
    _, _, (first, second) = make_course(modules=2)
    for module in (first, second):
        module.body = [("quiz", {"quiz": quiz})]
        module.save_revision().publish()
    _start(signed_in, first, quiz)

    attempt, take_url = _start(signed_in, second, quiz)

    assert attempt.context == f"module:{second.id}"
    assert signed_in.get(take_url).status_code == HTTPStatus.OK
    assert Attempt.objects.count() == 2


def test_a_quiz_of_a_withdrawn_course_cannot_be_submitted(signed_in, module_with_quiz, quiz):
    module, _ = module_with_quiz
    attempt, _ = _start(signed_in, module, quiz)
    module.get_parent().specific.unpublish()
    data = {f"q{qid}": choices for qid, choices in key_of(attempt).items()}

    response = signed_in.post(
        reverse("courses:module_quiz_submit", args=[module.id, attempt.token]), data
    )

    assert response.status_code == HTTPStatus.NOT_FOUND
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
