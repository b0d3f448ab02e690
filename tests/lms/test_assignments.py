import datetime

import pytest

from lms.assignments import assigned_tracks
from lms.factories import DepartmentFactory, MembershipFactory, TrackAssignmentFactory, UserFactory

DAY = datetime.date(2026, 11, 28)


@pytest.fixture
def track(make_course):
    return make_course()[0]


@pytest.fixture
def assign(organization, track):
    def make(**fields):
        return TrackAssignmentFactory(organization=organization, track=track, **fields)

    return make


def test_an_assignment_for_everyone_reaches_every_post_in_the_town(make_staff, assign, track):
    assign(applies_to_all=True)

    assert track.id in assigned_tracks(user=make_staff("mado"), day=DAY)
    assert track.id in assigned_tracks(user=make_staff("jinji"), day=DAY)


def test_a_department_assignment_includes_its_sub_departments(
    make_staff, assign, departments, track
):
    assign(departments=[departments["jumin"]])

    assert track.id in assigned_tracks(user=make_staff("mado"), day=DAY)
    assert track.id in assigned_tracks(user=make_staff("jumin"), day=DAY)
    assert track.id not in assigned_tracks(user=make_staff("jinji"), day=DAY)


def test_a_position_assignment_reaches_holders_of_that_position(
    make_staff, assign, positions, track
):
    assign(positions=[positions["kacho"]])

    assert track.id in assigned_tracks(user=make_staff("somu", "kacho"), day=DAY)
    assert track.id not in assigned_tracks(user=make_staff("somu", "shuji"), day=DAY)


def test_department_and_position_together_need_a_post_matching_both(
    make_staff, assign, departments, positions, track
):
    assign(departments=[departments["jumin"]], positions=[positions["kacho"]])

    assert track.id in assigned_tracks(user=make_staff("jumin", "kacho"), day=DAY)
    assert track.id not in assigned_tracks(user=make_staff("somu", "kacho"), day=DAY)
    assert track.id not in assigned_tracks(user=make_staff("mado", "shuji"), day=DAY)


def test_an_april_transfer_changes_assignments_from_the_first_of_april(
    assign, departments, positions, track
):
    assign(departments=[departments["mado"]], fiscal_year=2025, due_date=datetime.date(2026, 3, 1))
    assign(departments=[departments["mado"]], fiscal_year=2026)
    user = UserFactory()
    MembershipFactory(
        user=user,
        department=departments["mado"],
        position=positions["shuji"],
        valid_from=datetime.date(2024, 4, 1),
        valid_to=datetime.date(2026, 3, 31),
    )
    MembershipFactory(
        user=user,
        department=departments["jinji"],
        position=positions["shuji"],
        valid_from=datetime.date(2026, 4, 1),
    )

    assert track.id in assigned_tracks(user=user, day=datetime.date(2026, 3, 31))
    assert track.id not in assigned_tracks(user=user, day=datetime.date(2026, 4, 1))


def test_a_concurrent_post_brings_its_own_assignments(assign, departments, positions, track):
    assign(departments=[departments["mado"]])
    user = UserFactory()
    MembershipFactory(user=user, department=departments["jinji"], position=positions["shuji"])
    MembershipFactory(
        user=user, department=departments["mado"], position=positions["shuji"], is_primary=False
    )

    assert track.id in assigned_tracks(user=user, day=DAY)


def test_assignments_of_other_fiscal_years_and_towns_do_not_apply(make_staff, organization, track):
    other_town = DepartmentFactory(code="ELSEWHERE").organization
    TrackAssignmentFactory(
        organization=organization,
        track=track,
        applies_to_all=True,
        fiscal_year=2025,
        due_date=datetime.date(2025, 9, 30),
    )
    TrackAssignmentFactory(organization=other_town, track=track, applies_to_all=True)

    assert assigned_tracks(user=make_staff(), day=DAY) == {}


def test_the_earliest_due_date_wins_when_two_assignments_cover_a_person(
    make_staff, assign, departments, track
):
    assign(applies_to_all=True, due_date=datetime.date(2027, 1, 31))
    assign(departments=[departments["mado"]], due_date=datetime.date(2026, 10, 31))

    assert assigned_tracks(user=make_staff("mado"), day=DAY) == {
        track.id: datetime.date(2026, 10, 31)
    }


def test_staff_without_a_current_post_have_no_assignments(assign, departments, positions):
    assign(applies_to_all=True)
    user = UserFactory()
    MembershipFactory(
        user=user,
        department=departments["mado"],
        position=positions["shuji"],
        valid_from=datetime.date(2020, 4, 1),
        valid_to=datetime.date(2026, 3, 31),
    )

    assert assigned_tracks(user=user, day=DAY) == {}
