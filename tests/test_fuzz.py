"""Bad input never gives a 500 and never writes anything partial (Hypothesis)."""

import datetime
from http import HTTPStatus

import pytest
from django.test import Client
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.factories import QuestionFactory, QuizFactory
from assessments.models import Attempt, Response
from assessments.services import attempt_start
from lms.models import User
from lms.people.roles import Role
from lms.people.roster import roster_plan

FUZZ = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
# Text a browser can send: anything but lone surrogates (which HTTP cannot carry).
form_text = st.text(
    alphabet=st.characters(blacklist_categories=["Cs"]), max_size=300
) | st.sampled_from(["１２３", "\x00", "0" * 5000, "-1", "99999999999999999999", "q1"])


@pytest.fixture
def browser(db):
    """A client that answers like a server (400, 403 …) instead of raising in the test."""
    return Client(raise_request_exception=False)


@pytest.fixture
def taking(browser, make_staff):
    quiz = QuizFactory(questions=[QuestionFactory(), QuestionFactory()])
    learner = make_staff()
    client = browser
    client.force_login(learner)
    attempt = attempt_start(user=learner, quiz=quiz)
    return client, reverse("lms:attempt_submit", args=[attempt.token]), attempt


@FUZZ
@given(data=st.dictionaries(form_text, st.lists(form_text, max_size=3), max_size=6))
def test_quiz_submission_survives_any_form(taking, data):
    client, url, attempt = taking

    response = client.post(url, data)

    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.BAD_REQUEST)
    attempt.refresh_from_db()
    if attempt.status == Attempt.Status.IN_PROGRESS:
        assert not Response.objects.filter(attempt_question__attempt=attempt).exists()


@FUZZ
@given(data=st.binary(max_size=2000) | form_text.map(lambda t: t.encode("utf-8")))
def test_roster_reading_survives_any_file(organization, departments, positions, data):
    before = User.objects.count()

    plan = roster_plan(
        organization=organization, data=data, filename="x.csv", as_of=datetime.date(2027, 4, 1)
    )

    assert plan.errors or plan.rows or not data.strip()
    assert User.objects.count() == before


@FUZZ
@given(rating=form_text, key=form_text)
def test_self_assessment_survives_any_form(browser, make_staff, rating, key):
    browser.force_login(make_staff())

    response = browser.post(reverse("lms:skills"), {f"rating-{key}": rating})

    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.BAD_REQUEST)


@FUZZ
@given(kind=form_text)
def test_report_request_survives_any_kind(browser, make_staff, kind):
    browser.force_login(make_staff("jinji", roles=[Role.HR]))

    response = browser.post(reverse("lms:report_request"), {"kind": kind})

    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.FORBIDDEN)


@FUZZ
@given(data=st.dictionaries(form_text, form_text, max_size=4), interests=form_text)
def test_profile_survives_any_form(browser, make_staff, data, interests):
    person = make_staff()
    browser.force_login(person)
    before = (person.staff_number, person.email, person.family_name)

    response = browser.post(reverse("lms:profile"), {**data, "interests": interests})

    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.BAD_REQUEST)
    person.refresh_from_db()
    assert (person.staff_number, person.email, person.family_name) == before
    assert len(person.interests) <= 400 and "\x00" not in person.interests


@pytest.mark.parametrize(
    "body",
    [
        b"interests=%ED%A0%80",  # a lone surrogate, UTF-8 encoded
        b"interests=%FF%FE%00",  # not UTF-8 at all
        b"interests=" + b"%E3%81%82" * 100_000,  # far more than the field allows
    ],
)
def test_profile_survives_bytes_no_browser_would_send(browser, make_staff, body):
    browser.force_login(make_staff())

    response = browser.post(
        reverse("lms:profile"), body, content_type="application/x-www-form-urlencoded"
    )

    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.BAD_REQUEST)
