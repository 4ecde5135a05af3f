"""Reads for the boards pages: what a meeting's cohort shows, fetched once, scoped to the user."""

from __future__ import annotations

from dataclasses import dataclass

from django.http import Http404

from students.models import Enrolment
from students.permissions import AnyUser

from .access import get_visible_or_404
from .models import Cohort, Meeting, OutcomeSet


@dataclass(frozen=True)
class CohortAtMeeting:
    """A cohort as one meeting considers it: the question asked and the outcome set now current."""

    meeting: Meeting
    cohort: Cohort
    stage: str
    current: OutcomeSet | None
    """The complete set pages read; None until the cohort's first recalculation finishes."""
    pending: OutcomeSet | None
    """The newest set still queued or running, if any (the page shows its progress)."""


def cohort_at_meeting(user: AnyUser, meeting_id: int, cohort_id: int) -> CohortAtMeeting:
    """The cohort on the meeting's agenda, or 404 if the user may not see the meeting or it is not on it."""
    meeting = get_visible_or_404(user, Meeting.objects.select_related("committee__school"), pk=meeting_id)
    cohort = meeting.cohorts.select_related("programme", "committee").filter(pk=cohort_id).first()
    if cohort is None:
        raise Http404("This cohort is not on the meeting's agenda.")
    return _at(meeting, cohort)


def _at(meeting: Meeting, cohort: Cohort) -> CohortAtMeeting:
    from .recalculation import stage_for

    stage = stage_for(cohort, meeting.kind)
    sets = OutcomeSet.objects.filter(cohort=cohort, stage=stage)
    current = sets.filter(is_current=True).select_related("requested_by").first()
    pending = (
        sets.filter(status__in=[OutcomeSet.Status.QUEUED, OutcomeSet.Status.RUNNING]).order_by("-pk").first()
    )
    return CohortAtMeeting(meeting, cohort, stage, current, pending)


def enrolment_ids(cohort: Cohort) -> list[int]:
    """The cohort's students: enrolments on its programme in its session and programme year."""
    return list(
        Enrolment.objects.filter(
            entry_cohort__programme_id=cohort.programme_id,
            academic_session=cohort.academic_session,
            programme_year=cohort.programme_year,
        )
        .order_by("student__student_id", "pk")
        .values_list("pk", flat=True)
    )
