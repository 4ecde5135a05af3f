"""Recalculating a cohort: load through the adapter, run the engine, write a new outcome set, then switch.

The steps run in small transactions so the page can show progress, yet no half-written set is ever read:
pages read only the *current* set, and a set becomes current in one transaction once every outcome is
written (the previous set stays current until then). A run holds the set by a lease it renews with each
chunk; a second delivery of the same task (a worker killed part-way, the broker redelivering) waits while
the lease is fresh and takes over once it has lapsed, discarding the partial outcomes and starting again,
so running the task twice writes the same set once. A run whose lease was taken writes nothing more.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from regulations import rulesets
from regulations.adapters import records_for
from regulations.engine import evaluate
from regulations.engine.numbers import decimal_of
from regulations.engine.parse import InputError
from regulations.engine.records import AFTER_REASSESSMENT, FIRST_SIT, Ask, Record
from regulations.engine.result import Result

from .models import Cohort, Meeting, Outcome, OutcomeSet, Stage
from .selectors import enrolment_ids

CHUNK = 500
"""Students loaded, evaluated and written per transaction unless ``QUORUM_RECALCULATION_CHUNK`` says."""


class LeaseHeld(Exception):
    """Another run of this set renewed its lease recently: try again once it may have lapsed."""

    def __init__(self, message: str, *, retry_in: float) -> None:
        super().__init__(message)
        self.retry_in = retry_in
        """Seconds until the lease lapses if its run renews it no more."""


class LeaseLost(Exception):
    """Another run took this set over (this one's lease lapsed): stop without writing more."""


@dataclass
class Run:
    """One run's hold on a set: what it computes and how far it has got."""

    outcome_set: OutcomeSet
    token: str
    ids: list[int]
    ask: Ask
    done: int = 0
    digest: Any = field(default_factory=hashlib.sha256)


def stage_for(cohort: Cohort, kind: str) -> Stage:
    """The question a meeting of ``kind`` asks of ``cohort``."""
    if cohort.final_year:
        return Stage.AWARD
    return Stage.AFTER_REASSESSMENT if kind == Meeting.Kind.RESIT else Stage.FIRST_SIT


def ask_for(cohort: Cohort, stage: str) -> Ask:
    if stage == Stage.AWARD:
        return Ask(award=True)
    return Ask(
        level=cohort.level, stage=AFTER_REASSESSMENT if stage == Stage.AFTER_REASSESSMENT else FIRST_SIT
    )


def lease_seconds() -> float:
    return float(settings.QUORUM_RECALCULATION_LEASE_SECONDS)


def chunk_size() -> int:
    return int(settings.QUORUM_RECALCULATION_CHUNK)


def calculate(outcome_set_id: int) -> OutcomeSet | None:
    """Compute and write the set, then make it current; None if it had already finished.

    LeaseHeld if another run is writing it now; LeaseLost if another run took it over part-way. Any other
    error marks the set failed (if this run still holds it) and propagates.
    """
    run = claim(outcome_set_id)
    if run is None:
        return None
    try:
        for chunk in _chunks(run.ids, chunk_size()):
            write(run, chunk)
        return finish(run)
    except LeaseLost:
        raise
    except Exception as error:
        fail(run, error)
        raise


def claim(outcome_set_id: int) -> Run | None:
    """Take the set for this run, or None if it is already finished; LeaseHeld while another run is live.

    Taking a set over discards whatever a previous run wrote into it, in the same transaction.
    """
    with transaction.atomic():
        outcome_set = OutcomeSet.objects.select_for_update().select_related("cohort").get(pk=outcome_set_id)
        if outcome_set.finished:
            return None
        now = timezone.now()
        if outcome_set.lease and outcome_set.heartbeat_at is not None:
            lapses_at = outcome_set.heartbeat_at + timedelta(seconds=lease_seconds())
            if now < lapses_at:
                raise LeaseHeld(
                    f"outcome set #{outcome_set_id} is being written by run {outcome_set.lease}",
                    retry_in=(lapses_at - now).total_seconds(),
                )
        ids = enrolment_ids(outcome_set.cohort)
        outcome_set.outcomes.all().delete()
        outcome_set.lease = uuid.uuid4().hex
        outcome_set.heartbeat_at = now
        outcome_set.status = OutcomeSet.Status.RUNNING
        outcome_set.started_at = now
        outcome_set.total = len(ids)
        outcome_set.done = 0
        outcome_set.error = ""
        outcome_set.save(
            update_fields=["lease", "heartbeat_at", "status", "started_at", "total", "done", "error"]
        )
    return Run(outcome_set, outcome_set.lease, ids, ask_for(outcome_set.cohort, outcome_set.stage))


def write(run: Run, chunk: Sequence[int]) -> None:
    """Evaluate ``chunk`` and write its outcomes, renewing the lease; LeaseLost if the set was taken over.

    The engine runs outside the transaction, so the set's row is locked only while the rows are written.
    """
    records = records_for(chunk, run.ask)
    rows = [_outcome(run.outcome_set, pk, records[pk]) for pk in chunk]
    with transaction.atomic():
        _locked(run.outcome_set.pk, run.token)
        Outcome.objects.bulk_create(rows)
        OutcomeSet.objects.filter(pk=run.outcome_set.pk).update(
            done=run.done + len(rows), heartbeat_at=timezone.now()
        )
    run.done += len(rows)
    for row in rows:
        run.digest.update(row.inputs_fingerprint.encode())


def finish(run: Run) -> OutcomeSet:
    """Make the set current in one transaction, unless a newer set of the same question already is."""
    with transaction.atomic():
        outcome_set = _locked(run.outcome_set.pk, run.token)
        current = (
            OutcomeSet.objects.select_for_update()
            .filter(cohort_id=outcome_set.cohort_id, stage=outcome_set.stage, is_current=True)
            .first()
        )
        newer_is_current = current is not None and current.pk > outcome_set.pk
        if current is not None and not newer_is_current:
            current.is_current = False
            current.save(update_fields=["is_current"])
        outcome_set.status = OutcomeSet.Status.COMPLETE
        outcome_set.is_current = not newer_is_current
        outcome_set.finished_at = timezone.now()
        outcome_set.inputs_fingerprint = run.digest.hexdigest()
        outcome_set.lease = ""
        outcome_set.save(update_fields=["status", "is_current", "finished_at", "inputs_fingerprint", "lease"])
    return outcome_set


def fail(run: Run, error: BaseException) -> None:
    """Record that the set cannot be calculated, if this run still holds it; the previous set stays current.

    A run that has lost its lease leaves the set to the run that took it over.
    """
    OutcomeSet.objects.filter(pk=run.outcome_set.pk, lease=run.token).update(
        status=OutcomeSet.Status.FAILED,
        error=f"{type(error).__name__}: {error}",
        finished_at=timezone.now(),
        lease="",
    )


def _locked(outcome_set_id: int, token: str) -> OutcomeSet:
    outcome_set = OutcomeSet.objects.select_for_update().get(pk=outcome_set_id)
    if outcome_set.lease != token:
        raise LeaseLost(
            f"outcome set #{outcome_set_id} was taken over by run {outcome_set.lease or '(none)'}"
        )
    return outcome_set


def _chunks(ids: Sequence[int], size: int) -> Iterator[Sequence[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def inputs_fingerprint(record: Record) -> str:
    """A digest of everything the engine read for this student (the record's repr is exact and ordered)."""
    return hashlib.sha256(repr(record).encode()).hexdigest()


def _outcome(outcome_set: OutcomeSet, enrolment_id: int, record: Record) -> Outcome:
    outcome = Outcome(
        outcome_set=outcome_set,
        enrolment_id=enrolment_id,
        ruleset_key=record.ruleset,
        inputs_fingerprint=inputs_fingerprint(record),
    )
    try:
        ruleset = rulesets.get(record.ruleset)
        result = evaluate(record, ruleset)
    except (InputError, rulesets.UnknownRuleSet) as error:
        outcome.problem = str(error)
        outcome.flags = ["problem"]
        outcome.ruleset_version = ""
        outcome.ruleset_fingerprint = ""
        return outcome
    outcome.ruleset_version = result.ruleset_version
    outcome.ruleset_fingerprint = result.ruleset_fingerprint
    outcome.result = result.as_dict()
    outcome.incomplete = bool(result.incomplete)
    outcome.decision = result.decision or ""
    outcome.award = result.award or ""
    outcome.klass = result.klass or ""
    outcome.exit_award = result.exit_award or ""
    if result.classification_average is not None:
        outcome.classification_average = Decimal(result.classification_average)
    credits = {module.code: module.credits for module in record.modules}
    outcome.credit_passed = sum(
        credits.get(code, 0) for code, status in result.credit.items() if status in ("passed", "compensated")
    )
    outcome.flags = flags(record, result, ruleset)
    return outcome


def flags(record: Record, result: Result, ruleset: Any) -> list[str]:
    """What a board looks at first, in a fixed order; templates turn each into words."""
    out: list[str] = []
    if result.incomplete:
        out.append("incomplete")
    if any(status == "failed" for status in result.credit.values()):
        out.append("failed-credit")
    if any(status == "compensated" for status in result.credit.values()):
        out.append("compensated")
    if any(len(module.attempts) > 1 for module in record.modules):
        out.append("reassessed")
    if result.exit_award:
        out.append("exit-award")
    if result.classification_average is not None and near_boundary(
        Decimal(result.classification_average), record, ruleset
    ):
        out.append("near-boundary")
    return out


def near_boundary(average: Decimal, record: Record, ruleset: Any) -> bool:
    """Within ``QUORUM_NEAR_BOUNDARY`` marks below a class boundary of the programme's award.

    Not a regulation (the rules leave no discretion here): a flag so the board reads those records.
    """
    spec = ruleset.awards.get(record.programme.award)
    if spec is None:
        return False
    margin = Decimal(settings.QUORUM_NEAR_BOUNDARY)
    # The rule set keeps each boundary scaled to one decimal place (70 -> 700), as the engine compares it.
    boundaries = [decimal_of(threshold_at_1, 1) for _, threshold_at_1 in spec.classes]
    return any(boundary - margin <= average < boundary for boundary in boundaries)
