"""The committee's decisions in a real browser: the chair overrides a class with a reason, ratifies,
publishes and downloads the results file; a mark corrected after ratification comes back as a proposed
amendment that the chair approves with a reason; an external examiner comments and signs the meeting off
and can change nothing else (the server answers 403 to every other write, whatever the page offers)."""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from boards import services
from boards.models import Category, LedgerEntry, Meeting, Outcome, OutcomeSet, Result, ResultsFile, Review
from boards.tables import value_words
from students.models import School

from .conftest import MEETING, STUDENTS, expect_worker_to_finish, person, sign_in, upload

REASON = "Accepted mitigating circumstances: bereavement in the final examination period."
HOLD = "The missing essay mark is under investigation by the module leader."
APPROVAL = "The corrected dissertation marks were confirmed by the module leader; the new class stands."
# A class one step up from each, for the override.
UPGRADE = {"II.i": "I", "II.ii": "II.i", "III": "II.ii", "I": "II.i"}


def current_outcomes(meeting: Meeting) -> list[Outcome]:
    return list(
        Outcome.objects.filter(outcome_set__cohort=meeting.cohorts.get(), outcome_set__is_current=True)
        .select_related("enrolment__student")
        .order_by("enrolment__student__student_id")
    )


def classed(meeting: Meeting) -> Outcome:
    """The first student, by ID, with a class below a first."""
    return next(o for o in current_outcomes(meeting) if o.klass and o.klass != "I" and not o.incomplete)


def missing(meeting: Meeting) -> Outcome:
    return next(o for o in current_outcomes(meeting) if o.incomplete)


def messages(page: Page) -> Any:
    return page.locator("ul.messages")


