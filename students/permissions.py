"""Who may see and change a school's records: ``rules`` predicates composed into object permissions.

Permissions are checked against a School, e.g. ``user.has_perm(VIEW_SCHOOL, school)``. Each permission is
an ``or`` of roles, so a new role (the committee roles of the boards app) is one more predicate added to
the composition here, and ``viewable_school_ids`` (what ``students.access.visible`` scopes querysets by)
grows with it in the same module, so a page's queryset and its permission check cannot disagree.
"""

from __future__ import annotations

from typing import TypeAlias

import rules
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import QuerySet

from students.models import School, SchoolRole

AnyUser: TypeAlias = User | AnonymousUser

# The names overlap Django's model permission "view_school"; with an object, as here, Django's
# ModelBackend grants nothing, so these rules alone decide.
VIEW_SCHOOL = "students.view_school"
CHANGE_SCHOOL_RECORDS = "students.change_school_records"

is_superuser = rules.is_superuser


def _administrator_roles(user: AnyUser) -> QuerySet[SchoolRole]:
    if user.pk is None:
        return SchoolRole.objects.none()
    return SchoolRole.objects.filter(user_id=user.pk, role=SchoolRole.Role.ADMINISTRATOR)


@rules.predicate
def is_school_administrator(user: AnyUser, school: School | None) -> bool:
    if school is None or not user.is_authenticated:
        return False
    return _administrator_roles(user).filter(school=school).exists()


can_view_school = is_superuser | is_school_administrator
can_change_school_records = is_superuser | is_school_administrator

rules.add_perm(VIEW_SCHOOL, can_view_school)
rules.add_perm(CHANGE_SCHOOL_RECORDS, can_change_school_records)


def viewable_school_ids(user: AnyUser) -> QuerySet[SchoolRole, int]:
    """The ids of the schools ``can_view_school`` admits an authenticated, non-superuser ``user`` to."""
    return _administrator_roles(user).values_list("school_id", flat=True)
