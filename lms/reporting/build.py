"""Build report files for a ReportRun: streamed rows → XLSX + CSV on private storage."""

import csv
import datetime
import hashlib
import io
import itertools
import json
import shutil
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from django.core.files import File
from django.db import connection
from django.utils.translation import gettext_lazy as _

from courses.curriculum import Curriculum
from lms.leaders.candidates import CHANGES_LISTED, CandidateStream
from lms.leaders.forms import criteria_in_words
from lms.models import CandidateEntry, Department, Position, ReportRun
from lms.reporting.completion import (
    OVERDUE_LABEL,
    completion_tallies,
    person_course_rows,
    person_csv_blocks,
)
from lms.spreadsheets import (
    DATE_FORMAT,
    PERCENT_FORMAT,
    CsvReport,
    Percent,
    PrintHeading,
    XlsxReport,
    csv_unescaped,
    xlsx_text,
    xlsx_value,
)

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
    "記録",
    # A renewal course's expiry date (docs/renewal.md): of the latest completion by the
    # as-of day, valid before it, due again from it; empty for other courses.
    "失効日",
]
TALLY_HEADERS = ["対象", "修了", "受講中", "未着手", "期限超過", "免除", "修了率"]


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
        OVERDUE_LABEL if row.overdue else "",
        row.record_label,
        row.expires_on,
    ]


# 期限 and 失効日; 修了日時 is a date-time (the workbook's format)
PERSON_FORMATS = {7: DATE_FORMAT, 13: DATE_FORMAT}
DEPARTMENT_SHEET = (
    "所属別",
    ["所属", "階層", "コース", *TALLY_HEADERS],
    [24, 8, 36, 8, 8, 8, 8, 8, 8, 8],
)
POSITION_SHEET = ("職位別", ["職位", *TALLY_HEADERS], [20, 8, 8, 8, 8, 8, 8, 8])
PERSON_WIDTHS = [10, 14, 18, 14, 24, 36, 10, 12, 18, 8, 8, 8, 10, 12]
TALLY_FORMATS = {"所属別": {9: PERCENT_FORMAT}, "職位別": {7: PERCENT_FORMAT}}


def _build_completion(run: ReportRun, folder: Path, progress) -> dict:
    """The tallies (grouped in SQL) and the per-person rows (one pass, while the workbook
    is written: each line goes to the CSV and to the per-person sheet).

    On PostgreSQL, outside a transaction, the two queries run at the same time on two
    connections (``_beside``): the tallies in a thread while the per-person ``COPY``
    is started here, so the database computes both on two cores; the workbook, whose
    tally sheets come first, is written once both have answered."""
    curriculum = Curriculum.load()
    tallies = _beside(lambda: _tallies_and_names(run, curriculum))
    summary_rows, position_rows = [], []
    csv_path = folder / "completion.csv"
    counted = {"rows": 0}
    people = _started(
        person_file_rows(
            organization=run.organization,
            as_of=run.as_of,
            curriculum=curriculum,
            csv_path=csv_path,
            counted=counted,
            progress=progress,
        )
    )
    # Read while the COPY holds the connection: the tally sheets need no query.
    summary, departments, positions = tallies()
    xlsx = _xlsx(run)
    title, headers, widths = DEPARTMENT_SHEET
    xlsx.add_sheet(
        title,
        headers,
        widths,
        rows=_department_tallies(departments, curriculum, summary, summary_rows),
        formats=TALLY_FORMATS[title],
    )
    title, headers, widths = POSITION_SHEET
    xlsx.add_sheet(
        title,
        headers,
        widths,
        rows=_position_tallies(summary, positions, position_rows),
        formats=TALLY_FORMATS[title],
    )
    xlsx.add_sheet(
        "個人別",
        PERSON_HEADERS,
        PERSON_WIDTHS,
        prepared=True,
        rows=people,
        formats=PERSON_FORMATS,
    )
    xlsx_path = folder / "completion.xlsx"
    xlsx.save(xlsx_path)
    rows = counted["rows"]
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


