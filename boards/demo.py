"""The demo university's boards: two committees, a person in each role, a meeting and its outcomes.

``manage.py seed_demo`` imports the records first (``seed_records``), then calls ``seed_boards``: each
committee gets its members, the 2024/25 cohorts it considers, a meeting with those cohorts on its agenda
and its attendance, and each agenda cohort's outcome set is calculated here and now (the same
``calculate`` the worker runs), so the pages are ready when the site starts. Each cohort's outcomes are then
made provisional by the committee's secretary, so that every member can read them, and the secretary of
the History board records one override with its reason on the BA's final year (through the same
services as the pages). Whatever already exists is left alone, so a second run changes nothing.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.models import User

from students.management.commands.seed_records import PASSWORD, SCHOOLS
from students.models import Programme, School

from . import services
from .decisions import OVERRIDE_KINDS, review_of
from .models import (
    AssessmentCommittee,
    Category,
    Cohort,
    LedgerEntry,
    Meeting,
    Membership,
    OutcomeSet,
    Review,
)
from .recalculation import calculate, stage_for

SESSION = "2024/25"
TRIGGER = "demo data (seed_demo)"
Role = Membership.Role
CLASS_ABOVE = {"III": "II.ii", "II.ii": "II.i", "II.i": "I"}
OVERRIDE_REASON = (
    "Mitigating circumstances accepted by the board: a serious illness through the final examinations, "
    "with medical evidence. The class is raised (L 7.3.4); the marks stand (L 7.3.2)."
)


@dataclass(frozen=True)
class DemoCohort:
    programme: str
    programme_year: int
    level: int
    final_year: bool


@dataclass(frozen=True)
class DemoCommittee:
    school: str
    name: str
    people: str
    """The prefix of its members' usernames: ``history-chair``, ``history-external``, ..."""
    quorum: int
    anonymous: bool
    meeting_date: datetime.date
    meeting_kind: str
    cohorts: tuple[DemoCohort, ...]
    absent: tuple[str, ...] = ()
    """Roles whose holder sent apologies (everyone else attended)."""
    overridden: tuple[str, int] | None = None
    """(programme, year) of the cohort where the secretary overrides one student's class."""


COMMITTEES = (
    DemoCommittee(
        school="HIST",
        name="School of History Board of Examiners",
        people="history",
        quorum=3,
        anonymous=False,
        meeting_date=datetime.date(2025, 6, 18),
        meeting_kind=Meeting.Kind.AWARD,
        cohorts=(
            DemoCohort("HIST-BA", 2, 5, final_year=False),
            DemoCohort("HIST-BA", 3, 6, final_year=True),
            DemoCohort("HIST-MA", 1, 7, final_year=True),
        ),
        overridden=("HIST-BA", 3),
    ),
    # After the August resits, so the Senate Regulation 5.23 options of each student are on the page.
    DemoCommittee(
        school="PSYC",
        name="School of Psychology Progression Board",
        people="psychology",
        quorum=2,
        anonymous=True,
        meeting_date=datetime.date(2025, 9, 10),
        meeting_kind=Meeting.Kind.RESIT,
        cohorts=(
            DemoCohort("PSYC-BA", 1, 4, final_year=False),
            DemoCohort("PSYC-BA", 2, 5, final_year=False),
        ),
        absent=(Role.MEMBER,),
    ),
)
ROLES = (Role.CHAIR, Role.SECRETARY, Role.MEMBER, Role.EXTERNAL)


def username(committee: DemoCommittee, role: str) -> str:
    return f"{committee.people}-{role}"


def logins() -> list[str]:
    """One line per demo user: name, password and what they may do."""
    lines = [f"  registry / {PASSWORD}  (superuser: every school, and /admin/)"]
    lines += [f"  {school.administrator} / {PASSWORD}  (administrator, {school.name})" for school in SCHOOLS]
    lines += [
        f"  {username(committee, role)} / {PASSWORD}  ({Role(role).label.lower()}, {committee.name})"
        for committee in COMMITTEES
        for role in ROLES
    ]
    return lines


