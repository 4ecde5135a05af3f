"""A meeting's minutes (a printable page and the same as a PDF) and its board pack (PDF), drawn up from what
the committee did through the services: every decision in words, the pack as the committee saw each cohort
at ratification, candidate numbers only at an anonymous board, and the same queries whatever its size."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import datetime

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime
from pypdf import PdfReader

from boards import services
from boards.models import Category, LedgerEntry, Meeting, Outcome, Result, ResultsFile, Review
from boards.statistics import cohort_statistics
from boards.tables import one_place
from students.models import Student
from tests.boards.meeting_record import (
    AMEND_REASON,
    COMMENT,
    HOLD_REASON,
    OVERRIDE_REASON,
    SIGN_OFF,
    Decided,
    decide,
    recalculated,
)
from tests.students.views.pages import visible_text

pytestmark = pytest.mark.django_db

Kind = LedgerEntry.Kind
COHORT = "ENG-BA"
MITIGATION = "Mitigating circumstances (L 7.3.4)"


@pytest.fixture
def decided(
    make_board: Callable[..., Meeting], chair: User, secretary: User, member: User, external: User
) -> Decided:
    """Everyone on the committee attends (``decide`` records the attendance of every member so far)."""
    return decide(make_board, chair=chair, secretary=secretary, external=external)


def url(name: str, meeting: Meeting) -> str:
    return reverse(f"boards:{name}", args=[meeting.pk])


def at(moment: datetime) -> str:
    return date_format(localtime(moment), "j F Y \\a\\t H:i")


def entry(kind: str) -> LedgerEntry:
    return LedgerEntry.objects.get(kind=kind)


def pdf_text(response: HttpResponse) -> str:
    """Every page's text, whitespace collapsed (a table cell or a long line wraps where the page ends)."""
    reader = PdfReader(io.BytesIO(response.content))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


def minutes_lines(decided: Decided) -> list[str]:
    """Each line the minutes must carry, in the order they carry them."""
    override, hold, amendment = entry(Kind.OVERRIDE), entry(Kind.HOLD), entry(Kind.AMENDMENT)
    ratified, published = entry(Kind.RATIFIED), entry(Kind.PUBLISHED)
    amended_file = ResultsFile.objects.get(kind=ResultsFile.Kind.AMENDMENT)
    overridden, held, amended = decided.overridden[0], decided.held, decided.amended
    sid = {o.enrolment_id: o.enrolment.student.student_id for o in (overridden, held, amended)}
    return [
        "Minutes: Award meeting, 20 June 2025",
        "School of English UG Board (School of English)",
        "charlotte (Chair)",
        "ezra (External examiner)",
        "meera (Member)",
        "seb (Secretary)",
        "The meeting was quorate: 3 members attending of the 2 required "
        "(external examiners are not counted).",
        "The committee's ledger verifies: 8 entries, its hash chain intact.",
        f"{decided.cohort.programme.title}, 2024/25 year 3 ({COHORT})",
        "Award and classification. Outcomes: Published.",
        f"{sid[overridden.enrolment_id]}: class {overridden.klass} → I ({MITIGATION}). "
        f"Reason: {OVERRIDE_REASON} Recorded by seb, {at(override.created_at)}.",
        f"{sid[held.enrolment_id]}: held back. Reason: {HOLD_REASON} Recorded by seb, {at(hold.created_at)}.",
        f"Made provisional by seb, {at(entry(Kind.PROVISIONAL).created_at)}.",
        f"Ratified by charlotte, {at(ratified.created_at)}: 4 results agreed, 1 held back.",
        f"Published by charlotte, {at(published.created_at)}: results file "
        f"ENG-BA_2024-25_Y3_award_results.csv (4 students), SHA-256 {decided.published.sha256}.",
        f"{sid[amended.enrolment_id]}: class {amended.klass} → class I. Reason: {AMEND_REASON} "
        f"Approved by charlotte, {at(amendment.created_at)}. Sent in results file {amended_file.name} "
        f"(SHA-256 {amended_file.sha256}).",
        f"Comment by ezra, {at(entry(Kind.COMMENT).created_at)}. {COMMENT}",
        f"Signed off by ezra, {at(entry(Kind.SIGN_OFF).created_at)}. {SIGN_OFF}",
    ]