def test_chair_overrides_a_class_with_a_reason_ratifies_publishes_and_downloads_the_results_file(
    page: Page, live_server: Any, board: Meeting, tmp_path: Path
) -> None:
    cohort = board.cohorts.get()
    base = f"{live_server.url}/boards/meetings/{board.pk}/cohorts/{cohort.pk}/"
    outcome, incomplete = classed(board), missing(board)
    student = outcome.enrolment.student
    computed, overridden = outcome.klass, UPGRADE[outcome.klass]
    sign_in(page, live_server, person("charlotte"))

    # Ratification is refused while a record with a missing mark has no recorded decision.
    page.goto(f"{live_server.url}/boards/")
    page.get_by_role("link", name=MEETING).click()
    expect(page.locator(f"#review-{cohort.pk}")).to_have_text("Outcomes: Provisional.")
    page.locator(f"#cohort-{cohort.pk}").get_by_role("button", name="Ratify").click()
    expect(messages(page)).to_contain_text(
        f"Student {incomplete.enrolment.student.student_id} has no recorded outcome (a mark missing or "
        "not judged): hold each back or record the committee's decision first."
    )
    assert Review.objects.get(meeting=board, cohort=cohort).state == Review.State.PROVISIONAL

    # The override: without a reason it is refused, field by field; with one it stands beside the computed.
    page.locator(f"#cohort-{cohort.pk}").get_by_role("link", name="Broadsheet").click()
    page.locator("table.broadsheet").get_by_role("link", name=student.student_id).click()
    expect(page.locator(".headline")).to_contain_text(f"Class: {computed}")
    form = page.locator("form[aria-labelledby=override-title]")
    form.get_by_label("Change").select_option("klass")
    form.get_by_label("To").select_option(overridden)
    form.get_by_label("Category").select_option(Category.MITIGATION)
    form.get_by_role("button", name="Record the override").click()
    # The browser asks for the reason first (the server refuses one missing too: tests/boards/views).
    assert form.get_by_label("Reason").evaluate("(el) => el.validity.valueMissing") is True
    expect(messages(page)).to_have_count(0)
    assert not LedgerEntry.objects.filter(kind="override").exists()

    form.get_by_label("Change").select_option("klass")
    form.get_by_label("To").select_option(overridden)
    form.get_by_label("Category").select_option(Category.MITIGATION)
    form.get_by_label("Reason").fill(REASON)
    form.get_by_role("button", name="Record the override").click()
    said, was = value_words("klass", overridden), value_words("klass", computed)
    expect(messages(page)).to_have_text(
        f"Override recorded: the class is {said}; the computed class, {was}, stays beside it."
    )
    expect(page.locator("#override-klass")).to_contain_text(f"Class: {said}, overridden; computed: {was}.")
    expect(page.locator("#override-klass")).to_contain_text(f"Mitigating circumstances (L 7.3.4): {REASON}")
    expect(page.locator("#override-klass")).to_contain_text("recorded by charlotte")
    # The computed class stays in the headline: the override is the committee's, not the calculation's.
    expect(page.locator(".headline")).to_contain_text(f"Class: {computed}")
    page.screenshot(path=tmp_path / "override-beside-the-computed-class.png", full_page=True)

    # The broadsheet keeps both: the computed class and the agreed one, flagged.
    page.goto(base)
    row = page.locator("table.broadsheet tbody tr").filter(has_text=student.student_id)
    expect(row).to_contain_text("Overridden")
    expect(row).to_contain_text(computed)
    expect(row).to_contain_text(overridden)

    # Hold the student with the missing mark back, then ratify and publish.
    page.goto(f"{base}students/{incomplete.enrolment_id}/")
    page.get_by_label("Why hold this student back from ratification").fill(HOLD)
    page.get_by_role("button", name="Hold back from ratification").click()
    expect(messages(page)).to_have_text("The student is held back from ratification at this meeting.")
    expect(page.locator("#hold")).to_contain_text(f"Held back from ratification at this meeting: {HOLD}")

    page.goto(f"{live_server.url}/boards/meetings/{board.pk}/")
    page.locator(f"#cohort-{cohort.pk}").get_by_role("button", name="Ratify").click()
    expect(messages(page)).to_have_text(
        f"The outcomes of {cohort} are ratified: results agreed for {STUDENTS - 1} students, "
        "1 student held back."
    )
    expect(page.locator(f"#review-{cohort.pk}")).to_contain_text("Ratified by charlotte on ")
    page.locator(f"#cohort-{cohort.pk}").get_by_role("button", name="Publish").click()
    published = ResultsFile.objects.get()
    expect(messages(page)).to_have_text(
        f"The results of {cohort} are published: {published.name} ({STUDENTS - 1} students) is ready to "
        "download for the student record system."
    )
    expect(page.locator(f"#review-{cohort.pk}")).to_contain_text("Published on ")
    expect(page.locator(f"#cohort-{cohort.pk}").get_by_role("button")).to_have_count(1)  # Recalculate only
    page.screenshot(path=tmp_path / "published.png", full_page=True)

    with page.expect_download() as download:
        page.locator(f"#files-{cohort.pk}").get_by_role("link", name=published.name).click()
    assert download.value.suggested_filename == published.name == "ENG-BA_2024-25_Y3_award_results.csv"
    rows = list(csv.reader(io.StringIO(Path(download.value.path()).read_text(encoding="utf-8-sig"))))
    assert rows[0] == [
        "student_id",
        "programme",
        "session",
        "decision",
        "award",
        "class",
        "classification_average",
        "override",
    ]
    by_student = {row[0]: row for row in rows[1:]}
    assert len(by_student) == STUDENTS - 1
    assert incomplete.enrolment.student.student_id not in by_student
    assert by_student[student.student_id][5:] == [
        overridden,
        f"{outcome.classification_average.normalize():f}",
        "Y",
    ]
    for other in current_outcomes(board):
        if other.enrolment_id not in (outcome.enrolment_id, incomplete.enrolment_id):
            row = by_student[other.enrolment.student.student_id]
            assert [*row[3:6], row[7]] == [other.decision, other.award, other.klass, "N"]

    # The minutes record what happened, in order.
    page.get_by_role("link", name="Minutes", exact=True).click()
    minutes = page.locator("main")
    for said_there in (REASON, HOLD, "Ratified", "Published"):
        expect(minutes).to_contain_text(said_there)
    page.screenshot(path=tmp_path / "minutes.png", full_page=True)


