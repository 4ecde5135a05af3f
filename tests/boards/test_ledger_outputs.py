"""The committee's ledger as its readers see it: the ledger page (every entry, 100 to a page, and whether the
hash chain verifies), a tampered entry named on the page and in the minutes, and ``manage.py verify_ledger``
(one line per committee, exit status 1 on a break)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from collections.abc import Callable

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import CommandError, call_command
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime

from boards import ledger, services
from boards.models import AssessmentCommittee, Category, LedgerEntry, Meeting
from tests.boards.meeting_record import OVERRIDE_REASON, Decided, decide, recalculated
from tests.conftest import database_url
from tests.students.views.pages import visible_text

pytestmark = pytest.mark.django_db

Kind = LedgerEntry.Kind
CHANGED = "was changed after it was written: its content no longer matches its hash."


@pytest.fixture
def decided(
    make_board: Callable[..., Meeting], chair: User, secretary: User, member: User, external: User
) -> Decided:
    return decide(make_board, chair=chair, secretary=secretary, external=external)


def ledger_url(committee_id: int, page: int | None = None) -> str:
    address = reverse("boards:ledger", args=[committee_id])
    return f"{address}?page={page}" if page else address


def tamper(entry: LedgerEntry, reason: str = "edited outside Quorum") -> None:
    """Change an entry's reason as someone with the database's password could: triggers dropped first."""
    ledger.remove_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE boards_ledgerentry SET reason = %s WHERE id = %s", [reason, entry.pk])
    ledger.install_triggers()


def test_the_ledger_page_lists_every_entry_in_order_and_says_the_chain_verifies(
    client: Client, decided: Decided, member: User
) -> None:
    override = LedgerEntry.objects.get(kind=Kind.OVERRIDE)
    student = decided.overridden[0]
    client.force_login(member)

    response = client.get(ledger_url(decided.meeting.committee_id))

    assert response.status_code == 200
    text = visible_text(response)
    assert (
        "The committee's ledger School of English UG Board The ledger's hash chain verifies: 8 entries."
        in text
    )
    assert (
        "Entries 1 to 8 of 8 No. When Who What Meeting Cohort Student Change Category Reason Hash "
        f"{override.pk} {date_format(localtime(override.created_at), 'j M Y H:i')} seb Override "
        f"Award, 20 Jun 2025 ENG-BA 2024/25 year 3 {student.enrolment.student.student_id} "
        f"class {student.klass} → I Mitigating circumstances (L 7.3.4) {OVERRIDE_REASON} {override.hash[:12]}"
    ) in text
    kinds = [
        "Override",
        "Held back from ratification",
        "Outcomes made provisional",
        "Outcomes ratified",
        "Results published",
        "External examiner's comment",
        "External examiner's sign-off",
        "Amendment approved",
    ]
    positions = [text.find(f" {kind} Award, 20 Jun 2025") for kind in kinds]
    assert -1 not in positions and positions == sorted(positions)
    assert 'role="alert"' not in response.content.decode()


def test_a_decision_on_draft_outcomes_is_shown_on_the_ledger_only_to_those_preparing_the_board(
    client: Client, make_board: Callable[..., Meeting], secretary: User, member: User, external: User
) -> None:
    meeting = make_board(students=3)
    cohort = meeting.cohorts.get()
    outcome = next(o for o in recalculated(cohort).values() if o.klass and o.klass != "I")
    services.record_override(
        meeting=meeting,
        cohort=cohort,
        enrolment_id=outcome.enrolment_id,
        field="klass",
        value="I",
        category=Category.MITIGATION,
        reason=OVERRIDE_REASON,
        user=secretary,
    )
    services.record_comment(meeting=meeting, user=external, text="The sample was well chosen.")
    student_id = outcome.enrolment.student.student_id
    withheld = (
        "A decision on outcomes that are still a draft: the committee reads it once they are made "
        "provisional."
    )

    client.force_login(secretary)
    assert f"{student_id} class {outcome.klass} → I" in visible_text(
        client.get(ledger_url(meeting.committee_id))
    )
    for reader in (member, external):
        client.force_login(reader)
        text = visible_text(client.get(ledger_url(meeting.committee_id)))
        assert "The ledger's hash chain verifies: 2 entries." in text
        assert f"seb Override Award, 20 Jun 2025 ENG-BA 2024/25 year 3 {withheld}" in text
        assert "The sample was well chosen." in text
        assert student_id not in text and OVERRIDE_REASON not in text

    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    text = visible_text(client.get(ledger_url(meeting.committee_id)))
    assert f"{student_id} class {outcome.klass} → I" in text and withheld not in text


def test_a_tampered_entry_is_named_on_the_ledger_page_and_in_the_minutes(
    client: Client, decided: Decided, external: User
) -> None:
    held = LedgerEntry.objects.get(kind=Kind.HOLD)
    tamper(held)
    client.force_login(external)

    page = client.get(ledger_url(decided.meeting.committee_id))
    minutes = client.get(reverse("boards:minutes", args=[decided.meeting.pk]))

    failing = f"Ledger entry #{held.pk} {CHANGED}"
    assert f"The ledger fails its check: {failing} Show entry #{held.pk}" in visible_text(page)
    content = page.content.decode()
    assert 'class="errors alert" role="alert" id="ledger-check"' in content
    assert f'href="?page=1#entry-{held.pk}"' in content
    assert f'<tr id="entry-{held.pk}" class="attention">' in content
    assert "verifies" not in visible_text(page)
    assert f"The committee's ledger fails its check: {failing}" in visible_text(minutes)
    assert 'role="alert" id="ledger-check"' in minutes.content.decode()


def test_the_ledger_is_paginated_a_hundred_entries_to_a_page(
    client: Client, make_board: Callable[..., Meeting], external: User, member: User
) -> None:
    meeting = make_board(students=2)
    for number in range(1, 106):
        services.record_comment(meeting=meeting, user=external, text=f"Comment number {number}.")
    client.force_login(member)

    first = visible_text(client.get(ledger_url(meeting.committee_id)))
    second = visible_text(client.get(ledger_url(meeting.committee_id, page=2)))

    for text in (first, second):
        assert "The ledger's hash chain verifies: 105 entries." in text
    assert "Entries 1 to 100 of 105" in first and "Comment number 100." in first
    assert "Comment number 101." not in first
    assert "Previous Page 1 of 2 Next" not in first and "Page 1 of 2 Next" in first
    assert "Entries 101 to 105 of 105" in second and "Comment number 105." in second
    assert "Comment number 100." not in second


@pytest.mark.parametrize(
    ("persona", "status"),
    [("member", 200), ("external", 200), ("administrator", 200), ("outsider", 404), ("stranger", 404)],
)
def test_the_ledger_page_is_for_those_who_may_see_the_committee(
    client: Client,
    committee: AssessmentCommittee,
    persona: str,
    status: int,
    request: pytest.FixtureRequest,
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(ledger_url(committee.pk)).status_code == status
    assert client.post(ledger_url(committee.pk)).status_code == 405


def test_verify_ledger_prints_each_committee_s_chain_and_exits_1_on_a_break(
    decided: Decided, other_committee: AssessmentCommittee
) -> None:
    out = io.StringIO()
    call_command("verify_ledger", stdout=out)
    assert out.getvalue().splitlines() == [
        "School of English UG Board: 8 entries, chain verifies",
        "School of Physics UG Board: 0 entries, chain verifies",
    ]

    published = LedgerEntry.objects.get(kind=Kind.PUBLISHED)
    tamper(published)
    out = io.StringIO()
    with pytest.raises(CommandError, match=r"^The ledger of 1 committee fails its check\.$") as failed:
        call_command("verify_ledger", stdout=out)
    assert failed.value.returncode == 1
    assert out.getvalue().splitlines() == [
        f"School of English UG Board: 8 entries, chain broken: Ledger entry #{published.pk} {CHANGED}",
        "School of Physics UG Board: 0 entries, chain verifies",
    ]

    out = io.StringIO()
    call_command("verify_ledger", committee=other_committee.pk, stdout=out)
    assert out.getvalue() == "School of Physics UG Board: 0 entries, chain verifies\n"
    with pytest.raises(CommandError, match=r"^No committee has the id 999999\.$"):
        call_command("verify_ledger", committee=999999)


def verify_ledger(*args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings.test", "DATABASE_URL": database_url()}
    return subprocess.run(
        [sys.executable, "manage.py", "verify_ledger", *args],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.django_db(transaction=True)
def test_verify_ledger_exit_status_in_a_shell(committee: AssessmentCommittee, external: User) -> None:
    """Committed rows, so that the command, another process, reads them."""
    meeting = Meeting.objects.create(committee=committee, date="2025-06-20", kind=Meeting.Kind.AWARD)
    first = services.record_comment(meeting=meeting, user=external, text="First comment.")
    services.record_comment(meeting=meeting, user=external, text="Second comment.")

    good = verify_ledger("--committee", str(committee.pk))
    assert (good.returncode, good.stdout) == (0, "School of English UG Board: 2 entries, chain verifies\n")

    ledger.remove_triggers()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM boards_ledgerentry WHERE id = %s", [first.pk])
    ledger.install_triggers()
    bad = verify_ledger()

    second = LedgerEntry.objects.get()
    assert bad.returncode == 1
    assert bad.stdout == (
        f"School of English UG Board: 1 entry, chain broken: Ledger entry #{second.pk} does not follow the "
        "entry before it: an entry was removed or reordered.\n"
    )
    assert "The ledger of 1 committee fails its check." in bad.stderr
