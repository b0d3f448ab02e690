from http import HTTPStatus

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.factories import QuestionFactory, QuizFactory, SkillCheckBankFactory
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


def test_the_result_page_draws_the_score_against_the_pass_mark(signed_in, module_with_quiz, quiz):
    import lxml.html

    module, _ = module_with_quiz
    attempt, _ = _start(signed_in, module, quiz)
    answers = dict(list(key_of(attempt).items())[:1])  # one of three: 33 %, below the mark
    response = signed_in.post(
        reverse("courses:module_quiz_submit", args=[module.id, attempt.token]),
        {f"q{qid}": choices for qid, choices in answers.items()},
    )

    tree = lxml.html.fromstring(signed_in.get(response["Location"]).content)
    attempt.refresh_from_db()
    cells = tree.get_element_by_id("score-chart-table").xpath(".//tbody/tr[1]/td")
    assert cells[0].text_content() == f"{attempt.score_percent}%"
    assert tree.xpath("//svg//line[@class='chart__target']"), "the pass mark line"


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
        questions=[
            QuestionFactory(bank=SkillCheckBankFactory(), area=security, level=1) for _ in range(3)
        ],
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


def test_a_skill_checks_result_keeps_its_key_and_explanations_on_the_server(signed_in, skill_check):
    """Skill-check questions are drawn again, by everyone, in later skill checks: taking
    one again and again must not collect its key. A module quiz's result shows both."""
    signed_in.post(reverse("lms:skill_check_start", args=[skill_check.id]))
    attempt = Attempt.objects.get()
    data = {f"q{qid}": choices for qid, choices in key_of(attempt).items()}
    signed_in.post(reverse("lms:attempt_submit", args=[attempt.token]), data)

    response = signed_in.get(reverse("lms:attempt_result", args=[attempt.token]))

    html = response.content.decode()
    assert response.status_code == HTTPStatus.OK
    assert "3問中3問正解" in html and "正解と解説は表示していません" in html
    for question in skill_check.fixed_questions.select_related("question"):
        assert question.question.explanation not in html
        assert question.question.text not in html
    assert "選択肢1" not in html


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
        questions=[
            QuestionFactory(bank=SkillCheckBankFactory(), area=security, level=1 + i % 3)
            for i in range(15)
        ],
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


def test_the_take_page_names_choices_by_a_token_never_by_their_id(
    signed_in, module_with_quiz, quiz
):
    module, _ = module_with_quiz
    attempt, take_url = _start(signed_in, module, quiz)

    html = signed_in.get(take_url).content.decode()

    for aq in attempt.questions.all():
        for token, choice_id in aq.choice_tokens.items():
            assert f'value="{token}"' in html and f'for="q{aq.question_id}-{token}"' in html
            assert f'value="{choice_id}"' not in html
            assert f'id="q{aq.question_id}-{choice_id}"' not in html


def test_a_choice_id_sent_instead_of_its_token_is_refused_and_nothing_saved(
    signed_in, module_with_quiz, quiz
):
    module, _ = module_with_quiz
    attempt, _ = _start(signed_in, module, quiz)
    data = {
        f"q{aq.question_id}": [str(c) for c in aq.correct_choice_ids]
        for aq in attempt.questions.all()
    }

    response = signed_in.post(
        reverse("courses:module_quiz_submit", args=[module.id, attempt.token]), data
    )

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "もう一度" in response.content.decode()
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS


def test_a_quiz_waiting_to_be_published_is_shown_as_in_preparation_and_cannot_start(
    signed_in, module_with_quiz, quiz
):
    module, _ = module_with_quiz
    Quiz.objects.filter(pk=quiz.pk).update(live=False)
    start = reverse("courses:module_quiz_start", args=[module.id, quiz.id])

    html = signed_in.get(module.url).content.decode()
    response = signed_in.post(start, follow=True)

    assert "準備中" in html and start not in html
    assert "まだ公開されていません" in response.content.decode()
    assert not Attempt.objects.exists()


def test_a_skill_check_waiting_to_be_published_is_not_offered(signed_in, skill_check):
    Quiz.objects.filter(pk=skill_check.pk).update(live=False)

    html = signed_in.get(reverse("lms:skills")).content.decode()

    assert reverse("lms:skill_check_start", args=[skill_check.id]) not in html


def test_a_skill_check_is_never_taken_as_a_module_quiz(signed_in, make_course, skill_check):
    _, _, (module,) = make_course(modules=1)
    module.body = [("quiz", {"quiz": skill_check})]  # as if the block's check were bypassed
    module.save_revision().publish()

    response = signed_in.post(
        reverse("courses:module_quiz_start", args=[module.id, skill_check.id])
    )

    assert response.status_code == HTTPStatus.NOT_FOUND
    assert not Attempt.objects.exists()
