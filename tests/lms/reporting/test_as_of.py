"""As of a day means by the end of that day in Asia/Tokyo, on both databases."""

import datetime
import zoneinfo

import pytest
from django.core.management import CommandError, call_command

from courses.fiscal import end_of_day
from courses.models import CourseCompletion
from lms.reporting.completion import person_course_rows
from tests.lms.towns import AS_OF

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")


def test_the_end_of_a_day_is_midnight_in_tokyo_not_utc():
    assert end_of_day(datetime.date(2026, 3, 31)) == datetime.datetime(
        2026, 3, 31, 15, 0, tzinfo=datetime.UTC
    )


def _status_of(organization, user, course, as_of):
    rows = person_course_rows(organization=organization, as_of=as_of)
    return next(
        (r.status, r.completed_at)
        for r in rows
        if r.user_id == user.pk and r.course.id == course.id
    )


def test_a_completion_after_the_as_of_day_is_not_counted(town, organization):
    c3, course = town["people"]["c"], town["courses"][0]
    midnight = datetime.datetime(2026, 11, 29, 0, 0, tzinfo=TOKYO)  # the end of AS_OF
    completion = CourseCompletion.objects.create(
        user=c3, course=course, cycle=0, completed_at=midnight
    )

    assert _status_of(organization, c3, course, AS_OF) == ("not_started", None)

    completion.completed_at = midnight - datetime.timedelta(seconds=1)
    completion.save()
    status, at = _status_of(organization, c3, course, AS_OF)
    assert status == "completed"
    assert at == midnight - datetime.timedelta(seconds=1)
    assert at.utcoffset() is not None  # aware, on SQLite too


def test_generate_report_refuses_an_as_of_date_outside_the_fiscal_year(organization, settings):
    settings.LANGUAGE_CODE = "ja"
    with pytest.raises(CommandError, match="2025年度") as refused:
        call_command(
            "generate_report", "hr_completion", "--fiscal-year", "2025", "--as-of", "2026-05-01"
        )
    assert "2026-05-01" in str(refused.value)
