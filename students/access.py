"""The one place that scopes records to what a user may see, and the check before a write.

A view fetches through ``get_visible_or_404`` (another school's object is a 404, so its existence is not
revealed) and, before it writes, calls ``require_change`` (a 403 for a school the user may see but not
change). Lists and detail pages scope through the same ``visible``, so they cannot disagree.
"""

from __future__ import annotations

from typing import TypeVar

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404

from students.models import (
    Enrolment,
    EntryCohort,
    ImportBatch,
    Module,
    Programme,
    Registration,
    School,
    Student,
)
from students.permissions import CHANGE_SCHOOL_RECORDS, AnyUser, is_superuser, viewable_school_ids

M = TypeVar("M", bound=Model)

# Each model's path to the school that owns it.
SCHOOL_LOOKUPS: dict[type[Model], str] = {
    School: "pk",
    Programme: "school",
    Module: "school",
    ImportBatch: "school",
    EntryCohort: "programme__school",
    Enrolment: "entry_cohort__programme__school",
    Registration: "enrolment__entry_cohort__programme__school",
    Student: "enrolments__entry_cohort__programme__school",
}
# Models whose path crosses a one-to-many relation (a student has many enrolments). They are matched
# through a subquery of ids rather than a join with DISTINCT, so each row comes once and the queryset can
# still be ordered by any column (PostgreSQL's DISTINCT refuses ORDER BY terms outside the select list).
THROUGH_MANY: frozenset[type[Model]] = frozenset({Student})


def visible(user: AnyUser, queryset: QuerySet[M]) -> QuerySet[M]:
    """``queryset`` narrowed to the rows of the schools ``user`` may see.

    All rows for a superuser, none for a user without a role or not signed in.
    """
    model = queryset.model
    if model not in SCHOOL_LOOKUPS:
        raise TypeError(f"students.access.visible does not know how a {model.__name__} belongs to a school")
    if is_superuser(user):
        return queryset.all()
    if not user.is_authenticated:
        return queryset.none()
    in_visible_school = {f"{SCHOOL_LOOKUPS[model]}__in": viewable_school_ids(user)}
    if model in THROUGH_MANY:
        return queryset.filter(pk__in=model._default_manager.filter(**in_visible_school).values("pk"))
    return queryset.filter(**in_visible_school)


def get_visible_or_404(user: AnyUser, queryset: QuerySet[M], **lookup: object) -> M:
    """The one row of ``queryset`` matching ``lookup`` that ``user`` may see, or Http404."""
    return get_object_or_404(visible(user, queryset), **lookup)


def signed_in(request: HttpRequest) -> User:
    """The signed-in user: LoginRequiredMiddleware lets no one else past every page but the login page."""
    user = request.user
    if not isinstance(user, User):
        raise PermissionDenied("Sign in first.")
    return user


def require_change(user: AnyUser, school: School) -> None:
    """Raise PermissionDenied (403) unless ``user`` may import or edit ``school``'s records."""
    if not user.has_perm(CHANGE_SCHOOL_RECORDS, school):
        raise PermissionDenied("You may not change this school's records.")
