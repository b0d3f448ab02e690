"""The HR report files against an independent oracle, on generated towns (Hypothesis).

Hypothesis builds a town — departments (課 with a 係, another 課), positions, people
with posts (transfers, concurrent posts, mid-year joiners — on 2 April, 1 July, 30
September, 1 October — a leaver whose account is deactivated and posts closed),
assignments of every kind (some made after the as-of day), a one-off and an annual
course, module and course completions at times clustered around the boundaries (3/31
23:59:59 JST, 4/1 00:00 JST, the as-of day's midnight in Tokyo, UTC midnight) — course
completions learned online, recorded by HR or a head, or imported from a previous system
(dated after the as-of day too, written at any time) —, exemptions (免除) with periods
around the as-of day and 31 March / 1 April, entered at those same instants — and an
as-of date; and a renewal course (valid 12 or 24 months, warned 1 or 30 days before) with
rounds completed around the day a year or two before the as-of day (JST midnight, 23:59:59,
UTC midnight, inside and before the renewal window, an older round, the day itself, the
next day) and module completions of any round. The report is built by the job code
(``build_files``); every cell of every sheet (所属別, 職位別, 個人別) and of every CSV line
is compared with the oracle below,
written from README's "How each figure is defined" over raw rows in plain Python: it
does not use ``lms.assignments``, ``lms.people.posts`` or the report SQL.
"""

import csv
import datetime
import os
import zoneinfo

import openpyxl
import pytest
from django.db import transaction
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from courses.models import CourseCompletion, ModuleCompletion
from lms.models import (
    Department,
    Exemption,
    Membership,
    Organization,
    Position,
    ReportRun,
    TrackAssignment,
    User,
)
from lms.reporting.build import build_files

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
D = datetime.date
LABELS = {"completed": "修了", "in_progress": "受講中", "not_started": "未着手", "exempt": "免除"}
# As-of days on both sides of the joiners' pro-rated due dates (a joiner of 1 July due
# 30 September is due 30 December; one of 2 April, 1 October).
AS_OF_DAYS = [
    D(2026, 3, 31), D(2026, 4, 1), D(2026, 9, 30), D(2026, 10, 1), D(2026, 10, 2),
    D(2026, 12, 30), D(2026, 12, 31), D(2027, 3, 31),
]  # fmt: skip
POST_DAYS = [
    D(2025, 4, 1), D(2025, 10, 1), D(2026, 4, 1), D(2026, 4, 2), D(2026, 7, 1), D(2026, 9, 30),
    D(2026, 10, 1),
]  # fmt: skip
DEPARTMENTS = 3  # 0: 課, 1: its 係, 2: another 課
RECORD_LABELS = {"online": "", "recorded": "記録", "imported": "記録（取込）"}
# When a recorded completion was written: one of the instants, or long after the year.
# README: the completion date decides, whenever it was recorded.
RECORDED_AT = [
    *(lambda instants, i=i: instants[i] for i in range(8)),
    lambda instants: datetime.datetime(2027, 6, 1, 9, 0, tzinfo=TOKYO),
]


def _instants(as_of: D) -> list[datetime.datetime]:
    """Times around the boundaries that matter for ``as_of``."""
    next_day = as_of + datetime.timedelta(days=1)
    return [
        datetime.datetime(2026, 3, 31, 23, 59, 59, tzinfo=TOKYO),
        datetime.datetime(2026, 4, 1, 0, 0, tzinfo=TOKYO),
        datetime.datetime(as_of.year, as_of.month, as_of.day, 0, 0, tzinfo=TOKYO),
        datetime.datetime(next_day.year, next_day.month, next_day.day, 0, 0, tzinfo=TOKYO)
        - datetime.timedelta(seconds=1),
        datetime.datetime(next_day.year, next_day.month, next_day.day, 0, 0, tzinfo=TOKYO),
        datetime.datetime(as_of.year, as_of.month, as_of.day, 0, 0, tzinfo=datetime.UTC),
        datetime.datetime(next_day.year, next_day.month, next_day.day, 0, 0, tzinfo=datetime.UTC),
        datetime.datetime(2026, 6, 15, 12, 30, tzinfo=TOKYO),
    ]


