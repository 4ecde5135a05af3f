"""Reading an upload into a table of text, with the file checked before anything parses it.

``read_table`` goes: the size limit; the type, sniffed from the content (the name is used only in
messages); for a workbook, its ZIP directory (parts, unpacked size, compression ratios, encryption) and
then every part inflated here in chunks, so a directory that understates a size cannot hide a zip bomb,
and no part may hold a DTD; then the first worksheet (python-calamine) or the CSV (UTF-8 with or without
BOM, else Windows-1252).

Nothing is evaluated. A CSV cell ``=1+2`` is the text ``=1+2``. A workbook cell holding a formula is
refused with its row and column: python-calamine reads only the value Excel cached for a formula, which
can be stale or missing, so the user is asked to paste values instead.

XML: the parts read here (workbook.xml, its relationships, a worksheet that may hold a formula) are
parsed with defusedxml, DTDs forbidden. python-calamine parses in Rust (quick-xml), which expands no
DTD entities, and it only sees a file whose parts passed the checks above. openpyxl (exports, tests)
uses defusedxml by itself when it is installed (``openpyxl.xml.DEFUSEDXML``).
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import gc
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO, Literal

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException
from django.conf import settings
from python_calamine import CalamineError, CalamineWorkbook

from .columns import Column

MAX_UPLOAD_BYTES = 50 * 1024 * 1024
XLSX_MAX_ENTRIES = 1_000
XLSX_MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
XLSX_MAX_RATIO = 100

OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
ZIP_STARTS = (b"PK\x03\x04", b"PK\x05\x06")
CENTRAL_ENTRY = b"PK\x01\x02"
LOCAL_HEADER = b"PK\x03\x04"
WORKSHEET_TAG = re.compile(rb"<([\w.-]+:)?worksheet[\s>]")
CHUNK = 1 << 20
PASTE_VALUES = "formulas are not accepted; copy the cells and paste them back as values, then upload again"


Grid = list[tuple[int, list[str]]]


class UploadError(ValueError):
    """What is wrong with an upload, in words for the person who sent it, naming the file and the place."""


@dataclass(frozen=True)
class Table:
    """An upload's rows as text: ``rows`` are (row number as the user sees it, header row = 1, cells)."""

    headers: list[str]
    rows: list[tuple[int, dict[str, str]]]


def _limit(setting: str, default: int) -> int:
    return int(getattr(settings, setting, default)) if settings.configured else default


def max_bytes() -> int:
    return _limit("QUORUM_UPLOAD_MAX_BYTES", MAX_UPLOAD_BYTES)


def xlsx_max_entries() -> int:
    return _limit("QUORUM_XLSX_MAX_ENTRIES", XLSX_MAX_ENTRIES)


def xlsx_max_uncompressed_bytes() -> int:
    return _limit("QUORUM_XLSX_MAX_UNCOMPRESSED_BYTES", XLSX_MAX_UNCOMPRESSED_BYTES)


def xlsx_max_ratio() -> int:
    return _limit("QUORUM_XLSX_MAX_RATIO", XLSX_MAX_RATIO)


def read_table(data: bytes, name: str, *, columns: Sequence[Column]) -> Table:
    """The upload as a ``Table`` with the given columns, or ``UploadError`` saying what is wrong and where."""
    check_size(data, name)
    kind = sniff(data, name)
    if kind == "xlsx":
        check_xlsx(data, name)
    with _collector_paused():
        grid = _xlsx_grid(data, name) if kind == "xlsx" else _csv_grid(decode_csv(data, name), name)
        return _table(grid, name, columns)


