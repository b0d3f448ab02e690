"""Completion of assigned tracks, per person and course, as of a date.

Grain: one row per (person, course of a track assigned to them). The rules —
who is assigned what and by when, what counts as completed, in progress, not
started and overdue — are the SQL forms in ``lms.assignments``; a person is
counted at their primary post (本務) in the organisation on the as-of date, by
the rule in ``lms.people.posts``. This module assembles them into one SQL query:
the per-person rows stream from a server-side cursor (the report files, the
department page, reminders), and the HR figures are the same query grouped in
SQL (``completion_tallies``), so neither time nor memory follows Python loops
over every row.
"""

import datetime
import heapq
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import pgettext_lazy

from courses.curriculum import Curriculum
from courses.fiscal import end_of_day, sql_timestamp
from courses.models import CourseCompletion, CoursePage, TrackPage
from lms.assignments import (
    COMPLETED,
    EXEMPT,
    IN_PROGRESS,
    NOT_STARTED,
    AssignmentSQL,
    completed_sql,
    counted_sql,
    exempt_sql,
    exempt_status_sql,
    in_progress_sql,
    not_started_sql,
    overdue_sql,
    prorated_due_sql,
    status_sql,
    stored_completion_sql,
)
from lms.models import Department, Position, full_name
from lms.people.posts import primary_post_ctes
from lms.spreadsheets import csv_safe, csv_safe_sql

OVERDUE_LABEL = "期限超過"  # the per-person files' overdue column
# The per-person files' 記録 column: a completion HR or a head recorded, or one imported
# from a previous system (``CourseCompletion.source``); empty for one learned online.
RECORD_LABELS = {
    CourseCompletion.Source.RECORDED.value: "記録",
    CourseCompletion.Source.IMPORTED.value: "記録（取込）",
}
ONLINE = CourseCompletion.Source.ONLINE.value
STATUS_LABELS = {
    COMPLETED: pgettext_lazy("completion", "Completed"),
    IN_PROGRESS: pgettext_lazy("completion", "In progress"),
    NOT_STARTED: pgettext_lazy("completion", "Not started"),
    EXEMPT: pgettext_lazy("completion", "Exempt"),
}


CHUNK = 2000


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
    completion_source: str | None = None
    # A renewal course: the expiry date of the latest completion by the as-of day (valid
    # before it; expired, and due on it, from it on). None for other courses.
    expires_on: datetime.date | None = None

    @property
    def status_label(self) -> str:
        return str(STATUS_LABELS[self.status])

    @property
    def record_label(self) -> str:
        return RECORD_LABELS.get(self.completion_source or "", "")


@dataclass
class Tally:
    """Lines by status. ``assigned`` counts the lines the rate divides by: 免除 lines
    are counted in ``exempt`` only (``lms.assignments``)."""

    assigned: int = 0
    completed: int = 0
    in_progress: int = 0
    not_started: int = 0
    overdue: int = 0
    exempt: int = 0

    def add(self, row: PersonCourseRow) -> None:
        if row.status != EXEMPT:
            self.assigned += 1
        setattr(self, row.status, getattr(self, row.status) + 1)
        self.overdue += int(row.overdue)

    def merge(self, other: "Tally") -> None:
        for name in ("assigned", "completed", "in_progress", "not_started", "overdue", "exempt"):
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
            "exempt": self.exempt,
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
    """Rows for everyone posted in ``organization`` on ``as_of`` (or whose primary post is
    in the ``department`` subtree).

    One SQL query resolves assignments, progress and completion (``_PersonCourseQuery``);
    rows stream from a server-side cursor in user order, so memory stays flat.
    A fixed number of queries whatever the number of staff.
    """
    query = _PersonCourseQuery.build(
        organization=organization, as_of=as_of, department=department, curriculum=curriculum
    )
    if query is None:
        return
    curriculum = query.curriculum
    departments = Department.objects.filter(organization=organization).in_bulk()
    positions = Position.objects.filter(organization=organization).in_bulk()
    with connection.chunked_cursor() as cursor:
        cursor.execute(query.rows_sql(), query.params)
        while chunk := cursor.fetchmany(CHUNK):
            for (
                user_id,
                staff_number,
                family_name,
                given_name,
                department_id,
                position_id,
                track_id,
                course_id,
                due_date,
                modules_done,
                completed_at,
                status,
                overdue,
                completion_source,
                expires_on,
            ) in chunk:
                yield PersonCourseRow(
                    user_id=user_id,
                    staff_number=staff_number,
                    name=full_name(family_name, given_name),
                    department=departments[department_id],
                    position=positions[position_id],
                    track=curriculum.tracks[track_id],
                    course=curriculum.courses[course_id],
                    due_date=_as_date(due_date),
                    modules_total=len(curriculum.modules_by_course.get(course_id, [])),
                    modules_done=modules_done,
                    completed_at=_as_datetime(completed_at),
                    status=status,
                    overdue=bool(overdue),
                    completion_source=completion_source,
                    expires_on=_as_date(expires_on) if expires_on is not None else None,
                )


