"""The Python and SQL forms of each rule agree, on generated organisations (Hypothesis).

Each rule has one home with two forms: the audience, due-date, status and overdue
rules in ``lms/assignments.py`` (Python for マイページ, SQL for the HR report, the
department page and reminders), the primary post in ``lms/people/posts.py``
(Python for permissions and pages, SQL for the report and the DX-leader
candidates). Hypothesis builds towns — department trees (部 → 課 → 係), positions,
people with transfers, concurrent posts or only concurrent posts, mid-year joiners
(whose due dates are pro-rated), assignments of every kind, module and course
completions in the right and the wrong cycle, exemptions (免除) whose period holds the
day or not, entered before the day's end or after it — and a day, then demands that for
every person both forms give the same answer. Changing one side alone turns this red.
"""

import datetime
import os
import zoneinfo
from collections import Counter, defaultdict

import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from courses.factories import ModulePageFactory, TrackPageFactory
from courses.fiscal import fiscal_year_bounds, fiscal_year_of
from courses.models import CourseCompletion, CoursePage, ModuleCompletion, TrackPage
from courses.selectors import progress_for_tracks
from lms.assignments import (
    assigned_tracks,
    course_due_date,
    course_overdue,
    course_statuses,
    track_overdue,
)
from lms.leaders.candidates import CandidateStream
from lms.learner.selectors import mypage_for_user
from lms.models import (
    Department,
    Exemption,
    Membership,
    Organization,
    Position,
    TrackAssignment,
    User,
)
from lms.people.posts import memberships_on, primary_post
from lms.reporting.completion import completion_tallies, person_course_rows

