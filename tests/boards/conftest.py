"""Board personas and a generated cohort, written through the same import services an administrator uses.

Personas (STYLE.md): ``chair``, ``secretary``, ``member`` and ``external`` of ``committee`` (the School
of English's board; ``administrator`` "ada" administers that school), ``stranger`` (a member of
``other_committee``, of the other school) and the root conftest's ``outsider`` and ``superuser``.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from boards.models import AssessmentCommittee, Cohort, Meeting, Membership
from students.imports import jobs
from students.models import ImportBatch, Programme, School
from tests.conftest import make_user

Role = Membership.Role


@pytest.fixture
def committee(school: School) -> AssessmentCommittee:
    return AssessmentCommittee.objects.create(school=school, name="School of English UG Board", quorum=2)


@pytest.fixture
def other_committee(other_school: School) -> AssessmentCommittee:
    return AssessmentCommittee.objects.create(school=other_school, name="School of Physics UG Board")


def _member(username: str, committee: AssessmentCommittee, role: str) -> User:
    user = make_user(username)
    Membership.objects.create(user=user, committee=committee, role=role)
    return user


@pytest.fixture
def chair(committee: AssessmentCommittee) -> User:
    return _member("charlotte", committee, Role.CHAIR)


@pytest.fixture
def secretary(committee: AssessmentCommittee) -> User:
    return _member("seb", committee, Role.SECRETARY)


@pytest.fixture
def member(committee: AssessmentCommittee) -> User:
    return _member("meera", committee, Role.MEMBER)


@pytest.fixture
def external(committee: AssessmentCommittee) -> User:
    return _member("ezra", committee, Role.EXTERNAL)


@pytest.fixture
def stranger(other_committee: AssessmentCommittee) -> User:
    """The chair of another school's committee: sees nothing of ``committee``."""
    return _member("stella", other_committee, Role.CHAIR)


def import_generated(
    school: School, *, students: int, years: int, ruleset: str, incomplete: int = 0, seed: int = 7
) -> Programme:
    """Generate a cohort (``generate_cohort``) and import its three files as an administrator would."""
    uploader = User.objects.filter(is_superuser=True).first() or make_user(f"loader-{school.code.lower()}")
    with tempfile.TemporaryDirectory() as folder:
        call_command(
            "generate_cohort",
            students=students,
            years=years,
            ruleset=ruleset,
            out=Path(folder),
            school=school.code,
            incomplete=incomplete,
            seed=seed,
            stdout=open("/dev/null", "w"),  # noqa: SIM115
        )
        for kind in ("structure", "students", "marks"):
            data = (Path(folder) / f"{kind}.csv").read_bytes()
            batch = jobs.preview(
                jobs.start(school=school, kind=kind, name=f"{kind}.csv", data=data, user_id=uploader.pk)
            )
            assert batch.status == ImportBatch.Status.PREVIEWED, batch.errors[:3]
            batch = jobs.confirm(batch, user_id=uploader.pk)
            assert batch.status == ImportBatch.Status.COMPLETED, batch.errors[:3]
    return Programme.objects.get(school=school)


CohortMaker = Callable[..., Cohort]


@pytest.fixture
def make_board(committee: AssessmentCommittee) -> Callable[..., Meeting]:
    """``make_board(students=5, years=3, ruleset="leeds-taught-2024", incomplete=0)``: the committee's
    school gets a generated programme; the meeting (kind ``award``, 2025-06-20) has its final-year cohort
    on the agenda. Nothing is calculated yet."""

    def make(
        *, students: int = 5, years: int = 3, ruleset: str = "leeds-taught-2024", incomplete: int = 0
    ) -> Meeting:
        programme = import_generated(
            committee.school, students=students, years=years, ruleset=ruleset, incomplete=incomplete
        )
        cohort = Cohort.objects.create(
            committee=committee,
            programme=programme,
            academic_session="2024/25",
            programme_year=years,
            final_year=True,
            level=years + 3,
        )
        meeting = Meeting.objects.create(
            committee=committee, date=datetime.date(2025, 6, 20), kind=Meeting.Kind.AWARD
        )
        meeting.cohorts.add(cohort)
        return meeting

    return make
