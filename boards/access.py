"""The one place that scopes the boards app's rows to what a user may see, and the check before an action.

Another committee's meeting, cohort or outcome is a 404 (its existence is not revealed); an action the
user may see but not take (an external examiner asking for a recalculation) is a 403, and so are a
cohort's outcomes while they are a draft, for those who may not see drafts (``require_readable``).
"""

from __future__ import annotations

from typing import TypeVar

import rules
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.shortcuts import get_object_or_404

from students.permissions import AnyUser, is_superuser

from .models import AssessmentCommittee, Cohort, Meeting, Outcome, OutcomeSet, Review
from .permissions import VIEW_DRAFTS, viewable_committee_ids

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
    """Raise PermissionDenied (403) unless the committee's rules give ``user`` the permission.

    Asked of ``rules`` itself, not ``User.has_perm``, which grants an active superuser every permission:
    the registry recalculates and publishes, but the committee's decisions are its officers' own
    (``boards.permissions``).
    """
    if not rules.has_perm(permission, user, committee):
        raise PermissionDenied(message)


DRAFT = "These outcomes are still a draft: the committee sees them once the secretary makes them provisional."


def require_readable(user: AnyUser, committee: AssessmentCommittee, review: Review) -> None:
    """403 for a draft's outcomes unless ``user`` may see drafts (those preparing the board).

    The broadsheet, its exports, the module statistics and each student's outcome page all ask here; a
    provisional, ratified or published cohort costs no query.
    """
    if review.state == Review.State.DRAFT:
        require(user, VIEW_DRAFTS, committee, DRAFT)
