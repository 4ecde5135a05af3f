"""Rows to engine records: the only code that reads ``students.models`` for the engine (STYLE.md).

``records_for`` loads everything the engine needs for a set of enrolments in a
constant number of queries (six, whatever the cohort's size) and builds one
``Record`` per enrolment: the student's registrations on the same entry cohort
up to and including that enrolment's session, with the programme's flags for
each module and the marks of every attempt.

A cohort's recalculation reads hundreds of thousands of marks, so the rows come
as tuples (``values_list``), not model instances, and what is the same for every
student is built once: a programme, its final projects, an occurrence's
components, a module's programme flags (bench/recalculate.py measures it).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import Any

from regulations.engine.records import (
    MODULE_COMPONENT,
    Ask,
    Component,
    Mark,
    Module,
    Programme,
    Record,
    ResultCode,
    Student,
)
from students import models as db

PROGRAMME_FIELDS = (
    "award",
    "engineering_council",
    "joint_subjects",
    "two_plus_two",
    "study_abroad_years",
    "allows_substitution",
    "year_weights",
    "supernumerary_counts",
    "mbchb",
    "dental",
    "translation_table",
    "im_threshold",
)
STUDENT_FIELDS = (
    "mitigation_accepted",
    "entry_year",
    "apl_credits",
    "transfer_request",
    "unable_to_repeat",
    "repeated_before",
)
FLAG_FIELDS = (
    "optional",
    "prerequisite",
    "must_pass",
    "skills_discovery",
    "supernumerary",
    "minor",
    "foundation_year",
)
NO_FLAGS: dict[str, Any] = dict.fromkeys(FLAG_FIELDS, False) | {"subject": None}
CODES = {code.value: code for code in ResultCode}

# A mark row: (registration id, component id, attempt, value, code, reassessment as first attempt).
MarkRow = tuple[int, int, int, Decimal | None, str, bool]


class Occurrence:
    """An occurrence's components as the engine reads them, worked out once for all its registrations."""

    __slots__ = ("components", "direct", "names")

    def __init__(self, rows: Sequence[tuple[int, str, Decimal, bool]]) -> None:
        self.names = {pk: name for pk, name, _, _ in rows}
        self.direct = [name for _, name, _, _ in rows] == [MODULE_COMPONENT] or not rows
        self.components = tuple(
            Component(name, weight, must_pass) for _, name, weight, must_pass in rows
        ) or (Component(MODULE_COMPONENT, Decimal(1)),)


def records_for(enrolment_ids: Iterable[int], ask: Ask) -> dict[int, Record]:
    """One engine record per enrolment id, asking each the same question."""
    ids = list(enrolment_ids)
    programme_columns = tuple(f"entry_cohort__programme__{name}" for name in PROGRAMME_FIELDS)
    current = {
        row[0]: row
        for row in db.Enrolment.objects.filter(pk__in=ids)
        .order_by()
        .values_list(
            "pk",
            "student_id",
            "entry_cohort_id",
            "academic_session",
            "student__student_id",
            "entry_cohort__ruleset_key",
            "entry_cohort__programme_id",
            *STUDENT_FIELDS,
            *programme_columns,
        )
    }
    cohort_ids = {row[2] for row in current.values()}
    student_ids = {row[1] for row in current.values()}
    history: dict[tuple[int, int], list[tuple[str, int, int]]] = defaultdict(list)
    for pk, student_id, cohort_id, session, year in (
        db.Enrolment.objects.filter(student_id__in=student_ids, entry_cohort_id__in=cohort_ids)
        .order_by()
        .values_list("pk", "student_id", "entry_cohort_id", "academic_session", "programme_year")
    ):
        history[(student_id, cohort_id)].append((session, pk, year))
    # The history's enrolments, named by the same two short lists rather than one long one (Django
    # prepares each value of an IN list in Python).
    taken_by = {"enrolment__student_id__in": student_ids, "enrolment__entry_cohort_id__in": cohort_ids}
    registrations = list(
        db.Registration.objects.filter(**taken_by)
        .order_by("id")
        .values_list(
            "pk",
            "enrolment_id",
            "occurrence_id",
            "occurrence__module_id",
            "occurrence__module__code",
            "occurrence__module__level",
            "occurrence__module__credits",
            "grade",
        )
    )
    component_rows: dict[int, list[tuple[int, str, Decimal, bool]]] = defaultdict(list)
    for pk, occurrence_id, name, weight, must_pass in (
        db.Component.objects.filter(occurrence_id__in={row[2] for row in registrations})
        .order_by("position", "id")
        .values_list("pk", "occurrence_id", "name", "weight", "must_pass")
    ):
        component_rows[occurrence_id].append((pk, name, weight, must_pass))
    occurrences = {pk: Occurrence(rows) for pk, rows in component_rows.items()}
    empty = Occurrence(())
    # Each registration's marks by attempt, then in the order of the occurrence's components.
    marks: dict[int, list[MarkRow]] = defaultdict(list)
    for mark in (
        db.Mark.objects.filter(**{f"registration__{name}": value for name, value in taken_by.items()})
        .order_by("attempt", "component__position", "component_id")
        .values_list(
            "registration_id", "component_id", "attempt", "value", "code", "reassessment_as_first_attempt"
        )
    ):
        marks[mark[0]].append(mark)
    programme_ids = {row[6] for row in current.values()}
    flags: dict[tuple[int, int], dict[str, Any]] = {}
    final_projects: dict[int, list[str]] = defaultdict(list)
    for programme_id, module_id, code, final_project, *values in db.ProgrammeModule.objects.filter(
        programme_id__in=programme_ids
    ).values_list("programme_id", "module_id", "module__code", "final_project", *FLAG_FIELDS, "subject"):
        flags[(programme_id, module_id)] = _flags(values)
        if final_project:
            final_projects[programme_id].append(code)
    by_enrolment: dict[int, list[tuple[Any, ...]]] = defaultdict(list)
    for registration in registrations:
        by_enrolment[registration[1]].append(registration)

    programmes: dict[int, Programme] = {}
    records: dict[int, Record] = {}
    student_end = 7 + len(STUDENT_FIELDS)
    for pk in ids:
        row = current[pk]
        _, student_id, cohort_id, session, student_code, ruleset_key, programme_id = row[:7]
        programme = programmes.get(programme_id)
        if programme is None:
            values = dict(zip(PROGRAMME_FIELDS, row[student_end:], strict=True))
            programme = programmes[programme_id] = _programme(values, tuple(final_projects[programme_id]))
        taken = sorted(entry for entry in history[(student_id, cohort_id)] if entry[0] <= session)
        modules = tuple(
            _module(
                registration,
                year,
                occurrences.get(registration[2], empty),
                marks[registration[0]],
                flags.get((programme_id, registration[3]), NO_FLAGS),
            )
            for _, past, year in taken
            for registration in by_enrolment[past]
        )
        records[pk] = Record(
            id=student_code,
            ruleset=ruleset_key,
            programme=programme,
            student=_student(dict(zip(STUDENT_FIELDS, row[7:student_end], strict=True))),
            modules=modules,
            ask=ask,
        )
    return records


