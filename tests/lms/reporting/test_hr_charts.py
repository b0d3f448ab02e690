"""The HR page's charts: the completion rate's trend over the fiscal year from the stored
reports, and 職位別, each with its table; the figures counted here from the set-up."""

import datetime
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from courses.services import module_complete
from lms.factories import TrackAssignmentFactory
from lms.people.roles import Role
from lms.reporting.runs import report_build, report_request

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=TOKYO))


def _table(html, table_id):
    tree = lxml.html.fromstring(html)
    table = tree.get_element_by_id(table_id)
    return [
        [cell.text_content().strip() for cell in row.xpath("./th|./td")]
        for row in table.xpath("./tbody/tr")
    ]


def _build(organization, day):
    run = report_request(
        organization=organization, kind="hr_completion", as_of=day, trigger="command"
    ).run
    return report_build(run_id=run.pk)


@pytest.fixture
def year(organization, make_course, make_staff):
    """Four staff (three 主事, one 課長) and one single-module course due 30 September;
    two 主事 finish it, on 1 June and on 1 October."""
    track, course, (module,) = make_course(modules=1)
    TrackAssignmentFactory(
        organization=organization,
        track=track,
        applies_to_all=True,
        due_date=datetime.date(2026, 9, 30),
    )
    staff = [make_staff("mado") for _ in range(3)]
    chief = make_staff("jumin", "kacho")
    hr = make_staff("jinji", roles=[Role.HR])
    finished = {
        staff[0]: datetime.datetime(2026, 6, 1, 10, tzinfo=TOKYO),
        staff[1]: datetime.datetime(2026, 10, 1, 10, tzinfo=TOKYO),
    }
    for person, at in finished.items():
        module_complete(user=person, module=module, at=at)
    return {"staff": staff, "chief": chief, "hr": hr, "finished": finished}


def test_the_trend_has_one_point_per_report_of_the_year(client, organization, year):
    days = [datetime.date(2026, 5, 1), datetime.date(2026, 7, 1), datetime.date(2026, 11, 1)]
    for day in days:
        _build(organization, day)
    _build(organization, datetime.date(2026, 3, 31))  # the previous fiscal year: not on the line
    client.force_login(year["hr"])

    html = client.get(reverse("lms:hr_dashboard")).content.decode()

    # Everyone posted is assigned the course (HR too): five people.
    people = len(year["staff"]) + 2
    expected = []
    for day in days:
        done = sum(1 for at in year["finished"].values() if at.date() <= day)
        rate = round(100 * done / people, 1)
        expected.append([f"{day.month}月{day.day}日", f"{rate:g}%"])
    assert _table(html, "trend-chart-table") == expected
    assert "年度内の修了率の推移" in html
    assert "目標 80%" in html


def test_positions_are_charted_with_their_rates(client, organization, year):
    _build(organization, datetime.date(2026, 11, 28))
    client.force_login(year["hr"])

    html = client.get(reverse("lms:hr_dashboard")).content.decode()

    # 主事: the three staff and HR, two finished; 課長: none.
    assert _table(html, "position-chart-table") == [["主事", "50%"], ["課長", "0%"]]


def _queries(client, url):
    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_hr_page_runs_the_same_queries_with_more_reports_and_staff(
    client, organization, year, make_staff
):
    _build(organization, datetime.date(2026, 5, 1))
    client.force_login(year["hr"])
    url = reverse("lms:hr_dashboard")
    client.get(url)
    small = _queries(client, url)
    for _ in range(6):
        make_staff("mado")
    for day in (datetime.date(2026, 6, 1), datetime.date(2026, 8, 1), datetime.date(2026, 11, 1)):
        _build(organization, day)

    assert _queries(client, url) == small
