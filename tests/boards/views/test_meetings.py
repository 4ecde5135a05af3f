"""The meeting page: attendance and quorum, each cohort's status, counts and items needing attention, the
recalculation buttons (shown to, and accepted from, those who run the board only) and the polled status."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from boards import services
from boards.models import AssessmentCommittee, Cohort, Meeting, Membership, OutcomeSet, Stage
from boards.recalculation import calculate
from students.models import Programme
from tests.boards.conftest import import_generated
from tests.students.views.pages import visible_text

Capture = Callable[..., AbstractContextManager[list[Callable[[], object]]]]


@pytest.fixture
def meeting(committee: AssessmentCommittee) -> Meeting:
    """A progression meeting with two cohorts on its agenda and nothing calculated: enough for access."""
    programme = Programme.objects.create(
        school=committee.school,
        code="ENG-BA",
        title="English BA",
        award=Programme.Award.BACHELOR_HONOURS,
        default_ruleset="leeds-taught-2024",
    )
    item = Meeting.objects.create(committee=committee, date=date(2025, 6, 20), kind=Meeting.Kind.PROGRESSION)
    for year in (1, 2):
        item.cohorts.add(
            Cohort.objects.create(
                committee=committee,
                programme=programme,
                academic_session="2024/25",
                programme_year=year,
                final_year=False,
                level=year + 3,
            )
        )
    return item


def calculated(meeting: Meeting) -> Cohort:
    cohort = meeting.cohorts.get()
    calculate(OutcomeSet.objects.create(cohort=cohort, stage=Stage.AWARD, trigger="marks import #3").pk)
    return cohort


@pytest.mark.parametrize(
    ("persona", "status"),
    [("member", 200), ("external", 200), ("chair", 200), ("outsider", 404), ("stranger", 404)],
)
def test_the_meeting_page_and_its_status_are_for_the_committee_only(
    client: Client, meeting: Meeting, persona: str, status: int, request: pytest.FixtureRequest
) -> None:
    client.force_login(request.getfixturevalue(persona))

    assert client.get(f"/boards/meetings/{meeting.pk}/").status_code == status
    assert client.get(f"/boards/meetings/{meeting.pk}/status/").status_code == status


def test_a_visitor_who_is_not_signed_in_is_sent_to_sign_in(client: Client, meeting: Meeting) -> None:
    response = client.get(f"/boards/meetings/{meeting.pk}/")

    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next=/boards/meetings/{meeting.pk}/"


def test_an_external_examiner_reads_the_meeting_without_a_recalculate_button(
    client: Client, meeting: Meeting, external: User
) -> None:
    client.force_login(external)
    response = client.get(f"/boards/meetings/{meeting.pk}/")

    content = response.content.decode()
    assert "Recalculate" not in content
    assert "/recalculate/" not in content
    text = visible_text(response)
    assert "Your role External examiner" in text
    assert "ENG-BA 2024/25 year 1 Progression (first sitting) Not yet calculated." in text
    assert "ENG-BA 2024/25 year 2 Progression (first sitting) Not yet calculated." in text


def test_the_chair_sees_both_recalculate_buttons(client: Client, meeting: Meeting, chair: User) -> None:
    client.force_login(chair)
    text = visible_text(client.get(f"/boards/meetings/{meeting.pk}/"))

    assert "Recalculate all cohorts" in text
    assert "Recalculate ENG-BA 2024/25 year 1" in text
    assert "Recalculate ENG-BA 2024/25 year 2" in text


def test_an_external_examiner_cannot_recalculate_and_nothing_is_queued(
    client: Client, meeting: Meeting, external: User, django_capture_on_commit_callbacks: Capture
) -> None:
    client.force_login(external)
    cohort = meeting.cohorts.first()
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        whole = client.post(f"/boards/meetings/{meeting.pk}/recalculate/")
        one = client.post(f"/boards/meetings/{meeting.pk}/cohorts/{cohort.pk}/recalculate/")

    assert (whole.status_code, one.status_code) == (403, 403)
    assert OutcomeSet.objects.count() == 0
    assert callbacks == []


def test_the_chair_queues_one_new_set_per_cohort_and_returns_to_the_meeting(
    client: Client, meeting: Meeting, chair: User, django_capture_on_commit_callbacks: Capture
) -> None:
    client.force_login(chair)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/boards/meetings/{meeting.pk}/recalculate/")

    assert response.status_code == 302
    assert response["Location"] == f"/boards/meetings/{meeting.pk}/"
    queued = list(
        OutcomeSet.objects.order_by("cohort__programme_year").values_list(
            "cohort__programme_year", "stage", "status", "is_current", "requested_by__username"
        )
    )
    assert queued == [
        (1, "first-sit", "queued", False, "charlotte"),
        (2, "first-sit", "queued", False, "charlotte"),
    ]
    assert len(callbacks) == 2  # one task sent per set once the request's transaction commits
    page = client.get(response["Location"])
    text = visible_text(page)
    assert "Recalculation queued for ENG-BA 2024/25 year 1 and ENG-BA 2024/25 year 2." in text
    assert text.count("Not yet calculated. The calculation is queued.") == 2
    assert 'hx-trigger="every 2s"' in page.content.decode()


def test_a_resit_meeting_recalculates_one_cohort_after_reassessment(
    client: Client, meeting: Meeting, secretary: User, django_capture_on_commit_callbacks: Capture
) -> None:
    Meeting.objects.filter(pk=meeting.pk).update(kind=Meeting.Kind.RESIT)
    cohort = meeting.cohorts.get(programme_year=2)
    client.force_login(secretary)
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = client.post(f"/boards/meetings/{meeting.pk}/cohorts/{cohort.pk}/recalculate/")

    assert response.status_code == 302
    assert list(OutcomeSet.objects.values_list("cohort", "stage", "status")) == [
        (cohort.pk, "after-reassessment", "queued")
    ]
    assert len(callbacks) == 1


def test_the_status_fragment_polls_while_a_set_is_running_and_reloads_the_page_after(
    client: Client, meeting: Meeting, member: User
) -> None:
    cohort = meeting.cohorts.get(programme_year=1)
    running = OutcomeSet.objects.create(
        cohort=cohort, stage=Stage.FIRST_SIT, trigger="t", status="running", total=120, done=45
    )
    client.force_login(member)

    response = client.get(f"/boards/meetings/{meeting.pk}/status/")
    assert response.status_code == 200
    assert "HX-Refresh" not in response
    content = response.content.decode()
    assert f'hx-get="/boards/meetings/{meeting.pk}/status/" hx-trigger="every 2s"' in content
    assert "The calculation is running: 45 of 120 students done." in " ".join(content.split())

    OutcomeSet.objects.filter(pk=running.pk).update(status="failed", error="InputError: no marks")
    response = client.get(f"/boards/meetings/{meeting.pk}/status/")
    assert response["HX-Refresh"] == "true"
    content = " ".join(response.content.decode().split())
    assert "hx-get" not in content
    assert "The latest calculation failed: InputError: no marks" in content


def test_attendance_counts_towards_quorum_without_the_external_examiner(
    client: Client, meeting: Meeting, chair: User, member: User, external: User
) -> None:
    attending = Membership.objects.filter(user__in=[chair, external])
    meeting.attendees.set(attending)
    client.force_login(member)

    text = visible_text(client.get(f"/boards/meetings/{meeting.pk}/"))
    assert "Attending charlotte (Chair), ezra (External examiner)" in text
    assert "Quorum Not met: 1 attending of the 2 needed (external examiners are not counted)." in text

    meeting.attendees.add(Membership.objects.get(user=member))
    text = visible_text(client.get(f"/boards/meetings/{meeting.pk}/"))
    assert "Quorum Met: 2 attending of the 2 needed" in text


def test_the_meeting_shows_counts_by_class_and_every_incomplete_record_with_its_missing_marks(
    client: Client, make_board: Callable[..., Meeting], secretary: User
) -> None:
    board = make_board(students=6, incomplete=2)
    cohort = calculated(board)
    client.force_login(secretary)

    response = client.get(f"/boards/meetings/{board.pk}/")

    text = visible_text(response)
    assert "ENG-BA 2024/25 year 3 Award and classification Complete: calculated" in text
    assert "(marks import #3)." in text
    assert "Rule set of its entry cohorts: leeds-taught-2024 version 1." in text
    assert (
        "Outcomes of 6 students Award and class Students Not recorded (marks missing) 1 "
        "Bachelor (Honours), II.i 2 Bachelor (Honours), II.ii 2 Bachelor (Honours), III 1 "
        "Items needing attention (1) "
        "2022000002 Jack Walker: not recorded; missing ENG3001: presentation, ENG3003: coursework"
    ) in text
    content = response.content.decode()
    enrolment = cohort.outcome_sets.get().outcomes.get(incomplete=True).enrolment_id
    assert f'href="/boards/meetings/{board.pk}/cohorts/{cohort.pk}/students/{enrolment}/"' in content
    assert f'href="/boards/meetings/{board.pk}/cohorts/{cohort.pk}/"' in content
    assert f'href="/boards/meetings/{board.pk}/cohorts/{cohort.pk}/statistics/"' in content
    assert "hx-get" not in content  # nothing queued: no polling

    # A record the engine could not judge is written as the recalculation writes one (boards.recalculation).
    cohort.outcome_sets.get().outcomes.filter(enrolment__student__student_id="2022000006").update(
        problem="InputError: module ENG3001 has no components",
        klass="",
        award="",
        result={},
        flags=["problem"],
    )
    text = visible_text(client.get(f"/boards/meetings/{board.pk}/"))
    assert (
        "Not recorded (marks missing) 1 Could not be judged 1 Bachelor (Honours), II.i 2 "
        "Bachelor (Honours), II.ii 1 Bachelor (Honours), III 1 Items needing attention (2) "
        "2022000002 Jack Walker: not recorded; missing ENG3001: presentation, ENG3003: coursework "
        "2022000006 Noah Thomas: could not be judged: InputError: module ENG3001 has no components"
    ) in text


def test_an_anonymous_committee_lists_items_needing_attention_by_candidate_number(
    client: Client, make_board: Callable[..., Meeting], secretary: User
) -> None:
    board = make_board(students=6, incomplete=2)
    calculated(board)
    AssessmentCommittee.objects.filter(pk=board.committee_id).update(anonymous=True)
    client.force_login(secretary)

    text = visible_text(client.get(f"/boards/meetings/{board.pk}/"))

    assert "Candidate C129950: not recorded; missing ENG3001: presentation, ENG3003: coursework" in text
    assert "Jack Walker" not in text
    assert "2022000002" not in text


def decided(meeting: Meeting, cohort: Cohort, chair: User, secretary: User, external: User) -> None:
    """Everything the meeting page shows about decisions: a hold, ratification, publication (a results
    file), an external examiner's comment and sign-off."""
    meeting.attendees.set(meeting.committee.memberships.all())
    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    for enrolment_id in (
        cohort.outcome_sets.get(is_current=True)
        .outcomes.filter(incomplete=True)
        .values_list("enrolment_id", flat=True)
    ):
        services.hold_student(
            meeting=meeting,
            cohort=cohort,
            enrolment_id=enrolment_id,
            reason="A mark is missing: the board decides at the resit meeting.",
            user=secretary,
        )
    services.ratify_cohort(meeting=meeting, cohort=cohort, user=chair)
    services.publish_cohort(meeting=meeting, cohort=cohort, user=chair)
    services.record_comment(meeting=meeting, user=external, text="The marking is consistent.")
    services.sign_off(meeting=meeting, user=external, text="I confirm the results.")