D = datetime.date
JST = zoneinfo.ZoneInfo("Asia/Tokyo")
FIRST_DAY, LAST_DAY = D(2025, 4, 1), D(2027, 4, 15)
FISCAL_YEARS = {year: fiscal_year_bounds(year) for year in (2025, 2026, 2027)}
PARITY = settings(
    max_examples=int(os.environ.get("PARITY_EXAMPLES", 30)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@pytest.fixture
def curriculum(make_course, learning_home):
    """Four tracks: two courses (one annual; an unpublished module), one course, none at
    all (never overdue), and one whose only course has no module yet."""
    track1, course1, modules1 = make_course(modules=2)
    hidden = ModulePageFactory(parent=course1)
    hidden.unpublish()
    _, annual, modules_annual = make_course(modules=1, annual=True, track=track1)
    track2, course2, modules2 = make_course(modules=2)
    # A renewal course (docs/renewal.md): valid 12 months, warned 30 days before.
    _, renewal, modules_renewal = make_course(modules=1, track=track2)
    CoursePage.objects.filter(pk=renewal.pk).update(validity_months=12, expiry_warning_days=30)
    empty = TrackPageFactory(parent=learning_home)
    track4, bare, _ = make_course(modules=0)
    course_of = {m.pk: course1.pk for m in [*modules1, hidden]}
    course_of.update({m.pk: annual.pk for m in modules_annual})
    course_of.update({m.pk: course2.pk for m in modules2})
    courses = [course1, annual, course2, bare]
    return {
        "renewal": renewal.pk,
        "renewal_module": modules_renewal[0].pk,
        "tracks": [track1.pk, track2.pk, empty.pk, track4.pk],
        "courses": [course.pk for course in courses],
        "annual": {course.pk: course.annual for course in courses},
        "modules": list(course_of),
        "course_of": course_of,
    }


# --- What Hypothesis draws: plain data, built into rows by ``_build`` ----------------------


@st.composite
def _tree(draw):
    """Units (係) per section (課) per division (部): ``[[2, 0], [1]]``."""
    return draw(
        st.lists(st.lists(st.integers(0, 2), min_size=0, max_size=2), min_size=1, max_size=3)
    )


def _count_departments(tree) -> int:
    return sum(1 + len(sections) + sum(sections) for sections in tree)


@st.composite
def _posts(draw, departments: int, positions: int, day: datetime.date):
    """A person's posts: a timeline of 本務 (transfers close one and open the next, gaps
    allowed) and concurrent posts (兼務) on any days; sometimes only concurrent posts."""
    department = st.integers(0, departments - 1)
    position = st.integers(0, positions - 1)
    posts, start = [], draw(st.dates(FIRST_DAY, day) | st.dates(FIRST_DAY, LAST_DAY))
    for _ in range(draw(st.integers(0, 3))):
        end = draw(st.none() | st.integers(0, 240).map(lambda n, s=start: s + _days(n)))
        posts.append((draw(department), draw(position), True, start, end))
        if end is None:
            break
        start = end + _days(draw(st.sampled_from([1, 1, 1, 5, 40])))
    for _ in range(draw(st.integers(0 if posts else 1, 2))):
        begin = draw(st.dates(FIRST_DAY, day) | st.dates(FIRST_DAY, LAST_DAY))
        end = draw(st.none() | st.integers(0, 300).map(lambda n, s=begin: s + _days(n)))
        posts.append((draw(department), draw(position), False, begin, end))
    return posts


@st.composite
def _assignment(draw, tracks: int, departments: int, positions: int, day: datetime.date):
    """Mostly for the day's fiscal year; sometimes for the other one (never applies)."""
    fiscal_year = fiscal_year_of(day)
    if draw(st.integers(0, 4)) == 4:
        fiscal_year = fiscal_year - 1 if fiscal_year > 2025 else fiscal_year + 1
    kind = draw(
        st.sampled_from(["everyone", "departments", "departments", "positions", "both", "neither"])
    )
    some = st.lists(st.integers(0, departments - 1), min_size=1, max_size=2, unique=True)
    held = st.lists(st.integers(0, positions - 1), min_size=1, max_size=2, unique=True)
    return {
        "track": draw(st.integers(0, tracks - 1)),
        "fiscal_year": fiscal_year,
        "due_date": draw(st.dates(*FISCAL_YEARS[fiscal_year])),
        "everyone": kind == "everyone",
        "departments": draw(some) if kind in ("departments", "both") else [],
        "positions": draw(held) if kind in ("positions", "both") else [],
    }


@st.composite
def _progress(draw, modules: int, courses: int):
    """Module completions and stored course completions: (index, in the right cycle?)."""
    right = st.sampled_from([True, True, True, False])
    done = st.lists(st.tuples(st.integers(0, modules - 1), right), max_size=6)
    stored = st.lists(st.tuples(st.integers(0, courses - 1), right), max_size=3)
    # The renewal course: completions (rounds in time order) and module completions
    # (round, when), at offsets from the day (RENEWAL_OFFSETS).
    offsets = st.integers(0, len(RENEWAL_OFFSETS) - 1)
    return {
        "modules": draw(done),
        "courses": draw(stored),
        "renewals": draw(st.lists(offsets, max_size=3, unique=True)),
        "renewal_modules": draw(
            st.lists(st.tuples(st.integers(0, 2), offsets), max_size=3, unique_by=lambda r: r[0])
        ),
    }


# When the renewal course was completed, from the day (Japan time): a year before that
# day at midnight (expires on the day), a second before (expired the day before), the next
# midnight (valid), inside (20 days) and before (40 days) the 30-day window, an older round,
# the day itself, the next day (not counted).
RENEWAL_OFFSETS = [
    (-365, 0), (-365, -1), (-364, 0), (-345, 12 * 3600), (-325, 12 * 3600), (-700, 3600),
    (0, 12 * 3600), (1, 0),
]  # fmt: skip


@st.composite
def _exemptions(draw, tracks: int, day: datetime.date):
    """A person's exemptions from tracks: periods around the day (starting on it, ending
    on it, open), entered days before, at the day's last second or the next morning."""
    around = st.integers(-40, 40).map(lambda n: day + _days(n))
    before = st.integers(1, 200).map(lambda n: day - _days(n))
    return draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "track": st.integers(0, tracks - 1),
                    "starts_on": st.sampled_from([day, day + _days(1)]) | around | before,
                    # Days after the start, or ending on the day itself or the day before.
                    "length": st.none()
                    | st.sampled_from([0, 1, 30, "day", "day", "day_before"])
                    | st.integers(0, 300),
                    "entered": st.sampled_from(["before", "before", "last_second", "next_day"]),
                }
            ),
            max_size=3,
        )
    )