def _beside(function):
    """Start ``function`` on a connection of its own in a thread (PostgreSQL, not inside
    a transaction: another connection would not see uncommitted rows), or call it now;
    returns a callable that gives its result."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        result = function()
        return lambda: result

    def on_its_own_connection():
        try:
            return function()
        finally:
            connection.close()  # this thread's connection

    executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="report-tallies")
    future = executor.submit(on_its_own_connection)
    executor.shutdown(wait=False)
    return future.result


def _started(rows):
    """A generator run up to its first row now (its query sent and answered), the rest
    left to read."""
    first = next(rows, _NONE)
    return iter(()) if first is _NONE else itertools.chain([first], rows)


_NONE = object()


def person_file_rows(
    *, organization, as_of, curriculum, csv_path: Path, counted: dict, progress, sheet=True
):
    """Each person's courses for the per-person sheet, the CSV written on the way.

    On PostgreSQL the CSV is the text of ``COPY`` (``person_csv_blocks``: escaped, Japan
    time and labels done in SQL) written as it comes, and the sheet's values are read
    back from the same lines: the apostrophe of the CSV's escaping taken off
    (``csv_unescaped``), dates and numbers typed. Elsewhere the rows come from
    ``person_course_rows`` and the CSV is written by ``CsvReport``. Either way the sheet
    holds what the CSV says (completion times to the minute)."""
    with csv_path.open("wb") as csv_stream:
        if connection.vendor == "postgresql":
            csv_stream.write(("\ufeff" + _csv_header(PERSON_HEADERS)).encode())
            blocks = person_csv_blocks(
                organization=organization, as_of=as_of, curriculum=curriculum
            )
            yield from _rows_of_blocks(blocks, csv_stream, counted, progress, sheet=sheet)
            return
        # Elsewhere: ``CsvReport`` writes each row; the sheet gets them in the forms the
        # workbook stores (``xlsx_value``), Japan time to the minute as in the CSV.
        text = io.TextIOWrapper(csv_stream, encoding="utf-8", newline="", write_through=True)
        csv_report = CsvReport(text, PERSON_HEADERS)
        for row in person_course_rows(
            organization=organization, as_of=as_of, curriculum=curriculum
        ):
            values = person_values(row)
            csv_report.append(values)
            values = [xlsx_value(value) for value in values]
            if values[8] is not None:
                values[8] = values[8].replace(second=0)
            values[11] = values[11] or None
            values[12] = values[12] or None
            counted["rows"] += 1
            if counted["rows"] % 500 == 0:
                progress(counted["rows"])
            yield values
        text.detach()


def person_csv_only(*, organization, as_of, curriculum, stream) -> int:
    """The per-person CSV alone, as the job writes it (bench/: the file without the
    workbook), copied into a binary ``stream``; the number of rows."""
    counted = {"rows": 0}
    path = Path(tempfile.mkdtemp(prefix="shinka-csv-")) / "person.csv"
    try:
        for _values in person_file_rows(
            organization=organization,
            as_of=as_of,
            curriculum=curriculum,
            csv_path=path,
            counted=counted,
            progress=lambda done: None,
            sheet=False,
        ):
            pass
        with path.open("rb") as written:
            shutil.copyfileobj(written, stream)
    finally:
        shutil.rmtree(path.parent, ignore_errors=True)
    return counted["rows"]


def _rows_of_blocks(blocks, csv_stream, counted: dict, progress, *, sheet: bool):
    """Write each COPY block to the CSV (CRLF line ends, as ``CsvReport``), then read its
    lines back as the sheet's values (unless ``sheet`` is false: the CSV alone)."""
    fromisoformat = datetime.date.fromisoformat
    stamp = datetime.datetime.fromisoformat
    for block in blocks:
        csv_stream.write(block.replace(b"\n", b"\r\n"))
        if not sheet:
            counted["rows"] += block.count(b"\n")
            continue
        for fields in csv.reader(io.StringIO(xlsx_text(block.decode("utf-8")))):
            (
                staff,
                name,
                department,
                position,
                track,
                course,
                status,
                due,
                completed,
                done,
                total,
                overdue,
                record,
                expires,
            ) = fields
            counted["rows"] += 1
            # Only text that starts with an apostrophe can have been escaped.
            yield [
                csv_unescaped(staff) if staff[:1] == "'" else staff,
                csv_unescaped(name) if name[:1] == "'" else name,
                csv_unescaped(department) if department[:1] == "'" else department,
                csv_unescaped(position) if position[:1] == "'" else position,
                csv_unescaped(track) if track[:1] == "'" else track,
                csv_unescaped(course) if course[:1] == "'" else course,
                status,
                fromisoformat(due) if due else None,
                stamp(completed) if completed else None,
                int(done),
                int(total),
                overdue or None,
                record or None,
                fromisoformat(expires) if expires else None,
            ]
        progress(counted["rows"])


def _csv_header(headers) -> str:
    text = io.StringIO()
    csv.writer(text, lineterminator="\r\n").writerow(headers)
    return text.getvalue()


