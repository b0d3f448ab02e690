"""Every report file read back cell by cell against the rows the job streamed to it.

The writer is chosen for speed (lms/spreadsheets.py); this is what keeps a faster
writer from quietly dropping a value or a format. Each sheet's rows are recorded on
their way into ``XlsxReport`` (a spy on ``add_sheet``); the saved workbook is read back
with openpyxl (read-only for the cells, as a whole for the sheet settings) and compared
cell by cell — value, type and number format — and the CSV line by line, with the
expectations written here, not taken from the code under test. Runs on the test
database's engine: SQLite (``CsvReport``) and, with ``DATABASE_URL`` on PostgreSQL, the
``COPY`` path.
"""

import csv
import datetime
import io
from zoneinfo import ZoneInfo

import openpyxl
import pytest

import lms.reporting.build as build
from assessments.models import SkillArea, SkillResult
from courses.services import module_complete
from lms.reporting.runs import report_build, report_request
from tests.lms.towns import AS_OF
from tests.lms.xlsx_checks import workbook

JST = ZoneInfo("Asia/Tokyo")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Written to the second; the files say it to the minute, in Japan time.
FINISHED = datetime.datetime(2026, 7, 1, 12, 34, 56, 789000, tzinfo=datetime.UTC)


@pytest.fixture
def streamed(monkeypatch):
    """{sheet title: (headers, formats, [rows as the job streamed or appended them])}."""
    sheets = {}
    real_add_sheet = build.XlsxReport.add_sheet
    real_append = build.XlsxReport.append

    def add_sheet(self, title, headers, widths, *, rows=None, formats=None, prepared=False):
        recorded = sheets[title] = (list(headers), dict(formats or {}), [])

        def recording(source):
            for values in source:
                values = list(values)
                recorded[2].append(values)
                yield values

        real_add_sheet(
            self,
            title,
            headers,
            widths,
            rows=None if rows is None else recording(rows),
            formats=formats,
            prepared=prepared,
        )

    def append(self, title, values):
        sheets[title][2].append(list(values))
        real_append(self, title, values)

    monkeypatch.setattr(build.XlsxReport, "add_sheet", add_sheet)
    monkeypatch.setattr(build.XlsxReport, "append", append)
    return sheets


def _built(organization, kind):
    run = report_request(organization=organization, kind=kind, as_of=AS_OF, trigger="command").run
    run = report_build(run_id=run.pk)
    run.refresh_from_db()
    with run.xlsx_file.open("rb") as stream:
        data = stream.read()
    with run.csv_file.open("rb") as stream:
        text = stream.read().decode("utf-8")
    return data, text


