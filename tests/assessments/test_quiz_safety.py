"""Quizzes a person can trust (issue 16): answers saved as they are given, the countdown,
the session kept or its answers kept, retake and next on the result page, and skill checks
that report levels and never say pass or fail."""

import datetime
import re
from http import HTTPStatus
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from assessments.factories import QuestionFactory, QuizFactory, SkillCheckBankFactory
from assessments.models import Attempt, AttemptQuestion, Question, Quiz, SkillArea
from lms.factories import UserFactory
from tests.assessments.conftest import key_of
from tests.conftest import PASSWORD

TOKYO = datetime.timezone(datetime.timedelta(hours=9))


@pytest.fixture
def module_with_quiz(make_course, quiz):
    _, course, (module, after) = make_course(modules=2)
    module.body = [("quiz", {"quiz": quiz})]
    module.save_revision().publish()
    module.refresh_from_db()
    return module, after, course


def _start(client, module, quiz):
    response = client.post(reverse("courses:module_quiz_start", args=[module.id, quiz.id]))
    assert response.status_code == HTTPStatus.FOUND
    return Attempt.objects.latest("started_at")


def _autosave_url(module, attempt):
    return reverse("courses:module_quiz_autosave", args=[module.id, attempt.token])


def _checked_tokens(html):
    return set(re.findall(r'value="([^"]+)" checked', html))


def test_an_answer_is_saved_as_it_is_given_and_a_reload_shows_it(signed_in, module_with_quiz, quiz):
    module, _, _ = module_with_quiz
    attempt = _start(signed_in, module, quiz)
    first, second, _ = attempt.questions.order_by("position")
    wanted = {
        first.question_id: first.tokens_for(first.choice_order[1:2]),
        second.question_id: second.tokens_for(second.choice_order[:2]),
    }

    for question_id, tokens in wanted.items():
        response = signed_in.post(
            _autosave_url(module, attempt), {"question": question_id, "choice": tokens}
        )
        assert response.status_code == HTTPStatus.OK
    html = signed_in.get(
        reverse("courses:module_quiz_take", args=[module.id, attempt.token])
    ).content.decode()

    assert response.json()["answered"] == 2 and response.json()["total"] == 3
    assert _checked_tokens(html) == {token for tokens in wanted.values() for token in tokens}
    # Saved, not scored: nothing is decided before the submission.
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    assert not AttemptQuestion.objects.filter(attempt=attempt, response__isnull=False).exists()


def test_unticking_every_box_saves_no_answer(signed_in, module_with_quiz, quiz):
    module, _, _ = module_with_quiz
    attempt = _start(signed_in, module, quiz)
    multiple = attempt.questions.get(kind=Question.Kind.MULTIPLE)
    url = _autosave_url(module, attempt)
    signed_in.post(
        url,
        {
            "question": multiple.question_id,
            "choice": multiple.tokens_for(multiple.choice_order[:1]),
        },
    )

    signed_in.post(url, {"question": multiple.question_id})

    multiple.refresh_from_db()
    assert multiple.saved_choice_ids is None


def test_only_the_attempts_owner_saves_answers(client, module_with_quiz, quiz, learner):
    module, _, _ = module_with_quiz
    client.force_login(learner)
    attempt = _start(client, module, quiz)
    aq = attempt.questions.first()
    client.force_login(UserFactory())

    response = client.post(
        _autosave_url(module, attempt),
        {"question": aq.question_id, "choice": aq.tokens_for(aq.choice_order[:1])},
    )

    assert response.status_code == HTTPStatus.NOT_FOUND
    aq.refresh_from_db()
    assert aq.saved_choice_ids is None


def test_a_signed_out_person_gets_a_japanese_answer_not_the_sign_in_page(
    client, module_with_quiz, quiz, learner
):
    module, _, _ = module_with_quiz
    client.force_login(learner)
    attempt = _start(client, module, quiz)
    client.logout()

    response = client.post(_autosave_url(module, attempt), {"question": "1"})

    assert response.status_code == HTTPStatus.UNAUTHORIZED
    assert "ログイン" in response.json()["error"]


