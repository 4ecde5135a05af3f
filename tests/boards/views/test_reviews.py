"""A cohort's outcomes through the meeting page: made provisional, ratified by the chair, published with a
results file to download, and the amendments proposed after a mark changes; who may do each, and the
banner when the committee's ledger fails its check."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.urls import reverse
from django.utils.dateformat import format as date_format
from django.utils.timezone import localtime

from boards import ledger, services
from boards.models import Cohort, LedgerEntry, Meeting, Outcome, OutcomeSet, Result, ResultsFile, Review
from boards.recalculation import calculate
from students.models import Mark
from tests.students.views.pages import visible_text

pytestmark = pytest.mark.django_db

HEADER = "student_id,programme,session,decision,award,class,classification_average,override"
REASON = "A mark is missing: the board decides at the resit meeting."
COHORT = "ENG-BA 2024/25 year 3"


def recalculated(cohort: Cohort, trigger: str = "marks import #3") -> dict[int, Outcome]:
    """A new current set of the cohort's outcomes, as the worker would write it."""
    outcome_set = services.request_recalculation(cohort=cohort, stage="award", trigger=trigger)
    calculate(outcome_set.pk)
    outcome_set.refresh_from_db()
    assert outcome_set.status == OutcomeSet.Status.COMPLETE
    return {o.enrolment_id: o for o in outcome_set.outcomes.select_related("enrolment__student")}


@pytest.fixture
def board(
    make_board: Callable[..., Meeting], chair: User, secretary: User, member: User, external: User
) -> Meeting:
    """Four students with complete records, calculated; everyone on the committee attends."""
    meeting = make_board(students=4)
    meeting.attendees.set(meeting.committee.memberships.all())
    recalculated(meeting.cohorts.get())
    return meeting


def action(meeting: Meeting, name: str) -> str:
    return reverse(f"boards:{name}", args=[meeting.pk, meeting.cohorts.get().pk])


def meeting_url(meeting: Meeting) -> str:
    return reverse("boards:meeting", args=[meeting.pk])


def review(meeting: Meeting) -> Review:
    return Review.objects.select_related("ratified_by", "published_by").get(meeting=meeting)


def day(moment: object) -> str:
    return date_format(localtime(moment), "j F Y")  # type: ignore[arg-type]


def post(client: Client, user: User, url: str) -> tuple[int, str]:
    """POST as ``user``, following the redirect: the final status and the page's visible text."""
    client.force_login(user)
    response = client.post(url, follow=True)
    return response.status_code, visible_text(response)


def provisional(meeting: Meeting, secretary: User) -> None:
    services.make_provisional(meeting=meeting, cohort=meeting.cohorts.get(), user=secretary)


def ratified(meeting: Meeting, chair: User, secretary: User) -> None:
    provisional(meeting, secretary)
    services.ratify_cohort(meeting=meeting, cohort=meeting.cohorts.get(), user=chair)


def decisions() -> tuple[object, ...]:
    """Everything a decision writes."""
    return (
        list(Review.objects.values_list("pk", "state")),
        LedgerEntry.objects.count(),
        Result.objects.count(),
        ResultsFile.objects.count(),
    )


def test_the_secretary_makes_the_outcomes_provisional_and_the_page_offers_the_chair_ratification(
    client: Client, board: Meeting, secretary: User, chair: User
) -> None:
    client.force_login(secretary)
    before = visible_text(client.get(meeting_url(board)))
    assert f"Outcomes: Draft. Broadsheet · Module statistics Recalculate {COHORT} Make provisional" in before

    response = client.post(action(board, "make_provisional"))

    assert response.status_code == 302
    assert response["Location"] == meeting_url(board)
    text = visible_text(client.get(response["Location"]))
    assert (
        f"The outcomes of {COHORT} are provisional: the whole committee, its external examiners included, "
        "can now read them."
    ) in text
    assert "Outcomes: Provisional. Broadsheet · Module statistics" in text
    assert "Make provisional" not in text
    assert "Ratify" not in text  # the secretary does not ratify
    client.force_login(chair)
    assert f"Recalculate {COHORT} Ratify Outcomes of 4 students" in visible_text(
        client.get(meeting_url(board))
    )


def test_the_chair_ratifies_and_the_page_says_by_whom_and_when(
    client: Client, board: Meeting, chair: User, secretary: User
) -> None:
    provisional(board, secretary)

    status, text = post(client, chair, action(board, "ratify"))

    assert status == 200
    done = review(board)
    assert done.state == Review.State.RATIFIED
    assert done.ratified_by == chair
    assert (
        f"The outcomes of {COHORT} are ratified: results agreed for 4 students, 0 students held back." in text
    )
    assert f"Outcomes: Ratified by charlotte on {day(done.ratified_at)}." in text
    assert "Amendments (0 proposed)" in text
    assert f"Recalculate {COHORT} Publish Outcomes of 4 students" in text
    assert Result.objects.filter(review=done).count() == 4


