"""The import of historical course completions (from a previous e-learning system).

Two steps, as the roster import (``lms.people.roster``), whose file reading this shares
(``read_table``: CSV in UTF-8 with or without BOM or CP932, or XLSX read-only; errors
as ``RosterError``): ``completions_import_plan`` reads and checks every row and lists the
completions it would store, writing nothing; ``completions_import_apply`` stores them
all, with one audit event, in one transaction — or, on any error, nothing.

Columns (docs/records.md): 職員番号 (the town's roster), コース (a course of the town's
tracks, by its slug, or by its title when no slug matches and one course has it), 修了日
(2026-04-01, 2026/4/1 or an Excel date; the completion is stored at 00:00 that day in
Japan), 備考 (optional, stored as the reason).
"""

import datetime
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from courses.fiscal import local_today
from courses.models import CourseCompletion, CoursePage
from lms.audit import Actor, audit_record
from lms.models import AuditEvent
from lms.models.people import normalize_staff_number
from lms.people.roster import RosterError, RosterFileError, cell_date, read_table
from lms.records.services import (
    EARLIEST_COMPLETION_DAY,
    FUTURE_DATE,
    TOO_EARLY,
    already_completed_message,
    completion_cycle,
    courses_of_town,
    renewal_order_problem,
)

HEADER_ALIASES = {
    "staff_number": ["職員番号"],
    "course": ["コース", "コース名", "コーススラッグ"],
    "completed_on": ["修了日", "修了年月日"],
    "note": ["備考"],
}
REQUIRED = ["staff_number", "course", "completed_on"]


@dataclass
class ImportedCompletion:
    line: int
    person: object
    course: CoursePage
    completed_on: datetime.date
    cycle: int
    note: str

    @property
    def completed_at(self) -> datetime.datetime:
        return timezone.make_aware(datetime.datetime.combine(self.completed_on, datetime.time()))


