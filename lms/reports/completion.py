"""Completion of assigned tracks, per person and course, as of a date.

Grain: one row per (person, course of a track assigned to them). A person is
counted in the department of their primary post (本務) on the as-of date;
assignments follow all their posts (兼務 included). Course completion is read
from ``CourseCompletion`` (stored by the course services); progress within a
course from module completions counted in SQL. Rows stream in user order and
are joined in Python with other user-ordered streams, so memory stays flat.
"""

import datetime
import heapq
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.utils.translation import pgettext_lazy

from courses.fiscal import fiscal_year_of
from courses.models import CourseCompletion, CoursePage, ModuleCompletion, ModulePage, TrackPage

from ..models import Department, Membership, Position, TrackAssignment
from ..selectors import assignment_applies
from .streams import Follower, by_user

COMPLETED, IN_PROGRESS, NOT_STARTED = "completed", "in_progress", "not_started"
STATUS_LABELS = {
    COMPLETED: pgettext_lazy("completion", "Completed"),
    IN_PROGRESS: pgettext_lazy("completion", "In progress"),
    NOT_STARTED: pgettext_lazy("completion", "Not started"),
}
CHUNK = 2000


@dataclass(frozen=True)
class Curriculum:
    tracks: dict[int, TrackPage]
    courses: dict[int, CoursePage]
    courses_by_track: dict[int, list[int]]
    modules_by_course: dict[int, list[int]]

    @classmethod
    def load(cls) -> "Curriculum":
        """Live tracks, courses and modules: three queries."""
        tracks = {t.id: t for t in TrackPage.objects.live().order_by("path")}
        courses = {c.id: c for c in CoursePage.objects.live().order_by("path")}
        track_by_path = {t.path: t.id for t in tracks.values()}
        course_by_path = {c.path: c.id for c in courses.values()}
        courses_by_track: dict[int, list[int]] = defaultdict(list)
        for course in courses.values():
            track_id = track_by_path.get(course.path[: -CoursePage.steplen])
            if track_id:
                courses_by_track[track_id].append(course.id)
        modules_by_course: dict[int, list[int]] = defaultdict(list)
        for module_id, path in ModulePage.objects.live().values_list("id", "path"):
            course_id = course_by_path.get(path[: -ModulePage.steplen])
            if course_id:
                modules_by_course[course_id].append(module_id)
        return cls(tracks, courses, dict(courses_by_track), dict(modules_by_course))

    def cycle(self, course_id: int, fiscal_year: int) -> int:
        return fiscal_year if self.courses[course_id].annual else 0


@dataclass
class PersonCourseRow:
    user_id: int
    staff_number: str
    name: str
    department: Department
    position: Position
    track: TrackPage
    course: CoursePage
    due_date: datetime.date
    modules_total: int
    modules_done: int
    completed_at: datetime.datetime | None
    status: str
    overdue: bool

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])


@dataclass
class Tally:
    assigned: int = 0
    completed: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0

    def add(self, row: PersonCourseRow) -> None:
        self.assigned += 1
        setattr(self, row.status, getattr(self, row.status) + 1)
        self.overdue += int(row.overdue)

    def merge(self, other: "Tally") -> None:
        for name in ("assigned", "completed", "in_progress", "not_started", "overdue"):
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def rate(self) -> float:
        return self.completed / self.assigned if self.assigned else 0.0

    def as_dict(self) -> dict:
        return {
            "assigned": self.assigned,
            "completed": self.completed,
            "in_progress": self.in_progress,
            "not_started": self.not_started,
            "overdue": self.overdue,
            "rate": round(self.rate, 4),
        }


OVERDUE_LIST_LENGTH = 200


@dataclass
class CompletionSummary:
    by_department_course: dict[tuple[int, int], Tally] = field(default_factory=dict)
    by_department: dict[int, Tally] = field(default_factory=dict)  # own members only
    by_position: dict[int, Tally] = field(default_factory=dict)
    total: Tally = field(default_factory=Tally)
    # The people with the most overdue courses; a bounded heap, so memory stays flat.
    most_overdue: list[tuple] = field(default_factory=list)
    _current: list = field(default_factory=list)

    def add(self, row: PersonCourseRow) -> None:
        if self._current and self._current[0].user_id != row.user_id:
            self._close_person()
        self._current.append(row)
        self._tally(row)

    def finish(self) -> "CompletionSummary":
        self._close_person()
        self.most_overdue.sort(reverse=True)
        return self

    def _close_person(self) -> None:
        overdue = [row for row in self._current if row.overdue]
        if overdue:
            first = overdue[0]
            entry = (
                len(overdue),
                -first.user_id,
                first.staff_number,
                first.name,
                first.department.name,
                first.department.id,
            )
            if len(self.most_overdue) < OVERDUE_LIST_LENGTH:
                heapq.heappush(self.most_overdue, entry)
            else:
                heapq.heappushpop(self.most_overdue, entry)
        self._current = []

    def overdue_people(self) -> list[dict]:
        return [
            {
                "overdue": count,
                "user_id": -negative_id,
                "staff_number": number,
                "name": name,
                "department": department,
                "department_id": department_id,
            }
            for count, negative_id, number, name, department, department_id in self.most_overdue
        ]

    def _tally(self, row: PersonCourseRow) -> None:
        for mapping, key in (
            (self.by_department_course, (row.department.id, row.course.id)),
            (self.by_department, row.department.id),
            (self.by_position, row.position.id),
        ):
            mapping.setdefault(key, Tally()).add(row)
        self.total.add(row)

    def rolled_up(self, departments: list[Department]) -> dict[int, Tally]:
        """Each department's tally including its sub-departments (部 → 課 → 係)."""
        rolled = _roll_up(
            {(d_id, None): tally for d_id, tally in self.by_department.items()}, departments
        )
        return {department.id: rolled[(department.id, None)] for department in departments}

    def rolled_up_by_course(self, departments: list[Department]) -> dict[tuple[int, int], Tally]:
        """Per department and course, including sub-departments."""
        return _roll_up(self.by_department_course, departments)