def seed_boards(say: Callable[[str], object]) -> int:
    """Create whatever of the demo boards is missing and calculate missing outcome sets; how many things
    were created (0 when everything was already there)."""
    created = 0
    for plan in COMMITTEES:
        school = School.objects.get(code=plan.school)
        committee, new = AssessmentCommittee.objects.get_or_create(
            school=school, name=plan.name, defaults={"quorum": plan.quorum, "anonymous": plan.anonymous}
        )
        created += new
        members = {role: _member(committee, username(plan, role), role) for role in ROLES}
        created += sum(new for _, new in members.values())
        cohorts = []
        for demo in plan.cohorts:
            cohort, new = Cohort.objects.get_or_create(
                programme=Programme.objects.get(code=demo.programme),
                academic_session=SESSION,
                programme_year=demo.programme_year,
                defaults={"committee": committee, "final_year": demo.final_year, "level": demo.level},
            )
            created += new
            cohorts.append(cohort)
        meeting, new = Meeting.objects.get_or_create(
            committee=committee, date=plan.meeting_date, kind=plan.meeting_kind
        )
        if new:
            meeting.cohorts.set(cohorts)
            meeting.attendees.set(m for role, (m, _) in members.items() if role not in plan.absent)
            say(f"{meeting}: {len(cohorts)} cohorts on the agenda, {meeting.attendees.count()} attended")
        created += new
        secretary = members[Role.SECRETARY][0].user
        for cohort in cohorts:
            created += _calculate(meeting, cohort, say)
            created += _make_provisional(meeting, cohort, secretary, say)
            if plan.overridden == (cohort.programme.code, cohort.programme_year):
                created += _override(meeting, cohort, secretary, say)
    return created


def _member(committee: AssessmentCommittee, name: str, role: str) -> tuple[Membership, bool]:
    users = get_user_model()
    user: AbstractBaseUser | None = users.objects.filter(username=name).first()
    if user is None:
        user = users.objects.create_user(name, password=PASSWORD)
    return Membership.objects.get_or_create(committee=committee, user=user, defaults={"role": role})


def _calculate(meeting: Meeting, cohort: Cohort, say: Callable[[str], object]) -> bool:
    """The cohort's outcome set for the meeting's question, calculated now unless one is current."""
    stage = stage_for(cohort, meeting.kind)
    if OutcomeSet.objects.filter(cohort=cohort, stage=stage, is_current=True).exists():
        return False
    outcome_set = OutcomeSet.objects.create(cohort=cohort, stage=stage, trigger=TRIGGER)
    calculate(outcome_set.pk)
    outcomes = outcome_set.outcomes.all()
    near = sum("near-boundary" in flags for flags in outcomes.values_list("flags", flat=True))
    say(
        f"{cohort}: {outcomes.count()} outcomes calculated ({outcomes.filter(incomplete=True).count()} "
        f"incomplete, {near} near a class boundary)"
    )
    return True


def _make_provisional(
    meeting: Meeting, cohort: Cohort, secretary: User, say: Callable[[str], object]
) -> bool:
    """The draft released to the whole committee, unless the secretary has already done so."""
    if review_of(meeting, cohort).state != Review.State.DRAFT:
        return False
    services.make_provisional(meeting=meeting, cohort=cohort, user=secretary)
    say(f"{cohort}: outcomes made provisional")
    return True


def _override(meeting: Meeting, cohort: Cohort, secretary: User, say: Callable[[str], object]) -> bool:
    """One class raised for mitigation, on a student near a class boundary if there is one."""
    if LedgerEntry.objects.filter(cohort=cohort, kind__in=OVERRIDE_KINDS).exists():
        return False
    current = OutcomeSet.objects.get(cohort=cohort, stage=stage_for(cohort, meeting.kind), is_current=True)
    candidates = sorted(
        current.outcomes.filter(incomplete=False, problem="", klass__in=CLASS_ABOVE).select_related(
            "enrolment__student"
        ),
        key=lambda o: ("near-boundary" not in o.flags, o.enrolment.student.student_id),
    )
    if not candidates:
        return False
    outcome = candidates[0]
    services.record_override(
        meeting=meeting,
        cohort=cohort,
        enrolment_id=outcome.enrolment_id,
        field="klass",
        value=CLASS_ABOVE[outcome.klass],
        category=Category.MITIGATION,
        reason=OVERRIDE_REASON,
        user=secretary,
    )
    say(
        f"{cohort}: the class of {outcome.enrolment.student.student_id} overridden, "
        f"{outcome.klass} -> {CLASS_ABOVE[outcome.klass]} (mitigating circumstances)"
    )
    return True