def _expected_cell(value):
    """What a cell read back holds for a streamed value: Japan time without a zone (to
    the second as the sheet stores it), a date as midnight (how Excel stores dates),
    an empty text as no cell, a percentage as its fraction."""
    if isinstance(value, datetime.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(JST).replace(tzinfo=None)
        return value.replace(microsecond=0)
    if isinstance(value, datetime.date):
        return datetime.datetime(value.year, value.month, value.day)
    if value == "":
        return None
    if isinstance(value, float):
        return float(value)
    return value


def _expected_format(value, column_format):
    if isinstance(value, datetime.datetime):
        return "yyyy-mm-dd hh:mm"
    if isinstance(value, datetime.date):
        return "yyyy-mm-dd"
    if isinstance(value, float) and column_format:
        return column_format
    return "General"


def _csv_field(value) -> str:
    """The CSV's text of a value, written out here: Japan time to the minute, and one
    more apostrophe before text that starts with a formula character after any."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return (
            value.astimezone(JST).strftime("%Y-%m-%d %H:%M")
            if value.tzinfo
            else (value.strftime("%Y-%m-%d %H:%M"))
        )
    if isinstance(value, datetime.date):
        return value.isoformat()
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_START):
        return "'" + value
    return str(value)


def _assert_sheets_read_back(data: bytes, streamed: dict) -> None:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    assert book.sheetnames == list(streamed)
    for title, (headers, formats, rows) in streamed.items():
        read = list(book[title].iter_rows())
        assert [cell.value for cell in read[0]] == headers, title
        body = [row for row in read[1:] if any(cell.value is not None for cell in row)]
        assert len(body) == len(rows), title
        for number, (cells, values) in enumerate(zip(body, rows, strict=True), start=2):
            cells = list(cells) + [None] * (len(values) - len(cells))
            for column, (cell, value) in enumerate(zip(cells, values, strict=True)):
                expected = _expected_cell(value)
                where = (title, number, headers[column], value)
                if expected is None:
                    assert cell is None or cell.value is None, where
                    continue
                assert cell.value == expected, where
                assert type(cell.value) is type(expected) or (
                    isinstance(expected, int) and isinstance(cell.value, float)
                ), where
                assert cell.number_format == _expected_format(value, formats.get(column)), where
                assert cell.is_date == isinstance(value, datetime.date), where
                if isinstance(value, str):
                    assert cell.data_type == "s", where  # text, never a formula
    whole = workbook(data)
    for sheet in whole:
        assert sheet.freeze_panes == "A2", sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        assert sheet.page_setup.orientation == "landscape", sheet.title
        assert int(sheet.page_setup.fitToWidth or 1) == 1, sheet.title  # absent: 1
        assert int(sheet.page_setup.fitToHeight) == 0, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        header = sheet[1]
        assert all(cell.font.b for cell in header), sheet.title
        assert {cell.fill.fgColor.rgb for cell in header} == {"FFDDEBF7"}, sheet.title


def _assert_csv_is_the_rows(text: str, headers: list[str], rows: list[list]) -> None:
    assert text.startswith("\ufeff")
    lines = text.removeprefix("\ufeff").split("\r\n")
    assert lines[-1] == ""  # every line ends in CRLF
    parsed = list(csv.reader(lines[:-1]))
    assert parsed[0] == headers
    assert len(parsed) - 1 == len(rows)
    for line, values in zip(parsed[1:], rows, strict=True):
        assert line == [_csv_field(v) for v in values]


@pytest.mark.usefixtures("town")
def test_the_hr_report_files_hold_every_streamed_cell_with_its_format(
    organization, make_staff, make_course, streamed
):
    make_staff("mado", family_name="=1+1", given_name="太郎", staff_number="Z9")
    make_staff("mado", family_name="'=2", given_name="花子", staff_number="-Z8")
    late = make_staff("jinji", family_name="秒", given_name="まで", staff_number="Y7")
    from courses.models import CoursePage, ModulePage

    # A renewal course: its 失効日 column holds a date (docs/renewal.md).
    renewing = CoursePage.objects.live().order_by("path").first()
    CoursePage.objects.filter(pk=renewing.pk).update(validity_months=12)
    for module in ModulePage.objects.live():
        module_complete(user=late, module=module, at=FINISHED)

    data, text = _built(organization, "hr_completion")

    assert list(streamed) == ["所属別", "職位別", "個人別"]
    headers, _formats, people = streamed["個人別"]
    assert people, "no per-person row"
    _assert_sheets_read_back(data, streamed)
    _assert_csv_is_the_rows(text, headers, people)
    # The values themselves, whichever path wrote them (COPY or Python):
    by_number = {row[0]: row for row in people}
    assert by_number["Z9"][1] == "=1+1 太郎"
    assert by_number["-Z8"][1] == "'=2 花子"  # typed with its apostrophe: kept as typed
    finished = {row[8] for row in people if row[0] == "Y7"}
    assert finished == {datetime.datetime(2026, 7, 1, 21, 34)}  # JST, to the minute
    assert all(isinstance(row[7], datetime.date) for row in people)
    assert headers[13] == "失効日"
    expiries = {(row[0], row[5]): row[13] for row in people}
    # Completed 2026-07-01 21:34 JST, valid 12 months: expires 2027-07-01; others none.
    assert expiries[("Y7", renewing.title)] == datetime.date(2027, 7, 1)
    assert {v for (n, title), v in expiries.items() if title != renewing.title} == {None}
    csv_lines = text.split("\r\n")
    assert any(line.startswith("'-Z8,''=2 花子,") for line in csv_lines)
    assert any(line.startswith("Z9,'=1+1 太郎,") for line in csv_lines)
    rates = [row[-1] for row in streamed["所属別"][2]]
    assert rates and all(isinstance(rate, float) for rate in rates)


def _level(user, code, level):
    SkillResult.objects.create(
        user=user,
        area=SkillArea.objects.get(code=code),
        level=level,
        evidence=[[level, 3, 3]],
        assessed_at=datetime.datetime(2026, 10, 1, tzinfo=datetime.UTC),
    )


def test_the_candidate_report_files_hold_every_streamed_cell(
    town, organization, make_staff, streamed
):
    person = make_staff("mado", family_name="=1+1", given_name="太郎", staff_number="Z9")
    for user in (person, town["people"]["a"]):
        _level(user, "caution", 3)
        _level(user, "data", 2)

    data, text = _built(organization, "dx_candidates")

    assert list(streamed) == ["候補者", "候補者のいない所属", "選定基準"]
    headers, _formats, candidates = streamed["候補者"]
    assert len(candidates) == 2
    assert streamed["選定基準"][2], "the criteria sheet is empty"
    _assert_sheets_read_back(data, streamed)
    _assert_csv_is_the_rows(text, headers, candidates)