COPY_BATCH = 2000  # COPY rows handed on at once (one block of text)


def person_csv_blocks(
    *, organization, as_of: datetime.date, curriculum: Curriculum | None = None
) -> Iterator[bytes]:
    """PostgreSQL only: the per-person CSV's lines (``person_values`` as ``CsvReport``
    writes them, without the header), from ``COPY (…) TO STDOUT`` in blocks of
    ``COPY_BATCH`` lines ending in LF. The escaping for Excel, Japan time and the labels
    are done in the statement, so no row passes through Python objects."""
    query = _PersonCourseQuery.build(
        organization=organization, as_of=as_of, department=None, curriculum=curriculum
    )
    if query is None:
        return
    sql, params = query.export_sql(
        labels={status: str(label) for status, label in STATUS_LABELS.items()},
        overdue_label=OVERDUE_LABEL,
    )
    connection.ensure_connection()
    with connection.connection.cursor() as cursor:
        with cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            batch = []
            for block in copy:
                batch.append(block)
                if len(batch) == COPY_BATCH:
                    yield b"".join(batch)
                    batch = []
            if batch:
                yield b"".join(batch)


def completion_tallies(
    *,
    organization,
    as_of: datetime.date,
    department: Department | None = None,
    curriculum: Curriculum | None = None,
) -> CompletionSummary:
    """The same tallies as ``completion_summary(person_course_rows(...))``, counted in SQL.

    Two grouped queries (department × position × course, and the most overdue
    people) instead of a pass over every row: the HR report's figures at the cost
    of a GROUP BY, whatever the number of staff.
    """
    summary = CompletionSummary()
    query = _PersonCourseQuery.build(
        organization=organization, as_of=as_of, department=department, curriculum=curriculum
    )
    if query is None:
        return summary.finish()
    with connection.cursor() as cursor:
        cursor.execute(query.tallies_sql(), query.params)
        for department_id, position_id, course_id, *counts in cursor.fetchall():
            tally = Tally(*(int(n) for n in counts))
            for mapping, key in (
                (summary.by_department_course, (department_id, course_id)),
                (summary.by_department, department_id),
                (summary.by_position, position_id),
            ):
                mapping.setdefault(key, Tally()).merge(tally)
            summary.total.merge(tally)
        cursor.execute(query.overdue_sql(OVERDUE_LIST_LENGTH), query.params)
        overdue = cursor.fetchall()
    names = dict(
        Department.objects.filter(pk__in={row[4] for row in overdue}).values_list("id", "name")
    )
    summary.most_overdue = [
        (
            int(count),
            -user_id,
            staff_number,
            full_name(family_name, given_name),
            names[department_id],
            department_id,
        )
        for user_id, staff_number, family_name, given_name, department_id, count in overdue
    ]
    return summary


@dataclass
class MemberTally:
    """One person's courses on the department page, counted in SQL."""

    user_id: int
    staff_number: str
    name: str
    department: Department
    position: Position
    assigned: int
    completed: int
    in_progress: int
    not_started: int
    overdue_count: int
    exempt: int = 0
    recorded: int = 0  # of ``completed``, those recorded or imported (記録)
    overdue_courses: list = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.completed / self.assigned if self.assigned else 0.0


# How the department page's member list may be sorted: the key in the URL → SQL ORDER BY
# terms (ascending); a leading "-" in the URL reverses the first term. Ties fall back to
# the staff number, then the user id, so a page boundary is stable.
MEMBER_SORTS = {
    "overdue": "overdue_count DESC",
    "number": "u.staff_number",
    "name": "u.family_name_kana, u.given_name_kana, u.family_name, u.given_name",
    # Someone exempt from everything assigned has no rate: NULL, not a division by zero.
    "rate": "CAST(completed AS REAL) / NULLIF(assigned, 0)",
    "department": "d.sort_order, d.path",
}


@dataclass
class MembersPage:
    count: int
    members: list[MemberTally]


