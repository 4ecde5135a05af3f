"""Mark imports: validate a whole file set-based, preview the difference, then write it all or nothing.

``plan_marks`` reads every row against the school's records in a constant
number of queries (no query per row) and returns what the file would change:
new, changed and unchanged marks, every bad row with its line, column and
reason, and a hash of the existing marks it compared with. The plan is kept with
the import; ``write_marks`` re-reads those marks under a lock on the school,
refuses when they changed since the preview, and writes exactly the plan in
bulk (COPY on PostgreSQL). A new mark carries who set it, when and through which
import; a changed mark gets a history row, built in SQL, keeping the value it
replaced with that value's own provenance. The same file twice changes nothing.
"""

from __future__ import annotations

import hashlib
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import IntegrityError, connection, transaction
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
from students.models import ResultCode as Code

from . import cells
from .files import Table

CODES = frozenset(Code.values)
FLAGS = {**dict.fromkeys(cells.YES, True), **dict.fromkeys(cells.NO, False)}
PROGRESS_EVERY = 2_000
CHANGES_SHOWN = 200

New = tuple[int, int, int, Decimal | None, str, bool]
"""registration id, component id, attempt, value, code, first-attempt basis"""
Changed = tuple[int, Decimal | None, str, bool, Decimal | None, str, bool]
"""mark id, new value, new code, new flag, old value, old code, old flag"""


@dataclass(frozen=True, slots=True)
class RowError:
    line: int
    column: str
    message: str

    def __str__(self) -> str:
        return f"row {self.line}, column {self.column}: {self.message}"


class StalePreview(Exception):
    """The records changed since the preview (or the file has errors): the user must preview again."""


@dataclass(slots=True)
class MarksPlan:
    new: list[New] = field(default_factory=list)
    changed: list[Changed] = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    occurrence_ids: list[int] = field(default_factory=list)
    state: str = ""
    shown_changes: list[dict[str, object]] = field(default_factory=list)
    dumped: bytes | None = None

    def dump(self) -> bytes:
        """The plan as kept with the import, in the text form confirm reads back (made once)."""
        if self.dumped is None:
            self.dumped = self._dump()
        return self.dumped

    def _dump(self) -> bytes:
        lines = [f"S\t{self.state}", "O\t" + ",".join(map(str, self.occurrence_ids))]
        lines += [f"N\t{r}\t{c}\t{a}\t{_t(v)}\t{code}\t{int(f)}" for r, c, a, v, code, f in self.new]
        lines += [
            f"C\t{m}\t{_t(v)}\t{code}\t{int(f)}\t{_t(ov)}\t{oc}\t{int(of)}"
            for m, v, code, f, ov, oc, of in self.changed
        ]
        return ("\n".join(lines) + "\n").encode()

    @classmethod
    def load(cls, data: bytes) -> MarksPlan:
        plan = cls()
        for line in data.decode().splitlines():
            kind, _, rest = line.partition("\t")
            parts = rest.split("\t")
            if kind == "S":
                plan.state = rest
            elif kind == "O":
                plan.occurrence_ids = [int(x) for x in rest.split(",") if x]
            elif kind == "N":
                plan.new.append(
                    (int(parts[0]), int(parts[1]), int(parts[2]), _d(parts[3]), parts[4], parts[5] == "1")
                )
            elif kind == "C":
                plan.changed.append(
                    (
                        int(parts[0]),
                        _d(parts[1]),
                        parts[2],
                        parts[3] == "1",
                        _d(parts[4]),
                        parts[5],
                        parts[6] == "1",
                    )
                )
        return plan

    @property
    def fingerprint(self) -> str:
        """A hash of exactly what would be written: the preview page posts it back with confirm."""
        return hashlib.sha256(self.dump()).hexdigest()

    def summary(self) -> dict[str, object]:
        """What the preview page shows: counts, the first changes old -> new, the fingerprint."""
        return {
            "new": len(self.new),
            "changed": len(self.changed),
            "unchanged": self.unchanged,
            "errors": len(self.errors),
            "fingerprint": self.fingerprint,
            "changes": self.shown_changes,
        }


