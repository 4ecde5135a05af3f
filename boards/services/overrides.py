"""The committee's decisions on single students: overrides with their reasons, and holds.

Each is one ledger entry (``boards.ledger.append``) in the transaction that checks it. An override is made
on the student's outcome in the cohort's current set and records that outcome's input fingerprint and
computed value, so a later recalculation that moves either flags it for review (``boards.decisions``).
Once the cohort's outcomes are ratified at any meeting nothing here applies: changes are amendments.
"""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from .. import ledger
from ..decisions import computed, holds, standing_overrides
from ..models import Category, Cohort, Field, LedgerEntry, Meeting, Outcome, OutcomeSet, Review
from ..recalculation import stage_for
from ..words import override_choices
from .errors import DecisionRefused

Kind = LedgerEntry.Kind
REASON_MIN = 10
"""Characters: a reason is a sentence a reader of the minutes understands, not "ok"."""


def clean_reason(reason: str, *, what: str = "A reason") -> str:
    text = " ".join(reason.split())
    if len(text) < REASON_MIN:
        raise DecisionRefused(f"{what} is required: at least {REASON_MIN} characters the minutes can carry.")
    return text


def current_outcome(cohort: Cohort, stage: str, enrolment_id: int) -> Outcome:
    """The student's outcome in the cohort's current set for ``stage``, or refuse."""
    outcome = (
        Outcome.objects.select_related("outcome_set")
        .filter(outcome_set__cohort=cohort, outcome_set__stage=stage, outcome_set__is_current=True)
        .filter(enrolment_id=enrolment_id)
        .first()
    )
    if outcome is None:
        raise DecisionRefused("This student has no outcome in the cohort's current set.")
    return outcome


def refuse_if_locked(cohort: Cohort, stage: str) -> None:
    locked = Review.objects.filter(
        cohort=cohort, stage=stage, state__in=[Review.State.RATIFIED, Review.State.PUBLISHED]
    ).first()
    if locked is not None:
        raise DecisionRefused(
            f"These outcomes were {locked.get_state_display().lower()} at the {locked.meeting}: "
            "a change now is an amendment, approved by the chair."
        )


def _lock_cohort(cohort: Cohort) -> None:
    """Serialise decisions on one cohort (PostgreSQL row lock; SQLite serialises writers anyway)."""
    Cohort.objects.select_for_update().filter(pk=cohort.pk).first()


