"""DX promotion leader candidates (DX推進リーダー候補), ranked per department with reasons.

Rule (``LeaderCriteria``, edited by IT policy): a member of staff is a
candidate when they meet every minimum level and, if set, have completed the
required track. Points: ``weight_level`` for each level above the minimum in
the minimum areas (or for each level at 2+ when no minimum is set), plus
volunteering, endorsement by the department head, and modules authored.
Departments (課) without any candidate are flagged: the goal is at least one
leader in every 所属.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import NamedTuple

from django.db.models import Count
from django.utils.translation import gettext as _

from assessments.levels import Level
from assessments.models import SkillArea, SkillResult
from courses.fiscal import fiscal_year_of
from courses.models import CourseCompletion, ModulePage

from ..models import Department, LeaderCriteria, LeaderNomination, Membership
from .completion import Curriculum
from .streams import Follower, by_user

CHUNK = 2000


@dataclass
class Candidate:
    user_id: int
    staff_number: str
    name: str
    department_id: int
    department: str
    position: str
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
    criteria, _created = LeaderCriteria.objects.get_or_create(
        organization=organization, defaults={"minimum_levels": {"caution": 2, "data": 2}}
    )
    return criteria


def dx_candidates(*, organization, as_of: datetime.date, criteria: LeaderCriteria | None = None):
    """(candidates ranked per department, sections without a candidate, criteria snapshot).

    A fixed number of queries; skill results stream in user order.
    """
    criteria = criteria or leader_criteria_for(organization)
    categories = {a.code: a for a in SkillArea.objects.filter(parent__isnull=True)}
    snapshot = criteria_snapshot(criteria, categories)
    minimums = snapshot["minimum_levels"]
    fiscal_year = fiscal_year_of(as_of)
    area_by_id = {area.id: area for area in categories.values()}

    required_users = None
    if criteria.required_track_id:
        curriculum = Curriculum.load()
        course_ids = curriculum.courses_by_track.get(criteria.required_track_id, [])
        required_users = {
            user_id
            for user_id, count in CourseCompletion.objects.filter(
                course_id__in=course_ids, cycle__in=[0, fiscal_year]
            )
            .values_list("user_id")
            .annotate(count=Count("course_id", distinct=True))
            .values_list("user_id", "count")
            if course_ids and count >= len(course_ids)
        }
    nominations = defaultdict(set)
    for user_id, kind in LeaderNomination.objects.filter(fiscal_year=fiscal_year).values_list(
        "user_id", "kind"
    ):
        nominations[kind].add(user_id)
    authored = dict(
        ModulePage.objects.live()
        .filter(owner__isnull=False)
        .order_by()  # Wagtail orders pages by path, which would split the groups per page
        .values_list("owner_id")
        .annotate(count=Count("id"))
        .values_list("owner_id", "count")
    )
    results = Follower(
        by_user(
            SkillResult.objects.filter(area_id__in=area_by_id, assessed_at__date__lte=as_of)
            .order_by("user_id", "area_id", "-assessed_at", "-id")
            .values_list("user_id", "area_id", "level")
            .iterator(chunk_size=CHUNK)
        )
    )
    # Plain tuples, not model instances: one per member of staff (shared REFERENCE,
    # "Reports at scale": instances cost an order of magnitude more).
    members = (
        Membership.objects.active_on(as_of)
        .filter(department__organization=organization, is_primary=True, user__is_active=True)
        .order_by("user_id")
        .values_list(
            "user_id",
            "user__staff_number",
            "user__family_name",
            "user__given_name",
            "department_id",
            "department__name",
            "position__name",
        )
        .iterator(chunk_size=CHUNK)
    )
    level_names = {level.value: str(level.label) for level in Level}
    candidates = []
    heatmap: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0] * 5))
    for row in members:
        member = _Member(*row)
        levels = {}
        for _user_id, area_id, level in results.rows_for(member.user_id):
            levels.setdefault(area_by_id[area_id].code, level)  # first row is the latest
        for code in categories:
            heatmap[member.department_id][code][levels.get(code, 0)] += 1
        candidate = _judge(
            member,
            levels,
            minimums,
            categories,
            snapshot,
            required_users,
            nominations,
            authored,
            level_names,
        )
        if candidate:
            candidates.append(candidate)
    candidates.sort(key=lambda c: (c.department_id, -c.score, c.staff_number))
    return CandidateReport(
        candidates=candidates,
        uncovered=_sections_without_candidates(organization, candidates),
        criteria=snapshot,
        heatmap=_heatmap_rows(organization, heatmap, list(categories.values())),
    )


@dataclass
class CandidateReport:
    candidates: list[Candidate]
    uncovered: list[dict]
    criteria: dict
    heatmap: dict


def _heatmap_rows(organization, counts, categories) -> dict:
    """Skill level distribution per section (課, units rolled up) and category."""
    departments = list(
        Department.objects.filter(organization=organization).order_by("sort_order", "path")
    )
    sections = [d for d in departments if d.level != Department.Level.UNIT]
    section_paths = {section.path: section.id for section in sections}
    # Each department's counts are added once to every section above it (or itself).
    rolled: dict[int, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0] * 5))
    for department in departments:
        per_area = counts.get(department.id)
        if not per_area:
            continue
        parts = department.path.strip("/").split("/")
        for depth in range(1, len(parts) + 1):
            section_id = section_paths.get("/" + "/".join(parts[:depth]) + "/")
            if section_id is None:
                continue
            for code, levels in per_area.items():
                target = rolled[section_id][code]
                for level, n in enumerate(levels):
                    target[level] += n
    rows = []
    for section in sections:
        cells = []
        for area in categories:
            distribution = rolled[section.id][area.code]
            people = sum(distribution)
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


class _Member(NamedTuple):
    user_id: int
    staff_number: str
    family_name: str
    given_name: str
    department_id: int
    department: str
    position: str


def _judge(
    member: _Member,
    levels,
    minimums,
    categories,
    snapshot,
    required_users,
    nominations,
    authored,
    level_names,
):
    if any(levels.get(code, 0) < minimum for code, minimum in minimums.items()):
        return None
    if required_users is not None and member.user_id not in required_users:
        return None
    considered = minimums or {code: 2 for code in categories}
    score = sum(
        max(0, levels.get(code, 0) - (minimum if minimums else 1)) * snapshot["weight_level"]
        for code, minimum in considered.items()
    )
    reasons = [
        f"{categories[code].name} {level_names[level]}"
        for code, level in sorted(levels.items(), key=lambda item: -item[1])
        if level >= Level.INTERMEDIATE and code in categories
    ]
    if not minimums and not reasons:
        return None
    if required_users is not None:
        reasons.append(_("completed %(track)s") % {"track": snapshot["required_track"]})
    user_id = member.user_id
    if user_id in nominations["self"]:
        score += snapshot["weight_self_nomination"]
        reasons.append(_("volunteered"))
    if user_id in nominations["endorsement"]:
        score += snapshot["weight_endorsement"]
        reasons.append(_("endorsed by the department head"))
    if authored.get(user_id):
        score += authored[user_id] * snapshot["weight_authored"]
        reasons.append(_("%(count)s modules authored") % {"count": authored[user_id]})
    return Candidate(
        user_id=user_id,
        staff_number=member.staff_number,
        name=f"{member.family_name} {member.given_name}".strip(),
        department_id=member.department_id,
        department=member.department,
        position=member.position,
        score=score,
        levels=levels,
        reasons=reasons,
    )


def _sections_without_candidates(organization, candidates) -> list[dict]:
    """課 (and 部) with no candidate in them or their units."""
    departments = list(
        Department.objects.filter(organization=organization).exclude(level=Department.Level.UNIT)
    )
    candidate_paths = {c.department_id for c in candidates}
    paths = dict(Department.objects.filter(pk__in=candidate_paths).values_list("id", "path"))
    covered = set(paths.values())
    return [
        {"id": d.id, "name": d.name}
        for d in departments
        if not any(path.startswith(d.path) for path in covered)
    ]


@dataclass
class CandidateChanges:
    """What changed from one candidate report to the next: criteria and people."""

    criteria: list[dict]
    added: list[dict]
    removed: list[dict]
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


def listing_entry(candidate: Candidate) -> dict:
    """What the next report needs to name someone who is no longer a candidate."""
    return {
        "user_id": candidate.user_id,
        "staff_number": candidate.staff_number,
        "name": candidate.name,
        "department": candidate.department,
    }


def people_changes(*, previous: list[dict], current: list[dict]) -> dict:
    """Who became or stopped being a candidate, from two complete listings (build time)."""
    previous_ids = {c["user_id"] for c in previous}
    current_ids = {c["user_id"] for c in current}
    added = [c for c in current if c["user_id"] not in previous_ids]
    removed = [c for c in previous if c["user_id"] not in current_ids]
    return {
        "added": added[:CHANGES_LISTED],
        "removed": removed[:CHANGES_LISTED],
        "added_count": len(added),
        "removed_count": len(removed),
    }


def candidate_changes(*, stored: dict, criteria: dict, areas: list[dict]) -> CandidateChanges:
    """The changes stored with a run (``summary["changes"]``), with the criteria put into
    words now, in the reader's language. Pure: no queries."""
    before, after = stored["criteria"], criteria
    area_names = {area["code"]: area["name"] for area in [*stored.get("areas", []), *areas]}

    def level(value) -> str:
        return f"{value} {Level(value).label}" if value else str(_("No minimum"))

    changed = []
    before_minimums = before.get("minimum_levels", {})
    after_minimums = after.get("minimum_levels", {})
    for code in sorted(set(before_minimums) | set(after_minimums)):
        if before_minimums.get(code) != after_minimums.get(code):
            changed.append(
                {
                    "label": _("Minimum level: %(area)s") % {"area": area_names.get(code, code)},
                    "before": level(before_minimums.get(code)),
                    "after": level(after_minimums.get(code)),
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
        added=people["added"],
        removed=people["removed"],
        added_count=people["added_count"],
        removed_count=people["removed_count"],
    )
