"""Another school's administrator, and a user with no role, cannot find or open a school's imports."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth.models import User
from playwright.sync_api import Page, expect

from students.imports import jobs
from students.models import ImportBatch, Mark, School

from .conftest import sign_in


def test_another_schools_administrator_and_an_outsider_get_not_found(
    page: Page,
    live_server: Any,
    enrolled: School,
    administrator: User,
    other_administrator: User,
    outsider: User,
    cohort: Path,
    tmp_path: Path,
) -> None:
    marks = (cohort / "marks.csv").read_bytes()
    batch = jobs.start(school=enrolled, kind="marks", name="marks.csv", data=marks, user_id=administrator.pk)
    jobs.preview(batch)
    hidden = [
        f"/imports/{enrolled.code}/marks/",
        f"/imports/{enrolled.code}/structure/",
        f"/imports/batch/{batch.pk}/",
        f"/imports/batch/{batch.pk}/progress/",
        f"/schools/{enrolled.code}/",
        f"/schools/{enrolled.code}/students/",
        "/students/2024000001/",
    ]

    sign_in(page, live_server, other_administrator)
    expect(page.get_by_role("link", name="School of Physics")).to_be_visible()
    expect(page.get_by_role("link", name="School of English")).to_have_count(0)
    expect(page.get_by_text("(ENG)")).to_have_count(0)
    for path in hidden:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 404, path
        expect(page.get_by_role("heading", level=1)).to_have_text("Not found")
        expect(page.get_by_text("School of English")).to_have_count(0)
    page.screenshot(path=tmp_path / "not-found.png", full_page=True)
    # Writes too: the forms are not there to use, so post as a script would, with the session's CSRF token.
    token = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    for path, form in (
        (f"/imports/batch/{batch.pk}/confirm/", {"fingerprint": batch.preview_fingerprint}),
        (f"/imports/{enrolled.code}/marks/", {}),
    ):
        posted = page.request.post(f"{live_server.url}{path}", form=form, headers={"X-CSRFToken": token})
        assert posted.status == 404, path
    page.goto(f"{live_server.url}/imports/PHY/marks/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Import marks")
    expect(page.get_by_text("None yet.")).to_be_visible()

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sign in")
    sign_in(page, live_server, outsider)
    expect(page.get_by_text("You have no role in any school yet.")).to_be_visible()
    expect(page.get_by_role("main").get_by_role("link")).to_have_count(0)
    for path in hidden:
        response = page.goto(f"{live_server.url}{path}")
        assert response is not None and response.status == 404, path
    assert ImportBatch.objects.get(pk=batch.pk).status == ImportBatch.Status.PREVIEWED
    assert Mark.objects.count() == 0
