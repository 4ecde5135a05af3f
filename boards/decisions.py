"""What the committee has decided of a cohort so far, read from the ledger and the agreed results.

Overrides belong to (cohort, question, student): the newest override, confirmation or withdrawal of a
field is the one in force, and it is *flagged for review* when the student's current outcome no longer
rests on what it was made on (other inputs, or another computed value), never silently kept or dropped.
Holds belong to a cohort at one meeting. After ratification the newest ``Result`` of each student is
the agreed value, and a current outcome that differs from it is a *proposed amendment*.
A constant number of queries per cohort, whatever its size.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from .models import Cohort, Field, LedgerEntry, Meeting, Outcome, Result, Review

Kind = LedgerEntry.Kind
OVERRIDE_KINDS = (Kind.OVERRIDE, Kind.OVERRIDE_CONFIRMED, Kind.OVERRIDE_WITHDRAWN)
FIELDS = tuple(Field.values)


def review_of(meeting: Meeting, cohort: Cohort) -> Review:
    """The cohort's review at the meeting; an unsaved draft when nothing has been decided yet."""
    from .recalculation import stage_for

    review = (
        Review.objects.select_related("ratified_by", "published_by")
        .filter(meeting=meeting, cohort=cohort)
        .first()
    )
    return review or Review(meeting=meeting, cohort=cohort, stage=stage_for(cohort, meeting.kind))


def computed(outcome: Outcome, field: str) -> str:
    """The outcome's computed value of an override field."""
    return str(getattr(outcome, field) or "")


@dataclass(frozen=True)
class StandingOverride:
    """The override of one field in force, and whether the outcome beneath it has moved since."""

    entry: LedgerEntry
    """The override (or its confirmation after review) now in force."""
    needs_review: bool
    why: str
    """Why it is flagged, in words ("" when it is not)."""

    @property
    def field(self) -> str:
        return self.entry.field

    @property
    def value(self) -> str:
        return self.entry.to_value


def review_flag(entry: LedgerEntry, outcome: Outcome | None) -> str:
    """Why an override no longer rests on the outcome it was made on, or "" when it still does."""
    if outcome is None:
        return "The student has no outcome in the current set."
    now = computed(outcome, entry.field)
    if now != entry.from_value:
        return f"The computed value changed from {entry.from_value or 'none'} to {now or 'none'}."
    if outcome.inputs_fingerprint != entry.inputs_fingerprint:
        return "The student's marks or record changed since the override was made."
    return ""


def override_entries(
    cohort: Cohort, stage: str, enrolment_ids: Iterable[int] | None = None
) -> list[LedgerEntry]:
    entries = LedgerEntry.objects.filter(cohort=cohort, stage=stage, kind__in=OVERRIDE_KINDS)
    if enrolment_ids is not None:
        entries = entries.filter(enrolment_id__in=list(enrolment_ids))
    return list(entries.select_related("user").order_by("pk"))


def standing_overrides(
    cohort: Cohort, stage: str, outcomes: dict[int, Outcome], enrolment_ids: Iterable[int] | None = None
) -> dict[int, dict[str, StandingOverride]]:
    """Per enrolment, per field, the override in force; ``outcomes`` are the current set's by enrolment."""
    latest: dict[tuple[int, str], LedgerEntry] = {}
    for entry in override_entries(cohort, stage, enrolment_ids):
        assert entry.enrolment_id is not None
        latest[(entry.enrolment_id, entry.field)] = entry
    standing: dict[int, dict[str, StandingOverride]] = {}
    for (enrolment_id, field), entry in latest.items():
        if entry.kind == Kind.OVERRIDE_WITHDRAWN:
            continue
        why = review_flag(entry, outcomes.get(enrolment_id))
        standing.setdefault(enrolment_id, {})[field] = StandingOverride(entry, bool(why), why)
    return standing


def holds(meeting: Meeting, cohort: Cohort) -> dict[int, LedgerEntry]:
    """The students held back from ratification at this meeting: each one's hold now in force."""
    latest: dict[int, LedgerEntry] = {}
    entries = LedgerEntry.objects.filter(meeting=meeting, cohort=cohort, kind__in=[Kind.HOLD, Kind.RELEASE])
    for entry in entries.select_related("user").order_by("pk"):
        assert entry.enrolment_id is not None
        latest[entry.enrolment_id] = entry
    return {pk: entry for pk, entry in latest.items() if entry.kind == Kind.HOLD}


def agreed_results(review: Review, enrolment_ids: Iterable[int] | None = None) -> dict[int, Result]:
    """The newest result of each student of a ratified review (the value in force), or of those named."""
    results = Result.objects.filter(review=review)
    if enrolment_ids is not None:
        results = results.filter(enrolment_id__in=list(enrolment_ids))
    newest: dict[int, Result] = {}
    for result in results.order_by("pk"):
        newest[result.enrolment_id] = result
    return newest


@dataclass(frozen=True)
class Agreed:
    """A student's headline as the committee agrees it: computed, or the override's where there is one."""

    decision: str
    award: str
    klass: str
    overridden: bool


def agreed(outcome: Outcome, standing: dict[str, StandingOverride] | None) -> Agreed:
    values = {field: computed(outcome, field) for field in FIELDS}
    for field, override in (standing or {}).items():
        values[field] = override.value
    return Agreed(values["decision"], values["award"], values["klass"], bool(standing))


@dataclass(frozen=True)
class ProposedAmendment:
    """A student whose current outcome differs from the result agreed at ratification (or who was held)."""

    enrolment_id: int
    outcome: Outcome
    result: Result | None
    """The agreed result in force; None for a student held back at ratification."""
    changes: tuple[tuple[str, str, str], ...]
    """(field, agreed value, current computed value) for each field that differs."""


def proposed_amendments(
    review: Review,
    outcomes: dict[int, Outcome],
    held: dict[int, LedgerEntry],
    results: dict[int, Result] | None = None,
) -> list[ProposedAmendment]:
    """Every student of a ratified or published review whose current outcome would change the agreed one.

    A student held back at ratification is proposed once the hold is released. Nothing is proposed
    before ratification, nor for a student whose outcome is not recorded (incomplete) or not judged.
    ``results`` are the review's ``agreed_results`` when the caller has them already (read if None).
    """
    if not review.locked:
        return []
    if results is None:
        results = agreed_results(review)
    proposed = []
    for enrolment_id, outcome in sorted(outcomes.items(), key=lambda item: item[0]):
        if outcome.incomplete or outcome.problem:
            continue
        result = results.get(enrolment_id)
        if result is None:
            if enrolment_id in held:
                continue
            changes = tuple(
                (field, "", computed(outcome, field)) for field in FIELDS if computed(outcome, field)
            )
            proposed.append(ProposedAmendment(enrolment_id, outcome, None, changes))
            continue
        diff = tuple(
            (field, str(getattr(result, field)), computed(outcome, field))
            for field in FIELDS
            if str(getattr(result, field)) != computed(outcome, field)
            and computed(outcome, field) != str(getattr(result, f"computed_{field}"))
        )
        if diff:
            proposed.append(ProposedAmendment(enrolment_id, outcome, result, diff))
    return proposed
