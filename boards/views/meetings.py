"""The committees a user sits on (or serves), a committee, a meeting with where each cohort's outcomes
stand, and the recalculations a meeting's chair or secretary asks for.

Reads fetch through ``boards.selectors`` (another committee's meeting is a 404); the actions check
``boards.permissions.RECALCULATE`` on the server (403), call one service and redirect with a message.
The meeting page also offers the committee's decisions on each cohort (``boards.views.reviews``) and the
external examiners' comment and sign-off forms (``boards.views.examiners``) to those who may use them.
"""

from __future__ import annotations

import rules
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from boards import selectors, services
from boards.access import get_visible_or_404, require
from boards.models import LedgerEntry, Meeting, OutcomeSet
from boards.permissions import EXAMINE, MAKE_PROVISIONAL, PUBLISH, RATIFY, RECALCULATE, role_on
from boards.views.examiners import ExaminerNote
from students.access import signed_in

POLL_SECONDS = 2
DENIED = "Only the committee's chair, secretary or school administrators can recalculate outcomes."


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "boards/home.html", {"committees": selectors.committees(request.user)})


@require_safe
def committee(request: HttpRequest, pk: int) -> HttpResponse:
    item = selectors.committee(request.user, pk)
    return render(request, "boards/committee.html", {"committee": item, "role": role_on(request.user, item)})


def _polling(statuses: list[selectors.CohortStatus]) -> bool:
    return any(status.pending is not None for status in statuses)


@require_safe
def meeting(request: HttpRequest, pk: int) -> HttpResponse:
    overview = selectors.meeting_overview(request.user, pk)
    statuses = [summary.status for summary in overview.cohorts]
    committee = overview.meeting.committee
    user = request.user
    context = {
        "overview": overview,
        "meeting": overview.meeting,
        "statuses": statuses,
        "polling": _polling(statuses),
        "poll_seconds": POLL_SECONDS,
        "role": role_on(user, committee),
        "can_recalculate": user.has_perm(RECALCULATE, committee),
        # As the actions test them (boards.views.reviews.require): User.has_perm would offer a superuser
        # everything, ratification and the examiner's forms included.
        "can_make_provisional": rules.has_perm(MAKE_PROVISIONAL, user, committee),
        "can_ratify": rules.has_perm(RATIFY, user, committee),
        "can_publish": rules.has_perm(PUBLISH, user, committee),
        "can_examine": rules.has_perm(EXAMINE, user, committee),
        "signed_off": next(
            (
                entry
                for entry in overview.examiners
                if entry.kind == LedgerEntry.Kind.SIGN_OFF and entry.user_id == user.pk
            ),
            None,
        ),
        "comment_form": ExaminerNote(auto_id="comment-%s"),
        "sign_off_form": ExaminerNote(auto_id="sign-off-%s"),
    }
    return render(request, "boards/meeting.html", context)


@require_safe
def meeting_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The part of the meeting page htmx polls while a calculation is queued or running.

    Once none is, the response asks htmx to reload the page, so the counts and the items needing
    attention are those of the new current sets.
    """
    item, statuses = selectors.meeting_statuses(request.user, pk)
    polling = _polling(statuses)
    context = {"meeting": item, "statuses": statuses, "polling": polling, "poll_seconds": POLL_SECONDS}
    response = render(request, "boards/_meeting_status.html", context)
    if not polling:
        response["HX-Refresh"] = "true"
    return response


@require_POST
def recalculate_meeting(request: HttpRequest, pk: int) -> HttpResponseRedirect:
    item = get_visible_or_404(request.user, Meeting.objects.select_related("committee"), pk=pk)
    require(request.user, RECALCULATE, item.committee, DENIED)
    queued = services.recalculate_meeting(meeting=item, user=signed_in(request))
    messages.success(request, f"Recalculation queued for {_cohorts(queued)}.")
    return redirect("boards:meeting", pk=item.pk)


@require_POST
def recalculate_cohort(request: HttpRequest, meeting: int, cohort: int) -> HttpResponseRedirect:
    at = selectors.cohort_at_meeting(request.user, meeting, cohort)
    require(request.user, RECALCULATE, at.meeting.committee, DENIED)
    queued = services.request_recalculation(
        cohort=at.cohort,
        stage=at.stage,
        trigger=f"on demand, {at.meeting.get_kind_display().lower()} meeting of {at.meeting.date:%d %B %Y}",
        user=signed_in(request),
    )
    messages.success(request, f"Recalculation queued for {_cohorts([queued])}.")
    return redirect("boards:meeting", pk=at.meeting.pk)


def _cohorts(sets: list[OutcomeSet]) -> str:
    if not sets:
        return "no cohort (the agenda is empty)"
    names = [str(outcome_set.cohort) for outcome_set in sets]
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