def test_a_closed_attempt_refuses_answers(signed_in, module_with_quiz, quiz):
    module, _, _ = module_with_quiz
    attempt = _start(signed_in, module, quiz)
    signed_in.post(
        reverse("courses:module_quiz_submit", args=[module.id, attempt.token]),
        {f"q{qid}": tokens for qid, tokens in key_of(attempt).items()},
    )
    aq = attempt.questions.first()

    response = signed_in.post(
        _autosave_url(module, attempt),
        {"question": aq.question_id, "choice": aq.tokens_for(aq.choice_order[-1:])},
    )

    assert response.status_code == HTTPStatus.CONFLICT
    assert "提出済み" in response.json()["error"]
    assert response.json()["result"] == reverse(
        "courses:module_quiz_result", args=[module.id, attempt.token]
    )
    aq.refresh_from_db()
    assert aq.saved_choice_ids is None


def test_an_answer_after_the_deadline_closes_the_attempt_as_time_ran_out(
    signed_in, make_course, time_machine
):
    timed = QuizFactory(time_limit_minutes=10, questions=[QuestionFactory()])
    _, _, (module,) = make_course(modules=1)
    module.body = [("quiz", {"quiz": timed})]
    module.save_revision().publish()
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=TOKYO))
    attempt = _start(signed_in, module, timed)
    aq = attempt.questions.get()
    # The late rule: past the time limit plus the 30-second grace.
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 10, 31, tzinfo=TOKYO))

    response = signed_in.post(
        _autosave_url(module, attempt),
        {"question": aq.question_id, "choice": aq.tokens_for(aq.choice_order[:1])},
    )

    assert response.status_code == HTTPStatus.CONFLICT
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.EXPIRED


@pytest.mark.parametrize(
    "fields",
    [
        {"question": "abc"},
        {"question": ""},
        {},
        {"question": "-4"},
        {"question": "99999999999999999999999"},
    ],
)
def test_a_malformed_question_id_is_refused_in_japanese(signed_in, module_with_quiz, quiz, fields):
    module, _, _ = module_with_quiz
    attempt = _start(signed_in, module, quiz)

    response = signed_in.post(_autosave_url(module, attempt), fields)

    assert response.status_code == HTTPStatus.BAD_REQUEST
    assert "問題を確認できませんでした" in response.json()["error"]


def test_a_question_or_choice_of_another_attempt_is_refused(signed_in, module_with_quiz, quiz):
    module, _, _ = module_with_quiz
    attempt = _start(signed_in, module, quiz)
    outsider = QuestionFactory()
    aq = attempt.questions.first()
    url = _autosave_url(module, attempt)

    foreign_question = signed_in.post(url, {"question": outsider.id, "choice": "x"})
    foreign_choice = signed_in.post(
        url, {"question": aq.question_id, "choice": str(aq.choice_order[0])}
    )

    assert foreign_question.status_code == HTTPStatus.BAD_REQUEST
    assert "このテストに含まれない問題" in foreign_question.json()["error"]
    assert foreign_choice.status_code == HTTPStatus.BAD_REQUEST
    assert "再読み込み" in foreign_choice.json()["error"]
    assert not AttemptQuestion.objects.filter(saved_choice_ids__isnull=False).exists()


def test_autosave_is_post_only_and_csrf_protected(module_with_quiz, quiz, learner):
    from django.test import Client

    module, _, _ = module_with_quiz
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(learner)
    plain = Client()
    plain.force_login(learner)
    attempt = _start(plain, module, quiz)
    aq = attempt.questions.first()
    url = _autosave_url(module, attempt)

    assert strict.get(url).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    refused = strict.post(
        url, {"question": aq.question_id, "choice": aq.tokens_for(aq.choice_order[:1])}
    )

    assert refused.status_code == HTTPStatus.FORBIDDEN
    aq.refresh_from_db()
    assert aq.saved_choice_ids is None


