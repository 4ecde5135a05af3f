"""Uploads are checked before they are parsed, and read as text: real CSV and XLSX files, real zip bombs."""

from __future__ import annotations

import datetime
import gc
import io
import re
import struct
import zipfile
from collections.abc import Callable, Sequence

import openpyxl.xml
import pytest
from openpyxl import Workbook
from pytest_django import Settings

from students.imports.columns import MARKS, STUDENTS, Column
from students.imports.files import (
    Table,
    UploadError,
    check_xlsx,
    decode_csv,
    max_bytes,
    read_table,
    sniff,
    xlsx_max_entries,
    xlsx_max_ratio,
    xlsx_max_uncompressed_bytes,
)

MARK_HEADERS = "student_id,module_code,academic_session,component,attempt,mark"
EXPECTED = (
    "expected columns: student_id, module_code, academic_session, component, attempt, mark; "
    "optional: reassessment_as_first_attempt"
)
BINARY = (
    "marks.csv is not a CSV file or an Excel workbook (it holds binary data); upload a .csv or .xlsx file."
)
PASTE_VALUES = "formulas are not accepted; copy the cells and paste them back as values, then upload again."
MINIMAL_PARTS = {"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}


def refusal(data: bytes, name: str, columns: Sequence[Column] = MARKS) -> str:
    with pytest.raises(UploadError) as caught:
        read_table(data, name, columns=columns)
    return str(caught.value)


def marks_row(*values: str) -> dict[str, str]:
    return dict(zip(MARK_HEADERS.split(","), values, strict=True))


def csv_bytes(*lines: str, encoding: str = "utf-8") -> bytes:
    return "".join(line + "\r\n" for line in lines).encode(encoding)


class Formula(str):
    """A cell openpyxl should write as a formula; every other string is written as text."""


def xlsx_bytes(*rows: Sequence[object], at: str = "A1") -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    first_row = int(at[1:])
    for offset, row in enumerate(rows):
        for column, value in enumerate(row, start=ord(at[0]) - 64):
            cell = sheet.cell(row=first_row + offset, column=column, value=value)
            if isinstance(value, str) and not isinstance(value, Formula):
                cell.data_type = "s"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(parts: dict[str, bytes], *, level: int = 6) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        for part, content in parts.items():
            archive.writestr(part, content)
    return buffer.getvalue()


def patch_central_directory(data: bytes, part: str, offset: int, fmt: str, value: int) -> bytes:
    """Change one field of a part's central directory entry, as a hand-made malicious file would."""
    entry = data.rindex(part.encode()) - 46  # the central directory comes last, after every part's data
    assert data[entry : entry + 4] == b"PK\x01\x02"
    patched = bytearray(data)
    struct.pack_into(fmt, patched, entry + offset, value)
    return bytes(patched)


def rewrite_sheet(data: bytes, change: Callable[[bytes], bytes]) -> bytes:
    archive = zipfile.ZipFile(io.BytesIO(data))
    parts = {info.filename: archive.read(info) for info in archive.infolist()}
    parts["xl/worksheets/sheet1.xml"] = change(parts["xl/worksheets/sheet1.xml"])
    return zip_bytes(parts)


# Limits


def test_limits_default_to_50_mib_uploads_and_1000_parts_200_mib_ratio_100_workbooks() -> None:
    assert (max_bytes(), xlsx_max_entries(), xlsx_max_uncompressed_bytes(), xlsx_max_ratio()) == (
        52_428_800,
        1_000,
        209_715_200,
        100,
    )


def test_a_file_over_the_size_limit_is_refused_before_its_type_is_even_sniffed(
    settings: Settings,
) -> None:
    settings.QUORUM_UPLOAD_MAX_BYTES = 100
    data = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(93)

    assert refusal(data, "big.xls") == "big.xls: the file is 101 bytes; the limit is 100 bytes."
    assert max_bytes() == 100


# CSV


def test_a_utf8_csv_with_bom_is_read_as_text_with_normalised_headers_and_the_rows_the_user_sees() -> None:
    data = "\ufeff" + (
        " Student ID ,MODULE CODE,academic_session,Component,attempt,mark\r\n"
        "S1,HIST1001,2024/25,exam,1, 62.5 \r\n"
        "\r\n"
        ",,,,,\r\n"
        'S2,HIST1001,2024/25,"final\nexam",2,ABS\r\n'
        "S3,HIST1002,2024/25,module,1,58\r\n"
    )

    table = read_table(data.encode("utf-8"), "marks.csv", columns=MARKS)

    assert table == Table(
        headers=MARK_HEADERS.split(","),
        rows=[
            (2, marks_row("S1", "HIST1001", "2024/25", "exam", "1", "62.5")),
            (5, marks_row("S2", "HIST1001", "2024/25", "final\nexam", "2", "ABS")),
            (6, marks_row("S3", "HIST1002", "2024/25", "module", "1", "58")),
        ],
    )


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "cp1252"])
def test_irish_names_accents_and_excel_en_dashes_read_the_same_in_utf8_and_windows_1252(
    encoding: str,
) -> None:
    data = csv_bytes(
        "student_id,given_name,family_name,programme_code,entry_session,academic_session,programme_year,module_code",
        "S1,Zoë,Ní Bhriain,UHIS-BA,2022/23,2024/25,3,HIST3001",
        "S2,Seán,Smith\u2013Jones,UHIS-BA,2022/23,2024/25,3,HIST3001",
        encoding=encoding,
    )

    table = read_table(data, "students.csv", columns=STUDENTS)

    assert [(line, row["given_name"], row["family_name"]) for line, row in table.rows] == [
        (2, "Zoë", "Ní Bhriain"),
        (3, "Seán", "Smith\u2013Jones"),
    ]