def test_a_mark_corrected_after_ratification_is_a_proposed_amendment_the_chair_approves(
    page: Page,
    live_server: Any,
    request: pytest.FixtureRequest,
    board: Meeting,
    school: School,
    administrator: User,
    tmp_path: Path,
) -> None:
    cohort = board.cohorts.get()
    chair = person("charlotte")
    services.hold_student(
        meeting=board, cohort=cohort, enrolment_id=missing(board).enrolment_id, reason=HOLD, user=chair
    )
    services.ratify_cohort(meeting=board, cohort=cohort, user=chair)
    outcome = classed(board)
    student = outcome.enrolment.student
    agreed = Result.objects.get(review__meeting=board, enrolment_id=outcome.enrolment_id)
    assert (agreed.klass, agreed.amendment_id) == (outcome.klass, None)

    # The school administrator corrects the student's final-year marks: every component to 100.
    marks = tmp_path / "corrected-marks.csv"
    original = (Path(request.getfixturevalue("cohort_files")) / "marks.csv").read_text().splitlines()
    corrected = [original[0]] + [
        ",".join([*line.split(",")[:5], "100"])
        for line in original[1:]
        if line.startswith(f"{student.student_id},") and ",2024/25," in line
    ]
    assert len(corrected) > 2
    marks.write_text("\n".join(corrected) + "\n")
    request.getfixturevalue("celery_worker")
    sign_in(page, live_server, administrator)
    batch = upload(page, live_server, school, "marks", marks)
    expect(page.locator("#count-errors")).to_have_text("0")
    page.get_by_role("button", name=f"Confirm: write 0 new and {len(corrected) - 1} changed").click()
    expect(page.locator("#status")).to_contain_text("Completed: written on ")
    page.goto(f"{live_server.url}/boards/meetings/{board.pk}/")
    expect(page.locator(f"#status-{cohort.pk}")).to_contain_text(f"(marks import #{batch})")
    expect_worker_to_finish(page, cohort, tmp_path / "worker.log")
    now = Outcome.objects.get(
        outcome_set__cohort=cohort, outcome_set__is_current=True, enrolment_id=outcome.enrolment_id
    )
    assert now.klass != outcome.klass, "the corrected marks must change the student's class"
    # The recalculation stored a new set; the agreed result is untouched.
    agreed.refresh_from_db()
    assert (agreed.klass, agreed.outcome_id) == (outcome.klass, outcome.pk)
    assert OutcomeSet.objects.filter(cohort=cohort).count() == 2

    # The chair finds the student among the proposed amendments and approves it with a reason.
    page.get_by_role("button", name="Sign out").click()
    sign_in(page, live_server, chair)
    page.goto(f"{live_server.url}/boards/meetings/{board.pk}/")
    page.locator(f"#cohort-{cohort.pk}").get_by_role("link", name="Amendments (1 proposed)").click()
    proposed = page.locator("#proposed tbody tr")
    expect(proposed).to_have_count(1)
    expect(proposed.locator("th")).to_have_text(
        f"{student.student_id} {student.given_name} {student.family_name}"
    )
    expect(proposed.locator("td")).to_have_text(["Class", outcome.klass, now.klass])
    page.screenshot(path=tmp_path / "proposed-amendment.png", full_page=True)
    proposed.get_by_role("link").click()
    expect(page.locator("#agreed")).to_contain_text(f"class {outcome.klass}")
    expect(page.locator("#proposal")).to_have_text(
        f"Amendment proposed: class {outcome.klass} → {now.klass}. The agreed result stands until the chair "
        "approves the amendment."
    )
    page.get_by_role("button", name="Approve the amendment").click()
    reason = page.get_by_label("Why approve the proposed amendment")
    assert reason.evaluate("(el) => el.validity.valueMissing") is True
    page.get_by_label("Why approve the proposed amendment").fill(APPROVAL)
    page.get_by_role("button", name="Approve the amendment").click()
    expect(messages(page)).to_contain_text("Amendment approved:")
    expect(page.locator("#agreed")).to_contain_text(f"class {now.klass}")
    expect(page.locator("#agreed")).to_contain_text("amended after ratification")
    expect(page.locator("#proposal")).to_have_count(0)

    results = Result.objects.filter(review__meeting=board, enrolment_id=outcome.enrolment_id).order_by("pk")
    assert [(r.klass, r.amendment_id is not None) for r in results] == [
        (outcome.klass, False),
        (now.klass, True),
    ]
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.AMENDMENT)
    assert (entry.enrolment_id, entry.reason, entry.user_id) == (outcome.enrolment_id, APPROVAL, chair.pk)

    page.goto(f"{live_server.url}/boards/meetings/{board.pk}/cohorts/{cohort.pk}/amendments/")
    expect(page.locator("#proposed")).to_have_count(0)
    expect(page.locator("#approved tbody tr")).to_contain_text(APPROVAL)
    page.goto(f"{live_server.url}/boards/meetings/{board.pk}/minutes/")
    expect(page.locator("main")).to_contain_text(APPROVAL)


