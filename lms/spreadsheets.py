"""Excel and CSV output that opens cleanly in Japanese offices.

- CSV: cells that Excel would read as formulas (=, +, -, @, tab, CR at the start)
  are prefixed with an apostrophe (OWASP ASVS 5.0 1.2.10): a CSV cell has no type,
  so Excel would run them.
- XLSX: every string is written as a string cell (an inline string, ``t="inlineStr"``),
  never as a formula (nor as an error value such as "#N/A"), so it is shown as typed,
  without an apostrophe.
- Every XLSX sheet prints readably: landscape A4, as wide as one page, the header row
  on every page, the town, the report, the fiscal year (和暦 too) and the as-of date
  in the page header, page numbers in the footer (``PrintHeading``).
- CSV is UTF-8 with a BOM by default (Excel shows mojibake without it); CP932 on
  download for older tools, with unencodable characters replaced.
- XLSX is written by rustpy-xlsxwriter (rust_xlsxwriter), chosen by measurement
  (bench/README.md, "The XLSX writer"): an order of magnitude faster than openpyxl's
  write-only mode on the HR report's rows, each sheet streamed to disk (constant memory),
  strings inline. It takes each column's cell type from its first values, so
  ``XlsxReport`` keeps every column to one kind of value (a stray value of another kind
  is written as its text) and gives date and percentage columns their number format.
"""

import csv
import datetime
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.http import HttpResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from courses.fiscal import fiscal_year_of, japanese_fiscal_year


class Percent(float):
    """A ratio shown as a percentage: a number in Excel, "29.3%" in CSV."""

    def __str__(self):
        return f"{float(self):.1%}"


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
# Control characters an XLSX file cannot hold (XML 1.0), as openpyxl defines them.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")


def local_value(value):
    """Aware date-times in Japan time, without a zone (Excel has none)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def csv_safe(value):
    """A value for a CSV cell that Excel shows as text, never evaluates.

    Text that starts with a formula character, after any apostrophes, gets one more
    apostrophe in front: "=1+1" → "'=1+1", "'=1+1" → "''=1+1". Counting the apostrophes
    makes the escape reversible (``csv_unescaped``), so the XLSX can be read from the
    same lines without guessing whether an apostrophe was typed."""
    value = local_value(value)
    if isinstance(value, str) and value.lstrip("'").startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_unescaped(text: str) -> str:
    """The text ``csv_safe`` escaped, as typed."""
    if text.startswith("'") and text.lstrip("'").startswith(FORMULA_PREFIXES):
        return text[1:]
    return text


def csv_safe_sql(expression: str) -> str:
    """``csv_safe`` of a text column in PostgreSQL (the per-person CSV's ``COPY``)."""
    first = f"left(ltrim({expression}, ''''), 1)"
    return (
        f"CASE WHEN {first} IN ('=', '+', '-', '@', chr(9), chr(13)) "
        f"THEN '''' || {expression} ELSE {expression} END"
    )


def csv_text(value) -> str:
    value = csv_safe(value)
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


@dataclass(frozen=True)
class PrintHeading:
    """What each printed page of a workbook says at its top: the town (left), the
    report and the sheet (centre), the fiscal year and the as-of date (right)."""

    town: str
    title: str
    as_of: datetime.date
    fiscal_year: int | None = None  # the as-of date's when not given

    @property
    def left(self) -> str:
        return self.town

    @property
    def center(self) -> str:
        return self.title

    @property
    def right(self) -> str:
        fiscal_year = (
            self.fiscal_year if self.fiscal_year is not None else fiscal_year_of(self.as_of)
        )
        return _("%(japanese)s (fiscal year %(year)s), as of %(date)s") % {
            "japanese": japanese_fiscal_year(fiscal_year),
            "year": fiscal_year,
            "date": date_format(self.as_of, "DATE_FORMAT"),
        }


def _header_text(text: str) -> str:
    """Plain text in a page header or footer: "&" starts a code there."""
    return text.replace("&", "&&")


DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm"
PERCENT_FORMAT = "0.0%"
HEADER_FILL = "#DDEBF7"
A4 = 9

# What kind of cell a value makes; a column holds one kind (and empty cells).
_NUMBER, _DATE, _DATETIME, _BOOL = "number", "date", "datetime", "bool"


def xlsx_value(value):
    """A value as the workbook stores it: text without the characters an XLSX cannot
    hold, date-times in Japan time to the second, percentages as fractions."""
    kind = type(value)
    if kind is str:
        if ILLEGAL_CHARACTERS_RE.search(value):  # characters an XLSX file cannot hold
            return ILLEGAL_CHARACTERS_RE.sub("", value)
        return value
    if value is None or kind is int or kind is float or kind is bool:
        return value
    if isinstance(value, Percent):
        return float(value)
    if isinstance(value, datetime.datetime):
        return local_value(value).replace(microsecond=0, tzinfo=None)
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float | Decimal):
        return float(value) if isinstance(value, Decimal) else value
    return xlsx_value(str(value))  # lazy translations, UUIDs, …: their text


