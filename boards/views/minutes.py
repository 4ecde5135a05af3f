"""A meeting's minutes (a printable page and the same as a PDF) and its board pack (PDF).

Anyone who may see the committee reads them (``boards.minutes.minutes_for`` and
``boards.board_pack.board_pack_for`` fetch through ``boards.access``: 404 otherwise); they answer GET
and HEAD only. An anonymous committee's documents name candidates by their numbers only.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from boards import pdf
from boards.board_pack import board_pack_for
from boards.minutes import minutes_for


def _pdf(content: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@require_safe
def minutes(request: HttpRequest, pk: int) -> HttpResponse:
    return render(request, "boards/minutes.html", {"minutes": minutes_for(request.user, pk)})


@require_safe
def minutes_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    record = minutes_for(request.user, pk)
    return _pdf(pdf.minutes_pdf(record), record.filename("minutes"))


@require_safe
def board_pack(request: HttpRequest, pk: int) -> HttpResponse:
    pack = board_pack_for(request.user, pk)
    return _pdf(pdf.board_pack_pdf(pack), pack.filename())