@st.composite
def towns(draw, curriculum):
    tree = draw(_tree())
    departments = _count_departments(tree)
    positions = draw(st.integers(1, 3))
    day = draw(st.dates(D(2026, 3, 20), D(2027, 4, 10)))
    people = draw(
        st.lists(
            st.fixed_dictionaries(
                {
                    "active": st.sampled_from([True, True, True, False]),
                    "posts": _posts(departments, positions, day),
                    "progress": _progress(len(curriculum["modules"]), len(curriculum["courses"])),
                    "exemptions": _exemptions(len(curriculum["tracks"]), day),
                }
            ),
            min_size=2,
            max_size=8,
        )
    )
    assignments = draw(
        st.lists(
            _assignment(len(curriculum["tracks"]), departments, positions, day),
            min_size=2,
            max_size=6,
        )
    )
    # Due on the day itself (not yet overdue) is drawn on purpose: the day becomes the
    # earliest due date of its fiscal year (the one that wins for its track).
    this_year = [a["due_date"] for a in assignments if a["fiscal_year"] == fiscal_year_of(day)]
    if this_year and draw(st.integers(0, 3)) == 3:
        day = min(this_year)
    subtree = draw(st.integers(0, departments - 1))
    return {
        "tree": tree,
        "positions": positions,
        "people": people,
        "assignments": assignments,
        "day": day,
        "subtree": subtree,
        "sort_orders": draw(st.permutations(range(departments))),
    }


def _days(n: int) -> datetime.timedelta:
    return datetime.timedelta(days=n)


# --- Rows from what was drawn ---------------------------------------------------------------


