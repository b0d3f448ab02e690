"""The DX-leader candidate report against an independent oracle, on generated towns.

Hypothesis builds a town — a 部 with a 課 and its 係, another 課, people with posts
(transfers, concurrent posts, leavers), skill results per category at times clustered
around the boundaries (3/31 23:59:59 JST, 4/1 00:00 JST, the as-of day's midnight in
Tokyo, UTC midnight), volunteering and endorsements (this year's and last year's, some
recorded after the as-of day), modules authored (some first published after it), and
IT policy's criteria (minimum levels or none, weights, a required track or not) — and
an as-of date. The report is built by the job code (``build_files``); every cell of the
候補者 sheet, every CSV line, the 候補者のいない所属 sheet and the heatmap are compared
with the oracle below, written from README's "How the candidates are chosen" over raw
rows in plain Python: it does not use ``lms.leaders``, ``lms.people.posts`` or SQL.
"""

import csv
import datetime
import zoneinfo

import openpyxl
import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from assessments.levels import Level
from assessments.models import SkillArea, SkillResult
from courses.models import CourseCompletion, CoursePage, ModulePage
from lms.models import (
    Department,
    LeaderCriteria,
    LeaderNomination,
    Membership,
    Organization,
    Position,
    ReportRun,
    User,
)
from lms.reporting.build import build_files

TOKYO = zoneinfo.ZoneInfo("Asia/Tokyo")
D = datetime.date
AS_OF_DAYS = [D(2026, 3, 31), D(2026, 4, 1), D(2026, 9, 30), D(2027, 3, 31)]
POST_DAYS = [D(2025, 4, 1), D(2026, 4, 1), D(2026, 9, 30), D(2026, 10, 1)]
CATEGORIES = ["mind", "why", "data", "tech", "use", "caution"]
# 0: 総務部 (部), 1: its 企画課, 2: the 課's 企画係, 3: 税務課 (a 課 of its own)
DEPARTMENTS = 4


def _instants(as_of: D) -> list[datetime.datetime]:
    next_day = as_of + datetime.timedelta(days=1)
    midnight = datetime.datetime(next_day.year, next_day.month, next_day.day, tzinfo=TOKYO)
    return [
        datetime.datetime(2026, 3, 31, 23, 59, 59, tzinfo=TOKYO),
        datetime.datetime(2026, 4, 1, 0, 0, tzinfo=TOKYO),
        datetime.datetime(as_of.year, as_of.month, as_of.day, tzinfo=TOKYO),
        midnight - datetime.timedelta(seconds=1),
        midnight,
        datetime.datetime(as_of.year, as_of.month, as_of.day, tzinfo=datetime.UTC),
        datetime.datetime(next_day.year, next_day.month, next_day.day, tzinfo=datetime.UTC),
        datetime.datetime(2025, 10, 1, 12, tzinfo=TOKYO),
    ]


INSTANT = st.integers(0, 7)
person = st.fixed_dictionaries(
    {
        "posts": st.lists(
            st.tuples(
                st.integers(0, DEPARTMENTS - 1), st.integers(0, 1), st.sampled_from(POST_DAYS)
            ),
            min_size=1,
            max_size=2,
        ),
        "transfer": st.booleans(),
        "leaves": st.none() | st.sampled_from([D(2026, 3, 31), D(2026, 9, 30)]),
        # Mostly levels that make candidates: the rules matter only where someone is close.
        "skills": st.lists(
            st.tuples(st.sampled_from(CATEGORIES), st.integers(0, 4) | st.integers(2, 4), INSTANT),
            min_size=1,
            max_size=8,
        ),
        "nominations": st.lists(
            st.tuples(
                st.sampled_from(["self", "endorsement"]), st.sampled_from([2025, 2026]), INSTANT
            ),
            max_size=3,
        ),
        "authored": st.lists(INSTANT, max_size=2),  # first published at
        "courses": st.lists(st.tuples(st.integers(0, 1), INSTANT), max_size=3),
    }
)
criteria = st.fixed_dictionaries(
    {
        "minimums": st.sampled_from(
            [{}, {"caution": 2, "data": 2}, {"mind": 1}, {"tech": 3, "use": 1}]
        ),
        "track": st.sampled_from([False, False, True]),
        "weights": st.tuples(*[st.integers(0, 5)] * 4),
    }
)
town = st.fixed_dictionaries(
    {
        "as_of": st.sampled_from(AS_OF_DAYS) | st.dates(D(2026, 3, 25), D(2027, 4, 5)),
        "people": st.lists(person, min_size=1, max_size=6),
        "criteria": criteria,
    }
)


@pytest.fixture
def curriculum(make_course):
    """The required track (two courses) and three module pages that people may own."""
    track, first, modules = make_course(modules=1)
    _, second, more = make_course(modules=2, annual=True, track=track)
    return {"track": track, "courses": [first, second], "modules": [*modules, *more]}


def _fiscal_year(day: D) -> int:
    return day.year if day.month >= 4 else day.year - 1


