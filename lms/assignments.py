"""Who must take which track, by when, and where each assigned course stands.

Every rule below is decided here once, its Python form (マイページ, one person)
beside its SQL form (the HR report, reminders and the department page, a whole
organisation in one query: ``lms/reporting/completion.py`` assembles it from the
pieces here). ``tests/lms/test_rule_parity.py`` generates organisations and
demands that both forms agree.

Audience (``TrackAssignment``): an assignment for everyone covers every post in
its organisation; otherwise a post matches when it lies under one of the
assignment's departments (sub-departments included), if any are given, and
holds one of its positions, if any are given: with both, one post must match
both. Assignments follow all of a person's posts on the day, concurrent posts
(兼務) included; an assignment with neither departments nor positions (and not
for everyone) reaches nobody.

Due date: among the assignments of the day's fiscal year that apply to a person
for a track, the earliest pro-rated due date wins. Pro-rating (mid-year joiners):

    A person's *first day* in a town for a fiscal year is the earliest
    ``valid_from`` of their posts in that town (本務 and 兼務) held on some day
    of that fiscal year (April 1 to March 31). Posts continuing from earlier
    years give April 1 or earlier: not a joiner, and neither is someone
    transferred within the town (their earlier post counts), nor someone who
    was there on April 1, left and came back. When the first day is after
    April 1, the joiner gets as many days as everyone else had: the due date
    becomes ``first_day + (due_date − April 1)``, that is the due date moved
    by the days they joined late, but never later than March 31 of that fiscal
    year and never earlier than the assignment's own due date:
    ``max(due_date, min(due_date + (first_day − April 1), March 31))``.

Pro-rating never moves one due date before another it followed (it is
monotone), so "the earliest pro-rated due date" and "the earliest due date,
pro-rated" are the same day; the Python form takes the former, the SQL form
the latter (it pro-rates the grouped ``MIN``). A person's first day only
matters once they hold a post on the as-of day, so posts that start after it
never change it.

As of: everything is counted as it stood at the end of the day in Asia/Tokyo
(``courses.fiscal.end_of_day``): completions, module completions and assignments
made after it are left out; posts are those held that day.

Recorded and imported completions (``CourseCompletion.source``: HR or a head recorded a
classroom or external course, or an import brought one from a previous system) count
exactly as completions learned online: by their ``completed_at``, the completion's date
and time, before the end of the as-of day. When they were recorded (``recorded_at``)
does not matter: a completion recorded today for 10 June counts in a report as of 30
June built (or rebuilt, 「データを修正した」) after today, and not in one as of 9 June. A
report already built keeps what it said; a closed year's final report is never rebuilt
(``lms/reporting/year_end.py``). The recorded time is kept for the audit, not the count,
because HR records completions precisely to correct what the figures of those days
said.

Status of an assigned course, for the course's cycle (the fiscal year for annual
courses, 0 otherwise): completed when a ``CourseCompletion`` is stored for that
cycle (it is never withdrawn when modules are added later); in progress when
not completed and at least one of its live modules was completed in the cycle;
not started otherwise.

Renewal courses (``CoursePage.validity_months``, ``courses/renewal.py``): the status on
day D follows the person's latest completion stored by the end of D (the highest round):
completed while D is before its expiry date (its day in Japan plus the validity, a day
the month lacks becoming the month's last); from the expiry date on, in progress or not
started by the modules done in the new round, and due on the expiry date instead of the
assignment's due date (so overdue from the day after). Never completed: as any course.

Exemption (免除): a person is exempt from a track on day D when one of their
exemptions from it (``Exemption``: person, track, from–to dates, reason) has
``starts_on ≤ D`` and, when it has an end, ``D ≤ ends_on``, and was entered by the end
of D (``created_at``), so that an exemption entered later never changes a report as of
an earlier day. A later change of the period (editing it, ending it) is a correction:
what is built afterwards reads the corrected period, as it reads corrected posts; the
stored versions of reports keep what they said. An assigned course of a track the
person is exempt from is 免除 (``EXEMPT``) unless it is completed: completed wins (an
exempt person who completed the course counts as completed, as anyone else). A 免除
course is neither overdue nor one of the assigned lines the completion rate divides by;
it is counted apart (the 免除 tally). Exemptions are per track, not per assignment:
they outlive the yearly assignments and cover a track whichever assignment brings it.

Overdue: an assigned course is overdue on day D when it is neither completed nor
exempt and its due date is before D (due on D is not yet overdue). A track is overdue when
any of its assigned live courses is; a track with no live course never is.

Track completed (修了証 of a track): a track is completed when every one of its live
courses is. A track with no annual course is completed once (cycle 0), when each course
has its stored completion. A track with an annual course is completed again each fiscal
year (its cycle is the fiscal year): in fiscal year Y when each annual course has its
completion for Y and each one-off course was completed before the end of Y. It was
completed at the latest of those completions. A track with no live course never is.
"""

