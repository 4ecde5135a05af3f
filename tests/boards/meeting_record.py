"""A meeting decided from start to finish through the services, for the tests of what it leaves behind:
its minutes, its board pack and the committee's ledger.

Every member attends; the secretary overrides a class with a reason (more than one student's at a larger
board) and holds one student back; the outcomes are made provisional, ratified by the chair and
published; the external examiner comments and signs off; then a student's marks are corrected, the
cohort recalculated and the chair approves the amendment this proposes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth.models import User

from boards import services
from boards.models import Category, Cohort, LedgerEntry, Meeting, Outcome, OutcomeSet, ResultsFile
from boards.recalculation import calculate
from students.models import Mark

OVERRIDE_REASON = "Accepted mitigating circumstances: bereavement during the exam period."
HOLD_REASON = "An academic misconduct case is still open; the panel meets in July."
AMEND_REASON = "The corrected marks were confirmed by the module leader."
COMMENT = "The marking was consistent and the feedback helpful."
SIGN_OFF = "I confirm the results of this meeting."


def recalculated(
    cohort: Cohort, trigger: str = "marks import #3", *, stage: str = "award"
) -> dict[int, Outcome]:
    """A new current set of the cohort's outcomes, as the worker would write it."""
    outcome_set = services.request_recalculation(cohort=cohort, stage=stage, trigger=trigger)
    calculate(outcome_set.pk)
    outcome_set.refresh_from_db()
    assert outcome_set.status == OutcomeSet.Status.COMPLETE
    return {o.enrolment_id: o for o in outcome_set.outcomes.select_related("enrolment__student")}


@dataclass(frozen=True)
class Decided:
    meeting: Meeting
    cohort: Cohort
    ratified: dict[int, Outcome]
    """The outcomes as ratified, by enrolment id."""
    overridden: list[Outcome]
    held: Outcome
    amended: Outcome
    """As ratified, before its marks were corrected."""
    published: ResultsFile

    def entry(self, kind: str) -> LedgerEntry:
        return LedgerEntry.objects.get(kind=kind)


def decide(
    make_board: Callable[..., Meeting],
    *,
    chair: User,
    secretary: User,
    external: User,
    students: int = 5,
    overrides: int = 1,
) -> Decided:
    meeting = make_board(students=students)
    meeting.attendees.set(meeting.committee.memberships.all())
    cohort = meeting.cohorts.get()
    outcomes = recalculated(cohort)
    classed = [outcomes[pk] for pk in sorted(outcomes) if outcomes[pk].klass not in ("", "I")]
    assert len(classed) >= overrides + 2, "the generated cohort needs more students below a first"
    overridden, held, amended = classed[:overrides], classed[overrides], classed[overrides + 1]
    for outcome in overridden:
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
    services.hold_student(
        meeting=meeting, cohort=cohort, enrolment_id=held.enrolment_id, reason=HOLD_REASON, user=secretary
    )
    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    services.ratify_cohort(meeting=meeting, cohort=cohort, user=chair)
    published = services.publish_cohort(meeting=meeting, cohort=cohort, user=chair)
    services.record_comment(meeting=meeting, user=external, text=COMMENT)
    services.sign_off(meeting=meeting, user=external, text=SIGN_OFF)
    raised = Mark.objects.filter(
        registration__enrolment__student=amended.enrolment.student, value__isnull=False
    ).update(value=95)
    assert raised > 0
    assert recalculated(cohort, "marks import #4")[amended.enrolment_id].klass == "I"
    services.approve_amendment(
        meeting=meeting, cohort=cohort, enrolment_id=amended.enrolment_id, reason=AMEND_REASON, user=chair
    )
    return Decided(meeting, cohort, outcomes, overridden, held, amended, published)
