"""The committee's journeys: an administrator's import recalculated on the worker while the meeting page
watches, a member reading a board, and an external examiner who can read everything and change nothing."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from boards.models import Meeting, Outcome, OutcomeSet
from boards.tables import NOT_RECORDED, award_words
from students.models import School

from .conftest import MEETING, STUDENTS, expect_worker_to_finish, make_meeting, person, sign_in, upload


def test_administrator_imports_marks_and_the_meeting_page_shows_the_recalculation_finish(
    page: Page,
    live_server: Any,
    request: pytest.FixtureRequest,
    transactional_db: None,
    school: School,
    administrator: User,
    cohort_files: Path,
    tmp_path: Path,
) -> None:
    meeting = make_meeting(school, administrator, cohort_files, kinds=("structure", "students"))
    cohort = meeting.cohorts.get()
    sign_in(page, live_server, administrator)

    batch = upload(page, live_server, school, "marks", cohort_files / "marks.csv")
    expect(page.locator("#status")).to_have_text("Previewed")
    expect(page.locator("#count-errors")).to_have_text("0")
    page.get_by_role("button", name=re.compile(r"^Confirm: write \d+ new and 0 changed$")).click()
    expect(page.locator("#status")).to_contain_text("Completed: written on ")
    queued = OutcomeSet.objects.get(cohort=cohort)
    assert (queued.stage, queued.status, queued.trigger) == ("award", "queued", f"marks import #{batch}")

    page.goto(f"{live_server.url}/boards/")
    page.get_by_role("link", name=MEETING).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MEETING)
    status = page.locator(f"#status-{cohort.pk}")
    expect(status).to_contain_text("Not yet calculated.")
    expect(status).to_contain_text("The calculation is queued.")
    expect(page.locator("#meeting-status")).to_have_attribute(
        "hx-get", f"/boards/meetings/{meeting.pk}/status/"
    )
    expect(page.locator(f"#counts-{cohort.pk}")).to_have_count(0)
    page.screenshot(path=tmp_path / "meeting-waiting-for-the-worker.png", full_page=True)

    # No worker until now, so the page was certainly caught before the calculation; htmx polls, and once
    # the set is complete the fragment reloads the page with the new set's figures.
    request.getfixturevalue("celery_worker")
    expect_worker_to_finish(page, cohort, tmp_path / "worker.log")
    expect(status).to_contain_text(f"(marks import #{batch})")
    current = OutcomeSet.objects.get(cohort=cohort, is_current=True)
    assert (current.pk, current.status, current.total, current.done) == (
        queued.pk,
        "complete",
        STUDENTS,
        STUDENTS,
    )
    counts = page.locator(f"#counts-{cohort.pk}")
    expect(counts.locator("caption")).to_have_text(f"Outcomes of {STUDENTS} students")
    missing = Outcome.objects.get(outcome_set=current, incomplete=True)
    # The figures are the new set's: one row per award and class, the record with a mark missing apart.
    expected = Counter(
        f"{NOT_RECORDED} (marks missing)" if o.incomplete else f"{award_words(o.award)}, {o.klass}"
        for o in current.outcomes.all()
    )
    rows = counts.locator("tbody tr")
    expect(rows).to_have_count(len(expected))
    shown = {row.locator("th").inner_text(): int(row.locator("td").inner_text()) for row in rows.all()}
    assert shown == dict(expected)
    assert sum(shown.values()) == STUDENTS
    student = missing.enrolment.student
    attention = page.locator(f"#attention-{cohort.pk}")
    expect(attention.get_by_role("link")).to_have_text(
        f"{student.student_id} {student.given_name} {student.family_name}"
    )
    expect(attention).to_contain_text("not recorded; missing ENG3")
    expect(page.locator("#meeting-status")).not_to_have_attribute("hx-get", re.compile(".*"))
    page.screenshot(path=tmp_path / "meeting-recalculated.png", full_page=True)


def test_member_reads_the_meeting_broadsheet_an_explanation_and_module_statistics(
    page: Page, live_server: Any, board: Meeting, tmp_path: Path
) -> None:
    cohort = board.cohorts.get()
    outcomes = Outcome.objects.filter(outcome_set__cohort=cohort, outcome_set__is_current=True)
    sign_in(page, live_server, person("meera"))
    page.goto(f"{live_server.url}/boards/")
    page.get_by_role("link", name=MEETING).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MEETING)
    expect(page.locator(f"#counts-{cohort.pk} caption")).to_have_text(f"Outcomes of {STUDENTS} students")
    expect(page.get_by_role("button", name=re.compile("Recalculate"))).to_have_count(0)

    page.locator(f"#cohort-{cohort.pk}").get_by_role("link", name="Broadsheet").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Broadsheet: BA Eng, 2024/25 year 3")
    sheet = page.locator("table.broadsheet")
    expect(sheet.locator("tbody tr")).to_have_count(STUDENTS)

    # Sort by classification average, lowest first, then highest first.
    sheet.get_by_role("link", name="Classification average").click()
    expect(sheet.locator("th[aria-sort]")).to_have_attribute("aria-sort", "ascending")
    averages = sorted(o.classification_average for o in outcomes if o.classification_average is not None)
    column = page.locator("table.broadsheet thead th").all_inner_texts().index("Classification average")
    shown = [t for t in sheet.locator(f"tbody tr td:nth-child({column + 1})").all_inner_texts() if t]
    assert shown == [f"{a:.1f}" for a in averages]
    sheet.get_by_role("link", name="Classification average").click()
    expect(sheet.locator("th[aria-sort]")).to_have_attribute("aria-sort", "descending")

    # Filter: only the records with a mark not recorded.
    page.locator("select[name=incomplete]").select_option("true")
    page.get_by_role("button", name="Show").click()
    expect(sheet.locator("tbody tr")).to_have_count(1)
    missing = outcomes.get(incomplete=True)
    expect(sheet.locator("tbody tr")).to_contain_text(missing.enrolment.student.student_id)
    expect(sheet.locator("tbody tr")).to_contain_text(NOT_RECORDED)

    # The explanation of a judged record: why this class.
    judged = outcomes.filter(incomplete=False).exclude(klass="").order_by("enrolment__student__student_id")[0]
    student = judged.enrolment.student
    page.goto(f"{live_server.url}/boards/meetings/{board.pk}/cohorts/{cohort.pk}/")
    sheet.get_by_role("link", name=student.student_id).click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        f"{student.given_name} {student.family_name}"
    )
    expect(page.locator(".headline")).to_contain_text(f"Class: {judged.klass}")
    expect(page.get_by_role("heading", name="Why: the calculation step by step")).to_be_visible()
    expect(page.locator("main")).to_contain_text("L 10.4.8")
    page.screenshot(path=tmp_path / "why-this-class.png", full_page=True)

    page.get_by_role("navigation", name="Breadcrumb").get_by_role("link", name="Module statistics").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("Module statistics")
    expect(page.get_by_role("heading", name="ENG3001 Advanced Topics in Eng")).to_be_visible()
    figures = page.get_by_role("table", name="Figures, ENG3001")
    rows = {
        figure: figures.locator("tbody tr").filter(has=page.get_by_role("rowheader", name=figure, exact=True))
        for figure in ("Marks", "Mean", "Median", "Pass rate")
    }
    for row in rows.values():
        expect(row.locator("td").first).to_have_text(re.compile(r"\d"))
    marks = int(rows["Marks"].locator("td").first.inner_text())
    bands = page.get_by_role("table", name="Marks per band, ENG3001").locator("tbody tr td:nth-of-type(1)")
    assert 0 < marks <= STUDENTS
    assert sum(int(count) for count in bands.all_inner_texts()) == marks
    page.screenshot(path=tmp_path / "module-statistics.png", full_page=True)


# Every enabled control outside a GET form, and every form that is not a GET form, except the sign-out
# form and the forms posting to the paths given (an external examiner's comment and sign-off): on an
# external examiner's pages both lists must be empty.
CONTROLS_THAT_CHANGE = """(allowed) => {
  const permitted = (form) => form.method === "post" && allowed.includes(new URL(form.action).pathname);
  const readOnly = (form) => form && (form.method === "get" || permitted(form));
  const forms = [...document.forms].filter((form) => !readOnly(form)).map((form) => form.outerHTML);
  const controls = [...document.querySelectorAll("button, input, select, textarea")]
    .filter((el) => !el.disabled && el.type !== "hidden" && !readOnly(el.form))
    .map((el) => el.outerHTML);
  const htmx = [...document.querySelectorAll("[hx-post], [hx-put], [hx-patch], [hx-delete]")].map(
    (el) => el.outerHTML);
  return [...forms, ...controls, ...htmx];
}"""


def expect_read_only(page: Page, what: str, *, examiner_forms: int = 0) -> None:
    """Nothing on the page changes anything but the sign-out and, on the meeting page, the examiner's
    comment and sign-off forms (``examiner_forms``: the meeting's pk)."""
    allowed = ["/accounts/logout/"]
    if examiner_forms:
        allowed += [
            f"/boards/meetings/{examiner_forms}/comments/",
            f"/boards/meetings/{examiner_forms}/sign-off/",
        ]
    assert page.evaluate(CONTROLS_THAT_CHANGE, allowed) == [], what
    expect(page.locator("form[method=post]")).to_have_count(len(allowed))
    expect(page.get_by_role("button", name="Sign out")).to_be_visible()


def test_external_examiner_reads_everything_and_finds_no_control_that_changes_anything(
    page: Page, live_server: Any, board: Meeting
) -> None:
    cohort = board.cohorts.get()
    base = f"{live_server.url}/boards/meetings/{board.pk}/cohorts/{cohort.pk}/"
    outcome = Outcome.objects.filter(outcome_set__is_current=True, incomplete=False).order_by("pk")[0]
    sign_in(page, live_server, person("ezra"))

    page.goto(f"{live_server.url}/boards/")
    page.get_by_role("link", name=MEETING).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(MEETING)
    expect(page.locator(f"#counts-{cohort.pk} caption")).to_have_text(f"Outcomes of {STUDENTS} students")
    expect_read_only(page, "meeting", examiner_forms=board.pk)

    page.locator(f"#cohort-{cohort.pk}").get_by_role("link", name="Broadsheet").click()
    expect(page.locator("table.broadsheet tbody tr")).to_have_count(STUDENTS)
    expect_read_only(page, "broadsheet")
    page.locator("select[name=incomplete]").select_option("false")
    page.get_by_role("button", name="Show").click()
    expect(page.locator("table.broadsheet tbody tr")).to_have_count(STUDENTS - 1)
    expect_read_only(page, "filtered broadsheet")
    with page.expect_download() as download:
        page.get_by_role("link", name="CSV").click()
    assert download.value.suggested_filename.endswith(".csv")

    page.goto(f"{base}students/{outcome.enrolment_id}/")
    expect(page.get_by_role("heading", name="Why: the calculation step by step")).to_be_visible()
    expect_read_only(page, "outcome")

    page.goto(f"{base}statistics/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Module statistics")
    expect_read_only(page, "statistics")

    page.goto(f"{live_server.url}/boards/committees/{board.committee_id}/")
    expect(page.get_by_role("heading", level=1)).to_have_text("School of English UG Board")
    expect_read_only(page, "committee")

    page.goto(f"{base}amendments/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("Amendments")
    expect_read_only(page, "amendments")

    page.goto(f"{live_server.url}/boards/meetings/{board.pk}/minutes/")
    expect(page.locator("main")).to_contain_text("The meeting was quorate")
    expect_read_only(page, "minutes")

    page.goto(f"{live_server.url}/boards/committees/{board.committee_id}/ledger/")
    expect(page.locator("main")).to_contain_text("verifies")
    expect_read_only(page, "ledger")
