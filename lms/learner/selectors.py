"""Reads for マイページ and マイスキル. Fixed query counts."""

import datetime
from dataclasses import dataclass, field

from assessments.models import Quiz
from assessments.selectors import QuizStatus, SkillProfile, quiz_statuses, skill_profile
from courses.fiscal import fiscal_year_of, local_today
from courses.selectors import (
    ModuleProgress,
    TrackProgress,
    courses_for_areas,
    progress_for_tracks,
)
from lms.assignments import (
    COMPLETED,
    assigned_tracks,
    course_due_date,
    course_overdue,
    course_statuses,
    exemptions_on,
)
from lms.models import LeaderNomination, Membership, Notice
from lms.people.posts import memberships_on
from lms.towns import pages_of_towns_q, tracks_of_towns


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
    # Course id → status (lms.assignments) for the courses of the assigned tracks.
    course_status: dict[int, str] = field(default_factory=dict)
    # Track id → the person's exemption from it today (免除), as ``lms.assignments`` has it.
    exemptions: dict = field(default_factory=dict)

    @property
    def overdue_count(self) -> int:
        return sum(1 for track in self.assigned if track.overdue)


def mypage_for_user(*, user, today: datetime.date | None = None) -> MyPage:
    """Everything マイページ shows, in a fixed number of queries (about ten).

    Assigned tracks, due dates, course status and overdue follow ``lms.assignments``,
    as the HR report does.
    """
    today = today or local_today()
    memberships = memberships_on(user=user, day=today)
    due = assigned_tracks(user=user, day=today, memberships=memberships)
    # The tracks of the person's own towns (those of their posts today): none of another's.
    towns = {membership.department.organization_id for membership in memberships}
    tracks = list(tracks_of_towns(towns).live().order_by("path")) if towns else []
    progress = progress_for_tracks(user=user, tracks=tracks, today=today)
    page = MyPage(today=today, fiscal_year=fiscal_year_of(today), memberships=memberships)
    page.exemptions = exemptions_on(user=user, day=today)
    # One query for every track shown; "Completed" on the cards and the sort follow it.
    statuses = course_statuses(
        user=user,
        day=today,
        tracks=[progress[t.id] for t in tracks],
        exempt_track_ids=page.exemptions,
    )
    for track in tracks:
        for course in progress[track.id].courses:
            course.status_completed = statuses[course.page.id] == COMPLETED
    page.course_status = {
        course.page.id: statuses[course.page.id]
        for track in tracks
        if track.id in due
        for course in progress[track.id].courses
    }
    for track in tracks:
        item = progress[track.id]
        if track.id in due:
            item.due_date = due[track.id]
            # The card names the exemption and its period (the template reads it here).
            item.exemption = page.exemptions.get(track.id)
            item.overdue = _courses_due(
                item, due_date=item.due_date, statuses=page.course_status, day=today
            )
            page.assigned.append(item)
        else:
            page.optional.append(item)
    page.assigned.sort(key=lambda item: (item.completed, item.due_date))
    page.resume = _resume_point(page.assigned + page.optional)
    page.notices = list(Notice.objects.filter(user=user).order_by("-created_at")[:5])
    return page


def learner_status_fill(*, user, tracks: list[TrackProgress], today=None) -> None:
    """Due date, 修了 and 期限超過 of the learner's tracks and courses on the catalogue's
    track and course pages (``courses.selectors.LEARNER_STATUS_HOOK``), decided as on
    マイページ by ``lms.assignments``. Six queries (assignments, stored completions,
    exemptions)."""
    today = today or local_today()
    due = assigned_tracks(user=user, day=today)
    statuses = course_statuses(user=user, day=today, tracks=tracks)
    for track in tracks:
        for course in track.courses:
            course.status_completed = statuses[course.page.id] == COMPLETED
        if track.page.id not in due:
            continue
        track.due_date = due[track.page.id]
        track.overdue = _courses_due(track, due_date=track.due_date, statuses=statuses, day=today)


def _courses_due(track: TrackProgress, *, due_date, statuses: dict, day) -> bool:
    """Set each course's due date (``course_due_date``: a renewal course whose completion
    expired is due on its expiry date) and 期限超過; whether the track is overdue (any of
    its courses; as ``track_overdue`` when no course renews)."""
    for course in track.courses:
        renewal = course.renewal
        course.due_date = course_due_date(
            due_date=due_date,
            expires_on=renewal.expires_on if renewal is not None else None,
            day=day,
        )
        course.overdue = course_overdue(
            status=statuses[course.page.id], due_date=course.due_date, day=day
        )
    return any(course.overdue for course in track.courses)


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
    # Courses to study next come from the person's own towns' tracks only.
    towns = Membership.objects.active_on(local_today()).filter(user=user)
    return SkillsPage(
        profile=profile,
        skill_checks=quiz_statuses(user=user, quizzes=checks),
        suggested_courses=courses_for_areas(
            user=user,
            area_ids=below_target,
            within=pages_of_towns_q(towns.values("department__organization_id"))
            if below_target
            else None,
        ),
        volunteered=LeaderNomination.objects.filter(
            user=user, kind=LeaderNomination.Kind.SELF, fiscal_year=fiscal_year_of(local_today())
        ).exists(),
    )