def _tallies_and_names(run: ReportRun, curriculum):
    """The HR figures and what their sheets name: the town's departments, the positions."""
    summary = completion_tallies(
        organization=run.organization, as_of=run.as_of, curriculum=curriculum
    )
    departments = list(Department.objects.filter(organization=run.organization))
    positions = Position.objects.in_bulk(list(summary.by_position))
    return summary, departments, positions


def _department_tallies(departments, curriculum, summary, summary_rows: list):
    """Each department with anyone assigned (its units rolled up): all courses, then
    each course. Fills ``summary_rows`` (the departments' tallies for the dashboard)."""
    rolled = summary.rolled_up(departments)
    rolled_courses = summary.rolled_up_by_course(departments)
    for department in departments:
        tally = rolled[department.id]
        if not (tally.assigned or tally.exempt):
            continue
        yield [department.name, department.get_level_display(), "（全コース）", *_tally(tally)]
        for course_id, course in curriculum.courses.items():
            own = rolled_courses.get((department.id, course_id))
            if own and (own.assigned or own.exempt):
                yield [department.name, department.get_level_display(), course.title, *_tally(own)]
        summary_rows.append(
            {
                "id": department.id,
                "name": department.name,
                "path": department.path,
                "level": department.level,
                **tally.as_dict(),
            }
        )


def _position_tallies(summary, positions, position_rows: list):
    """Each position, by rank. Fills ``position_rows`` (the positions' tallies for the
    dashboard's 職位別)."""
    for position_id, tally in sorted(
        summary.by_position.items(), key=lambda i: positions[i[0]].rank
    ):
        name = positions[position_id].name
        position_rows.append({"id": position_id, "name": name, **tally.as_dict()})
        yield [name, *_tally(tally)]


def _tally(tally) -> list:
    return [
        tally.assigned,
        tally.completed,
        tally.in_progress,
        tally.not_started,
        tally.overdue,
        tally.exempt,
        Percent(tally.rate),
    ]


CANDIDATE_HEADERS = ["順位", "所属", "職員番号", "氏名", "職位", "点数", "理由"]


def _build_candidates(run: ReportRun, folder: Path, progress) -> dict:
    """Ranked rows stream from SQL to both files and to a staging file of entries,
    which ``store_with_run`` loads beside the run when it is published: nothing that
    grows with the number of staff is kept in memory. The workbook is written as the
    rows come (sheet by sheet: the sections without a candidate are known once every
    candidate has been read)."""
    stream = CandidateStream(organization=run.organization, as_of=run.as_of)
    snapshot = stream.criteria
    csv_path = folder / "candidates.csv"
    entries_path = folder / "candidates.jsonl"
    counted = {"rows": 0}
    found = {}
    xlsx = _xlsx(run)
    xlsx.add_sheet(
        "候補者",
        CANDIDATE_HEADERS,
        [6, 18, 10, 14, 14, 8, 70],
        rows=_candidate_rows(stream, csv_path, entries_path, counted),
    )
    xlsx.add_sheet("候補者のいない所属", ["所属"], [30], rows=_uncovered_rows(stream, found))
    xlsx.add_sheet(
        "選定基準",
        ["項目", "設定"],
        [36, 50],
        rows=criteria_in_words(snapshot, stream.categories.values()),
    )
    xlsx_path = folder / "candidates.xlsx"
    xlsx.save(xlsx_path)
    count = counted["rows"]
    progress(count)
    return {
        "xlsx": xlsx_path,
        "csv": csv_path,
        "entries": entries_path,
        "rows": count,
        "summary": {
            "candidate_count": count,
            "uncovered": found["uncovered"],
            "heatmap": stream.heatmap(),
        },
        "criteria": snapshot,
    }


def _uncovered_rows(stream, found: dict):
    """The sections without a candidate: read after every candidate (the sheet before)."""
    found["uncovered"] = stream.uncovered()
    for section in found["uncovered"]:
        yield [section["name"]]


def _candidate_rows(stream, csv_path: Path, entries_path: Path, counted: dict):
    """Each candidate, in the report's order, for the sheet, written on the way to the
    CSV and as one line of the staging file (``ENTRY_FIELDS``); counted."""
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
            csv_report.append(values)
            entry = {
                "position": counted["rows"],
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
            counted["rows"] += 1
            yield values


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


def _xlsx(run: ReportRun) -> XlsxReport:
    return XlsxReport(
        PrintHeading(
            town=run.organization.name,
            title=str(FILE_TITLES[run.kind]),
            as_of=run.as_of,
            fiscal_year=run.fiscal_year,
        )
    )


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def attach(field, path: Path, name: str) -> None:
    with path.open("rb") as stream:
        field.save(name, File(stream), save=False)
