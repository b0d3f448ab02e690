"""The department page: figures per 係 and members paged and sorted in SQL."""

import datetime
from zoneinfo import ZoneInfo

import lxml.html
import pytest
from django.urls import reverse

from courses.services import module_complete
from lms.factories import DepartmentFactory, TrackAssignmentFactory
from lms.people.roles import Role
from lms.reporting.dashboards import MEMBERS_PAGE_SIZE

TODAY = datetime.datetime(2026, 11, 28, 9, 0, tzinfo=ZoneInfo("Asia/Tokyo"))


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(TODAY)


@pytest.fixture
def division(organization, make_course):
    """A 部 with two 係 and a course of two modules due 30 September (so all not yet
    completed are overdue on 28 November)."""
    bu = DepartmentFactory(organization=organization, code="KIKAKU", name="企画部", level="bu")
    units = {
        "a": DepartmentFactory(
            organization=organization, parent=bu, code="A", name="政策係", level="kakari"
        ),
        "b": DepartmentFactory(
            organization=organization, parent=bu, code="B", name="財政係", level="kakari"
        ),
    }
    track, course, modules = make_course(modules=2)
    TrackAssignmentFactory(
        organization=organization,
        track=track,
        applies_to_all=True,
        due_date=datetime.date(2026, 9, 30),
    )
    return {"bu": bu, "units": units, "course": course, "modules": modules}


def _populate(make_staff, division, count):
    """``count`` people spread over the 部 itself and its two 係; person i has completed the
    course (i % 3 == 0), done one module (1) or nothing (2). Returns (person, unit key, state)."""
    people = []
    places = [division["units"]["a"], division["units"]["b"], division["bu"]]
    keys = ["a", "b", "bu"]
    for i in range(count):
        person = make_staff(places[i % 3 if i % 7 else 2])
        key = keys[i % 3 if i % 7 else 2]
        state = i % 3
        done = {0: 2, 1: 1, 2: 0}[state]
        for module in division["modules"][:done]:
            module_complete(user=person, module=module, at=TODAY - datetime.timedelta(days=1))
        people.append((person, key, ("completed", "in_progress", "not_started")[state]))
    return people


def _rows(html, caption_start):
    tree = lxml.html.fromstring(html)
    for table in tree.xpath("//table"):
        caption = table.xpath("./caption")
        if caption and caption[0].text_content().startswith(caption_start):
            return [
                [cell.text_content().strip() for cell in row.xpath("./th|./td")]
                for row in table.xpath("./tbody/tr")
            ]
    raise AssertionError(f"no table {caption_start}")


def test_the_figures_per_unit_equal_a_count_of_the_people(client, make_staff, division):
    people = _populate(make_staff, division, 17)
    head = make_staff(division["bu"], "kacho", roles=[Role.DEPT_HEAD])
    people.append((head, "bu", "not_started"))
    client.force_login(head)

    html = client.get(
        reverse("lms:department_dashboard", args=[division["bu"].id])
    ).content.decode()

    rows = {row[0]: row[1:] for row in _rows(html, "係ごとの受講状況と")}
    for key, name in (("a", "政策係"), ("b", "財政係"), ("bu", "企画部（直属）")):
        mine = [state for _, unit, state in people if unit == key]
        completed = mine.count("completed")
        expected = [
            str(len(mine)),
            str(completed),
            str(mine.count("in_progress")),
            str(mine.count("not_started")),
            str(len(mine) - completed),  # everyone not finished is overdue
            "0",  # nobody exempt
            f"{round(100 * completed / len(mine))}%",
        ]
        assert rows[name] == expected, name
    # The chart's own table says the same per 係 (修了・受講中・未着手・合計).
    chart = {row[0].lstrip("└ "): row[1:] for row in _rows(html, "係ごとの受講状況（")}
    assert chart["政策係"][:3] == rows["政策係"][1:4]


def _member_numbers(html):
    return [row[0] for row in _rows(html, "所属職員")]


@pytest.mark.parametrize("sort", ["number", "-number", "name", "rate", "overdue", "department"])
def test_members_are_paged_in_sql_and_page_two_continues_page_one(
    client, make_staff, division, sort
):
    people = _populate(make_staff, division, MEMBERS_PAGE_SIZE + 7)
    hr = make_staff("jinji", roles=[Role.HR])
    client.force_login(hr)
    url = reverse("lms:department_dashboard", args=[division["bu"].id])

    first = _member_numbers(client.get(url, {"sort": sort}).content.decode())
    second = _member_numbers(client.get(url, {"sort": sort, "page": 2}).content.decode())

    assert len(first) == MEMBERS_PAGE_SIZE and len(second) == 7
    everyone = sorted(person.staff_number for person, _, _ in people)
    assert sorted(first + second) == everyone  # nobody twice, nobody left out
    if sort == "number":
        assert first + second == everyone
    if sort == "-number":
        assert first + second == everyone[::-1]
    if sort == "rate":
        state = {p.staff_number: s for p, _, s in people}
        order = {"not_started": 0, "in_progress": 0, "completed": 1}  # completed of assigned
        keys = [order[state[n]] for n in first + second]
        assert keys == sorted(keys)


def test_a_page_past_the_end_shows_the_last_and_a_bad_one_the_first(client, make_staff, division):
    _populate(make_staff, division, MEMBERS_PAGE_SIZE + 2)
    client.force_login(make_staff("jinji", roles=[Role.HR]))
    url = reverse("lms:department_dashboard", args=[division["bu"].id])

    assert len(_member_numbers(client.get(url, {"page": 99}).content.decode())) == 2
    response = client.get(url, {"page": "x", "sort": "nonsense"})
    assert response.status_code == 200
    assert len(_member_numbers(response.content.decode())) == MEMBERS_PAGE_SIZE


def _queries(client, url, django_assert_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as context:
        assert client.get(url).status_code == 200
    return len(context)


def test_the_department_page_runs_the_same_number_of_queries_at_any_size(
    client, make_staff, division, django_assert_num_queries
):
    hr = make_staff("jinji", roles=[Role.HR])
    url = reverse("lms:department_dashboard", args=[division["bu"].id])
    _populate(make_staff, division, 4)
    client.force_login(hr)
    client.get(url)  # the first request of a session fills per-process caches
    small = _queries(client, url, django_assert_num_queries)
    _populate(make_staff, division, 3 * MEMBERS_PAGE_SIZE)
    with django_assert_num_queries(small):
        html = client.get(url, {"page": 2}).content.decode()
    assert "4 ページ中 2 ページ目" in html  # 94 people, 30 a page
    assert len(_member_numbers(html)) == MEMBERS_PAGE_SIZE
