"""Recalculation on the worker: the task takes an outcome set's id and calls ``recalculation.calculate``.

Acknowledged late and requeued if the worker dies; the set's lease makes a second delivery wait for the
first run (or take over once it has lapsed), and a finished set is left alone, so retries are safe.
"""

from __future__ import annotations

import logging

from celery import Task, shared_task

from . import recalculation

log = logging.getLogger(__name__)

# A retry comes back just after the other run's lease would lapse, so a killed run is taken over soon.
RETRY_MARGIN_SECONDS = 1.0


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=None)
def recalculate(self: Task, outcome_set_id: int) -> str:
    """Write the set; while another run holds it, come back when its lease may have lapsed.

    The retries end: each finds the set finished (and stops), or the lease lapsed (and takes over), or a
    run still renewing it, which either finishes or dies and so lets its lease lapse.
    """
    try:
        outcome_set = recalculation.calculate(outcome_set_id)
    except recalculation.LeaseHeld as held:
        raise self.retry(countdown=held.retry_in + RETRY_MARGIN_SECONDS, exc=held) from held
    except recalculation.LeaseLost:
        log.warning("outcome set #%s: taken over by another run; this run stops", outcome_set_id)
        return "taken over"
    except Exception:
        log.exception("outcome set #%s failed", outcome_set_id)
        raise
    return "already finished" if outcome_set is None else str(outcome_set.status)
