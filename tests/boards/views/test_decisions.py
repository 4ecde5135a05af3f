"""The committee's decisions on one student from the outcome page: overrides with their reasons, their
withdrawal and confirmation after review, holds and releases, and after ratification the chair's
amendments; who may take each (403 for the committee's readers, 404 for everyone else), the sentence each
refusal shows, and the draft that only those preparing the board may read."""

from __future__ import annotations

import html
import re
from collections.abc import Callable

import pytest
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.test import Client
from django.urls import reverse

from boards import services
from boards.access import DRAFT
from boards.models import Category, LedgerEntry, Meeting, Outcome, OutcomeSet, Result
from boards.recalculation import calculate
from boards.views.decisions import DENIED_AMEND, DENIED_OVERRIDE
from students.imports import jobs
from students.models import Enrolment, ImportBatch, Mark
from tests.boards.views.test_outcome import forms
from tests.students.views.pages import visible_text

pytestmark = pytest.mark.django_db

REASON = "Accepted mitigating circumstances: bereavement during the final examinations."
HOLD = "Evidence of mitigation is still to come from the student's school office."
STUDENT_ACTIONS = (
    "override",
    "withdraw_override",
    "confirm_override",
    "hold",
    "release",
    "amend",
    "approve_amendment",
)
MESSAGES = re.compile(r'<ul class="messages">(.*?)</ul>', re.S)
MESSAGE = re.compile(r'<li class="(\w+)">(.*?)</li>', re.S)


def recalculate(meeting: Meeting) -> dict[int, Outcome]:
    """A new current set of the cohort's outcomes, as the worker would write it."""
    outcome_set = services.request_recalculation(cohort=meeting.cohorts.get(), stage="award", trigger="test")
    calculate(outcome_set.pk)
    outcome_set.refresh_from_db()
    assert outcome_set.status == OutcomeSet.Status.COMPLETE
    return {o.enrolment_id: o for o in outcome_set.outcomes.select_related("enrolment__student")}


@pytest.fixture
def draft(
    make_board: Callable[..., Meeting], chair: User, secretary: User, member: User, external: User
) -> Meeting:
    """Four students with complete records, calculated, still a draft; everyone on the committee attends."""
    meeting = make_board(students=4)
    meeting.attendees.set(meeting.committee.memberships.all())
    recalculate(meeting)
    return meeting


@pytest.fixture
def board(draft: Meeting, secretary: User) -> Meeting:
    """The draft made provisional: the committee and its external examiners read it."""
    services.make_provisional(meeting=draft, cohort=draft.cohorts.get(), user=secretary)
    return draft


def classed(meeting: Meeting) -> Outcome:
    """A student whose computed class is not a first, so that "I" is an override."""
    return (
        Outcome.objects.filter(outcome_set__cohort=meeting.cohorts.get(), outcome_set__is_current=True)
        .exclude(klass__in=["", "I"])
        .select_related("enrolment__student")
        .order_by("enrolment__student__student_id")[0]
    )


def student_url(meeting: Meeting, enrolment_id: int, name: str = "outcome") -> str:
    return reverse(f"boards:{name}", args=[meeting.pk, meeting.cohorts.get().pk, enrolment_id])


def shown(response: HttpResponse) -> list[tuple[str, str]]:
    """The messages the page shows, each with its level: [("success", "Override recorded: ...")]."""
    block = MESSAGES.search(response.content.decode())
    if block is None:
        return []
    return [(level, html.unescape(text)) for level, text in MESSAGE.findall(block.group(1))]


def post(client: Client, user: User, url: str, data: dict[str, str]) -> HttpResponse:
    """POST as ``user``; the response is the page it redirects to, with the redirect in its chain."""
    client.force_login(user)
    return client.post(url, data, follow=True)  # type: ignore[return-value]


def entries() -> list[tuple[object, ...]]:
    """Every ledger entry about a student, as the minutes would read it."""
    return list(
        LedgerEntry.objects.exclude(enrolment=None)
        .order_by("pk")
        .values_list(
            "kind", "enrolment_id", "field", "from_value", "to_value", "category", "reason", "user__username"
        )
    )


def override(meeting: Meeting, outcome: Outcome, secretary: User, value: str = "I") -> None:
    services.record_override(
        meeting=meeting,
        cohort=meeting.cohorts.get(),
        enrolment_id=outcome.enrolment_id,
        field="klass",
        value=value,
        category=Category.MITIGATION,
        reason=REASON,
        user=secretary,
    )