def test_ratifying_a_meeting_that_is_not_quorate_is_refused_with_the_reason(
    client: Client, board: Meeting, chair: User, secretary: User
) -> None:
    board.attendees.clear()
    provisional(board, secretary)
    before = decisions()

    status, text = post(client, chair, action(board, "ratify"))

    assert status == 200
    assert "The meeting is not quorate: 0 of the 2 members it needs are recorded as attending." in text
    assert decisions() == before
    assert review(board).state == Review.State.PROVISIONAL


def test_ratifying_draft_outcomes_is_refused_with_the_reason(
    client: Client, board: Meeting, chair: User
) -> None:
    status, text = post(client, chair, action(board, "ratify"))

    assert status == 200
    assert "Only provisional outcomes can be ratified; these are draft." in text
    assert decisions() == ([], 0, 0, 0)


def test_ratifying_with_an_incomplete_record_not_held_back_is_refused_until_it_is_held(
    client: Client, make_board: Callable[..., Meeting], chair: User, secretary: User
) -> None:
    meeting = make_board(students=4, incomplete=1)
    meeting.attendees.set(meeting.committee.memberships.all())
    cohort = meeting.cohorts.get()
    outcomes = recalculated(cohort)
    (incomplete,) = [pk for pk, outcome in outcomes.items() if outcome.incomplete]
    provisional(meeting, secretary)
    before = decisions()

    status, text = post(client, chair, action(meeting, "ratify"))

    assert status == 200
    student_id = outcomes[incomplete].enrolment.student.student_id
    assert (
        f"Student {student_id} has no recorded outcome (a mark missing or not judged): hold each back "
        "or record the committee's decision first."
    ) in text
    assert decisions() == before

    services.hold_student(
        meeting=meeting, cohort=cohort, enrolment_id=incomplete, reason=REASON, user=secretary
    )
    status, text = post(client, chair, action(meeting, "ratify"))
    assert (
        f"The outcomes of {COHORT} are ratified: results agreed for 3 students, 1 student held back." in text
    )


def test_publishing_keeps_a_results_file_the_page_links_to_download(
    client: Client, board: Meeting, chair: User, secretary: User, member: User, external: User
) -> None:
    ratified(board, chair, secretary)

    status, text = post(client, chair, action(board, "publish"))

    assert status == 200
    kept = ResultsFile.objects.get()
    assert kept.name == "ENG-BA_2024-25_Y3_award_results.csv"
    assert (
        f"The results of {COHORT} are published: ENG-BA_2024-25_Y3_award_results.csv (4 students) is ready "
        "to download for the student record system."
    ) in text
    done = review(board)
    assert (
        f"Outcomes: Published on {day(done.published_at)} by charlotte "
        f"(ratified by charlotte on {day(done.ratified_at)})."
    ) in text
    assert (
        "ENG-BA_2024-25_Y3_award_results.csv: publication for the student record system, 4 students"
    ) in text
    download = reverse("boards:results_file", args=[board.pk, board.cohorts.get().pk, kept.pk])
    assert f'href="{download}" download' in client.get(meeting_url(board)).content.decode()
    assert action(board, "publish") not in client.get(meeting_url(board)).content.decode()

    for reader in (member, external, chair):
        client.force_login(reader)
        response = client.get(download)
        assert response.status_code == 200
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        assert response["Content-Disposition"] == 'attachment; filename="ENG-BA_2024-25_Y3_award_results.csv"'
        assert response.content == bytes(kept.content)
        rows = response.content.decode("utf-8-sig").splitlines()
        assert rows[0] == HEADER
        assert len(rows) == 5


def test_publishing_twice_is_refused_and_leaves_one_file(
    client: Client, board: Meeting, chair: User, secretary: User
) -> None:
    ratified(board, chair, secretary)
    post(client, chair, action(board, "publish"))

    status, text = post(client, chair, action(board, "publish"))

    assert status == 200
    assert "These results are already published." in text
    assert ResultsFile.objects.count() == 1


