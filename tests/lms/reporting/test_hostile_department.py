"""The department page and the HR charts against a hostile colleague: a sort made up in the
address, page numbers below one and beyond any integer column, another department's or
another town's id, and HR's charts of a past as-of day (no later completion counted)."""

import datetime
from http import HTTPStatus
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.urls import reverse

from courses.services import module_complete
from lms.factories import TrackAssignmentFactory
from lms.models import User
from lms.people.roles import Role
from lms.reporting.runs import report_build, report_request

TOKYO = ZoneInfo("Asia/Tokyo")


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 11, 28, 9, 0, tzinfo=TOKYO))


@pytest.fixture
def unit(organization, make_course, make_staff, departments):
    """住民課 (with 窓口係): a head, three members of 窓口係, one course due 30 September."""
    track, _course, (module,) = make_course(modules=1)
    TrackAssignmentFactory(
        organization=organization,
        track=track,
        applies_to_all=True,
        due_date=datetime.date(2026, 9, 30),
    )
    members = [make_staff("mado") for _ in range(3)]
    module_complete(user=members[0], module=module)
    return {
        "department": departments["jumin"],
        "head": make_staff("jumin", "kacho", roles=[Role.DEPT_HEAD]),
        "members": members,
        "module": module,
    }


def _members(html):
    tree = lxml.html.fromstring(html)
    return [link.text_content().strip() for link in tree.xpath("//a[contains(@href, '/people/')]")]


@pytest.mark.parametrize(
    "page", ["-1", "0", "-99999999999999999999", "99999999999999999999999999", "1e9", "１", " 2"]
)
def test_any_page_number_shows_a_page_not_an_error(client, unit, page):
    client.force_login(unit["head"])

    response = client.get(
        reverse("lms:department_dashboard", args=[unit["department"].id]), {"page": page}
    )

    assert response.status_code == HTTPStatus.OK
    assert response.context["members_page"]["number"] == 1
    assert response.context["members_page"]["count"] == 4  # three members and the head


@pytest.mark.parametrize(
    "sort",
    [
        "u.id",
        "name; DROP TABLE lms_user",
        "-overdue DESC, (SELECT 1)",
        "--name",
        "__class__",
        "rate)--",
    ],
)
def test_a_sort_made_up_in_the_address_falls_back_to_the_default(client, unit, sort):
    client.force_login(unit["head"])
    url = reverse("lms:department_dashboard", args=[unit["department"].id])
    default = client.get(url).content.decode()

    response = client.get(url, {"sort": sort})

    assert response.status_code == HTTPStatus.OK
    assert response.context["members_page"]["sort"] == "overdue"
    assert _members(response.content.decode()) == _members(default)
    assert User.objects.count() >= 4


def test_a_head_opens_neither_another_department_nor_another_towns(
    client, unit, departments, two_towns
):
    client.force_login(unit["head"])

    for department in (departments["somu"], departments["jinji"], two_towns.b_department):
        response = client.get(reverse("lms:department_dashboard", args=[department.id]))
        assert response.status_code == HTTPStatus.NOT_FOUND, department.name


def test_another_towns_hr_does_not_open_the_towns_department(client, unit, two_towns):
    client.force_login(two_towns.b_hr)

    response = client.get(reverse("lms:department_dashboard", args=[unit["department"].id]))

    assert response.status_code == HTTPStatus.NOT_FOUND


def test_endorsing_through_another_department_is_refused(client, unit, departments, make_staff):
    """Another department's id with one of my own members (or the reverse): not found."""
    other_head = make_staff("somu", "kacho", roles=[Role.DEPT_HEAD])
    client.force_login(other_head)

    response = client.post(
        reverse("lms:endorse", args=[departments["somu"].id, unit["members"][1].id])
    )

    assert response.status_code == HTTPStatus.NOT_FOUND


def _table(html, table_id):
    table = lxml.html.fromstring(html).get_element_by_id(table_id)
    return [
        [cell.text_content().strip() for cell in row.xpath("./th|./td")]
        for row in table.xpath("./tbody/tr")
    ]


def test_the_hr_charts_of_a_past_day_count_no_later_completion(
    client, organization, make_course, make_staff
):
    track, _course, (module,) = make_course(modules=1)
    TrackAssignmentFactory(
        organization=organization,
        track=track,
        applies_to_all=True,
        due_date=datetime.date(2026, 9, 30),
    )
    staff = [make_staff("mado") for _ in range(3)]
    hr = make_staff("jinji", roles=[Role.HR])
    finished = {
        staff[0]: datetime.datetime(2026, 6, 1, 10, tzinfo=TOKYO),
        staff[1]: datetime.datetime(2026, 7, 1, 0, 30, tzinfo=TOKYO),  # 30 June in UTC
        staff[2]: datetime.datetime(2026, 10, 1, 10, tzinfo=TOKYO),
    }
    for person, at in finished.items():
        module_complete(user=person, module=module, at=at)
    as_of = datetime.date(2026, 6, 30)
    run = report_request(
        organization=organization, kind="hr_completion", as_of=as_of, trigger="command"
    ).run
    report_build(run_id=run.pk)
    client.force_login(hr)

    html = client.get(reverse("lms:hr_dashboard")).content.decode()

    # The oracle: who had finished by the end of 30 June in Tokyo, of the four 主事 (HR too).
    done = sum(1 for at in finished.values() if at.astimezone(TOKYO).date() <= as_of)
    assert done == 1
    assert _table(html, "position-chart-table") == [["主事", f"{round(100 * done / 4, 1):g}%"]]
    by_department = dict(row[:2] for row in _table(html, "completion-chart-table"))
    assert by_department["窓口係"] == f"{round(100 * done / 3, 1):g}%"
    assert by_department["人事係"] == "0%"
