"""Import pages: upload a file, read the preview and its errors, confirm, watch a large import progress.

Each view checks access and fetches in one call (``students.access``): an import
of another school is a 404, a write by anyone but the school's administrators a 403.
"""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from students import tasks
from students.access import get_visible_or_404, require_change, signed_in
from students.exports import write_csv, write_xlsx
from students.imports import files, jobs
from students.imports.columns import MARKS
from students.models import ImportBatch, School
from students.selectors import school_marks_rows


@require_http_methods(["GET", "POST"])
def upload(request: HttpRequest, school_code: str, kind: str) -> HttpResponse:
    school = get_visible_or_404(request.user, School.objects.all(), code=school_code)
    spec = jobs.KINDS.get(kind)
    if spec is None:
        raise Http404(f"No import of kind {kind!r}")
    if request.method == "POST":
        require_change(request.user, school)
        upload = request.FILES.get("file")
        if upload is None:
            messages.error(request, "Choose a CSV or XLSX file to upload.")
            return redirect(request.path)
        if upload.size is not None and upload.size > files.max_bytes():
            messages.error(
                request,
                f"{upload.name}: the file is {upload.size:,} bytes; the limit is "
                f"{files.max_bytes():,} bytes.",
            )
            return redirect(request.path)
        batch = jobs.start(
            school=school,
            kind=kind,
            name=upload.name or "upload",
            data=upload.read(),
            user_id=signed_in(request).pk,
        )
        if batch.status != ImportBatch.Status.INVALID:
            if jobs.runs_inline(batch):
                jobs.preview(batch)
            else:
                _enqueue(batch, tasks.preview_import, batch.pk)
        return redirect(reverse("students:imports:batch", args=[batch.pk]))
    recent = ImportBatch.objects.filter(school=school, kind=kind).select_related("uploaded_by")[:10]
    return render(
        request,
        "students/imports/upload.html",
        {
            "school": school,
            "kind": spec,
            "recent": recent,
            "max_bytes": files.max_bytes(),
            "can_change": request.user.has_perm("students.change_school_records", school),
        },
    )


@require_safe
def batch(request: HttpRequest, pk: int) -> HttpResponse:
    item = get_visible_or_404(
        request.user, ImportBatch.objects.select_related("school", "uploaded_by"), pk=pk
    )
    return render(request, "students/imports/batch.html", _context(request, item))


@require_safe
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The part of the import page that htmx polls while the worker runs."""
    item = get_visible_or_404(
        request.user, ImportBatch.objects.select_related("school", "uploaded_by"), pk=pk
    )
    response = render(request, "students/imports/_status.html", _context(request, item))
    if item.status not in RUNNING:
        response["HX-Refresh"] = "true"
    return response


@require_POST
def confirm(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    item = get_visible_or_404(request.user, ImportBatch.objects.select_related("school"), pk=pk)
    require_change(request.user, item.school)
    if item.status != ImportBatch.Status.PREVIEWED:
        messages.error(request, "Only a previewed import without errors can be confirmed.")
    elif request.POST.get("fingerprint") != item.preview_fingerprint:
        messages.error(request, "This preview is out of date: upload the file again.")
    elif jobs.runs_inline(item):
        jobs.confirm(item, user_id=signed_in(request).pk)
    else:
        ImportBatch.objects.filter(pk=item.pk).update(status=ImportBatch.Status.WRITING)
        _enqueue(item, tasks.confirm_import, item.pk, signed_in(request).pk)
    return redirect(reverse("students:imports:batch", args=[item.pk]))


@require_safe
def export_marks(request: HttpRequest, school_code: str, file_format: str) -> HttpResponse:
    """The school's marks in the upload format; no cell can carry a spreadsheet formula (OWASP)."""
    school = get_visible_or_404(request.user, School.objects.all(), code=school_code)
    headers = [column.name for column in MARKS]
    rows = school_marks_rows(school)
    if file_format == "xlsx":
        body = write_xlsx(headers, rows)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        body = write_csv(headers, rows)
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(body, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{school.code}-marks.{file_format}"'
    return response


RUNNING = (ImportBatch.Status.UPLOADED, ImportBatch.Status.VALIDATING, ImportBatch.Status.WRITING)


def _context(request: HttpRequest, item: ImportBatch) -> dict[str, object]:
    return {
        "batch": item,
        "kind": jobs.KINDS[item.kind],
        "running": item.status in RUNNING,
        "percent": int(100 * item.rows_done / item.rows_total) if item.rows_total else 0,
        "can_change": request.user.has_perm("students.change_school_records", item.school),
        "errors_hidden": max(0, int(item.summary.get("errors", 0)) - len(item.errors)),
        "poll_seconds": getattr(settings, "QUORUM_POLL_SECONDS", 1),
    }


def _enqueue(item: ImportBatch, task: object, *args: int) -> None:
    def send() -> None:
        result = task.delay(*args)  # type: ignore[attr-defined]
        ImportBatch.objects.filter(pk=item.pk).update(task_id=result.id)

    transaction.on_commit(send)
