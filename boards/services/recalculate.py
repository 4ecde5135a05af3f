"""Writes of the boards app: asking for recalculations (each runs on the worker, boards/tasks.py)."""

from __future__ import annotations

from django.contrib.auth.models import User
from django.db import transaction

from students.models import Enrolment, ImportBatch

from ..models import Cohort, Meeting, OutcomeSet, Stage
from ..recalculation import stage_for


def request_recalculation(
    *, cohort: Cohort, stage: str, trigger: str, user: User | None = None
) -> OutcomeSet:
    """Queue a new outcome set for ``cohort``; the current set stays current until the new one is done."""
    from ..tasks import recalculate

    outcome_set = OutcomeSet.objects.create(
        cohort=cohort, stage=stage, trigger=trigger[:200], requested_by=user
    )

    def send() -> None:
        task = recalculate.delay(outcome_set.pk)
        OutcomeSet.objects.filter(pk=outcome_set.pk, task_id="").update(task_id=task.id)

    transaction.on_commit(send)
    return outcome_set


def recalculate_meeting(*, meeting: Meeting, user: User | None) -> list[OutcomeSet]:
    """One recalculation per cohort on the agenda, each asked the meeting's question; they run in parallel."""
    with transaction.atomic():
        return [
            request_recalculation(
                cohort=cohort,
                stage=stage_for(cohort, meeting.kind),
                trigger=f"on demand, {meeting.get_kind_display().lower()} meeting of {meeting.date:%d %B %Y}",
                user=user,
            )
            for cohort in meeting.cohorts.order_by("pk")
        ]


def recalculate_after_import(*, batch: ImportBatch) -> list[OutcomeSet]:
    """Recalculate every cohort whose outcomes the import can have changed, once per question asked of it.

    A marks import changes the records of the students whose marks it wrote: a student's record in a
    session reads the marks of that session and the earlier ones on the same entry cohort
    (regulations/adapters.py), so each cohort in which such a student is enrolled in the session of a
    written mark or a later one is recalculated. A structure or students import can change any record of
    the school.
    """
    cohorts = list(Cohort.objects.filter(programme__school_id=batch.school_id).order_by("pk"))
    if batch.kind == "marks":
        keys = _cohort_keys_reading_marks_of(batch)
        cohorts = [c for c in cohorts if (c.programme_id, c.academic_session, c.programme_year) in keys]
    with transaction.atomic():
        return [
            request_recalculation(cohort=cohort, stage=stage, trigger=f"{batch.kind} import #{batch.pk}")
            for cohort in cohorts
            for stage in _stages(cohort)
        ]


def _cohort_keys_reading_marks_of(batch: ImportBatch) -> set[tuple[int, str, int]]:
    """(programme, session, programme year) of every enrolment whose record reads a mark ``batch`` wrote."""
    marked = Enrolment.objects.filter(registrations__marks__import_batch=batch).order_by()
    first_session: dict[tuple[int, int], str] = {}
    for student_id, entry_cohort_id, session in marked.values_list(
        "student_id", "entry_cohort_id", "academic_session"
    ).distinct():
        key = (student_id, entry_cohort_id)
        first_session[key] = min(session, first_session.get(key, session))
    enrolments = Enrolment.objects.filter(student_id__in=marked.values("student_id")).values_list(
        "student_id", "entry_cohort_id", "entry_cohort__programme_id", "academic_session", "programme_year"
    )
    keys: set[tuple[int, str, int]] = set()
    for student_id, entry_cohort_id, programme_id, session, year in enrolments:
        first = first_session.get((student_id, entry_cohort_id))
        if first is not None and session >= first:
            keys.add((programme_id, session, year))
    return keys


def _stages(cohort: Cohort) -> list[str]:
    """The questions already asked of the cohort, or its first question if none has been."""
    asked = sorted(set(cohort.outcome_sets.values_list("stage", flat=True)))
    if asked:
        return asked
    return [Stage.AWARD if cohort.final_year else Stage.FIRST_SIT]
