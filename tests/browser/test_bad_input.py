"""Bad files: every bad row and every unreadable file is shown in words, and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from students.models import ImportBatch, Mark, School, Student

from .conftest import import_with_services, sign_in, upload

BAD_MARKS = """\
student_id,module_code,academic_session,component,attempt,mark
2024000001,ENG1001,2024/25,essay,1,60
2024000001,ENG1001,2024/25,presentation,1,abc
2099999999,ENG1001,2024/25,essay,1,55
2024000002,ENG9999,2024/25,essay,1,55
2024000002,ENG1001,2024/25,viva,1,55
2024000001,ENG1001,2024/25,essay,1,61
2024000012,ENG1006,2024/25,exam,1,50
2024000003,ENG1002,2024/25,coursework,2,45
2024000004,ENG1001,2024/25,essay,1,
2024000004,ENG1001,2024/26,presentation,1,58
2024000004,ENG1001,2024/25,presentation,first,58
2024000005,ENG1001,2024/25,essay,1,ABS
"""
ROW_ERRORS = [
    "row 3, column mark: 'abc' is not a mark between 0 and 100 or a result code (ABS, NS, DEF)",
    "row 4, column student_id: unknown student '2099999999'",
    "row 5, column module_code: unknown module 'ENG9999' in School of English",
    "row 6, column component: unknown component 'viva' of ENG1001 2024/25 (components: essay, presentation)",
    "row 7, column attempt: duplicate row: 2024000001 ENG1001 essay attempt 1 is also on row 2",
    "row 8, column student_id: student 2024000012 is not registered on ENG1006 in 2024/25",
    "row 9, column attempt: attempt 2 without attempt 1 for 2024000003 ENG1002 2024/25 coursework",
    "row 10, column mark: the mark is empty: give a mark between 0 and 100 or a result code (ABS, NS, DEF)",
    "row 11, column academic_session: '2024/26' is not an academic session like 2024/25",
    "row 12, column attempt: 'first' is not an attempt number",
]
GOOD_HEADER = BAD_MARKS.splitlines()[0]
# Files refused before any row is read: (what is uploaded, the one message the page shows).
UNREADABLE = [
    (
        ("marks.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01"),
        "marks.csv is not a CSV file or an Excel workbook (it holds binary data); "
        "upload a .csv or .xlsx file.",
    ),
    (
        (
            "marks.csv",
            b"student_id,module_code,academic_session,component,attempt\r\n2024000001,ENG1001,2024/25,essay,1\r\n",
        ),
        "marks.csv, row 1: missing required column mark.",
    ),
    (
        ("marks.csv", (GOOD_HEADER + ",grade\r\n").encode()),
        "marks.csv, row 1: unknown column grade; expected columns: student_id, module_code, "
        "academic_session, component, attempt, mark; optional: reassessment_as_first_attempt.",
    ),
    (("marks.csv", b""), "marks.csv: the file is empty."),
    (
        ("marks.csv", (GOOD_HEADER + "\r\n").encode("utf-16")),
        "marks.csv is saved as UTF-16 text; save it as CSV UTF-8 and upload that.",
    ),
    (
        ("marks.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504)),
        "marks.xls is an Excel 97-2003 workbook (.xls) or a password-protected file; save it as an Excel "
        "workbook (.xlsx) or as CSV UTF-8 and upload that.",
    ),
]


def enrol_all_but_one_registration(school: School, user: User, cohort: Path) -> str:
    """Import the structure and the students, leaving 2024000012 off ENG1006; the students file's text."""
    import_with_services(school, user, "structure", (cohort / "structure.csv").read_bytes())
    lines = (cohort / "students.csv").read_text().splitlines(keepends=True)
    students = "".join(line for line in lines if not (line.startswith("2024000012,") and ",ENG1006," in line))
    assert len(students.splitlines()) == len(lines) - 1
    import_with_services(school, user, "students", students.encode())
    return students


def expect_refused(page: Page, errors: list[str], heading: str) -> None:
    expect(page.locator("#status")).to_have_text("Has errors")
    expect(page.get_by_role("heading", name=heading)).to_be_visible()
    expect(page.locator("#errors li")).to_have_text(errors)
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)


def test_bad_rows_and_unreadable_files_are_shown_and_nothing_is_written(
    page: Page, live_server: Any, school: School, administrator: User, cohort: Path, tmp_path: Path
) -> None:
    students = enrol_all_but_one_registration(school, administrator, cohort)
    sign_in(page, live_server, administrator)

    upload(
        page,
        live_server,
        school,
        "marks",
        {"name": "marks.csv", "mimeType": "text/csv", "buffer": BAD_MARKS.encode()},
    )
    expect_refused(page, ROW_ERRORS, f"{len(ROW_ERRORS)} bad rows: nothing will be written")
    expect(page.locator("#count-new")).to_have_count(0)
    page.screenshot(path=tmp_path / "bad-rows.png", full_page=True)

    for (name, data), message in UNREADABLE:
        upload(page, live_server, school, "marks", {"name": name, "mimeType": "text/csv", "buffer": data})
        expect_refused(page, [message], "The file cannot be read: nothing will be written")
        expect(page.get_by_role("heading", name="Preview")).to_have_count(0)

    assert Mark.objects.count() == 0
    statuses = set(ImportBatch.objects.filter(kind="marks").values_list("status", flat=True))
    assert statuses == {ImportBatch.Status.INVALID}

    # Excel's plain "CSV" is Windows-1252: "ë" is the single byte 0xEB.
    renamed = students.replace("2024000001,Jack,", "2024000001,Zoë,")
    assert renamed != students
    upload(
        page,
        live_server,
        school,
        "students",
        {"name": "students.csv", "mimeType": "text/csv", "buffer": renamed.encode("cp1252")},
    )
    changes = page.get_by_role("table", name="Changes, old → new")
    expect(changes.locator("tbody td")).to_have_text(["", "student 2024000001: given_name", "Jack", "Zoë"])
    expect(page.locator("#count-changed")).to_have_text("1")
    page.get_by_role("button", name="Confirm: write 0 new and 1 changed").click()
    expect(page.locator("#status")).to_contain_text("Completed")
    page.goto(f"{live_server.url}/students/2024000001/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Zoë Green 2024000001")
    assert Student.objects.get(student_id="2024000001").given_name == "Zoë"