@pytest.mark.usefixtures("superuser")  # imports both cohorts (import_generated's uploader)
@pytest.mark.parametrize("persona", ["chair", "member", "external"])
def test_meeting_page_queries_do_not_grow_with_students(
    client: Client,
    make_board: Callable[..., Meeting],
    committee: AssessmentCommittee,
    chair: User,
    secretary: User,
    external: User,
    persona: str,
    request: pytest.FixtureRequest,
) -> None:
    """Published, with a results file and the examiners' entries; after the second import 42 students are
    proposed as amendments (40 new, 2 whose marks the import changed): the page costs the same with 5
    students as with 50."""
    board = make_board(students=5, incomplete=1)
    cohort = calculated(board)
    decided(board, cohort, chair, secretary, external)
    client.force_login(request.getfixturevalue(persona))
    pages = [f"/boards/meetings/{board.pk}/", f"/boards/meetings/{board.pk}/status/"]

    def queries() -> list[int]:
        counts = []
        for page in pages:
            with CaptureQueriesContext(connection) as captured:
                assert client.get(page).status_code == 200
            counts.append(len(captured))
        return counts

    few = queries()
    import_generated(committee.school, students=50, years=3, ruleset="leeds-taught-2024", incomplete=5)
    calculate(OutcomeSet.objects.create(cohort=cohort, stage=Stage.AWARD, trigger="again").pk)
    assert cohort.outcome_sets.get(is_current=True).outcomes.count() == 50
    text = visible_text(client.get(pages[0]))
    assert "Amendments (42 proposed)" in text

    assert queries() == few


@pytest.mark.usefixtures("superuser")
def test_a_draft_costs_a_member_no_more_queries_than_it_costs_the_chair(
    client: Client, make_board: Callable[..., Meeting], chair: User, member: User
) -> None:
    board = make_board(students=5, incomplete=1)
    calculated(board)
    page = f"/boards/meetings/{board.pk}/"

    def queries(user: User) -> int:
        client.force_login(user)
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured)

    assert queries(member) <= queries(chair)
