"""Rows to engine records: the only code that reads ``students.models`` for the engine (STYLE.md).

``records_for`` loads everything the engine needs for a set of enrolments in a
constant number of queries (six, whatever the cohort's size) and builds one
``Record`` per enrolment: the student's registrations on the same entry cohort
up to and including that enrolment's session, with the programme's flags for
each module and the marks of every attempt.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from regulations.engine.records import (
    MODULE_COMPONENT,
    Ask,
    Attempt,
    Component,
    Mark,
    Module,
    Programme,
    Record,
    ResultCode,
    Student,
)
from students import models as db


def records_for(enrolment_ids: Iterable[int], ask: Ask) -> dict[int, Record]:
    """One engine record per enrolment id, asking each the same question."""
    ids = list(enrolment_ids)
    current = {
        e.pk: e
        for e in db.Enrolment.objects.filter(pk__in=ids).select_related("student", "entry_cohort__programme")
    }
    cohort_ids = {e.entry_cohort_id for e in current.values()}
    student_ids = {e.student_id for e in current.values()}
    history: dict[tuple[int, int], list[db.Enrolment]] = defaultdict(list)
    for enrolment in db.Enrolment.objects.filter(student_id__in=student_ids, entry_cohort_id__in=cohort_ids):
        history[(enrolment.student_id, enrolment.entry_cohort_id)].append(enrolment)
    all_enrolments = {e.pk: e for group in history.values() for e in group}
    registrations = list(
        db.Registration.objects.filter(enrolment_id__in=all_enrolments)
        .select_related("occurrence__module")
        .order_by("id")
    )
    occurrence_ids = {r.occurrence_id for r in registrations}
    components: dict[int, list[db.Component]] = defaultdict(list)
    for component in db.Component.objects.filter(occurrence_id__in=occurrence_ids).order_by("position", "id"):
        components[component.occurrence_id].append(component)
    marks: dict[int, list[db.Mark]] = defaultdict(list)
    for mark in db.Mark.objects.filter(registration__in=[r.pk for r in registrations]).order_by(
        "attempt", "id"
    ):
        marks[mark.registration_id].append(mark)
    programme_ids = {e.entry_cohort.programme_id for e in current.values()}
    pairing = {
        (pm.programme_id, pm.module_id): pm
        for pm in db.ProgrammeModule.objects.filter(programme_id__in=programme_ids).select_related("module")
    }
    by_enrolment: dict[int, list[db.Registration]] = defaultdict(list)
    for registration in registrations:
        by_enrolment[registration.enrolment_id].append(registration)

    records: dict[int, Record] = {}
    for pk in ids:
        enrolment = current[pk]
        programme = enrolment.entry_cohort.programme
        taken = sorted(
            (
                e
                for e in history[(enrolment.student_id, enrolment.entry_cohort_id)]
                if e.academic_session <= enrolment.academic_session
            ),
            key=lambda e: (e.academic_session, e.pk),
        )
        modules = tuple(
            _module(
                registration,
                past,
                components[registration.occurrence_id],
                marks[registration.pk],
                pairing.get((programme.pk, registration.occurrence.module_id)),
            )
            for past in taken
            for registration in by_enrolment[past.pk]
        )
        final_projects = tuple(
            pm.module.code
            for (programme_id, _), pm in pairing.items()
            if programme_id == programme.pk and pm.final_project
        )
        records[pk] = Record(
            id=enrolment.student.student_id,
            ruleset=enrolment.entry_cohort.ruleset_key,
            programme=_programme(programme, final_projects),
            student=_student(enrolment),
            modules=modules,
            ask=ask,
        )
    return records


def _module(
    registration: db.Registration,
    enrolment: db.Enrolment,
    components: list[db.Component],
    marks: list[db.Mark],
    pm: db.ProgrammeModule | None,
) -> Module:
    module = registration.occurrence.module
    by_attempt: dict[int, list[tuple[str, Mark]]] = defaultdict(list)
    flagged: set[int] = set()
    names = {c.pk: c.name for c in components}
    position = {c.pk: index for index, c in enumerate(components)}
    for mark in sorted(marks, key=lambda m: (m.attempt, position.get(m.component_id, 0))):
        value: Mark = ResultCode(mark.code) if mark.code else Decimal(mark.value)  # type: ignore[arg-type]
        by_attempt[mark.attempt].append((names[mark.component_id], value))
        if mark.reassessment_as_first_attempt:
            flagged.add(mark.attempt)
    attempts: tuple[Attempt, ...] = tuple(tuple(by_attempt[n]) for n in sorted(by_attempt))
    last = max(by_attempt, default=0)
    direct = [c.name for c in components] == [MODULE_COMPONENT] or not components
    return Module(
        code=module.code,
        year=enrolment.programme_year,
        level=module.level,
        credits=module.credits,
        components=tuple(Component(c.name, c.weight, c.must_pass) for c in components)
        or (Component(MODULE_COMPONENT, Decimal(1)),),
        attempts=() if registration.grade else attempts,
        grade=registration.grade or None,
        direct_marks=direct,
        optional=bool(pm and pm.optional),
        prerequisite=bool(pm and pm.prerequisite),
        must_pass=bool(pm and pm.must_pass),
        skills_discovery=bool(pm and pm.skills_discovery),
        supernumerary=bool(pm and pm.supernumerary),
        minor=bool(pm and pm.minor),
        foundation_year=bool(pm and pm.foundation_year),
        reassessment_as_first_attempt=last in flagged,
        subject=(pm.subject or None) if pm else None,
    )


def _programme(programme: db.Programme, final_projects: tuple[str, ...]) -> Programme:
    weights = programme.year_weights
    return Programme(
        award=programme.award,
        final_project=final_projects,
        engineering_council=programme.engineering_council,
        joint_subjects=tuple(programme.joint_subjects or ()),
        two_plus_two=programme.two_plus_two,
        study_abroad_years=tuple(
            sorted((int(y), str(k)) for y, k in (programme.study_abroad_years or {}).items())
        ),
        allows_substitution=programme.allows_substitution,
        year_weights=None if weights is None else tuple(sorted((int(y), int(w)) for y, w in weights.items())),
        supernumerary_counts=programme.supernumerary_counts,
        mbchb=programme.mbchb,
        dental=programme.dental,
        translation_table=tuple(
            sorted((int(m), int(t)) for m, t in (programme.translation_table or {}).items())
        ),
        im_threshold=programme.im_threshold,
    )


def _student(enrolment: db.Enrolment) -> Student:
    return Student(
        mitigation_accepted=enrolment.mitigation_accepted,
        entry_year=enrolment.entry_year,
        apl=tuple(
            sorted((int(level), int(credits)) for level, credits in (enrolment.apl_credits or {}).items())
        ),
        transfer_request=enrolment.transfer_request,
        unable_to_repeat=enrolment.unable_to_repeat,
        repeated_before=enrolment.repeated_before,
    )
