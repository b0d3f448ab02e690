"""DX promotion leader candidates (DX推進リーダー候補), ranked per department with reasons.

Rule (``LeaderCriteria``, edited by IT policy): a member of staff is a
candidate when they meet every minimum level and, if set, have completed the
required track. Points: ``weight_level`` for each level above the minimum in
the minimum areas (or for each level at 2+ when no minimum is set), plus
volunteering, endorsement by the department head, and modules authored.
The reasons name what earned points, and only that (a level held exactly at the
minimum earns none, so it is no reason), plus the required track.
Departments (課) without any candidate are flagged: the goal is at least one
leader in every 所属.

As of a day: skill results, course completions, volunteering and endorsements
recorded, and modules first published, up to the end of that day in Asia/Tokyo
count; who is a member is decided by the posts held that day
(``lms.people.posts``), as in the HR report: an account deactivated later still
counts for the days its posts were held (the roster closes a leaver's posts).
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import add, itemgetter

from django.db import connection
from django.utils.translation import gettext as _
from wagtail.models import Page

from assessments.levels import Level
from assessments.models import SkillArea, SkillResult
from courses.curriculum import Curriculum
from courses.fiscal import end_of_day, fiscal_year_of, sql_timestamp
from courses.models import CourseCompletion, ModulePage
from lms.leaders.forms import level_label, minimum_level_label
from lms.models import (
    Department,
    LeaderCriteria,
    LeaderNomination,
    Position,
    User,
    full_name,
)
from lms.people.posts import primary_post_ctes

CHUNK = 2000


@dataclass
class Candidate:
    user_id: int
    staff_number: str
    name: str
    department_id: int
    department: str
    position: str
    rank: int  # within the department, from the SQL's window function
    score: int
    levels: dict[str, int]
    reasons: list[str] = field(default_factory=list)

    @property
    def reasons_text(self) -> str:
        return "、".join(self.reasons)


def criteria_snapshot(criteria: LeaderCriteria, areas: dict[str, SkillArea]) -> dict:
    return {
        "minimum_levels": {
            code: level for code, level in (criteria.minimum_levels or {}).items() if code in areas
        },
        "required_track_id": criteria.required_track_id,
        "required_track": str(criteria.required_track) if criteria.required_track else "",
        "weight_level": criteria.weight_level,
        "weight_self_nomination": criteria.weight_self_nomination,
        "weight_endorsement": criteria.weight_endorsement,
        "weight_authored": criteria.weight_authored,
    }


def leader_criteria_for(organization) -> LeaderCriteria:
    """The organisation's criteria, or the defaults (unsaved until someone saves them)."""
    return LeaderCriteria.objects.filter(organization=organization).first() or LeaderCriteria(
        organization=organization, minimum_levels={"caution": 2, "data": 2}
    )