def _build(spec, curriculum):
    org = Organization.objects.create(code="CAND", name="候補町")
    bu = Department.objects.create(
        organization=org, code="SOMU", name="総務部", level="bu", sort_order=1
    )
    ka = Department.objects.create(
        organization=org, parent=bu, code="KIKAKU", name="企画課", level="ka", sort_order=2
    )
    departments = [
        bu,
        ka,
        Department.objects.create(
            organization=org, parent=ka, code="KKR", name="企画係", level="kakari", sort_order=3
        ),
        Department.objects.create(
            organization=org, code="ZEI", name="税務課", level="ka", sort_order=4
        ),
    ]
    positions = [
        Position.objects.create(organization=org, code="C1", name="主事", rank=10),
        Position.objects.create(organization=org, code="C2", name="課長", rank=60),
    ]
    instants = _instants(spec["as_of"])
    areas = {a.code: a for a in SkillArea.objects.filter(parent__isnull=True)}
    owned = iter(curriculum["modules"])
    for index, p in enumerate(spec["people"]):
        user = User.objects.create(
            organization=org,
            # Mixed digits and letters: the ranking's tie-break is code point order.
            staff_number=f"{'Ab'[index % 2]}{9 - index}",
            family_name="候補",
            given_name=f"{index}号",
            email=f"c{index}@example.jp",
            is_active=p["leaves"] is None,
        )
        first, *others = p["posts"]
        _post(user, departments, positions, first, True, p, None)
        for other in others:
            _post(user, departments, positions, other, p["transfer"], p, first[2])
        for code, level, t in p["skills"]:
            SkillResult.objects.create(
                user=user, area=areas[code], level=level, evidence=[], assessed_at=instants[t]
            )
        for kind, year, t in {(k, y, t) for k, y, t in p["nominations"]}:
            if LeaderNomination.objects.filter(user=user, kind=kind, fiscal_year=year).exists():
                continue
            nomination = LeaderNomination.objects.create(user=user, kind=kind, fiscal_year=year)
            LeaderNomination.objects.filter(pk=nomination.pk).update(created_at=instants[t])
        for t in p["authored"]:
            module = next(owned, None)
            if module is not None:
                ModulePage.objects.filter(pk=module.pk).update(
                    owner=user, first_published_at=instants[t]
                )
        for c, t in p["courses"]:
            course = curriculum["courses"][c]
            at = instants[t]
            cycle = _fiscal_year(at.astimezone(TOKYO).date()) if course.annual else 0
            CourseCompletion.objects.get_or_create(
                user=user, course=course, cycle=cycle, defaults={"completed_at": at}
            )
    c = spec["criteria"]
    weight_level, weight_self, weight_endorsement, weight_authored = c["weights"]
    LeaderCriteria.objects.create(
        organization=org,
        minimum_levels=c["minimums"],
        required_track=curriculum["track"] if c["track"] else None,
        weight_level=weight_level,
        weight_self_nomination=weight_self,
        weight_endorsement=weight_endorsement,
        weight_authored=weight_authored,
    )
    return org


def _post(user, departments, positions, post, primary, p, previous_start):
    """One post; a transfer closes the first 本務 the day before it starts (when later)."""
    department, position, start = post
    if primary and previous_start is not None:
        if start <= previous_start:
            primary = False
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


# --- The oracle: README's rules over raw rows ---------------------------------------------


