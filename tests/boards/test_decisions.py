"""The committee's decisions through the services: override, hold, provisional, ratify, publish, amend."""

from __future__ import annotations

import csv
import io

import pytest
from django.contrib.auth.models import User

from boards import ledger, services
from boards.decisions import holds, proposed_amendments, standing_overrides
from boards.models import Category, LedgerEntry, Meeting, Outcome, OutcomeSet, Result, ResultsFile, Review
from boards.recalculation import calculate
from boards.services import DecisionRefused

pytestmark = pytest.mark.django_db

REASON = "Accepted mitigating circumstances: bereavement during the exam period."


def calculated(meeting: Meeting) -> tuple[Meeting, dict[int, Outcome]]:
    cohort = meeting.cohorts.get()
    outcome_set = services.request_recalculation(cohort=cohort, stage="award", trigger="test")
    calculate(outcome_set.pk)
    outcome_set.refresh_from_db()
    assert outcome_set.status == OutcomeSet.Status.COMPLETE
    return meeting, {o.enrolment_id: o for o in outcome_set.outcomes.all()}


@pytest.fixture
def board(make_board, chair: User, secretary: User, member: User) -> tuple[Meeting, dict[int, Outcome]]:
    meeting = make_board(students=4)
    meeting.attendees.set(meeting.committee.memberships.all())
    return calculated(meeting)


def classed(outcomes: dict[int, Outcome]) -> Outcome:
    return next(o for o in outcomes.values() if o.klass and o.klass != "I")


def test_an_override_is_a_ledger_entry_beside_the_computed_value(board, secretary: User) -> None:
    meeting, outcomes = board
    cohort = meeting.cohorts.get()
    outcome = classed(outcomes)
    entry = services.record_override(
        meeting=meeting,
        cohort=cohort,
        enrolment_id=outcome.enrolment_id,
        field="klass",
        value="I",
        category=Category.MITIGATION,
        reason=REASON,
        user=secretary,
    )
    assert (entry.kind, entry.from_value, entry.to_value) == ("override", outcome.klass, "I")
    assert entry.reason == REASON
    assert entry.inputs_fingerprint == outcome.inputs_fingerprint
    standing = standing_overrides(cohort, "award", outcomes)
    assert standing[outcome.enrolment_id]["klass"].value == "I"
    assert standing[outcome.enrolment_id]["klass"].needs_review is False
    assert ledger.verify(meeting.committee_id) is None


def test_an_override_needs_a_reason_of_a_sentence(board, secretary: User) -> None:
    meeting, outcomes = board
    outcome = classed(outcomes)
    with pytest.raises(DecisionRefused, match="A reason is required: at least 10 characters"):
        services.record_override(
            meeting=meeting,
            cohort=meeting.cohorts.get(),
            enrolment_id=outcome.enrolment_id,
            field="klass",
            value="I",
            category=Category.MITIGATION,
            reason=" ok ",
            user=secretary,
        )
    assert LedgerEntry.objects.count() == 0


def test_ratify_publish_and_the_results_file(board, chair: User, secretary: User) -> None:
    meeting, outcomes = board
    cohort = meeting.cohorts.get()
    outcome = classed(outcomes)
    services.record_override(
        meeting=meeting,
        cohort=cohort,
        enrolment_id=outcome.enrolment_id,
        field="klass",
        value="I",
        category=Category.MITIGATION,
        reason=REASON,
        user=secretary,
    )
    with pytest.raises(
        DecisionRefused, match=r"Only provisional outcomes can be ratified; these are draft\."
    ):
        services.ratify_cohort(meeting=meeting, cohort=cohort, user=chair)
    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    review = services.ratify_cohort(meeting=meeting, cohort=cohort, user=chair)
    assert review.state == Review.State.RATIFIED
    assert Result.objects.filter(review=review).count() == len(outcomes)
    results_file = services.publish_cohort(meeting=meeting, cohort=cohort, user=chair)
    rows = list(csv.reader(io.StringIO(bytes(results_file.content).decode("utf-8-sig"))))
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
    assert len(rows) == len(outcomes) + 1
    overridden = [row for row in rows[1:] if row[-1] == "Y"]
    assert [(row[0], row[5]) for row in overridden] == [(outcome.enrolment.student.student_id, "I")]
    with pytest.raises(DecisionRefused, match=r"These results are already published\."):
        services.publish_cohort(meeting=meeting, cohort=cohort, user=chair)
    assert ResultsFile.objects.filter(kind="publication").count() == 1
    kinds = list(LedgerEntry.objects.values_list("kind", flat=True))
    assert kinds == ["override", "provisional", "ratified", "published"]
    assert ledger.verify(meeting.committee_id) is None
    with pytest.raises(DecisionRefused, match="a change now is an amendment"):
        services.record_override(
            meeting=meeting,
            cohort=cohort,
            enrolment_id=outcome.enrolment_id,
            field="klass",
            value="III",
            category=Category.OTHER,
            reason=REASON,
            user=secretary,
        )


def test_incomplete_records_block_ratification_until_held(make_board, chair: User, secretary: User) -> None:
    meeting = make_board(students=4, incomplete=1)
    meeting.attendees.set(meeting.committee.memberships.all())
    meeting, outcomes = calculated(meeting)
    cohort = meeting.cohorts.get()
    incomplete = [o for o in outcomes.values() if o.incomplete]
    assert len(incomplete) == 1
    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    with pytest.raises(DecisionRefused, match="has no recorded outcome"):
        services.ratify_cohort(meeting=meeting, cohort=cohort, user=chair)
    services.hold_student(
        meeting=meeting, cohort=cohort, enrolment_id=incomplete[0].enrolment_id, reason=REASON, user=secretary
    )
    assert list(holds(meeting, cohort)) == [incomplete[0].enrolment_id]
    review = services.ratify_cohort(meeting=meeting, cohort=cohort, user=chair)
    assert Result.objects.filter(review=review).count() == len(outcomes) - 1
    assert proposed_amendments(review, outcomes, holds(meeting, cohort)) == []


def test_ratification_needs_a_quorate_meeting(make_board, chair: User, secretary: User) -> None:
    meeting = make_board(students=3)
    meeting, _ = calculated(meeting)
    cohort = meeting.cohorts.get()
    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    with pytest.raises(DecisionRefused, match="The meeting is not quorate: 0 of the 2 members"):
        services.ratify_cohort(meeting=meeting, cohort=cohort, user=chair)