def import_mark(meeting: Meeting, outcome: Outcome, administrator: User) -> None:
    """One of the student's marks changed through the marks import, and the cohort recalculated as the
    import asks (the worker's ``calculate``, run here)."""
    mark = (
        Mark.objects.filter(registration__enrolment=outcome.enrolment, value__isnull=False)
        .select_related("component__occurrence__module")
        .order_by("pk")[0]
    )
    occurrence = mark.component.occurrence
    assert mark.value is not None
    new = 12 if mark.value != 12 else 13
    row = (
        "student_id,module_code,academic_session,component,attempt,mark\n"
        f"{outcome.enrolment.student.student_id},{occurrence.module.code},{occurrence.academic_session},"
        f"{mark.component.name},{mark.attempt},{new}\n"
    )
    school = meeting.committee.school
    batch = jobs.start(
        school=school, kind="marks", name="fix.csv", data=row.encode(), user_id=administrator.pk
    )
    batch = jobs.confirm(jobs.preview(batch), user_id=administrator.pk)
    assert batch.status == ImportBatch.Status.COMPLETED, batch.errors
    queued = OutcomeSet.objects.filter(status=OutcomeSet.Status.QUEUED).values_list("pk", flat=True)
    assert len(queued) == 1
    calculate(queued[0])


def ratify(meeting: Meeting, chair: User) -> None:
    services.ratify_cohort(meeting=meeting, cohort=meeting.cohorts.get(), user=chair)


# Overrides


def test_the_secretary_overrides_a_class_with_a_category_and_a_reason_and_the_computed_class_stays(
    client: Client, board: Meeting, secretary: User
) -> None:
    outcome = classed(board)
    data = {"field": "klass", "value": "I", "category": Category.MITIGATION, "reason": REASON}

    response = post(client, secretary, student_url(board, outcome.enrolment_id, "override"), data)

    assert response.redirect_chain == [(student_url(board, outcome.enrolment_id), 302)]
    assert shown(response) == [
        (
            "success",
            f"Override recorded: the class is I; the computed class, {outcome.klass}, stays beside it.",
        )
    ]
    assert entries() == [
        ("override", outcome.enrolment_id, "klass", outcome.klass, "I", "mitigation", REASON, "seb")
    ]
    assert (
        f"Outcome Class: {outcome.klass}, Bachelor (Honours) The committee's decision "
        f"Outcomes at this meeting: Provisional. Class: I, overridden; computed: {outcome.klass}. "
        f"Mitigating circumstances (L 7.3.4): {REASON} (recorded by seb, "
    ) in visible_text(response)


def test_the_chair_withdraws_an_override_and_the_computed_class_stands_again(
    client: Client, board: Meeting, secretary: User, chair: User
) -> None:
    outcome = classed(board)
    override(board, outcome, secretary)
    reason = "Recorded against the wrong student: see the minutes."

    response = post(
        client,
        chair,
        student_url(board, outcome.enrolment_id, "withdraw_override"),
        {"field": "klass", "reason": reason},
    )

    assert shown(response) == [
        ("success", f"Override withdrawn: the computed class, {outcome.klass}, stands again.")
    ]
    assert entries()[1:] == [
        (
            "override-withdrawn",
            outcome.enrolment_id,
            "klass",
            "I",
            outcome.klass,
            "mitigation",
            reason,
            "charlotte",
        )
    ]
    assert "No override: the computed outcome stands." in visible_text(response)


