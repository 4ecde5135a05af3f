"""Browser journeys: Playwright driving Debian's Chromium against pytest-django's live server.

The browser is ``/usr/bin/chromium`` (``apt-get install chromium``; `.ci/run` installs it when missing),
never one downloaded by ``playwright install`` (/work/shared/BROWSER.md). Without it the journeys are
skipped on a developer's machine and fail in CI, where ``CI`` is set.
"""

from __future__ import annotations

import datetime
import io
import os
import re
from pathlib import Path
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from playwright.sync_api import Page, expect

from boards import services
from boards.models import AssessmentCommittee, Cohort, Meeting, Membership, OutcomeSet, Stage
from boards.recalculation import calculate
from students.imports import jobs
from students.models import ImportBatch, Programme, School
from tests.conftest import PASSWORD, make_user

CHROMIUM = Path("/usr/bin/chromium")
# Without the networking flags Chromium keeps calling hosts it cannot reach on a closed network.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# Long enough for a worker to start and finish a small file on a slow CI machine.
WORKER_TIMEOUT_MS = 60_000
# A page of the live server can take longer than Playwright's default 5 s on a busy CI machine.
expect.set_options(timeout=15_000)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the journeys and run them after every other test (see ``_orm_beside_playwright``)."""
    here = Path(__file__).parent
    journeys = [item for item in items if here in item.path.parents]
    for item in journeys:
        item.add_marker(pytest.mark.browser)
    items[:] = [item for item in items if item not in journeys] + journeys


@pytest.fixture(scope="session", autouse=True)
def _orm_beside_playwright() -> None:
    """Let this thread use the ORM while Playwright's sync API holds a running event loop in it.

    From the first journey until the end of the session Django would otherwise refuse every query (the
    test's, and the test database's teardown) as if it came from async code. The variable is never
    unset, since the database is destroyed after the last test; that is why the journeys run last, so
    no other test (or a process it starts, such as ``manage.py check --deploy``) ever sees it.
    """
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict[str, Any]) -> dict[str, Any]:
    if not CHROMIUM.exists():
        message = f"{CHROMIUM} is missing: run `apt-get install chromium` (never `playwright install`)"
        if os.environ.get("CI"):
            pytest.fail(message)
        pytest.skip(message)
    return {**browser_type_launch_args, "executable_path": str(CHROMIUM), "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict[str, Any]) -> dict[str, Any]:
    return {**browser_context_args, "viewport": {"width": 1280, "height": 900}, "locale": "en-GB"}


@pytest.fixture(scope="session")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """structure.csv, students.csv, marks.csv (and marks.xlsx) of 12 first-year students of ENG."""
    folder = tmp_path_factory.mktemp("cohort")
    options = {"students": 12, "years": 1, "ruleset": "leeds-taught-2024", "school": "ENG"}
    for out, file_format in ((folder, "csv"), (folder / "xlsx", "xlsx")):
        call_command("generate_cohort", out=out, format=file_format, stdout=io.StringIO(), **options)
    return folder


def sign_in(page: Page, live_server: Any, user: User) -> None:
    """Sign in through the login form, as a person would."""
    page.goto(f"{live_server.url}/accounts/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.locator(".site-header")).to_contain_text(f"Signed in as {user.get_username()}")


def upload(page: Page, live_server: Any, school: School, kind: str, file: Path | dict[str, Any]) -> int:
    """Upload ``file`` (a path, or Playwright's name/mimeType/buffer) on the upload page; the import's id."""
    page.goto(f"{live_server.url}/imports/{school.code}/{kind}/")
    page.get_by_label("File (CSV or XLSX").set_input_files(file)
    page.get_by_role("button", name="Check the file").click()
    page.wait_for_url(re.compile(r"/imports/batch/\d+/$"))
    return int(page.url.rstrip("/").rsplit("/", 1)[1])


# When a mark was set, as the student's page shows it: 22 Nov 2026 11:21.
WHEN = r"\d{1,2}\s[A-Z][a-z]{2}\s\d{4}\s\d{2}:\d{2}"


def seen(pattern: str) -> re.Pattern[str]:
    """``pattern`` (a regular expression) matched against text laid out over several template lines.

    Playwright compares a regular expression with the raw text, so each space in ``pattern`` matches
    any run of whitespace, and whitespace is allowed before the closing punctuation and at the ends.
    """
    spaced = re.sub(r"(\\[.)])", r"\\s*\1", pattern.replace(" ", r"\s+"))
    return re.compile(rf"^\s*{spaced}\s*$")


def entered(what: str, batch: int, who: str = "ada") -> re.Pattern[str]:
    """Under a mark: who set its current value, when, and through which import."""
    return seen(rf"{what} by {who}, {WHEN}, import #{batch}\.")


def import_with_services(school: School, user: User, kind: str, data: bytes) -> ImportBatch:
    """Set-up for a journey that starts later: the same services the pages call, without the browser."""
    batch = jobs.start(school=school, kind=kind, name=f"{kind}.csv", data=data, user_id=user.pk)
    jobs.preview(batch)
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.errors
    jobs.confirm(batch, user_id=user.pk)
    assert batch.status == ImportBatch.Status.COMPLETED, batch.errors
    return batch


@pytest.fixture
def enrolled(transactional_db: None, school: School, administrator: User, cohort: Path) -> School:
    """The school's programmes, modules, students and registrations, without marks."""
    for kind in ("structure", "students"):
        import_with_services(school, administrator, kind, (cohort / f"{kind}.csv").read_bytes())
    return school


# The committee's journeys (test_board_journeys.py, test_decision_journeys.py) share a board.
STUDENTS = 6
MEETING = "Award meeting, 20 June 2025"
Role = Membership.Role


@pytest.fixture
def cohort_files(tmp_path: Path) -> Path:
    """A three-year cohort of the School of English, one final-year mark left out (not recorded)."""
    options = {"students": STUDENTS, "years": 3, "ruleset": "leeds-taught-2024", "school": "ENG"}
    call_command("generate_cohort", out=tmp_path / "cohort", incomplete=1, stdout=io.StringIO(), **options)
    return tmp_path / "cohort"


def make_meeting(school: School, administrator: User, files: Path, *, kinds: tuple[str, ...]) -> Meeting:
    """Import ``kinds`` of the files, then the committee, its award meeting and the final-year cohort."""
    for kind in kinds:
        import_with_services(school, administrator, kind, (files / f"{kind}.csv").read_bytes())
    committee = AssessmentCommittee.objects.create(school=school, name="School of English UG Board", quorum=2)
    for name, role in (("charlotte", Role.CHAIR), ("meera", Role.MEMBER), ("ezra", Role.EXTERNAL)):
        Membership.objects.create(committee=committee, user=make_user(name), role=role)
    cohort = Cohort.objects.create(
        committee=committee,
        programme=Programme.objects.get(school=school),
        academic_session="2024/25",
        programme_year=3,
        final_year=True,
        level=6,
    )
    meeting = Meeting.objects.create(
        committee=committee, date=datetime.date(2025, 6, 20), kind=Meeting.Kind.AWARD
    )
    meeting.cohorts.add(cohort)
    meeting.attendees.set(committee.memberships.all())
    return meeting


@pytest.fixture
def board(transactional_db: None, school: School, administrator: User, cohort_files: Path) -> Meeting:
    """Every record imported, the award outcomes calculated and made provisional by the chair (a draft is
    for those preparing the board), as the committee finds them on the day."""
    meeting = make_meeting(school, administrator, cohort_files, kinds=("structure", "students", "marks"))
    cohort = meeting.cohorts.get()
    calculate(OutcomeSet.objects.create(cohort=cohort, stage=Stage.AWARD, trigger="the journey's set-up").pk)
    services.make_provisional(meeting=meeting, cohort=cohort, user=person("charlotte"))
    return meeting


def person(username: str) -> User:
    return User.objects.get(username=username)


def expect_worker_to_finish(page: Page, cohort: Cohort, worker_log: Path) -> None:
    try:
        expect(page.locator(f"#status-{cohort.pk}")).to_contain_text(
            "Complete: calculated", timeout=WORKER_TIMEOUT_MS
        )
    except AssertionError as error:
        raise AssertionError(f"{error}\n\nworker.log:\n{worker_log.read_text()[-5000:]}") from None