def record_override(
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
    """Override the student's computed decision, class or award, with a category and a reason."""
    if field not in Field.values:
        raise DecisionRefused(f"An override changes a decision, a class or an award, not {field!r}.")
    label = Field(field).label.lower()
    if value not in override_choices(field):
        raise DecisionRefused(f"{value!r} is not a {label} Quorum knows.")
    if category not in Category.values:
        raise DecisionRefused("Choose the category of the override.")
    text = clean_reason(reason)
    stage = stage_for(cohort, meeting.kind)
    with transaction.atomic():
        _lock_cohort(cohort)
        refuse_if_locked(cohort, stage)
        outcome = current_outcome(cohort, stage, enrolment_id)
        was = computed(outcome, field)
        if value == was:
            raise DecisionRefused(f"The computed {label} is already {value}: there is nothing to override.")
        standing = standing_overrides(cohort, stage, {enrolment_id: outcome}, [enrolment_id])
        current = standing.get(enrolment_id, {}).get(field)
        if current is not None and current.value == value and not current.needs_review:
            raise DecisionRefused(f"The {label} is already overridden to {value}.")
        return ledger.append(
            committee=cohort.committee,
            kind=Kind.OVERRIDE,
            user_id=user.pk,
            meeting=meeting,
            cohort=cohort,
            stage=stage,
            enrolment_id=enrolment_id,
            field=field,
            from_value=was,
            to_value=value,
            category=category,
            reason=text,
            outcome_set=outcome.outcome_set,
            inputs_fingerprint=outcome.inputs_fingerprint,
        )


def _standing_entry(cohort: Cohort, stage: str, enrolment_id: int, field: str) -> tuple[Outcome, LedgerEntry]:
    outcome = current_outcome(cohort, stage, enrolment_id)
    standing = standing_overrides(cohort, stage, {enrolment_id: outcome}, [enrolment_id])
    current = standing.get(enrolment_id, {}).get(field)
    if current is None:
        raise DecisionRefused("There is no override of this to withdraw or confirm.")
    return outcome, current.entry


def withdraw_override(
    *, meeting: Meeting, cohort: Cohort, enrolment_id: int, field: str, reason: str, user: User
) -> LedgerEntry:
    """End the override in force: the computed value stands again. The override stays in the ledger."""
    text = clean_reason(reason)
    stage = stage_for(cohort, meeting.kind)
    with transaction.atomic():
        _lock_cohort(cohort)
        refuse_if_locked(cohort, stage)
        outcome, entry = _standing_entry(cohort, stage, enrolment_id, field)
        return ledger.append(
            committee=cohort.committee,
            kind=Kind.OVERRIDE_WITHDRAWN,
            user_id=user.pk,
            meeting=meeting,
            cohort=cohort,
            stage=stage,
            enrolment_id=enrolment_id,
            field=field,
            from_value=entry.to_value,
            to_value=computed(outcome, field),
            category=entry.category,
            reason=text,
            outcome_set=outcome.outcome_set,
            inputs_fingerprint=outcome.inputs_fingerprint,
        )


def confirm_override(
    *, meeting: Meeting, cohort: Cohort, enrolment_id: int, field: str, reason: str, user: User
) -> LedgerEntry:
    """Keep a flagged override on the student's new outcome: it now rests on the current inputs."""
    text = clean_reason(reason)
    stage = stage_for(cohort, meeting.kind)
    with transaction.atomic():
        _lock_cohort(cohort)
        refuse_if_locked(cohort, stage)
        outcome, entry = _standing_entry(cohort, stage, enrolment_id, field)
        was = computed(outcome, field)
        if was == entry.to_value:
            raise DecisionRefused(
                f"The computed {Field(field).label.lower()} is now {was} itself: "
                "withdraw the override instead."
            )
        return ledger.append(
            committee=cohort.committee,
            kind=Kind.OVERRIDE_CONFIRMED,
            user_id=user.pk,
            meeting=meeting,
            cohort=cohort,
            stage=stage,
            enrolment_id=enrolment_id,
            field=field,
            from_value=was,
            to_value=entry.to_value,
            category=entry.category,
            reason=text,
            outcome_set=outcome.outcome_set,
            inputs_fingerprint=outcome.inputs_fingerprint,
        )


def _held(meeting: Meeting, cohort: Cohort, enrolment_id: int) -> bool:
    return enrolment_id in holds(meeting, cohort)


def hold_student(
    *, meeting: Meeting, cohort: Cohort, enrolment_id: int, reason: str, user: User
) -> LedgerEntry:
    """Hold one student back from this meeting's ratification, with a reason."""
    text = clean_reason(reason)
    stage = stage_for(cohort, meeting.kind)
    with transaction.atomic():
        _lock_cohort(cohort)
        refuse_if_locked(cohort, stage)
        outcome = current_outcome(cohort, stage, enrolment_id)
        if _held(meeting, cohort, enrolment_id):
            raise DecisionRefused("This student is already held back.")
        return _hold_entry(Kind.HOLD, meeting, cohort, stage, outcome, text, user)


def release_student(
    *, meeting: Meeting, cohort: Cohort, enrolment_id: int, reason: str, user: User
) -> LedgerEntry:
    """Release a hold. After ratification the student's outcome then comes up as a proposed amendment."""
    text = clean_reason(reason)
    stage = stage_for(cohort, meeting.kind)
    with transaction.atomic():
        _lock_cohort(cohort)
        outcome = current_outcome(cohort, stage, enrolment_id)
        if not _held(meeting, cohort, enrolment_id):
            raise DecisionRefused("This student is not held back.")
        return _hold_entry(Kind.RELEASE, meeting, cohort, stage, outcome, text, user)


def _hold_entry(
    kind: str, meeting: Meeting, cohort: Cohort, stage: str, outcome: Outcome, reason: str, user: User
) -> LedgerEntry:
    outcome_set: OutcomeSet = outcome.outcome_set
    return ledger.append(
        committee=cohort.committee,
        kind=kind,
        user_id=user.pk,
        meeting=meeting,
        cohort=cohort,
        stage=stage,
        enrolment_id=outcome.enrolment_id,
        reason=reason,
        outcome_set=outcome_set,
        inputs_fingerprint=outcome.inputs_fingerprint,
    )
