"""Exports of marks cannot carry formulas: OWASP's CSV-injection prefix, and string cells in the workbook."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from students.exports import safe_cell, write_csv, write_xlsx

HEADERS = [
    "student_id",
    "=cmd",
    "plus",
    "minus",
    "at",
    "tab",
    "cr",
    "name",
    "mark",
    "change",
    "exact",
    "none",
]
ROW = [
    '=HYPERLINK("http://evil.example","click")',
    "+1",
    "-2+3",
    "@SUM(A1)",
    "\tx",
    "\rx",
    "Zoë Ní Bhriain",
    62.5,
    -3,
    Decimal("58.25"),
    "plain",
    None,
]
SAFE_ROW = [
    '\'=HYPERLINK("http://evil.example","click")',
    "'+1",
    "'-2+3",
    "'@SUM(A1)",
    "'\tx",
    "'\rx",
    "Zoë Ní Bhriain",
]
FORMULA_ELEMENT = re.compile(rb"<(?:\w+:)?f[\s/>]")


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+2", "'=1+2"),
        ("+44 20 7946 0000", "'+44 20 7946 0000"),
        ("-1+2", "'-1+2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("S1", "S1"),
        ("a=b", "a=b"),
        ("", ""),
        (None, ""),
        (-1, -1),
        (-2.5, -2.5),
        (Decimal("-0.5"), Decimal("-0.5")),
        (True, "True"),
    ],
)
def test_safe_cell_prefixes_text_a_spreadsheet_would_evaluate_and_keeps_numbers(
    value: object, safe: object
) -> None:
    assert safe_cell(value) == safe
    assert type(safe_cell(value)) is type(safe)


def test_the_csv_export_has_a_bom_crlf_lines_and_no_cell_a_spreadsheet_would_evaluate() -> None:
    data = write_csv(HEADERS, [ROW])

    assert data.decode("utf-8") == (
        "\ufeffstudent_id,'=cmd,plus,minus,at,tab,cr,name,mark,change,exact,none\r\n"
        '"\'=HYPERLINK(""http://evil.example"",""click"")",\'+1,\'-2+3,\'@SUM(A1),\'\tx,"\'\rx",'
        "Zoë Ní Bhriain,62.5,-3,58.25,plain,\r\n"
    )
    read_back = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert read_back == [
        ["student_id", "'=cmd", *HEADERS[2:]],
        [*SAFE_ROW, "62.5", "-3", "58.25", "plain", ""],
    ]


def test_the_xlsx_export_stores_text_as_strings_and_holds_no_formula_element() -> None:
    data = write_xlsx(HEADERS, iter([ROW, ["S2", "a\x01b"]]))

    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    # XML turns a raw carriage return into a line feed when it is read; the cell is still text.
    assert values == [
        ["student_id", "'=cmd", *HEADERS[2:]],
        [*SAFE_ROW[:5], "'\nx", "Zoë Ní Bhriain", 62.5, -3, 58.25, "plain", None],
        ["S2", "a\ufffdb", *[None] * 10],
    ]
    assert {cell.data_type for row in sheet.iter_rows() for cell in row if isinstance(cell.value, str)} == {
        "s"
    }
    sheet_xml = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert FORMULA_ELEMENT.search(sheet_xml) is None
    assert (
        b'<c r="A2" t="inlineStr"><is><t>\'=HYPERLINK("http://evil.example","click")</t></is></c>'
        in sheet_xml
    )
    assert b'r="L2"' not in sheet_xml  # an empty cell is left out, not written as an empty string
