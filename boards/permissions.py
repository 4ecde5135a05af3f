"""Who may see and act on a committee's business: ``rules`` predicates over an AssessmentCommittee.

Roles are per committee (``Membership``); the committee's school administrators serve it too
(``students.permissions``). ``viewable_committee_ids`` is the same rule as a query, for
``boards.access.visible``, so a list and its detail page cannot disagree.
"""

from __future__ import annotations

import rules
from django.db.models import Q, QuerySet

from students.permissions import AnyUser, is_school_administrator, is_superuser

from .models import AssessmentCommittee, Membership

VIEW_COMMITTEE = "boards.view_committee"
RECALCULATE = "boards.recalculate"
VIEW_DRAFTS = "boards.view_drafts"
OVERRIDE = "boards.override"
MAKE_PROVISIONAL = "boards.make_provisional"
RATIFY = "boards.ratify"
PUBLISH = "boards.publish"
AMEND = "boards.amend"
EXAMINE = "boards.examine"

Role = Membership.Role


def _has_role(*roles: str) -> rules.Predicate:
    names = ", ".join(roles)

    @rules.predicate(name=f"has role {names}")
    def predicate(user: AnyUser, committee: AssessmentCommittee | None) -> bool:
        if committee is None or not user.is_authenticated:
            return False
        return Membership.objects.filter(user_id=user.pk, committee=committee, role__in=roles).exists()

    return predicate


@rules.predicate
def administers_committee_school(user: AnyUser, committee: AssessmentCommittee | None) -> bool:
    return committee is not None and is_school_administrator(user, committee.school)


is_member = _has_role(Role.CHAIR, Role.SECRETARY, Role.MEMBER, Role.EXTERNAL)
runs_committee = _has_role(Role.CHAIR, Role.SECRETARY)
is_chair = _has_role(Role.CHAIR)
is_external = _has_role(Role.EXTERNAL)

can_view_committee = is_superuser | administers_committee_school | is_member
# External examiners and members read; only those who run the board (and its school's administrators,
# who load its marks) start anything.
can_recalculate = is_superuser | administers_committee_school | runs_committee

# The committee decides: overrides, holds, ratification and amendments are its officers' own acts (the
# chair's where the regulations name the chair), never the registry's or a school administrator's. Draft
# outcomes are for those preparing the board; provisional ones go to the whole committee, its external
# examiners included. The registry (superusers) moves the paperwork: provisional and publication. An
# external examiner's only writes are comments and a sign-off.
can_view_drafts = is_superuser | administers_committee_school | runs_committee
can_override = runs_committee
can_make_provisional = is_superuser | runs_committee
can_ratify = is_chair
can_publish = is_superuser | is_chair
can_amend = is_chair
can_examine = is_external

rules.add_perm(VIEW_COMMITTEE, can_view_committee)
rules.add_perm(RECALCULATE, can_recalculate)
rules.add_perm(VIEW_DRAFTS, can_view_drafts)
rules.add_perm(OVERRIDE, can_override)
rules.add_perm(MAKE_PROVISIONAL, can_make_provisional)
rules.add_perm(RATIFY, can_ratify)
rules.add_perm(PUBLISH, can_publish)
rules.add_perm(AMEND, can_amend)
rules.add_perm(EXAMINE, can_examine)


def viewable_committee_ids(user: AnyUser) -> QuerySet[AssessmentCommittee, int]:
    """The committees ``can_view_committee`` admits an authenticated, non-superuser ``user`` to."""
    return (
        AssessmentCommittee.objects.filter(
            Q(memberships__user_id=user.pk)
            | Q(school__roles__user_id=user.pk, school__roles__role="administrator")
        )
        .values_list("pk", flat=True)
        .distinct()
    )


def role_on(user: AnyUser, committee: AssessmentCommittee) -> str:
    """The user's role on the committee in words, for the page header."""
    if is_superuser(user):
        return "Registry (superuser)"
    if not user.is_authenticated:
        return ""
    membership = Membership.objects.filter(user_id=user.pk, committee=committee).first()
    if membership is not None:
        return membership.get_role_display()
    if is_school_administrator(user, committee.school):
        return "School administrator"
    return ""