def department_members(
    *,
    organization,
    as_of: datetime.date,
    department: Department,
    sort: str = "overdue",
    descending: bool = False,
    offset: int = 0,
    limit: int = 30,
    curriculum: Curriculum | None = None,
) -> MembersPage:
    """One page of the people whose primary post lies in ``department``'s subtree, each
    with their courses counted by state, sorted and paged in SQL (``LIMIT``/``OFFSET``):
    two queries after the curriculum, whether the 部 has 30 people or 669. The titles of
    each listed person's overdue courses come from a third, over the page's people only."""
    query = _PersonCourseQuery.build(
        organization=organization, as_of=as_of, department=department, curriculum=curriculum
    )
    if query is None:
        return MembersPage(count=0, members=[])
    order = MEMBER_SORTS.get(sort, MEMBER_SORTS["overdue"])
    if descending:
        first, _, rest = order.partition(",")
        first = first.strip()
        first = first[: -len(" DESC")] if first.endswith(" DESC") else f"{first} DESC"
        order = ", ".join(part for part in (first, rest.strip()) if part)
    departments = Department.objects.filter(organization=organization).in_bulk()
    positions = Position.objects.filter(organization=organization).in_bulk()
    with connection.cursor() as cursor:
        cursor.execute(query.members_sql(order, limit=limit, offset=offset), query.params)
        fetched = cursor.fetchall()
        count = int(fetched[0][-1]) if fetched else 0
        if not fetched and offset:
            cursor.execute(query.members_count_sql(), query.params)
            count = int(cursor.fetchone()[0])
        members = [
            MemberTally(
                user_id=user_id,
                staff_number=staff_number,
                name=full_name(family_name, given_name),
                department=departments[department_id],
                position=positions[position_id],
                assigned=int(assigned),
                completed=int(completed),
                in_progress=int(in_progress),
                not_started=int(not_started),
                overdue_count=int(overdue),
                exempt=int(exempt),
                recorded=int(recorded),
            )
            for (
                user_id,
                staff_number,
                family_name,
                given_name,
                department_id,
                position_id,
                assigned,
                completed,
                in_progress,
                not_started,
                overdue,
                exempt,
                recorded,
                _total,
            ) in fetched
        ]
        by_id = {member.user_id: member for member in members}
        if by_id:
            cursor.execute(query.overdue_courses_sql(list(by_id)), query.params)
            for user_id, course_id in cursor.fetchall():
                by_id[user_id].overdue_courses.append(query.curriculum.courses[course_id])
    return MembersPage(count=count, members=members)


