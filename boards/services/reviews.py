"""A cohort's outcomes at a meeting: draft -> provisional -> ratified -> published, and amendments after.

Each move locks the cohort's review row and changes its state only from the state it must be in, in the
transaction that writes its ledger entry, so two chairs ratifying at once or a double publish leave one
ratification and one publication (the second is refused; ``ResultsFile`` allows one publication per review
in the database as well). Ratification freezes every student's agreed result (``Result``); from then on
a recalculation changes nothing agreed: a student whose outcome moved is a proposed amendment
(``boards.decisions``) until the chair approves it with a reason.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from django.contrib.auth.models import User
from django.db import transaction

from students.exports import write_csv
from students.models import Enrolment

from .. import ledger
from ..decisions import (
    FIELDS,
    agreed,
    agreed_results,
    computed,
    holds,
    proposed_amendments,
    standing_overrides,
)
from ..models import (
    Category,
    Cohort,
    Field,
    LedgerEntry,
    Meeting,
    Outcome,
    OutcomeSet,
    Result,
    ResultsFile,
    Review,
)
from ..recalculation import stage_for
from ..statistics import previous_set_for
from ..words import override_choices
from .errors import DecisionRefused
from .overrides import clean_reason, current_outcome

Kind = LedgerEntry.Kind
State = Review.State

RESULTS_HEADERS = (
    "student_id",
    "programme",
    "session",
    "decision",
    "award",
    "class",
    "classification_average",
    "override",
)
"""The results file's columns, as the student record system reads them."""


def _locked_review(meeting: Meeting, cohort: Cohort) -> Review:
    """The review row, created if need be, locked for this transaction (PostgreSQL; SQLite serialises)."""
    Review.objects.get_or_create(
        meeting=meeting, cohort=cohort, defaults={"stage": stage_for(cohort, meeting.kind)}
    )
    reviews = Review.objects.select_for_update(of=("self",)).select_related("ratified_set")
    return reviews.get(meeting=meeting, cohort=cohort)


def _move(review: Review, *, frm: str, to: str, **values: object) -> None:
    """Change the state only if it is still ``frm``: the loser of a race changes nothing."""
    moved = Review.objects.filter(pk=review.pk, state=frm).update(state=to, **values)
    if moved != 1:
        raise DecisionRefused("Someone else changed these outcomes at the same moment: reload the page.")


def _current_set(cohort: Cohort, stage: str) -> OutcomeSet:
    current = OutcomeSet.objects.filter(cohort=cohort, stage=stage, is_current=True).first()
    if current is None:
        raise DecisionRefused("No outcomes have been calculated for this cohort yet.")
    return current


def _refuse_while_calculating(cohort: Cohort, stage: str) -> None:
    busy = OutcomeSet.objects.filter(
        cohort=cohort, stage=stage, status__in=[OutcomeSet.Status.QUEUED, OutcomeSet.Status.RUNNING]
    )
    if busy.exists():
        raise DecisionRefused("A recalculation of this cohort is under way: wait for it to finish first.")


def make_provisional(*, meeting: Meeting, cohort: Cohort, user: User) -> Review:
    """Release the draft outcomes to the whole committee, its external examiners included."""
    with transaction.atomic():
        review = _locked_review(meeting, cohort)
        if review.state != State.DRAFT:
            raise DecisionRefused(f"These outcomes are already {review.get_state_display().lower()}.")
        current = _current_set(cohort, review.stage)
        ledger.append(
            committee=cohort.committee,
            kind=Kind.PROVISIONAL,
            user_id=user.pk,
            meeting=meeting,
            cohort=cohort,
            stage=review.stage,
            outcome_set=current,
            inputs_fingerprint=current.inputs_fingerprint,
        )
        _move(review, frm=State.DRAFT, to=State.PROVISIONAL)
    review.refresh_from_db()
    return review


def quorum_present(meeting: Meeting) -> int:
    return meeting.attendees.exclude(role="external").count()