import datetime
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.db.models import Min, OuterRef, Q, Subquery

from courses.curriculum import Curriculum
from courses.fiscal import end_of_day, fiscal_year_bounds, fiscal_year_of
from courses.models import CourseCompletion, ModuleCompletion, cycle_for
from courses.selectors import TrackProgress
from lms.models import Department, Exemption, Membership, TrackAssignment
from lms.people.posts import memberships_on

COMPLETED, IN_PROGRESS, NOT_STARTED = "completed", "in_progress", "not_started"
EXEMPT = "exempt"


# --- Audience and due date, in Python ------------------------------------------------------


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


def prorated_due_date(
    due_date: datetime.date, *, first_day: datetime.date | None, fiscal_year: int
) -> datetime.date:
    """The due date of an assignment of ``fiscal_year`` for someone whose first day in the
    town that year is ``first_day``: moved by the days they joined after April 1, at
    most to March 31, never earlier than ``due_date``. None or April 1 or earlier: as is."""
    start, end = fiscal_year_bounds(fiscal_year)
    if first_day is None or first_day <= start:
        return due_date
    return max(due_date, min(due_date + (first_day - start), end))


def earliest_due_dates(
    assignments: Iterable[TrackAssignment],
    memberships: list[Membership],
    first_days: dict[int, datetime.date] | None = None,
) -> dict[int, datetime.date]:
    """Track id → the earliest pro-rated due date among the ``assignments`` that apply.

    ``first_days``: organisation id → the person's first day there in the assignments'
    fiscal year (``first_day``); a town missing from it pro-rates nothing.
    """
    first_days = first_days or {}
    due: dict[int, datetime.date] = {}
    for assignment in assignments:
        if assignment_applies(assignment, memberships):
            due_date = prorated_due_date(
                assignment.due_date,
                first_day=first_days.get(assignment.organization_id),
                fiscal_year=assignment.fiscal_year,
            )
            current = due.get(assignment.track_id)
            due[assignment.track_id] = min(current, due_date) if current else due_date
    return due


def assigned_tracks(*, user, day: datetime.date, memberships=None) -> dict[int, datetime.date]:
    """Track ids the user must take in the fiscal year of ``day``, with the earliest
    pro-rated due date.

    Four queries: memberships (unless given), assignments (each with the user's first day
    in its town, a subquery), their departments and positions.
    """
    if memberships is None:
        memberships = memberships_on(user=user, day=day)
    if not memberships:
        return {}
    organization_ids = {m.department.organization_id for m in memberships}
    fiscal_year = fiscal_year_of(day)
    start, end = fiscal_year_bounds(fiscal_year)
    # ``first_day`` as a query: the earliest start of the user's posts in the assignment's
    # town held on some day of the fiscal year.
    first_days_there = (
        Membership.objects.filter(
            user=user,
            department__organization_id=OuterRef("organization_id"),
            valid_from__lte=end,
        )
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gte=start))
        .values("user_id")
        .annotate(first_day=Min("valid_from"))
        .values("first_day")
    )
    assignments = list(
        TrackAssignment.objects.for_fiscal_year(fiscal_year)
        .existing_on(day)
        .filter(organization_id__in=organization_ids)
        .annotate(first_day=Subquery(first_days_there))
        .prefetch_related("departments", "positions")
    )
    first_days = {a.organization_id: a.first_day for a in assignments if a.first_day}
    return earliest_due_dates(assignments, memberships, first_days)