def xlsx_text(text: str) -> str:
    """Text without the characters an XLSX file cannot hold (a whole block at once)."""
    return ILLEGAL_CHARACTERS_RE.sub("", text)


def _kind(value) -> str | None:
    if value is None or isinstance(value, str):
        return None  # text fits any column
    if isinstance(value, bool):
        return _BOOL
    if isinstance(value, datetime.datetime):
        return _DATETIME
    if isinstance(value, datetime.date):
        return _DATE
    return _NUMBER


class _Sheet:
    def __init__(self, title, headers, widths, rows, formats, prepared=False):
        self.title, self.headers, self.widths = title, list(headers), list(widths)
        self.streamed = rows is not None
        self.prepared = prepared
        self.rows = rows if rows is not None else []
        self.formats = dict(formats or {})
        self.kinds: list[str | None] = [None] * len(self.headers)
        if len(set(self.headers)) != len(self.headers):
            raise ValueError(f"Sheet {title!r} repeats a column heading.")

    def infer_formats(self) -> None:
        """A buffered sheet's number formats from its values: dates and percentages."""
        for values in self.rows:
            for index, value in enumerate(values):
                if index in self.formats:
                    continue
                if isinstance(value, Percent):
                    self.formats[index] = PERCENT_FORMAT
                elif _kind(value) == _DATE:
                    self.formats[index] = DATE_FORMAT

    def records(self):
        """Each row as the writer takes it ({heading: value}), every column kept to the
        kind of its first typed value; the header alone when there is no row."""
        headers, kinds, formats = self.headers, self.kinds, self.formats
        if self.prepared:
            written = False
            for values in self.rows:
                written = True
                yield dict(zip(headers, values, strict=True))
            if not written:
                yield dict.fromkeys(headers)
            return
        for index, number_format in formats.items():
            kinds[index] = _DATE if number_format == DATE_FORMAT else _NUMBER
        written = False
        for values in self.rows:
            cells = [xlsx_value(value) for value in values]
            for index, value in enumerate(cells):
                if value is None or type(value) is str:
                    continue
                kind = _kind(value)
                expected = kinds[index]
                if expected is None:
                    kinds[index] = kind
                elif kind != expected:
                    # The writer would format it as the column's first values (a
                    # date-time in a date column would lose its time): its text.
                    cells[index] = _text_of(value)
            written = True
            yield dict(zip(headers, cells, strict=True))
        if not written:
            yield dict.fromkeys(headers)  # writes the header row only


