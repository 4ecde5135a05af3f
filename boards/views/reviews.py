"""A cohort's outcomes at a meeting as the committee moves them: provisional, ratified, published (one
service each, refused with the service's own sentence), the amendments proposed and approved since
ratification, and the results files kept for the student record system.

Each action fetches through ``boards.selectors.cohort_at_meeting`` (another committee's cohort is a 404)
and checks its permission (403 for a viewer who may not take it), then returns to the meeting page with a
message. Permissions are asked of ``rules`` (``boards.access.require``), not ``User.has_perm``, which
grants a superuser everything: the registry does not ratify (permissions.py). Draft outcomes are for those
preparing the board: the amendments page of a draft is a 403 for members and external examiners, like the
cohort's other pages (``boards.access.require_readable``).
"""

from __future__ import annotations

from dataclasses import dataclass

import rules
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST, require_safe

from boards import selectors, services
from boards.access import require, require_readable
from boards.decisions import holds, proposed_amendments
from boards.models import Field, LedgerEntry, Outcome, Result, ResultsFile
from boards.permissions import AMEND, MAKE_PROVISIONAL, PUBLISH, RATIFY
from boards.selectors import CohortAtMeeting
from boards.tables import value_words
from students.access import signed_in

DENIED_PROVISIONAL = "Only the committee's chair or secretary, or the registry, make outcomes provisional."
DENIED_RATIFY = "Only the committee's chair ratifies its outcomes."
DENIED_PUBLISH = "Only the committee's chair, or the registry, publishes results."


def _acting(request: HttpRequest, meeting: int, cohort: int, permission: str, denied: str) -> CohortAtMeeting:
    at = selectors.cohort_at_meeting(request.user, meeting, cohort)
    require(request.user, permission, at.meeting.committee, denied)
    return at


def _back(at: CohortAtMeeting) -> HttpResponseRedirect:
    return redirect("boards:meeting", pk=at.meeting.pk)


def _students(count: int) -> str:
    return f"{count} student{'' if count == 1 else 's'}"


@require_POST
def make_provisional(request: HttpRequest, meeting: int, cohort: int) -> HttpResponseRedirect:
    at = _acting(request, meeting, cohort, MAKE_PROVISIONAL, DENIED_PROVISIONAL)
    try:
        services.make_provisional(meeting=at.meeting, cohort=at.cohort, user=signed_in(request))
    except services.DecisionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            f"The outcomes of {at.cohort} are provisional: the whole committee, its external examiners "
            "included, can now read them.",
        )
    return _back(at)


@require_POST
def ratify(request: HttpRequest, meeting: int, cohort: int) -> HttpResponseRedirect:
    at = _acting(request, meeting, cohort, RATIFY, DENIED_RATIFY)
    try:
        review = services.ratify_cohort(meeting=at.meeting, cohort=at.cohort, user=signed_in(request))
    except services.DecisionRefused as refused:
        messages.error(request, str(refused))
    else:
        agreed = Result.objects.filter(review=review).count()
        held = len(holds(at.meeting, at.cohort))
        messages.success(
            request,
            f"The outcomes of {at.cohort} are ratified: results agreed for {_students(agreed)}, "
            f"{_students(held)} held back.",
        )
    return _back(at)


@require_POST
def publish(request: HttpRequest, meeting: int, cohort: int) -> HttpResponseRedirect:
    at = _acting(request, meeting, cohort, PUBLISH, DENIED_PUBLISH)
    try:
        published = services.publish_cohort(meeting=at.meeting, cohort=at.cohort, user=signed_in(request))
    except services.DecisionRefused as refused:
        messages.error(request, str(refused))
    else:
        messages.success(
            request,
            f"The results of {at.cohort} are published: {published.name} ({_students(published.rows)}) "
            "is ready to download for the student record system.",
        )
    return _back(at)


@dataclass(frozen=True)
class Change:
    field: str
    """The field in words: Decision, Class or Award."""
    agreed: str
    current: str


@dataclass(frozen=True)
class Proposal:
    """A student whose current outcome would change the agreed result, field by field."""

    outcome: Outcome
    changes: list[Change]
    released: bool
    """Held back at ratification and released since: there is no agreed result yet."""


@dataclass(frozen=True)
class AmendmentsPage:
    at: CohortAtMeeting
    proposals: list[Proposal]
    approved: list[LedgerEntry]
    """The amendments approved at this meeting, oldest first, with who approved them and the student."""


def amendments_page(at: CohortAtMeeting) -> AmendmentsPage:
    """The proposed amendments (none before ratification) and the approved ones, in four queries."""
    approved = list(
        LedgerEntry.objects.filter(meeting=at.meeting, cohort=at.cohort, kind=LedgerEntry.Kind.AMENDMENT)
        .select_related("user", "enrolment__student")
        .order_by("pk")
    )
    if not at.review.locked or at.current is None:
        return AmendmentsPage(at, [], approved)
    outcomes = {
        outcome.enrolment_id: outcome
        for outcome in Outcome.objects.filter(outcome_set=at.current)
        .filter(incomplete=False, problem="")
        .select_related("enrolment__student")
        .defer("result")
    }
    proposals = [
        Proposal(
            proposal.outcome,
            [
                Change(Field(f).label, value_words(f, old), value_words(f, new))
                for f, old, new in proposal.changes
            ],
            proposal.result is None,
        )
        for proposal in proposed_amendments(at.review, outcomes, holds(at.meeting, at.cohort))
    ]
    proposals.sort(key=lambda proposal: proposal.outcome.enrolment.student.student_id)
    return AmendmentsPage(at, proposals, approved)


@require_safe
def amendments(request: HttpRequest, meeting: int, cohort: int) -> HttpResponse:
    at = selectors.cohort_at_meeting(request.user, meeting, cohort)
    require_readable(request.user, at.meeting.committee, at.review)
    page = amendments_page(at)
    context = {
        "page": page,
        "at": at,
        "meeting": at.meeting,
        "review": at.review,
        "anonymous": at.meeting.committee.anonymous,
        "can_amend": rules.has_perm(AMEND, request.user, at.meeting.committee),
    }
    return render(request, "boards/amendments.html", context)


@require_safe
def results_file(request: HttpRequest, meeting: int, cohort: int, file: int) -> HttpResponse:
    """A results file as it was published (formula-safe: ``students.exports.write_csv`` wrote it)."""
    at = selectors.cohort_at_meeting(request.user, meeting, cohort)
    kept = ResultsFile.objects.filter(pk=file, review__meeting=at.meeting, review__cohort=at.cohort).first()
    if kept is None:
        raise Http404("This cohort has no such results file at this meeting.")
    response = HttpResponse(bytes(kept.content), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{kept.name}"'
    return response
