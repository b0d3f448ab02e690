"""Reads for people, organisation and assignment policy. Fixed query counts."""

import datetime
from dataclasses import dataclass, field

from assessments.models import Quiz
from assessments.selectors import QuizStatus, SkillProfile, quiz_statuses, skill_profile
from courses.fiscal import fiscal_year_of, local_today
from courses.models import TrackPage
from courses.selectors import (
    ModuleProgress,
    TrackProgress,
    courses_for_areas,
    progress_for_tracks,
)

from .models import LeaderNomination, Membership, Notice, TrackAssignment


def memberships_on(*, user, day: datetime.date) -> list[Membership]:
    """The user's posts on ``day`` (primary first), with department and position: one query."""
    return list(
        Membership.objects.active_on(day)
        .filter(user=user)
        .select_related("department__organization", "position")
        .order_by("-is_primary", "department__sort_order")
    )


def organization_of(user, *, day: datetime.date):
    """The organisation of the user's posts on ``day`` (the primary one first), or None."""
    memberships = memberships_on(user=user, day=day)
    return memberships[0].department.organization if memberships else None


def assignment_applies(assignment: TrackAssignment, memberships: list[Membership]) -> bool:
    """Whether one of ``memberships`` falls in the assignment's audience.

    Expects ``departments`` and ``positions`` prefetched.
    """
    if assignment.applies_to_all:
        return any(m.department.organization_id == assignment.organization_id for m in memberships)
    department_paths = [d.path for d in assignment.departments.all()]
    position_ids = {p.id for p in assignment.positions.all()}
    if not department_paths and not position_ids:
        return False
    for membership in memberships:
        if membership.department.organization_id != assignment.organization_id:
            continue
        in_department = not department_paths or any(
            membership.department.path.startswith(path) for path in department_paths
        )
        in_position = not position_ids or membership.position_id in position_ids
        if in_department and in_position:
            return True
    return False


def assigned_tracks(*, user, day: datetime.date, memberships=None) -> dict[int, datetime.date]:
    """Track ids the user must take in the fiscal year of ``day``, with the earliest due date.

    Four queries: memberships (unless given), assignments, their departments and positions.
    """
    if memberships is None:
        memberships = memberships_on(user=user, day=day)
    if not memberships:
        return {}
    organization_ids = {m.department.organization_id for m in memberships}
    assignments = (
        TrackAssignment.objects.for_fiscal_year(fiscal_year_of(day))
        .filter(organization_id__in=organization_ids)
        .prefetch_related("departments", "positions")
    )
    due: dict[int, datetime.date] = {}
    for assignment in assignments:
        if assignment_applies(assignment, memberships):
            current = due.get(assignment.track_id)
            due[assignment.track_id] = (
                min(current, assignment.due_date) if current else assignment.due_date
            )
    return due


@dataclass
class Resume:
    """Where the learner left off: the next module to study, and in which track."""

    module: ModuleProgress
    track: TrackProgress


@dataclass
class MyPage:
    today: datetime.date
    fiscal_year: int
    memberships: list[Membership]
    assigned: list[TrackProgress] = field(default_factory=list)
    optional: list[TrackProgress] = field(default_factory=list)
    resume: Resume | None = None
    notices: list[Notice] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for track in self.assigned if track.overdue)


def mypage_for_user(*, user, today: datetime.date | None = None) -> MyPage:
    """Everything マイページ shows, in a fixed number of queries (about eight)."""
    today = today or local_today()
    memberships = memberships_on(user=user, day=today)
    due = assigned_tracks(user=user, day=today, memberships=memberships)
    tracks = list(TrackPage.objects.live().order_by("path"))
    progress = progress_for_tracks(user=user, tracks=tracks, today=today)
    page = MyPage(today=today, fiscal_year=fiscal_year_of(today), memberships=memberships)
    for track in tracks:
        item = progress[track.id]
        if track.id in due:
            item.due_date = due[track.id]
            # A track with nothing published yet cannot be overdue.
            item.overdue = item.due_date < today and item.done < item.total
            page.assigned.append(item)
        else:
            page.optional.append(item)
    page.assigned.sort(key=lambda item: (item.completed, item.due_date))
    page.resume = _resume_point(page.assigned + page.optional)
    page.notices = list(Notice.objects.filter(user=user).order_by("-created_at")[:5])
    return page


def _resume_point(tracks: list[TrackProgress]) -> Resume | None:
    """Next module after the learner's latest completion; failing that, the first one due.

    When the latest course is finished, the next module of the same track follows.
    """
    latest = None
    for track in tracks:
        for course in track.courses:
            last = course.last_completed_at
            if last and (latest is None or last > latest[0]):
                latest = (last, course, track)
    if latest:
        _, course, track = latest
        module = course.next_module or track.next_module
        if module:
            return Resume(module=module, track=track)
    for track in tracks:
        if track.due_date and track.next_module:
            return Resume(module=track.next_module, track=track)
    return None


# Staff are expected to reach this level in every area; below it, courses are suggested.
SKILL_TARGET_LEVEL = 2


@dataclass
class SkillsPage:
    profile: SkillProfile
    skill_checks: dict[int, QuizStatus]
    suggested_courses: list
    volunteered: bool


def skills_page_for_user(*, user) -> SkillsPage:
    """My skills: levels with evidence, self-ratings, history, skill checks, what to study next."""
    profile = skill_profile(user=user)
    below_target = [
        area_id for area_id, level in profile.levels_by_area().items() if level < SKILL_TARGET_LEVEL
    ]
    checks = list(Quiz.objects.filter(kind=Quiz.Kind.SKILL_CHECK).order_by("title"))
    return SkillsPage(
        profile=profile,
        skill_checks=quiz_statuses(user=user, quizzes=checks),
        suggested_courses=courses_for_areas(user=user, area_ids=below_target),
        volunteered=LeaderNomination.objects.filter(
            user=user, kind=LeaderNomination.Kind.SELF, fiscal_year=fiscal_year_of(local_today())
        ).exists(),
    )