def _t(value: Decimal | None) -> str:
    """58.0000 -> 58, 62.5000 -> 62.5, None -> ''."""
    if value is None:
        return ""
    if value == value.to_integral_value():
        return str(value.to_integral_value())
    return f"{value.normalize():f}"


def _d(text: str) -> Decimal | None:
    return Decimal(text) if text else None


def existing_marks(
    occurrence_ids: list[int],
) -> tuple[dict[tuple[int, int, int], tuple[int, Decimal | None, str, bool]], str]:
    """The marks of these occurrences by (registration, component, attempt), and a hash of them all."""
    marks: dict[tuple[int, int, int], tuple[int, Decimal | None, str, bool]] = {}
    parts: list[str] = []
    rows = (
        Mark.objects.filter(registration__occurrence_id__in=occurrence_ids)
        .order_by("pk")
        .values_list(
            "pk",
            "registration_id",
            "component_id",
            "attempt",
            "value",
            "code",
            "reassessment_as_first_attempt",
        )
    )
    for pk, registration_id, component_id, attempt, value, code, flag in rows.iterator(chunk_size=20_000):
        marks[(registration_id, component_id, attempt)] = (pk, value, code, flag)
        parts.append(f"{pk},{registration_id},{component_id},{attempt},{_t(value)},{code},{int(flag)};")
    return marks, hashlib.sha256("".join(parts).encode()).hexdigest()


def plan_marks(table: Table, school: School, progress: Callable[[int], None] | None = None) -> MarksPlan:
    plan = MarksPlan()
    rows: list[tuple[str, str, str, str, int, Decimal | None, str, bool, int]] = []
    marks: dict[str, tuple[Decimal | None, str]] = {}
    sessions: dict[str, bool] = {}
    for index, (line, row) in enumerate(table.rows, start=1):
        if progress is not None and index % PROGRESS_EVERY == 0:
            progress(index)
        get = row.get
        try:
            student = get("student_id", "").strip()
            module_code = get("module_code", "").strip()
            component = get("component", "").strip()
            session = get("academic_session", "").strip()
            attempt = int(get("attempt", ""))
            mark_text = get("mark", "")
            parsed = marks.get(mark_text)
            if parsed is None:
                parsed = marks[mark_text] = cells.mark(mark_text)
            flag = FLAGS[get("reassessment_as_first_attempt", "").strip().lower()]
            valid_session = sessions.get(session)
            if valid_session is None:
                valid_session = sessions[session] = _is_session(session)
            if not (student and module_code and component and valid_session and 1 <= attempt <= 9):
                raise ValueError
        except (ValueError, KeyError, cells.CellError):
            _explain(line, row, plan.errors)
            continue
        rows.append((student, module_code, component, session, attempt, parsed[0], parsed[1], flag, line))
    _resolve(plan, rows, school)
    plan.errors.sort(key=lambda error: error.line)
    return plan


def _is_session(text: str) -> bool:
    try:
        cells.session(text)
    except cells.CellError:
        return False
    return True