@dataclass
class _PersonCourseQuery:
    """The person × course grain as SQL, shared by the rows and the tallies.

    Assembled from the rules' SQL forms: the curriculum, the assignments and the
    audience, due-date, status and overdue expressions from ``lms.assignments``;
    the posts of the day and each person's primary post from ``lms.people.posts``.
    Memberships, completions and progress stay in the database. A person is counted
    at their primary post in the organisation; with ``department``, only the people
    whose primary post lies in that subtree.
    """

    curriculum: Curriculum
    ctes: str
    params: dict
    renewing: bool = False

    @classmethod
    def build(cls, *, organization, as_of, department, curriculum) -> "_PersonCourseQuery | None":
        curriculum = curriculum or Curriculum.load()
        rules = AssignmentSQL.build(organization=organization, as_of=as_of, curriculum=curriculum)
        if rules is None:
            return None
        params = {
            "organization": organization.pk,
            "as_of": as_of,
            "as_of_end": sql_timestamp(end_of_day(as_of)),
            **rules.params,
        }
        people = home = ""
        if department is not None:
            # People with a post in the subtree (a superset, found early through the
            # department index), then those whose primary post is there.
            params["subtree"] = department.path
            people = """
              AND m.user_id IN (
                SELECT s.user_id FROM lms_membership s
                JOIN lms_department sd ON sd.id = s.department_id
                WHERE sd.organization_id = %(organization)s
                  AND substr(sd.path, 1, length(%(subtree)s)) = %(subtree)s
                  AND s.valid_from <= %(as_of)s
                  AND (s.valid_to IS NULL OR s.valid_to >= %(as_of)s))"""
            home = """
        JOIN lms_department hd ON hd.id = home.department_id
            AND substr(hd.path, 1, length(%(subtree)s)) = %(subtree)s"""
        due_date = prorated_due_sql("due.due_date", "first_day.first_day")
        # Without a renewal course the statement is the one it always was; with one, the
        # renewal courses' latest completions (``latest``) give their status, round and due
        # date (``lms.assignments``: a completion counts until its expiry date, then the
        # course is due on that date).
        renewal = {
            "latest": "",
            "progress": rules.progress_cte(people="home"),
            "completed_at": "cc.completed_at",
            "source": "cc.source",
            "expires_on": "CAST(NULL AS date)",
            "latest_join": "",
            "due_date": due_date,
        }
        if rules.renewing:
            valid = "%(as_of)s < latest.expires_on"
            renewal = {
                "latest": rules.latest_cte(people="home") + ",\n",
                "progress": rules.renewal_progress_cte(people="home"),
                "completed_at": (
                    f"COALESCE(cc.completed_at, CASE WHEN {valid} THEN latest.completed_at END)"
                ),
                "source": f"COALESCE(cc.source, CASE WHEN {valid} THEN latest.source END)",
                "expires_on": "latest.expires_on",
                "latest_join": (
                    "\n    LEFT JOIN latest"
                    " ON latest.user_id = due.user_id AND latest.course_id = course.id"
                ),
                "due_date": (
                    "CASE WHEN latest.expires_on <= %(as_of)s THEN latest.expires_on"
                    f" ELSE {due_date} END"
                ),
            }
        ctes = _PERSON_COURSE_CTES.format(
            values=rules.values_ctes(),
            posts=primary_post_ctes(where=people, home="post_home"),
            first_day=rules.first_day_cte(where=people),
            due=rules.due_cte(posts="post"),
            exempt=exempt_sql("due.user_id", "due.track_id"),
            home=home,
            **renewal,
        )
        return cls(curriculum=curriculum, ctes=ctes, params=params, renewing=rules.renewing)

    def rows_sql(self) -> str:
        return (
            self.ctes
            + f"""
            SELECT pc.user_id, u.staff_number, u.family_name, u.given_name, pc.department_id,
                   pc.position_id, pc.track_id, pc.course_id, pc.due_date, pc.modules_done,
                   pc.completed_at, {status_sql("pc.completed_at", "pc.modules_done", "pc.exempt")},
                   CASE WHEN {overdue_sql("pc.completed_at", "pc.due_date", exempt="pc.exempt")}
                        THEN 1 ELSE 0 END,
                   pc.completion_source, pc.expires_on
            FROM person_course pc JOIN lms_user u ON u.id = pc.user_id
            ORDER BY pc.user_id, pc.sort"""
        )

    def export_sql(self, *, labels: dict[str, str], overdue_label: str) -> tuple[str, dict]:
        """The per-person CSV's columns (``lms.reporting.build.person_values``) as text,
        escaped for Excel as ``csv_safe`` does, in the rows' order (PostgreSQL: ``COPY``).
        Titles and module counts come in as VALUES, the status labels as parameters."""
        params = dict(self.params)
        courses = []
        for n, (course_id, course) in enumerate(self.curriculum.courses.items()):
            track = next(
                (
                    self.curriculum.tracks[t]
                    for t, ids in self.curriculum.courses_by_track.items()
                    if course_id in ids
                ),
                None,
            )
            if track is None:
                continue
            params[f"ct_track{n}"] = csv_safe(track.title)
            params[f"ct_course{n}"] = csv_safe(course.title)
            total = len(self.curriculum.modules_by_course.get(course_id, []))
            courses.append(f"({int(course_id)}, %(ct_track{n})s, %(ct_course{n})s, {total})")
        courses = courses or ["(0, NULL, NULL, 0)"]  # the right shape, matching nothing
        for status, label in labels.items():
            params[f"label_{status}"] = csv_safe(label)
        params["overdue_label"] = csv_safe(overdue_label)
        for source, label in RECORD_LABELS.items():
            params[f"record_{source}"] = csv_safe(label)
        record = " ".join(f"WHEN '{source}' THEN %(record_{source})s" for source in RECORD_LABELS)
        params["time_zone"] = settings.TIME_ZONE
        status = status_sql("pc.completed_at", "pc.modules_done", "pc.exempt")
        name = "NULLIF(btrim(u.family_name || ' ' || u.given_name, ' '), '')"
        text = {
            "staff": "NULLIF(u.staff_number, '')",
            "name": name,
            "department": "NULLIF(d.name, '')",
            "position": "NULLIF(p.name, '')",
        }
        escaped = {key: csv_safe_sql(expression) for key, expression in text.items()}
        sql = (
            self.ctes
            + f""",
            course_text (id, track_title, course_title, modules_total) AS (
                VALUES {", ".join(courses)})
            SELECT {escaped["staff"]}, {escaped["name"]}, {escaped["department"]},
                   {escaped["position"]}, ct.track_title, ct.course_title,
                   CASE {status}
                        WHEN '{COMPLETED}' THEN %(label_{COMPLETED})s
                        WHEN '{IN_PROGRESS}' THEN %(label_{IN_PROGRESS})s
                        WHEN '{EXEMPT}' THEN %(label_{EXEMPT})s
                        ELSE %(label_{NOT_STARTED})s END,
                   to_char(pc.due_date, 'YYYY-MM-DD'),
                   to_char(pc.completed_at AT TIME ZONE %(time_zone)s, 'YYYY-MM-DD HH24:MI'),
                   pc.modules_done, ct.modules_total,
                   CASE WHEN {overdue_sql("pc.completed_at", "pc.due_date", exempt="pc.exempt")}
                        THEN %(overdue_label)s END,
                   CASE pc.completion_source {record} END,
                   to_char(pc.expires_on, 'YYYY-MM-DD')
            FROM person_course pc
            JOIN lms_user u ON u.id = pc.user_id
            JOIN lms_department d ON d.id = pc.department_id
            JOIN lms_position p ON p.id = pc.position_id
            JOIN course_text ct ON ct.id = pc.course_id
            ORDER BY pc.user_id, pc.sort"""
        )
        return sql, params

    def tallies_sql(self) -> str:
        return (
            self.ctes
            + f"""
            SELECT department_id, position_id, course_id,
                   SUM(CASE WHEN {counted_sql()} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN {completed_sql()} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN {in_progress_sql()} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN {not_started_sql()} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN {overdue_sql()} THEN 1 ELSE 0 END),
                   SUM(CASE WHEN {exempt_status_sql()} THEN 1 ELSE 0 END)
            FROM person_course
            GROUP BY department_id, position_id, course_id"""
        )

    def _members_grouped(self) -> str:
        return f"""
            SELECT pc.user_id, pc.department_id, pc.position_id,
                   SUM(CASE WHEN {counted_sql()} THEN 1 ELSE 0 END) AS assigned,
                   SUM(CASE WHEN {completed_sql()} THEN 1 ELSE 0 END) AS completed,
                   SUM(CASE WHEN {in_progress_sql()} THEN 1 ELSE 0 END) AS in_progress,
                   SUM(CASE WHEN {not_started_sql()} THEN 1 ELSE 0 END) AS not_started,
                   SUM(CASE WHEN {overdue_sql()} THEN 1 ELSE 0 END) AS overdue_count,
                   SUM(CASE WHEN {exempt_status_sql()} THEN 1 ELSE 0 END) AS exempt,
                   SUM(CASE WHEN {completed_sql()} AND completion_source <> '{ONLINE}'
                       THEN 1 ELSE 0 END) AS recorded
            FROM person_course pc
            GROUP BY pc.user_id, pc.department_id, pc.position_id"""

    def members_sql(self, order: str, *, limit: int, offset: int) -> str:
        """A page of people with their tallies, in ``order`` (from ``MEMBER_SORTS``
        only), with the number of people in all as the last column."""
        return (
            self.ctes
            + f"""
            , member AS ({self._members_grouped()})
            SELECT m.user_id, u.staff_number, u.family_name, u.given_name, m.department_id,
                   m.position_id, m.assigned, m.completed, m.in_progress, m.not_started,
                   m.overdue_count, m.exempt, m.recorded, COUNT(*) OVER ()
            FROM member m
            JOIN lms_user u ON u.id = m.user_id
            JOIN lms_department d ON d.id = m.department_id
            ORDER BY {order}, u.staff_number, m.user_id
            LIMIT {int(limit)} OFFSET {int(offset)}"""
        )

    def members_count_sql(self) -> str:
        return self.ctes + f", member AS ({self._members_grouped()}) SELECT COUNT(*) FROM member"

    def overdue_courses_sql(self, user_ids: list[int]) -> str:
        ids = ", ".join(str(int(user_id)) for user_id in user_ids)
        return (
            self.ctes
            + f"""
            SELECT pc.user_id, pc.course_id FROM person_course pc
            WHERE pc.user_id IN ({ids})
              AND {overdue_sql("pc.completed_at", "pc.due_date", exempt="pc.exempt")}
            ORDER BY pc.user_id, pc.sort"""
        )

    def overdue_sql(self, limit: int) -> str:
        """The most overdue people. Not over ``person_course``: "not completed" is an
        anti-join (``NOT EXISTS``), and ``due.due_date < as_of`` — implied, as pro-rating
        never brings a due date earlier — filters the grouped ``due`` before the join, so the
        planner's estimates stay those of the plain due date (a filter on the pro-rated
        expression alone, after ``completed_at IS NULL``, made it expect one row of 50,000
        and choose nested loops: bench/README.md).

        With a renewal course the due date may be an expiry date before the assignment's,
        and completion depends on the expiry: counted over ``person_course`` then."""
        if self.renewing:
            return (
                self.ctes
                + f"""
            SELECT pc.user_id, u.staff_number, u.family_name, u.given_name, pc.department_id,
                   COUNT(*) AS overdue
            FROM person_course pc
            JOIN lms_user u ON u.id = pc.user_id
            WHERE {overdue_sql("pc.completed_at", "pc.due_date", exempt="pc.exempt")}
            GROUP BY pc.user_id, u.staff_number, u.family_name, u.given_name, pc.department_id
            ORDER BY overdue DESC, pc.user_id
            LIMIT {int(limit)}"""
            )
        stored = stored_completion_sql("due.user_id", "course.id", "course.cycle")
        overdue = overdue_sql(
            due_date=prorated_due_sql("due.due_date", "first_day.first_day"),
            not_completed=f"NOT {stored}",
            not_exempt=f"NOT {exempt_sql('due.user_id', 'due.track_id')}",
        )
        return (
            self.ctes
            + f"""
            SELECT due.user_id, u.staff_number, u.family_name, u.given_name, home.department_id,
                   COUNT(*) AS overdue
            FROM due
            JOIN home ON home.user_id = due.user_id
            JOIN first_day ON first_day.user_id = due.user_id
            JOIN course ON course.track_id = due.track_id
            JOIN lms_user u ON u.id = due.user_id
            WHERE due.due_date < %(as_of)s AND {overdue}
            GROUP BY due.user_id, u.staff_number, u.family_name, u.given_name, home.department_id
            ORDER BY overdue DESC, due.user_id
            LIMIT {int(limit)}"""
        )


