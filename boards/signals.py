"""Reactions to other apps and to the worker: recalculate after an import, resume unfinished sets."""

from __future__ import annotations

import logging
from typing import Any

from celery.signals import worker_ready
from django.db.models.signals import post_migrate
from django.dispatch import receiver

from students.models import ImportBatch
from students.signals import records_imported

from .models import OutcomeSet

log = logging.getLogger(__name__)


@receiver(records_imported)
def recalculate_imported_cohorts(sender: Any, *, batch: ImportBatch, **kwargs: Any) -> None:
    from .services import recalculate_after_import

    recalculate_after_import(batch=batch)


@worker_ready.connect
def resume_unfinished(**kwargs: Any) -> None:
    """Queue again every set not yet finished: a worker killed part-way may have taken its task with it.

    The folder transport deletes a message when a worker takes it, so this is its only way back; Redis
    delivers an unacknowledged message again after the visibility timeout, and this only brings it sooner.
    A duplicate delivery is harmless: it waits for the lease or finds the set done (boards/recalculation.py).
    """
    from .tasks import recalculate

    unfinished = list(
        OutcomeSet.objects.filter(
            status__in=[OutcomeSet.Status.QUEUED, OutcomeSet.Status.RUNNING]
        ).values_list("pk", flat=True)
    )
    for pk in unfinished:
        recalculate.delay(pk)
    if unfinished:
        log.warning("resumed %d unfinished recalculation(s): %s", len(unfinished), unfinished)


@receiver(post_migrate)
def keep_triggers(sender: Any, *, using: str, **kwargs: Any) -> None:
    """Create the append-only triggers again after every migrate: on SQLite a migration that alters one of
    those tables rebuilds it, and the rebuilt table would otherwise have none."""
    if getattr(sender, "name", None) != "boards":
        return
    from django.db import connections

    from .ledger import install_triggers

    install_triggers(connections[using])
