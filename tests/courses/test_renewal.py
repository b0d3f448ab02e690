"""Renewal courses (docs/renewal.md): the expiry date, the rounds, what the learner sees."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from hypothesis import given
from hypothesis import strategies as st

from courses.models import CourseCompletion, CoursePage, ModuleCompletion
from courses.renewal import expiry_date, months_later, renewal_state, renewal_states
from courses.selectors import course_progress_for_learner
from courses.services import module_complete
from lms.assignments import expiry_sql, local_date_sql

TOKYO = ZoneInfo("Asia/Tokyo")
D = datetime.date


def at(*args):
    return datetime.datetime(*args, tzinfo=TOKYO)


def _renewal(make_course, months=12, warning=30, modules=2):
    _, course, pages = make_course(modules=modules)
    CoursePage.objects.filter(pk=course.pk).update(
        validity_months=months, expiry_warning_days=warning
    )
    course.refresh_from_db()
    return course, pages


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2024, 2, 29), 12, D(2025, 2, 28)),  # the month lacks the day: its last
        (D(2024, 2, 29), 48, D(2028, 2, 29)),
        (D(2025, 1, 31), 1, D(2025, 2, 28)),
        (D(2025, 8, 31), 1, D(2025, 9, 30)),
        (D(2025, 12, 15), 1, D(2026, 1, 15)),
        (D(2025, 6, 10), 24, D(2027, 6, 10)),
        (D(2025, 6, 10), 36, D(2028, 6, 10)),
    ],
)
def test_months_later_keeps_the_day_or_takes_the_months_last(day, months, expected):
    assert months_later(day, months) == expected


def test_the_expiry_counts_from_the_day_in_japan():
    # 23:59:59 JST on 10 June (14:59:59 UTC) and 00:00 JST on 11 June (15:00 UTC, 10 June)
    assert expiry_date(at(2025, 6, 10, 23, 59, 59), 12) == D(2026, 6, 10)
    assert expiry_date(at(2025, 6, 11, 0, 0), 12) == D(2026, 6, 11)
    assert expiry_date(datetime.datetime(2025, 6, 10, 15, tzinfo=datetime.UTC), 12) == D(
        2026, 6, 11
    )


@pytest.mark.django_db
@given(
    moment=st.datetimes(
        min_value=datetime.datetime(2023, 1, 1),
        max_value=datetime.datetime(2030, 12, 31),
        timezones=st.just(datetime.UTC),
    ),
    months=st.sampled_from([1, 12, 24, 36]),
)
def test_the_sql_expiry_is_the_python_expiry(moment, months):
    """``expiry_sql(local_date_sql(...))`` on the test database (SQLite, or PostgreSQL with
    DATABASE_URL) against ``expiry_date``, for any instant (JST midnights, month ends)."""
    stored = connection.ops.adapt_datetimefield_value(moment)
    sql = f"SELECT {expiry_sql(local_date_sql('%(moment)s'), '%(months)s')}"
    if connection.vendor == "postgresql":
        sql = sql.replace("%(moment)s", "CAST(%(moment)s AS timestamptz)")
    with connection.cursor() as cursor:
        cursor.execute(sql, {"moment": stored, "months": months, "time_zone": "Asia/Tokyo"})
        value = cursor.fetchone()[0]
    value = D.fromisoformat(value) if isinstance(value, str) else value
    assert value == expiry_date(moment, months)


def test_rounds_follow_the_latest_completion_and_the_window():
    done = at(2025, 6, 10, 9)  # expires 2026-06-10; 30-day window from 2026-05-11
    state = renewal_state(completions=[], day=D(2026, 1, 1), months=12, warning_days=30)
    assert (state.cycle, state.valid, state.expires_on) == (0, False, None)
    rule = {"completions": [(0, done)], "months": 12, "warning_days": 30}
    assert renewal_state(day=D(2025, 6, 9), **rule).expires_on is None  # not yet completed
    before = renewal_state(day=D(2026, 5, 10), **rule)
    assert (before.cycle, before.valid, before.expiring_soon) == (0, True, False)
    window = renewal_state(day=D(2026, 5, 11), **rule)
    assert (window.cycle, window.valid, window.expiring_soon) == (1, True, True)
    last = renewal_state(day=D(2026, 6, 9), **rule)
    assert (last.valid, last.days_left) == (True, 1)
    expired = renewal_state(day=D(2026, 6, 10), **rule)
    assert (expired.cycle, expired.valid, expired.expired) == (1, False, True)
    renewed = renewal_state(
        completions=[(0, done), (1, at(2026, 5, 20, 9))], day=D(2026, 6, 10), months=12,
        warning_days=30,
    )  # fmt: skip
    assert (renewed.cycle, renewed.valid, renewed.expires_on) == (1, True, D(2027, 5, 20))


def test_a_renewal_course_is_taken_again_in_rounds(make_course, learner):
    course, (first, second) = _renewal(make_course)
    module_complete(user=learner, module=first, at=at(2025, 6, 10, 9))
    result = module_complete(user=learner, module=second, at=at(2025, 6, 10, 10))
    assert result.course_completed_now and result.course_completion.cycle == 0

    # Still valid, before the window: studying again counts for the completed round only.
    again = module_complete(user=learner, module=first, at=at(2026, 4, 1, 9))
    assert (again.created, again.module_completion.cycle) == (False, 0)

    # In the window (from 2026-05-11): the modules count for round 1, from scratch.
    progress = course_progress_for_learner(course=course, user=learner, today=D(2026, 5, 20))
    assert progress.renewal.cycle == 1 and progress.renewal.expiring_soon
    assert [m.completed for m in progress.modules] == [False, False]
    one = module_complete(user=learner, module=first, at=at(2026, 5, 20, 9))
    assert (one.created, one.module_completion.cycle, one.course_completion) == (True, 1, None)
    two = module_complete(user=learner, module=second, at=at(2026, 5, 21, 9))
    assert two.course_completed_now and two.course_completion.cycle == 1
    state = renewal_states(user=learner, courses=[course], day=D(2026, 6, 15))[course.id]
    assert (state.valid, state.expires_on) == (True, D(2027, 5, 21))
    assert sorted(
        ModuleCompletion.objects.filter(user=learner).values_list("cycle", flat=True)
    ) == [0, 0, 1, 1]


def test_after_the_expiry_the_old_rounds_modules_do_not_count(make_course, learner):
    course, (first, second) = _renewal(make_course)
    for module in (first, second):
        module_complete(user=learner, module=module, at=at(2025, 6, 10, 9))
    progress = course_progress_for_learner(course=course, user=learner, today=D(2026, 7, 1))
    assert progress.renewal.expired and progress.renewal.cycle == 1
    assert progress.modules and not any(m.completed for m in progress.modules)
    # A past day within the validity still shows the round done.
    past = course_progress_for_learner(course=course, user=learner, today=D(2026, 1, 1))
    assert past.renewal.valid and all(m.completed for m in past.modules)


def test_annual_and_validity_are_exclusive(make_course):
    _, course, _ = make_course(annual=True)
    course.validity_months = 12
    with pytest.raises(ValidationError) as raised:
        course.clean()
    assert "validity_months" in raised.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        CoursePage.objects.filter(pk=course.pk).update(validity_months=12)
    with pytest.raises(IntegrityError), transaction.atomic():
        CoursePage.objects.filter(pk=course.pk).update(annual=False, validity_months=18)


def test_the_unique_constraint_holds_per_round(make_course, learner):
    course, _ = _renewal(make_course)
    CourseCompletion.objects.create(
        user=learner, course=course, cycle=0, completed_at=at(2025, 1, 1)
    )
    CourseCompletion.objects.create(
        user=learner, course=course, cycle=1, completed_at=at(2026, 1, 1)
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        CourseCompletion.objects.create(
            user=learner, course=course, cycle=1, completed_at=at(2026, 2, 1)
        )