def test_bytes_that_are_neither_utf8_nor_windows_1252_are_refused_naming_the_byte_and_line() -> None:
    data = b"student_id,module_code\r\nS1,\x81\r\n"
    message = (
        "marks.csv, line 2: byte 27 (0x81) is neither UTF-8 nor Windows-1252 text; "
        "save the file as CSV UTF-8 and upload it again."
    )

    with pytest.raises(UploadError) as caught:
        decode_csv(data, "marks.csv")
    assert str(caught.value) == message
    assert refusal(data, "marks.csv") == message


def test_a_file_marked_as_utf8_is_not_guessed_at_when_a_byte_is_not_utf8() -> None:
    data = b"\xef\xbb\xbfstudent_id,family_name\r\nS1,Zo\xeb\r\n"

    assert refusal(data, "students.csv", STUDENTS) == (
        "students.csv, line 2: byte 32 (0xEB) is not UTF-8 text, though the file is marked as UTF-8; "
        "save the file as CSV UTF-8 and upload it again."
    )


def test_csv_cells_that_look_like_formulas_are_kept_as_the_text_typed() -> None:
    data = csv_bytes(
        MARK_HEADERS,
        'S1,=1+2,+44,-3,@SUM(A1),"=HYPERLINK(""http://x.example"",""y"")"',
    )

    [(line, row)] = read_table(data, "marks.csv", columns=MARKS).rows

    assert (line, list(row.values())) == (
        2,
        ["S1", "=1+2", "+44", "-3", "@SUM(A1)", '=HYPERLINK("http://x.example","y")'],
    )


def test_short_rows_are_padded_and_empty_unheaded_columns_are_ignored() -> None:
    data = csv_bytes(MARK_HEADERS + ",,", "S1,HIST1001,2024/25,exam,1,62.5,,", "S2,HIST1001")

    table = read_table(data, "marks.csv", columns=MARKS)

    assert table.headers == MARK_HEADERS.split(",")
    assert [row for _, row in table.rows][1] == {
        "student_id": "S2",
        "module_code": "HIST1001",
        "academic_session": "",
        "component": "",
        "attempt": "",
        "mark": "",
    }


def test_a_value_under_no_header_is_refused_naming_row_and_column() -> None:
    blank_headed = csv_bytes(MARK_HEADERS + ",,", "S1,HIST1001,2024/25,exam,1,62.5,,oops")
    beyond_headers = csv_bytes(
        MARK_HEADERS, "S1,HIST1001,2024/25,exam,1,62.5", "S1,HIST1001,2024/25,exam,1,62.5,70"
    )

    assert refusal(blank_headed, "marks.csv") == (
        "marks.csv, row 2, column H: the value 'oops' has no column header above it; "
        "add the header or remove the value."
    )
    assert refusal(beyond_headers, "marks.csv") == (
        "marks.csv, row 3, column G: the value '70' has no column header above it; "
        "add the header or remove the value."
    )