def test_after_a_mark_changes_the_override_needs_review_until_it_is_confirmed(
    client: Client, board: Meeting, secretary: User, administrator: User
) -> None:
    outcome = classed(board)
    override(board, outcome, secretary)
    import_mark(board, outcome, administrator)
    now = Outcome.objects.get(outcome_set__is_current=True, enrolment_id=outcome.enrolment_id)
    page = student_url(board, outcome.enrolment_id)
    client.force_login(secretary)

    flagged = visible_text(client.get(page))

    # Niamh Nowak's average falls from 67.2 to 64.8 on the corrected mark: still a II.i, but on other marks.
    assert (outcome.klass, now.klass) == ("II.i", "II.i")
    assert (
        "Class: I, overridden; computed: II.i. Mitigating circumstances (L 7.3.4): "
        f"{REASON} (recorded by seb, "
    ) in flagged
    assert (
        "Needs review: The student's marks or record changed since the override was made. "
        "Confirm the override on the new outcome or withdraw it before ratification."
    ) in flagged
    reason = "The mitigation still holds on the corrected mark: the board keeps the first."

    response = post(
        client,
        secretary,
        student_url(board, outcome.enrolment_id, "confirm_override"),
        {"field": "klass", "reason": reason},
    )

    assert shown(response) == [
        ("success", f"Override confirmed: the class stays I on the new computed class, {now.klass}.")
    ]
    assert entries()[1:] == [
        ("override-confirmed", outcome.enrolment_id, "klass", now.klass, "I", "mitigation", reason, "seb")
    ]
    assert "Needs review" not in visible_text(response)
    assert "(confirmed after review by seb, " in visible_text(response)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            {"reason": " too short "},
            "A reason is required: at least 10 characters the minutes can carry.",
        ),
        ({"reason": ""}, "Reason: This field is required."),
        ({"value": ""}, "To: This field is required."),
        (
            {"category": "because"},
            "Category: Select a valid choice. because is not one of the available choices.",
        ),
        (
            {"field": "decision", "value": "progress"},
            "Change: Select a valid choice. decision is not one of the available choices. "
            "To: Select a valid choice. progress is not one of the available choices.",
        ),
        ({"field": "award", "value": "I"}, "To: I is not a value the award can take."),
    ],
)
def test_an_override_the_form_or_the_service_refuses_says_why_and_writes_nothing(
    client: Client, board: Meeting, secretary: User, data: dict[str, str], message: str
) -> None:
    outcome = classed(board)
    posted = {"field": "klass", "value": "I", "category": Category.MITIGATION, "reason": REASON} | data

    response = post(client, secretary, student_url(board, outcome.enrolment_id, "override"), posted)

    assert response.redirect_chain == [(student_url(board, outcome.enrolment_id), 302)]
    assert shown(response) == [("error", message)]
    assert entries() == []


def test_an_override_to_the_computed_class_is_refused(
    client: Client, board: Meeting, secretary: User
) -> None:
    outcome = classed(board)
    data = {"field": "klass", "value": outcome.klass, "category": Category.OTHER, "reason": REASON}

    response = post(client, secretary, student_url(board, outcome.enrolment_id, "override"), data)

    assert shown(response) == [
        ("error", f"The computed class is already {outcome.klass}: there is nothing to override.")
    ]
    assert entries() == []


def test_once_ratified_an_override_is_refused_and_the_chair_is_offered_an_amendment(
    client: Client, board: Meeting, secretary: User, chair: User
) -> None:
    outcome = classed(board)
    ratify(board, chair)
    data = {"field": "klass", "value": "I", "category": Category.MITIGATION, "reason": REASON}

    response = post(client, secretary, student_url(board, outcome.enrolment_id, "override"), data)

    assert shown(response) == [
        (
            "error",
            f"These outcomes were ratified at the {board}: "
            "a change now is an amendment, approved by the chair.",
        )
    ]
    assert entries() == []
    assert forms(response) == ['<form class="inline" method="post" action="/accounts/logout/">']
    client.force_login(chair)
    chairs = client.get(student_url(board, outcome.enrolment_id)).content.decode()
    assert f'action="{student_url(board, outcome.enrolment_id, "amend")}"' in chairs
    assert f'action="{student_url(board, outcome.enrolment_id, "override")}"' not in chairs


# Holds


def test_the_secretary_holds_a_student_back_and_releases_the_hold(
    client: Client, board: Meeting, secretary: User
) -> None:
    outcome = classed(board)
    release = "The evidence arrived and the board considered it."

    held = post(client, secretary, student_url(board, outcome.enrolment_id, "hold"), {"reason": HOLD})

    assert shown(held) == [("success", "The student is held back from ratification at this meeting.")]
    assert f"Held back from ratification at this meeting: {HOLD} (by seb, " in visible_text(held)

    released = post(
        client, secretary, student_url(board, outcome.enrolment_id, "release"), {"reason": release}
    )

    assert shown(released) == [
        ("success", "Hold released: the student's outcome goes to ratification with the others.")
    ]
    assert "Held back" not in visible_text(released)
    assert entries() == [
        ("hold", outcome.enrolment_id, "", "", "", "", HOLD, "seb"),
        ("release", outcome.enrolment_id, "", "", "", "", release, "seb"),
    ]