class CandidateStream:
    """Candidates ranked per department, one query selecting, scoring and ranking them.

    Iterating runs one SQL statement (``_CANDIDATES_SQL``): latest level per category
    as of the date, pivoted per person; nominations, endorsements, authored modules and
    the required track as aggregates; the rules as a ``WHERE``; the rank within the
    department as a window function. The same statement returns the level distribution
    per department and category (the heatmap) as grouped rows before the candidates.
    Rows come from a server-side cursor; Python only words each candidate's reasons.
    After iterating, ``heatmap()`` and ``uncovered()`` use what was seen (no queries).
    A fixed number of queries whatever the number of staff.
    """

    def __init__(self, *, organization, as_of: datetime.date, criteria=None):
        self.organization = organization
        self.as_of = as_of
        criteria = criteria or leader_criteria_for(organization)
        self.categories = {a.code: a for a in SkillArea.objects.filter(parent__isnull=True)}
        # The categories in the order of their columns in the SQL (by area id).
        self._areas = sorted(self.categories.values(), key=lambda area: area.id)
        self._codes = [area.code for area in self._areas]
        self.criteria = criteria_snapshot(criteria, self.categories)
        self.departments = list(  # (id, name, path, level) tuples: no model instances
            Department.objects.filter(organization=organization)
            .order_by("sort_order", "path")
            .values_list("id", "name", "path", "level", named=True)
        )
        self.required_courses = None
        if criteria.required_track_id:
            curriculum = Curriculum.load()
            self.required_courses = curriculum.courses_by_track.get(criteria.required_track_id, [])
        self._counts: dict[int, list[int]] = {}
        self._covered: set[int] = set()
        # A row's candidate columns follow its kind, department, rank, members and counts.
        self._candidate_at = 4 + len(self._codes) * len(_LEVELS_ABOVE_ZERO)

    def __iter__(self) -> Iterator[Candidate]:
        if not self.categories:
            return  # no category: no reasons, so no candidate (and an empty heatmap)
        reasons = _Reasons(
            self._areas,
            criteria=self.criteria,
            track=self.criteria["required_track"] if self.required_courses is not None else None,
        )
        for row in self._rows():
            if row[0] == _HEATMAP:
                self._count(row)
            else:
                yield self._candidate(row, reasons)

    def _rows(self) -> Iterator[tuple]:
        """The rows of ``_CANDIDATES_SQL``, a chunk at a time from a server-side cursor."""
        sql, params = self._sql()
        with connection.chunked_cursor() as cursor:
            cursor.execute(sql, params)
            while chunk := cursor.fetchmany(CHUNK):
                yield from chunk

    def _count(self, row: tuple) -> None:
        """A heatmap row: a department's members, and per category how many of them hold
        level 1 … 4 (the others, never assessed or at 0, are at level 0)."""
        self._counts[row[1]] = [int(n) for n in row[3 : self._candidate_at]]

    def _candidate(self, row: tuple, reasons: "_Reasons") -> Candidate:
        """A candidate's row: who, where, points, and one level per category."""
        (user_id, staff_number, family_name, given_name, department, position,
         score, nominated, head, authored,
         *pivot) = row[self._candidate_at :]  # fmt: skip
        department_id = row[1]
        self._covered.add(department_id)
        levels = {
            code: level for code, level in zip(self._codes, pivot, strict=True) if level is not None
        }
        return Candidate(
            user_id=user_id,
            staff_number=staff_number,
            name=full_name(family_name, given_name),
            department_id=department_id,
            department=department,
            position=position,
            rank=int(row[2]),
            score=int(score),
            levels=levels,
            reasons=reasons.of(levels, nominated=nominated, endorsed=head, authored=authored),
        )

    def heatmap(self) -> dict:
        return _heatmap_rows(
            self.departments, self._counts, list(self.categories.values()), self._codes
        )

    def uncovered(self) -> list[dict]:
        """課 (and 部) with no candidate in them or their units."""
        paths = {d.id: d.path for d in self.departments}
        # Every "/…/" prefix of a covered path: the paths a covered one starts with.
        covered = {
            path[: end + 1]
            for path in {paths[d] for d in self._covered if d in paths}
            for end, char in enumerate(path)
            if char == "/"
        }
        return [
            {"id": d.id, "name": d.name}
            for d in self.departments
            if d.level != Department.Level.UNIT and d.path not in covered
        ]

    def _sql(self) -> tuple[str, dict]:
        params = self._parameters()
        columns, pivots = self._pivot(params)
        points, conditions = self._level_rules(columns, params)
        track_join, track_condition = self._track(params)
        if track_condition:
            conditions.append(track_condition)
        count = len(self._areas)
        sql = _CANDIDATES_SQL.format(
            pivots=", ".join(pivots),
            level_columns=", ".join(f"levels.l{index}" for index in range(count)),
            level_names=", ".join(f"l{index}" for index in range(count)),
            counts=", ".join(
                f"COUNT(*) FILTER (WHERE l{index} = {level})"
                for index in range(count)
                for level in _LEVELS_ABOVE_ZERO
            ),
            no_counts=", ".join("NULL" for _index in range(count) for _level in _LEVELS_ABOVE_ZERO),
            no_levels=", ".join("NULL" for _index in range(count)),
            level_points=" + ".join(points),
            track_join=track_join,
            conditions=" AND ".join(conditions),
            # Code point order, as Python sorts.
            collate=' COLLATE "C"' if connection.vendor == "postgresql" else "",
            # Everyone counts at their primary post in the town (lms.people.posts).
            primary_posts=primary_post_ctes(posts="member_post", home="member_home"),
            **_TABLES,
        )
        return sql, params

    def _parameters(self) -> dict:
        """The date, the organisation and the weights; each step below adds its own."""
        snapshot = self.criteria
        return {
            "organization": self.organization.pk,
            "as_of": self.as_of,
            "day_after": sql_timestamp(end_of_day(self.as_of)),
            "fiscal_year": fiscal_year_of(self.as_of),
            "weight_level": snapshot["weight_level"],
            "weight_self": snapshot["weight_self_nomination"],
            "weight_endorsement": snapshot["weight_endorsement"],
            "weight_authored": snapshot["weight_authored"],
        }

    def _pivot(self, params: dict) -> tuple[dict[str, str], list[str]]:
        """One level column per category (by area id): its name in ``person`` by
        category code, and the expressions that pivot the latest levels into them."""
        columns, pivots = {}, []
        for index, area in enumerate(self._areas):
            params[f"area{index}"] = area.id
            columns[area.code] = f"person.l{index}"
            pivots.append(f"MAX(CASE WHEN area_id = %(area{index})s THEN level END) AS l{index}")
        return columns, pivots

    def _level_rules(self, columns: dict[str, str], params: dict) -> tuple[list[str], list[str]]:
        """Points for each level above the minimum, and the levels a candidate needs:
        every minimum, or (without minimums) a level of 2 or more somewhere."""
        minimums = self.criteria["minimum_levels"]
        points, conditions = [], []
        considered = minimums or {code: Level.INTERMEDIATE for code in self.categories}
        for index, (code, minimum) in enumerate(considered.items()):
            level = f"COALESCE({columns[code]}, 0)"
            params[f"min{index}"] = int(minimum) if minimums else 1
            points.append(
                f"CASE WHEN {level} > %(min{index})s "
                f"THEN ({level} - %(min{index})s) * %(weight_level)s ELSE 0 END"
            )
            if minimums:
                conditions.append(f"{level} >= %(min{index})s")
        if not minimums:  # someone to give reasons for: a level of 2 or more somewhere
            conditions.append(
                "("
                + " OR ".join(
                    f"COALESCE({columns[code]}, 0) >= {int(Level.INTERMEDIATE)}"
                    for code in self.categories
                )
                + ")"
            )
        return points, conditions

    def _track(self, params: dict) -> tuple[str, str | None]:
        """The join on the required track's completions and its condition (none without
        a required track; nobody when the track has no course)."""
        if self.required_courses is None:
            return "", None
        if not self.required_courses:
            return "", "1 = 0"
        placeholders = []
        for index, course_id in enumerate(self.required_courses):
            params[f"course{index}"] = course_id
            placeholders.append(f"%(course{index})s")
        params["course_count"] = len(self.required_courses)
        join = _TRACK_JOIN.format(
            courses=", ".join(placeholders), table=_TABLES["coursecompletion"]
        )
        return join, "track.n >= %(course_count)s"


