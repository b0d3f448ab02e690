"""Excel and CSV output: no formulas run, CP932 on download, files that print."""

import datetime
import io

import pytest

from lms.spreadsheets import (
    CsvReport,
    PrintHeading,
    XlsxReport,
    csv_safe,
    csv_text,
    transcode_to_cp932,
)
from tests.lms.xlsx_checks import assert_prints_well, assert_shown_as_typed, workbook


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=SUM(A1)", "'=SUM(A1)"),
        ("+1", "'+1"),
        ("-1", "'-1"),
        ("@x", "'@x"),
        ("\tx", "'\tx"),
        ("普通", "普通"),
        (-1, -1),
    ],
)
def test_formula_injection_is_neutralised(value, expected):
    assert csv_safe(value) == expected
    assert csv_text(value) == str(expected)


RISKY = ["=1+1 太郎", "+1", "-1", "@SUM(A1)", "\tx", "#N/A", '=HYPERLINK("http://x")']


def _workbook_with(values, heading=None) -> bytes:
    report = XlsxReport(heading)
    report.add_sheet("名簿", ["氏名"], [20])
    report.add_sheet("二枚目", ["項目"], [20])
    for value in values:
        report.append("名簿", [value])
    buffer = io.BytesIO()
    report.save(buffer)
    return buffer.getvalue()


def test_xlsx_keeps_what_would_be_a_formula_as_the_text_typed_without_an_apostrophe():
    data = _workbook_with(RISKY)

    assert_shown_as_typed(data, "=1+1 太郎")
    cells = [row[0] for row in workbook(data)["名簿"].iter_rows(min_row=2)]
    assert [cell.value for cell in cells] == RISKY
    assert {cell.data_type for cell in cells} == {"s"}


def test_csv_keeps_the_apostrophe_excel_needs():
    stream = io.StringIO()
    report = CsvReport(stream, ["氏名"])
    for value in RISKY:
        report.append([value])

    lines = stream.getvalue().removeprefix("\ufeff").split("\r\n")
    assert lines[1] == "'=1+1 太郎"
    assert lines[2:6] == ["'+1", "'-1", "'@SUM(A1)", "'\tx"]


def test_every_sheet_prints_landscape_one_page_wide_with_its_header_row_and_a_heading():
    heading = PrintHeading(town="鏡野町 & 奥津", title="職員名簿", as_of=datetime.date(2027, 3, 31))

    data = _workbook_with(["山田 花子"], heading)

    # 31 March 2027 ends fiscal year 2026, 令和8年度; "&" is no header code.
    assert_prints_well(
        data, town="鏡野町 & 奥津", heading_has=["令和8年度", "2026年度", "2027年3月31日現在"]
    )
    book = workbook(data)
    assert book["名簿"].oddHeader.center.text == "職員名簿"  # the title names the sheet
    assert book["二枚目"].oddHeader.center.text == "職員名簿（二枚目）"
    assert book["名簿"].oddFooter.center.text == "&P / &N ページ"


def test_characters_an_xlsx_cannot_hold_are_left_out_not_a_server_error():
    data = _workbook_with(["山田\x00花子\x1b"])

    assert workbook(data)["名簿"]["A2"].value == "山田花子"


def test_cp932_download_keeps_japanese_and_replaces_what_it_cannot_hold():
    stored = io.BytesIO("\ufeff氏名\r\n髙橋 﨑 ①\r\n𠮷田\r\n".encode())

    converted = b"".join(transcode_to_cp932(stored))

    assert converted.decode("cp932") == "氏名\r\n髙橋 﨑 ①\r\n?田\r\n"


def test_a_row_mixing_text_numbers_and_dates_reads_back_cell_for_cell():
    values = ["=1+1 太郎", 5, "普通", datetime.date(2026, 9, 30), "#N/A", 3, "-2", None, "=x"]
    report = XlsxReport()
    report.add_sheet("行", [f"列{n}" for n in range(len(values))], [10] * len(values))
    report.append("行", values)
    buffer = io.BytesIO()
    report.save(buffer)

    (row,) = workbook(buffer.getvalue())["行"].iter_rows(min_row=2)
    # Excel reads dates back as date-times at midnight.
    expected = [*values[:3], datetime.datetime(2026, 9, 30), *values[4:]]
    assert [cell.value for cell in row] == expected
    assert [cell.data_type for cell in row] == ["s", "n", "s", "d", "s", "n", "s", "n", "s"]
