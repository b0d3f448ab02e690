"""A recorded completion in the report rows, the rule of lms/assignments.py: its
completion date decides, whenever it was recorded."""

import datetime

import pytest
from django.utils import timezone

from courses.fiscal import local_today
from lms.audit import Actor
from lms.factories import TrackAssignmentFactory
from lms.records.services import completion_record
from lms.reporting.completion import person_course_rows

pytestmark = pytest.mark.django_db


def rows_of(organization, person, as_of):
    return {
        row.course.pk: row
        for row in person_course_rows(organization=organization, as_of=as_of)
        if row.user_id == person.pk
    }


def test_a_recorded_completion_counts_from_its_date_and_is_marked(organization, people, courses):
    today = local_today()
    day = today - datetime.timedelta(days=2)
    TrackAssignmentFactory(
        organization=organization,
        track=courses["track"],
        applies_to_all=True,
        fiscal_year=day.year if day.month >= 4 else day.year - 1,
    )
    completion_record(
        by=Actor(user=people["hr"]),
        person=people["member"],
        organization=organization,
        course_id=courses["one_off"].pk,
        completed_at=timezone.make_aware(datetime.datetime.combine(day, datetime.time(23, 59))),
        reason="派遣研修",
    )

    before = rows_of(organization, people["member"], day - datetime.timedelta(days=1))
    on_the_day = rows_of(organization, people["member"], day)

    one_off = courses["one_off"].pk
    if before:  # the day before may fall in the previous fiscal year (no assignment then)
        assert before[one_off].status != "completed" and before[one_off].record_label == ""
    assert on_the_day[one_off].status == "completed"  # recorded today, counted as of its day
    assert on_the_day[one_off].record_label == "記録"
    assert on_the_day[courses["annual"].pk].record_label == ""
