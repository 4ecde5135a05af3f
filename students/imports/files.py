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

import csv
import datetime
import io
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Literal

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
# <f>, <f .../>, <x:f>: a formula element in a worksheet. The literal "f" first keeps the search fast.
FORMULA_TAG = re.compile(rb"f(?<=[<:]f)[\s/>]")
CHUNK = 1 << 20
PASTE_VALUES = "formulas are not accepted; copy the cells and paste them back as values, then upload again"


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
    if sniff(data, name) == "xlsx":
        check_xlsx(data, name)
        grid = _xlsx_grid(data, name)
    else:
        grid = _csv_grid(decode_csv(data, name), name)
    return _table(grid, name, columns)


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
    """UTF-8 with or without a byte order mark, else Windows-1252 (what Excel's plain "CSV" saves)."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise UploadError(
            f"{name}, line {line}: byte {error.start:,} (0x{data[error.start]:02X}) is neither UTF-8 nor "
            "Windows-1252 text; save the file as CSV UTF-8 and upload it again."
        ) from None


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


def _xlsx_grid(data: bytes, name: str) -> Iterator[tuple[int, list[str]]]:
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
    for number, cells in enumerate(values, start=1):
        yield number, [cell.strip() if type(cell) is str else _cell_text(cell) for cell in cells]


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
    """(row, column), both from 1, of the first formula on the first worksheet, or None."""
    with _open_zip(data, name) as archive:
        path = _first_sheet_path(archive, name)
        with archive.open(path) as part:
            tail = b""
            while chunk := part.read(CHUNK):
                if FORMULA_TAG.search(tail + chunk[:16]) or FORMULA_TAG.search(chunk):
                    break
                tail = chunk[-16:]
            else:
                return None
        # A tag-like text was seen; parse to be sure and to find the cell (rare, so the slower way is fine).
        row = column = 0
        with archive.open(path) as part:
            try:
                for event, element in SafeET.iterparse(part, events=("start", "end"), forbid_dtd=True):
                    tag = element.tag.rpartition("}")[2]
                    if event == "end":
                        if tag == "row":
                            element.clear()
                    elif tag == "row":
                        row, column = int(element.get("r") or row + 1), 0
                    elif tag == "c":
                        reference = element.get("r")
                        row, column = _cell_position(reference) if reference else (row, column + 1)
                    elif tag == "f":
                        return row, column
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


def _csv_grid(text: str, name: str) -> Iterator[tuple[int, list[str]]]:
    number = 0
    try:
        for number, cells in enumerate(csv.reader(io.StringIO(text, newline="")), start=1):
            yield number, [cell.strip() for cell in cells]
    except csv.Error as error:
        raise UploadError(f"{name}, row {number + 1}: the CSV cannot be read ({error}).") from None


def _normal(header: str) -> str:
    return "_".join(header.lower().split())


def _table(grid: Iterable[tuple[int, list[str]]], name: str, columns: Sequence[Column]) -> Table:
    rows = iter(grid)
    for header_row, cells in rows:  # noqa: B007 (the loop stops at the header row and keeps its number)
        if any(cells):
            keys = [_normal(cell) for cell in cells]
            break
    else:
        raise UploadError(
            f"{name} has no header row; its first row should name the columns ({_expected(columns)})."
        )
    _check_headers(keys, name, header_row, columns)
    blanks = [index for index, key in enumerate(keys) if not key]
    width = len(keys)
    table = []
    for number, cells in rows:
        if not any(cells):
            continue
        if blanks or len(cells) > width:
            _refuse_headless_values(cells, blanks, width, f"{name}, row {number}")
        row = dict(zip(keys, cells, strict=False))
        if len(cells) < width:
            row.update(dict.fromkeys(keys[len(cells) :], ""))
        if blanks:
            del row[""]
        table.append((number, row))
    return Table(headers=[key for key in keys if key], rows=table)


def _refuse_headless_values(cells: list[str], blanks: list[int], width: int, place: str) -> None:
    """A column with no header may be there (Excel keeps formatted empty columns) but must stay empty."""
    for index in [*blanks, *range(width, len(cells))]:
        if index < len(cells) and cells[index]:
            raise UploadError(
                f"{place}, column {_letter(index)}: the value {cells[index]!r} has no column header "
                "above it; add the header or remove the value."
            )


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
