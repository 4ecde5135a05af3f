"""Mark imports: validate a whole file set-based, preview the difference, then write it all or nothing.

``plan_marks`` reads every row against the school's records in a constant
number of queries (no query per row) and returns what the file would change:
new, changed and unchanged marks, and every bad row with its line, column and
reason. ``write_marks`` re-plans inside one transaction (the school's row
locked), refuses if the plan differs from the preview it confirms, and writes
new and changed marks with one history row each, in bulk. Importing the same
file twice changes nothing the second time.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from students.models import (
    Component,
    ImportBatch,
    Mark,
    MarkChange,
    Module,
    ModuleOccurrence,
    Registration,
    School,
    Student,
)

from . import cells
from .files import Table

Key = tuple[int, int, int]
"""(registration id, component id, attempt)"""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.line}, column {self.column}: {self.message}"


@dataclass(frozen=True, slots=True)
class Incoming:
    line: int
    key: Key
    value: Decimal | None
    code: str
    first_attempt_basis: bool


@dataclass(frozen=True, slots=True)
class Change:
    incoming: Incoming
    mark_id: int
    old_value: Decimal | None
    old_code: str
    old_flag: bool


@dataclass(slots=True)
class MarksPlan:
    new: list[Incoming] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    labels: dict[Key, str] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """A hash of exactly what would be written: confirm refuses when it no longer matches."""
        digest = hashlib.sha256()
        for item in sorted(self.new, key=lambda i: i.key):
            digest.update(f"N{item.key}{item.value}{item.code}{item.first_attempt_basis}\n".encode())
        for change in sorted(self.changed, key=lambda c: c.incoming.key):
            i = change.incoming
            digest.update(
                f"C{change.mark_id}{change.old_value}{change.old_code}{change.old_flag}"
                f"{i.value}{i.code}{i.first_attempt_basis}\n".encode()
            )
        return digest.hexdigest()

    def summary(self, *, changes_shown: int = 200) -> dict[str, object]:
        """What the preview page shows: counts, the first changes old -> new, the fingerprint."""
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "errors": len(self.errors),
            "fingerprint": self.fingerprint,
            "changes": [
                {
                    "line": c.incoming.line,
                    "what": self.labels.get(c.incoming.key, ""),
                    "old": c.old_code or _text(c.old_value),
                    "new": c.incoming.code or _text(c.incoming.value),
                }
                for c in sorted(self.changed, key=lambda c: c.incoming.line)[:changes_shown]
            ],
        }


def _text(value: Decimal | None) -> str:
    if value is None:
        return ""
    normal = value.normalize()
    return f"{normal:f}"


PROGRESS_EVERY = 10_000


def plan_marks(table: Table, school: School, progress: Callable[[int], None] | None = None) -> MarksPlan:
    plan = MarksPlan()
    rows = []
    sessions: set[str] = set()
    for index, (line, row) in enumerate(table.rows, start=1):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index)
        parsed = _parse_row(line, row, plan.errors)
        if parsed is not None:
            rows.append(parsed)
            sessions.add(parsed[3])
    modules = dict(Module.objects.filter(school=school).values_list("code", "pk"))
    occurrences = {
        (module_id, session): pk
        for pk, module_id, session in ModuleOccurrence.objects.filter(
            module__school=school, academic_session__in=sessions
        ).values_list("pk", "module_id", "academic_session")
    }
    components: dict[int, dict[str, int]] = defaultdict(dict)
    for pk, occurrence_id, name in Component.objects.filter(
        occurrence_id__in=occurrences.values()
    ).values_list("pk", "occurrence_id", "name"):
        components[occurrence_id][name] = pk
    registrations: dict[tuple[str, int], tuple[int, str]] = {
        (student_id, occurrence_id): (pk, grade)
        for pk, occurrence_id, student_id, grade in Registration.objects.filter(
            occurrence_id__in=occurrences.values()
        ).values_list("pk", "occurrence_id", "enrolment__student__student_id", "grade")
    }
    existing: dict[Key, tuple[int, Decimal | None, str, bool]] = {
        (registration_id, component_id, attempt): (pk, value, code, flag)
        for pk, registration_id, component_id, attempt, value, code, flag in Mark.objects.filter(
            registration__occurrence_id__in=occurrences.values()
        ).values_list(
            "pk",
            "registration_id",
            "component_id",
            "attempt",
            "value",
            "code",
            "reassessment_as_first_attempt",
        )
    }
    registered_students = {student for student, _ in registrations}
    unregistered = {row[0] for row in rows} - registered_students
    known_students = set(
        Student.objects.filter(student_id__in=unregistered).values_list("student_id", flat=True)
    )
    known_students |= registered_students

    seen: dict[Key, int] = {}
    attempts: dict[int, set[int]] = defaultdict(set)
    for registration_id, _, attempt in existing:
        attempts[registration_id].add(attempt)
    accepted: list[Incoming] = []
    for student, module_code, component, session, attempt, value, code, flag, line in rows:
        module_id = modules.get(module_code)
        if module_id is None:
            plan.errors.append(
                RowError(line, "module_code", f"unknown module {module_code!r} in {school.name}")
            )
            continue
        occurrence_id = occurrences.get((module_id, session))
        if occurrence_id is None:
            plan.errors.append(
                RowError(line, "academic_session", f"module {module_code} has no occurrence in {session}")
            )
            continue
        component_id = components[occurrence_id].get(component)
        if component_id is None:
            names = ", ".join(sorted(components[occurrence_id])) or "none"
            plan.errors.append(
                RowError(
                    line,
                    "component",
                    f"unknown component {component!r} of {module_code} {session} (components: {names})",
                )
            )
            continue
        registration = registrations.get((student, occurrence_id))
        if registration is None:
            if student in known_students:
                message = f"student {student} is not registered on {module_code} in {session}"
            else:
                message = f"unknown student {student!r}"
            plan.errors.append(RowError(line, "student_id", message))
            continue
        registration_id, grade = registration
        if grade:
            plan.errors.append(
                RowError(
                    line, "mark", f"{module_code} is graded {grade} for student {student}: it takes no marks"
                )
            )
            continue
        key = (registration_id, component_id, attempt)
        if key in seen:
            plan.errors.append(
                RowError(
                    line,
                    "attempt",
                    f"duplicate row: {student} {module_code} {component} attempt {attempt} "
                    f"is also on row {seen[key]}",
                )
            )
            continue
        seen[key] = line
        attempts[registration_id].add(attempt)
        plan.labels[key] = f"{student} {module_code} {session} {component} attempt {attempt}"
        accepted.append(Incoming(line, key, value, code, flag))

    for item in accepted:
        registration_id, _, attempt = item.key
        if attempt > 1 and attempt - 1 not in attempts[registration_id]:
            where = plan.labels[item.key].rsplit(" attempt", 1)[0]
            plan.errors.append(
                RowError(item.line, "attempt", f"attempt {attempt} without attempt {attempt - 1} for {where}")
            )
            continue
        old = existing.get(item.key)
        if old is None:
            plan.new.append(item)
        elif (old[1], old[2], old[3]) == (item.value, item.code, item.first_attempt_basis):
            plan.unchanged += 1
        else:
            plan.changed.append(Change(item, old[0], old[1], old[2], old[3]))
    plan.errors.sort(key=lambda error: error.line)
    return plan


ParsedRow = tuple[str, str, str, str, int, Decimal | None, str, bool, int]
"""student id, module code, component, session, attempt, value, code, first-attempt basis, line"""


def _parse_row(line: int, row: dict[str, str], errors: list[RowError]) -> ParsedRow | None:
    try:
        student = cells.text(row.get("student_id", ""), what="the student id")
    except cells.CellError as error:
        errors.append(RowError(line, "student_id", str(error)))
        return None
    parsed: dict[str, object] = {}
    for column, parse in (
        ("module_code", lambda t: cells.text(t, what="the module code")),
        ("component", lambda t: cells.text(t, what="the component")),
        ("academic_session", cells.session),
        ("attempt", lambda t: cells.whole(t, low=1, high=9, what="an attempt number")),
        ("mark", cells.mark),
        ("reassessment_as_first_attempt", cells.yes_no),
    ):
        try:
            parsed[column] = parse(row.get(column, ""))
        except cells.CellError as error:
            errors.append(RowError(line, column, str(error)))
    if len(parsed) < 6:
        return None
    value, code = parsed["mark"]  # type: ignore[misc]
    return (
        student,
        str(parsed["module_code"]),
        str(parsed["component"]),
        str(parsed["academic_session"]),
        parsed["attempt"],
        value,
        code,
        bool(parsed["reassessment_as_first_attempt"]),
        line,  # type: ignore[return-value]
    )


class StalePreview(Exception):
    """The records changed since the preview: the user must preview again."""


@transaction.atomic
def write_marks(*, table: Table, batch: ImportBatch, user_id: int, expected_fingerprint: str) -> MarksPlan:
    """Write exactly the previewed plan, or nothing: refuses with ``StalePreview`` if it differs."""
    School.objects.select_for_update().get(pk=batch.school_id)
    plan = plan_marks(table, batch.school)
    if plan.errors:
        raise StalePreview(f"the file now has {len(plan.errors)} bad rows: preview it again")
    if plan.fingerprint != expected_fingerprint:
        raise StalePreview("the marks changed since the preview: preview the file again")
    now = timezone.now()
    created = Mark.objects.bulk_create(
        [
            Mark(
                registration_id=i.key[0],
                component_id=i.key[1],
                attempt=i.key[2],
                value=i.value,
                code=i.code,
                reassessment_as_first_attempt=i.first_attempt_basis,
                updated_by_id=user_id,
                import_batch=batch,
                updated_at=now,
            )
            for i in plan.new
        ],
        batch_size=2000,
    )
    updated = [
        Mark(
            pk=c.mark_id,
            value=c.incoming.value,
            code=c.incoming.code,
            reassessment_as_first_attempt=c.incoming.first_attempt_basis,
            updated_by_id=user_id,
            import_batch=batch,
            updated_at=now,
        )
        for c in plan.changed
    ]
    Mark.objects.bulk_update(
        updated,
        ["value", "code", "reassessment_as_first_attempt", "updated_by", "import_batch", "updated_at"],
        batch_size=1000,
    )
    history = [
        MarkChange(
            mark_id=mark.pk,
            new_value=mark.value,
            new_code=mark.code,
            changed_by_id=user_id,
            import_batch=batch,
            changed_at=now,
        )
        for mark in created
    ]
    history += [
        MarkChange(
            mark_id=c.mark_id,
            old_value=c.old_value,
            old_code=c.old_code,
            new_value=c.incoming.value,
            new_code=c.incoming.code,
            changed_by_id=user_id,
            import_batch=batch,
            changed_at=now,
        )
        for c in plan.changed
    ]
    MarkChange.objects.bulk_create(history, batch_size=2000)
    return plan