# --- Status and overdue, in Python ---------------------------------------------------------


def exemption_in_effect(
    *,
    starts_on: datetime.date,
    ends_on: datetime.date | None,
    created_at: datetime.datetime,
    day: datetime.date,
) -> bool:
    """Whether an exemption counts on ``day``: within its period, and entered by the end
    of the day (Asia/Tokyo)."""
    return starts_on <= day and (ends_on is None or day <= ends_on) and created_at < end_of_day(day)


def exemptions_on(*, user, day: datetime.date) -> dict[int, Exemption]:
    """Track id → the user's exemption from it in effect on ``day`` (the latest started,
    when several are). One query."""
    in_effect: dict[int, Exemption] = {}
    for exemption in Exemption.objects.filter(user=user, starts_on__lte=day).order_by(
        "starts_on", "pk"
    ):
        if exemption_in_effect(
            starts_on=exemption.starts_on,
            ends_on=exemption.ends_on,
            created_at=exemption.created_at,
            day=day,
        ):
            in_effect[exemption.track_id] = exemption
    return in_effect


def course_status(*, completed: bool, modules_done: int, exempt: bool = False) -> str:
    """``completed``: a CourseCompletion is stored for the course's cycle; ``modules_done``:
    live modules of the course completed in that cycle; ``exempt``: the person is exempt
    from the course's track on the day (``exemption_in_effect``). Completed wins."""
    if completed:
        return COMPLETED
    if exempt:
        return EXEMPT
    return IN_PROGRESS if modules_done > 0 else NOT_STARTED


# The states of an assigned course that is still to be done: what reminders remind of.
# A list of the states that qualify, not "anything but completed", so that a state added
# later (an exemption, say) is left out of every reminder until it is named here.
TO_BE_DONE = (IN_PROGRESS, NOT_STARTED)


def still_to_be_done(status: str) -> bool:
    """Whether an assigned course in ``status`` is still to be done (reminders send it)."""
    return status in TO_BE_DONE


def course_due_date(
    *, due_date: datetime.date, expires_on: datetime.date | None, day: datetime.date
) -> datetime.date:
    """A course's due date on ``day``: the track's (``due_date``), or for a renewal course
    whose latest completion has expired by ``day``, that completion's expiry date."""
    if expires_on is not None and expires_on <= day:
        return expires_on
    return due_date


def course_overdue(*, status: str, due_date: datetime.date, day: datetime.date) -> bool:
    return status not in (COMPLETED, EXEMPT) and due_date < day


def track_overdue(*, statuses: Iterable[str], due_date: datetime.date, day: datetime.date) -> bool:
    """``statuses``: those of the track's live courses (none: never overdue)."""
    return any(course_overdue(status=status, due_date=due_date, day=day) for status in statuses)