def test_the_take_page_counts_down_from_the_servers_deadline(signed_in, make_course, time_machine):
    timed = QuizFactory(time_limit_minutes=60, questions=[QuestionFactory()])
    _, _, (module,) = make_course(modules=1)
    module.body = [("quiz", {"quiz": timed})]
    module.save_revision().publish()
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=TOKYO), tick=False)
    attempt = _start(signed_in, module, timed)
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 25, tzinfo=TOKYO), tick=False)

    html = signed_in.get(
        reverse("courses:module_quiz_take", args=[module.id, attempt.token])
    ).content.decode()

    assert 'data-seconds-left="2100"' in html  # 35 minutes of the 60 left
    assert "約 35 分" in html  # also without the script


def test_a_submission_after_the_session_ended_returns_to_the_attempt_with_its_answers(
    client, module_with_quiz, quiz, time_machine
):
    """The 60-minute quiz submitted after 35 idle minutes: signed out, but the answers were
    saved as they were given, and signing in again leads back to the attempt."""
    cache.clear()
    module, _, _ = module_with_quiz
    learner = UserFactory()
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=TOKYO))
    client.post(reverse("account_login"), {"login": learner.staff_number, "password": PASSWORD})
    attempt = _start(client, module, quiz)
    aq = attempt.questions.order_by("position").first()
    tokens = aq.tokens_for(aq.choice_order[:1])
    assert (
        client.post(
            _autosave_url(module, attempt), {"question": aq.question_id, "choice": tokens}
        ).status_code
        == HTTPStatus.OK
    )
    submit = reverse("courses:module_quiz_submit", args=[module.id, attempt.token])
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 35, tzinfo=TOKYO))

    ended = client.post(submit, {f"q{aq.question_id}": tokens})
    assert ended.status_code == HTTPStatus.FOUND
    next_url = parse_qs(urlsplit(ended["Location"]).query)["next"][0]
    signed_in_again = client.post(
        reverse("account_login"),
        {"login": learner.staff_number, "password": PASSWORD, "next": next_url},
    )
    back = client.get(signed_in_again["Location"])

    assert next_url == submit
    assert signed_in_again["Location"] == submit  # allauth follows ``next``
    take = reverse("courses:module_quiz_take", args=[module.id, attempt.token])
    assert back.status_code == HTTPStatus.FOUND and back["Location"] == take
    assert set(tokens) <= _checked_tokens(client.get(take).content.decode())
    attempt.refresh_from_db()
    assert attempt.status == Attempt.Status.IN_PROGRESS
    cache.clear()


def test_the_result_offers_a_retake_and_the_next_module(signed_in, module_with_quiz, quiz):
    module, after, _ = module_with_quiz
    attempt = _start(signed_in, module, quiz)
    signed_in.post(reverse("courses:module_quiz_submit", args=[module.id, attempt.token]), {})

    html = signed_in.get(
        reverse("courses:module_quiz_result", args=[module.id, attempt.token])
    ).content.decode()

    start = reverse("courses:module_quiz_start", args=[module.id, quiz.id])
    assert f'action="{start}"' in html and "再受験" in html
    assert f'href="{after.url}"' in html and "次へ" in html


def test_no_retake_when_no_attempts_remain_and_next_leads_to_the_course_after_the_last_module(
    signed_in, make_course
):
    once = QuizFactory(attempt_limit=1, questions=[QuestionFactory()])
    _, course, (only,) = make_course(modules=1)
    only.body = [("quiz", {"quiz": once})]
    only.save_revision().publish()
    attempt = _start(signed_in, only, once)
    signed_in.post(reverse("courses:module_quiz_submit", args=[only.id, attempt.token]), {})

    html = signed_in.get(
        reverse("courses:module_quiz_result", args=[only.id, attempt.token])
    ).content.decode()

    assert reverse("courses:module_quiz_start", args=[only.id, once.id]) not in html
    assert "再受験" not in html
    assert f'href="{course.url}"' in html


