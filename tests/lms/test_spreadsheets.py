"""Excel and CSV output: no formulas run, CP932 on download."""

import io

import pytest

from lms.spreadsheets import csv_text, safe_cell, transcode_to_cp932


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
    assert safe_cell(value) == expected
    assert csv_text(value) == str(expected)


def test_cp932_download_keeps_japanese_and_replaces_what_it_cannot_hold():
    stored = io.BytesIO("\ufeff氏名\r\n髙橋 﨑 ①\r\n𠮷田\r\n".encode())

    converted = b"".join(transcode_to_cp932(stored))

    assert converted.decode("cp932") == "氏名\r\n髙橋 﨑 ①\r\n?田\r\n"
