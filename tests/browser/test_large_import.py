"""A large import runs on the worker: the page shows its progress and follows it without a reload."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import Locator, Page, expect

from students.models import ImportBatch, Mark, School

from .conftest import WORKER_TIMEOUT_MS, entered, sign_in, upload


def expect_worker_to_reach(status: Locator, text: str, worker_log: Path) -> None:
    """Wait, as a person would, for the polled status; on failure show what the worker said."""
    try:
        expect(status).to_contain_text(text, timeout=WORKER_TIMEOUT_MS)
    except AssertionError as error:
        raise AssertionError(f"{error}\n\nworker.log:\n{worker_log.read_text()[-5000:]}") from None


def test_a_large_import_shows_its_progress_and_reloads_itself_when_the_worker_is_done(
    page: Page,
    live_server: Any,
    settings: Any,
    request: pytest.FixtureRequest,
    enrolled: School,
    administrator: User,
    cohort: Path,
    tmp_path: Path,
) -> None:
    # The live server runs in this process, so it sees the lowered threshold: 162 rows go to the worker.
    settings.QUORUM_IMPORT_INLINE_ROWS = 100
    sign_in(page, live_server, administrator)
    pk = upload(page, live_server, enrolled, "marks", cohort / "xlsx" / "marks.xlsx")

    # No worker is running yet, so the page is caught before the preview for certain.
    status = page.locator("#status")
    expect(status).to_contain_text("Uploaded")
    expect(status).to_contain_text("Checked 0 of 162 rows. You can leave this page and come back.")
    expect(status.get_by_role("progressbar", name="Progress")).to_be_visible()
    expect(status).to_have_attribute("hx-get", f"/imports/batch/{pk}/progress/")
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
    page.screenshot(path=tmp_path / "waiting-for-the-worker.png", full_page=True)

    # Leave, and find the import again from the upload page's recent imports.
    page.get_by_role("link", name="Quorum").click()
    expect(page.get_by_role("heading", name="Your schools")).to_be_visible()
    page.goto(f"{live_server.url}/imports/{enrolled.code}/marks/")
    recent = page.get_by_role("row", name=f"import #{pk}")
    expect(recent).to_contain_text("marks.xlsx")
    expect(recent).to_contain_text("Uploaded")
    recent.get_by_role("link", name=f"import #{pk}").click()
    expect(status).to_contain_text("Checked 0 of 162 rows.")

    request.getfixturevalue("celery_worker")
    # htmx polls #status; when the worker is done the fragment's HX-Refresh header reloads the page,
    # which is the only way the preview and its Confirm button can appear without the test reloading.
    expect_worker_to_reach(status, "Previewed", tmp_path / "worker.log")
    expect(status).to_have_text("Previewed")
    expect(page.locator("#count-new")).to_have_text("162")
    expect(page.locator("#count-errors")).to_have_text("0")
    assert Mark.objects.count() == 0

    page.get_by_role("button", name="Confirm: write 162 new and 0 changed").click()
    expect_worker_to_reach(status, "Completed: written on ", tmp_path / "worker.log")
    expect(page.get_by_role("button", name="Confirm")).to_have_count(0)
    assert Mark.objects.count() == 162
    assert ImportBatch.objects.get(pk=pk).status == ImportBatch.Status.COMPLETED

    page.goto(f"{live_server.url}/students/2024000001/")
    essay = page.get_by_role("table", name="Marks for ENG1001 in 2024/25").get_by_role("row", name="essay")
    expect(essay.locator("td").nth(1)).to_have_text("60")
    expect(essay.locator(".provenance")).to_have_text(entered("Entered", pk))