def test_missing_unknown_and_duplicate_headers_are_refused_naming_them() -> None:
    assert refusal(csv_bytes("student_id,module_code,academic_session,component"), "marks.csv") == (
        "marks.csv, row 1: missing required columns attempt, mark."
    )
    assert refusal(csv_bytes(MARK_HEADERS + ",markz,Notes"), "marks.csv") == (
        f"marks.csv, row 1: unknown columns markz, notes; {EXPECTED}."
    )
    assert refusal(csv_bytes(MARK_HEADERS + ",Student ID"), "marks.csv") == (
        "marks.csv, row 1: the column student_id appears twice (columns A and G); keep one."
    )


def test_a_file_with_no_header_row_or_nothing_at_all_is_refused() -> None:
    assert refusal(b",,,\r\n\r\n", "marks.csv") == (
        f"marks.csv has no header row; its first row should name the columns ({EXPECTED})."
    )
    assert refusal(b"", "marks.csv") == "marks.csv: the file is empty."
    assert refusal(b" \r\n\r\n", "marks.csv") == "marks.csv: the file is empty."


def test_a_cell_too_long_for_the_csv_reader_is_refused_naming_its_line() -> None:
    data = csv_bytes(MARK_HEADERS, "S1," + "x" * 200_000)

    assert refusal(data, "marks.csv") == (
        "marks.csv, line 2: the CSV cannot be read (field larger than field limit (131072))."
    )


# Sniffing: the content decides, not the name


def test_the_type_comes_from_the_content_whatever_the_name_says() -> None:
    workbook = xlsx_bytes(MARK_HEADERS.split(","), ["S1", "HIST1001", "2024/25", "exam", 1, 62.5])
    text = csv_bytes(MARK_HEADERS, "S1,HIST1001,2024/25,exam,1,62.5")

    assert (sniff(workbook, "marks.csv"), sniff(text, "marks.xlsx")) == ("xlsx", "csv")
    assert read_table(workbook, "marks.csv", columns=MARKS) == read_table(text, "marks.xlsx", columns=MARKS)


@pytest.mark.parametrize(
    ("data", "name", "message"),
    [
        (
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
            "marks.xls",
            "marks.xls is an Excel 97-2003 workbook (.xls) or a password-protected file; save it as an "
            "Excel workbook (.xlsx) or as CSV UTF-8 and upload that.",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00",
            "marks.csv",
            BINARY,
        ),
        (
            b"student_id,mark\r\nS1,\x00\x00\x07\r\n",
            "marks.csv",
            BINARY,
        ),
        (
            "student_id,mark\r\nS1,62\r\n".encode("utf-16"),
            "marks.csv",
            "marks.csv is saved as UTF-16 text; save it as CSV UTF-8 and upload that.",
        ),
        (
            zip_bytes({"[Content_Types].xml": b"<Types/>", "word/document.xml": b"<document/>"}),
            "marks.xlsx",
            "marks.xlsx is a ZIP archive, not an Excel workbook; save the sheet as an Excel workbook (.xlsx) "
            "or as CSV UTF-8 and upload that.",
        ),
        (
            xlsx_bytes(["student_id"])[:-200],
            "marks.xlsx",
            "marks.xlsx is damaged and cannot be read; open it in Excel, save it again as .xlsx and retry.",
        ),
    ],
    ids=["xls", "png-named-csv", "nul-bytes", "utf16", "docx-like-zip", "truncated-xlsx"],
)
def test_files_that_are_not_csv_or_xlsx_are_refused_saying_what_to_upload(
    data: bytes, name: str, message: str
) -> None:
    assert refusal(data, name) == message


# XLSX


