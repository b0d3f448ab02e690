"""Excel and CSV output that opens cleanly in Japanese offices.

- CSV: cells that Excel would read as formulas (=, +, -, @, tab, CR at the start)
  are prefixed with an apostrophe (OWASP ASVS 5.0 1.2.10): a CSV cell has no type,
  so Excel would run them.
- XLSX: every string is written as a string cell (an inline string, ``t="inlineStr"``),
  never as a formula, so it is shown as typed, without an apostrophe; openpyxl alone
  would turn a string that starts with "=" into a formula.
- Every XLSX sheet prints readably: landscape A4, as wide as one page, the header row
  on every page, the town, the report, the fiscal year (和暦 too) and the as-of date
  in the page header, page numbers in the footer (``PrintHeading``).
- CSV is UTF-8 with a BOM by default (Excel shows mojibake without it); CP932 on
  download for older tools, with unencodable characters replaced.
- XLSX is written with openpyxl's write-only mode: rows go straight to disk.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ERROR_CODES, ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font, PatternFill
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from courses.fiscal import fiscal_year_of, japanese_fiscal_year


class Percent(float):
    """A ratio shown as a percentage: a number in Excel, "29.3%" in CSV."""

    def __str__(self):
        return f"{float(self):.1%}"


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def local_value(value):
    """Aware date-times in Japan time, without a zone (Excel has none)."""
    if isinstance(value, datetime.datetime) and timezone.is_aware(value):
        return timezone.localtime(value).replace(tzinfo=None)
    return value


def csv_safe(value):
    """A value for a CSV cell that Excel shows as text, never evaluates."""
    value = local_value(value)
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


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


class XlsxReport:
    """A write-only workbook; sheets are declared first and may be filled in any order.

    Each sheet is set up for printing, headed with ``heading`` (``PrintHeading``); every
    file the platform hands out has one (bench/ measures the writer without)."""

    def __init__(self, heading: PrintHeading | None = None):
        self.workbook = Workbook(write_only=True)
        self.heading = heading
        self.sheets = {}

    def add_sheet(self, title: str, headers: list[str], widths: list[int]):
        sheet = self.workbook.create_sheet(title=title)
        for index, width in enumerate(widths):
            sheet.column_dimensions[_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        self._set_up_printing(sheet)
        header = []
        for text in headers:
            cell = self._text_cell(sheet, text)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            header.append(cell)
        sheet.append(header)
        self.sheets[title] = sheet
        return sheet

    def _set_up_printing(self, sheet) -> None:
        """Landscape A4, one page wide (as many pages down as it takes), the header row
        on every page, the heading at the top and page numbers at the bottom. Set
        before the first row: a write-only sheet writes its properties with it."""
        sheet.page_setup.orientation = Worksheet.ORIENTATION_LANDSCAPE
        sheet.page_setup.paperSize = Worksheet.PAPERSIZE_A4
        sheet.page_setup.fitToWidth = 1
        sheet.page_setup.fitToHeight = 0
        sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
        sheet.print_title_rows = "1:1"
        sheet.print_options.gridLines = True
        sheet.oddFooter.center.text = _("Page &P of &N")
        heading = self.heading
        if heading is None:
            return
        sheet.oddHeader.left.text = _header_text(heading.left)
        center = heading.center
        if sheet.title not in center:  # the sheet's name, unless the title says it already
            center = f"{center}（{sheet.title}）"
        sheet.oddHeader.center.text = _header_text(center)
        sheet.oddHeader.right.text = _header_text(heading.right)

    def append(self, title: str, values: Iterable) -> None:
        sheet = self.sheets[title]
        sheet.append([self._cell(sheet, value) for value in values])

    @staticmethod
    def _text_cell(sheet, text: str):
        """A string cell, whatever the text starts with: openpyxl would make "=…" a
        formula and "#N/A" an error."""
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type = "s"
        return cell

    @classmethod
    def _cell(cls, sheet, value):
        value = local_value(value)
        if isinstance(value, str):
            if ILLEGAL_CHARACTERS_RE.search(value):  # characters an XLSX file cannot hold
                value = ILLEGAL_CHARACTERS_RE.sub("", value)
            if value.startswith("=") or value in ERROR_CODES:
                return cls._text_cell(sheet, value)
            return value  # openpyxl writes any other string as a string (the fast path)
        if isinstance(value, Percent):
            cell = WriteOnlyCell(sheet, value=float(value))
            cell.number_format = "0.0%"
            return cell
        if isinstance(value, datetime.datetime):
            cell = WriteOnlyCell(sheet, value=value.replace(microsecond=0))
            cell.number_format = "yyyy-mm-dd hh:mm"
            return cell
        if isinstance(value, datetime.date):
            cell = WriteOnlyCell(sheet, value=value)
            cell.number_format = "yyyy-mm-dd"
            return cell
        return value

    def save(self, path) -> None:
        self.workbook.save(path)


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


class CsvReport:
    """CSV rows written to a text file as UTF-8 with a BOM."""

    def __init__(self, stream: io.TextIOBase, headers: list[str]):
        stream.write("\ufeff")
        self.writer = csv.writer(stream, lineterminator="\r\n")
        self.writer.writerow(headers)

    def append(self, values: Iterable) -> None:
        self.writer.writerow([csv_text(v) for v in values])


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
