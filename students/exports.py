"""Exports of marks (CSV, XLSX) that a spreadsheet cannot run as formulas.

OWASP's CSV-injection advice: a text cell that begins with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
return gets a leading ``'``, so Excel and LibreOffice show it as text instead of evaluating it. Numbers stay
numbers (``-5`` as a number is just minus five). The workbook stores every text cell as a string cell,
never a formula, and carries the same ``'``-prefixed text as the CSV, so a value copied out of either file
stays inert.
"""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterable, Sequence
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.worksheet._write_only import WriteOnlyWorksheet

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Number = int | float | Decimal


def safe_cell(value: object) -> str | Number:
    """The value as a cell no spreadsheet evaluates: numbers as they are, text with ``'`` where needed."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal) and not isinstance(value, bool):
        return value
    text = str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def write_csv(headers: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """UTF-8 with a byte order mark (so Excel reads accents right) and CRLF line ends."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow([safe_cell(value) for value in headers])
    writer.writerows([safe_cell(value) for value in row] for row in rows)
    return buffer.getvalue().encode("utf-8-sig")


def write_xlsx(headers: Sequence[object], rows: Iterable[Sequence[object]]) -> bytes:
    """One worksheet; text is written as string cells, which Excel never evaluates."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in itertools.chain([headers], rows):
        sheet.append([_xlsx_cell(sheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _xlsx_cell(sheet: WriteOnlyWorksheet, value: object) -> Cell:
    safe = safe_cell(value)
    if not isinstance(safe, str):
        return WriteOnlyCell(sheet, value=safe)
    if not safe:
        # An empty cell, not an empty string: openpyxl would write <c t="inlineStr"/> with no text.
        return WriteOnlyCell(sheet)
    # Control characters other than tab, LF and CR cannot be stored in a worksheet: show them as U+FFFD.
    cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("\ufffd", safe))
    # openpyxl would make a string that begins with "=" a formula; safe_cell already prevents that, and
    # this says so to openpyxl directly.
    cell.data_type = "s"
    return cell