def course_statuses(
    *,
    user,
    day: datetime.date,
    tracks: Iterable[TrackProgress],
    exempt_track_ids: Iterable[int] | None = None,
) -> dict[int, str]:
    """Course id → status, for the live courses of ``tracks`` (the learner's progress as
    ``courses.selectors.progress_for_tracks`` reads it): one query, their stored completions,
    and one for the exemptions unless ``exempt_track_ids`` (``exemptions_on``) is given.
    A renewal course is completed while its ``renewal`` state (read with the progress, for
    the same day) is valid."""
    tracks = list(tracks)
    courses = [course for track in tracks for course in track.courses]
    if not courses:
        return {}
    if exempt_track_ids is None:
        exempt_track_ids = exemptions_on(user=user, day=day)
    exempt_track_ids = set(exempt_track_ids)
    exempt_courses = {
        course.page.id
        for track in tracks
        if track.page.id in exempt_track_ids
        for course in track.courses
    }
    fiscal_year = fiscal_year_of(day)
    cycles = {cycle_for(annual=annual, fiscal_year=fiscal_year) for annual in (False, True)}
    stored = set(
        CourseCompletion.objects.filter(
            user=user,
            course_id__in=[course.page.id for course in courses],
            cycle__in=cycles,
            completed_at__lt=end_of_day(day),
        ).values_list("course_id", "cycle")
    )
    return {
        course.page.id: course_status(
            completed=(
                course.renewal.valid
                if course.page.validity_months and course.renewal is not None
                else (
                    course.page.id,
                    cycle_for(annual=course.page.annual, fiscal_year=fiscal_year),
                )
                in stored
            ),
            modules_done=course.done,
            exempt=course.page.id in exempt_courses,
        )
        for course in courses
    }


def track_completions(
    *, annual_by_course: dict[int, bool], completions: Iterable[tuple[int, int, datetime.datetime]]
) -> dict[int, datetime.datetime]:
    """Cycle → when the track was completed, for one person (the rule in the docstring
    above). ``annual_by_course``: the track's live courses (id → annual);
    ``completions``: the person's stored course completions (course id, cycle,
    completed_at), of any courses."""
    if not annual_by_course:
        return {}
    stored: dict[tuple[int, int], datetime.datetime] = {}
    for course_id, cycle, completed_at in completions:
        if course_id in annual_by_course:
            stored[(course_id, cycle)] = completed_at
    annual = [c for c, is_annual in annual_by_course.items() if is_annual]
    once = [c for c, is_annual in annual_by_course.items() if not is_annual]
    if not annual:
        if all((c, ModuleCompletion.ONCE) in stored for c in once):
            return {ModuleCompletion.ONCE: max(stored[(c, ModuleCompletion.ONCE)] for c in once)}
        return {}
    result = {}
    years = {cycle for (course_id, cycle) in stored if course_id in annual and cycle}
    for year in sorted(years):
        if not all((c, year) in stored for c in annual):
            continue
        _start, last_day = fiscal_year_bounds(year)
        one_offs = [stored.get((c, ModuleCompletion.ONCE)) for c in once]
        if any(at is None or at >= end_of_day(last_day) for at in one_offs):
            continue
        result[year] = max([stored[(c, year)] for c in annual] + one_offs)
    return result


# --- The same rules in SQL -----------------------------------------------------------------
# Portable SQL (PostgreSQL and SQLite ≥ 3.35). Expressions are over the person × course
# grain's columns: completed_at (of the stored CourseCompletion for the course's cycle,
# NULL when there is none), modules_done, exempt (1 when ``exempt_sql`` holds for the
# person and the course's track, else 0) and due_date.


def exempt_sql(user_id: str, track_id: str) -> str:
    """``exemption_in_effect`` in SQL: an exemption of the person from the track whose
    period holds the as-of day (``%(as_of)s``), entered before its end (``%(as_of_end)s``)."""
    return (
        "EXISTS (SELECT 1 FROM lms_exemption ex"
        f" WHERE ex.user_id = {user_id} AND ex.track_id = {track_id}"
        " AND ex.starts_on <= %(as_of)s AND (ex.ends_on IS NULL OR ex.ends_on >= %(as_of)s)"
        " AND ex.created_at < %(as_of_end)s)"
    )


def completed_sql(completed_at: str = "completed_at") -> str:
    return f"{completed_at} IS NOT NULL"


def exempt_status_sql(completed_at: str = "completed_at", exempt: str = "exempt") -> str:
    """Status 免除: not completed, and exempt."""
    return f"{completed_at} IS NULL AND {exempt} = 1"


