"""The recalculation task on a real Celery worker (never eager): it completes what is asked, fans a
meeting out per cohort, lets duplicate deliveries converge, and survives a worker killed part-way.

The data is committed (``transaction=True``) so that the worker, another process, reads it. With
REDIS_URL these run on Redis; without it on the filesystem broker (config/broker.py).
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import TypeVar

import pytest
from celery.exceptions import TimeoutError as CeleryTimeoutError
from celery.result import AsyncResult
from django.conf import settings

from boards.models import Cohort, Meeting, Outcome, OutcomeSet, Stage
from boards.recalculation import calculate, claim, write
from boards.services import recalculate_meeting, request_recalculation
from boards.tasks import recalculate
from config.celery import app
from config.tasks import ping
from tests.boards.test_recalculation import assert_equals_fresh_evaluation
from tests.conftest import WorkerStarter

pytestmark = pytest.mark.django_db(transaction=True)

Board = Callable[..., Meeting]
T = TypeVar("T")
WAIT_SECONDS = 60.0
SHORT_LEASE = 3
# The crash test's workers: a short lease and visibility timeout, so that a dead run's set and message
# come back within seconds (the timeout longer than a retry's wait for a lease, as config/broker.py asks),
# and small chunks, so that a couple of hundred students take long enough to kill part-way.
CRASH_STUDENTS = 200
CRASHABLE = {
    "QUORUM_RECALCULATION_LEASE_SECONDS": str(SHORT_LEASE),
    "QUORUM_VISIBILITY_TIMEOUT": str(SHORT_LEASE + 2),
    "QUORUM_RECALCULATION_CHUNK": "4",
}


def worker_logs(tmp_path: Path) -> str:
    return "\n".join(
        f"--- {log.name}\n{log.read_text(errors='replace')}" for log in sorted(tmp_path.glob("worker*.log"))
    )


def wait_until(check: Callable[[], T | None], what: str, tmp_path: Path, seconds: float = WAIT_SECONDS) -> T:
    """Poll ``check`` until it returns a value; fail with the workers' logs after ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = check()
        if value is not None:
            return value
        time.sleep(0.02)
    raise AssertionError(f"not within {seconds} s: {what}\n{worker_logs(tmp_path)}")


def wait_for_set(pk: int, tmp_path: Path, seconds: float = WAIT_SECONDS) -> OutcomeSet:
    """The set once the worker has finished it; a failed set fails the test at once."""

    def complete() -> OutcomeSet | None:
        outcome_set = OutcomeSet.objects.get(pk=pk)
        assert outcome_set.status != OutcomeSet.Status.FAILED, outcome_set.error
        return outcome_set if outcome_set.status == OutcomeSet.Status.COMPLETE else None

    return wait_until(complete, f"outcome set #{pk} complete", tmp_path, seconds)


def start_clean_worker(start: WorkerStarter, tmp_path: Path, **env: str) -> subprocess.Popen[bytes]:
    """A worker on a queue emptied of what earlier tests left with no worker to take it (tasks for sets
    that are gone, or whose ids a set of this test now has), once it consumes tasks (so its start-up
    resume of unfinished sets is behind it)."""
    app.control.purge()
    worker = start(**env)
    try:
        assert ping.delay().get(timeout=WAIT_SECONDS) == "pong"
    except CeleryTimeoutError:
        raise AssertionError(f"no worker answered ping\n{worker_logs(tmp_path)}") from None
    return worker


def visible(cohort: Cohort) -> set[int]:
    return set(
        Outcome.objects.filter(outcome_set__cohort=cohort, outcome_set__is_current=True).values_list(
            "pk", flat=True
        )
    )


def test_a_requested_recalculation_is_completed_by_the_worker(
    make_board: Board, start_celery_worker: WorkerStarter, tmp_path: Path
) -> None:
    cohort = make_board(students=20).cohorts.get()
    start_clean_worker(start_celery_worker, tmp_path)

    requested = request_recalculation(cohort=cohort, stage=Stage.AWARD, trigger="on demand")

    outcome_set = wait_for_set(requested.pk, tmp_path)
    assert (outcome_set.is_current, outcome_set.total, outcome_set.done) == (True, 20, 20)
    assert outcome_set.task_id and AsyncResult(outcome_set.task_id).get(timeout=WAIT_SECONDS) == "complete"
    assert_equals_fresh_evaluation(outcome_set)


