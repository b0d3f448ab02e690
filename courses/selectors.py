"""Reads of the learning catalogue and of a learner's progress.

Every function here runs a fixed number of SQL queries, whatever the number of
tracks, courses, modules or completions: pages are loaded per level of the
tree in one query each and joined in Python through Wagtail's materialised
``path``.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q
from wagtail import hooks
from wagtail.models import Page

from assessments.selectors import quiz_statuses

from .attestations import attestation_current, attestation_cycle, attestation_latest
from .fiscal import end_of_day, fiscal_year_of, local_today
from .models import (
    CourseCompletion,
    CoursePage,
    LearningHomePage,
    ModuleCompletion,
    ModulePage,
    TrackPage,
    cycle_for,
    parent_path,
    routed_parent,
)
from .prerequisites import course_locked_by, prerequisites_missing
from .renewal import RenewalState, renewal_states
from .surveys import survey_state

PAGE_LIST_FIELDS = ("id", "title", "slug", "path", "depth", "url_path", "live")

# Who must take a track by when, and what counts as completed and overdue, are lms's rules
# (``lms/assignments.py``); courses knows no assignments. Each function registered under
# this hook name takes ``user`` and ``tracks`` (``TrackProgress`` of the track and course
# pages) and fills in what it knows: ``due_date`` and ``overdue`` of each track, and of each
# course ``status_completed``, ``due_date`` and ``overdue``. lms registers one
# (lms/wagtail_hooks.py); with none, the pages show progress only.
LEARNER_STATUS_HOOK = "shinka_learner_status"


def learner_status_fill(*, user, tracks: list["TrackProgress"]) -> None:
    """Ask the registered hooks for the learner's due dates, completion and overdue."""
    if not getattr(user, "is_authenticated", False):
        return
    for fill in hooks.get_hooks(LEARNER_STATUS_HOOK):
        fill(user=user, tracks=tracks)


@dataclass
class ModuleProgress:
    page: ModulePage
    completed_at: datetime.datetime | None = None

    @property
    def completed(self) -> bool:
        return self.completed_at is not None


@dataclass
class CourseProgress:
    """A learner's modules in a course (the progress bar counts them).

    ``status_completed`` is the course's status by the one rule (``lms.assignments``: a
    CourseCompletion stored for the cycle), set by selectors that read it (マイページ);
    ``completed`` follows it when set, so a module added after completion does not take
    "Completed" away. Unset, ``completed`` falls back to every live module done.
    """

    page: CoursePage
    modules: list[ModuleProgress] = field(default_factory=list)
    status_completed: bool | None = None
    # From lms (``LEARNER_STATUS_HOOK``) when the course is the learner's to take.
    due_date: datetime.date | None = None
    overdue: bool = False
    # The live prerequisites the learner has still to complete (courses/prerequisites.py).
    locked_by: list[CoursePage] = field(default_factory=list)
    # A renewal course's standing on the day (expiry, round: courses/renewal.py).
    renewal: RenewalState | None = None

    @property
    def locked(self) -> bool:
        return bool(self.locked_by)

    @property
    def total(self) -> int:
        return len(self.modules)

    @property
    def done(self) -> int:
        return sum(1 for module in self.modules if module.completed)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def completed(self) -> bool:
        if self.status_completed is not None:
            return self.status_completed
        return self.total > 0 and self.done == self.total

    @property
    def next_module(self) -> ModuleProgress | None:
        if self.locked:
            return None
        return next((module for module in self.modules if not module.completed), None)

    @property
    def last_completed_at(self) -> datetime.datetime | None:
        return max((m.completed_at for m in self.modules if m.completed_at), default=None)


@dataclass
class TrackProgress:
    page: TrackPage
    courses: list[CourseProgress] = field(default_factory=list)
    due_date: datetime.date | None = None
    overdue: bool = False

    @property
    def total(self) -> int:
        return sum(course.total for course in self.courses)

    @property
    def done(self) -> int:
        return sum(course.done for course in self.courses)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.total) if self.total else 0

    @property
    def completed(self) -> bool:
        """Every course completed, when their status is known (``CourseProgress``)."""
        if self.courses and all(c.status_completed is not None for c in self.courses):
            return all(course.completed for course in self.courses)
        return self.total > 0 and self.done == self.total

    @property
    def next_module(self) -> ModuleProgress | None:
        return next((course.next_module for course in self.courses if course.next_module), None)


