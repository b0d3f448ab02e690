"""「ログインを続ける」: the warning before the idle sign-out extends the session (WCAG 2.2.1)."""

import datetime
from http import HTTPStatus

import pytest
from django.core.cache import cache
from django.test import Client
from django.urls import reverse

from lms.factories import UserFactory
from tests.conftest import PASSWORD


def at(hour, minute=0):
    return datetime.datetime(2026, 11, 28, hour, minute, tzinfo=datetime.UTC)


@pytest.fixture
def signed_in(client, db, time_machine):
    cache.clear()
    time_machine.move_to(at(8))
    user = UserFactory()
    client.post(reverse("account_login"), {"login": user.staff_number, "password": PASSWORD})
    assert client.get(reverse("lms:mypage")).status_code == 200  # the session's first page
    yield client
    cache.clear()


def test_staying_signed_in_counts_as_activity_from_that_moment(signed_in, time_machine):
    time_machine.move_to(at(8, 28))  # the warning shows before 8:30

    response = signed_in.post(reverse("lms:session_extend"))

    assert response.status_code == HTTPStatus.OK
    assert response.json()["seconds_left"] == 30 * 60
    # 31 minutes after signing in, 3 after staying: still signed in…
    time_machine.move_to(at(8, 31))
    assert signed_in.get(reverse("lms:mypage")).status_code == HTTPStatus.OK


def test_without_staying_the_session_ends_after_thirty_idle_minutes(signed_in, time_machine):
    time_machine.move_to(at(8, 31))

    response = signed_in.get(reverse("lms:mypage"))

    assert response.status_code == HTTPStatus.FOUND
    assert "_auth_user_id" not in signed_in.session


def test_staying_signed_in_cannot_pass_the_twelve_hour_limit(signed_in, time_machine):
    for minutes in range(20, 12 * 60, 20):
        time_machine.move_to(at(8) + datetime.timedelta(minutes=minutes))
        assert signed_in.post(reverse("lms:session_extend")).status_code == HTTPStatus.OK
    time_machine.move_to(at(19, 50))

    response = signed_in.post(reverse("lms:session_extend"))

    assert response.json()["seconds_left"] == 10 * 60  # 20:00 is the absolute end


def test_staying_signed_in_needs_a_session_a_post_and_the_csrf_token(db):
    anonymous = Client()
    assert anonymous.post(reverse("lms:session_extend")).status_code == HTTPStatus.UNAUTHORIZED
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(UserFactory())
    assert strict.get(reverse("lms:session_extend")).status_code == HTTPStatus.METHOD_NOT_ALLOWED
    assert strict.post(reverse("lms:session_extend")).status_code == HTTPStatus.FORBIDDEN


def test_the_quiz_page_knows_when_to_warn_and_where_to_extend(make_course, db):
    from assessments.factories import QuestionFactory, QuizFactory

    quiz = QuizFactory(questions=[QuestionFactory()])
    _, _, (module,) = make_course(modules=1)
    module.body = [("quiz", {"quiz": quiz})]
    module.save_revision().publish()
    client = Client()
    client.force_login(UserFactory())
    start = client.post(reverse("courses:module_quiz_start", args=[module.id, quiz.id]))

    html = client.get(start["Location"]).content.decode()

    assert f'data-session-extend-url="{reverse("lms:session_extend")}"' in html
    assert 'data-session-idle-seconds="1800"' in html  # SHINKA_SESSION_IDLE_MINUTES = 30
    assert 'data-session-warning-seconds="300"' in html
    assert "ログインを続ける" in html
