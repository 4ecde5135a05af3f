"""Module statistics for a cohort at a meeting: first-attempt mark distributions beside last session's.

Read-only for every role who may see the outcomes (a draft is a 403 for those who may not see drafts,
``boards.selectors.readable_cohort``); the figures come from ``boards.statistics`` in a constant number of
queries.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from boards.selectors import readable_cohort
from boards.statistics import BINS, cohort_statistics


@require_safe
def statistics(request: HttpRequest, meeting: int, cohort: int) -> HttpResponse:
    at = readable_cohort(request.user, meeting, cohort)
    figures = None if at.current is None else cohort_statistics(at.cohort, at.stage, at.current)
    context = {"at": at, "committee": at.meeting.committee, "statistics": figures, "bins": BINS}
    return render(request, "boards/statistics.html", context)