def test_external_examiner_comments_and_signs_off_and_can_change_nothing_else(
    page: Page, live_server: Any, board: Meeting, tmp_path: Path
) -> None:
    cohort = board.cohorts.get()
    outcome = classed(board)
    sign_in(page, live_server, person("ezra"))
    page.goto(f"{live_server.url}/boards/meetings/{board.pk}/")

    # The meeting page offers an external examiner two forms, and only two: a comment and the sign-off.
    actions = page.evaluate(
        """() => [...document.forms].filter((f) => f.method === "post")
                 .map((f) => new URL(f.action).pathname)"""
    )
    assert sorted(actions) == [
        "/accounts/logout/",
        f"/boards/meetings/{board.pk}/comments/",
        f"/boards/meetings/{board.pk}/sign-off/",
    ]
    comment = "The marking of ENG3001 is consistent across the range; the second marking sample was ample."
    page.get_by_label("Your comment to the committee").fill(comment)
    page.get_by_role("button", name="Record comment").click()
    expect(messages(page)).to_have_text("Your comment is recorded; it goes into the minutes.")
    statement = "I confirm the standards are appropriate and the board's processes were fair and followed."
    page.get_by_label("Your sign-off statement").fill(statement)
    page.get_by_role("button", name="Sign off the meeting").click()
    expect(messages(page)).to_have_text("You signed the meeting off; the sign-off goes into the minutes.")
    examiners = page.locator("#examiners")
    expect(examiners).to_contain_text("Comment by ezra")
    expect(examiners).to_contain_text(comment)
    expect(examiners).to_contain_text("Signed off by ezra")
    expect(examiners).to_contain_text(statement)
    expect(page.get_by_role("button", name="Sign off the meeting")).to_have_count(0)
    page.screenshot(path=tmp_path / "signed-off.png", full_page=True)

    page.get_by_role("link", name="Minutes", exact=True).click()
    expect(page.locator("main")).to_contain_text(statement)
    expect(page.locator("main")).to_contain_text(comment)

    # Every other write answers 403 to the examiner's own session, with a valid CSRF token.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    student = f"/boards/meetings/{board.pk}/cohorts/{cohort.pk}/students/{outcome.enrolment_id}/"
    writes = {
        f"{student}override/": {"field": "klass", "value": "I", "category": "mitigation", "reason": REASON},
        f"{student}hold/": {"reason": HOLD},
        f"{student}amend/": {"field": "klass", "value": "I", "category": "mitigation", "reason": REASON},
        f"/boards/meetings/{board.pk}/cohorts/{cohort.pk}/ratify/": {},
        f"/boards/meetings/{board.pk}/cohorts/{cohort.pk}/publish/": {},
        f"/boards/meetings/{board.pk}/cohorts/{cohort.pk}/recalculate/": {},
        f"/boards/meetings/{board.pk}/recalculate/": {},
    }
    before = list(LedgerEntry.objects.order_by("pk").values_list("kind", "user__username", "reason"))
    assert before == [
        ("provisional", "charlotte", ""),
        ("comment", "ezra", comment),
        ("sign-off", "ezra", statement),
    ]
    for path, data in writes.items():
        response = page.request.post(
            f"{live_server.url}{path}", form=data, headers={"X-CSRFToken": token, "Referer": live_server.url}
        )
        assert (path, response.status) == (path, 403)
        assert "Not allowed" in response.text(), path
    after = list(LedgerEntry.objects.order_by("pk").values_list("kind", "user__username", "reason"))
    assert after == before
    assert (OutcomeSet.objects.count(), Review.objects.get().state) == (1, Review.State.PROVISIONAL)