def counted_sql(completed_at: str = "completed_at", exempt: str = "exempt") -> str:
    """One of the assigned lines the completion rate divides by: any status but 免除."""
    return f"NOT ({exempt_status_sql(completed_at, exempt)})"


def in_progress_sql(
    completed_at: str = "completed_at", modules_done: str = "modules_done", exempt: str = "exempt"
) -> str:
    return f"{completed_at} IS NULL AND {exempt} = 0 AND {modules_done} > 0"


def not_started_sql(
    completed_at: str = "completed_at", modules_done: str = "modules_done", exempt: str = "exempt"
) -> str:
    return f"{completed_at} IS NULL AND {exempt} = 0 AND {modules_done} = 0"


def status_sql(
    completed_at: str = "completed_at", modules_done: str = "modules_done", exempt: str = "exempt"
) -> str:
    """``course_status`` in SQL: one of the four status codes."""
    return (
        f"CASE WHEN {completed_sql(completed_at)} THEN '{COMPLETED}' "
        f"WHEN {exempt_status_sql(completed_at, exempt)} THEN '{EXEMPT}' "
        f"WHEN {in_progress_sql(completed_at, modules_done, exempt)} THEN '{IN_PROGRESS}' "
        f"ELSE '{NOT_STARTED}' END"
    )


def overdue_sql(
    completed_at: str = "completed_at",
    due_date: str = "due_date",
    day: str = "%(as_of)s",
    *,
    exempt: str = "exempt",
    not_completed: str | None = None,
    not_exempt: str | None = None,
) -> str:
    """``course_overdue`` in SQL: neither completed nor exempt, and due before ``day``.
    ``not_completed`` replaces ``completed_at IS NULL`` (e.g. ``not stored_completion_sql(...)``,
    an anti-join the planner estimates well where no completion column is at hand), and
    ``not_exempt`` replaces ``exempt = 0`` (e.g. ``NOT exempt_sql(...)``) likewise."""
    return (
        f"{not_completed or completed_at + ' IS NULL'} AND {not_exempt or exempt + ' = 0'}"
        f" AND {due_date} < {day}"
    )


def stored_completion_sql(user_id: str, course_id: str, cycle: str) -> str:
    """``completed_sql`` as a condition of its own: a CourseCompletion stored for the
    course's cycle before the end of the day (``%(as_of_end)s``)."""
    return (
        "EXISTS (SELECT 1 FROM courses_coursecompletion stored"
        f" WHERE stored.user_id = {user_id} AND stored.course_id = {course_id}"
        f" AND stored.cycle = {cycle} AND stored.completed_at < %(as_of_end)s)"
    )


def prorated_due_sql(due_date: str = "due_date", first_day: str = "first_day") -> str:
    """``prorated_due_date`` in SQL, for the fiscal year of ``%(fiscal_start)s`` …
    ``%(fiscal_end)s`` (``AssignmentSQL.params``): the due date moved by the days the
    first day is after April 1, capped at March 31, never before the due date."""
    moved = _plus_days_sql(due_date, _days_between_sql(first_day, "%(fiscal_start)s"))
    return (
        f"CASE WHEN {first_day} > %(fiscal_start)s THEN"
        f" CASE WHEN {moved} <= %(fiscal_end)s THEN {moved}"
        f" WHEN {due_date} > %(fiscal_end)s THEN {due_date}"
        " ELSE %(fiscal_end)s END"
        f" ELSE {due_date} END"
    )


def local_date_sql(moment: str) -> str:
    """The day in Japan (``%(time_zone)s``) of a stored timestamp."""
    if connection.vendor == "postgresql":
        return f"CAST({moment} AT TIME ZONE %(time_zone)s AS date)"
    # SQLite stores UTC text and knows no zones; the site's zone (Asia/Tokyo) has no
    # summer time, so its offset is one number.
    offset = zoneinfo.ZoneInfo(settings.TIME_ZONE).utcoffset(datetime.datetime(2000, 1, 1))
    return f"date({moment}, '{int(offset.total_seconds() // 60):+d} minutes')"