def test_a_results_file_is_found_only_under_its_own_cohort_and_meeting(
    client: Client, board: Meeting, chair: User, secretary: User
) -> None:
    ratified(board, chair, secretary)
    kept = services.publish_cohort(meeting=board, cohort=board.cohorts.get(), user=chair)
    cohort = board.cohorts.get()
    year_two = Cohort.objects.create(
        committee=board.committee,
        programme=cohort.programme,
        academic_session="2024/25",
        programme_year=2,
        final_year=False,
        level=5,
    )
    board.cohorts.add(year_two)
    later = Meeting.objects.create(committee=board.committee, date=date(2025, 9, 10), kind=Meeting.Kind.AWARD)
    later.cohorts.add(cohort)
    client.force_login(chair)

    other_cohort = client.get(reverse("boards:results_file", args=[board.pk, year_two.pk, kept.pk]))
    other_meeting = client.get(reverse("boards:results_file", args=[later.pk, cohort.pk, kept.pk]))
    missing = client.get(reverse("boards:results_file", args=[board.pk, cohort.pk, kept.pk + 1]))

    assert (other_cohort.status_code, other_meeting.status_code, missing.status_code) == (404, 404, 404)


@pytest.mark.parametrize("persona", ["member", "external"])
@pytest.mark.parametrize(
    ("name", "state"),
    [("make_provisional", "draft"), ("ratify", "provisional"), ("publish", "ratified")],
)
def test_members_and_external_examiners_cannot_move_the_outcomes_and_nothing_changes(
    client: Client,
    board: Meeting,
    chair: User,
    secretary: User,
    persona: str,
    name: str,
    state: str,
    request: pytest.FixtureRequest,
) -> None:
    if state != "draft":
        provisional(board, secretary)
    if state == "ratified":
        services.ratify_cohort(meeting=board, cohort=board.cohorts.get(), user=chair)
    before = decisions()
    client.force_login(request.getfixturevalue(persona))

    response = client.post(action(board, name))

    assert response.status_code == 403
    assert decisions() == before
    content = client.get(meeting_url(board)).content.decode()
    assert [action(board, move) in content for move in ("make_provisional", "ratify", "publish")] == [
        False,
        False,
        False,
    ]


def test_the_secretary_cannot_ratify(client: Client, board: Meeting, secretary: User) -> None:
    provisional(board, secretary)
    before = decisions()
    client.force_login(secretary)

    response = client.post(action(board, "ratify"))

    assert response.status_code == 403
    assert decisions() == before


def test_the_registry_moves_the_paperwork_but_only_the_chair_ratifies(
    client: Client, board: Meeting, chair: User, superuser: User, administrator: User
) -> None:
    client.force_login(superuser)
    assert client.post(action(board, "make_provisional")).status_code == 302
    content = client.get(meeting_url(board)).content.decode()
    assert action(board, "ratify") not in content
    before = decisions()

    refused = [client.post(action(board, "ratify")).status_code]
    client.force_login(administrator)
    refused += [client.post(action(board, name)).status_code for name in ("ratify", "publish")]

    assert refused == [403, 403, 403]
    assert decisions() == before
    services.ratify_cohort(meeting=board, cohort=board.cohorts.get(), user=chair)
    client.force_login(superuser)
    assert client.post(action(board, "publish")).status_code == 302
    assert review(board).state == Review.State.PUBLISHED


