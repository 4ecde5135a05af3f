"""Recalculating a cohort: load through the adapter, run the engine, write a new outcome set, then switch.

The steps run in small transactions so the page can show progress, yet no half-written set is ever read:
pages read only the *current* set, and a set becomes current in one transaction once every outcome is
written (the previous set stays current until then). A run holds the set by a lease it renews with each
chunk; a second delivery of the same task (a worker killed part-way, the broker redelivering) waits while
the lease is fresh and takes over once it has lapsed, discarding the partial outcomes and starting again,
so running the task twice writes the same set once.
"""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Iterator, Sequence
from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from regulations import rulesets
from regulations.adapters import records_for
from regulations.engine import evaluate
from regulations.engine.parse import InputError
from regulations.engine.records import AFTER_REASSESSMENT, FIRST_SIT, Ask, Record
from regulations.engine.result import Result

from .models import Cohort, Meeting, Outcome, OutcomeSet, Stage
from .selectors import enrolment_ids

CHUNK = 500


class LeaseHeld(Exception):
    """Another run of this set renewed its lease recently: try again once it may have lapsed."""


class LeaseLost(Exception):
    """Another run took this set over (this one's lease lapsed): stop without writing more."""


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


def claim(outcome_set_id: int) -> tuple[OutcomeSet, str] | None:
    """Take the set for this run, or None if it is already finished; LeaseHeld while another run is live."""
    with transaction.atomic():
        outcome_set = OutcomeSet.objects.select_for_update().select_related("cohort").get(pk=outcome_set_id)
        if outcome_set.finished:
            return None
        now = timezone.now()
        if (
            outcome_set.lease
            and outcome_set.heartbeat_at is not None
            and now - outcome_set.heartbeat_at < timedelta(seconds=lease_seconds())
        ):
            raise LeaseHeld(f"outcome set #{outcome_set_id} is being written by run {outcome_set.lease}")
        token = uuid.uuid4().hex
        outcome_set.outcomes.all().delete()
        outcome_set.lease = token
        outcome_set.heartbeat_at = now
        outcome_set.status = OutcomeSet.Status.RUNNING
        outcome_set.started_at = now
        outcome_set.done = 0
        outcome_set.error = ""
        outcome_set.save(update_fields=["lease", "heartbeat_at", "status", "started_at", "done", "error"])
    return outcome_set, token


def _locked(outcome_set_id: int, token: str) -> OutcomeSet:
    outcome_set = OutcomeSet.objects.select_for_update().get(pk=outcome_set_id)
    if outcome_set.lease != token:
        raise LeaseLost(f"outcome set #{outcome_set_id} was taken over by run {outcome_set.lease}")
    return outcome_set


def calculate(outcome_set_id: int) -> OutcomeSet | None:
    """Compute and write the set, then make it current; None if it had already finished."""
    claimed = claim(outcome_set_id)
    if claimed is None:
        return None
    outcome_set, token = claimed
    cohort = outcome_set.cohort
    ids = enrolment_ids(cohort)
    OutcomeSet.objects.filter(pk=outcome_set.pk).update(total=len(ids))
    ask = ask_for(cohort, outcome_set.stage)
    digest = hashlib.sha256()
    done = 0
    for chunk in _chunks(ids, CHUNK):
        records = records_for(chunk, ask)
        rows = [_outcome(outcome_set, pk, records[pk]) for pk in chunk]
        for row in rows:
            digest.update(row.inputs_fingerprint.encode())
        done += len(rows)
        with transaction.atomic():
            _locked(outcome_set.pk, token)
            Outcome.objects.bulk_create(rows)
            OutcomeSet.objects.filter(pk=outcome_set.pk).update(done=done, heartbeat_at=timezone.now())
    return _finish(outcome_set.pk, token, digest.hexdigest())


def _finish(outcome_set_id: int, token: str, fingerprint: str) -> OutcomeSet:
    """Make the set current in one transaction, unless a newer set of the same question already is."""
    with transaction.atomic():
        outcome_set = _locked(outcome_set_id, token)
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
        outcome_set.inputs_fingerprint = fingerprint
        outcome_set.lease = ""
        outcome_set.save(update_fields=["status", "is_current", "finished_at", "inputs_fingerprint", "lease"])
    return outcome_set


def fail(outcome_set_id: int, error: BaseException) -> None:
    """Record that the set cannot be calculated; the previous set stays current."""
    OutcomeSet.objects.filter(pk=outcome_set_id).exclude(status=OutcomeSet.Status.COMPLETE).update(
        status=OutcomeSet.Status.FAILED,
        error=f"{type(error).__name__}: {error}",
        finished_at=timezone.now(),
        lease="",
    )


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
    return any(Decimal(boundary) - margin <= average < Decimal(boundary) for _, boundary in spec.classes)
