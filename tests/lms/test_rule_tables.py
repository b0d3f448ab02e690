"""The rules of lms/assignments.py and lms/people/posts.py, as tables.

Each table row is checked against the Python form and, where the rule has one,
its SQL form (the report's rows, or the SQL fragment itself).
"""

import datetime

import pytest
from django.db import connection

from courses.factories import ModulePageFactory
from courses.fiscal import end_of_day
from courses.models import CourseCompletion, ModuleCompletion
from courses.selectors import progress_for_tracks
from lms.assignments import (
    COMPLETED,
    EXEMPT,
    IN_PROGRESS,
    NOT_STARTED,
    assigned_tracks,
    course_overdue,
    course_status,
    course_statuses,
    exemption_in_effect,
    exemptions_on,
    prorated_due_date,
    track_overdue,
)
from lms.factories import MembershipFactory, TrackAssignmentFactory, UserFactory
from lms.models import Exemption
from lms.people.posts import memberships_on, pick_primary_post, primary_post, primary_post_ctes
from lms.reporting.completion import completion_tallies, person_course_rows

D = datetime.date
DAY = D(2026, 11, 28)
AT = datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC)


@pytest.mark.parametrize(
    ("completed", "modules_done", "status"),
    [
        (True, 0, COMPLETED),  # stored, even if a module was added since
        (True, 3, COMPLETED),
        (False, 1, IN_PROGRESS),
        (False, 3, IN_PROGRESS),  # every module done, but no completion stored
        (False, 0, NOT_STARTED),
    ],
)
def test_course_status(completed, modules_done, status):
    assert course_status(completed=completed, modules_done=modules_done) == status


@pytest.mark.parametrize(
    ("completed", "modules_done", "status"),
    [
        (True, 0, COMPLETED),  # completed wins over an exemption
        (False, 2, EXEMPT),  # started, then exempt
        (False, 0, EXEMPT),
    ],
)
def test_course_status_of_an_exempt_person(completed, modules_done, status):
    assert course_status(completed=completed, modules_done=modules_done, exempt=True) == status


@pytest.mark.parametrize(
    ("status", "due_date", "overdue"),
    [
        (NOT_STARTED, D(2026, 11, 27), True),
        (IN_PROGRESS, D(2026, 11, 27), True),
        (COMPLETED, D(2026, 11, 27), False),
        (NOT_STARTED, DAY, False),  # due today: not yet overdue
        (NOT_STARTED, D(2026, 11, 29), False),
        (EXEMPT, D(2026, 11, 27), False),  # exempt: never overdue
    ],
)
def test_course_overdue(status, due_date, overdue):
    assert course_overdue(status=status, due_date=due_date, day=DAY) is overdue


@pytest.mark.parametrize(
    ("statuses", "overdue"),
    [
        ([], False),  # no live course: never overdue
        ([COMPLETED], False),
        ([COMPLETED, IN_PROGRESS], True),  # any course overdue makes the track overdue
        ([NOT_STARTED, NOT_STARTED], True),
        ([EXEMPT, EXEMPT], False),
        ([COMPLETED, EXEMPT], False),
    ],
)
def test_track_overdue(statuses, overdue):
    assert track_overdue(statuses=statuses, due_date=D(2026, 9, 30), day=DAY) is overdue
    assert track_overdue(statuses=statuses, due_date=DAY, day=DAY) is False


