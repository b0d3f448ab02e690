"""The product's report jobs, called the way the Celery job calls them."""

import datetime
import shutil
from typing import IO

from django.utils import translation

from courses.curriculum import Curriculum
from lms.leaders.candidates import CandidateStream
from lms.models import ReportRun
from lms.reporting.build import build_files, person_csv_only
from lms.reporting.completion import completion_tallies, person_course_rows
from lms.reporting.runs import report_build, report_request


def hr_aggregate(*, organization, as_of: datetime.date) -> dict:
    """Department (own members) × course tallies, as the HR report job computes them
    (``completion_tallies``: grouped in SQL, with the most overdue people)."""
    summary = completion_tallies(organization=organization, as_of=as_of)
    return {
        key: (t.assigned, t.completed, t.in_progress, t.not_started, t.overdue)
        for key, t in summary.by_department_course.items()
    }


def person_rows(*, organization, as_of: datetime.date) -> list[tuple]:
    """The job's per-person rows in the baseline's shape (for checking, not timing)."""
    return [
        (
            row.user_id,
            row.staff_number,
            row.department.id,
            row.position.id,
            row.track.id,
            row.course.id,
            row.due_date,
            row.modules_total,
            row.modules_done,
            row.completed_at,
            row.status,
            int(row.overdue),
        )
        for row in person_course_rows(organization=organization, as_of=as_of)
    ]


def person_csv(*, organization, as_of: datetime.date, stream: IO[bytes]) -> None:
    """The per-person CSV exactly as the job writes it, alone (no workbook): on
    PostgreSQL the text of ``COPY``, elsewhere ``CsvReport``."""
    with translation.override("ja"):
        person_csv_only(
            organization=organization, as_of=as_of, curriculum=Curriculum.load(), stream=stream
        )


def hr_files(run: ReportRun) -> None:
    """The whole HR report job's files: tallies, the workbook's three sheets and the CSV
    (``build_files``), as the Celery job writes them, then thrown away."""
    with translation.override("ja"):
        built = build_files(run)
    shutil.rmtree(built["xlsx"].parent, ignore_errors=True)


def candidates(*, organization, as_of: datetime.date) -> tuple[list[tuple], dict]:
    """The ranking as the job streams it, with the heatmap and uncovered sections the job
    also produces (the baseline computes the ranking only)."""
    stream = CandidateStream(organization=organization, as_of=as_of)
    ranked = [(c.department_id, c.user_id, c.score) for c in stream]
    stream.heatmap(), stream.uncovered()
    return ranked, stream.criteria


def fresh_run(*, organization, kind: str, as_of: datetime.date) -> ReportRun:
    """A fresh run for the Celery job: the previous one of the day is removed."""
    ReportRun.objects.filter(organization=organization, kind=kind, as_of=as_of).delete()
    return report_request(
        organization=organization, kind=kind, as_of=as_of, trigger="command", publish=False
    ).run


def build_run(run: ReportRun) -> ReportRun:
    """The whole Celery job (``report_build``): files, summary, notices."""
    with translation.override("ja"):
        return report_build(run_id=run.pk)
