"""Build report files for a ReportRun: streamed rows → XLSX + CSV on private storage."""

import hashlib
import json
import shutil
import tempfile
from pathlib import Path

from django.core.files import File
from django.db import connection
from django.utils.translation import gettext_lazy as _

from courses.curriculum import Curriculum
from lms.leaders.candidates import CHANGES_LISTED, CandidateStream
from lms.leaders.forms import criteria_in_words
from lms.models import CandidateEntry, Department, Position, ReportRun
from lms.reporting.completion import completion_tallies, person_course_rows
from lms.spreadsheets import CsvReport, Percent, PrintHeading, XlsxReport

PERSON_HEADERS = [
    "職員番号",
    "氏名",
    "所属",
    "職位",
    "トラック",
    "コース",
    "状況",
    "期限",
    "修了日時（日本時間）",
    "完了モジュール",
    "モジュール数",
    "期限超過",
]
TALLY_HEADERS = ["対象", "修了", "受講中", "未着手", "期限超過", "修了率"]


def build_files(run: ReportRun, *, progress=None) -> dict:
    """Write the run's XLSX and CSV to a temporary folder; return paths, rows and summary."""
    builder = {
        ReportRun.Kind.HR_COMPLETION: _build_completion,
        ReportRun.Kind.DX_CANDIDATES: _build_candidates,
    }[run.kind]
    folder = Path(tempfile.mkdtemp(prefix="shinka-report-"))
    try:
        return builder(run, folder, progress or (lambda done: None))
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # nothing half-written stays behind
        raise


def person_values(row) -> list:
    """One line of the per-person sheet and CSV (``PERSON_HEADERS``)."""
    return [
        row.staff_number,
        row.name,
        row.department.name,
        row.position.name,
        row.track.title,
        row.course.title,
        row.status_label,
        row.due_date,
        row.completed_at,
        row.modules_done,
        row.modules_total,
        "期限超過" if row.overdue else "",
    ]


def _build_completion(run: ReportRun, folder: Path, progress) -> dict:
    curriculum = Curriculum.load()
    xlsx = _xlsx_with_sheets(
        run,
        [
            ("所属別", ["所属", "階層", "コース", *TALLY_HEADERS], [24, 8, 36, 8, 8, 8, 8, 8, 8]),
            ("職位別", ["職位", *TALLY_HEADERS], [20, 8, 8, 8, 8, 8, 8]),
            ("個人別", PERSON_HEADERS, [10, 14, 18, 14, 24, 36, 10, 12, 18, 8, 8, 8]),
        ],
    )
    csv_path = folder / "completion.csv"
    rows = _write_person_rows(run, curriculum, xlsx, csv_path, progress)
    summary = completion_tallies(
        organization=run.organization, as_of=run.as_of, curriculum=curriculum
    )
    summary_rows = _write_department_tallies(run, curriculum, summary, xlsx)
    position_rows = _write_position_tallies(summary, xlsx)
    xlsx_path = folder / "completion.xlsx"
    xlsx.save(xlsx_path)
    progress(rows)
    return {
        "xlsx": xlsx_path,
        "csv": csv_path,
        "rows": rows,
        "summary": {
            "departments": summary_rows,
            "total": summary.total.as_dict(),
            "overdue_people": summary.overdue_people(),
            "positions": position_rows,
        },
    }


def _write_person_rows(run: ReportRun, curriculum, xlsx, csv_path: Path, progress) -> int:
    """Each person's courses, streamed to the per-person sheet and the CSV; how many."""
    rows = 0
    with csv_path.open("w", encoding="utf-8", newline="") as csv_stream:
        csv_report = CsvReport(csv_stream, PERSON_HEADERS)
        for row in person_course_rows(
            organization=run.organization, as_of=run.as_of, curriculum=curriculum
        ):
            rows += 1
            if rows % 500 == 0:
                progress(rows)
            values = person_values(row)
            xlsx.append("個人別", values)
            csv_report.append(values)
    return rows


