"""Import jobs on the worker: a task takes an import's id, fetches it and calls the service the page calls.

Acknowledged late and requeued if the worker dies: preview only reads, and
confirm writes in one transaction that re-checks the previewed plan, so running
either again is safe.
"""

from __future__ import annotations

from celery import shared_task

from students.imports import jobs
from students.models import ImportBatch


@shared_task(acks_late=True, reject_on_worker_lost=True)
def preview_import(batch_id: int) -> str:
    batch = ImportBatch.objects.select_related("school").get(pk=batch_id)
    return str(jobs.preview(batch).status)


@shared_task(acks_late=True, reject_on_worker_lost=True)
def confirm_import(batch_id: int, user_id: int) -> str:
    batch = ImportBatch.objects.select_related("school").get(pk=batch_id)
    if batch.status not in (ImportBatch.Status.PREVIEWED, ImportBatch.Status.WRITING):
        return str(batch.status)
    return str(jobs.confirm(batch, user_id=user_id).status)
