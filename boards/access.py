"""The one place that scopes the boards app's rows to what a user may see, and the check before an action.

Another committee's meeting, cohort or outcome is a 404 (its existence is not revealed); an action the
user may see but not take (an external examiner asking for a recalculation) is a 403.
"""

from __future__ import annotations

from typing import TypeVar

from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from students.permissions import AnyUser, is_superuser

from .models import AssessmentCommittee, Cohort, Meeting, Outcome, OutcomeSet
from .permissions import viewable_committee_ids

M = TypeVar("M", bound=Model)

# Each model's path to the committee that owns it.
COMMITTEE_LOOKUPS: dict[type[Model], str] = {
    AssessmentCommittee: "pk",
    Meeting: "committee",
    Cohort: "committee",
    OutcomeSet: "cohort__committee",
    Outcome: "outcome_set__cohort__committee",
}


def visible(user: AnyUser, queryset: QuerySet[M]) -> QuerySet[M]:
    """``queryset`` narrowed to the committees ``user`` may see: all for a superuser, none signed out."""
    model = queryset.model
    if model not in COMMITTEE_LOOKUPS:
        raise TypeError(f"boards.access.visible does not know how a {model.__name__} belongs to a committee")
    if is_superuser(user):
        return queryset.all()
    if not user.is_authenticated:
        return queryset.none()
    return queryset.filter(**{f"{COMMITTEE_LOOKUPS[model]}__in": viewable_committee_ids(user)})


def get_visible_or_404(user: AnyUser, queryset: QuerySet[M], **lookup: object) -> M:
    return get_object_or_404(visible(user, queryset), **lookup)


def require(user: AnyUser, permission: str, committee: AssessmentCommittee, message: str) -> None:
    """Raise PermissionDenied (403) unless ``user`` holds ``permission`` on ``committee``."""
    if not user.has_perm(permission, committee):
        raise PermissionDenied(message)
