"""Import jobs on the worker: a task takes an import's id, fetches it and calls the service the page calls.

Acknowledged late and requeued if the worker dies: preview only reads, and
confirm writes in one transaction that re-checks the previewed plan, so running
either again is safe. A task that raises marks its import failed (nothing is
written: the write is one transaction), so the page stops waiting and says so.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from celery import shared_task
from django.utils import timezone

from students.imports import jobs
from students.models import ImportBatch

log = logging.getLogger(__name__)


def _run(batch_id: int, step: Callable[[ImportBatch], ImportBatch]) -> str:
    batch = ImportBatch.objects.select_related("school").get(pk=batch_id)
    try:
        return str(step(batch).status)
    except Exception as error:
        log.exception("import #%s failed", batch_id)
        ImportBatch.objects.filter(pk=batch_id).update(
            status=ImportBatch.Status.FAILED,
            errors=[
                f"The import failed ({type(error).__name__}: {error}); nothing was written. "
                "Upload the file again, and report this if it happens again."
            ],
            finished_at=timezone.now(),
        )
        raise


@shared_task(acks_late=True, reject_on_worker_lost=True)
def preview_import(batch_id: int) -> str:
    return _run(batch_id, jobs.preview)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def confirm_import(batch_id: int, user_id: int) -> str:
    batch = ImportBatch.objects.get(pk=batch_id)
    if batch.status not in (ImportBatch.Status.PREVIEWED, ImportBatch.Status.WRITING):
        return str(batch.status)
    return _run(batch_id, lambda item: jobs.confirm(item, user_id=user_id))
