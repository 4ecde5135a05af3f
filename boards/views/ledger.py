"""The committee's ledger: every decision it recorded, in order, 100 to a page, and whether its hash chain
still verifies (``boards.ledger.verify``), said at the top of every page.

Anyone who may see the committee reads it (``boards.access``: 404 otherwise). An anonymous committee's
ledger names candidates by their numbers only.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from boards import ledger as chain
from boards.access import get_visible_or_404
from boards.minutes import Minute, minute
from boards.models import AssessmentCommittee, LedgerEntry

PER_PAGE = 100


@dataclass(frozen=True)
class Line:
    """A ledger entry, and what it says in words (``boards.minutes``)."""

    entry: LedgerEntry
    minute: Minute

    @property
    def change(self) -> str:
        """ "class II.i → I"; blank for an entry that changes no value (a hold, a comment)."""
        entry = self.entry
        return self.minute.change if entry.field or entry.from_value or entry.to_value else ""


@require_safe
def ledger(request: HttpRequest, pk: int) -> HttpResponse:
    committee = get_visible_or_404(request.user, AssessmentCommittee.objects.select_related("school"), pk=pk)
    entries = (
        LedgerEntry.objects.filter(committee=committee)
        .select_related("user", "meeting", "cohort__programme", "enrolment__student")
        .order_by("pk")
    )
    page = Paginator(entries, PER_PAGE).get_page(request.GET.get("page"))
    broken = chain.verify(committee.pk)
    broken_page = None
    if broken is not None:
        before = LedgerEntry.objects.filter(committee=committee, pk__lte=broken.entry_id).count()
        broken_page = (before - 1) // PER_PAGE + 1
    context = {
        "committee": committee,
        "page": page,
        "lines": [Line(entry, minute(entry, committee.anonymous)) for entry in page.object_list],
        "entries": page.paginator.count,
        "broken": broken,
        "broken_page": broken_page,
        "anonymous": committee.anonymous,
    }
    return render(request, "boards/ledger.html", context)
