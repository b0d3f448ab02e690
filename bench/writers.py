"""``python -m bench writers``: which XLSX writer for the report files, by measurement.

The HR report's real per-person rows (the job's ``person_values``, read once from the
size's database) are written by every candidate with the features the report files
have — a bold, filled header row, frozen panes, column widths, date and date-time
formats, strings as text (never formulas), the print setup (landscape A4, one page wide,
the header row on every page, a page heading) — each in a fresh subprocess, rounds
rotating the order. Time and peak memory (RSS above what the process held before it
started writing: the rows themselves are not counted) are reported as ratios to the
fastest, measured in the same run; the file size too (openpyxl with lxml writes every
non-ASCII character as a numeric entity).

Candidates that are not installed are skipped (``pip install xlsxwriter pyexcelerate
rustpy-xlsxwriter``, or the ``bench`` extra).
"""

import datetime
import json
import os
import pickle
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

WIDTHS = [10, 14, 18, 14, 24, 36, 10, 12, 18, 8, 8, 8, 10]
HEADER_FILL = "DDEBF7"
DATE, DATETIME = "yyyy-mm-dd", "yyyy-mm-dd hh:mm"
HEADING = {"left": "ベンチ町", "center": "職員研修の受講状況（個人別）", "right": "令和8年度"}
SHEET = "個人別"

CANDIDATES = {
    "openpyxl write-only + lxml": ("openpyxl", {"OPENPYXL_LXML": "True"}),
    "openpyxl write-only (no lxml)": ("openpyxl", {"OPENPYXL_LXML": "False"}),
    "xlsxwriter constant_memory": ("xlsxwriter", {}),
    "rustpy-xlsxwriter": ("rustpy", {}),
    "pyexcelerate": ("pyexcelerate", {}),
}
# What a candidate cannot write of the report's features (found while writing these).
MISSING = {
    "pyexcelerate": "print setup (orientation, fit to width, print titles, page heading); "
    "holds the whole workbook in memory; a string starting with '=' becomes a formula",
    "rustpy": "one cell format per column (a column's type is taken from its first "
    "values: a date-time after a date in the same column loses its time) — "
    "lms.spreadsheets keeps every column to one type",
}


def _vm_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


# --- the candidates (each in a fresh process) -----------------------------------------


def write_openpyxl(headers, rows, path):
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font, PatternFill
    from openpyxl.worksheet.properties import PageSetupProperties

    book = Workbook(write_only=True)
    sheet = book.create_sheet(SHEET)
    for index, width in enumerate(WIDTHS):
        sheet.column_dimensions[chr(65 + index)].width = width
    sheet.freeze_panes = "A2"
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = 9
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "1:1"
    sheet.oddHeader.left.text = HEADING["left"]
    sheet.oddHeader.center.text = HEADING["center"]
    sheet.oddHeader.right.text = HEADING["right"]
    sheet.oddFooter.center.text = "&P / &N ページ"
    font, fill = Font(bold=True), PatternFill("solid", fgColor=HEADER_FILL)
    header = []
    for text in headers:
        cell = WriteOnlyCell(sheet, value=text)
        cell.data_type, cell.font, cell.fill = "s", font, fill
        header.append(cell)
    sheet.append(header)
    for values in rows:
        out = []
        for value in values:
            if isinstance(value, str):
                if value.startswith("="):
                    cell = WriteOnlyCell(sheet, value=value)
                    cell.data_type = "s"
                    value = cell
            elif isinstance(value, datetime.datetime):
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = DATETIME
            elif isinstance(value, datetime.date):
                value = WriteOnlyCell(sheet, value=value)
                value.number_format = DATE
            out.append(value)
        sheet.append(out)
    book.save(path)


def write_xlsxwriter(headers, rows, path):
    import xlsxwriter

    book = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_numbers": False,
            "strings_to_urls": False,
        },
    )
    sheet = book.add_worksheet(SHEET)
    bold = book.add_format({"bold": True, "bg_color": "#" + HEADER_FILL})
    date, stamp = book.add_format({"num_format": DATE}), book.add_format({"num_format": DATETIME})
    for index, width in enumerate(WIDTHS):
        sheet.set_column(index, index, width)
    sheet.freeze_panes(1, 0)
    sheet.set_landscape()
    sheet.set_paper(9)
    sheet.fit_to_pages(1, 0)
    sheet.repeat_rows(0)
    sheet.set_header(f"&L{HEADING['left']}&C{HEADING['center']}&R{HEADING['right']}")
    sheet.set_footer("&C&P / &N ページ")
    sheet.write_row(0, 0, headers, bold)
    write_string, write_number = sheet.write_string, sheet.write_number
    write_datetime = sheet.write_datetime
    for r, values in enumerate(rows, start=1):
        for c, value in enumerate(values):
            if value is None:
                continue
            if isinstance(value, str):
                write_string(r, c, value)
            elif isinstance(value, datetime.datetime):
                write_datetime(r, c, value, stamp)
            elif isinstance(value, datetime.date):
                write_datetime(r, c, value, date)
            else:
                write_number(r, c, value)
    book.close()


def write_rustpy(headers, rows, path):
    from rustpy_xlsxwriter import Format, write_worksheets

    header = Format().set_bold().set_background_color("#" + HEADER_FILL)
    formats = {headers[7]: Format().set_num_format(DATE)}  # 期限: a date column
    write_worksheets(
        [(SHEET, (dict(zip(headers, values, strict=True)) for values in rows))],
        str(path),
        freeze_panes={SHEET: {"row": 1, "col": 0}},
        datetime_format=DATETIME,
        column_widths={SHEET: WIDTHS},
        column_formats={SHEET: formats},
        header_format={SHEET: header},
        page_setup={
            SHEET: {
                "landscape": True,
                "paper_size": 9,
                "fit_to_pages": (1, 0),
                "repeat_rows": 0,
                "header": f"&L{HEADING['left']}&C{HEADING['center']}&R{HEADING['right']}",
                "footer": "&C&P / &N ページ",
            }
        },
    )