def test_an_xlsx_written_by_openpyxl_is_read_as_the_text_excel_shows() -> None:
    data = xlsx_bytes(
        [
            "Student ID",
            "module_code",
            "academic_session",
            "component",
            "attempt",
            "mark",
            "reassessment_as_first_attempt",
        ],
        ["S1", "HIST1001", "2024/25", "exam", 1, 58.0, False],
        [" S2 ", "HIST1001", "2024/25", "coursework", 2, 62.5, True],
        [],
        ["S3", "HIST1001", datetime.date(2024, 9, 1), "exam", 1, 0.1 + 0.2, None],
        [123456789012, "HIST1001", "2024/25", "=1+2", 1, 1e20, "no"],
    )

    table = read_table(data, "marks.xlsx", columns=MARKS)

    assert table.headers == [column.name for column in MARKS]
    assert [(line, list(row.values())) for line, row in table.rows] == [
        (2, ["S1", "HIST1001", "2024/25", "exam", "1", "58", "false"]),
        (3, ["S2", "HIST1001", "2024/25", "coursework", "2", "62.5", "true"]),
        (5, ["S3", "HIST1001", "2024-09-01", "exam", "1", "0.3", ""]),
        (6, ["123456789012", "HIST1001", "2024/25", "=1+2", "1", "100000000000000000000", "no"]),
    ]


def test_a_table_placed_lower_and_to_the_right_keeps_the_sheets_row_numbers() -> None:
    data = xlsx_bytes(MARK_HEADERS.split(","), ["S1", "HIST1001", "2024/25", "exam", 1, 62.5], at="B3")

    assert read_table(data, "marks.xlsx", columns=MARKS).rows == [
        (4, marks_row("S1", "HIST1001", "2024/25", "exam", "1", "62.5"))
    ]


def test_a_formula_in_a_workbook_is_refused_naming_the_row_and_column() -> None:
    data = xlsx_bytes(
        MARK_HEADERS.split(","),
        ["S1", "HIST1001", "2024/25", "exam", 1, 62.5],
        ["S2", "HIST1001", "2024/25", "exam", 1, Formula("=AVERAGE(50,66)")],
    )

    assert refusal(data, "marks.xlsx") == f"marks.xlsx, row 3, column F (mark): {PASTE_VALUES}"


def test_text_that_resembles_a_formula_tag_is_not_mistaken_for_a_formula() -> None:
    data = xlsx_bytes(MARK_HEADERS.split(","), ["S1", "HIST1001", "2024/25", "a:f b <f>", 1, 62.5])

    [(_, row)] = read_table(data, "marks.xlsx", columns=MARKS).rows

    assert row["component"] == "a:f b <f>"


def test_openpyxl_parses_workbook_xml_with_defusedxml() -> None:
    assert openpyxl.xml.DEFUSEDXML is True


# Zip bombs and hidden content


def test_a_workbook_that_would_unpack_to_300_mib_is_refused_from_its_directory() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for part, content in MINIMAL_PARTS.items():
            archive.writestr(part, content)
        with archive.open("xl/worksheets/sheet1.xml", "w") as sheet:
            zeros = bytes(1 << 20)
            for _ in range(300):
                sheet.write(zeros)
    total = 300 * (1 << 20) + len(b"<Types/>") + len(b"<workbook/>")

    assert refusal(buffer.getvalue(), "bomb.xlsx") == (
        f"bomb.xlsx would unpack to {total:,} bytes; the limit is 209,715,200 bytes: "
        "it looks like a zip bomb and was not opened."
    )


def test_a_part_compressed_beyond_the_ratio_limit_is_refused() -> None:
    data = zip_bytes({**MINIMAL_PARTS, "xl/worksheets/sheet1.xml": bytes(10 << 20)}, level=9)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    ratio = info.file_size / info.compress_size
    assert ratio > 1000

    assert refusal(data, "bomb.xlsx") == (
        f"bomb.xlsx: the part xl/worksheets/sheet1.xml unpacks to {ratio:,.0f} times its packed size; "
        "the limit is 100: it looks like a zip bomb and was not opened."
    )


def test_a_workbook_of_more_than_1000_parts_is_refused() -> None:
    data = zip_bytes({**MINIMAL_PARTS, **{f"xl/media/{n}.xml": b"<x/>" for n in range(999)}})

    assert refusal(data, "many.xlsx") == (
        "many.xlsx holds 1,001 parts; the limit is 1,000: it looks like a zip bomb and was not opened."
    )