def _build(town, curriculum):
    organization = Organization.objects.create(code="PARITY", name="パリティ町")
    departments = _build_tree(organization, town["tree"], town["sort_orders"])
    positions = [
        Position.objects.create(
            organization=organization, code=f"PARITY{i}", name=f"職位{i}", rank=20 + 20 * i
        )
        for i in range(town["positions"])
    ]
    people = [
        User.objects.create(
            staff_number=f"P{index:03d}",
            family_name="試験",
            given_name=str(index),
            email=f"parity{index}@example.jp",
            is_active=spec["active"],
        )
        for index, spec in enumerate(town["people"])
    ]
    Membership.objects.bulk_create(  # in the order drawn: ids follow it
        Membership(
            user=user,
            department=departments[department],
            position=positions[position],
            is_primary=is_primary,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        for user, spec in zip(people, town["people"], strict=True)
        for department, position, is_primary, valid_from, valid_to in spec["posts"]
    )
    for user, spec in zip(people, town["people"], strict=True):
        _build_progress(user, spec["progress"], curriculum, town["day"])
        _build_exemptions(organization, user, spec["exemptions"], curriculum, town["day"])
    for spec in town["assignments"]:
        assignment = TrackAssignment.objects.create(
            organization=organization,
            track_id=curriculum["tracks"][spec["track"]],
            fiscal_year=spec["fiscal_year"],
            due_date=spec["due_date"],
            applies_to_all=spec["everyone"],
        )
        assignment.departments.set([departments[i] for i in spec["departments"]])
        assignment.positions.set([positions[i] for i in spec["positions"]])
    _other_town(curriculum)
    return organization, departments, people


def _build_tree(organization, tree, sort_orders) -> list[Department]:
    """部 → 課 → 係, in drawing order; ``sort_orders`` shuffles how they are listed."""
    departments = []

    def add(code, parent, level):
        department = Department.objects.create(
            organization=organization,
            parent=parent,
            code=code,
            name=code,
            level=level,
            sort_order=sort_orders[len(departments)],
        )
        departments.append(department)
        return department

    for b, sections in enumerate(tree):
        division = add(f"B{b}", None, Department.Level.DIVISION)
        for k, units in enumerate(sections):
            section = add(f"B{b}K{k}", division, Department.Level.SECTION)
            for u in range(units):
                add(f"B{b}K{k}U{u}", section, Department.Level.UNIT)
    return departments


def _build_progress(user, progress, curriculum, day) -> None:
    """Completions in the course's cycle on ``day``, or in a wrong one (which never counts)."""
    at = datetime.datetime(2026, 5, 1, 9, tzinfo=datetime.UTC)
    fiscal_year = fiscal_year_of(day)

    def cycle(course_id, right):
        if curriculum["annual"][course_id]:
            return fiscal_year if right else fiscal_year - 1
        return 0 if right else fiscal_year

    modules = {(curriculum["modules"][m], right) for m, right in progress["modules"]}
    ModuleCompletion.objects.bulk_create(
        ModuleCompletion(
            user=user,
            module_id=module,
            cycle=cycle(curriculum["course_of"][module], right),
            completed_at=at,
        )
        for module, right in modules
    )
    courses = {(curriculum["courses"][c], right) for c, right in progress["courses"]}
    CourseCompletion.objects.bulk_create(
        CourseCompletion(user=user, course_id=course, cycle=cycle(course, right), completed_at=at)
        for course, right in courses
    )

    def renewal_at(index):
        days, seconds = RENEWAL_OFFSETS[index]
        # -365 days is the same day a year before: no 29 February between the days drawn
        # (2026–2027) and a year earlier.
        moment = datetime.datetime.combine(day, datetime.time(), JST)
        return moment + datetime.timedelta(days=days, seconds=seconds)

    for cycle_number, at in enumerate(sorted(renewal_at(i) for i in progress["renewals"])):
        CourseCompletion.objects.create(
            user=user, course_id=curriculum["renewal"], cycle=cycle_number, completed_at=at
        )
    for cycle_number, index in progress["renewal_modules"]:
        ModuleCompletion.objects.create(
            user=user,
            module_id=curriculum["renewal_module"],
            cycle=cycle_number,
            completed_at=renewal_at(index),
        )


def _build_exemptions(organization, user, exemptions, curriculum, day) -> None:
    tokyo = datetime.timezone(datetime.timedelta(hours=9))
    midnight = datetime.datetime(day.year, day.month, day.day, tzinfo=tokyo) + _days(1)
    entered = {
        "before": midnight - _days(5),
        "last_second": midnight - datetime.timedelta(seconds=1),
        "next_day": midnight,
    }
    Exemption.objects.bulk_create(
        Exemption(
            organization=organization,
            user=user,
            track_id=curriculum["tracks"][spec["track"]],
            starts_on=spec["starts_on"],
            ends_on=_ends_on(spec, day),
            reason=Exemption.Reason.CHILDCARE_LEAVE,
            created_at=entered[spec["entered"]],
        )
        for spec in exemptions
    )


def _ends_on(spec, day):
    length = spec["length"]
    if length is None:
        return None
    if isinstance(length, int):
        return spec["starts_on"] + _days(length)
    end = day if length == "day" else day - _days(1)
    return max(end, spec["starts_on"])  # never before the start (a constraint)


def _other_town(curriculum) -> None:
    """A neighbouring town whose earlier due dates must never reach the town's staff."""
    elsewhere = Organization.objects.create(code="ELSEWHERE", name="となり町")
    department = Department.objects.create(organization=elsewhere, code="B0", name="B0")
    position = Position.objects.create(
        organization=elsewhere, code="PARITY0", name="職位0", rank=20
    )
    user = User.objects.create(staff_number="X001", family_name="隣", email="x@example.jp")
    Membership.objects.create(
        user=user, department=department, position=position, valid_from=FIRST_DAY
    )
    for fiscal_year, (start, _end) in FISCAL_YEARS.items():
        TrackAssignment.objects.create(
            organization=elsewhere,
            track_id=curriculum["tracks"][0],
            fiscal_year=fiscal_year,
            due_date=start,
            applies_to_all=True,
        )


# --- The two forms, side by side ------------------------------------------------------------


def _sql_rows(organization, day, department=None):
    """Person → {(track, course): (due date, status, overdue)}, and person → (department,
    position), as the report's SQL has them."""
    rows, home = defaultdict(dict), {}
    for row in person_course_rows(organization=organization, as_of=day, department=department):
        rows[row.user_id][(row.track.id, row.course.id)] = (row.due_date, row.status, row.overdue)
        home[row.user_id] = (row.department.id, row.position.id)
    return dict(rows), home


def _python_rows(user, day, tracks):
    """The same, for one person, from the Python forms (as マイページ reads them)."""
    due = assigned_tracks(user=user, day=day)
    progress = progress_for_tracks(user=user, tracks=tracks, today=day)
    assigned = [progress[track.id] for track in tracks if track.id in due]
    statuses = course_statuses(user=user, day=day, tracks=assigned)
    rows = {}
    for track in assigned:
        for course in track.courses:
            status = statuses[course.page.id]
            due_date = course_due_date(
                due_date=due[track.page.id],
                expires_on=course.renewal.expires_on if course.renewal else None,
                day=day,
            )
            overdue = course_overdue(status=status, due_date=due_date, day=day)
            rows[(track.page.id, course.page.id)] = (due_date, status, overdue)
    return rows, due


def _check_person(user, organization, day, tracks, sql_rows, sql_home):
    """Primary post, assigned courses with due dates, status and overdue; マイページ."""
    home = primary_post(user=user, day=day, organization=organization)
    posts = memberships_on(user=user, day=day)
    assert (posts[0] if posts else None) == primary_post(user=user, day=day) == home
    rows, due = _python_rows(user, day, tracks)
    assert rows == sql_rows.get(user.pk, {}), "assigned courses, due dates, status, overdue"
    if rows:
        assert sql_home[user.pk] == (home.department_id, home.position_id), "primary post"
    page = mypage_for_user(user=user, today=day)
    assert {t.page.id: t.due_date for t in page.assigned} == due
    for track in page.assigned:
        in_sql = [r for (t, _), r in sql_rows.get(user.pk, {}).items() if t == track.page.id]
        assert track.overdue == any(overdue for _, _, overdue in in_sql), "track overdue"
        if not any(course.renewal for course in track.courses):
            assert track.overdue == track_overdue(
                statuses=[status for _, status, _ in in_sql], due_date=track.due_date, day=day
            )
        for course in track.courses:
            assert page.course_status[course.page.id] == rows[(track.page.id, course.page.id)][1]
    return home, rows


def _check_tallies(organization, day, homes, python_rows):
    """completion_tallies (grouped in SQL) against the Python forms counted by hand."""
    expected = defaultdict(Counter)
    overdue_people = Counter()
    for user_id, rows in python_rows.items():
        department_id, position_id = homes[user_id]
        for (_, course_id), (_, status, overdue) in rows.items():
            counted = int(status != "exempt")  # 免除 lines are not in the rate's denominator
            for key in ((department_id, course_id), department_id, ("position", position_id)):
                expected[key].update({"assigned": counted, status: 1, "overdue": int(overdue)})
            overdue_people[user_id] += int(overdue)
    summary = completion_tallies(organization=organization, as_of=day)
    in_sql = {
        **{key: _counts(t) for key, t in summary.by_department_course.items()},
        **{key: _counts(t) for key, t in summary.by_department.items()},
        **{("position", key): _counts(t) for key, t in summary.by_position.items()},
    }
    assert in_sql == {key: _counts_of(c) for key, c in expected.items()}
    assert {p["user_id"]: p["overdue"] for p in summary.overdue_people()} == {
        user_id: n for user_id, n in overdue_people.items() if n
    }


def _counts(tally) -> tuple:
    return (
        tally.assigned,
        tally.completed,
        tally.in_progress,
        tally.not_started,
        tally.overdue,
        tally.exempt,
    )


def _counts_of(counter: Counter) -> tuple:
    names = ("assigned", "completed", "in_progress", "not_started", "overdue", "exempt")
    return tuple(counter[name] for name in names)


def _check_subtree(organization, day, department, homes, python_rows):
    """The department page: the people whose primary post is in the subtree."""
    rows, _ = _sql_rows(organization, day, department)
    paths = dict(Department.objects.filter(organization=organization).values_list("id", "path"))
    expected = {
        user_id: person_rows
        for user_id, person_rows in python_rows.items()
        if person_rows and paths[homes[user_id][0]].startswith(department.path)
    }
    assert rows == expected


def _check_candidates(organization, day, people_at_home):
    """The candidates' SQL counts everyone posted that day at their primary post (the
    heatmap), as the HR report does: an account deactivated later still counts."""
    stream = CandidateStream(organization=organization, as_of=day)
    list(stream)
    paths = dict(Department.objects.filter(organization=organization).values_list("id", "path"))
    for row in stream.heatmap()["rows"]:
        section = paths[row["department_id"]]
        expected = sum(1 for home in people_at_home if paths[home].startswith(section))
        assert {cell["people"] for cell in row["cells"]} <= {expected}


def _events(python_rows, town, people) -> None:
    """What the examples covered (``pytest --hypothesis-show-statistics``)."""
    start, end = FISCAL_YEARS[fiscal_year_of(town["day"])]
    for user, spec in zip(people, town["people"], strict=True):
        held = [f for *_, f, t in spec["posts"] if f <= end and (t is None or t >= start)]
        if python_rows.get(user.pk) and held and min(held) > start:
            event("a mid-year joiner with assigned courses (pro-rated due dates)")
    event(f"people with assigned courses: {sum(1 for rows in python_rows.values() if rows)}")
    statuses = {status for rows in python_rows.values() for _, status, _ in rows.values()}
    for status in sorted(statuses):
        event(f"a course {status}")
    if any(overdue for rows in python_rows.values() for *_, overdue in rows.values()):
        event("a course overdue")
    if any(r[0] == town["day"] for rows in python_rows.values() for r in rows.values()):
        event("a course due on the day")
    if any(p["progress"]["renewals"] for p in town["people"]):
        event("a renewal course completed")
    kinds = {sum(primary for _, _, primary, *_ in p["posts"]) for p in town["people"]}
    event(f"本務 timelines of lengths {sorted(kinds)}")


@PARITY
@given(data=st.data())
def test_the_python_and_sql_forms_of_the_rules_agree(curriculum, data):
    town = data.draw(towns(curriculum))
    with transaction.atomic():
        organization, departments, people = _build(town, curriculum)
        day = town["day"]
        tracks = list(TrackPage.objects.live().order_by("path"))
        sql_rows, sql_home = _sql_rows(organization, day)
        assert set(sql_rows) <= {user.pk for user in people}  # not the other town's
        homes, python_rows, posted_homes = {}, {}, []
        for user in people:
            home, rows = _check_person(user, organization, day, tracks, sql_rows, sql_home)
            if home is not None and not home.is_primary:
                event("someone at a concurrent post only")
            if home is not None:
                homes[user.pk] = (home.department_id, home.position_id)
                python_rows[user.pk] = rows
                posted_homes.append(home.department_id)  # deactivated or not: posts decide
        _events(python_rows, town, people)
        _check_tallies(organization, day, homes, python_rows)
        _check_subtree(organization, day, departments[town["subtree"]], homes, python_rows)
        _check_candidates(organization, day, posted_homes)
        transaction.set_rollback(True)  # the next example starts from the curriculum alone