# The CTEs over tables are NOT MATERIALIZED: a materialised CTE loses the tables'
# statistics, and with them the planner's estimates (it then takes 50,000 people for 200
# and picks merge joins that rescan millions of rows).
_PERSON_COURSE_CTES = """
WITH
{values},
{posts},
{first_day},
home AS NOT MATERIALIZED (
    SELECT home.user_id, home.department_id, home.position_id
    FROM post_home home{home}
),
{due},
{latest}{progress},
person_course AS NOT MATERIALIZED (
    SELECT due.user_id, home.department_id, home.position_id, course.track_id,
           course.id AS course_id, course.sort, {due_date} AS due_date,
           COALESCE(progress.done, 0) AS modules_done, {completed_at} AS completed_at,
           CASE WHEN {exempt} THEN 1 ELSE 0 END AS exempt,
           {source} AS completion_source, {expires_on} AS expires_on
    FROM due
    JOIN home ON home.user_id = due.user_id
    JOIN first_day ON first_day.user_id = due.user_id
    JOIN course ON course.track_id = due.track_id
    LEFT JOIN progress ON progress.user_id = due.user_id AND progress.course_id = course.id
    LEFT JOIN courses_coursecompletion cc
        ON cc.user_id = due.user_id AND cc.course_id = course.id AND cc.cycle = course.cycle
        AND cc.completed_at < %(as_of_end)s{latest_join}
)
"""


def _as_date(value) -> datetime.date:
    """SQLite hands dates back as text from raw SQL; PostgreSQL as dates."""
    return datetime.date.fromisoformat(value) if isinstance(value, str) else value


def _as_datetime(value) -> datetime.datetime | None:
    """An aware datetime. SQLite hands raw-SQL timestamps back as UTC text or as naive
    UTC datetimes (the column's declared type); PostgreSQL as aware datetimes."""
    if isinstance(value, str):
        value = parse_datetime(value)
    if value is not None and timezone.is_naive(value):
        return timezone.make_aware(value, datetime.UTC)
    return value


def completion_summary(rows) -> CompletionSummary:
    """Tallies of rows streamed in user order (as ``person_course_rows`` yields them)."""
    summary = CompletionSummary()
    for row in rows:
        summary.add(row)
    return summary.finish()