def _write_department_tallies(run: ReportRun, curriculum, summary, xlsx) -> list[dict]:
    """Each department with anyone assigned (its units rolled up): all courses, then
    each course. Returns the departments' tallies for the dashboard."""
    departments = list(Department.objects.filter(organization=run.organization))
    rolled = summary.rolled_up(departments)
    rolled_courses = summary.rolled_up_by_course(departments)
    summary_rows = []
    for department in departments:
        tally = rolled[department.id]
        if not tally.assigned:
            continue
        xlsx.append(
            "所属別",
            [department.name, department.get_level_display(), "（全コース）", *_tally(tally)],
        )
        for course_id, course in curriculum.courses.items():
            own = rolled_courses.get((department.id, course_id))
            if own and own.assigned:
                xlsx.append(
                    "所属別",
                    [department.name, department.get_level_display(), course.title, *_tally(own)],
                )
        summary_rows.append(
            {
                "id": department.id,
                "name": department.name,
                "path": department.path,
                "level": department.level,
                **tally.as_dict(),
            }
        )
    return summary_rows


def _write_position_tallies(summary, xlsx) -> list[dict]:
    """Each position, by rank. Returns the positions' tallies for the dashboard (職位別)."""
    positions = Position.objects.in_bulk(list(summary.by_position))
    rows = []
    for position_id, tally in sorted(
        summary.by_position.items(), key=lambda i: positions[i[0]].rank
    ):
        xlsx.append("職位別", [positions[position_id].name, *_tally(tally)])
        rows.append({"id": position_id, "name": positions[position_id].name, **tally.as_dict()})
    return rows


def _tally(tally) -> list:
    return [
        tally.assigned,
        tally.completed,
        tally.in_progress,
        tally.not_started,
        tally.overdue,
        Percent(tally.rate),
    ]


CANDIDATE_HEADERS = ["順位", "所属", "職員番号", "氏名", "職位", "点数", "理由"]


def _build_candidates(run: ReportRun, folder: Path, progress) -> dict:
    """Ranked rows stream from SQL to both files and to a staging file of entries,
    which ``store_with_run`` loads beside the run when it is published: nothing that
    grows with the number of staff is kept in memory."""
    stream = CandidateStream(organization=run.organization, as_of=run.as_of)
    snapshot = stream.criteria
    xlsx = _xlsx_with_sheets(
        run,
        [
            ("候補者", CANDIDATE_HEADERS, [6, 18, 10, 14, 14, 8, 70]),
            ("候補者のいない所属", ["所属"], [30]),
            ("選定基準", ["項目", "設定"], [36, 50]),
        ],
    )
    csv_path = folder / "candidates.csv"
    entries_path = folder / "candidates.jsonl"
    count = _write_candidates(stream, xlsx, csv_path, entries_path)
    uncovered = stream.uncovered()
    for section in uncovered:
        xlsx.append("候補者のいない所属", [section["name"]])
    for label, value in criteria_in_words(snapshot, stream.categories.values()):
        xlsx.append("選定基準", [label, value])
    xlsx_path = folder / "candidates.xlsx"
    xlsx.save(xlsx_path)
    progress(count)
    return {
        "xlsx": xlsx_path,
        "csv": csv_path,
        "entries": entries_path,
        "rows": count,
        "summary": {
            "candidate_count": count,
            "uncovered": uncovered,
            "heatmap": stream.heatmap(),
        },
        "criteria": snapshot,
    }


def _write_candidates(stream, xlsx, csv_path: Path, entries_path: Path) -> int:
    """Each candidate, in the report's order, to the sheet, the CSV and one line of
    the staging file (``ENTRY_FIELDS``); how many."""
    count = 0
    with (
        csv_path.open("w", encoding="utf-8", newline="") as csv_stream,
        entries_path.open("w", encoding="utf-8") as entries,
    ):
        csv_report = CsvReport(csv_stream, CANDIDATE_HEADERS)
        for candidate in stream:
            reasons = candidate.reasons_text
            values = [
                candidate.rank,
                candidate.department,
                candidate.staff_number,
                candidate.name,
                candidate.position,
                candidate.score,
                reasons,
            ]
            xlsx.append("候補者", values)
            csv_report.append(values)
            entry = {
                "position": count,
                "user_id": candidate.user_id,
                "department_id": candidate.department_id,
                "department_name": candidate.department,
                "rank": candidate.rank,
                "staff_number": candidate.staff_number,
                "name": candidate.name,
                "position_name": candidate.position,
                "score": candidate.score,
                "reasons": reasons,
            }
            entries.write(json.dumps(entry, ensure_ascii=False) + "\n")
            count += 1
    return count