@dataclass
class CompletionImportPlan:
    rows: list[ImportedCompletion] = field(default_factory=list)
    errors: list[RosterError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors and bool(self.rows)


def completions_import_plan(
    *, organization, data: bytes, filename: str = "", today: datetime.date | None = None
) -> CompletionImportPlan:
    """Check every row of the file against the town's roster, its tracks' courses and the
    completions already stored; list the completions to store. Writes nothing."""
    plan = CompletionImportPlan()
    try:
        headers, raw_rows = read_table(data, filename)
    except RosterFileError as error:
        plan.errors.append(RosterError(0, "", str(error)))
        return plan
    columns = {}
    for key, aliases in HEADER_ALIASES.items():
        found = next((i for i, header in enumerate(headers) if header in aliases), None)
        if found is not None:
            columns[key] = found
        elif key in REQUIRED:
            plan.errors.append(RosterError(1, aliases[0], _("This column is missing.")))
    if plan.errors:
        return plan
    if not raw_rows:
        plan.errors.append(RosterError(0, "", _("The file has no completions to import.")))
        return plan
    _Reader(plan, columns, organization, today or local_today()).read_all(raw_rows)
    return plan


class _Reader:
    def __init__(self, plan, columns, organization, today):
        self.plan, self.columns, self.today = plan, columns, today
        self.people = {
            u.staff_number: u for u in get_user_model().objects.filter(organization=organization)
        }
        self.courses = list(courses_of_town(organization))
        self.by_slug = {c.slug: c for c in self.courses}
        self.by_title: dict[str, list[CoursePage]] = {}
        for course in self.courses:
            self.by_title.setdefault(course.title, []).append(course)
        self.seen: dict[tuple[int, int, int], int] = {}

    def read_all(self, raw_rows) -> None:
        rows = []
        for line, cells in raw_rows:
            row = self.read(line, cells)
            if row is not None:
                rows.append(row)
        if not self.plan.errors:
            self._against_stored(rows)
        self.plan.rows = rows if not self.plan.errors else []

    def _error(self, line, column, message) -> None:
        self.plan.errors.append(RosterError(line, column, message))

    def _cell(self, cells, key):
        index = self.columns.get(key)
        if index is None or index >= len(cells):
            return ""
        value = cells[index]
        if isinstance(value, datetime.date):
            return value
        return str(value).strip()

    def read(self, line, cells) -> ImportedCompletion | None:
        person = self._person(line, cells)
        course = self._course(line, cells)
        completed_on = self._date(line, cells)
        if person is None or course is None or completed_on is None:
            return None
        row = ImportedCompletion(
            line=line,
            person=person,
            course=course,
            completed_on=completed_on,
            cycle=0,
            note=str(self._cell(cells, "note")),
        )
        # A renewal course: the round after the person's latest (one query per such row;
        # one row per person and renewal course in a file: docs/renewal.md).
        row.cycle = completion_cycle(course, row.completed_at, person.pk)
        problem = renewal_order_problem(
            person_id=person.pk, course=course, completed_at=row.completed_at
        )
        if problem:
            self._error(line, "修了日", problem)
            return None
        key = (person.pk, course.pk, row.cycle)
        if key in self.seen:
            self._error(
                line,
                "職員番号",
                _("The same completion (staff number, course and year) is also on line %(other)s.")
                % {"other": self.seen[key]},
            )
            return None
        self.seen[key] = line
        return row

    def _person(self, line, cells):
        number = normalize_staff_number(str(self._cell(cells, "staff_number")))
        if not number:
            self._error(line, "職員番号", _("The staff number is empty."))
            return None
        person = self.people.get(number)
        if person is None:
            self._error(
                line,
                "職員番号",
                _("Staff number %(number)s is not on this town's roster.") % {"number": number},
            )
        return person

    def _course(self, line, cells):
        text = str(self._cell(cells, "course"))
        if not text:
            self._error(line, "コース", _("The course is empty."))
            return None
        if text in self.by_slug:
            return self.by_slug[text]
        titled = self.by_title.get(text, [])
        if len(titled) == 1:
            return titled[0]
        if titled:
            self._error(
                line,
                "コース",
                _("Several courses are titled “%(value)s”. Give the course's slug instead.")
                % {"value": text},
            )
        else:
            self._error(
                line,
                "コース",
                _("There is no course “%(value)s” in this town's tracks (give its slug or title).")
                % {"value": text},
            )
        return None

    def _date(self, line, cells):
        raw = self._cell(cells, "completed_on")
        if raw in ("", None):
            self._error(line, "修了日", _("The completion date is empty."))
            return None
        try:
            day = cell_date(raw)
        except ValueError:
            self._error(
                line,
                "修了日",
                _("“%(value)s” is not a date. Write it as 2026-04-01 or 2026/04/01.")
                % {"value": raw},
            )
            return None
        if day > self.today:
            self._error(line, "修了日", str(FUTURE_DATE))
            return None
        if day < EARLIEST_COMPLETION_DAY:
            self._error(line, "修了日", str(TOO_EARLY))
            return None
        return day

    def _against_stored(self, rows) -> None:
        """One query for the completions already stored for the file's people."""
        stored = set(
            CourseCompletion.objects.filter(
                user_id__in={row.person.pk for row in rows}
            ).values_list("user_id", "course_id", "cycle")
        )
        for row in rows:
            if (row.person.pk, row.course.pk, row.cycle) in stored:
                self._error(row.line, "コース", already_completed_message(row.course, row.cycle))


@transaction.atomic
def completions_import_apply(
    *, organization, plan: CompletionImportPlan, by: Actor, filename: str
) -> int:
    """Store every completion of a valid plan (``source`` = imported, the importer and the
    time of the import kept on each), and one COMPLETIONS_IMPORTED event, in one
    transaction. Returns how many. A plan with an error stores nothing (ValueError); a
    completion stored since the plan was made breaks the unique constraint, and the
    transaction takes nothing with it."""
    if not plan.ok:
        raise ValueError("An import with errors cannot be applied.")
    now = timezone.now()
    CourseCompletion.objects.bulk_create(
        [
            CourseCompletion(
                user=row.person,
                course=row.course,
                cycle=row.cycle,
                completed_at=row.completed_at,
                source=CourseCompletion.Source.IMPORTED,
                recorded_by=by.user,
                recorded_at=now,
                reason=row.note,
            )
            for row in plan.rows
        ]
    )
    audit_record(
        by=by,
        action=AuditEvent.Action.COMPLETIONS_IMPORTED,
        organization=organization.pk,
        file=filename,
        count=len(plan.rows),
    )
    return len(plan.rows)