def expiry_sql(day: str, months: str) -> str:
    """``courses.renewal.months_later`` in SQL: ``day`` plus ``months``, a day the month
    lacks becoming its last (PostgreSQL's date + interval does so; SQLite's date() rolls
    over into the next month, so a changed day of the month is brought back)."""
    if connection.vendor == "postgresql":
        return f"CAST({day} + {months} * INTERVAL '1 month' AS date)"
    moved = f"date({day}, '+' || {months} || ' months')"
    return (
        f"CASE WHEN strftime('%%d', {moved}) = strftime('%%d', {day}) THEN {moved}"
        f" ELSE date({moved}, 'start of month', '-1 day') END"
    )


def minus_days_sql(day: str, days: str) -> str:
    if connection.vendor == "postgresql":
        return f"(CAST({day} AS date) - {days})"
    return f"date({day}, '-' || {days} || ' days')"


def _days_between_sql(later: str, earlier: str) -> str:
    """Whole days from ``earlier`` to ``later`` (two dates)."""
    if connection.vendor == "postgresql":
        return f"(CAST({later} AS date) - CAST({earlier} AS date))"
    return f"CAST(julianday({later}) - julianday({earlier}) AS INTEGER)"  # ISO text dates


def _plus_days_sql(day: str, days: str) -> str:
    if connection.vendor == "postgresql":
        return f"(CAST({day} AS date) + {days})"
    return f"date({day}, '+' || {days} || ' days')"


# Who is assigned what, by when: every post of ``{posts}`` (id, user_id, department_id,
# position_id) against the rules; the earliest due date per person and track.
_DUE_CTE = """due AS NOT MATERIALIZED (
    SELECT {posts}.user_id, rule.track_id, MIN(rule.due_date) AS due_date
    FROM {posts} JOIN rule ON (
        rule.everyone = 1
        OR ((rule.by_department = 1 OR rule.by_position = 1)
            AND (rule.by_department = 0 OR EXISTS (
                SELECT 1 FROM rule_department rd
                WHERE rd.rule_id = rule.id AND rd.department_id = {posts}.department_id))
            AND (rule.by_position = 0 OR EXISTS (
                SELECT 1 FROM rule_position rp
                WHERE rp.rule_id = rule.id AND rp.position_id = {posts}.position_id)))
    )
    GROUP BY {posts}.user_id, rule.track_id
)"""

# Each person's first day in the town for the fiscal year (``prorated_due_date``): the
# earliest start among their posts there held on some day of it. Posts starting after the
# as-of day are left out: for anyone posted that day they never hold the earliest start.
# ``{where}`` narrows the people as ``posts_on_sql``'s does (on ``m`` and ``d``).
_FIRST_DAY_CTE = """first_day AS NOT MATERIALIZED (
    SELECT m.user_id, MIN(m.valid_from) AS first_day
    FROM lms_membership m JOIN lms_department d ON d.id = m.department_id
    WHERE d.organization_id = %(organization)s
      AND m.valid_from <= %(as_of)s
      AND (m.valid_to IS NULL OR m.valid_to >= %(fiscal_start)s){where}
    GROUP BY m.user_id
)"""

# Live modules completed in the course's cycle, per person of ``{people}`` and course.
_PROGRESS_CTE = """progress AS NOT MATERIALIZED (
    SELECT mc.user_id, module.course_id, COUNT(*) AS done
    FROM courses_modulecompletion mc
    JOIN module ON module.id = mc.module_id AND module.cycle = mc.cycle
    WHERE mc.user_id IN (SELECT user_id FROM {people})
      AND mc.completed_at < %(as_of_end)s
    GROUP BY mc.user_id, module.course_id
)"""


