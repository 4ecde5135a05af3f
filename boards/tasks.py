"""Recalculation on the worker: the task takes an outcome set's id and calls ``recalculation.calculate``.

Acknowledged late and requeued if the worker dies; the set's lease makes a second delivery wait for the
first run (or take over once it has lapsed), and a finished set is left alone, so retries are safe.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task

from . import recalculation

log = logging.getLogger(__name__)


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def recalculate(self: Task, outcome_set_id: int) -> str:  # type: ignore[type-arg]
    try:
        outcome_set = recalculation.calculate(outcome_set_id)
    except recalculation.LeaseHeld as held:
        raise self.retry(countdown=recalculation.lease_seconds(), exc=held) from held
    except recalculation.LeaseLost:
        log.warning("outcome set #%s: taken over by another run; this run stops", outcome_set_id)
        return "taken over"
    except Exception as error:
        log.exception("outcome set #%s failed", outcome_set_id)
        recalculation.fail(outcome_set_id, error)
        raise
    return "already finished" if outcome_set is None else str(outcome_set.status)