class _Reasons:
    """The words of the candidates' reasons, in the reader's language, put together once
    per stream. A reason is what earned points, and nothing else (a level held at the
    minimum is required, not rewarded): each level above the minimum in a minimum area (or,
    without minimums, each level of 2 and up), highest first, then volunteering,
    endorsement and modules authored, each when its weight gives points. The required
    track, which every candidate has completed (a requirement, no points), follows the
    levels."""

    def __init__(self, areas, *, criteria: dict, track: str | None):
        # "データ活用 中級" for each category and level that can earn a reason (2 and up).
        self.worded = {
            (area.code, level.value): f"{area.name} {level.label}"
            for area in areas
            if level_can_score(area.code, criteria)
            for level in Level
            if level >= Level.INTERMEDIATE
        }
        self.minimums = criteria["minimum_levels"]
        self.weights = criteria
        self.track = _("completed %(track)s") % {"track": track} if track is not None else None
        self.volunteered = _("volunteered")
        self.endorsed = _("endorsed by the department head")

    def _scores(self, code: str, level: int) -> bool:
        if not self.weights["weight_level"]:
            return False
        minimum = self.minimums.get(code) if self.minimums else Level.FOUNDATION
        return minimum is not None and level > int(minimum)

    def of(self, levels: dict[str, int], *, nominated, endorsed, authored) -> list[str]:
        # Highest level first; equal levels keep category order (a stable sort).
        reasons = [
            self.worded[item]
            for item in sorted(levels.items(), key=_level, reverse=True)
            if item in self.worded and self._scores(*item)
        ]
        if self.track is not None:
            reasons.append(self.track)
        if nominated and self.weights["weight_self_nomination"]:
            reasons.append(self.volunteered)
        if endorsed and self.weights["weight_endorsement"]:
            reasons.append(self.endorsed)
        if authored and self.weights["weight_authored"]:
            reasons.append(_("%(count)s modules authored") % {"count": authored})
        return reasons


