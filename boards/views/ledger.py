"""The committee's ledger: every decision it recorded, in order, 100 to a page, and whether its hash chain
still verifies (``boards.ledger.verify``), said at the top of every page.

Anyone who may see the committee reads it (``boards.access``: 404 otherwise). An anonymous committee's
ledger names candidates by their numbers only. A decision on a student whose cohort's outcomes are still a
draft at that meeting keeps its place, time, author and hash, but its student, change and reason are shown
only to those preparing the board (VIEW_DRAFTS), as on the cohort's own pages.
"""

from __future__ import annotations

from dataclasses import dataclass

import rules
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from boards import ledger as chain
from boards.access import get_visible_or_404
from boards.minutes import Minute, minute
from boards.models import AssessmentCommittee, LedgerEntry, Review
from boards.permissions import VIEW_DRAFTS
from students.permissions import AnyUser

PER_PAGE = 100


@dataclass(frozen=True)
class Line:
    """A ledger entry, and what it says in words (``boards.minutes``)."""

    entry: LedgerEntry
    minute: Minute
    withheld: bool = False
    """A decision on draft outcomes, for a reader who may not see drafts: what it decided is not shown."""

    @property
    def change(self) -> str:
        """ "class II.i → I"; blank for an entry that changes no value (a hold, a comment)."""
        entry = self.entry
        return self.minute.change if entry.field or entry.from_value or entry.to_value else ""


def lines(user: AnyUser, committee: AssessmentCommittee, entries: list[LedgerEntry]) -> list[Line]:
    """The page's entries in words; one query more when a reader who may not see drafts meets a decision
    on a student, to learn which of those cohorts' outcomes are past their draft."""
    about_students: set[tuple[int | None, int | None]] = {
        (e.meeting_id, e.cohort_id) for e in entries if e.enrolment_id and e.cohort_id
    }
    hidden: set[tuple[int | None, int | None]] = set()
    if about_students and not rules.has_perm(VIEW_DRAFTS, user, committee):
        released = set(
            Review.objects.filter(cohort__committee=committee)
            .exclude(state=Review.State.DRAFT)
            .values_list("meeting_id", "cohort_id")
        )
        hidden = about_students - released
    return [
        Line(entry, minute(entry, committee.anonymous), (entry.meeting_id, entry.cohort_id) in hidden)
        for entry in entries
    ]


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
        "lines": lines(request.user, committee, list(page.object_list)),
        "entries": page.paginator.count,
        "broken": broken,
        "broken_page": broken_page,
        "anonymous": committee.anonymous,
    }
    return render(request, "boards/ledger.html", context)