posts = st.lists(
    st.tuples(
        st.integers(0, DEPARTMENTS - 1),
        st.integers(0, 1),  # position
        st.sampled_from(POST_DAYS),  # first day
    ),
    min_size=1,
    max_size=3,
)
person = st.fixed_dictionaries(
    {
        "posts": posts,  # the first is the 本務; a later one in the list is a transfer
        "transfer": st.booleans(),
        "leaves": st.none() | st.sampled_from([D(2026, 6, 30), D(2026, 9, 30)]),
        "modules": st.lists(st.tuples(st.integers(0, 2), st.integers(0, 7)), max_size=4),
        # Course completions: learned online, recorded by HR or a head, or imported (dated
        # at any of the instants, after the as-of day too; recorded at any time).
        "courses": st.lists(
            st.tuples(
                st.integers(0, 1),
                st.integers(0, 7),
                st.sampled_from(["online", "recorded", "imported"]),
                st.integers(0, 8),  # recorded at: an instant, or (8) long after the year
            ),
            max_size=2,
        ),
        # The renewal course: completions at _renewal_instants (rounds in time order), and
        # its module's completions (round, instant).
        "renewals": st.lists(
            st.tuples(st.integers(0, 9), st.sampled_from(["online", "recorded", "imported"])),
            max_size=3,
            unique_by=lambda r: r[0],
        ),
        "renewal_modules": st.lists(
            st.tuples(st.integers(0, 3), st.integers(0, 9)), max_size=3, unique_by=lambda r: r[0]
        ),
        # (first day, last day or None, entered at): days as offsets into _exemption_days.
        "exemptions": st.lists(
            st.tuples(st.integers(0, 6), st.none() | st.integers(0, 6), st.integers(0, 7)),
            max_size=2,
        ),
    }
)
assignment = st.fixed_dictionaries(
    {
        "fiscal_year": st.sampled_from([2025, 2026]),
        "everyone": st.booleans(),
        "departments": st.lists(st.integers(0, DEPARTMENTS - 1), max_size=2, unique=True),
        "positions": st.lists(st.integers(0, 1), max_size=2, unique=True),
        "due": st.sampled_from([D(2026, 3, 31), D(2026, 9, 30), D(2026, 10, 1), D(2027, 3, 31)]),
        "made": st.none() | st.integers(0, 7),  # None: before created_at was recorded
    }
)
town = st.fixed_dictionaries(
    {
        "as_of": st.sampled_from(AS_OF_DAYS) | st.dates(D(2026, 3, 25), D(2027, 4, 5)),
        "people": st.lists(person, min_size=1, max_size=5),
        "assignments": st.lists(assignment, min_size=1, max_size=3),
        "validity_months": st.sampled_from([12, 24]),
        "warning_days": st.sampled_from([1, 30]),
    }
)


def _shifted(day: D, months: int) -> D:
    """README: ``months`` (a multiple of 12) later or earlier; 29 February → 28 February."""
    year = day.year + months // 12
    try:
        return day.replace(year=year)
    except ValueError:
        return D(year, 2, 28)


def _renewal_instants(as_of: D, months: int) -> list[datetime.datetime]:
    """Completion times of the renewal course whose expiry falls around ``as_of``."""
    base = _shifted(as_of, -months)  # a completion on this day (JST) expires on as_of

    def jst(day, hour=0):
        return datetime.datetime(day.year, day.month, day.day, hour, tzinfo=TOKYO)

    one, second = datetime.timedelta(days=1), datetime.timedelta(seconds=1)
    return [
        jst(base),  # expires on the as-of day
        jst(base) - second,  # the day before: expired the day before
        jst(base + one),  # expires the day after: still valid
        jst(base + one) - second,  # 23:59:59 of base: expires on the as-of day
        datetime.datetime(base.year, base.month, base.day, tzinfo=datetime.UTC),  # 09:00 JST
        jst(base + 20 * one, 12),  # valid, in a 30-day window
        jst(base + 40 * one, 12),  # valid, before the window
        jst(_shifted(as_of, -2 * months), 10),  # an older round
        jst(as_of, 12),  # renewed on the day
        jst(as_of + one),  # after the day: not counted
    ]