def ratify_cohort(*, meeting: Meeting, cohort: Cohort, user: User) -> Review:
    """The chair signs the provisional outcomes off: every student not held back gets an agreed result.

    Refused unless the meeting is quorate, no recalculation is under way, every record with a missing mark
    (RULES 9.35) or that could not be judged is held back or decided by an override, and no override is
    flagged for review.
    """
    with transaction.atomic():
        review = _locked_review(meeting, cohort)
        if review.state != State.PROVISIONAL:
            raise DecisionRefused(
                f"Only provisional outcomes can be ratified; these are {review.get_state_display().lower()}."
            )
        present, quorum = quorum_present(meeting), meeting.committee.quorum
        if present < quorum:
            raise DecisionRefused(
                f"The meeting is not quorate: {present} of the {quorum} members it needs "
                "are recorded as attending."
            )
        _refuse_while_calculating(cohort, review.stage)
        current = _current_set(cohort, review.stage)
        outcomes = {o.enrolment_id: o for o in Outcome.objects.filter(outcome_set=current).defer("result")}
        held = holds(meeting, cohort)
        standing = standing_overrides(cohort, review.stage, outcomes)
        flagged = sorted(
            pk for pk, fields in standing.items() if any(o.needs_review for o in fields.values())
        )
        if flagged:
            raise DecisionRefused(
                f"{_students(flagged, cohort)} {_have(flagged)} an override flagged for review: "
                "confirm or withdraw it first."
            )
        unresolved = sorted(
            pk
            for pk, o in outcomes.items()
            if (o.incomplete or o.problem) and pk not in held and pk not in standing
        )
        if unresolved:
            raise DecisionRefused(
                f"{_students(unresolved, cohort)} {_have(unresolved)} no recorded outcome "
                "(a mark missing or not judged): hold each back or record the committee's decision first."
            )
        results = [
            _result(review, outcome, standing.get(pk)) for pk, outcome in outcomes.items() if pk not in held
        ]
        Result.objects.bulk_create(results, batch_size=1000)
        entry = ledger.append(
            committee=cohort.committee,
            kind=Kind.RATIFIED,
            user_id=user.pk,
            meeting=meeting,
            cohort=cohort,
            stage=review.stage,
            outcome_set=current,
            inputs_fingerprint=current.inputs_fingerprint,
            reason=f"{len(results)} results ratified, {len(held)} held back.",
        )
        _move(
            review,
            frm=State.PROVISIONAL,
            to=State.RATIFIED,
            ratified_set=current,
            ratified_by=user,
            ratified_at=entry.created_at,
            compared_set=previous_set_for(cohort, review.stage),
        )
    review.refresh_from_db()
    return review


def _students(enrolment_ids: list[int], cohort: Cohort) -> str:
    """ "Students 2022000003, 2022000005": by student ID, or by candidate number on an anonymous board."""
    anonymous = cohort.committee.anonymous
    field = "student__candidate_number" if anonymous else "student__student_id"
    names = dict(Enrolment.objects.filter(pk__in=enrolment_ids[:5]).values_list("pk", field))
    shown = [(f"candidate {names[pk]}" if anonymous else names[pk]) or f"#{pk}" for pk in enrolment_ids[:5]]
    more = f" and {len(enrolment_ids) - 5} more" if len(enrolment_ids) > 5 else ""
    noun = "Student" if len(enrolment_ids) == 1 else "Students"
    return f"{noun} {', '.join(shown)}{more}"


def _have(items: list[int]) -> str:
    return "has" if len(items) == 1 else "have"


def _result(
    review: Review, outcome: Outcome, standing: dict | None, amendment: LedgerEntry | None = None
) -> Result:
    values = agreed(outcome, standing)
    return Result(
        review=review,
        enrolment_id=outcome.enrolment_id,
        outcome=outcome,
        computed_decision=computed(outcome, "decision"),
        computed_award=computed(outcome, "award"),
        computed_klass=computed(outcome, "klass"),
        decision=values.decision,
        award=values.award,
        klass=values.klass,
        classification_average=outcome.classification_average,
        overridden=values.overridden,
        amendment=amendment,
    )


def results_rows(review: Review, results: Iterable[Result]) -> list[list[object]]:
    cohort = review.cohort
    return [
        [
            result.enrolment.student.student_id,
            cohort.programme.code,
            cohort.academic_session,
            result.decision,
            result.award,
            result.klass,
            "" if result.classification_average is None else f"{result.classification_average.normalize():f}",
            "Y" if result.overridden or result.amendment_id else "N",
        ]
        for result in sorted(results, key=lambda r: r.enrolment.student.student_id)
    ]


def _results_file(
    review: Review, kind: str, results: list[Result], entry: LedgerEntry, outcome_set: OutcomeSet
) -> ResultsFile:
    cohort = review.cohort
    content = write_csv(RESULTS_HEADERS, results_rows(review, results))
    session = cohort.academic_session.replace("/", "-")
    suffix = "results" if kind == ResultsFile.Kind.PUBLICATION else f"amendment-{entry.pk}"
    return ResultsFile.objects.create(
        review=review,
        kind=kind,
        outcome_set=outcome_set,
        entry=entry,
        name=f"{cohort.programme.code}_{session}_Y{cohort.programme_year}_{review.stage}_{suffix}.csv",
        content=content,
        sha256=hashlib.sha256(content).hexdigest(),
        rows=len(results),
    )


