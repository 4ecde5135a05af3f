"""The broadsheet of a cohort on a meeting's agenda: one row per student of its current outcome set,
sortable, filterable and paginated, and the same rows as a CSV or XLSX file. Each row keeps the computed
decision or class beside what the committee agreed (``boards.tables``). A draft is a 403 for those who may
not see drafts (``boards.selectors.readable_cohort``)."""

from __future__ import annotations

import django_tables2 as tables
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_safe

from boards import exports, selectors
from boards.filters import BroadsheetFilter
from boards.models import Stage
from boards.permissions import RECALCULATE
from boards.tables import PER_PAGE, PER_PAGE_CHOICES, BroadsheetTable, Layout


def _table(request: HttpRequest, sheet: selectors.Broadsheet) -> tuple[BroadsheetTable, BroadsheetFilter]:
    """The filtered, ordered table of the set's outcomes (not yet paginated)."""
    assert sheet.outcomes is not None and sheet.decided is not None
    at = sheet.at
    award = at.stage == Stage.AWARD
    # A committee that marks in anonymity cannot be shown names; anyone may ask for anonymity.
    anonymous = at.cohort.committee.anonymous or request.GET.get("anonymous") == "1"
    layout = Layout(sheet.modules, sheet.years, award, anonymous)
    filters = BroadsheetFilter(
        request.GET or None,
        sheet.outcomes,
        award=award,
        anonymous=anonymous,
        choices=sheet.choices,
    )
    table = BroadsheetTable(
        filters.qs,
        layout=layout,
        outcome_url=reverse("boards:outcome", args=[at.meeting.pk, at.cohort.pk, 0]),
        caption=f"{at.cohort}: {Stage(at.stage).label}",
        agreed=sheet.decided.row,
    )
    tables.RequestConfig(request, paginate=False).configure(table)
    return table, filters


@require_safe
def broadsheet(request: HttpRequest, meeting: int, cohort: int) -> HttpResponse:
    sheet = selectors.broadsheet(request.user, meeting, cohort)
    context: dict[str, object] = {
        "at": sheet.at,
        "stage_label": Stage(sheet.at.stage).label,
        "can_recalculate": request.user.has_perm(RECALCULATE, sheet.at.meeting.committee),
    }
    if sheet.outcomes is not None:
        table, filters = _table(request, sheet)
        per_page = request.GET.get("per_page", str(PER_PAGE))
        if per_page not in PER_PAGE_CHOICES:
            per_page = str(PER_PAGE)
        if per_page != "all":
            try:
                table.paginate(per_page=int(per_page), page=request.GET.get("page", 1))
            except PageNotAnInteger:
                table.paginate(per_page=int(per_page), page=1)
            except EmptyPage:
                table.paginate(per_page=int(per_page), page=table.paginator.num_pages)
        context |= {
            "table": table,
            "filter": filters,
            "per_page": per_page,
            "per_page_choices": PER_PAGE_CHOICES,
            "anonymous": table.layout.anonymous,
            "forced_anonymous": sheet.at.cohort.committee.anonymous,
            "filtered": any(request.GET.get(name) for name in filters.filters),
            "export_query": _without(request.GET, "page", "per_page"),
        }
    return render(request, "boards/broadsheet.html", context)


@require_safe
def export(request: HttpRequest, meeting: int, cohort: int, format: str) -> HttpResponse:
    if format not in exports.CONTENT_TYPES:
        raise Http404(f"No broadsheet export as {format!r}: choose csv or xlsx.")
    sheet = selectors.broadsheet(request.user, meeting, cohort)
    if sheet.outcomes is None:
        raise Http404("This cohort has no calculated outcomes yet.")
    table, _ = _table(request, sheet)
    name = exports.filename(sheet.at.cohort, sheet.at.stage, format)
    return exports.broadsheet_response(table, name=name, file_format=format)


def _without(query: QueryDict, *names: str) -> str:
    copy = query.copy()
    for name in names:
        copy.pop(name, None)
    return copy.urlencode()