@contextlib.contextmanager
def _collector_paused() -> Iterator[None]:
    """Parsing makes a few hundred thousand lists and dicts that live on, and none can form a cycle; the
    cyclic collector would scan them again and again (a third of the time of a 240,000-row file)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def check_size(data: bytes, name: str) -> None:
    if len(data) > max_bytes():
        raise UploadError(f"{name}: the file is {len(data):,} bytes; the limit is {max_bytes():,} bytes.")


def sniff(data: bytes, name: str) -> Literal["csv", "xlsx"]:
    """What the content is, whatever the name says."""
    if not data or data.isspace():
        raise UploadError(f"{name}: the file is empty.")
    if data.startswith(OLE2):
        raise UploadError(
            f"{name} is an Excel 97-2003 workbook (.xls) or a password-protected file; save it as an "
            "Excel workbook (.xlsx) or as CSV UTF-8 and upload that."
        )
    if data.startswith(ZIP_STARTS):
        with _open_zip(data, name) as archive:
            parts = set(archive.namelist())
        if {"[Content_Types].xml", "xl/workbook.xml"} <= parts:
            return "xlsx"
        raise UploadError(
            f"{name} is a ZIP archive, not an Excel workbook; save the sheet as an Excel workbook (.xlsx) "
            "or as CSV UTF-8 and upload that."
        )
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise UploadError(f"{name} is saved as UTF-16 text; save it as CSV UTF-8 and upload that.")
    if b"\x00" in data:
        raise UploadError(
            f"{name} is not a CSV file or an Excel workbook (it holds binary data); "
            "upload a .csv or .xlsx file."
        )
    decode_csv(data, name)
    return "csv"


def decode_csv(data: bytes, name: str) -> str:
    """UTF-8 with or without a byte order mark, else Windows-1252 (what Excel's plain "CSV" saves).
    A file that starts with the UTF-8 mark says what it is, so it is not read as Windows-1252."""
    marked = data.startswith(codecs.BOM_UTF8)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        bad = error.start + len(codecs.BOM_UTF8) if marked else error.start
        what = "is not UTF-8 text, though the file is marked as UTF-8"
    if not marked:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as error:
            bad = error.start
            what = "is neither UTF-8 nor Windows-1252 text"
    line = data.count(b"\n", 0, bad) + 1
    raise UploadError(
        f"{name}, line {line}: byte {bad:,} (0x{data[bad]:02X}) {what}; "
        "save the file as CSV UTF-8 and upload it again."
    )


def check_xlsx(data: bytes, name: str) -> None:
    """Refuse a workbook that would unpack to too much, or that hides what it holds, before it is read."""
    bomb = "it looks like a zip bomb and was not opened"
    with _open_zip(data, name) as archive:
        entries = archive.infolist()
    if len(entries) > xlsx_max_entries():
        raise _too_many_parts(name, len(entries))
    total = sum(entry.file_size for entry in entries)
    if total > xlsx_max_uncompressed_bytes():
        raise UploadError(
            f"{name} would unpack to {total:,} bytes; the limit is "
            f"{xlsx_max_uncompressed_bytes():,} bytes: {bomb}."
        )
    # Checking every part's ratio checks the whole file's too: it cannot exceed the largest part's.
    for entry in entries:
        if entry.flag_bits & 0x1:
            raise UploadError(f"{name} is encrypted; remove the password, save it again and upload that.")
        if entry.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            raise UploadError(
                f"{name} is packed in a way Excel does not use; save it again in Excel as .xlsx."
            )
        ratio = entry.file_size / max(entry.compress_size, 1)
        if ratio > xlsx_max_ratio():
            raise UploadError(
                f"{name}: the part {entry.filename} unpacks to {ratio:,.0f} times its packed size; the limit "
                f"is {xlsx_max_ratio()}: {bomb}."
            )
    for entry in entries:
        _check_part(data, entry, name)


def _check_part(data: bytes, entry: zipfile.ZipInfo, name: str) -> None:
    """Inflate one part, counting: a directory that understates its size would let a bomb through."""
    size, tail = 0, b""
    for chunk in _inflate(data, entry, name):
        size += len(chunk)
        if size > entry.file_size:
            raise UploadError(
                f"{name}: the part {entry.filename} holds more than its directory says: "
                "it looks like a zip bomb and was not opened."
            )
        if b"<!DOCTYPE" in tail + chunk[:16] or b"<!DOCTYPE" in chunk:
            raise UploadError(
                f"{name}: the part {entry.filename} declares a DTD, which no workbook needs; "
                "it was not opened."
            )
        tail = chunk[-16:]
    if size != entry.file_size:
        raise _damaged(name)


def _open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    # ZipFile reads the whole central directory into objects before anything can count them: count the
    # directory's signatures first, so a million tiny entries are refused before they cost memory.
    entries = data.count(CENTRAL_ENTRY)
    if entries > xlsx_max_entries():
        raise _too_many_parts(name, entries)
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, OSError, ValueError, struct.error):
        raise _damaged(name) from None


def _inflate(data: bytes, entry: zipfile.ZipInfo, name: str) -> Iterator[bytes]:
    """The part's bytes in chunks, inflated from the raw stream (``zipfile`` stops at the declared size)."""
    start = entry.header_offset
    if data[start : start + 4] != LOCAL_HEADER:
        raise _damaged(name)
    name_length, extra_length = struct.unpack_from("<HH", data, start + 26)
    begin = start + 30 + name_length + extra_length
    packed = memoryview(data)[begin : begin + entry.compress_size]
    if entry.compress_type == zipfile.ZIP_STORED:
        for offset in range(0, len(packed), CHUNK):
            yield bytes(packed[offset : offset + CHUNK])
        return
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    try:
        for offset in range(0, len(packed), CHUNK // 16):
            pending: bytes | memoryview = packed[offset : offset + CHUNK // 16]
            while True:
                chunk = inflater.decompress(pending, CHUNK)
                if chunk:
                    yield chunk
                pending = inflater.unconsumed_tail
                if not pending and len(chunk) < CHUNK:
                    break
    except zlib.error:
        raise _damaged(name) from None
    if not inflater.eof:
        raise _damaged(name)


def _too_many_parts(name: str, count: int) -> UploadError:
    return UploadError(
        f"{name} holds {count:,} parts; the limit is {xlsx_max_entries():,}: "
        "it looks like a zip bomb and was not opened."
    )


def _damaged(name: str) -> UploadError:
    return UploadError(
        f"{name} is damaged and cannot be read; open it in Excel, save it again as .xlsx and retry."
    )


def _xlsx_grid(data: bytes, name: str) -> Grid:
    formula = _first_formula(data, name)
    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
        values = sheet.to_python(skip_empty_area=False)
    except CalamineError:
        raise _damaged(name) from None
    if formula is not None:
        row, column = formula
        cells = next((cells for cells in values if any(cells)), [])
        header = f" ({_cell_text(cells[column - 1])})" if column <= len(cells) and cells[column - 1] else ""
        raise UploadError(f"{name}, row {row}, column {_letter(column - 1)}{header}: {PASTE_VALUES}.")
    return [
        (number, [cell.strip() if type(cell) is str else _cell_text(cell) for cell in cells])
        for number, cells in enumerate(values, start=1)
    ]


def _cell_text(value: object) -> str:
    """A cell as Excel shows it: numbers to 15 significant digits, so ``58`` not ``58.0``, ``0.3`` not
    ``0.30000000000000004``; dates in ISO form; true/false."""
    if type(value) is float:
        text = format(value, ".15g")
        # .15g writes 1e+20 and 1e-05 with an exponent; Decimal writes them out in full.
        return f"{Decimal(text):f}" if "e" in text else text
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime.date | datetime.time):
        return value.isoformat()
    return str(value).strip()


def _first_formula(data: bytes, name: str) -> tuple[int, int] | None:
    """(row, column), both from 1, of the first cell with a formula on the first worksheet, or None."""
    with _open_zip(data, name) as archive:
        path = _first_sheet_path(archive, name)
        with archive.open(path) as part:
            if not _holds_formula_tag(part):
                return None
        # Parse only now, to find the cell: a byte search is fast, a parse of a large sheet is not.
        with archive.open(path) as part:
            return _formula_cell(part, name)


def _holds_formula_tag(part: IO[bytes]) -> bool:
    """Whether the worksheet's bytes hold a formula element: ``<f>`` in the worksheet's own namespace
    (``<x:f>`` when it is prefixed ``x:``), not the ``<xm:f>`` of a data validation list in ``extLst``."""
    chunk = part.read(CHUNK)
    root = WORKSHEET_TAG.search(chunk)
    prefix = (root.group(1) if root else None) or b""
    # The lookbehind after a literal "f" keeps the search at memchr speed over tens of megabytes.
    tag = re.compile(b"f(?<=" + re.escape(b"<" + prefix + b"f") + rb")[\s/>]")
    tail = b""
    while chunk:
        if tag.search(tail + chunk):
            return True
        tail = chunk[-32:]
        chunk = part.read(CHUNK)
    return False


def _formula_cell(part: IO[bytes], name: str) -> tuple[int, int] | None:
    row = column = 0
    in_cell = False
    try:
        for event, element in SafeET.iterparse(part, events=("start", "end"), forbid_dtd=True):
            tag = element.tag.rpartition("}")[2]
            if tag == "c":
                in_cell = event == "start"
                if in_cell:
                    reference = element.get("r")
                    row, column = _cell_position(reference) if reference else (row, column + 1)
            elif tag == "f" and in_cell:
                return row, column
            elif tag == "row" and event == "start":
                row, column = int(element.get("r") or row + 1), 0
            elif tag == "row":
                element.clear()
    except (SafeET.ParseError, DefusedXmlException, ValueError):
        raise _damaged(name) from None
    return None


def _first_sheet_path(archive: zipfile.ZipFile, name: str) -> str:
    """The part of the workbook's first sheet, the one python-calamine reads as index 0."""
    try:
        workbook = SafeET.fromstring(archive.read("xl/workbook.xml"), forbid_dtd=True)
        links = SafeET.fromstring(archive.read("xl/_rels/workbook.xml.rels"), forbid_dtd=True)
    except (KeyError, SafeET.ParseError, DefusedXmlException):
        raise _damaged(name) from None
    sheet = next((e for e in workbook.iter() if e.tag.rpartition("}")[2] == "sheet"), None)
    if sheet is None:
        raise UploadError(f"{name} has no worksheet.")
    link = next((v for k, v in sheet.attrib.items() if k.endswith("}id")), None)
    target = next((e.get("Target", "") for e in links.iter() if e.get("Id") == link), "")
    path = posixpath.normpath(target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target))
    if not target or path not in archive.namelist():
        raise _damaged(name)
    return path


def _cell_position(reference: str) -> tuple[int, int]:
    letters = reference.rstrip("0123456789")
    column = 0
    for letter in letters.upper():
        column = column * 26 + ord(letter) - 64
    return int(reference[len(letters) :]), column


def _letter(index: int) -> str:
    """The spreadsheet letter of a column counted from 0: 0 -> A, 27 -> AB."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _csv_grid(text: str, name: str) -> Grid:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        return [(number, [cell.strip() for cell in cells]) for number, cells in enumerate(reader, start=1)]
    except csv.Error as error:
        raise UploadError(f"{name}, line {reader.line_num}: the CSV cannot be read ({error}).") from None


def _normal(header: str) -> str:
    return "_".join(header.lower().split())


def _table(grid: Grid, name: str, columns: Sequence[Column]) -> Table:
    start = next((index for index, (_, cells) in enumerate(grid) if any(cells)), None)
    if start is None:
        raise UploadError(
            f"{name} has no header row; its first row should name the columns ({_expected(columns)})."
        )
    header_row, cells = grid[start]
    keys = [_normal(cell) for cell in cells]
    _check_headers(keys, name, header_row, columns)
    rows = grid[start + 1 :]
    # Comprehensions, not a loop with checks: building the rows is most of the time a large upload takes.
    if "" in keys or any(len(cells) != len(keys) for _, cells in rows):
        rows = [(number, _fit(cells, keys, f"{name}, row {number}")) for number, cells in rows if any(cells)]
    table = [(number, dict(zip(keys, cells, strict=False))) for number, cells in rows if any(cells)]
    if "" in keys:
        for _, row in table:
            del row[""]
    return Table(headers=[key for key in keys if key], rows=table)


def _fit(cells: list[str], keys: list[str], place: str) -> list[str]:
    """One cell per header. A column with no header may be there (Excel keeps formatted empty columns)
    but must stay empty; a short row is padded with empty cells."""
    for index, cell in enumerate(cells):
        if cell and (index >= len(keys) or not keys[index]):
            raise UploadError(
                f"{place}, column {_letter(index)}: the value {cell!r} has no column header above it; "
                "add the header or remove the value."
            )
    return cells + [""] * (len(keys) - len(cells))


def _check_headers(keys: list[str], name: str, row: int, columns: Sequence[Column]) -> None:
    place = f"{name}, row {row}"
    known = {column.name for column in columns}
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key and key in seen:
            raise UploadError(
                f"{place}: the column {key} appears twice "
                f"(columns {_letter(seen[key])} and {_letter(index)}); keep one."
            )
        seen[key] = index
    unknown = [key for key in keys if key and key not in known]
    if unknown:
        raise UploadError(f"{place}: unknown column{_s(unknown)} {', '.join(unknown)}; {_expected(columns)}.")
    missing = [column.name for column in columns if column.required and column.name not in seen]
    if missing:
        raise UploadError(f"{place}: missing required column{_s(missing)} {', '.join(missing)}.")


def _expected(columns: Sequence[Column]) -> str:
    required = ", ".join(column.name for column in columns if column.required)
    optional = ", ".join(column.name for column in columns if not column.required)
    return f"expected columns: {required}" + (f"; optional: {optional}" if optional else "")


def _s(items: Sequence[object]) -> str:
    return "s" if len(items) > 1 else ""