ENTRY_FIELDS = (
    "position",
    "user_id",
    "department_id",
    "department_name",
    "rank",
    "staff_number",
    "name",
    "position_name",
    "score",
    "reasons",
)


def store_with_run(run: ReportRun, built: dict) -> None:
    """Inside the transaction that publishes ``run``: store the rows that go with it
    (a candidate report's entries, read back from the staging file) and what changed
    since the previous report. Sets ``run.summary`` first.

    The entries go in as one ``executemany`` fed line by line from the file: one
    statement and constant memory, however many candidates there are.
    """
    run.summary = built["summary"]
    path = built.get("entries")
    if path is None:
        return
    run.candidates.all().delete()  # a former build of the same run, if any
    meta = CandidateEntry._meta
    columns = ["run_id", *ENTRY_FIELDS]
    sql = "INSERT INTO {table} ({columns}) VALUES ({values})".format(
        table=connection.ops.quote_name(meta.db_table),
        columns=", ".join(connection.ops.quote_name(meta.get_field(c).column) for c in columns),
        values=", ".join(["%s"] * len(columns)),
    )
    with path.open(encoding="utf-8") as lines, connection.cursor() as cursor:
        cursor.executemany(
            sql,
            ([run.pk, *(entry[name] for name in ENTRY_FIELDS)] for entry in map(json.loads, lines)),
        )
    run.summary["changes"] = _changes_since_previous(run)


def _changes_since_previous(run: ReportRun) -> dict | None:
    """Compare with the organisation's previous candidate report: criteria, and who
    came in and went out, in SQL over both runs' entries (no listing in memory).
    The first ``CHANGES_LISTED`` of each are kept by entry id, so the page reads
    names from the entries (which anonymisation clears), never from the summary."""
    previous = (
        ReportRun.objects.filter(
            organization=run.organization,
            kind=run.kind,
            status__in=ReportRun.FINISHED,
        )
        .exclude(pk=run.pk)
        .filter(as_of__lte=run.as_of)
        .order_by("-as_of", "-created_at")
        .only("pk", "as_of", "criteria", "summary")
        .first()
    )
    if previous is None:
        return None
    current = CandidateEntry.objects.filter(run=run)
    before = CandidateEntry.objects.filter(run=previous)
    added = current.exclude(user_id__in=before.values("user_id"))
    removed = before.exclude(user_id__in=current.values("user_id"))
    return {
        "previous_id": previous.pk,
        "previous_as_of": previous.as_of.isoformat(),
        "criteria": previous.criteria or {},
        "areas": (previous.summary.get("heatmap") or {}).get("areas", []),
        "people": {
            "added": _first_ids(added),
            "removed": _first_ids(removed),
            "added_count": added.count(),
            "removed_count": removed.count(),
        },
    }


def _first_ids(entries) -> list[int]:
    return list(entries.order_by("position").values_list("pk", flat=True)[:CHANGES_LISTED])


# What the printed pages of a report's workbook are headed with.
FILE_TITLES = {
    ReportRun.Kind.HR_COMPLETION: _("Training completion"),
    ReportRun.Kind.DX_CANDIDATES: _("DX promotion leader candidates"),
}


def _xlsx_with_sheets(run: ReportRun, sheets):
    report = XlsxReport(
        PrintHeading(
            town=run.organization.name,
            title=str(FILE_TITLES[run.kind]),
            as_of=run.as_of,
            fiscal_year=run.fiscal_year,
        )
    )
    for title, headers, widths in sheets:
        report.add_sheet(title, headers, widths)
    return report


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def attach(field, path: Path, name: str) -> None:
    with path.open("rb") as stream:
        field.save(name, File(stream), save=False)