def in_order(text: str, lines: list[str]) -> list[str]:
    """The lines not found in ``text`` after the line before them (empty: every line, in order)."""
    missing, start = [], 0
    for line in lines:
        found = text.find(line, start)
        if found < 0:
            missing.append(line)
        else:
            start = found + len(line)
    return missing


def test_the_minutes_page_records_each_decision_of_the_meeting_in_words(
    client: Client, decided: Decided, member: User
) -> None:
    client.force_login(member)

    response = client.get(url("minutes", decided.meeting))

    assert response.status_code == 200
    text = visible_text(response)
    assert in_order(text, minutes_lines(decided)) == []
    assert (
        "Overrides" in text
        and "Held back from ratification" in text
        and "Provisional, ratification and publication" in text
        and "Amendments after ratification" in text
    )
    content = response.content.decode()
    assert 'href="/static/css/print.css" media="print"' in content
    assert 'class="breadcrumb no-print"' in content


def test_the_minutes_pdf_says_what_the_page_says(client: Client, decided: Decided, external: User) -> None:
    client.force_login(external)

    response = client.get(url("minutes_pdf", decided.meeting))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="ENG_board_2025-06-20_minutes.pdf"'
    assert response.content.startswith(b"%PDF-")
    assert in_order(pdf_text(response), minutes_lines(decided)) == []


def test_the_board_pack_shows_each_cohort_as_ratified_with_its_statistics_and_overrides(
    client: Client, decided: Decided, member: User
) -> None:
    review = Review.objects.get(meeting=decided.meeting)
    overridden, held, amended = decided.overridden[0], decided.held, decided.amended
    override = entry(Kind.OVERRIDE)
    client.force_login(member)

    response = client.get(url("board_pack", decided.meeting))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="ENG_board_2025-06-20_board-pack.pdf"'
    text = pdf_text(response)

    def tail(outcome: Outcome) -> str:
        """The row's averages, as the last part of the broadsheet starts them."""
        years = outcome.result["year_averages"]
        figures = [str(one_place(years[year])) for year in sorted(years, key=int)]
        return " ".join([*figures, str(one_place(outcome.classification_average))])

    sid = {o.enrolment_id: o.enrolment.student.student_id for o in (overridden, held, amended)}
    assert (
        f"Ratified by charlotte, {at(review.ratified_at)}, from outcome set #{review.ratified_set_id}."
        in text
    )
    # Computed beside agreed: the override, the student held back, and the amendment made after ratification
    # (not in the pack: it shows the class agreed then).
    assert f"{sid[overridden.enrolment_id]} " in text
    assert f"{tail(overridden)} {overridden.klass} I Yes" in text
    assert f"{tail(held)} {held.klass} Held back" in text
    assert f"{tail(amended)} {amended.klass} {amended.klass}" in text
    statistics = cohort_statistics(decided.cohort, "award", review.ratified_set, previous=None)
    module = statistics.modules[0]
    figures = module.current.display
    assert (
        f"{module.code} {module.title} {module.level} {module.current.count} {figures['mean']} "
        f"{figures['median']} {figures['stdev']} {figures['pass_rate']} — — — — —"
    ) in text
    assert (
        "Overrides in force at ratification Student Field Computed Override Category Reason Recorded by "
        f"When {sid[overridden.enrolment_id]} class {overridden.klass} I {MITIGATION} {OVERRIDE_REASON} seb "
        f"{at(override.created_at)}"
    ) in text
    assert Result.objects.filter(review=review).count() == 5  # four ratified, then one amended


