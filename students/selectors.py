"""Reads for the records pages, each in a constant number of queries however many rows there are.

They take an object the caller has already fetched through ``students.access``; narrowing to what a user
may see stays there.
"""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from students.models import (
    Enrolment,
    EntryCohort,
    Mark,
    MarkChange,
    Module,
    Programme,
    Registration,
    School,
    Student,
)


def school_programmes(school: School) -> QuerySet[Programme]:
    """The school's programmes, each with its entry cohorts (and their rule-set versions) prefetched."""
    cohorts = EntryCohort.objects.order_by("entry_session")
    return school.programmes.order_by("code").prefetch_related(Prefetch("entry_cohorts", queryset=cohorts))


def school_modules(school: School) -> QuerySet[Module]:
    return school.modules.order_by("code")


def school_students(school: School) -> QuerySet[Student]:
    """Students enrolled on a programme of the school, with the programme and year of their latest enrolment
    there (``current_programme``, ``current_year``)."""
    enrolments = Enrolment.objects.filter(entry_cohort__programme__school=school)
    latest = enrolments.filter(student=OuterRef("pk")).order_by("-academic_session", "-programme_year")
    return Student.objects.filter(pk__in=enrolments.values("student_id")).annotate(
        current_programme=Subquery(latest.values("entry_cohort__programme__code")[:1]),
        current_year=Subquery(latest.values("programme_year")[:1]),
    )


def student_enrolments(student: Student) -> QuerySet[Enrolment]:
    return (
        Enrolment.objects.filter(student=student)
        .select_related("entry_cohort__programme__school")
        .order_by("academic_session", "entry_cohort__programme__code")
    )


def student_marks_with_history(student: Student) -> QuerySet[Registration]:
    """The student's registrations with their marks and each mark's changes, oldest first: three queries."""
    changes = MarkChange.objects.select_related("changed_by", "old_set_by").order_by("changed_at", "id")
    marks = (
        Mark.objects.select_related("component", "updated_by")
        .order_by("attempt", "component__position", "component_id")
        .prefetch_related(Prefetch("changes", queryset=changes))
    )
    return (
        Registration.objects.filter(enrolment__student=student)
        .select_related("enrolment", "occurrence__module")
        .order_by("enrolment__academic_session", "occurrence__module__code")
        .prefetch_related(Prefetch("marks", queryset=marks))
    )


def school_marks_rows(school: School) -> Iterator[tuple[object, ...]]:
    """Every mark of a school's module occurrences in the marks upload format, one query, streamed."""
    marks = (
        Mark.objects.filter(component__occurrence__module__school=school)
        .order_by(
            "registration__enrolment__student__student_id",
            "component__occurrence__module__code",
            "component__occurrence__academic_session",
            "attempt",
            "component__position",
        )
        .values_list(
            "registration__enrolment__student__student_id",
            "component__occurrence__module__code",
            "component__occurrence__academic_session",
            "component__name",
            "attempt",
            "value",
            "code",
            "reassessment_as_first_attempt",
        )
    )
    for student, module, session, component, attempt, value, code, flag in marks.iterator(chunk_size=5000):
        yield (
            student,
            module,
            session,
            component,
            attempt,
            _cell(value, code),
            "yes" if flag else "",
        )


def _number(value: Decimal) -> Decimal:
    """58.0000 -> 58 and 62.5000 -> 62.5 (``normalize`` alone would give 6E+1 for 60)."""
    return value.to_integral_value() if value == value.to_integral_value() else value.normalize()


def _cell(value: Decimal | None, code: str) -> str | Decimal:
    """A mark's export cell: its code (ABS, DEF...) or its value (a mark row holds exactly one)."""
    return code if value is None or code else _number(value)