def _resolve(
    plan: MarksPlan,
    rows: list[tuple[str, str, str, str, int, Decimal | None, str, bool, int]],
    school: School,
) -> None:
    sessions = {row[3] for row in rows}
    modules = dict(Module.objects.filter(school=school).values_list("code", "pk"))
    occurrences = {
        (module_id, session): pk
        for pk, module_id, session in ModuleOccurrence.objects.filter(
            module__school=school, academic_session__in=sessions
        ).values_list("pk", "module_id", "academic_session")
    }
    plan.occurrence_ids = sorted(occurrences.values())
    components: dict[int, dict[str, int]] = defaultdict(dict)
    for pk, occurrence, name in Component.objects.filter(occurrence_id__in=plan.occurrence_ids).values_list(
        "pk", "occurrence_id", "name"
    ):
        components[occurrence][name] = pk
    registrations: dict[tuple[str, int], tuple[int, str]] = {
        (student_id, occurrence_id): (pk, grade)
        for pk, occurrence_id, student_id, grade in Registration.objects.filter(
            occurrence_id__in=plan.occurrence_ids
        ).values_list("pk", "occurrence_id", "enrolment__student__student_id", "grade")
    }
    existing, plan.state = existing_marks(plan.occurrence_ids)
    registered = {student for student, _ in registrations}
    # Only the school's own students count as known: another school's student id is "unknown" here.
    known = registered | set(
        Student.objects.filter(
            student_id__in={row[0] for row in rows} - registered,
            enrolments__entry_cohort__programme__school=school,
        ).values_list("student_id", flat=True)
    )
    errors = plan.errors
    seen: dict[tuple[int, int, int], int] = {}
    # Attempt numbers per registration, kept only where the file gives a later attempt (memory: see bench).
    later = {
        (student, module_code, session)
        for student, module_code, _, session, attempt, *_ in rows
        if attempt > 1
    }
    attempts: dict[int, set[int]] = defaultdict(set)
    accepted: list[tuple[tuple[int, int, int], Decimal | None, str, bool, int, int]] = []
    for index, (student, module_code, component, session, attempt, value, code, flag, line) in enumerate(
        rows
    ):
        module_id = modules.get(module_code)
        if module_id is None:
            errors.append(RowError(line, "module_code", f"unknown module {module_code!r} in {school.name}"))
            continue
        occurrence_id = occurrences.get((module_id, session))
        if occurrence_id is None:
            errors.append(
                RowError(line, "academic_session", f"module {module_code} has no occurrence in {session}")
            )
            continue
        component_id = components[occurrence_id].get(component)
        if component_id is None:
            names = ", ".join(sorted(components[occurrence_id])) or "none"
            errors.append(
                RowError(
                    line,
                    "component",
                    f"unknown component {component!r} of {module_code} {session} (components: {names})",
                )
            )
            continue
        registration = registrations.get((student, occurrence_id))
        if registration is None:
            message = (
                f"student {student} is not registered on {module_code} in {session}"
                if student in known
                else f"unknown student {student!r}"
            )
            errors.append(RowError(line, "student_id", message))
            continue
        registration_id, grade = registration
        if grade:
            errors.append(
                RowError(
                    line, "mark", f"{module_code} is graded {grade} for student {student}: it takes no marks"
                )
            )
            continue
        key = (registration_id, component_id, attempt)
        if key in seen:
            errors.append(
                RowError(
                    line,
                    "attempt",
                    f"duplicate row: {student} {module_code} {component} attempt "
                    f"{attempt} is also on row {seen[key]}",
                )
            )
            continue
        seen[key] = line
        if (student, module_code, session) in later:
            attempts[registration_id].add(attempt)
        accepted.append((key, value, code, flag, line, index))
    for registration_id, _, attempt in existing:
        if registration_id in attempts:
            attempts[registration_id].add(attempt)

    def label(index: int) -> str:
        student, module_code, component, session = rows[index][:4]
        return f"{student} {module_code} {session} {component}"

    for key, value, code, flag, line, index in accepted:
        attempt = key[2]
        if attempt > 1 and attempt - 1 not in attempts[key[0]]:
            errors.append(
                RowError(
                    line, "attempt", f"attempt {attempt} without attempt {attempt - 1} for {label(index)}"
                )
            )
            continue
        old = existing.get(key)
        if old is None:
            plan.new.append((*key, value, code, flag))
        elif old[1] == value and old[2] == code and old[3] == flag:
            plan.unchanged += 1
        else:
            plan.changed.append((old[0], value, code, flag, old[1], old[2], old[3]))
            if len(plan.shown_changes) < CHANGES_SHOWN:
                plan.shown_changes.append(
                    {
                        "line": line,
                        "what": f"{label(index)} attempt {attempt}",
                        "old": old[2] or _t(old[1]),
                        "new": code or _t(value),
                    }
                )


