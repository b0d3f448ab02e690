import datetime

import pytest
from django.core.exceptions import ValidationError

from lms.factories import DepartmentFactory, TrackAssignmentFactory


def test_department_path_follows_moves(departments):
    unit = departments["mado"]
    unit.parent = departments["somu"]
    unit.save()

    assert unit.path == "/SOMU/MADO/"


def test_a_department_cannot_be_its_own_ancestor(departments):
    somu = departments["somu"]
    somu.parent = departments["jinji"]

    with pytest.raises(ValidationError):
        somu.full_clean()


def test_a_parent_department_must_be_in_the_same_town(departments):
    unit = DepartmentFactory(parent=None)
    unit.parent = departments["somu"]

    with pytest.raises(ValidationError):
        unit.full_clean()


@pytest.mark.parametrize(
    ("fiscal_year", "due_date", "field"),
    [
        (2026, datetime.date(2027, 4, 1), "due_date"),
        (40000, datetime.date(2026, 9, 30), "fiscal_year"),
        (None, datetime.date(2026, 9, 30), "fiscal_year"),
    ],
)
def test_assignment_validation_reports_the_field(
    organization, make_course, fiscal_year, due_date, field
):
    assignment = TrackAssignmentFactory.build(
        organization=organization,
        track=make_course()[0],
        fiscal_year=fiscal_year,
        due_date=due_date,
    )

    with pytest.raises(ValidationError) as error:
        assignment.full_clean()
    assert field in error.value.message_dict