def write_pyexcelerate(headers, rows, path):
    from pyexcelerate import Fill, Font, Panes, Style, Workbook
    from pyexcelerate.Color import Color
    from pyexcelerate.Format import Format

    book = Workbook()
    sheet = book.new_sheet(SHEET, data=[headers, *rows])
    sheet.panes = Panes(0, 1)
    for index, width in enumerate(WIDTHS, start=1):
        sheet.set_col_style(index, Style(size=width))
    sheet.set_row_style(
        1, Style(font=Font(bold=True), fill=Fill(background=Color(0xDD, 0xEB, 0xF7)))
    )
    sheet.set_col_style(8, Style(size=WIDTHS[7], format=Format(DATE)))
    sheet.set_col_style(9, Style(size=WIDTHS[8], format=Format(DATETIME)))
    book.save(str(path))


WRITERS = {
    "openpyxl": write_openpyxl,
    "xlsxwriter": write_xlsxwriter,
    "rustpy": write_rustpy,
    "pyexcelerate": write_pyexcelerate,
}


def child(writer: str, rows_path: Path, out: Path) -> dict:
    """In a fresh process: load the rows, write them once, report time and memory."""
    with rows_path.open("rb") as stream:
        headers, rows = pickle.load(stream)
    before = _vm_kb("VmRSS")
    started = time.perf_counter()
    WRITERS[writer](headers, rows, out)
    seconds = time.perf_counter() - started
    return {
        "seconds": seconds,
        "peak_mb": max(0, _vm_kb("VmHWM") - before) / 1024,
        "bytes": out.stat().st_size,
    }


# --- the parent: real rows, rounds, the table -----------------------------------------


def _real_rows(size_name: str, seed: int) -> tuple[list[str], list[list]]:
    from django.utils import translation

    from courses.curriculum import Curriculum
    from courses.fiscal import local_today
    from lms.reporting.build import PERSON_HEADERS, person_values
    from lms.reporting.completion import person_course_rows
    from lms.spreadsheets import local_value

    from . import run as bench
    from .generate import SIZES

    size = SIZES[size_name]
    bench.use(size)
    as_of = local_today()
    organization = bench.organization_for(size, seed=seed, as_of=as_of)
    with translation.override("ja"):
        rows = [
            [local_value(v) for v in person_values(row)]
            for row in person_course_rows(
                organization=organization, as_of=as_of, curriculum=Curriculum.load()
            )
        ]
    for values in rows:  # what every writer gets: Japan time, whole seconds
        if isinstance(values[8], datetime.datetime):
            values[8] = values[8].replace(microsecond=0)
    return PERSON_HEADERS, rows


def compare(*, size_name: str, seed: int, rounds: int, out=sys.stdout) -> dict:
    headers, rows = _real_rows(size_name, seed)
    folder = Path(tempfile.mkdtemp(prefix="shinka-writers-"))
    rows_path = folder / "rows.pickle"
    with rows_path.open("wb") as stream:
        pickle.dump((headers, rows), stream)
    available = {}
    for name, (writer, _env) in CANDIDATES.items():
        module = {"rustpy": "rustpy_xlsxwriter"}.get(writer, writer)
        try:
            __import__(module)
        except ImportError:
            print(f"skipped (not installed): {name}", file=sys.stderr)
            continue
        available[name] = []
    names = list(available)
    for round_number in range(rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            writer, env = CANDIDATES[name]
            target = folder / f"{writer}.xlsx"
            output = subprocess.run(
                [sys.executable, "-m", "bench", "writer-child", writer]
                + [str(rows_path), str(target)],
                env={**os.environ, **env},
                check=True,
                capture_output=True,
                text=True,
            ).stdout
            available[name].append(json.loads(output.strip().splitlines()[-1]))
    result = {}
    for name, samples in available.items():
        result[name] = {
            "seconds": statistics.median(s["seconds"] for s in samples),
            "peak_mb": statistics.median(s["peak_mb"] for s in samples),
            "mb": samples[-1]["bytes"] / 2**20,
        }
    fastest = min(r["seconds"] for r in result.values())
    current = result.get("openpyxl write-only + lxml", {}).get("seconds")
    print(
        f"{len(rows):,} rows × {len(headers)} columns ({size_name}), {rounds} rounds, "
        f"load average {os.getloadavg()[0]:.1f}",
        file=out,
    )
    print(
        f"{'writer':32} {'÷ fastest':>10} {'÷ openpyxl+lxml':>16} {'s':>7} "
        f"{'peak MB':>8} {'file MB':>8}",
        file=out,
    )
    for name, r in sorted(result.items(), key=lambda item: item[1]["seconds"]):
        r["vs_fastest"] = r["seconds"] / fastest
        r["vs_current"] = r["seconds"] / current if current else None
        r["missing"] = MISSING.get(CANDIDATES[name][0], "")
        print(
            f"{name:32} {r['vs_fastest']:>9.2f}× "
            f"{(r['vs_current'] or 0):>15.2f}× {r['seconds']:>7.2f} {r['peak_mb']:>8.1f} "
            f"{r['mb']:>8.1f}",
            file=out,
        )
    for name, r in result.items():
        if r["missing"]:
            print(f"  {name} lacks: {r['missing']}", file=out)
    print(json.dumps({"rows": len(rows), "writers": result}, ensure_ascii=False), file=out)
    return result
