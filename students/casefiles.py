"""Loading a conformance case (CASES.md) into the records, through the models.

Each programme year becomes an enrolment in its own academic session; each module
a module, its pairing with the programme, an occurrence with its components, a
registration and its marks. Used by the round-trip test and to seed demo data.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction

from regulations import rulesets
from students.models import (
    MODULE_COMPONENT,
    Component,
    Enrolment,
    EntryCohort,
    Mark,
    Module,
    ModuleOccurrence,
    Programme,
    ProgrammeModule,
    Registration,
    ResultCode,
    School,
    Student,
)

PROGRAMME_FLAGS = (
    "engineering_council",
    "two_plus_two",
    "allows_substitution",
    "supernumerary_counts",
    "mbchb",
    "dental",
)
MODULE_FLAGS = (
    "optional",
    "prerequisite",
    "must_pass",
    "skills_discovery",
    "supernumerary",
    "minor",
    "foundation_year",
)
STUDENT_FLAGS = ("mitigation_accepted", "transfer_request", "unable_to_repeat", "repeated_before")


def session_of(year: int, first: int = 2020) -> str:
    """The academic session of programme year ``year`` for a student entering year 1 in ``first``."""
    start = first + year - 1
    return f"{start}/{(start + 1) % 100:02d}"


@transaction.atomic
def load_case(case: dict[str, Any], *, school: School | None = None) -> Enrolment:
    """Create the records of one case; return the enrolment of its last programme year."""
    school = school or School.objects.get_or_create(code="CASES", defaults={"name": "Conformance cases"})[0]
    spec = case["programme"]
    programme = Programme.objects.create(
        school=school,
        code=case["id"],
        title=str(case.get("title", case["id"]))[:200],
        award=spec["award"],
        default_ruleset=case["ruleset"],
        joint_subjects=list(spec.get("joint_subjects", [])),
        study_abroad_years=dict(spec.get("study_abroad_years", {})),
        year_weights=spec.get("year_weights"),
        translation_table=dict(spec.get("translation_table", {})),
        im_threshold=spec.get("im_threshold"),
        **{flag: bool(spec.get(flag, False)) for flag in PROGRAMME_FLAGS},
    )
    ruleset = rulesets.get(case["ruleset"])
    student_spec = case.get("student", {})
    entry_year = int(student_spec.get("entry_year", 1))
    cohort = EntryCohort.objects.create(
        programme=programme,
        entry_session=session_of(max(entry_year, 0)),
        ruleset_key=ruleset.key,
        ruleset_version=ruleset.version,
        ruleset_fingerprint=ruleset.fingerprint,
    )
    student = Student.objects.create(student_id=case["id"])
    apl: dict[str, int] = {}
    for entry in student_spec.get("apl", []):
        apl[str(entry["level"])] = apl.get(str(entry["level"]), 0) + int(entry["credits"])
    enrolments: dict[int, Enrolment] = {}
    for year in sorted({int(m["year"]) for m in case["modules"]}):
        enrolments[year] = Enrolment.objects.create(
            student=student,
            entry_cohort=cohort,
            academic_session=session_of(year),
            programme_year=year,
            entry_year=entry_year,
            apl_credits=apl,
            **{flag: bool(student_spec.get(flag, False)) for flag in STUDENT_FLAGS},
        )
    for spec_module in case["modules"]:
        _load_module(
            spec_module,
            school,
            programme,
            enrolments[int(spec_module["year"])],
            set(spec.get("final_project", [])),
        )
    return enrolments[max(enrolments)]


def _load_module(
    spec: dict[str, Any], school: School, programme: Programme, enrolment: Enrolment, projects: set[str]
) -> None:
    module = Module.objects.create(
        school=school, code=spec["code"], title=spec["code"], credits=spec["credits"], level=spec["level"]
    )
    ProgrammeModule.objects.create(
        programme=programme,
        module=module,
        programme_year=spec["year"],
        final_project=spec["code"] in projects,
        subject=spec.get("subject") or "",
        **{flag: bool(spec.get(flag, False)) for flag in MODULE_FLAGS},
    )
    occurrence = ModuleOccurrence.objects.create(module=module, academic_session=enrolment.academic_session)
    components = {
        item["name"]: Component.objects.create(
            occurrence=occurrence,
            name=item["name"],
            weight=Decimal(str(item["weight"])),
            must_pass=bool(item.get("must_pass", False)),
            position=index,
        )
        for index, item in enumerate(spec.get("components") or [{"name": MODULE_COMPONENT, "weight": 1}])
    }
    registration = Registration.objects.create(
        enrolment=enrolment, occurrence=occurrence, grade=spec.get("grade") or ""
    )
    attempts = spec.get("attempts") or [{MODULE_COMPONENT: mark} for mark in spec.get("marks") or []]
    for number, attempt in enumerate(attempts, start=1):
        for name, raw in attempt.items():
            code = (
                str(raw).strip().upper()
                if isinstance(raw, str) and raw.strip().upper() in ResultCode.values
                else ""
            )
            Mark.objects.create(
                registration=registration,
                component=components[name],
                attempt=number,
                value=None if code else Decimal(str(raw)),
                code=code,
                reassessment_as_first_attempt=bool(spec.get("reassessment_as_first_attempt"))
                and number == len(attempts),
            )
