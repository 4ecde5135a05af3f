"""An import from upload to written records: the service views, the worker and ``import_marks`` share.

``start`` checks and stores the upload and creates its ``ImportBatch``;
``preview`` plans it (counts, changes, every bad row) and records the plan's
fingerprint; ``confirm`` writes exactly that plan or refuses. Small files run in
the request; larger ones on the worker (``students/tasks.py``), which calls the
same functions.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from students.models import ImportBatch, School
from students.signals import records_imported

from . import columns, marks, people, structure
from .files import Table, UploadError, read_table

Planner = Callable[[Table, School, Callable[[int], None] | None], Any]
Writer = Callable[..., Any]


@dataclass(frozen=True)
class Kind:
    key: str
    title: str
    columns: tuple[columns.Column, ...]
    plan: Planner
    write: Writer
    stored_plan: bool = False
    """The plan is kept with the import and confirm writes it (marks); else confirm plans the file again."""


KINDS: dict[str, Kind] = {
    "structure": Kind(
        "structure",
        "Programmes, modules and components",
        columns.STRUCTURE,
        structure.plan_structure,
        structure.write_structure,
    ),
    "students": Kind(
        "students", "Students and registrations", columns.STUDENTS, people.plan_people, people.write_people
    ),
    "marks": Kind("marks", "Marks", columns.MARKS, marks.plan_marks, marks.write_marks, stored_plan=True),
}
MAX_ERRORS_KEPT = 2000


def start(*, school: School, kind: str, name: str, data: bytes, user_id: int) -> ImportBatch:
    """Store an upload and its batch; the file is checked before anything is parsed."""
    spec = KINDS[kind]
    batch = ImportBatch(
        school=school,
        kind=kind,
        uploaded_by_id=user_id,
        file_name=name[:255],
        file_sha256=hashlib.sha256(data).hexdigest(),
    )
    try:
        table = read_table(data, name, columns=spec.columns)
    except UploadError as error:
        batch.status = ImportBatch.Status.INVALID
        batch.errors = [str(error)]
        batch.save()
        return batch
    batch.rows_total = len(table.rows)
    batch.upload.save(f"{batch.file_sha256[:16]}-{kind}", ContentFile(data), save=False)
    batch.save()
    batch.parsed_table = table  # type: ignore[attr-defined]  # this instance only: a preview right away reuses it
    return batch


def runs_inline(batch: ImportBatch) -> bool:
    return batch.rows_total <= settings.QUORUM_IMPORT_INLINE_ROWS


def table_of(batch: ImportBatch) -> Table:
    with batch.upload.open("rb") as handle:
        data = handle.read()
    return read_table(data, batch.file_name, columns=KINDS[batch.kind].columns)


def preview(batch: ImportBatch) -> ImportBatch:
    """Plan the batch's file and keep what the preview page shows."""
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.VALIDATING)

    def progress(done: int) -> None:
        ImportBatch.objects.filter(pk=batch.pk).update(rows_done=done)

    table = getattr(batch, "parsed_table", None) or table_of(batch)
    plan = KINDS[batch.kind].plan(table, batch.school, progress)
    batch.summary = plan.summary()
    batch.errors = [str(error) for error in plan.errors[:MAX_ERRORS_KEPT]]
    batch.preview_fingerprint = plan.fingerprint
    if KINDS[batch.kind].stored_plan and not plan.errors:
        batch.plan.save(f"{batch.file_sha256[:16]}-{batch.kind}.plan", ContentFile(plan.dump()), save=False)
    batch.rows_done = batch.rows_total
    batch.status = ImportBatch.Status.INVALID if plan.errors else ImportBatch.Status.PREVIEWED
    batch.save(update_fields=["summary", "errors", "preview_fingerprint", "plan", "rows_done", "status"])
    return batch


def _stored_plan(batch: ImportBatch) -> marks.MarksPlan:
    """The plan the preview kept; it must be byte for byte the one the preview page showed."""
    with batch.plan.open("rb") as handle:
        data = handle.read()
    if hashlib.sha256(data).hexdigest() != batch.preview_fingerprint:
        raise marks.StalePreview("the previewed plan is missing or altered: preview the file again")
    return marks.MarksPlan.load(data)


def confirm(batch: ImportBatch, *, user_id: int) -> ImportBatch:
    """Write exactly what was previewed, or mark the batch stale (nothing written)."""
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.WRITING)
    kind = KINDS[batch.kind]
    try:
        with transaction.atomic():
            if kind.stored_plan:
                kind.write(plan=_stored_plan(batch), batch=batch, user_id=user_id)
            else:
                kind.write(
                    table=table_of(batch),
                    batch=batch,
                    user_id=user_id,
                    expected_fingerprint=batch.preview_fingerprint,
                )
    except marks.StalePreview as error:
        batch.status = ImportBatch.Status.STALE
        batch.errors = [str(error)]
    else:
        batch.status = ImportBatch.Status.COMPLETED
    batch.finished_at = timezone.now()
    batch.save(update_fields=["status", "errors", "finished_at"])
    if batch.status == ImportBatch.Status.COMPLETED:
        records_imported.send(sender=ImportBatch, batch=batch)
    return batch