def _expected(org, curriculum, as_of):
    """(候補者 rows in the report's order, 候補者のいない所属 names, heatmap rows)."""
    end = datetime.datetime.combine(as_of + datetime.timedelta(days=1), datetime.time(), TOKYO)
    year = _fiscal_year(as_of)
    rule = LeaderCriteria.objects.get(organization=org)
    areas = sorted(SkillArea.objects.filter(parent__isnull=True), key=lambda a: a.id)
    held = [
        m
        for m in Membership.objects.select_related("department", "position", "user")
        if m.department.organization_id == org.id
        and m.valid_from <= as_of
        and (m.valid_to is None or m.valid_to >= as_of)
    ]
    homes = {}
    for user_id in {m.user_id for m in held}:
        mine = sorted((m for m in held if m.user_id == user_id), key=lambda m: m.id)
        homes[user_id] = next((m for m in mine if m.is_primary), mine[0])
    track_courses = (
        [c.pk for c in CoursePage.objects.live().child_of(curriculum["track"])]
        if rule.required_track_id
        else None
    )

    def level(user_id, area):
        results = [
            r for r in SkillResult.objects.filter(user_id=user_id, area=area) if r.assessed_at < end
        ]
        return max(results, key=lambda r: (r.assessed_at, r.id)).level if results else None

    def nominated(user_id, kind):
        return any(
            n.created_at < end
            for n in LeaderNomination.objects.filter(user_id=user_id, kind=kind, fiscal_year=year)
        )

    levels = {u: {a.code: level(u, a) for a in areas} for u in homes}
    candidates = []
    for user_id, home in homes.items():
        mine = {code: value or 0 for code, value in levels[user_id].items()}
        minimums = rule.minimum_levels
        if minimums:
            if any(mine[code] < minimum for code, minimum in minimums.items()):
                continue
            above = sum(max(0, mine[code] - minimum) for code, minimum in minimums.items())
        else:
            if not any(value >= Level.INTERMEDIATE for value in mine.values()):
                continue
            above = sum(max(0, value - 1) for value in mine.values())
        if track_courses is not None:
            done = {
                c.course_id
                for c in CourseCompletion.objects.filter(user_id=user_id)
                if c.course_id in track_courses and c.cycle in (0, year) and c.completed_at < end
            }
            if not track_courses or len(done) < len(track_courses):
                continue
        volunteered = nominated(user_id, "self")
        endorsed = nominated(user_id, "endorsement")
        authored = sum(
            1
            for m in ModulePage.objects.filter(owner_id=user_id, live=True)
            if m.first_published_at is not None and m.first_published_at < end
        )
        score = (
            above * rule.weight_level
            + volunteered * rule.weight_self_nomination
            + endorsed * rule.weight_endorsement
            + authored * rule.weight_authored
        )

        # What earned points, and only that: a level above the minimum of a minimum area
        # (without minimums, above 1 anywhere), and each extra whose weight is not 0.
        floors = {a.code: (minimums.get(a.code) if minimums else 1) for a in areas}
        reasons = [
            f"{area.name} {Level(mine[area.code]).label}"
            for area in sorted(areas, key=lambda a: -mine[a.code])
            if floors[area.code] is not None
            and mine[area.code] > floors[area.code]
            and rule.weight_level > 0
        ]
        if track_courses is not None:
            reasons.append(f"{curriculum['track'].title} 修了")
        if volunteered and rule.weight_self_nomination:
            reasons.append("本人希望あり")
        if endorsed and rule.weight_endorsement:
            reasons.append("所属長推薦あり")
        if authored and rule.weight_authored:
            reasons.append(f"作成モジュール {authored} 件")
        user = home.user
        candidates.append((home.department, user, home.position, score, "、".join(reasons)))
    rows = []
    by_department = {}
    for department, user, position, score, reasons in candidates:
        by_department.setdefault(department.id, []).append(
            (department, user, position, score, reasons)
        )
    for department_id in sorted(by_department):
        ranked = sorted(
            by_department[department_id], key=lambda c: (-c[3], c[1].staff_number, c[1].id)
        )
        for rank, (department, user, position, score, reasons) in enumerate(ranked, start=1):
            rows.append(
                [rank, department.name, user.staff_number,
                 f"{user.family_name} {user.given_name}", position.name, score, reasons]
            )  # fmt: skip
    departments = list(Department.objects.filter(organization=org).order_by("sort_order", "path"))
    sections = [d for d in departments if d.level != Department.Level.UNIT]
    covered = [c[0].path for c in candidates]
    uncovered = [s.name for s in sections if not any(p.startswith(s.path) for p in covered)]
    heatmap = []
    for section in sections:
        members = [u for u, home in homes.items() if home.department.path.startswith(section.path)]
        cells = []
        for area in areas:
            values = [levels[u][area.code] or 0 for u in members]
            distribution = [values.count(n) for n in range(len(Level))]
            average = round(sum(values) / len(values), 2) if values else 0
            cells.append(
                {"area": area.code, "people": len(values), "average": average,
                 "distribution": distribution}
            )  # fmt: skip
        heatmap.append({"department": section.name, "department_id": section.id, "cells": cells})
    return rows, uncovered, heatmap


@pytest.mark.django_db(transaction=False)
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(spec=town)
def test_every_cell_of_the_candidate_report_matches_the_oracle(spec, curriculum):
    with transaction.atomic():
        org = _build(spec, curriculum)
        as_of = spec["as_of"]
        run = ReportRun.objects.create(
            organization=org, kind="dx_candidates", fiscal_year=_fiscal_year(as_of),
            as_of=as_of, trigger="command", status=ReportRun.Status.BUILDING,
        )  # fmt: skip
        built = build_files(run)
        rows, uncovered, heatmap = _expected(org, curriculum, as_of)

        book = openpyxl.load_workbook(built["xlsx"])
        sheet = [list(r) for r in book["候補者"].iter_rows(values_only=True)]
        assert sheet[1:] == rows
        with open(built["csv"], encoding="utf-8-sig", newline="") as stream:
            assert list(csv.reader(stream))[1:] == [[str(v) for v in row] for row in rows]
        missing = [r[0] for r in book["候補者のいない所属"].iter_rows(min_row=2, values_only=True)]
        assert missing == uncovered
        assert built["summary"]["uncovered"] == [
            {"id": d.id, "name": d.name}
            for d in Department.objects.filter(organization=org, name__in=uncovered).order_by(
                "sort_order", "path"
            )
        ]
        assert built["summary"]["heatmap"]["rows"] == heatmap
        transaction.set_rollback(True)