@pytest.fixture
def curriculum(make_course):
    """One track with a one-off course (two modules) and an annual course (one module)."""
    track, one_off, modules = make_course(modules=2)
    _, annual, annual_modules = make_course(modules=1, annual=True, track=track)
    _, renewal, renewal_modules = make_course(modules=1, track=track)
    return {
        "track": track,
        "courses": [one_off, annual, renewal],
        "modules": [*modules, *annual_modules, *renewal_modules],
        "course_of": [0, 0, 1, 2],
    }


def _exemption_days(as_of: D) -> list[D]:
    """Days an exemption starts or ends on: around the as-of day and the year's turn."""
    one = datetime.timedelta(days=1)
    return [as_of - one, as_of, as_of + one, D(2026, 3, 31), D(2026, 4, 1), D(2025, 4, 1),
            D(2027, 3, 31)]  # fmt: skip


def _fiscal_year(day: D) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _build(spec, curriculum):
    org = Organization.objects.create(code="ORACLE", name="検証町")
    ka = Department.objects.create(organization=org, code="KA", name="企画課", sort_order=1)
    departments = [
        ka,
        Department.objects.create(
            organization=org, parent=ka, code="KAKARI", name="企画係", level="kakari", sort_order=2
        ),
        Department.objects.create(organization=org, code="ZEI", name="税務課", sort_order=3),
    ]
    positions = [
        Position.objects.get_or_create(
            organization=org, code="O1", defaults={"name": "主事", "rank": 50}
        )[0],
        Position.objects.get_or_create(
            organization=org, code="O2", defaults={"name": "係長", "rank": 30}
        )[0],
    ]
    instants = _instants(spec["as_of"])
    courses = curriculum["courses"]
    renewal = courses[2]
    renewal.validity_months = spec["validity_months"]
    renewal.expiry_warning_days = spec["warning_days"]
    type(renewal).objects.filter(pk=renewal.pk).update(
        validity_months=renewal.validity_months, expiry_warning_days=renewal.expiry_warning_days
    )
    renewal_instants = _renewal_instants(spec["as_of"], spec["validity_months"])
    for index, p in enumerate(spec["people"]):
        user = User.objects.create(
            staff_number=f"S{index:03}",
            family_name="検証",
            given_name=f"{index}号",
            email=f"s{index}@example.jp",
            is_active=p["leaves"] is None,
        )
        first, *others = p["posts"]
        _post(user, departments, positions, first, True, p, None)
        for number, other in enumerate(others):
            transfer = p["transfer"] and number == 0
            _post(user, departments, positions, other, transfer, p, first[2] if transfer else None)
        modules = {(m, instants[t]) for m, t in p["modules"]}
        seen = set()
        for m, at in sorted(modules, key=lambda x: x[1]):
            annual = courses[curriculum["course_of"][m]].annual
            cycle = _fiscal_year(at.astimezone(TOKYO).date()) if annual else 0
            if (m, cycle) not in seen:
                seen.add((m, cycle))
                ModuleCompletion.objects.create(
                    user=user, module=curriculum["modules"][m], cycle=cycle, completed_at=at
                )
        seen = set()
        for c, t, source, recorded in p["courses"]:
            at = instants[t]
            if source == "imported":  # an import stores 00:00 of the day in Japan
                at = datetime.datetime.combine(at.astimezone(TOKYO).date(), datetime.time(), TOKYO)
            cycle = _fiscal_year(at.astimezone(TOKYO).date()) if courses[c].annual else 0
            if (c, cycle) not in seen:
                seen.add((c, cycle))
                CourseCompletion.objects.create(
                    user=user,
                    course=courses[c],
                    cycle=cycle,
                    completed_at=at,
                    source=source,
                    recorded_at=None if source == "online" else RECORDED_AT[recorded](instants),
                    reason="" if source == "online" else "集合研修",
                )
        # Rounds in time order: round n is the n-th completion.
        completions = sorted(renewal_instants[i] for i, _source in p["renewals"])
        sources = dict((renewal_instants[i], source) for i, source in p["renewals"])
        for cycle, at in enumerate(completions):
            source = sources[at]
            CourseCompletion.objects.create(
                user=user,
                course=renewal,
                cycle=cycle,
                completed_at=at,
                source=source,
                recorded_at=None if source == "online" else at,
                reason="" if source == "online" else "集合研修",
            )
        for cycle, t in p["renewal_modules"]:
            ModuleCompletion.objects.create(
                user=user,
                module=curriculum["modules"][3],
                cycle=cycle,
                completed_at=renewal_instants[t],
            )
        days = _exemption_days(spec["as_of"])
        for first, last, entered in p["exemptions"]:
            ends_on = None if last is None else days[last]
            if ends_on is not None and ends_on < days[first]:
                continue  # the database refuses it (and so would the form)
            Exemption.objects.create(
                organization=org,
                user=user,
                track=curriculum["track"],
                starts_on=days[first],
                ends_on=ends_on,
                reason=Exemption.Reason.SICK_LEAVE,
                created_at=instants[entered],
            )
    for a in spec["assignments"]:
        made = None if a["made"] is None else instants[a["made"]]
        rule = TrackAssignment.objects.create(
            organization=org,
            track=curriculum["track"],
            fiscal_year=a["fiscal_year"],
            due_date=a["due"],
            applies_to_all=a["everyone"],
            created_at=made,
        )
        rule.departments.set([departments[i] for i in a["departments"]])
        rule.positions.set([positions[i] for i in a["positions"]])
    return org