# Renewal courses (``course.months > 0``): each person's latest completion by the end of
# the day (the highest round) with its expiry date, and the round the modules count for
# (``courses.renewal.renewal_state``): the next once the renewal window has opened.
_LATEST_CTE = """latest AS NOT MATERIALIZED (
    SELECT cc.user_id, cc.course_id, cc.cycle, cc.completed_at, cc.source,
           {expires_on} AS expires_on,
           CASE WHEN %(as_of)s >= {window} THEN cc.cycle + 1 ELSE cc.cycle END AS round
    FROM courses_coursecompletion cc
    JOIN course ON course.id = cc.course_id AND course.months > 0
    WHERE cc.user_id IN (SELECT user_id FROM {people})
      AND cc.completed_at < %(as_of_end)s
      AND NOT EXISTS (
        SELECT 1 FROM courses_coursecompletion later
        WHERE later.user_id = cc.user_id AND later.course_id = cc.course_id
          AND later.cycle > cc.cycle AND later.completed_at < %(as_of_end)s)
)"""

# With renewal courses: their modules (cycle -1 in ``module``) count in the person's round.
_RENEWAL_PROGRESS_CTE = """progress AS NOT MATERIALIZED (
    SELECT mc.user_id, module.course_id, COUNT(*) AS done
    FROM courses_modulecompletion mc
    JOIN module ON module.id = mc.module_id
    LEFT JOIN latest ON latest.user_id = mc.user_id AND latest.course_id = module.course_id
    WHERE mc.user_id IN (SELECT user_id FROM {people})
      AND mc.completed_at < %(as_of_end)s
      AND mc.cycle = CASE WHEN module.cycle = -1 THEN COALESCE(latest.round, 0)
                          ELSE module.cycle END
    GROUP BY mc.user_id, module.course_id
)"""

RENEWAL_CYCLE = -1  # ``course.cycle`` / ``module.cycle`` of a renewal course: per person


