"""A small school to import into: one programme, two modules in 2024/25, three students."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from students import models as db


@dataclass
class World:
    school: db.School
    user: User
    registrations: dict[tuple[str, str], db.Registration]
    components: dict[tuple[str, str], db.Component]


@pytest.fixture
def world(db: None) -> World:
    from students import models as m

    school = m.School.objects.create(code="HIS", name="School of History")
    user = User.objects.create_user("admin-his", password="x")
    programme = m.Programme.objects.create(
        school=school,
        code="HIS-BA",
        title="History BA",
        award="bachelor-honours",
        default_ruleset="leeds-taught-2024",
    )
    cohort = m.EntryCohort.objects.create(
        programme=programme,
        entry_session="2024/25",
        ruleset_key="leeds-taught-2024",
        ruleset_version="1",
        ruleset_fingerprint="x",
    )
    components: dict[tuple[str, str], m.Component] = {}
    occurrences = {}
    for code, parts in (("HIST1001", [("exam", 60), ("coursework", 40)]), ("HIST1002", [("module", 1)])):
        module = m.Module.objects.create(school=school, code=code, title=code, credits=20, level=4)
        m.ProgrammeModule.objects.create(programme=programme, module=module, programme_year=1)
        occurrence = m.ModuleOccurrence.objects.create(module=module, academic_session="2024/25")
        occurrences[code] = occurrence
        for position, (name, weight) in enumerate(parts):
            components[(code, name)] = m.Component.objects.create(
                occurrence=occurrence, name=name, weight=Decimal(weight), position=position
            )
    registrations = {}
    for student_id in ("S1", "S2", "S3"):
        student = m.Student.objects.create(student_id=student_id, given_name="Zoë", family_name="Ní Bhriain")
        enrolment = m.Enrolment.objects.create(
            student=student, entry_cohort=cohort, academic_session="2024/25", programme_year=1
        )
        for code, occurrence in occurrences.items():
            if student_id == "S3" and code == "HIST1002":
                continue
            registrations[(student_id, code)] = m.Registration.objects.create(
                enrolment=enrolment, occurrence=occurrence
            )
    m.Student.objects.create(student_id="S9")
    return World(school, user, registrations, components)