def _explain(line: int, row: dict[str, str], errors: list[RowError]) -> None:
    """The slow path for a row the fast one refused: one message per bad cell."""
    before = len(errors)
    for column, parse in (
        ("student_id", lambda t: cells.text(t, what="the student id")),
        ("module_code", lambda t: cells.text(t, what="the module code")),
        ("component", lambda t: cells.text(t, what="the component")),
        ("academic_session", cells.session),
        ("attempt", lambda t: cells.whole(t, low=1, high=9, what="an attempt number")),
        ("mark", cells.mark),
        ("reassessment_as_first_attempt", cells.yes_no),
    ):
        try:
            parse(row.get(column, ""))
        except cells.CellError as error:
            errors.append(RowError(line, column, str(error)))
    if len(errors) == before:
        errors.append(RowError(line, "attempt", f"{row.get('attempt', '')!r} is not an attempt number"))


MARK_COLUMNS = (
    "registration_id",
    "component_id",
    "attempt",
    "value",
    "code",
    "reassessment_as_first_attempt",
    "updated_at",
    "updated_by_id",
    "import_batch_id",
)


@transaction.atomic
def write_marks(*, plan: MarksPlan, batch: ImportBatch, user_id: int) -> MarksPlan:
    """Write exactly ``plan``, or nothing: ``StalePreview`` if the school's marks changed since then."""
    School.objects.select_for_update().get(pk=batch.school_id)
    if plan.errors:
        raise StalePreview(f"the file has {len(plan.errors)} bad rows: correct them and upload it again")
    _, state = existing_marks(plan.occurrence_ids)
    if state != plan.state:
        raise StalePreview("the marks changed since the preview: preview the file again")
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    try:
        with connection.cursor() as cursor:
            _insert(
                cursor,
                Mark._meta.db_table,
                MARK_COLUMNS,
                [(r, c, a, v, code, f, now, user_id, batch.pk) for r, c, a, v, code, f in plan.new],
            )
            if plan.changed:
                _update(cursor, plan, now, user_id, batch.pk)
    except IntegrityError as error:
        raise StalePreview(
            f"the marks changed since the preview ({error}): preview the file again"
        ) from error
    return plan


def _insert(cursor: object, table: str, columns: tuple[str, ...], rows: list[tuple[object, ...]]) -> None:
    if not rows:
        return
    if connection.vendor == "postgresql":
        with cursor.cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:  # type: ignore[attr-defined]
            for row in rows:
                copy.write_row(row)
        return
    placeholders = ", ".join(["%s"] * len(columns))
    for start in range(0, len(rows), 50_000):
        cursor.executemany(  # type: ignore[attr-defined]
            f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})",
            rows[start : start + 50_000],
        )


def _update(cursor: object, plan: MarksPlan, now: object, user_id: int, batch_id: int) -> None:
    """Changed marks through a temporary table: history rows from the old values, then one UPDATE."""
    execute = cursor.execute  # type: ignore[attr-defined]
    mark, history = Mark._meta.db_table, MarkChange._meta.db_table
    execute(
        "CREATE TEMPORARY TABLE quorum_mark_update (mark_id bigint PRIMARY KEY, value numeric(7, 4), "
        "code varchar(3), flag boolean)"
    )
    try:
        _insert(
            cursor,
            "quorum_mark_update",
            ("mark_id", "value", "code", "flag"),
            [(m, v, code, f) for m, v, code, f, _, _, _ in plan.changed],
        )
        execute(
            f"INSERT INTO {history} (mark_id, old_value, old_code, old_set_at, old_set_by_id, "
            f"old_import_batch_id, new_value, new_code, changed_at, changed_by_id, import_batch_id, reason) "
            f"SELECT m.id, m.value, m.code, m.updated_at, m.updated_by_id, m.import_batch_id, "
            f"t.value, t.code, %s, %s, %s, '' "
            f"FROM {mark} m JOIN quorum_mark_update t ON t.mark_id = m.id",
            [now, user_id, batch_id],
        )
        execute(
            f"UPDATE {mark} SET value = t.value, code = t.code, reassessment_as_first_attempt = t.flag, "
            f"updated_at = %s, updated_by_id = %s, import_batch_id = %s FROM quorum_mark_update t "
            f"WHERE {mark}.id = t.mark_id",
            [now, user_id, batch_id],
        )
    finally:
        execute("DROP TABLE quorum_mark_update")