def _flags(values: Sequence[Any]) -> dict[str, Any]:
    """A module's flags on a programme, as ``Module`` keywords (``subject`` None when blank)."""
    *flags, subject = values
    return {name: bool(flag) for name, flag in zip(FLAG_FIELDS, flags, strict=True)} | {
        "subject": subject or None
    }


def _module(
    registration: tuple[Any, ...],
    year: int,
    occurrence: Occurrence,
    marks: list[MarkRow],
    flags: dict[str, Any],
) -> Module:
    """A registration as the engine reads it; ``marks`` come by attempt, then in component order."""
    _, _, _, _, code, level, credits, grade = registration
    names = occurrence.names
    attempts: list[list[tuple[str, Mark]]] = []
    number: int | None = None
    last_flagged = False
    for _, component_id, attempt, value, result_code, as_first in marks:
        if attempt != number:
            attempts.append([])
            number = attempt
            last_flagged = False
        mark: Mark = (CODES.get(result_code) or ResultCode(result_code)) if result_code else Decimal(value)  # type: ignore[arg-type]
        attempts[-1].append((names[component_id], mark))
        last_flagged = last_flagged or as_first
    return Module(
        code=code,
        year=year,
        level=level,
        credits=credits,
        components=occurrence.components,
        attempts=() if grade else tuple(map(tuple, attempts)),
        grade=grade or None,
        direct_marks=occurrence.direct,
        reassessment_as_first_attempt=last_flagged,
        **flags,
    )


def _programme(values: dict[str, Any], final_projects: tuple[str, ...]) -> Programme:
    weights = values["year_weights"]
    return Programme(
        award=values["award"],
        final_project=final_projects,
        engineering_council=values["engineering_council"],
        joint_subjects=tuple(values["joint_subjects"] or ()),
        two_plus_two=values["two_plus_two"],
        study_abroad_years=tuple(
            sorted((int(y), str(k)) for y, k in (values["study_abroad_years"] or {}).items())
        ),
        allows_substitution=values["allows_substitution"],
        year_weights=None if weights is None else tuple(sorted((int(y), int(w)) for y, w in weights.items())),
        supernumerary_counts=values["supernumerary_counts"],
        mbchb=values["mbchb"],
        dental=values["dental"],
        translation_table=tuple(
            sorted((int(m), int(t)) for m, t in (values["translation_table"] or {}).items())
        ),
        im_threshold=values["im_threshold"],
    )


def _student(values: dict[str, Any]) -> Student:
    return Student(
        mitigation_accepted=values["mitigation_accepted"],
        entry_year=values["entry_year"],
        apl=tuple(
            sorted((int(level), int(credits)) for level, credits in (values["apl_credits"] or {}).items())
        ),
        transfer_request=values["transfer_request"],
        unable_to_repeat=values["unable_to_repeat"],
        repeated_before=values["repeated_before"],
    )