def _completions_by_module(
    *,
    user,
    modules: Iterable[ModulePage],
    course_by_path,
    fiscal_year,
    day: datetime.date,
    renewal: dict[int, RenewalState] | None = None,
):
    """Completion time of each module in its current cycle, for one learner, as of ``day``
    (completions by the end of that day in Asia/Tokyo). ``renewal``: the renewal courses'
    states (``renewal_states``), whose round is their modules' cycle."""
    modules = list(modules)
    if not user.is_authenticated or not modules:
        return {}
    renewal = renewal or {}

    def cycle_of(course):
        if course.id in renewal:
            return renewal[course.id].cycle
        return cycle_for(annual=course.annual, fiscal_year=fiscal_year)

    expected_cycle = {
        module.id: cycle_of(course_by_path[parent_path(module.path)]) for module in modules
    }
    rows = ModuleCompletion.objects.filter(
        user=user,
        module_id__in=expected_cycle.keys(),
        cycle__in=set(expected_cycle.values()),
        completed_at__lt=end_of_day(day),
    ).values_list("module_id", "cycle", "completed_at")
    return {
        module_id: completed_at
        for module_id, cycle, completed_at in rows
        if expected_cycle[module_id] == cycle
    }


def progress_for_tracks(
    *, user, tracks: Iterable[TrackPage], today: datetime.date | None = None
) -> dict[int, TrackProgress]:
    """Progress of one learner through the live courses and modules of ``tracks``.

    Four queries: courses, modules, the learner's completions, the courses' prerequisites
    not yet completed (courses/prerequisites.py).
    """
    tracks = list(tracks)
    today = today or local_today()
    fiscal_year = fiscal_year_of(today)
    result = {track.id: TrackProgress(page=track) for track in tracks}
    if not tracks:
        return result
    track_by_path = {track.path: track for track in tracks}
    courses = list(CoursePage.objects.live().filter(_under(track_by_path)).order_by("path"))
    course_by_path = {course.path: course for course in courses}
    renewal = renewal_states(user=user, courses=courses, day=today)
    modules = list(
        ModulePage.objects.live()
        .filter(_under(course_by_path))
        .defer_streamfields()
        .only(*PAGE_LIST_FIELDS)
        .order_by("path")
    )
    completed_at = _completions_by_module(
        user=user,
        modules=modules,
        course_by_path=course_by_path,
        fiscal_year=fiscal_year,
        day=today,
        renewal=renewal,
    )
    locked = prerequisites_missing(user=user, courses=courses, day=today)
    course_progress = {
        course.path: CourseProgress(
            page=course, locked_by=locked.get(course.id, []), renewal=renewal.get(course.id)
        )
        for course in courses
    }
    for course in courses:
        parent = track_by_path.get(parent_path(course.path))
        if parent is not None:
            result[parent.id].courses.append(course_progress[course.path])
    for module in modules:
        progress = course_progress.get(parent_path(module.path))
        if progress is not None:
            progress.modules.append(ModuleProgress(module, completed_at.get(module.id)))
    return result


def _under(pages_by_path: dict[str, Page]) -> Q:
    """Pages below any of the given pages (Wagtail paths are fixed-width steps).

    The page tree is locked (track → course → module), so a course below a
    track is its child and a module below a course is its child.
    """
    condition = Q(pk__in=[])
    for path in pages_by_path:
        condition |= Q(path__startswith=path)
    return condition


def course_progress_for_learner(*, course: CoursePage, user, today=None) -> CourseProgress:
    """Three queries: the course's live modules, the learner's completions, its
    prerequisites not yet completed."""
    today = today or local_today()
    modules = list(
        ModulePage.objects.live()
        .child_of(course)
        .defer_streamfields()
        .only(*PAGE_LIST_FIELDS)
        .order_by("path")
    )
    renewal = renewal_states(user=user, courses=[course], day=today)
    completed_at = _completions_by_module(
        user=user,
        modules=modules,
        course_by_path={course.path: course},
        fiscal_year=fiscal_year_of(today),
        day=today,
        renewal=renewal,
    )
    return CourseProgress(
        page=course,
        modules=[ModuleProgress(m, completed_at.get(m.id)) for m in modules],
        locked_by=course_locked_by(user=user, course=course, day=today),
        renewal=renewal.get(course.id),
    )


def catalogue_for_learner(*, home: LearningHomePage, user) -> list[TrackProgress]:
    tracks = list(TrackPage.objects.live().child_of(home).order_by("path"))
    return list(progress_for_tracks(user=user, tracks=tracks).values())


def track_outline_for_learner(*, track: TrackPage, user) -> TrackProgress:
    """Progress, and (from lms) the due date, 修了 and 期限超過 of the track and its courses."""
    outline = progress_for_tracks(user=user, tracks=[track])[track.id]
    learner_status_fill(user=user, tracks=[outline])
    return outline