@pytest.fixture
def skill_check(db):
    security = SkillArea.objects.get(code="caution-security")
    return QuizFactory(
        title="スキル診断",
        kind=Quiz.Kind.SKILL_CHECK,
        pass_mark_percent=0,
        questions=[
            QuestionFactory(bank=SkillCheckBankFactory(), area=security, level=1) for _ in range(6)
        ],
    )


def test_a_skill_check_reports_levels_per_area_and_never_pass_or_fail(signed_in, skill_check):
    signed_in.post(reverse("lms:skill_check_start", args=[skill_check.id]))
    attempt = Attempt.objects.get()
    take_html = signed_in.get(reverse("lms:attempt_take", args=[attempt.token])).content.decode()
    key = key_of(attempt)
    one_right = dict(list(key.items())[:1])  # 1 of 6 right (17 %)
    signed_in.post(
        reverse("lms:attempt_submit", args=[attempt.token]),
        {f"q{qid}": tokens for qid, tokens in one_right.items()},
    )

    html = signed_in.get(reverse("lms:attempt_result", args=[attempt.token])).content.decode()

    for page in (take_html, html):
        assert "合格" not in page
        assert page.count("合否はありません") <= 1
    assert take_html.count("合否はありません") == 1
    caution = SkillArea.objects.get(code="caution")  # the category of 情報セキュリティ
    assert caution.name in html
    assert "6問中1問正解" in html
    # Level 0 with evidence is a measurement: レベル1未満, not 未評価.
    assert "レベル1未満" in html
    assert re.search(r"再受験", html)
    assert f'href="{reverse("lms:skills")}"' in html


def test_my_skills_shows_evidence_as_a_result_not_as_unassessed(signed_in, skill_check):
    signed_in.post(reverse("lms:skill_check_start", args=[skill_check.id]))
    attempt = Attempt.objects.get()
    signed_in.post(reverse("lms:attempt_submit", args=[attempt.token]), {})

    html = signed_in.get(reverse("lms:skills")).content.decode()

    caution = SkillArea.objects.get(code="caution")
    # The area's row in the levels table (the chart's data table has a row per area too).
    rows = re.findall(rf"<th scope=\"row\">{caution.name}</th>(.*?)</tr>", html, re.S)
    row = next(r for r in rows if "問正解" in r)
    assert "6問中0問正解" in row
    assert "未評価" not in row and "レベル1未満" in row


def test_the_quiz_box_names_the_quiz_once(signed_in, make_course):
    titled = QuizFactory(title="確認テスト：情報セキュリティ", questions=[QuestionFactory()])
    _, _, (module,) = make_course(modules=1)
    module.body = [("quiz", {"quiz": titled})]
    module.save_revision().publish()

    html = signed_in.get(module.url).content.decode()

    assert "確認テスト：情報セキュリティ" in html
    assert "確認テスト: 確認テスト" not in html and "確認テスト：確認テスト" not in html


def _take_queries(client, url):
    client.get(url)
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == HTTPStatus.OK
    return len(queries)


def test_the_module_quiz_page_runs_as_many_queries_for_many_saved_answers(
    signed_in, learner, make_course
):
    def take_url(size):
        quiz = QuizFactory(questions=[QuestionFactory() for _ in range(size)])
        _, _, (module,) = make_course(modules=1)
        module.body = [("quiz", {"quiz": quiz})]
        module.save_revision().publish()
        attempt = _start(signed_in, module, quiz)
        for aq in attempt.questions.all():
            signed_in.post(
                _autosave_url(module, attempt),
                {"question": aq.question_id, "choice": aq.tokens_for(aq.choice_order[:1])},
            )
        return reverse("courses:module_quiz_take", args=[module.id, attempt.token])

    small, big = take_url(2), take_url(20)

    assert _take_queries(signed_in, small) == _take_queries(signed_in, big)
