"""Exempt people (免除) in the reports: the HR files, the department page, マイページ and
the weekly reminders (the rule in lms/assignments.py; the oracle in
test_report_oracle.py covers it at random)."""

import csv
import datetime
from http import HTTPStatus

import pytest
from django.urls import reverse

from courses.fiscal import end_of_day
from lms.models import Exemption, OutgoingMail, ReportRun
from lms.reporting.build import build_files
from lms.reporting.completion import completion_tallies, department_members
from lms.reporting.reminders import reminders_send
from tests.lms.towns import AS_OF

ONE_SECOND = datetime.timedelta(seconds=1)


def exempt(town, organization, person, *, entered, starts_on=datetime.date(2026, 4, 1)):
    return Exemption.objects.create(
        organization=organization,
        user=town["people"][person],
        track=town["track"],
        starts_on=starts_on,
        reason=Exemption.Reason.CHILDCARE_LEAVE,
        created_at=entered,
    )


def person_lines(organization, as_of) -> list[list[str]]:
    run = ReportRun.objects.create(
        organization=organization, kind="hr_completion", fiscal_year=2026, as_of=as_of,
        trigger="command", status=ReportRun.Status.BUILDING,
    )  # fmt: skip
    built = build_files(run)
    run.delete()  # the next build of the same day is a version of its own
    with open(built["csv"], encoding="utf-8-sig", newline="") as stream:
        return list(csv.reader(stream))[1:]


def lines_of(lines, staff_number):
    return [(line[6], line[11]) for line in lines if line[0] == staff_number]


def test_an_exemption_entered_after_the_as_of_day_does_not_change_that_days_report(
    town, organization
):
    before = person_lines(organization, AS_OF)
    assert lines_of(before, "C3") == [("未着手", "期限超過")] * 2

    # Entered at midnight after the as-of day (Japan time): too late for that day's report.
    exempt(town, organization, "c", entered=end_of_day(AS_OF))

    assert person_lines(organization, AS_OF) == before
    next_day = person_lines(organization, AS_OF + datetime.timedelta(days=1))
    assert lines_of(next_day, "C3") == [("免除", "")] * 2


def test_an_exemption_entered_by_the_days_last_second_counts_that_day(town, organization):
    exempt(town, organization, "c", entered=end_of_day(AS_OF) - ONE_SECOND)

    assert lines_of(person_lines(organization, AS_OF), "C3") == [("免除", "")] * 2
    summary = completion_tallies(organization=organization, as_of=AS_OF)
    # Ten lines before; c's two are 免除: not assigned, not overdue, counted apart.
    assert (summary.total.assigned, summary.total.exempt, summary.total.completed) == (8, 2, 3)
    assert summary.total.rate == pytest.approx(3 / 8)
    assert "C3" not in {person["staff_number"] for person in summary.overdue_people()}


def test_an_exemption_outside_its_period_changes_nothing(town, organization):
    exemption = exempt(town, organization, "c", entered=end_of_day(AS_OF) - ONE_SECOND * 9999)
    exemption.ends_on = AS_OF - datetime.timedelta(days=1)  # ended the day before
    exemption.save()

    assert lines_of(person_lines(organization, AS_OF), "C3") == [("未着手", "期限超過")] * 2


def test_a_completed_course_stays_completed_when_its_person_is_exempt(town, organization):
    exempt(town, organization, "a", entered=end_of_day(AS_OF) - ONE_SECOND)

    assert lines_of(person_lines(organization, AS_OF), "A1") == [("修了", "")] * 2


def test_the_department_page_counts_exempt_courses_apart(town, organization, departments):
    exempt(town, organization, "c", entered=end_of_day(AS_OF) - ONE_SECOND)

    for sort in ("overdue", "rate", "-rate"):
        page = department_members(
            organization=organization, as_of=AS_OF, department=departments["somu"], sort=sort
        )
        (member,) = [m for m in page.members if m.staff_number == "C3"]
        assert (member.assigned, member.exempt, member.overdue_count) == (0, 2, 0)
        assert member.rate == 0.0


def test_weekly_reminders_skip_exempt_people(town, organization):
    exempt(town, organization, "c", entered=end_of_day(AS_OF) - ONE_SECOND * 3600)

    reminders_send(today=AS_OF)

    reminded = set(
        OutgoingMail.objects.filter(kind=OutgoingMail.Kind.REMINDER).values_list(
            "recipient__staff_number", flat=True
        )
    )
    assert "B2" in reminded and "C3" not in reminded


def test_mypage_shows_the_exemption_with_its_period_and_no_overdue_warning(
    client, town, organization
):
    c = town["people"]["c"]
    client.force_login(c)
    assert "alert--overdue" in client.get(reverse("lms:mypage")).content.decode()

    exemption = exempt(town, organization, "c", entered=end_of_day(AS_OF) - ONE_SECOND * 3600)
    exemption.ends_on = datetime.date(2027, 3, 31)
    exemption.save()
    response = client.get(reverse("lms:mypage"))

    assert response.status_code == HTTPStatus.OK
    html = response.content.decode()
    assert "免除" in html and "育児休業" in html
    assert "から" in html and "まで免除されています" in html
    assert "alert--overdue" not in html