def _text_of(value) -> str:
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class XlsxReport:
    """A workbook written when saved; sheets are declared first and may be filled in any
    order, with ``append`` (rows kept until saved: short sheets) or as a ``rows`` iterable
    that is read while the file is written (long sheets: memory stays flat). Streamed
    sheets name their date and percentage columns (``formats``: column index → number
    format); a buffered sheet's are found from its values.

    Each sheet is set up for printing, headed with ``heading`` (``PrintHeading``); every
    file the platform hands out has one (bench/ measures the writer without)."""

    def __init__(self, heading: PrintHeading | None = None):
        self.heading = heading
        self.sheets: dict[str, _Sheet] = {}

    def add_sheet(
        self,
        title: str,
        headers: list[str],
        widths: list[int],
        *,
        rows: Iterable | None = None,
        formats: dict[int, str] | None = None,
        prepared: bool = False,
    ) -> None:
        """``prepared``: the streamed rows already hold what the workbook stores
        (``xlsx_value``'s forms, text through ``xlsx_text``, one kind of value per
        column), so they go to the writer as they are: the long per-person sheet, whose
        values are typed as they are read (lms/reporting/build.py)."""
        if prepared and rows is None:
            raise ValueError("Only a streamed sheet can be prepared.")
        self.sheets[title] = _Sheet(title, headers, widths, rows, formats, prepared)

    def append(self, title: str, values: Iterable) -> None:
        sheet = self.sheets[title]
        if sheet.streamed:
            raise ValueError(f"Sheet {title!r} is streamed from its rows.")
        sheet.rows.append(list(values))

    def _page_setup(self, sheet: _Sheet) -> dict:
        """Landscape A4, one page wide (as many pages down as it takes), the header row
        on every page, the heading at the top and page numbers at the bottom."""
        setup = {
            "landscape": True,
            "paper_size": A4,
            "fit_to_pages": (1, 0),
            "repeat_rows": 0,
            "print_gridlines": True,
            "footer": "&C" + _("Page &P of &N"),
        }
        heading = self.heading
        if heading is not None:
            center = heading.center
            if sheet.title not in center:  # the sheet's name, unless the title says it
                center = f"{center}（{sheet.title}）"
            setup["header"] = "".join(
                (
                    "&L",
                    _header_text(heading.left),
                    "&C",
                    _header_text(center),
                    "&R",
                    _header_text(heading.right),
                )
            )
        return setup

    def save(self, target) -> None:
        """Write the workbook to a path or a binary stream, reading each streamed sheet's
        rows as it goes (sheet by sheet, in the order they were added)."""
        from rustpy_xlsxwriter import Format, write_worksheets

        sheets = list(self.sheets.values())
        for sheet in sheets:
            if not sheet.streamed:
                sheet.infer_formats()
        header = Format().set_bold().set_background_color(HEADER_FILL)
        if isinstance(target, Path):
            target = str(target)
        write_worksheets(
            [(sheet.title, sheet.records()) for sheet in sheets],
            target,
            freeze_panes={sheet.title: {"row": 1, "col": 0} for sheet in sheets},
            datetime_format=DATETIME_FORMAT,
            column_widths={sheet.title: sheet.widths for sheet in sheets},
            column_formats={
                sheet.title: {
                    sheet.headers[index]: Format().set_num_format(number_format)
                    for index, number_format in sheet.formats.items()
                }
                for sheet in sheets
                if sheet.formats
            },
            header_format={sheet.title: header for sheet in sheets},
            page_setup={sheet.title: self._page_setup(sheet) for sheet in sheets},
        )


class CsvReport:
    """CSV rows written to a text file as UTF-8 with a BOM."""

    def __init__(self, stream: io.TextIOBase, headers: list[str]):
        stream.write("\ufeff")
        self.writer = csv.writer(stream, lineterminator="\r\n")
        self.writer.writerow(headers)

    def append(self, values: Iterable) -> None:
        self.writer.writerow([csv_text(v) for v in values])


def csv_download(stream_text: str, *, filename: str, encoding: str) -> HttpResponse:
    """A ``CsvReport``'s text as a private, uncached attachment: UTF-8 with its BOM, or
    (``encoding="cp932"``) CP932 without it, characters it cannot hold as "?". The file
    name is kept to ASCII letters, digits and ``._-`` (others become "_")."""
    if encoding == "cp932":
        body = stream_text.removeprefix("\ufeff").encode("cp932", errors="replace")
    else:
        encoding, body = "utf-8", stream_text.encode("utf-8")
    response = HttpResponse(body, content_type=f"text/csv; charset={encoding}")
    safe = "".join(c if c.isascii() and (c.isalnum() or c in "._-") else "_" for c in filename)
    response["Content-Disposition"] = f'attachment; filename="{safe}"'
    patch_cache_control(response, no_store=True, private=True)
    return response


def transcode_to_cp932(lines: Iterable[bytes]) -> Iterator[bytes]:
    """Re-encode a stored UTF-8 (BOM) CSV as CP932 on the fly, line by line.

    Characters CP932 cannot hold (e.g. 𠮷) become "?": HR is told so on the page.
    """
    first = True
    for line in lines:
        text = line.decode("utf-8")
        if first:
            text = text.removeprefix("\ufeff")
            first = False
        yield text.encode("cp932", errors="replace")