def test_a_part_holding_more_than_its_directory_declares_is_refused() -> None:
    rows = b"<row/>" * 200_000
    data = zip_bytes({**MINIMAL_PARTS, "xl/worksheets/sheet1.xml": rows}, level=9)
    info = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    understated = info.compress_size * 50
    assert understated < len(rows)
    lying = patch_central_directory(data, "xl/worksheets/sheet1.xml", 24, "<I", understated)

    assert refusal(lying, "lying.xlsx") == (
        "lying.xlsx: the part xl/worksheets/sheet1.xml holds more than its directory says: "
        "it looks like a zip bomb and was not opened."
    )


def test_an_encrypted_part_is_refused() -> None:
    data = zip_bytes(MINIMAL_PARTS)
    encrypted = patch_central_directory(data, "xl/workbook.xml", 8, "<H", 0x1)

    assert refusal(encrypted, "secret.xlsx") == (
        "secret.xlsx is encrypted; remove the password, save it again and upload that."
    )


def test_a_billion_laughs_dtd_in_any_part_is_refused_before_anything_parses_it() -> None:
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">'
        b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>'
        b"<sst><si><t>&lol2;</t></si></sst>"
    )
    archive = zipfile.ZipFile(io.BytesIO(xlsx_bytes(["student_id"])))
    parts = {info.filename: archive.read(info) for info in archive.infolist()}
    data = zip_bytes({**parts, "xl/sharedStrings.xml": laughs})

    assert refusal(data, "laughs.xlsx") == (
        "laughs.xlsx: the part xl/sharedStrings.xml declares a DTD, which no workbook needs; "
        "it was not opened."
    )


def test_check_xlsx_accepts_an_ordinary_workbook() -> None:
    check_xlsx(
        xlsx_bytes(MARK_HEADERS.split(","), ["S1", "HIST1001", "2024/25", "exam", 1, 62.5]), "marks.xlsx"
    )


def test_a_dropdown_list_drawn_from_another_sheet_is_not_taken_for_a_formula_cell() -> None:
    validation = (
        b'<extLst><ext uri="{CCE6A557-97BC-4b89-ADB6-D9C93CAAB3DF}" '
        b'xmlns:x14="http://schemas.microsoft.com/office/spreadsheetml/2009/9/main">'
        b'<x14:dataValidations count="1" xmlns:xm="http://schemas.microsoft.com/office/excel/2006/main">'
        b'<x14:dataValidation type="list"><x14:formula1><xm:f>Lists!$A$1:$A$3</xm:f></x14:formula1>'
        b"<xm:sqref>D2:D100</xm:sqref></x14:dataValidation></x14:dataValidations></ext></extLst></worksheet>"
    )
    plain = xlsx_bytes(MARK_HEADERS.split(","), ["S1", "HIST1001", "2024/25", "exam", 1, 62.5])
    data = rewrite_sheet(plain, lambda sheet: sheet.replace(b"</worksheet>", validation))

    assert read_table(data, "marks.xlsx", columns=MARKS) == read_table(plain, "marks.xlsx", columns=MARKS)


def test_a_formula_in_a_worksheet_written_with_a_namespace_prefix_is_refused() -> None:
    data = xlsx_bytes(
        MARK_HEADERS.split(","),
        ["S1", "HIST1001", "2024/25", "exam", 1, Formula("=50+8")],
    )

    def prefixed(sheet: bytes) -> bytes:
        sheet = re.sub(rb"<(/?)([A-Za-z]\w*)", rb"<\1x:\2", sheet)
        return sheet.replace(b'xmlns="', b'xmlns:x="', 1)

    assert refusal(rewrite_sheet(data, prefixed), "marks.xlsx") == (
        f"marks.xlsx, row 2, column F (mark): {PASTE_VALUES}"
    )


def test_reading_leaves_the_garbage_collector_as_it_found_it() -> None:
    good = csv_bytes(MARK_HEADERS, "S1,HIST1001,2024/25,exam,1,62.5")

    read_table(good, "marks.csv", columns=MARKS)
    refusal(csv_bytes("student_id"), "marks.csv")

    assert gc.isenabled()