@pytest.mark.parametrize("persona", ["outsider", "stranger"])
def test_someone_outside_the_committee_gets_a_404_for_every_move(
    client: Client, board: Meeting, persona: str, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    statuses = [
        client.post(action(board, name)).status_code for name in ("make_provisional", "ratify", "publish")
    ]

    assert statuses == [404, 404, 404]
    assert decisions() == ([], 0, 0, 0)


def test_a_draft_is_listed_with_its_state_only_for_members_and_external_examiners(
    client: Client, make_board: Callable[..., Meeting], secretary: User, member: User, external: User
) -> None:
    meeting = make_board(students=4, incomplete=1)
    recalculated(meeting.cohorts.get())
    for reader in (member, external):
        client.force_login(reader)
        text = visible_text(client.get(meeting_url(meeting)))
        assert (
            f"{COHORT} Award and classification Complete: calculated" in text
            and "(marks import #3). Draft" in text
        )
        assert (
            "Outcomes: Draft. The outcomes are being prepared: the committee and its external examiners read "
            "them once they are made provisional."
        ) in text
        assert "Outcomes of 4 students" not in text
        assert "Items needing attention" not in text
        assert "Broadsheet" not in text

    provisional(meeting, secretary)
    client.force_login(member)
    text = visible_text(client.get(meeting_url(meeting)))
    assert "Outcomes: Provisional. Broadsheet · Module statistics Outcomes of 4 students" in text
    assert "Items needing attention (1)" in text


def raise_a_mark(outcome: Outcome) -> None:
    """Every numeric mark of the student's record becomes 95, as a corrected marks import would make it."""
    changed = Mark.objects.filter(
        registration__enrolment__student=outcome.enrolment.student, value__isnull=False
    ).update(value=95)
    assert changed > 0


def test_the_amendments_page_lists_a_student_whose_mark_changed_after_ratification(
    client: Client, board: Meeting, chair: User, secretary: User, member: User
) -> None:
    cohort = board.cohorts.get()
    outcomes = {o.enrolment_id: o for o in Outcome.objects.select_related("enrolment__student")}
    ratified(board, chair, secretary)
    moved = next(o for o in outcomes.values() if o.klass != "I")
    raise_a_mark(moved)
    now = recalculated(cohort, "marks import #4")[moved.enrolment_id]
    assert now.klass == "I"
    student = moved.enrolment.student
    client.force_login(member)

    page = client.get(action(board, "amendments"))

    assert page.status_code == 200
    text = visible_text(page)
    assert (
        f"Proposed amendments (1) Students whose current computed outcome differs from the result agreed at "
        "ratification. Nothing changes until the chair approves the amendment, with a reason, on the "
        "student's page. Student Change Agreed Current (computed) "
        f"{student.student_id} {student.given_name} {student.family_name} Class {moved.klass} I "
        "Approved amendments (0) None yet."
    ) in text
    outcome_url = reverse("boards:outcome", args=[board.pk, cohort.pk, moved.enrolment_id])
    assert f'href="{outcome_url}"' in page.content.decode()
    assert "Amendments (1 proposed)" in visible_text(client.get(meeting_url(board)))

    services.approve_amendment(
        meeting=board,
        cohort=cohort,
        enrolment_id=moved.enrolment_id,
        reason="The corrected marks were confirmed by the module leader.",
        user=chair,
    )
    entry = LedgerEntry.objects.get(kind=LedgerEntry.Kind.AMENDMENT)
    text = visible_text(client.get(action(board, "amendments")))
    assert "Proposed amendments (0)" in text
    assert (
        "Approved amendments (1) Student From To Reason Approved by When "
        f"{student.student_id} {student.given_name} {student.family_name} class {moved.klass} class I "
        "The corrected marks were confirmed by the module leader. charlotte "
        f"{date_format(localtime(entry.created_at), 'j M Y H:i')}"
    ) in text


def test_a_student_held_at_ratification_and_released_is_proposed_with_no_agreed_result(
    client: Client, make_board: Callable[..., Meeting], chair: User, secretary: User
) -> None:
    meeting = make_board(students=4)
    meeting.attendees.set(meeting.committee.memberships.all())
    cohort = meeting.cohorts.get()
    outcomes = recalculated(cohort)
    held = min(outcomes)
    provisional(meeting, secretary)
    services.hold_student(meeting=meeting, cohort=cohort, enrolment_id=held, reason=REASON, user=secretary)
    services.ratify_cohort(meeting=meeting, cohort=cohort, user=chair)
    client.force_login(chair)
    assert "Proposed amendments (0)" in visible_text(client.get(action(meeting, "amendments")))

    services.release_student(meeting=meeting, cohort=cohort, enrolment_id=held, reason=REASON, user=secretary)

    text = visible_text(client.get(action(meeting, "amendments")))
    outcome = outcomes[held]
    student = outcome.enrolment.student
    assert (
        f"{student.student_id} {student.given_name} {student.family_name} (held back at ratification, since "
        f"released) Class none {outcome.klass} Award none Bachelor (Honours) Approved amendments (0)"
    ) in text


@pytest.mark.parametrize(("persona", "status"), [("member", 403), ("external", 403), ("secretary", 200)])
def test_the_amendments_page_of_a_draft_is_for_those_preparing_the_board(
    client: Client, board: Meeting, persona: str, status: int, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    response = client.get(action(board, "amendments"))

    assert response.status_code == status
    if status == 200:
        assert (
            "Amendments apply once the outcomes are ratified; until then the committee overrides a computed "
            "outcome on the student's page."
        ) in visible_text(response)


def test_a_tampered_ledger_entry_puts_a_banner_on_the_meeting_page(
    client: Client, board: Meeting, secretary: User, member: User
) -> None:
    provisional(board, secretary)
    entry = LedgerEntry.objects.get()
    client.force_login(member)
    assert "ledger fails" not in visible_text(client.get(meeting_url(board)))

    ledger.remove_triggers()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE boards_ledgerentry SET reason = %s WHERE id = %s", ["edited", entry.pk])
    ledger.install_triggers()

    response = client.get(meeting_url(board))
    assert (
        f"The committee's ledger fails its check: Ledger entry #{entry.pk} was changed after it was written: "
        "its content no longer matches its hash."
    ) in visible_text(response)
    assert 'class="errors alert" role="alert" id="ledger-break"' in response.content.decode()