def publish_cohort(*, meeting: Meeting, cohort: Cohort, user: User) -> ResultsFile:
    """Lock the ratified results and keep the results file for the student record system."""
    with transaction.atomic():
        review = _locked_review(meeting, cohort)
        if review.state != State.RATIFIED:
            if review.state == State.PUBLISHED:
                raise DecisionRefused("These results are already published.")
            raise DecisionRefused("Only ratified outcomes can be published; the chair ratifies them first.")
        assert review.ratified_set is not None
        results = list(_with_students(agreed_results(review).values()))
        entry = ledger.append(
            committee=cohort.committee,
            kind=Kind.PUBLISHED,
            user_id=user.pk,
            meeting=meeting,
            cohort=cohort,
            stage=review.stage,
            outcome_set=review.ratified_set,
            reason=f"{len(results)} results published.",
        )
        results_file = _results_file(
            review, ResultsFile.Kind.PUBLICATION, results, entry, review.ratified_set
        )
        _move(
            review, frm=State.RATIFIED, to=State.PUBLISHED, published_by=user, published_at=entry.created_at
        )
    return results_file


def _with_students(results: Iterable[Result]) -> list[Result]:
    ids = [r.pk for r in results]
    return list(Result.objects.filter(pk__in=ids).select_related("enrolment__student"))


def _amend(
    review: Review, outcome: Outcome, entry_values: dict[str, object], result: Result, user: User
) -> LedgerEntry:
    """Write the amendment's entry, the student's new result and, after publication, its results file."""
    entry = ledger.append(
        committee=review.cohort.committee,
        kind=Kind.AMENDMENT,
        user_id=user.pk,
        meeting=review.meeting,
        cohort=review.cohort,
        stage=review.stage,
        enrolment_id=outcome.enrolment_id,
        outcome_set=outcome.outcome_set,
        inputs_fingerprint=outcome.inputs_fingerprint,
        **entry_values,
    )
    result.amendment = entry
    result.save(force_insert=True)
    if review.state == State.PUBLISHED:
        _results_file(
            review, ResultsFile.Kind.AMENDMENT, _with_students([result]), entry, outcome.outcome_set
        )
    return entry


def _describe(values: dict[str, str]) -> str:
    words = {"decision": "decision", "award": "award", "klass": "class"}
    return "; ".join(f"{words[f]} {values[f] or 'none'}" for f in FIELDS if f in values)


def approve_amendment(
    *, meeting: Meeting, cohort: Cohort, enrolment_id: int, reason: str, user: User
) -> LedgerEntry:
    """The chair approves a proposed amendment: the student's agreed result becomes the current outcome."""
    text = clean_reason(reason)
    with transaction.atomic():
        review = _locked_review(meeting, cohort)
        if not review.locked:
            raise DecisionRefused("Amendments apply once the outcomes are ratified; until then, override.")
        outcome = current_outcome(cohort, review.stage, enrolment_id)
        proposals = proposed_amendments(review, {enrolment_id: outcome}, holds(meeting, cohort))
        if not proposals:
            raise DecisionRefused("No amendment is proposed for this student: the agreed result stands.")
        changes = proposals[0].changes
        result = _result(review, outcome, None)
        return _amend(
            review,
            outcome,
            {
                "field": changes[0][0] if len(changes) == 1 else "",
                "from_value": _describe({f: old for f, old, _ in changes}),
                "to_value": _describe({f: new for f, _, new in changes}),
                "reason": text,
            },
            result,
            user,
        )


def record_amendment(
    *,
    meeting: Meeting,
    cohort: Cohort,
    enrolment_id: int,
    field: str,
    value: str,
    category: str,
    reason: str,
    user: User,
) -> LedgerEntry:
    """The chair amends one agreed value after ratification (e.g. mitigation accepted after the board)."""
    if field not in Field.values:
        raise DecisionRefused(f"An amendment changes a decision, a class or an award, not {field!r}.")
    if value not in override_choices(field):
        raise DecisionRefused(f"{value!r} is not a {Field(field).label.lower()} Quorum knows.")
    if category not in Category.values:
        raise DecisionRefused("Choose the category of the amendment.")
    text = clean_reason(reason)
    with transaction.atomic():
        review = _locked_review(meeting, cohort)
        if not review.locked:
            raise DecisionRefused("Amendments apply once the outcomes are ratified; until then, override.")
        now = agreed_results(review).get(enrolment_id)
        if now is None:
            raise DecisionRefused("This student has no agreed result to amend (held back at ratification).")
        if str(getattr(now, field)) == value:
            raise DecisionRefused(f"The agreed {Field(field).label.lower()} is already {value}.")
        result = Result(
            review=review,
            enrolment_id=enrolment_id,
            outcome_id=now.outcome_id,
            computed_decision=now.computed_decision,
            computed_award=now.computed_award,
            computed_klass=now.computed_klass,
            decision=now.decision,
            award=now.award,
            klass=now.klass,
            classification_average=now.classification_average,
            overridden=True,
        )
        setattr(result, field, value)
        outcome = Outcome.objects.select_related("outcome_set").get(pk=now.outcome_id)
        return _amend(
            review,
            outcome,
            {
                "field": field,
                "from_value": str(getattr(now, field)),
                "to_value": value,
                "category": category,
                "reason": text,
            },
            result,
            user,
        )