def _post(user, departments, positions, post, primary, p, previous_start):
    """One post. A transfer ends the first 本務 the day before it starts (when it starts
    later); a leaver's posts close on the day they leave."""
    department, position, start = post
    if primary and previous_start is not None:
        if start <= previous_start:
            primary = False  # not a real transfer: keep it concurrent
        else:
            Membership.objects.filter(user=user, is_primary=True).update(
                valid_to=start - datetime.timedelta(days=1)
            )
    end = p["leaves"]
    if end is not None and end < start:
        return
    Membership.objects.create(
        user=user,
        department=departments[department],
        position=positions[position],
        is_primary=primary,
        valid_from=start,
        valid_to=end,
    )


# --- The oracle: README's definitions over raw rows -----------------------------------


def _expected(org, curriculum, as_of):
    """Per-person lines (in the files' order) and per-position tallies."""
    end = datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time(), TOKYO)
    year = _fiscal_year(as_of)
    held = [
        m
        for m in Membership.objects.select_related("department", "position", "user")
        if m.department.organization_id == org.id
        and m.valid_from <= as_of
        and (m.valid_to is None or m.valid_to >= as_of)
    ]
    rules = [
        a
        for a in TrackAssignment.objects.filter(organization=org, fiscal_year=year)
        if a.created_at is None or a.created_at < end
    ]
    lines, tallies, graded = [], {}, []
    for user_id in sorted({m.user_id for m in held}):
        mine = [m for m in held if m.user_id == user_id]
        primaries = sorted((m for m in mine if m.is_primary), key=lambda m: m.id)
        home = primaries[0] if primaries else min(mine, key=lambda m: m.id)
        first = _first_day(org, user_id, year)
        due = [_prorated(a.due_date, first, year) for a in rules if _applies(a, mine)]
        if not due:
            continue
        for course in curriculum["courses"]:
            line, status = _line(home, course, curriculum, min(due), as_of, end, year)
            lines.append(line)
            graded.append((home.department, course.pk, status, line[11] == "期限超過"))
            tally = tallies.setdefault(home.position, [0, 0, 0, 0, 0, 0])
            if status == "exempt":
                tally[5] += 1  # counted apart, not among the assigned lines
            else:
                tally[0] += 1
                tally[["completed", "in_progress", "not_started"].index(status) + 1] += 1
            tally[4] += int(line[11] == "期限超過")
    return lines, tallies, graded