def _roll_up(own: dict[tuple, Tally], departments: list[Department]) -> dict[tuple, Tally]:
    ancestors = {
        department.id: [a.id for a in departments if department.path.startswith(a.path)]
        for department in departments
    }
    result: dict[tuple, Tally] = defaultdict(Tally)
    for (department_id, key), tally in own.items():
        for ancestor_id in ancestors.get(department_id, []):
            result[(ancestor_id, key)].merge(tally)
    return result


def person_course_rows(
    *,
    organization,
    as_of: datetime.date,
    department: Department | None = None,
    curriculum: Curriculum | None = None,
) -> Iterator[PersonCourseRow]:
    """Rows for everyone posted in ``organization`` (or one department subtree) on ``as_of``.

    A fixed number of queries whatever the number of staff; streamed in user order.
    """
    curriculum = curriculum or Curriculum.load()
    fiscal_year = fiscal_year_of(as_of)
    assignments = list(
        TrackAssignment.objects.filter(organization=organization, fiscal_year=fiscal_year)
        .filter(track_id__in=curriculum.tracks)
        .prefetch_related("departments", "positions")
    )
    if not assignments:
        return
    memberships = (
        Membership.objects.active_on(as_of)
        .filter(department__organization=organization)
        .select_related("user", "department", "position")
        .order_by("user_id", "-is_primary", "id")
    )
    if department is not None:
        members = Membership.objects.active_on(as_of).filter(
            department__path__startswith=department.path, is_primary=True
        )
        memberships = memberships.filter(user_id__in=members.values("user_id"))
    user_filter = Q(user_id__in=memberships.values("user_id"))
    course_ids = list(curriculum.courses)
    completions = Follower(
        by_user(
            CourseCompletion.objects.filter(user_filter, course_id__in=course_ids)
            .filter(cycle__in=[0, fiscal_year])
            .order_by("user_id")
            .values_list("user_id", "course_id", "cycle", "completed_at")
            .iterator(chunk_size=CHUNK)
        )
    )
    progress = Follower(by_user(_module_progress(curriculum, fiscal_year, user_filter)))
    for user_id, posts in by_user(memberships.iterator(chunk_size=CHUNK), key=lambda m: m.user_id):
        primary = posts[0]
        due_by_track = {}
        for assignment in assignments:
            if assignment_applies(assignment, posts):
                current = due_by_track.get(assignment.track_id)
                due_by_track[assignment.track_id] = min(
                    filter(None, (current, assignment.due_date))
                )
        if not due_by_track:
            continue
        completed = {
            course_id: completed_at
            for _, course_id, cycle, completed_at in completions.rows_for(user_id)
            if cycle == curriculum.cycle(course_id, fiscal_year)
        }
        done = {course_id: count for _, course_id, count in progress.rows_for(user_id)}
        user = primary.user
        for track_id, due_date in sorted(
            due_by_track.items(), key=lambda item: curriculum.tracks[item[0]].path
        ):
            for course_id in curriculum.courses_by_track.get(track_id, []):
                completed_at = completed.get(course_id)
                modules_done = done.get(course_id, 0)
                status = COMPLETED if completed_at else IN_PROGRESS if modules_done else NOT_STARTED
                yield PersonCourseRow(
                    user_id=user_id,
                    staff_number=user.staff_number,
                    name=user.get_full_name(),
                    department=primary.department,
                    position=primary.position,
                    track=curriculum.tracks[track_id],
                    course=curriculum.courses[course_id],
                    due_date=due_date,
                    modules_total=len(curriculum.modules_by_course.get(course_id, [])),
                    modules_done=modules_done,
                    completed_at=completed_at,
                    status=status,
                    overdue=status != COMPLETED and due_date < as_of,
                )


def _module_progress(curriculum: Curriculum, fiscal_year: int, user_filter: Q):
    """(user_id, course_id, modules done in the course's current cycle), counted in SQL."""
    whens, annual_modules, other_modules = [], [], []
    for course_id, module_ids in curriculum.modules_by_course.items():
        whens.append(When(module_id__in=module_ids, then=Value(course_id)))
        target = annual_modules if curriculum.courses[course_id].annual else other_modules
        target.extend(module_ids)
    if not whens:
        return iter(())
    return (
        ModuleCompletion.objects.filter(user_filter)
        .filter(
            Q(module_id__in=annual_modules, cycle=fiscal_year)
            | Q(module_id__in=other_modules, cycle=0)
        )
        .annotate(course=Case(*whens, output_field=IntegerField()))
        .values("user_id", "course")
        .annotate(done=Count("id"))
        .order_by("user_id")
        .values_list("user_id", "course", "done")
        .iterator(chunk_size=CHUNK)
    )


def completion_summary(rows) -> CompletionSummary:
    """Tallies of rows streamed in user order (as ``person_course_rows`` yields them)."""
    summary = CompletionSummary()
    for row in rows:
        summary.add(row)
    return summary.finish()