def test_a_second_hold_is_refused(client: Client, board: Meeting, secretary: User) -> None:
    outcome = classed(board)
    post(client, secretary, student_url(board, outcome.enrolment_id, "hold"), {"reason": HOLD})

    again = post(client, secretary, student_url(board, outcome.enrolment_id, "hold"), {"reason": HOLD})

    assert shown(again) == [("error", "This student is already held back.")]
    assert len(entries()) == 1


# Amendments


def test_the_chair_records_an_amendment_after_ratification(
    client: Client, board: Meeting, chair: User
) -> None:
    outcome = classed(board)
    ratify(board, chair)
    data = {"field": "klass", "value": "I", "category": Category.MITIGATION, "reason": REASON}

    response = post(client, chair, student_url(board, outcome.enrolment_id, "amend"), data)

    assert shown(response) == [
        ("success", f"Amendment recorded: the agreed class is now I (was {outcome.klass}).")
    ]
    assert entries() == [
        ("amendment", outcome.enrolment_id, "klass", outcome.klass, "I", "mitigation", REASON, "charlotte")
    ]
    assert (
        f"Agreed result: class I (computed {outcome.klass}); award Bachelor (Honours), "
        "amended after ratification."
    ) in visible_text(response)


def test_a_proposed_amendment_shows_agreed_and_current_and_the_chair_approves_it(
    client: Client, board: Meeting, chair: User
) -> None:
    outcome = classed(board)
    ratify(board, chair)
    Mark.objects.filter(registration__enrolment=outcome.enrolment, value__isnull=False).update(value=95)
    recalculate(board)
    page = student_url(board, outcome.enrolment_id)
    client.force_login(chair)

    proposed = visible_text(client.get(page))

    assert (
        f"Agreed result: class {outcome.klass}; award Bachelor (Honours). Amendment proposed: "
        f"class {outcome.klass} → I. The agreed result stands until the chair approves the amendment."
    ) in proposed
    reason = "The corrected marks were confirmed by the module leader after the board."

    response = post(
        client, chair, student_url(board, outcome.enrolment_id, "approve_amendment"), {"reason": reason}
    )

    assert shown(response) == [("success", f"Amendment approved: class {outcome.klass} → class I.")]
    assert entries() == [
        (
            "amendment",
            outcome.enrolment_id,
            "klass",
            f"class {outcome.klass}",
            "class I",
            "",
            reason,
            "charlotte",
        )
    ]
    assert "Amendment proposed" not in visible_text(response)
    assert Result.objects.filter(enrolment_id=outcome.enrolment_id).order_by("pk").last().klass == "I"  # type: ignore[union-attr]


def test_an_amendment_before_ratification_is_refused(client: Client, board: Meeting, chair: User) -> None:
    outcome = classed(board)

    response = post(
        client, chair, student_url(board, outcome.enrolment_id, "approve_amendment"), {"reason": REASON}
    )

    assert shown(response) == [
        ("error", "Amendments apply once the outcomes are ratified; until then, override.")
    ]
    assert entries() == []


# Who may decide


@pytest.mark.parametrize("persona", ["member", "external", "administrator", "superuser"])
def test_those_who_read_the_committee_but_do_not_decide_get_403_and_write_nothing(
    client: Client, board: Meeting, persona: str, request: pytest.FixtureRequest
) -> None:
    """The committee's members and external examiners, its school's administrators and the registry."""
    outcome = classed(board)
    user = request.getfixturevalue(persona)
    client.force_login(user)
    data = {"field": "klass", "value": "I", "category": Category.MITIGATION, "reason": REASON}

    denied = {}
    for action in STUDENT_ACTIONS:
        response = client.post(student_url(board, outcome.enrolment_id, action), data)
        denied[action] = (response.status_code, response.context["exception"])

    assert denied == {
        action: (403, DENIED_AMEND if action in ("amend", "approve_amendment") else DENIED_OVERRIDE)
        for action in STUDENT_ACTIONS
    }
    assert entries() == []