def _department_sheet(org, curriculum, graded) -> list[list]:
    """所属別: each department with anyone assigned, its units rolled up (all courses, then
    each course)."""
    rows = []
    for department in Department.objects.filter(organization=org).order_by("sort_order"):
        below = [g for g in graded if g[0].path.startswith(department.path)]
        if not below:
            continue
        label = department.get_level_display()
        rows.append([department.name, label, "（全コース）", *_counts(below)])
        for course in curriculum["courses"]:
            mine = [g for g in below if g[1] == course.pk]
            if mine:
                rows.append([department.name, label, course.title, *_counts(mine)])
    return rows


def _counts(graded) -> list:
    statuses = [status for _d, _c, status, _o in graded]
    completed = statuses.count("completed")
    assigned = len(graded) - statuses.count("exempt")
    return [
        assigned,
        completed,
        statuses.count("in_progress"),
        statuses.count("not_started"),
        sum(1 for *_rest, overdue in graded if overdue),
        statuses.count("exempt"),
        completed / assigned if assigned else 0.0,
    ]


def _exempt(user, track, as_of, end) -> bool:
    """README: an exemption from the track whose period holds the as-of day, entered
    before the end of that day (Asia/Tokyo)."""
    return any(
        e.starts_on <= as_of and (e.ends_on is None or as_of <= e.ends_on) and e.created_at < end
        for e in Exemption.objects.filter(user=user, track=track)
    )


def _first_day(org, user_id, year) -> D:
    """README: the earliest start of the person's posts in the town held on some day of the
    fiscal year (1 April ``year`` to 31 March ``year + 1``)."""
    april_1, march_31 = D(year, 4, 1), D(year + 1, 3, 31)
    return min(
        m.valid_from
        for m in Membership.objects.filter(user_id=user_id).select_related("department")
        if m.department.organization_id == org.id
        and m.valid_from <= march_31
        and (m.valid_to is None or m.valid_to >= april_1)
    )


def _prorated(due, first, year) -> D:
    """README: after 1 April, first day + (due date − 1 April), never earlier than the due
    date, never later than 31 March."""
    april_1, march_31 = D(year, 4, 1), D(year + 1, 3, 31)
    if first <= april_1:
        return due
    return max(due, min(first + (due - april_1), march_31))


def _applies(rule, posts) -> bool:
    if rule.applies_to_all:
        return True
    paths = [d.path for d in rule.departments.all()]
    positions = {p.id for p in rule.positions.all()}
    if not paths and not positions:
        return False
    return any(
        (not paths or any(m.department.path.startswith(path) for path in paths))
        and (not positions or m.position_id in positions)
        for m in posts
    )


def _line(home, course, curriculum, due, as_of, end, year):
    user = home.user
    cycle = year if course.annual else 0
    stored = [
        c
        for c in CourseCompletion.objects.filter(user=user, course=course, cycle=cycle)
        if c.completed_at < end
    ]
    expires = ""
    if course.validity_months:
        # README (renewal): the latest completion by the end of the day (highest round)
        # counts until its expiry date (its day in Japan + the validity); modules count in
        # its round, or the next once the window (warning days before expiry) has opened;
        # expired, the course is due on the expiry date.
        mine = [
            c
            for c in CourseCompletion.objects.filter(user=user, course=course)
            if c.completed_at < end
        ]
        latest = max(mine, key=lambda c: c.cycle, default=None)
        stored, cycle = [], 0
        if latest is not None:
            expires = _shifted(latest.completed_at.astimezone(TOKYO).date(), course.validity_months)
            window = expires - datetime.timedelta(days=course.expiry_warning_days)
            cycle = latest.cycle + 1 if as_of >= window else latest.cycle
            stored = [latest] if as_of < expires else []
            if expires <= as_of:
                due = expires
    modules = [
        m for m, c in zip(curriculum["modules"], curriculum["course_of"], strict=True)
        if curriculum["courses"][c].pk == course.pk
    ]  # fmt: skip
    done = sum(
        1
        for mc in ModuleCompletion.objects.filter(user=user, cycle=cycle)
        if mc.module_id in {m.pk for m in modules} and mc.completed_at < end
    )
    completed_at = stored[0].completed_at if stored else None
    if stored:
        status = "completed"  # completed wins over an exemption
    elif _exempt(user, curriculum["track"], as_of, end):
        status = "exempt"
    else:
        status = "in_progress" if done else "not_started"
    overdue = status not in ("completed", "exempt") and due < as_of
    local = completed_at.astimezone(TOKYO).replace(tzinfo=None) if completed_at else None
    line = [
        user.staff_number,
        f"{user.family_name} {user.given_name}",
        home.department.name,
        home.position.name,
        curriculum["track"].title,
        course.title,
        LABELS[status],
        due,
        local,
        done,
        len(modules),
        "期限超過" if overdue else "",
        RECORD_LABELS[stored[0].source] if stored else "",
        expires,
    ]
    return line, status