def test_a_meeting_fans_out_one_set_per_cohort_each_asked_the_meetings_question(
    make_board: Board, start_celery_worker: WorkerStarter, tmp_path: Path
) -> None:
    meeting = make_board(students=6)
    meeting.refresh_from_db()  # its date as the database gives it back
    final = meeting.cohorts.get()
    second_year = Cohort.objects.create(
        committee=final.committee,
        programme=final.programme,
        academic_session="2023/24",
        programme_year=2,
        final_year=False,
        level=5,
    )
    meeting.cohorts.add(second_year)
    start_clean_worker(start_celery_worker, tmp_path)

    sets = recalculate_meeting(meeting=meeting, user=None)

    assert [(s.cohort, s.stage) for s in sets] == [(final, Stage.AWARD), (second_year, Stage.FIRST_SIT)]
    for requested in sets:
        outcome_set = wait_for_set(requested.pk, tmp_path)
        assert (outcome_set.is_current, outcome_set.done) == (True, 6)
        assert_equals_fresh_evaluation(outcome_set)


def test_duplicate_deliveries_wait_for_the_lease_then_one_takes_over_and_the_other_finds_it_done(
    make_board: Board, start_celery_worker: WorkerStarter, tmp_path: Path
) -> None:
    cohort = make_board(students=8).cohorts.get()
    start_clean_worker(start_celery_worker, tmp_path, QUORUM_RECALCULATION_LEASE_SECONDS=str(SHORT_LEASE))
    outcome_set = OutcomeSet.objects.create(cohort=cohort, stage=Stage.AWARD, trigger="test")
    # A run on some other worker claims the set, writes a chunk and dies without a word.
    dead = claim(outcome_set.pk)
    assert dead is not None
    write(dead, dead.ids[:3])
    partial = set(outcome_set.outcomes.values_list("pk", flat=True))
    last_heartbeat = OutcomeSet.objects.get(pk=outcome_set.pk).heartbeat_at
    assert last_heartbeat is not None

    deliveries = [recalculate.delay(outcome_set.pk), recalculate.delay(outcome_set.pk)]

    finished = wait_for_set(outcome_set.pk, tmp_path)
    answers = sorted(delivery.get(timeout=WAIT_SECONDS) for delivery in deliveries)
    assert answers == ["already finished", "complete"]
    assert finished.started_at is not None
    assert finished.started_at >= last_heartbeat + timedelta(seconds=SHORT_LEASE)
    assert finished.is_current and finished.done == 8
    assert partial.isdisjoint(finished.outcomes.values_list("pk", flat=True))
    assert_equals_fresh_evaluation(finished)


def test_a_worker_killed_part_way_leaves_the_previous_set_current_and_the_next_worker_finishes(
    make_board: Board, start_celery_worker: WorkerStarter, tmp_path: Path
) -> None:
    cohort = make_board(students=CRASH_STUDENTS).cohorts.get()
    previous = calculate(OutcomeSet.objects.create(cohort=cohort, stage=Stage.AWARD, trigger="before").pk)
    assert previous is not None
    previous_outcomes = set(previous.outcomes.values_list("pk", flat=True))
    first = start_clean_worker(start_celery_worker, tmp_path, **CRASHABLE)

    pending = request_recalculation(cohort=cohort, stage=Stage.AWARD, trigger="crash test")

    def part_way() -> OutcomeSet | None:
        outcome_set = OutcomeSet.objects.get(pk=pending.pk)
        return outcome_set if outcome_set.status == "running" and outcome_set.done > 0 else None

    wait_until(part_way, "the worker has written part of the set", tmp_path)
    os.kill(first.pid, signal.SIGKILL)  # --pool=solo: the worker's own process runs the task
    assert first.wait(timeout=30) == -signal.SIGKILL

    pending.refresh_from_db()
    previous.refresh_from_db()
    assert pending.status == "running" and 0 < pending.done < pending.total == CRASH_STUDENTS
    assert pending.outcomes.count() == pending.done
    assert (previous.is_current, pending.is_current) == (True, False)
    assert visible(cohort) == previous_outcomes

    start_celery_worker(**CRASHABLE)

    finished = wait_for_set(pending.pk, tmp_path)
    previous.refresh_from_db()
    assert (finished.is_current, previous.is_current, finished.done) == (True, False, CRASH_STUDENTS)
    assert list(OutcomeSet.objects.filter(cohort=cohort, is_current=True)) == [finished]
    assert visible(cohort) == set(finished.outcomes.values_list("pk", flat=True))
    assert_equals_fresh_evaluation(finished)
    # Either way back: the new worker queues the unfinished set again when it starts, and on Redis the
    # dead worker's own message, never acknowledged, is delivered again after the visibility timeout (the
    # folder transport removed it when the dead worker took it, so it stays "started" for ever).
    assert f"resumed 1 unfinished recalculation(s): [{pending.pk}]" in (tmp_path / "worker-2.log").read_text()
    original = AsyncResult(pending.task_id)
    if settings.REDIS_URL:
        wait_until(
            lambda: original.state if original.state == "SUCCESS" else None,
            "the dead worker's message is delivered again",
            tmp_path,
        )
        assert original.result in ("complete", "already finished")
    else:
        assert original.state == "STARTED"