def test_a_cohort_not_ratified_yet_is_listed_as_such_in_the_pack_and_the_minutes(
    client: Client, make_board: Callable[..., Meeting], chair: User, member: User
) -> None:
    meeting = make_board(students=3)
    recalculated(meeting.cohorts.get())
    client.force_login(member)
    title = f"{meeting.cohorts.get().programme.title}, 2024/25 year 3 ({COHORT})"

    pack = pdf_text(client.get(url("board_pack", meeting)))
    minutes = visible_text(client.get(url("minutes", meeting)))

    assert f"{title} Award and classification. Not ratified yet." in pack
    assert "Broadsheet" not in pack
    assert (
        f"{title} Award and classification. Outcomes: Draft. Overrides None. Held back from ratification "
        "None. Provisional, ratification and publication Not made provisional at this meeting. Not ratified "
        "at this meeting. Not published at this meeting. Amendments after ratification None."
    ) in minutes
    assert "The meeting was not quorate: 0 members attending of the 2 required" in minutes


def test_decisions_on_draft_outcomes_are_minuted_only_for_those_preparing_the_board(
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
    title = f"{cohort.programme.title}, 2024/25 year 3 ({COHORT})"
    draft = f"{title} Award and classification. Outcomes: Draft."

    client.force_login(secretary)
    prepared = visible_text(client.get(url("minutes", meeting)))
    assert f"{draft} Overrides {outcome.enrolment.student.student_id}: class {outcome.klass} → I" in prepared
    assert OVERRIDE_REASON in prepared

    for reader in (member, external):
        client.force_login(reader)
        page = visible_text(client.get(url("minutes", meeting)))
        pdf = pdf_text(client.get(url("minutes_pdf", meeting)))
        assert (
            f"{draft} 1 decision on these draft outcomes is minuted here once they are made provisional. "
            "Overrides None."
        ) in page
        for text in (page, pdf):
            assert OVERRIDE_REASON not in text
            assert outcome.enrolment.student.student_id not in text

    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    page = visible_text(client.get(url("minutes", meeting)))
    assert OVERRIDE_REASON in page
    assert "draft outcomes" not in page


def test_a_progression_board_s_pack_shows_the_computed_and_agreed_decisions(
    client: Client, make_board: Callable[..., Meeting], chair: User, secretary: User, member: User
) -> None:
    meeting = make_board(students=4, years=2, ruleset="senate-reg-5")
    Meeting.objects.filter(pk=meeting.pk).update(kind=Meeting.Kind.PROGRESSION)
    cohort = meeting.cohorts.get()
    cohort.final_year, cohort.level = False, 5
    cohort.save(update_fields=["final_year", "level"])
    meeting.attendees.set(meeting.committee.memberships.all())
    outcomes = recalculated(cohort, stage="first-sit")
    progressing = next(o for pk, o in sorted(outcomes.items()) if o.decision == "progress")
    services.record_override(
        meeting=meeting,
        cohort=cohort,
        enrolment_id=progressing.enrolment_id,
        field="decision",
        value="refer",
        category=Category.ACADEMIC_JUDGEMENT,
        reason="The board judged the record as a whole.",
        user=secretary,
    )
    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    services.ratify_cohort(meeting=meeting, cohort=cohort, user=chair)
    client.force_login(member)

    text = pdf_text(client.get(url("board_pack", meeting)))

    years = progressing.result["year_averages"]
    averages = " ".join(str(one_place(years[year])) for year in sorted(years, key=int))
    sid = progressing.enrolment.student.student_id
    assert "Progression (first sitting). Ratified by charlotte" in text
    assert "Year 1 average Year 2 average Computed decision Agreed decision Override" in text
    assert f"{sid} {averages} Progress Refer to the committee Yes" in text
    assert (
        f"{sid} decision Progress Refer to the committee Academic judgement of the board (L 10.4.8) "
        "The board judged the record as a whole. seb"
    ) in text


def names_and_ids(text: str) -> list[str]:
    """Every student's name or ID that appears in ``text`` (family names as whole words)."""
    found = []
    for student in Student.objects.all():
        for shown in (f"{student.given_name} {student.family_name}", student.student_id):
            if shown in text:
                found.append(shown)
        if re.search(rf"\b{re.escape(student.family_name)}\b", text):
            found.append(student.family_name)
    return found


def test_an_anonymous_committee_s_minutes_pack_and_ledger_show_candidate_numbers_only(
    client: Client, make_board: Callable[..., Meeting], chair: User, secretary: User, external: User
) -> None:
    meeting = make_board(students=5)
    meeting.committee.anonymous = True
    meeting.committee.save(update_fields=["anonymous"])
    decided = decide(lambda **kwargs: meeting, chair=chair, secretary=secretary, external=external)
    candidate = decided.overridden[0].enrolment.student.candidate_number
    assert candidate
    client.force_login(chair)

    texts = {
        "minutes": visible_text(client.get(url("minutes", meeting))),
        "minutes_pdf": pdf_text(client.get(url("minutes_pdf", meeting))),
        "board_pack": pdf_text(client.get(url("board_pack", meeting))),
        "ledger": visible_text(client.get(reverse("boards:ledger", args=[meeting.committee_id]))),
    }

    assert {name: names_and_ids(text) for name, text in texts.items()} == {name: [] for name in texts}
    override = entry(Kind.OVERRIDE)
    assert (
        f"Candidate {candidate}: class {decided.overridden[0].klass} → I ({MITIGATION})." in texts["minutes"]
    )
    assert f"Candidate {candidate}: class {decided.overridden[0].klass} → I" in texts["minutes_pdf"]
    assert "Candidate number ENG" in texts["board_pack"]
    assert f"{candidate} " in texts["board_pack"]
    assert f"Candidate {candidate} class {decided.overridden[0].klass} I {MITIGATION}" in texts["board_pack"]
    assert f"Candidate {candidate} class {decided.overridden[0].klass} → I" in texts["ledger"]
    assert override.enrolment is not None


QUERIES = {"minutes": 12, "board_pack": 11}
"""The session and the user, then the page's own; the same for 5 students as for 50."""


@pytest.mark.parametrize("name", ["minutes", "board_pack"])
@pytest.mark.parametrize("students", [5, 50])
def test_the_minutes_and_the_pack_cost_the_same_queries_whatever_the_board_s_size(
    client: Client,
    make_board: Callable[..., Meeting],
    chair: User,
    secretary: User,
    external: User,
    member: User,
    students: int,
    name: str,
) -> None:
    decided = decide(
        make_board,
        chair=chair,
        secretary=secretary,
        external=external,
        students=students,
        overrides=students // 5,
    )
    assert LedgerEntry.objects.filter(kind=Kind.OVERRIDE).count() == students // 5
    client.force_login(member)

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url(name, decided.meeting))

    assert response.status_code == 200
    assert len(captured) == QUERIES[name], [query["sql"] for query in captured]


@pytest.mark.parametrize("name", ["minutes", "minutes_pdf", "board_pack"])
@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("member", 200),
        ("external", 200),
        ("administrator", 200),
        ("superuser", 200),
        ("outsider", 404),
        ("stranger", 404),
    ],
)
def test_anyone_who_may_see_the_committee_reads_them_and_no_one_else(
    client: Client,
    make_board: Callable[..., Meeting],
    name: str,
    persona: str,
    status: int,
    request: pytest.FixtureRequest,
) -> None:
    meeting = make_board(students=2)
    client.force_login(request.getfixturevalue(persona))

    assert client.get(url(name, meeting)).status_code == status
    assert client.head(url(name, meeting)).status_code == status
    assert client.post(url(name, meeting)).status_code == 405