# --- Reading the files back --------------------------------------------------------------


def _xlsx(path):
    book = openpyxl.load_workbook(path)
    return {sheet.title: [list(row) for row in sheet.iter_rows(values_only=True)] for sheet in book}


def _csv_value(expected):
    if expected is None:
        return ""
    if isinstance(expected, datetime.datetime):
        return expected.strftime("%Y-%m-%d %H:%M")
    if isinstance(expected, D):
        return expected.isoformat()
    return str(expected)


def _rates(rows):
    """Rows with their last cell, the rate, to 15 significant digits: what an XLSX number
    keeps (openpyxl writes 1/6 as 0.1666666666666667; Excel itself shows 15 digits)."""
    return [[*row[:-1], float(f"{row[-1]:.15g}")] for row in rows]


def _xlsx_value(expected):
    if isinstance(expected, D) and not isinstance(expected, datetime.datetime):
        return datetime.datetime.combine(expected, datetime.time())  # Excel dates read back
    if isinstance(expected, datetime.datetime):
        # The sheet says what the CSV says: Japan time to the minute (the cell's format
        # shows minutes; the sheet is read from the CSV's lines on PostgreSQL).
        return expected.replace(second=0, microsecond=0)
    if expected == "":
        return None
    return expected


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=int(os.environ.get("ORACLE_EXAMPLES", 25)),
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=town)
def test_every_cell_of_the_hr_report_matches_the_oracle(spec, curriculum, tmp_path):
    with transaction.atomic():
        org = _build(spec, curriculum)
        as_of = spec["as_of"]
        run = ReportRun.objects.create(
            organization=org, kind="hr_completion", fiscal_year=_fiscal_year(as_of),
            as_of=as_of, trigger="command", status=ReportRun.Status.BUILDING,
        )  # fmt: skip
        built = build_files(run)
        lines, tallies, graded = _expected(org, curriculum, as_of)
        if any(line[6] == "免除" for line in lines):
            event("an exempt line (免除)")

        sheets = _xlsx(built["xlsx"])
        assert sheets["個人別"][0][8] == "修了日時（日本時間）"
        assert sheets["個人別"][0][12] == "記録"
        assert sheets["個人別"][0][13] == "失効日"
        if any(line[13] and line[6] == "修了" for line in lines):
            event("a valid renewal")
        if any(line[13] and line[6] != "修了" for line in lines):
            event("an expired renewal")
        assert sheets["個人別"][1:] == [[_xlsx_value(v) for v in line] for line in lines]
        with open(built["csv"], encoding="utf-8-sig", newline="") as stream:
            assert list(csv.reader(stream))[1:] == [[_csv_value(v) for v in x] for x in lines]
        by_position = sorted(tallies.items(), key=lambda item: item[0].rank)
        assert _rates(sheets["職位別"][1:]) == _rates(
            [
                [position.name, *counts, counts[1] / counts[0] if counts[0] else 0.0]
                for position, counts in by_position
            ]
        )
        assert _rates(sheets["所属別"][1:]) == _rates(_department_sheet(org, curriculum, graded))
        total = [sum(counts[i] for counts in tallies.values()) for i in range(6)]
        assert [built["summary"]["total"][k] for k in ("assigned", "completed", "in_progress",
                "not_started", "overdue", "exempt")] == total  # fmt: skip
        transaction.set_rollback(True)
