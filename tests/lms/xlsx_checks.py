"""Reading an XLSX the platform made as Excel would: its cells and its print setup.

Each check reads the file back twice: with openpyxl (not write-only) and as the raw XML
of the package, so a formula (``<f>``) or a missing print setting is seen whatever
openpyxl makes of it.
"""

import io
import re
import zipfile
from xml.etree import ElementTree

import openpyxl

# What no sheet of an XLSX for people may contain: a formula element.
FORMULA_ELEMENT = re.compile(rb"<(\w+:)?f[ >/]")


def workbook(data) -> openpyxl.Workbook:
    """``data``: bytes or a path."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    return openpyxl.load_workbook(source)


def package(data) -> dict[str, bytes]:
    """The files inside the XLSX package, by name."""
    source = io.BytesIO(data) if isinstance(data, bytes) else data
    with zipfile.ZipFile(source) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def sheet_xml(data) -> list[bytes]:
    """The XML of every worksheet of the package."""
    return [
        content
        for name, content in sorted(package(data).items())
        if name.startswith("xl/worksheets/sheet")
    ]


def _elements(xml: bytes, tag: str) -> list:
    """The elements called ``tag`` (whatever their namespace) of an XML document."""
    return [e for e in ElementTree.fromstring(xml).iter() if e.tag.rsplit("}", 1)[-1] == tag]


def cells_holding(book: openpyxl.Workbook, text: str) -> list:
    """Every cell whose value is exactly ``text``."""
    return [
        cell for sheet in book for row in sheet.iter_rows() for cell in row if cell.value == text
    ]


def assert_shown_as_typed(data, text: str) -> None:
    """``text`` (which starts with "=") is in the file as a string, as typed: no formula,
    no apostrophe, in openpyxl's reading and in the sheets' XML."""
    book = workbook(data)
    found = cells_holding(book, text)
    assert found, f"{text!r} is not in the workbook"
    assert all(cell.data_type == "s" for cell in found)
    assert not cells_holding(book, "'" + text)
    texts = []
    for xml in sheet_xml(data):
        assert not FORMULA_ELEMENT.search(xml) and not _elements(xml, "f"), "a formula"
        texts += [element.text for element in _elements(xml, "t")]
    assert text in texts and "'" + text not in texts


def assert_prints_well(data, *, town: str, heading_has: list[str]) -> None:
    """Every sheet prints landscape, one page wide, with its header row on every page,
    the town and ``heading_has`` in the page header and page numbers in the footer."""
    book = workbook(data)
    assert book.sheetnames
    for sheet in book:
        assert sheet.page_setup.orientation == "landscape", sheet.title
        # Absent, fitToWidth is 1 (ECMA-376 Part 1, 18.3.1.63: its default); rust_xlsxwriter
        # leaves the default out. fitToHeight 0 ("as many pages as needed") must be there.
        assert int(sheet.page_setup.fitToWidth or 1) == 1, sheet.title
        assert int(sheet.page_setup.fitToHeight) == 0, sheet.title
        assert sheet.sheet_properties.pageSetUpPr.fitToPage, sheet.title
        assert sheet.print_title_rows == "$1:$1", sheet.title
        header = " ".join(
            part.text or ""
            for part in (sheet.oddHeader.left, sheet.oddHeader.center, sheet.oddHeader.right)
        ).replace("&&", "&")  # "&&" is a plain "&" in a page header
        assert town in header, (sheet.title, header)
        for text in heading_has:
            assert text in header, (sheet.title, header, text)
        assert "&P" in (sheet.oddFooter.center.text or ""), sheet.title
    files = package(data)
    sheets = sheet_xml(data)
    assert len(sheets) == len(book.sheetnames)
    for xml in sheets:
        (setup,) = _elements(xml, "pageSetup")
        assert setup.get("orientation") == "landscape"
        assert (setup.get("fitToWidth", "1"), setup.get("fitToHeight")) == ("1", "0")
        (properties,) = _elements(xml, "pageSetUpPr")
        assert properties.get("fitToPage") == "1"
        (header,) = _elements(xml, "oddHeader")
        (footer,) = _elements(xml, "oddFooter")
        assert town.replace("&", "&&") in header.text and "&P" in footer.text
    titles = [
        name.text
        for name in _elements(files["xl/workbook.xml"], "definedName")
        if name.get("name") == "_xlnm.Print_Titles"
    ]
    assert len(titles) == len(book.sheetnames) and all(t.endswith("!$1:$1") for t in titles)
