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
from lms.models import ReportRun, User
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


# A fiscal year or date as people type them, and as nobody would.
year_text = form_text | st.integers(min_value=-10, max_value=3000).map(str)
date_text = form_text | st.dates().map(lambda d: d.isoformat())


@FUZZ
@given(fiscal_year=year_text, as_of=date_text)
def test_a_report_request_for_any_year_and_date_survives(browser, make_staff, fiscal_year, as_of):
    browser.force_login(make_staff("jinji", roles=[Role.HR]))
    before = ReportRun.objects.count()

    response = browser.post(
        reverse("lms:report_request"),
        {"kind": "hr_completion", "fiscal_year": fiscal_year, "as_of": as_of},
    )

    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.BAD_REQUEST)
    made = ReportRun.objects.count() - before
    assert made == 0 if response.status_code == HTTPStatus.BAD_REQUEST else made in (0, 1)


@FUZZ
@given(reason=form_text | st.sampled_from(ReportRun.RebuildReason.values), note=form_text)
def test_a_rebuild_survives_any_reason_and_note(browser, make_staff, organization, reason, note):
    run, _ = ReportRun.objects.get_or_create(
        organization=organization,
        kind="hr_completion",
        fiscal_year=2025,
        as_of=datetime.date(2026, 3, 31),
        version=1,
        defaults={"trigger": "command", "status": ReportRun.Status.DELIVERED},
    )
    browser.force_login(make_staff("jinji", roles=[Role.HR]))

    response = browser.post(
        reverse("lms:report_rebuild", args=[run.pk]), {"reason": reason, "note": note}
    )

    assert response.status_code in (HTTPStatus.FOUND, HTTPStatus.BAD_REQUEST)
    for version in ReportRun.objects.exclude(pk=run.pk):
        assert len(version.rebuild_note) <= 200 and "\x00" not in version.rebuild_note


@FUZZ
@given(report=form_text, plan=form_text)
def test_the_year_end_close_and_rollover_survive_any_form(browser, make_staff, report, plan):
    browser.force_login(make_staff("jinji", roles=[Role.HR]))

    closing = browser.post(reverse("lms:year_end_close", args=[2025]), {"report": report})
    rolling = browser.post(reverse("lms:year_end_rollover", args=[2025]), {"plan": plan})

    assert closing.status_code == HTTPStatus.BAD_REQUEST  # the year has no year-end report
    assert rolling.status_code in (HTTPStatus.FOUND, HTTPStatus.BAD_REQUEST)


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
