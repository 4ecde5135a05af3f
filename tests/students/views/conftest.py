"""Records for the page tests: one student in each persona school, and a builder for many marks."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest
from django.conf import settings

from students.casefiles import load_case
from students.models import (
    Component,
    Enrolment,
    EntryCohort,
    Mark,
    MarkChange,
    Module,
    ModuleOccurrence,
    Programme,
    Registration,
    School,
    Student,
)

CASES = Path(settings.BASE_DIR) / "regulations" / "rulesets" / "leeds-taught-2024" / "cases"


def load(case_id: str, school: School) -> Enrolment:
    return load_case(json.loads((CASES / f"{case_id}.json").read_text()), school=school)


@pytest.fixture
def records(school: School, other_school: School) -> None:
    """School of English: student leeds-hons-022 (three years, programme leeds-hons-022);
    School of Physics: student leeds-cert-002 (one year)."""
    load("leeds-hons-022", school)
    load("leeds-cert-002", other_school)


def make_student(school: School, student_id: str, *, registrations: int) -> Student:
    """A first-year student of ``school`` with ``registrations`` single-component modules, each with a mark
    of 50 and the change that recorded it."""
    programme = Programme.objects.create(
        school=school,
        code=f"{student_id}-P",
        title="English BA",
        award=Programme.Award.BACHELOR_HONOURS,
        default_ruleset="leeds-taught-2024",
    )
    cohort = EntryCohort.objects.create(
        programme=programme,
        entry_session="2024/25",
        ruleset_key="leeds-taught-2024",
        ruleset_version="1",
        ruleset_fingerprint="0" * 64,
    )
    student = Student.objects.create(student_id=student_id, given_name="Zoë", family_name="Ní Bhriain")
    enrolment = Enrolment.objects.create(
        student=student, entry_cohort=cohort, academic_session="2024/25", programme_year=1
    )
    for number in range(registrations):
        module = Module.objects.create(
            school=school, code=f"{student_id}-M{number}", title=f"Module {number}", credits=20, level=4
        )
        occurrence = ModuleOccurrence.objects.create(module=module, academic_session="2024/25")
        component = Component.objects.create(occurrence=occurrence, name="module", weight=Decimal(1))
        registration = Registration.objects.create(enrolment=enrolment, occurrence=occurrence)
        mark = Mark.objects.create(
            registration=registration, component=component, attempt=1, value=Decimal(50)
        )
        MarkChange.objects.create(mark=mark, old_value=Decimal(45), new_value=mark.value)
    return student