def level_can_score(code: str, criteria: dict) -> bool:
    """Whether levels of this category can earn points: every category without minimums,
    only the minimum areas with them (the points rule of ``CandidateStream._level_rules``)."""
    minimums = criteria["minimum_levels"]
    return not minimums or code in minimums


def _heatmap_rows(departments, counts, categories, codes) -> dict:
    """Skill level distribution per section (課, units rolled up) and category.

    ``counts``: per department, its members then how many hold level 1 … 4 in each
    category of ``codes`` in turn (one flat list, as the SQL returns it).
    """
    sections = [d for d in departments if d.level != Department.Level.UNIT]
    section_ids = {section.path: section.id for section in sections}
    # Each department's counts are added once to every section above it (or itself).
    rolled: dict[int, list[int]] = {}
    for department in departments:
        own = counts.get(department.id)
        if own is None:
            continue
        parts = department.path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            section_id = section_ids.get("/" + "/".join(parts[:depth]) + "/")
            if section_id is not None:
                total = rolled.get(section_id)
                rolled[section_id] = own if total is None else list(map(add, total, own))
    step = len(_LEVELS_ABOVE_ZERO)
    start = {code: 1 + index * step for index, code in enumerate(codes)}
    empty = [0] * (1 + step * len(codes))
    rows = []
    for section in sections:
        total = rolled.get(section.id, empty)
        people = total[0]
        cells = []
        for area in categories:
            above = total[start[area.code] : start[area.code] + step]
            distribution = [people - sum(above), *above]
            average = (
                sum(level * n for level, n in enumerate(distribution)) / people if people else 0
            )
            cells.append(
                {
                    "area": area.code,
                    "people": people,
                    "average": round(average, 2),
                    "distribution": distribution,
                }
            )
        rows.append({"department": section.name, "department_id": section.id, "cells": cells})
    return {"areas": [{"code": a.code, "name": a.name} for a in categories], "rows": rows}


_HEATMAP = 0
_level = itemgetter(1)
_LEVELS_ABOVE_ZERO = range(1, len(Level))  # counted; level 0 is everyone else
_TABLES = {
    "skillresult": SkillResult._meta.db_table,
    "skillarea": SkillArea._meta.db_table,
    "department": Department._meta.db_table,
    "position": Position._meta.db_table,
    "user": User._meta.db_table,
    "nomination": LeaderNomination._meta.db_table,
    "page": Page._meta.db_table,
    "modulepage": ModulePage._meta.db_table,
    "coursecompletion": CourseCompletion._meta.db_table,
}
_TRACK_JOIN = """
JOIN (
    SELECT user_id, COUNT(DISTINCT course_id) AS n FROM {table}
    WHERE course_id IN ({courses}) AND cycle IN (0, %(fiscal_year)s)
      AND completed_at < %(day_after)s
    GROUP BY user_id
) track ON track.user_id = person.user_id"""
# Columns: kind, department, rank within the department; then for heatmap rows (kind 0,
# one per department, first) its members and, per category (by area id) and level 1 … 4,
# how many of them hold it; then for candidates (kind 1, ranked within their department)
# user, staff number, family and given names, department and position names, score,
# volunteered, endorsed, modules authored and one level per category (by area id, NULL
# when never assessed). The candidates' branch comes first in the SQL, so that
# PostgreSQL types the NULL columns from it.
_CANDIDATES_SQL = """
WITH
latest AS (
    SELECT user_id, area_id, level FROM (
        SELECT r.user_id, r.area_id, r.level,
               ROW_NUMBER() OVER (PARTITION BY r.user_id, r.area_id
                                  ORDER BY r.assessed_at DESC, r.id DESC) AS n
        FROM {skillresult} r
        WHERE r.area_id IN (SELECT id FROM {skillarea} WHERE parent_id IS NULL)
          AND r.assessed_at < %(day_after)s
    ) ranked
    WHERE n = 1
),
{primary_posts},
member AS (
    SELECT home.user_id, home.department_id, home.position_id
    FROM member_home home
),
levels AS (SELECT user_id, {pivots} FROM latest GROUP BY user_id),
person AS (
    SELECT member.*, {level_columns}
    FROM member LEFT JOIN levels ON levels.user_id = member.user_id
),
nomination AS (
    SELECT user_id,
           MAX(CASE WHEN kind = 'self' THEN 1 ELSE 0 END) AS volunteered,
           MAX(CASE WHEN kind = 'endorsement' THEN 1 ELSE 0 END) AS endorsed
    FROM {nomination}
    WHERE fiscal_year = %(fiscal_year)s AND created_at < %(day_after)s
    GROUP BY user_id
),
authored AS (
    SELECT p.owner_id AS user_id, COUNT(*) AS n
    FROM {page} p JOIN {modulepage} mp ON mp.page_ptr_id = p.id
    WHERE p.live AND p.owner_id IS NOT NULL AND p.first_published_at < %(day_after)s
    GROUP BY p.owner_id
),
scored AS (
    SELECT person.user_id, person.department_id, u.staff_number, u.family_name,
           u.given_name, d.name AS department, pos.name AS position,
           COALESCE(nomination.volunteered, 0) AS volunteered,
           COALESCE(nomination.endorsed, 0) AS endorsed,
           COALESCE(authored.n, 0) AS authored,
           {level_names},
           {level_points}
           + COALESCE(nomination.volunteered, 0) * %(weight_self)s
           + COALESCE(nomination.endorsed, 0) * %(weight_endorsement)s
           + COALESCE(authored.n, 0) * %(weight_authored)s AS score
    FROM person
    JOIN {user} u ON u.id = person.user_id
    JOIN {department} d ON d.id = person.department_id
    LEFT JOIN {position} pos ON pos.id = person.position_id
    LEFT JOIN nomination ON nomination.user_id = person.user_id
    LEFT JOIN authored ON authored.user_id = person.user_id{track_join}
    WHERE {conditions}
)
SELECT 1 AS kind, department_id,
       ROW_NUMBER() OVER (PARTITION BY department_id
                          ORDER BY score DESC, staff_number{collate}, user_id),
       NULL, {no_counts},
       user_id, staff_number, family_name, given_name, department, position, score,
       volunteered, endorsed, authored, {level_names}
FROM scored
UNION ALL
SELECT 0, department_id, NULL, COUNT(*), {counts},
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, {no_levels}
FROM person
GROUP BY department_id
ORDER BY 1, 2, 3
"""


