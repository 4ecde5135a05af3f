"""An administrator imports a school's structure, students and marks, then corrects one mark."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from students.models import Mark, MarkChange, School

from .conftest import WHEN, entered, seen, sign_in, upload

FIRST_MARK = "2024000001,ENG1001,2024/25,essay,1,60\n"


def preview_and_confirm(page: Page, *, new: int, changed: int, unchanged: int) -> None:
    """Read the preview's counts, confirm, and see the import completed."""
    expect(page.locator("#status")).to_have_text("Previewed")
    expect(page.locator("#count-new")).to_have_text(str(new))
    expect(page.locator("#count-changed")).to_have_text(str(changed))
    expect(page.locator("#count-unchanged")).to_have_text(str(unchanged))
    expect(page.locator("#count-errors")).to_have_text("0")
    page.get_by_role("button", name=f"Confirm: write {new} new and {changed} changed").click()
    expect(page.locator("#status")).to_contain_text("Completed: written on ")
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)


def test_administrator_imports_structure_students_and_marks_then_corrects_a_mark(
    page: Page, live_server: Any, school: School, administrator: User, cohort: Path, tmp_path: Path
) -> None:
    sign_in(page, live_server, administrator)
    page.get_by_role("link", name="School of English").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("School of English")
    expect(page.get_by_text("This school has no programmes yet.")).to_be_visible()

    upload(page, live_server, school, "structure", cohort / "structure.csv")
    expect(page.get_by_role("heading", level=1)).to_contain_text(": structure.csv")
    expect(page.locator(".lede")).to_contain_text("Programmes, modules and components for School of English")
    expect(page.locator(".lede")).to_contain_text("uploaded by ada")
    expect(page.locator(".lede")).to_contain_text("; 12 rows.")
    # 1 programme, 6 modules, 6 programme-module pairings, 6 occurrences and 12 components.
    preview_and_confirm(page, new=31, changed=0, unchanged=0)

    upload(page, live_server, school, "students", cohort / "students.csv")
    expect(page.locator(".lede")).to_contain_text("; 72 rows.")
    # 12 students, 1 entry cohort, 12 enrolments and 72 registrations.
    preview_and_confirm(page, new=97, changed=0, unchanged=0)

    first = upload(page, live_server, school, "marks", cohort / "marks.csv")
    expect(page.locator(".lede")).to_contain_text("; 162 rows.")
    expect(page.get_by_role("heading", name="Preview")).to_be_visible()
    assert Mark.objects.count() == 0
    preview_and_confirm(page, new=162, changed=0, unchanged=0)
    assert Mark.objects.count() == 162

    page.goto(f"{live_server.url}/schools/ENG/")
    expect(page.get_by_role("row", name="ENG1001 Introduction to Eng")).to_contain_text("20")
    page.get_by_role("link", name="Students of School of English").click()
    students = page.get_by_role("table", name="Students of School of English")
    expect(students.locator("tbody tr")).to_have_count(12)
    expect(students.locator("tbody tr").first).to_contain_text("2024000001")
    students.get_by_role("link", name="2024000001").click()

    essay = page.get_by_role("table", name="Marks for ENG1001 in 2024/25").get_by_role("row", name="essay")
    expect(essay.locator("td").nth(0)).to_have_text("1")
    expect(essay.locator("td").nth(1)).to_have_text("60")
    expect(essay.locator(".history li")).to_have_count(0)
    expect(essay.locator(".provenance")).to_have_text(entered("Entered", first))

    corrected = tmp_path / "marks-corrected.csv"
    marks = (cohort / "marks.csv").read_text()
    assert FIRST_MARK in marks
    corrected.write_text(marks.replace(FIRST_MARK, FIRST_MARK.replace(",60\n", ",64\n")))
    second = upload(page, live_server, school, "marks", corrected)
    changes = page.get_by_role("table", name="Changes, old → new")
    expect(changes.locator("tbody tr")).to_have_count(1)
    expect(changes.locator("tbody td")).to_have_text(
        ["2", "2024000001 ENG1001 2024/25 essay attempt 1", "60", "64"]
    )
    preview_and_confirm(page, new=0, changed=1, unchanged=161)

    page.goto(f"{live_server.url}/students/2024000001/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Jack Green 2024000001")
    expect(essay.locator("td").nth(1)).to_have_text("64")
    history = essay.locator(".history li")
    expect(history).to_have_count(1)
    expect(history).to_have_text(
        seen(rf"60 \(set by ada, {WHEN}, import #{first}\) → 64, by ada, {WHEN}, import #{second}")
    )
    expect(essay.locator(".provenance")).to_have_text(entered("Current value", second))
    assert MarkChange.objects.filter(import_batch_id=second).count() == 1
    page.screenshot(path=tmp_path / "student-with-history.png", full_page=True)

    history.get_by_role("link", name=f"import #{second}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Import #{second}: marks-corrected.csv")
