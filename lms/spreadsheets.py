"""Excel and CSV output that opens cleanly in Japanese offices.

- Cells that Excel would read as formulas (=, +, -, @, tab, CR at the start)
  are prefixed with an apostrophe (OWASP ASVS 5.0 1.2.10).
- CSV is UTF-8 with a BOM by default (Excel shows mojibake without it); CP932
  is offered on download for older tools, with unencodable characters replaced.
- XLSX is written with openpyxl's write-only mode: rows go straight to disk.
"""

import csv
import datetime
import io
from collections.abc import Iterable, Iterator

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font, PatternFill


class Percent(float):
    """A ratio shown as a percentage: a number in Excel, "29.3%" in CSV."""

    def __str__(self):
        return f"{float(self):.1%}"


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")


def safe_cell(value):
    """A value that Excel shows as text, never evaluates."""
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def csv_text(value) -> str:
    value = safe_cell(value)
    if value is None:
        return ""
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


class XlsxReport:
    """A write-only workbook; sheets are declared first and may be filled in any order."""

    def __init__(self):
        self.workbook = Workbook(write_only=True)
        self.sheets = {}

    def add_sheet(self, title: str, headers: list[str], widths: list[int]):
        sheet = self.workbook.create_sheet(title=title)
        for index, width in enumerate(widths):
            sheet.column_dimensions[_column_letter(index)].width = width
        sheet.freeze_panes = "A2"
        header = []
        for text in headers:
            cell = WriteOnlyCell(sheet, value=text)
            cell.font = HEADER_FONT
            cell.fill = HEADER_FILL
            header.append(cell)
        sheet.append(header)
        self.sheets[title] = sheet
        return sheet

    def append(self, title: str, values: Iterable) -> None:
        sheet = self.sheets[title]
        sheet.append([self._cell(sheet, value) for value in values])

    @staticmethod
    def _cell(sheet, value):
        value = safe_cell(value)
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
