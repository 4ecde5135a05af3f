"""Student and registration imports: one row per registration of a student on a module in a session.

Rows repeat the student's and the enrolment's facts; a fact that disagrees with
an earlier row is an error naming both rows. A new intake's entry cohort is
created bound to the programme's default rule set as it stands today (L 1.3):
a later version never changes an existing cohort.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import transaction

from regulations import rulesets
from students.models import (
    Enrolment,
    EntryCohort,
    ModuleOccurrence,
    Programme,
    Registration,
    School,
    Student,
)

from . import cells
from .files import Table
from .marks import RowError
from .records import RecordsPlan

ENROLMENT_FLAGS = ("mitigation_accepted", "transfer_request", "unable_to_repeat", "repeated_before")


PeoplePlan = RecordsPlan


def _apl(text: str) -> dict[str, int]:
    result: dict[str, int] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        level, sep, credits = part.partition(":")
        if not sep:
            raise cells.CellError(f"{part!r} is not level:credits, e.g. 4:120")
        result[str(cells.whole(level, low=3, high=7, what="a level"))] = cells.whole(
            credits, low=1, high=600, what="a number of credits"
        )
    return result


def _grade(text: str) -> str:
    value = text.strip().upper()
    if value not in ("", "P", "F"):
        raise cells.CellError(f"{text!r} must be P, F or empty")
    return value


PARSERS: dict[str, Callable[[str], Any]] = {
    "student_id": lambda t: cells.text(t, what="the student id"),
    "given_name": str.strip,
    "family_name": str.strip,
    "candidate_number": str.strip,
    "programme_code": lambda t: cells.text(t, what="the programme code"),
    "entry_session": cells.session,
    "academic_session": cells.session,
    "programme_year": lambda t: cells.whole(t, low=0, high=7, what="a programme year"),
    "module_code": lambda t: cells.text(t, what="the module code"),
    "grade": _grade,
    "entry_year": lambda t: cells.whole(t, low=0, high=7, what="a programme year") if t.strip() else 1,
    "apl": _apl,
    **{flag: cells.yes_no for flag in ENROLMENT_FLAGS},
}


def plan_people(table: Table, school: School, progress: Callable[[int], None] | None = None) -> PeoplePlan:
    plan = PeoplePlan()
    wanted: dict[str, dict[Any, dict[str, Any]]] = {
        "student": {},
        "entry cohort": {},
        "enrolment": {},
        "registration": {},
    }
    first: dict[tuple[str, Any], int] = {}
    candidates: dict[str, tuple[str, int]] = {}
    for index, (line, row) in enumerate(table.rows, start=1):
        if progress is not None and index % 10_000 == 0:
            progress(index)
        parsed: dict[str, Any] = {}
        for column, parse in PARSERS.items():
            try:
                parsed[column] = parse(row.get(column, ""))
            except cells.CellError as error:
                plan.errors.append(RowError(line, column, str(error)))
        if len(parsed) < len(PARSERS):
            continue
        student, programme, entry = parsed["student_id"], parsed["programme_code"], parsed["entry_session"]
        session = parsed["academic_session"]
        candidate = parsed["candidate_number"]
        if candidate:
            holder = candidates.setdefault(candidate, (student, line))
            if holder[0] != student:
                plan.errors.append(
                    RowError(
                        line,
                        "candidate_number",
                        f"candidate number {candidate} is also given to {holder[0]} on row {holder[1]}",
                    )
                )
                continue
        records = {
            "student": (
                student,
                {
                    "given_name": parsed["given_name"],
                    "family_name": parsed["family_name"],
                    "candidate_number": candidate or None,
                },
            ),
            "entry cohort": ((programme, entry), {}),
            "enrolment": (
                (student, programme, entry, session),
                {
                    "programme_year": parsed["programme_year"],
                    "entry_year": parsed["entry_year"],
                    "apl_credits": parsed["apl"],
                    **{flag: parsed[flag] for flag in ENROLMENT_FLAGS},
                },
            ),
            "registration": (
                (student, programme, entry, session, parsed["module_code"]),
                {"grade": parsed["grade"]},
            ),
        }
        for kind, (key, fields) in records.items():
            earlier = wanted[kind].get(key)
            if earlier is None:
                wanted[kind][key] = fields
                first[(kind, key)] = line
            elif kind == "registration":
                plan.errors.append(
                    RowError(
                        line,
                        "module_code",
                        f"duplicate row: {student} on {key[-1]} in "
                        f"{session} is also on row {first[(kind, key)]}",
                    )
                )
            else:
                for name, value in fields.items():
                    if earlier[name] != value:
                        plan.errors.append(
                            RowError(
                                line,
                                name,
                                f"{value!r} differs from {earlier[name]!r} given "
                                f"for {student} on row {first[(kind, key)]}",
                            )
                        )
    plan.wanted = wanted
    _check_and_diff(plan, school, first)
    plan.errors.sort(key=lambda error: error.line)
    return plan


def _check_and_diff(plan: PeoplePlan, school: School, first: dict[tuple[str, Any], int]) -> None:
    wanted = plan.wanted
    programmes = {
        p.code: p for p in Programme.objects.filter(code__in={k[0] for k in wanted["entry cohort"]})
    }
    for key in wanted["entry cohort"]:
        programme = programmes.get(key[0])
        if programme is None or programme.school_id != school.pk:
            reason = "belongs to another school" if programme else "is unknown: import the structure first"
            plan.errors.append(
                RowError(first[("entry cohort", key)], "programme_code", f"programme {key[0]} {reason}")
            )
    occurrences = {
        (o.module.code, o.academic_session): o
        for o in ModuleOccurrence.objects.filter(
            module__school=school, module__code__in={k[4] for k in wanted["registration"]}
        ).select_related("module")
    }
    for key in wanted["registration"]:
        if (key[4], key[3]) not in occurrences:
            plan.errors.append(
                RowError(
                    first[("registration", key)],
                    "module_code",
                    f"module {key[4]} has no occurrence in {key[3]} in {school.name}",
                )
            )
    students = {s.student_id: s for s in Student.objects.filter(student_id__in=list(wanted["student"]))}
    taken = dict(
        Student.objects.filter(
            candidate_number__in=[
                f["candidate_number"] for f in wanted["student"].values() if f["candidate_number"]
            ]
        ).values_list("candidate_number", "student_id")
    )
    for student, fields in wanted["student"].items():
        holder = taken.get(fields["candidate_number"])
        if holder and holder != student:
            plan.errors.append(
                RowError(
                    first[("student", student)],
                    "candidate_number",
                    f"candidate number {fields['candidate_number']} belongs to student {holder}",
                )
            )
    cohorts = {
        (c.programme.code, c.entry_session): c
        for c in EntryCohort.objects.filter(programme__in=list(programmes.values())).select_related(
            "programme"
        )
    }
    enrolments = {
        (
            e.student.student_id,
            e.entry_cohort.programme.code,
            e.entry_cohort.entry_session,
            e.academic_session,
        ): e
        for e in Enrolment.objects.filter(student__student_id__in=list(wanted["student"])).select_related(
            "student", "entry_cohort__programme"
        )
    }
    keys_of = {enrolment.pk: key for key, enrolment in enrolments.items()}
    registrations = {
        (*keys_of[r.enrolment_id], r.occurrence.module.code): r
        for r in Registration.objects.filter(enrolment_id__in=list(keys_of)).select_related(
            "occurrence__module"
        )
    }
    for kind, existing in (
        ("student", students),
        ("entry cohort", cohorts),
        ("enrolment", enrolments),
        ("registration", registrations),
    ):
        plan.compare(kind, existing)


@transaction.atomic
def write_people(*, table: Table, batch: Any, user_id: int, expected_fingerprint: str) -> PeoplePlan:
    school = School.objects.select_for_update().get(pk=batch.school_id)
    plan = plan_people(table, school)
    plan.require(expected_fingerprint)
    wanted = plan.wanted
    students = {s.student_id: s for s in Student.objects.filter(student_id__in=list(wanted["student"]))}
    new_students = [
        Student(student_id=sid, **fields) for sid, fields in wanted["student"].items() if sid not in students
    ]
    for student in Student.objects.bulk_create(new_students, batch_size=2000):
        students[student.student_id] = student
    _apply_changes(plan.changed.get("student", []), students)
    programmes = {
        p.code: p for p in Programme.objects.filter(code__in={k[0] for k in wanted["entry cohort"]})
    }
    cohorts = {
        (c.programme.code, c.entry_session): c
        for c in EntryCohort.objects.filter(programme__in=list(programmes.values())).select_related(
            "programme"
        )
    }
    for code, entry in wanted["entry cohort"]:
        if (code, entry) not in cohorts:
            programme = programmes[code]
            ruleset = rulesets.get(programme.default_ruleset)
            cohorts[(code, entry)] = EntryCohort.objects.create(
                programme=programme,
                entry_session=entry,
                ruleset_key=ruleset.key,
                ruleset_version=ruleset.version,
                ruleset_fingerprint=ruleset.fingerprint,
            )
    enrolments = {
        (
            e.student.student_id,
            e.entry_cohort.programme.code,
            e.entry_cohort.entry_session,
            e.academic_session,
        ): e
        for e in Enrolment.objects.filter(student__student_id__in=list(wanted["student"])).select_related(
            "student", "entry_cohort__programme"
        )
    }
    new_enrolments = [
        Enrolment(
            student=students[key[0]],
            entry_cohort=cohorts[(key[1], key[2])],
            academic_session=key[3],
            **fields,
        )
        for key, fields in wanted["enrolment"].items()
        if key not in enrolments
    ]
    for enrolment in Enrolment.objects.bulk_create(new_enrolments, batch_size=2000):
        enrolments[
            (
                enrolment.student.student_id,
                enrolment.entry_cohort.programme.code,
                enrolment.entry_cohort.entry_session,
                enrolment.academic_session,
            )
        ] = enrolment
    _apply_changes(plan.changed.get("enrolment", []), enrolments)
    occurrences = {
        (o.module.code, o.academic_session): o
        for o in ModuleOccurrence.objects.filter(
            module__school=school, module__code__in={k[4] for k in wanted["registration"]}
        ).select_related("module")
    }
    changed_registrations = {key: fields for key, fields in plan.changed.get("registration", [])}
    enrolment_keys = {enrolment.pk: key for key, enrolment in enrolments.items()}
    new_keys = set(plan.new.get("registration", []))
    Registration.objects.bulk_create(
        [
            Registration(
                enrolment=enrolments[key[:4]], occurrence=occurrences[(key[4], key[3])], grade=fields["grade"]
            )
            for key, fields in wanted["registration"].items()
            if key in new_keys
        ],
        batch_size=2000,
    )
    if changed_registrations:
        existing = {
            (enrolment_keys[r.enrolment_id], r.occurrence_id): r
            for r in Registration.objects.filter(
                enrolment_id__in=[enrolments[key[:4]].pk for key in changed_registrations]
            )
        }
        _apply_changes(
            [(key, fields) for key, fields in changed_registrations.items()],
            {key: existing[(key[:4], occurrences[(key[4], key[3])].pk)] for key in changed_registrations},
        )
    return plan


def _apply_changes(changes: list[tuple[Any, dict[str, tuple[Any, Any]]]], records: dict[Any, Any]) -> None:
    """Set each changed field on its record and write them all in one bulk update (no query per record)."""
    if not changes:
        return
    touched: list[Any] = []
    names: set[str] = set()
    for key, fields in changes:
        record = records[key]
        for name, (_, value) in fields.items():
            setattr(record, name, value)
        names.update(fields)
        touched.append(record)
    type(touched[0]).objects.bulk_update(touched, sorted(names), batch_size=1000)