def test_the_secretary_may_not_amend(client: Client, board: Meeting, chair: User, secretary: User) -> None:
    outcome = classed(board)
    ratify(board, chair)
    client.force_login(secretary)

    response = client.post(student_url(board, outcome.enrolment_id, "amend"), {"reason": REASON})

    assert (response.status_code, response.context["exception"]) == (403, DENIED_AMEND)


@pytest.mark.parametrize("persona", ["outsider", "stranger"])
def test_those_outside_the_committee_get_404_on_every_decision(
    client: Client, board: Meeting, persona: str, request: pytest.FixtureRequest
) -> None:
    outcome = classed(board)
    client.force_login(request.getfixturevalue(persona))

    statuses = {
        action: client.post(student_url(board, outcome.enrolment_id, action), {"reason": REASON}).status_code
        for action in STUDENT_ACTIONS
    }

    assert statuses == dict.fromkeys(STUDENT_ACTIONS, 404)
    assert entries() == []


def test_a_student_not_in_the_cohort_is_404_and_a_get_is_405(
    client: Client, board: Meeting, secretary: User
) -> None:
    outcome = classed(board)
    current = Outcome.objects.filter(outcome_set__is_current=True).values("enrolment_id")
    year_two = Enrolment.objects.exclude(pk__in=current).first()
    assert year_two is not None
    client.force_login(secretary)

    assert client.post(student_url(board, year_two.pk, "hold"), {"reason": HOLD}).status_code == 404
    assert client.post(student_url(board, 999_999, "hold"), {"reason": HOLD}).status_code == 404
    assert entries() == []
    assert {
        action: client.get(student_url(board, outcome.enrolment_id, action)).status_code
        for action in STUDENT_ACTIONS
    } == dict.fromkeys(STUDENT_ACTIONS, 405)


def test_the_external_examiner_reads_overrides_and_holds_with_no_form(
    client: Client, board: Meeting, secretary: User, external: User
) -> None:
    outcome = classed(board)
    override(board, outcome, secretary)
    services.hold_student(
        meeting=board,
        cohort=board.cohorts.get(),
        enrolment_id=outcome.enrolment_id,
        reason=HOLD,
        user=secretary,
    )
    client.force_login(external)

    response = client.get(student_url(board, outcome.enrolment_id))

    text = visible_text(response)
    assert (
        f"Class: I, overridden; computed: {outcome.klass}. Mitigating circumstances (L 7.3.4): {REASON}"
        in text
    )
    assert f"Held back from ratification at this meeting: {HOLD} (by seb, " in text
    assert forms(response) == ['<form class="inline" method="post" action="/accounts/logout/">']
    assert response.content.decode().count("<button") == 1


# Drafts


def cohort_pages(meeting: Meeting, enrolment_id: int) -> dict[str, str]:
    base = reverse("boards:broadsheet", args=[meeting.pk, meeting.cohorts.get().pk])
    return {
        "broadsheet": base,
        "csv": f"{base}export.csv",
        "xlsx": f"{base}export.xlsx",
        "statistics": f"{base}statistics/",
        "outcome": student_url(meeting, enrolment_id),
    }


@pytest.mark.parametrize("persona", ["member", "external"])
def test_a_draft_is_403_to_members_and_external_examiners_until_it_is_made_provisional(
    client: Client, draft: Meeting, secretary: User, persona: str, request: pytest.FixtureRequest
) -> None:
    pages = cohort_pages(draft, classed(draft).enrolment_id)
    client.force_login(request.getfixturevalue(persona))

    before = {}
    for name, page in pages.items():
        response = client.get(page)
        before[name] = (response.status_code, response.context["exception"])
    services.make_provisional(meeting=draft, cohort=draft.cohorts.get(), user=secretary)
    after = {name: client.get(page).status_code for name, page in pages.items()}

    assert DRAFT == (
        "These outcomes are still a draft: the committee sees them once the secretary makes them provisional."
    )
    assert before == dict.fromkeys(pages, (403, DRAFT))
    assert after == dict.fromkeys(pages, 200)


@pytest.mark.parametrize("persona", ["chair", "secretary", "administrator", "superuser"])
def test_those_preparing_the_board_read_the_draft(
    client: Client, draft: Meeting, persona: str, request: pytest.FixtureRequest
) -> None:
    pages = cohort_pages(draft, classed(draft).enrolment_id)
    client.force_login(request.getfixturevalue(persona))

    assert {name: client.get(page).status_code for name, page in pages.items()} == dict.fromkeys(pages, 200)