@dataclass
class CandidateChanges:
    """What changed from one candidate report to the next: criteria and people."""

    criteria: list[dict]
    added: list
    removed: list
    added_count: int = 0
    removed_count: int = 0

    def __bool__(self) -> bool:
        return bool(self.criteria or self.added_count or self.removed_count)


CRITERIA_WEIGHTS = (
    "weight_level",
    "weight_self_nomination",
    "weight_endorsement",
    "weight_authored",
)
# The page names at most this many people in and out; the counts are always exact.
CHANGES_LISTED = 200


def candidate_changes(
    *, stored: dict, criteria: dict, areas: list[dict], entries: dict
) -> CandidateChanges:
    """The changes stored with a run (``summary["changes"]``), with the criteria put into
    words now, in the reader's language, and the people named by their entries
    (``entries``: id → ``CandidateEntry``, read by the caller). Pure: no queries."""
    before, after = stored["criteria"], criteria
    area_names = {area["code"]: area["name"] for area in [*stored.get("areas", []), *areas]}

    changed = []
    before_minimums = before.get("minimum_levels", {})
    after_minimums = after.get("minimum_levels", {})
    for code in sorted(set(before_minimums) | set(after_minimums)):
        if before_minimums.get(code) != after_minimums.get(code):
            changed.append(
                {
                    "label": minimum_level_label(area_names.get(code, code)),
                    "before": level_label(before_minimums.get(code)),
                    "after": level_label(after_minimums.get(code)),
                }
            )
    if before.get("required_track_id") != after.get("required_track_id"):
        changed.append(
            {
                "label": str(LeaderCriteria._meta.get_field("required_track").verbose_name),
                "before": before.get("required_track") or "—",
                "after": after.get("required_track") or "—",
            }
        )
    for name in CRITERIA_WEIGHTS:
        if before.get(name) != after.get(name):
            changed.append(
                {
                    "label": str(LeaderCriteria._meta.get_field(name).verbose_name),
                    "before": before.get(name),
                    "after": after.get(name),
                }
            )
    people = stored["people"]
    return CandidateChanges(
        criteria=changed,
        added=[entries[pk] for pk in people["added"] if pk in entries],
        removed=[entries[pk] for pk in people["removed"] if pk in entries],
        added_count=people["added_count"],
        removed_count=people["removed_count"],
    )
