"""HR completion report: figures checked cell by cell."""

import datetime

import pytest

from lms.reporting.completion import completion_summary, completion_tallies, person_course_rows
from tests.lms.towns import AS_OF


def test_person_rows_follow_the_rules(town, organization):
    rows = list(person_course_rows(organization=organization, as_of=AS_OF))
    table = {(r.staff_number, r.course.id): (r.status, r.overdue, r.department.code) for r in rows}
    c1, c2 = (c.id for c in town["courses"])

    assert len(rows) == 10  # five people × two courses
    assert table[("A1", c1)] == ("completed", False, "MADO")
    assert table[("B2", c1)] == ("in_progress", True, "MADO")
    assert table[("B2", c2)] == ("not_started", True, "MADO")
    assert table[("C3", c1)] == ("not_started", True, "JINJI")
    assert table[("D4", c2)] == ("completed", False, "JUMIN")
    assert table[("E5", c1)] == ("not_started", True, "MADO")  # counted where posted on the day


def test_membership_is_taken_as_of_the_report_date(town, organization):
    rows = list(person_course_rows(organization=organization, as_of=datetime.date(2026, 3, 31)))

    # 31 March is fiscal 2025: no assignment for that year, so no rows at all.
    assert rows == []


def test_department_tallies_roll_up_units_into_sections(town, organization, departments):
    summary = completion_summary(person_course_rows(organization=organization, as_of=AS_OF))
    rolled = summary.rolled_up(list(departments.values()))

    mado, jumin = rolled[departments["mado"].id], rolled[departments["jumin"].id]
    assert (mado.assigned, mado.completed, mado.in_progress, mado.not_started, mado.overdue) == (
        6,
        2,
        1,
        3,
        4,
    )
    assert (jumin.assigned, jumin.completed, jumin.overdue) == (8, 3, 5)  # 課長 + 窓口係
    assert rolled[departments["somu"].id].assigned == 2  # 人事係 rolled into 総務課
    assert summary.total.rate == pytest.approx(3 / 10)


def test_position_tallies(town, organization, positions):
    summary = completion_summary(person_course_rows(organization=organization, as_of=AS_OF))

    kacho = summary.by_position[positions["kacho"].id].as_dict()
    assert kacho == {
        "assigned": 2,
        "completed": 1,
        "in_progress": 0,
        "not_started": 1,
        "overdue": 1,
        "exempt": 0,
        "rate": 0.5,
    }


def test_course_rows_roll_up_like_department_rows(town, organization, departments):
    summary = completion_summary(person_course_rows(organization=organization, as_of=AS_OF))
    by_course = summary.rolled_up_by_course(list(departments.values()))
    course1 = town["courses"][0]

    # 住民課: its 課長 and the three people of 窓口係.
    assert by_course[(departments["jumin"].id, course1.id)].assigned == 4


def test_the_most_overdue_people_are_listed_first(town, organization):
    summary = completion_summary(person_course_rows(organization=organization, as_of=AS_OF))

    people = summary.overdue_people()
    assert [(p["staff_number"], p["overdue"]) for p in people[:3]] == [
        ("B2", 2),
        ("C3", 2),
        ("E5", 2),
    ]
    assert ("D4", 1) in [(p["staff_number"], p["overdue"]) for p in people]
    assert "A1" not in [p["staff_number"] for p in people]


@pytest.mark.parametrize("subtree", [None, "jumin"])
def test_tallies_counted_in_sql_equal_the_rows_tallied_one_by_one(
    town, organization, departments, subtree
):
    department = departments[subtree] if subtree else None
    rows = person_course_rows(organization=organization, as_of=AS_OF, department=department)
    by_rows = completion_summary(rows)

    in_sql = completion_tallies(organization=organization, as_of=AS_OF, department=department)

    def tallies(mapping):
        return {key: tally.as_dict() for key, tally in mapping.items()}

    assert by_rows.total.assigned > 0
    assert tallies(in_sql.by_department_course) == tallies(by_rows.by_department_course)
    assert tallies(in_sql.by_department) == tallies(by_rows.by_department)
    assert tallies(in_sql.by_position) == tallies(by_rows.by_position)
    assert in_sql.total.as_dict() == by_rows.total.as_dict()
    assert in_sql.overdue_people() == by_rows.overdue_people()