@dataclass
class AssignmentSQL:
    """The rules of one organisation and fiscal year, and the live curriculum, as SQL.

    The curriculum and the assignments (a few hundred rows at most) are read with the
    ORM and go in as VALUES lists, so the planner knows their size; each assignment's
    departments are expanded here to every department under them (the sub-department
    rule), as (rule, department) pairs the membership scan joins by equality.
    """

    curriculum: Curriculum
    params: dict
    courses: list[str]
    modules: list[str]
    rules: list[str]
    rule_departments: list[str]
    rule_positions: list[str]

    @classmethod
    def build(cls, *, organization, as_of: datetime.date, curriculum: Curriculum):
        """None when nothing is assigned (no assignment, or no live course)."""
        fiscal_year = fiscal_year_of(as_of)
        assignments = list(
            TrackAssignment.objects.filter(organization=organization, fiscal_year=fiscal_year)
            .existing_on(as_of)
            .filter(track_id__in=curriculum.tracks)
            .prefetch_related("departments", "positions")
        )
        if not assignments or not curriculum.courses:
            return None
        courses, modules = _curriculum_values(curriculum, fiscal_year)
        if not courses:
            return None
        all_departments = list(
            Department.objects.filter(organization=organization).values_list("id", "path")
        )
        fiscal_start, fiscal_end = fiscal_year_bounds(fiscal_year)
        sql = cls(
            curriculum=curriculum,
            params={
                "fiscal_start": fiscal_start,
                "fiscal_end": fiscal_end,
                "time_zone": settings.TIME_ZONE,
            },
            courses=courses,
            modules=modules,
            rules=[],
            rule_departments=["(0, 0)"],  # never empty: VALUES needs a row
            rule_positions=["(0, 0)"],
        )
        for assignment in assignments:
            sql._add_rule(assignment, all_departments)
        return sql

    @property
    def renewing(self) -> bool:
        """Whether a live course renews (``validity_months``): the SQL then reads rounds."""
        return any(course.validity_months for course in self.curriculum.courses.values())

    def latest_cte(self, people: str = "home") -> str:
        """``latest`` (user_id, course_id, cycle, completed_at, source, expires_on, round):
        the renewal courses' latest completions by the as-of day."""
        expires_on = expiry_sql(local_date_sql("cc.completed_at"), "course.months")
        return _LATEST_CTE.format(
            people=people,
            expires_on=expires_on,
            window=minus_days_sql(expires_on, "course.warn"),
        )

    def _add_rule(self, assignment: TrackAssignment, all_departments) -> None:
        paths = tuple(d.path for d in assignment.departments.all())
        position_ids = [p.id for p in assignment.positions.all()]
        pk = int(assignment.pk)
        self.params[f"due{pk}"] = assignment.due_date
        self.rules.append(
            f"({pk}, {int(assignment.track_id)}, %(due{pk})s, "
            f"{int(assignment.applies_to_all)}, {int(bool(paths))}, {int(bool(position_ids))})"
        )
        # Under one of the departments: the department itself or anything below it.
        self.rule_departments.extend(
            f"({pk}, {int(department_id)})"
            for department_id, path in all_departments
            if paths and path.startswith(paths)
        )
        self.rule_positions.extend(f"({pk}, {int(p)})" for p in position_ids)

    def values_ctes(self) -> str:
        """``course`` (id, track_id, cycle, sort, months, warn), ``module`` (id, course_id,
        cycle) and the rules: ``rule``, ``rule_department``, ``rule_position``. A renewal
        course has ``months`` (its validity) and ``warn`` (its warning days), and cycle
        ``RENEWAL_CYCLE`` (the round is per person: ``latest_cte``); others 0 and 0."""
        # ``course`` is referenced more than once (the rows and the overdue query): not
        # materialised, so the planner sees the VALUES list itself.
        courses = ", ".join(self.courses)
        return f"""course (id, track_id, cycle, sort, months, warn) AS NOT MATERIALIZED (
    VALUES {courses}),
module (id, course_id, cycle) AS (VALUES {", ".join(self.modules or ["(0, 0, -1)"])}),
rule (id, track_id, due_date, everyone, by_department, by_position) AS (
    VALUES {", ".join(self.rules)}),
rule_department (rule_id, department_id) AS (VALUES {", ".join(self.rule_departments)}),
rule_position (rule_id, position_id) AS (VALUES {", ".join(self.rule_positions)})"""

    @staticmethod
    def due_cte(posts: str = "post") -> str:
        """``due`` (user_id, track_id, due_date): the audience and due-date rules."""
        return _DUE_CTE.format(posts=posts)

    @staticmethod
    def first_day_cte(where: str = "") -> str:
        """``first_day`` (user_id, first_day): each person's first day in the town in the
        fiscal year, for ``prorated_due_sql``."""
        return _FIRST_DAY_CTE.format(where=where)

    @staticmethod
    def progress_cte(people: str = "home") -> str:
        """``progress`` (user_id, course_id, done): live modules done in the cycle (with
        renewal courses, after ``latest_cte``: in the person's round)."""
        return _PROGRESS_CTE.format(people=people)

    @staticmethod
    def renewal_progress_cte(people: str = "home") -> str:
        return _RENEWAL_PROGRESS_CTE.format(people=people)


def _curriculum_values(curriculum: Curriculum, fiscal_year: int) -> tuple[list, list]:
    courses, modules, order = [], [], 0
    for track_id in curriculum.tracks:
        for course_id in curriculum.courses_by_track.get(track_id, []):
            page = curriculum.courses[course_id]
            months = int(page.validity_months or 0)
            warn = int(page.expiry_warning_days or 0) if months else 0
            # The course's cycle; a renewal course's is the person's round.
            cycle = RENEWAL_CYCLE if months else curriculum.cycle(course_id, fiscal_year)
            courses.append(
                f"({int(course_id)}, {int(track_id)}, {cycle}, {order}, {months}, {warn})"
            )
            order += 1
            modules.extend(
                f"({int(module_id)}, {int(course_id)}, {cycle})"
                for module_id in curriculum.modules_by_course.get(course_id, [])
            )
    return courses, modules