# Audience: (assignment, post, assigned?) — departments by code, positions by code.
@pytest.mark.parametrize(
    ("audience", "post", "assigned"),
    [
        ({"everyone": True}, ("jinji", "shuji"), True),
        ({"departments": ["jumin"]}, ("jumin", "shuji"), True),
        ({"departments": ["jumin"]}, ("mado", "shuji"), True),  # a unit under the section
        ({"departments": ["mado"]}, ("jumin", "shuji"), False),  # not upwards
        ({"departments": ["jumin"]}, ("jinji", "shuji"), False),
        ({"departments": ["somu", "mado"]}, ("mado", "kacho"), True),  # any of them
        ({"positions": ["kacho"]}, ("jinji", "kacho"), True),
        ({"positions": ["kacho"]}, ("jinji", "shuji"), False),
        ({"departments": ["jumin"], "positions": ["kacho"]}, ("mado", "kacho"), True),
        ({"departments": ["jumin"], "positions": ["kacho"]}, ("mado", "shuji"), False),
        ({"departments": ["jumin"], "positions": ["kacho"]}, ("somu", "kacho"), False),
        ({}, ("jinji", "shuji"), False),  # neither: nobody
    ],
)
def test_audience_in_python_and_in_sql(
    make_course, organization, departments, positions, audience, post, assigned
):
    track, course, _ = make_course(modules=1)
    TrackAssignmentFactory(
        organization=organization,
        track=track,
        applies_to_all=audience.get("everyone", False),
        departments=[departments[code] for code in audience.get("departments", [])],
        positions=[positions[code] for code in audience.get("positions", [])],
    )
    user = UserFactory()
    MembershipFactory(user=user, department=departments[post[0]], position=positions[post[1]])

    in_sql = {row.user_id for row in person_course_rows(organization=organization, as_of=DAY)}
    assert (track.id in assigned_tracks(user=user, day=DAY)) is assigned
    assert (user.pk in in_sql) is assigned


def test_assignments_follow_concurrent_posts_and_the_person_counts_at_the_primary_one(
    make_course, organization, departments, positions
):
    track, _, _ = make_course(modules=1)
    TrackAssignmentFactory(
        organization=organization, track=track, departments=[departments["mado"]]
    )
    user = UserFactory()
    MembershipFactory(user=user, department=departments["jinji"], position=positions["shuji"])
    MembershipFactory(
        user=user, department=departments["mado"], position=positions["kacho"], is_primary=False
    )

    (row,) = person_course_rows(organization=organization, as_of=DAY)
    assert track.id in assigned_tracks(user=user, day=DAY)
    assert (row.department.code, row.position.code) == ("JINJI", "SHUJI")


# Due dates of the assignments covering a person → the one that applies.
@pytest.mark.parametrize(
    ("due_dates", "due"),
    [
        ([D(2026, 9, 30)], D(2026, 9, 30)),
        ([D(2027, 1, 31), D(2026, 10, 31)], D(2026, 10, 31)),  # the earliest wins
        ([D(2026, 10, 31), D(2026, 10, 31)], D(2026, 10, 31)),
    ],
)
def test_the_earliest_due_date_wins_in_python_and_in_sql(
    make_course, organization, make_staff, due_dates, due
):
    track, _, _ = make_course(modules=1)
    for due_date in due_dates:
        TrackAssignmentFactory(
            organization=organization, track=track, applies_to_all=True, due_date=due_date
        )
    # Last year's assignment, due earlier, is not this year's.
    TrackAssignmentFactory(
        organization=organization,
        track=track,
        applies_to_all=True,
        fiscal_year=2025,
        due_date=D(2025, 6, 1),
    )
    user = make_staff()

    (row,) = person_course_rows(organization=organization, as_of=DAY)
    assert assigned_tracks(user=user, day=DAY) == {track.id: due}
    assert row.due_date == due