def course_context_for_learner(*, course: CoursePage, user) -> dict:
    """The course's track, the learner's progress with (from lms) due date, 修了 and
    期限超過, and where to go after it: the next course of the track, or the track."""
    track = _track_of(course)
    outline = course_progress_for_learner(course=course, user=user)
    learner_status_fill(user=user, tracks=[TrackProgress(page=track, courses=[outline])])
    return {
        "track": track,
        "outline": outline,
        "next_course": next_course_after(course),
        # The survey is offered only once the course is completed: no query before that.
        "survey": survey_state(user=user, course=course) if outline.completed else None,
    }


def next_course_after(course: CoursePage) -> CoursePage | None:
    """The next live course of the same track (none after the last). One query."""
    return (
        CoursePage.objects.live()
        .sibling_of(course, inclusive=False)
        .filter(path__gt=course.path)
        .only(*PAGE_LIST_FIELDS)
        .order_by("path")
        .first()
    )


def _course_of(module: ModulePage) -> CoursePage:
    """The module's course: the one Wagtail's routing read for this request, else one query."""
    return routed_parent(module, CoursePage) or CoursePage.objects.get(
        path=parent_path(module.path)
    )


def _track_of(course: CoursePage) -> TrackPage:
    """The course's track: the one Wagtail's routing read for this request, else one query."""
    return routed_parent(course, TrackPage) or TrackPage.objects.only(*PAGE_LIST_FIELDS).get(
        path=parent_path(course.path)
    )


def module_context_for_learner(*, module: ModulePage, user) -> dict:
    """Course, track, previous/next modules and the learner's progress for a module page.

    Five queries: sibling modules, completions, prerequisites, quizzes, attempts (the
    course and track are those Wagtail's routing read; two more for a module not routed in
    this request, as a preview); on the course's last module one more, the next course;
    for a module asking for attestation one or two more (the learner's attestations).
    """
    course = _course_of(module)
    track = _track_of(course)
    progress = course_progress_for_learner(course=course, user=user)
    ids = [item.page.id for item in progress.modules]
    index = ids.index(module.id) if module.id in ids else None
    current = progress.modules[index] if index is not None else ModuleProgress(module)
    # The quizzes as the body's quiz blocks hold them: one query, which the template's
    # rendering of the same blocks reuses (StreamField caches the converted blocks).
    quizzes = [
        block.value["quiz"]
        for block in module.body
        if block.block_type == "quiz" and block.value.get("quiz") is not None
    ]
    attestation = previous_attestation = None
    if module.requires_attestation:
        cycle = (
            progress.renewal.cycle
            if progress.renewal is not None
            else attestation_cycle(user=user, module=module, course=course)
        )
        attestation = attestation_current(user=user, module=module, cycle=cycle)
        if attestation is None:
            previous_attestation = attestation_latest(user=user, module=module)
    return {
        # Until the course's prerequisites are complete, the page shows them, not the content.
        "locked_by": progress.locked_by,
        "attestation": attestation,
        "previous_attestation": previous_attestation,
        "quiz_statuses": quiz_statuses(user=user, quizzes=quizzes, context=f"module:{module.id}"),
        "has_quiz": bool(quizzes),
        "course": course,
        "track": track,
        "course_progress": progress,
        "module_progress": current,
        "position": (index + 1) if index is not None else None,
        "previous_module": progress.modules[index - 1].page if index else None,
        "next_module": (
            progress.modules[index + 1].page if index is not None and index + 1 < len(ids) else None
        ),
        # After the course's last module: the next course of the track (or the track).
        "next_course": (
            next_course_after(course) if index is not None and index + 1 == len(ids) else None
        ),
    }


def courses_for_areas(
    *, user, area_ids, today=None, limit: int = 6, within: Q | None = None
) -> list[CoursePage]:
    """Live courses building any of ``area_ids`` that the learner has not completed.

    ``within``: a filter over page paths limiting where courses are looked for (lms passes
    the learner's towns' learning homes; courses knows no towns). Two queries.
    """
    if not area_ids:
        return []
    fiscal_year = fiscal_year_of(today or local_today())
    completed = {
        (course_id, cycle)
        for course_id, cycle in CourseCompletion.objects.filter(user=user).values_list(
            "course_id", "cycle"
        )
    }
    courses = CoursePage.objects.live().filter(skill_areas__in=area_ids)
    if within is not None:
        courses = courses.filter(within)
    courses = courses.distinct().order_by("path")
    return [
        course
        for course in courses
        if (course.id, cycle_for(annual=course.annual, fiscal_year=fiscal_year)) not in completed
        # A renewal course: completed once is enough not to be suggested again.
        and not (course.validity_months and any(c == course.id for c, _cycle in completed))
    ][:limit]
