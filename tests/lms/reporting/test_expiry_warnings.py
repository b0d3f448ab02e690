"""Expiry warnings of renewal courses (docs/renewal.md): once per round, in the window only."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core import mail

from courses.models import CourseCompletion, CoursePage
from lms.models import ExpiryWarning, Notice, OutgoingMail
from lms.reporting.reminders import expiry_warnings_send

TOKYO = ZoneInfo("Asia/Tokyo")
TODAY = datetime.date(2026, 11, 28)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=TOKYO))


@pytest.fixture
def course(make_course):
    _, course, _ = make_course(modules=1)
    CoursePage.objects.filter(pk=course.pk).update(validity_months=12, expiry_warning_days=30)
    course.refresh_from_db()
    return course


def _completed(user, course, day, cycle=0, hour=10):
    return CourseCompletion.objects.create(
        user=user,
        course=course,
        cycle=cycle,
        completed_at=datetime.datetime.combine(day, datetime.time(hour), TOKYO),
    )


def test_a_learner_is_warned_once_when_the_window_opens(
    course, make_staff, eager_jobs, django_capture_on_commit_callbacks
):
    D = datetime.date
    soon = make_staff(email="soon@example.jp")  # expires 2026-12-28: window opens 11-28
    tomorrow = make_staff(email="later@example.jp")  # expires 12-29: window opens tomorrow
    expired = make_staff(email="expired@example.jp")  # expired 11-28 (today)
    renewed = make_staff(email="renewed@example.jp")  # renewed already: nothing
    _completed(soon, course, D(2025, 12, 28))
    _completed(tomorrow, course, D(2025, 12, 29))
    _completed(expired, course, D(2025, 11, 28))
    _completed(renewed, course, D(2025, 12, 10))
    _completed(renewed, course, D(2026, 11, 20), cycle=1)

    with django_capture_on_commit_callbacks(execute=True):
        assert expiry_warnings_send(today=TODAY) == 1
        assert expiry_warnings_send(today=TODAY) == 0  # run again: nothing twice
    assert [m.to for m in mail.outbox] == [["soon@example.jp"]]
    assert "12月28日" in mail.outbox[0].body and course.title in mail.outbox[0].body
    warning = ExpiryWarning.objects.get()
    assert (warning.user, warning.expires_on) == (soon, D(2026, 12, 28))
    assert warning.mail.kind == OutgoingMail.Kind.EXPIRY_WARNING
    assert Notice.objects.filter(user=soon).count() == 1
    assert not Notice.objects.exclude(user=soon).exists()

    # The next day the other enters its window; the first is not warned again.
    with django_capture_on_commit_callbacks(execute=True):
        assert expiry_warnings_send(today=D(2026, 11, 29)) == 1
    assert ExpiryWarning.objects.filter(user=tomorrow).count() == 1
    assert ExpiryWarning.objects.count() == 2


def test_the_next_round_is_warned_again(course, make_staff):
    D = datetime.date
    learner = make_staff()
    _completed(learner, course, D(2025, 12, 28))
    assert expiry_warnings_send(today=TODAY) == 1
    _completed(learner, course, D(2026, 12, 1), cycle=1)  # renewed: expires 2027-12-01
    assert expiry_warnings_send(today=D(2027, 11, 1)) == 1
    assert sorted(ExpiryWarning.objects.values_list("expires_on", flat=True)) == [
        D(2026, 12, 28),
        D(2027, 12, 1),
    ]


def test_nobody_without_a_post_and_no_other_course_is_warned(course, make_course, make_staff):
    D = datetime.date
    learner = make_staff()
    learner.memberships.update(valid_to=D(2026, 10, 31))  # left the town
    _completed(learner, course, D(2025, 12, 28))
    _, once, _ = make_course(modules=1)  # one-off: never expires
    _completed(make_staff(), once, D(2025, 12, 28))
    assert expiry_warnings_send(today=TODAY) == 0
    assert not ExpiryWarning.objects.exists() and not OutgoingMail.objects.exists()