# Mid-year joiners (README, "Assigned"): the person's posts in the town as (department,
# valid from, valid to, 本務?) and the assignment's due date (fiscal year 2026) → the due
# date that applies, in Python (マイページ) and in SQL (the report), as of ``DAY``.
APRIL_1, MARCH_31 = D(2026, 4, 1), D(2027, 3, 31)
PRORATED = [
    ("joined 1 April: not a joiner", [("mado", D(2026, 4, 1), None, True)], D(2026, 9, 30),
     D(2026, 9, 30)),
    ("posted since an earlier year", [("mado", D(2019, 4, 1), None, True)], D(2026, 9, 30),
     D(2026, 9, 30)),
    ("joined 2 April: one day more", [("mado", D(2026, 4, 2), None, True)], D(2026, 9, 30),
     D(2026, 10, 1)),
    ("joined 1 July: as many days as the others", [("mado", D(2026, 7, 1), None, True)],
     D(2026, 9, 30), D(2026, 12, 30)),
    ("joined after the due date", [("mado", D(2026, 10, 15), None, True)], D(2026, 9, 30),
     D(2027, 3, 31)),  # 10/15 + 182 days is past 3/31: capped
    ("joined 1 September, due in January: capped at 31 March",
     [("mado", D(2026, 9, 1), None, True)], D(2027, 1, 31), MARCH_31),
    ("due on 31 March stays", [("mado", D(2026, 7, 1), None, True)], MARCH_31, MARCH_31),
    ("transferred within the town on 1 July: not a joiner",
     [("jumin", D(2020, 4, 1), D(2026, 6, 30), True), ("mado", D(2026, 7, 1), None, True)],
     D(2026, 9, 30), D(2026, 9, 30)),
    ("a concurrent post held since April counts", [("jumin", D(2026, 4, 1), None, False),
     ("mado", D(2026, 7, 1), None, True)], D(2026, 9, 30), D(2026, 9, 30)),
    ("left in June, back in October: still a member since 1 April",
     [("mado", D(2025, 4, 1), D(2026, 6, 30), True), ("mado", D(2026, 10, 1), None, True)],
     D(2026, 9, 30), D(2026, 9, 30)),
    ("joined in May, left in June, back in October: first day in May",
     [("mado", D(2026, 5, 1), D(2026, 6, 30), True), ("mado", D(2026, 10, 1), None, True)],
     D(2026, 9, 30), D(2026, 10, 30)),
    ("left last year (31 March), back on 2 May",
     [("mado", D(2020, 4, 1), D(2026, 3, 31), True), ("mado", D(2026, 5, 2), None, True)],
     D(2026, 9, 30), D(2026, 10, 31)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("posts", "due_date", "due"),
    [case[1:] for case in PRORATED],
    ids=[case[0] for case in PRORATED],
)
def test_mid_year_joiners_get_a_prorated_due_date_in_python_and_in_sql(
    make_course, organization, departments, positions, posts, due_date, due
):
    track, _, _ = make_course(modules=1)
    TrackAssignmentFactory(
        organization=organization, track=track, applies_to_all=True, due_date=due_date
    )
    user = UserFactory()
    for department, valid_from, valid_to, is_primary in posts:
        MembershipFactory(
            user=user,
            department=departments[department],
            position=positions["shuji"],
            valid_from=valid_from,
            valid_to=valid_to,
            is_primary=is_primary,
        )

    (row,) = person_course_rows(organization=organization, as_of=DAY)
    assert assigned_tracks(user=user, day=DAY) == {track.id: due}
    assert row.due_date == due
    assert row.overdue is (due < DAY)
    overdue = completion_tallies(organization=organization, as_of=DAY).overdue_people()
    assert [p["user_id"] for p in overdue] == ([user.id] if due < DAY else [])


def test_the_first_day_is_counted_in_the_assignments_town_only(
    make_course, organization, other_town, departments, positions
):
    """Posted since 2020 in the neighbouring town, joined this town on 1 July: a joiner
    here (the neighbour's own assignment, were there one, would not be pro-rated)."""
    track, _, _ = make_course(modules=1)
    TrackAssignmentFactory(organization=organization, track=track, applies_to_all=True)
    user = UserFactory()
    MembershipFactory(user=user, department=other_town["somu"], valid_from=D(2020, 4, 1))
    MembershipFactory(
        user=user, department=departments["mado"], is_primary=False, valid_from=D(2026, 7, 1)
    )
    (row,) = person_course_rows(organization=organization, as_of=DAY)
    assert assigned_tracks(user=user, day=DAY) == {track.id: D(2026, 12, 30)}
    assert row.due_date == D(2026, 12, 30)


def test_the_earliest_prorated_due_date_wins():
    """Pro-rating keeps the order of due dates, so the earliest due date pro-rated is the
    earliest pro-rated due date (the SQL form pro-rates the grouped MIN)."""
    first_day = D(2026, 8, 1)
    dues = [APRIL_1 + datetime.timedelta(days=n) for n in range(0, 365, 7)]
    prorated = [prorated_due_date(d, first_day=first_day, fiscal_year=2026) for d in dues]
    assert prorated == sorted(prorated)
    assert all(p >= d for p, d in zip(prorated, dues, strict=True))
    assert max(prorated) == MARCH_31
    assert prorated_due_date(D(2026, 9, 30), first_day=None, fiscal_year=2026) == D(2026, 9, 30)


# What the learner did → the status of the course, for a course of two live modules
# (plus an unpublished one); ``stored`` is the cycle of a stored CourseCompletion.
@pytest.mark.parametrize(
    ("annual", "done", "stored", "status"),
    [
        (False, [], None, NOT_STARTED),
        (False, [0], None, IN_PROGRESS),
        (False, [0, 1], None, IN_PROGRESS),  # every module, but nothing stored
        (False, [], 0, COMPLETED),  # stored, whatever the modules say now
        (False, ["hidden"], None, NOT_STARTED),  # an unpublished module does not count
        (True, [0], 2026, COMPLETED),  # annual: stored for this fiscal year
        (True, [0], 2025, IN_PROGRESS),  # last year's completion does not count …
        (True, [], 2025, NOT_STARTED),
    ],
)
def test_course_status_in_python_and_in_sql(
    make_course, organization, make_staff, annual, done, stored, status
):
    track, course, modules = make_course(modules=2, annual=annual)
    hidden = ModulePageFactory(parent=course)
    hidden.unpublish()
    TrackAssignmentFactory(organization=organization, track=track, applies_to_all=True)
    user = make_staff()
    cycle = 2026 if annual else 0
    for module in done:
        page = hidden if module == "hidden" else modules[module]
        ModuleCompletion.objects.create(user=user, module=page, cycle=cycle, completed_at=AT)
    if annual:  # … nor do last year's modules
        ModuleCompletion.objects.create(user=user, module=modules[1], cycle=2025, completed_at=AT)
    if stored is not None:
        CourseCompletion.objects.create(user=user, course=course, cycle=stored, completed_at=AT)

    progress = progress_for_tracks(user=user, tracks=[track], today=DAY)
    (row,) = person_course_rows(organization=organization, as_of=DAY)
    assert course_statuses(user=user, day=DAY, tracks=progress.values()) == {course.id: status}
    assert row.status == status
    assert row.overdue is (status != COMPLETED)  # due 30 September


# A person's posts on DAY → their primary post: (department, primary?, from, to) rows,
# in the order they were created; ``home`` is the index of the primary one (None: none).
@pytest.mark.parametrize(
    ("posts", "home"),
    [
        ([("jinji", True, D(2020, 4, 1), None)], 0),
        ([("mado", False, D(2020, 4, 1), None), ("jinji", True, D(2020, 4, 1), None)], 1),
        ([("jinji", True, D(2020, 4, 1), D(2026, 9, 30)), ("mado", True, D(2026, 10, 1), None)], 1),
        ([("mado", False, D(2020, 4, 1), None), ("jinji", False, D(2020, 4, 1), None)], 0),
        ([("jinji", True, D(2020, 4, 1), D(2026, 3, 31)), ("mado", False, D(2020, 4, 1), None)], 1),
        ([("jinji", True, D(2020, 4, 1), D(2026, 3, 31))], None),  # left
        ([("jinji", True, D(2026, 12, 1), None)], None),  # not yet started
    ],
)
def test_primary_post_in_python_and_in_sql(organization, departments, positions, posts, home):
    user = UserFactory()
    created = [
        MembershipFactory(
            user=user,
            department=departments[code],
            position=positions["shuji"],
            is_primary=is_primary,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        for code, is_primary, valid_from, valid_to in posts
    ]
    expected = created[home] if home is not None else None

    held = [p for p in created if p.valid_from <= DAY and (p.valid_to is None or p.valid_to >= DAY)]
    assert pick_primary_post(held) == expected
    assert primary_post(user=user, day=DAY) == expected
    assert primary_post(user=user, day=DAY, organization=organization) == expected
    assert (memberships_on(user=user, day=DAY) or [None])[0] == expected
    assert _primary_posts_in_sql(organization).get(user.pk) == (expected and expected.pk)


def _primary_posts_in_sql(organization) -> dict[int, int]:
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH {primary_post_ctes()} SELECT user_id, membership_id FROM home",
            {"organization": organization.pk, "as_of": DAY},
        )
        return dict(cursor.fetchall())


def test_overlapping_primary_posts_of_older_data_resolve_to_the_lowest_id(
    organization, departments, positions
):
    if connection.vendor == "postgresql":
        pytest.skip("PostgreSQL refuses overlapping primary posts (migration 0020)")
    user = UserFactory()
    first, second = (
        MembershipFactory(user=user, department=departments[code], position=positions["shuji"])
        for code in ("mado", "jinji")
    )

    assert primary_post(user=user, day=DAY) == pick_primary_post([second, first]) == first
    assert memberships_on(user=user, day=DAY)[0] == first
    assert _primary_posts_in_sql(organization) == {user.pk: first.pk}


# An exemption (from, to, entered) → whether it counts on DAY (28 November): within the
# period, and entered by the end of the day in Japan time.
JUST_BEFORE_MIDNIGHT = end_of_day(DAY) - datetime.timedelta(seconds=1)


@pytest.mark.parametrize(
    ("starts_on", "ends_on", "entered", "exempt"),
    [
        (D(2026, 4, 1), None, AT, True),  # open-ended
        (DAY, DAY, AT, True),  # a one-day exemption, that day
        (D(2026, 4, 1), DAY, AT, True),  # ends on the day: the day is still exempt
        (D(2026, 4, 1), D(2026, 11, 27), AT, False),  # ended the day before
        (D(2026, 11, 29), None, AT, False),  # starts the next day
        (D(2026, 4, 1), None, JUST_BEFORE_MIDNIGHT, True),  # entered at 23:59:59 JST
        (D(2026, 4, 1), None, end_of_day(DAY), False),  # entered at midnight JST: too late
        (D(2026, 4, 1), None, datetime.datetime(2026, 11, 28, 15, tzinfo=datetime.UTC), False),
    ],
)
def test_exemption_in_python_and_in_sql(
    make_course, organization, make_staff, starts_on, ends_on, entered, exempt
):
    assert (
        exemption_in_effect(starts_on=starts_on, ends_on=ends_on, created_at=entered, day=DAY)
        is exempt
    )
    track, course, _ = make_course(modules=1)
    TrackAssignmentFactory(organization=organization, track=track, applies_to_all=True)
    user = make_staff()
    Exemption.objects.create(
        organization=organization,
        user=user,
        track=track,
        starts_on=starts_on,
        ends_on=ends_on,
        reason=Exemption.Reason.OTHER,
        created_at=entered,
    )

    progress = progress_for_tracks(user=user, tracks=[track], today=DAY)
    (row,) = person_course_rows(organization=organization, as_of=DAY)
    status = EXEMPT if exempt else NOT_STARTED
    assert (track.id in exemptions_on(user=user, day=DAY)) is exempt
    assert course_statuses(user=user, day=DAY, tracks=progress.values()) == {course.id: status}
    assert (row.status, row.overdue) == (status, not exempt)  # due 30 September
    tally = completion_tallies(organization=organization, as_of=DAY).total
    assert (tally.assigned, tally.exempt, tally.overdue) == (int(not exempt), int(exempt),
                                                             int(not exempt))  # fmt: skip


def test_an_exemption_from_another_track_changes_nothing(make_course, organization, make_staff):
    track, course, _ = make_course(modules=1)
    other, _, _ = make_course(modules=1)
    TrackAssignmentFactory(organization=organization, track=track, applies_to_all=True)
    user = make_staff()
    Exemption.objects.create(
        organization=organization, user=user, track=other, starts_on=D(2026, 4, 1),
        reason=Exemption.Reason.OTHER, created_at=AT,
    )  # fmt: skip

    (row,) = person_course_rows(organization=organization, as_of=DAY)
    assert row.status == NOT_STARTED and row.overdue
