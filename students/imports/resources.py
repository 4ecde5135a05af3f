"""django-import-export resources for the marks upload: its columns, their widgets, the plain per-row path.

``MarkResource`` declares exactly the columns of ``columns.MARKS``. Each cell goes through the same parser
as the import service (``students.imports.cells``), so a mark, an attempt or a yes/no means the same here
and says the same when it is wrong. ``import_data`` works the way django-import-export always does: one row
at a time, each in its own savepoint, with a few queries per row (find the registration and component,
find the mark, save it, and for a changed mark a history row). The app's uploads go through the service
instead (``jobs.start``/``preview``/``confirm``: set-based, previewed, all or nothing); this is the plain
per-row path ``bench/import_marks.py`` measures it against.

A row that cannot be written is an import-export validation error (``result.invalid_rows``, numbered from
the first data row, keyed by column), so the other rows still go in unless the caller asks for
``rollback_on_validation_errors=True``. Rows are taken in file order: an attempt 2 needs its attempt 1
already in the database or on an earlier row.

``export`` gives the same columns for a queryset of marks, in the text an upload would hold.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import QuerySet
from import_export import fields, resources, results, widgets

from students.models import Component, Mark, MarkChange, Module, ModuleOccurrence, School, Student

from . import cells, columns

Key = tuple[int, int, int]
"""(registration id, component id, attempt)"""
FLAG = "reassessment_as_first_attempt"
IDENTITY = ("student_id", "module_code", "academic_session", "component", "attempt")


def _as_text(value: object) -> str:
    """A dataset cell as the text the parsers read: a CSV gives text already; a workbook may give numbers."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return format(value, ".15g")
    return str(value)


def _mark_text(value: Decimal | str | None) -> str:
    """A stored mark as a person writes it: ``62.5`` for ``62.5000``, ``100`` for ``100.0000``; or a code."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return f"{value.normalize():f}"
    return value


class CellWidget(widgets.Widget):
    """A column read by one of the service's cell parsers; ``cells.CellError`` is a ``ValueError``, which
    import-export reports as a validation error of the row."""

    def __init__(self, parse: Callable[[str], Any], render: Callable[[Any], str] = str) -> None:
        super().__init__(coerce_to_string=True)
        self.parse = parse
        self.to_text = render

    def clean(self, value: Any, row: Any = None, **kwargs: Any) -> Any:
        return self.parse(_as_text(value))

    def render(self, value: Any, obj: Any = None, **kwargs: Any) -> str:
        return "" if value is None else self.to_text(value)


class MarkField(fields.Field):
    """The ``mark`` column: a number 0-100 (``Mark.value``) or a result code (``Mark.code``), never both."""

    def __init__(self) -> None:
        super().__init__(attribute="mark", column_name="mark", widget=CellWidget(cells.mark, _mark_text))

    def get_value(self, instance: Mark) -> Decimal | str | None:
        return instance.code or instance.value

    def save(self, instance: Mark, row: Any, is_m2m: bool = False, **kwargs: Any) -> None:
        instance.value, instance.code = self.clean(row, **kwargs)


class MarkRowResult(results.RowResult):
    """A row's result without ``str(mark)``, which would fetch five related records a row; the resource
    names the mark by the row's own columns instead (``MarkResource.after_import_row``)."""

    def add_instance_info(self, instance: Mark) -> None:
        self.object_id = instance.pk


def _text(what: str) -> CellWidget:
    return CellWidget(lambda text: cells.text(text, what=what))


def _related(path: str, widget: CellWidget, column: str) -> fields.Field:
    """A column that names a related record: exported through ``path``, resolved on import as a whole row
    (``MarkResource.before_import_row``), never assigned field by field."""
    return fields.Field(attribute=path, column_name=column, widget=widget, readonly=True)


class MarkResource(resources.ModelResource):
    """One mark per row: created with its provenance (who, when), updated with a history row keeping the
    value it replaced and that value's provenance, or skipped when unchanged, as ``write_marks`` does.

    ``MarkResource(school=...)`` limits the modules (and an export) to one school; ``import_data(...,
    user=user)`` records who wrote the marks, as the admin's import does.
    """

    student_id = _related(
        "registration__enrolment__student__student_id", _text("the student id"), "student_id"
    )
    module_code = _related("component__occurrence__module__code", _text("the module code"), "module_code")
    academic_session = _related(
        "component__occurrence__academic_session", CellWidget(cells.session), "academic_session"
    )
    component = _related("component__name", _text("the component"), "component")
    attempt = fields.Field(
        attribute="attempt",
        column_name="attempt",
        widget=CellWidget(lambda text: cells.whole(text, low=1, high=9, what="an attempt number")),
    )
    mark = MarkField()
    reassessment_as_first_attempt = fields.Field(
        attribute=FLAG,
        column_name=FLAG,
        widget=CellWidget(cells.yes_no, lambda flag: "yes" if flag else "no"),
    )

    class Meta:
        model = Mark
        fields = tuple(column.name for column in columns.MARKS)
        import_id_fields = IDENTITY
        # ``after_init_instance`` keeps each mark as stored (its history row needs it), so import-export's
        # copy for the admin's HTML diff is not made.
        skip_diff = True
        skip_unchanged = True

    def __init__(self, *, school: School | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.school = school
        self._seen: dict[Key, int] = {}
        self._key: Key = (0, 0, 0)
        self._label = ""
        self._old: Mark | None = None

    @classmethod
    def get_row_result_class(cls) -> type[MarkRowResult]:
        return MarkRowResult

    def get_queryset(self) -> QuerySet[Mark]:
        marks = Mark.objects.all()
        if self.school is not None:
            marks = marks.filter(component__occurrence__module__school=self.school)
        return marks

    def filter_export(self, queryset: QuerySet[Mark], **kwargs: Any) -> QuerySet[Mark]:
        return queryset.select_related("registration__enrolment__student", "component__occurrence__module")

    def before_import(self, dataset: Any, **kwargs: Any) -> None:
        self._seen = {}

    def before_import_row(self, row: dict[str, Any], **kwargs: Any) -> None:
        """Read every cell, then find the registration and component the row names (one query)."""
        row.setdefault(FLAG, "")
        values: dict[str, Any] = {}
        errors: dict[str, str] = {}
        for name, field in self.fields.items():
            try:
                values[name] = field.clean(row)
            except ValueError as error:
                errors[name] = str(error)
        if errors:
            raise ValidationError(errors)
        student, module, session, name, attempt = (values[column] for column in IDENTITY)
        components = Component.objects.filter(
            name=name,
            occurrence__academic_session=session,
            occurrence__module__code=module,
            occurrence__registrations__enrolment__student__student_id=student,
        )
        if self.school is not None:
            components = components.filter(occurrence__module__school=self.school)
        found = components.values_list("pk", "occurrence__registrations", "occurrence__registrations__grade")
        match = next(iter(found.order_by("occurrence__registrations")[:1]), None)
        if match is None:
            raise ValidationError(self._unresolved(student, module, session, name))
        component_id, registration_id, grade = match
        where = f"{student} {module} {session} {name}"
        if grade:
            raise ValidationError(
                {"mark": f"{module} is graded {grade} for student {student}: it takes no marks"}
            )
        key = (registration_id, component_id, attempt)
        number = kwargs.get("row_number", 0)
        if key in self._seen:
            raise ValidationError(
                {"attempt": f"duplicate row: {where} attempt {attempt} is also on row {self._seen[key]}"}
            )
        if (
            attempt > 1
            and not Mark.objects.filter(registration_id=registration_id, attempt=attempt - 1).exists()
        ):
            raise ValidationError({"attempt": f"attempt {attempt} without attempt {attempt - 1} for {where}"})
        self._seen[key] = number
        self._key = key
        self._label = f"{where} attempt {attempt}"

    def _unresolved(self, student: str, module: str, session: str, name: str) -> dict[str, str]:
        """Why a row names no registered component: the first of module, session, component, student."""
        modules = Module.objects.filter(code=module)
        if self.school is not None:
            modules = modules.filter(school=self.school)
        if not modules.exists():
            where = f" in {self.school.name}" if self.school is not None else ""
            return {"module_code": f"unknown module {module!r}{where}"}
        occurrence = ModuleOccurrence.objects.filter(module__in=modules, academic_session=session).first()
        if occurrence is None:
            return {"academic_session": f"module {module} has no occurrence in {session}"}
        names = sorted(occurrence.components.values_list("name", flat=True))
        if name not in names:
            known = ", ".join(names) or "none"
            return {"component": f"unknown component {name!r} of {module} {session} (components: {known})"}
        if Student.objects.filter(student_id=student).exists():
            return {"student_id": f"student {student} is not registered on {module} in {session}"}
        return {"student_id": f"unknown student {student!r}"}

    def after_import_row(self, row: dict[str, Any], row_result: Any, **kwargs: Any) -> None:
        if row_result.object_id is not None:
            row_result.object_repr = self._label

    def get_instance(self, instance_loader: Any, row: dict[str, Any]) -> Mark | None:
        registration_id, component_id, attempt = self._key
        try:
            return Mark.objects.get(
                registration_id=registration_id, component_id=component_id, attempt=attempt
            )
        except Mark.DoesNotExist:
            return None

    def init_instance(self, row: dict[str, Any] | None = None) -> Mark:
        registration_id, component_id, attempt = self._key
        return Mark(registration_id=registration_id, component_id=component_id, attempt=attempt)

    def after_init_instance(self, instance: Mark, new: bool, row: dict[str, Any], **kwargs: Any) -> None:
        """Keep the mark as stored: its history row needs the old value and who set it, when and how."""
        self._old = None if new else copy.copy(instance)

    def skip_row(
        self, instance: Mark, original: Mark | None, row: dict[str, Any], import_validation_errors: Any = None
    ) -> bool:
        if import_validation_errors or self._old is None:
            return False
        return _state(self._old) == _state(instance)

    def before_save_instance(self, instance: Mark, row: dict[str, Any], **kwargs: Any) -> None:
        instance.updated_by_id = getattr(kwargs.get("user"), "pk", None)
        instance.import_batch = None

    def after_save_instance(self, instance: Mark, row: dict[str, Any], **kwargs: Any) -> None:
        """A changed mark keeps what it replaced; a new one carries its own provenance and needs no row."""
        old = self._old
        if old is None or (self._is_dry_run(kwargs) and not self._is_using_transactions(kwargs)):
            return
        MarkChange.objects.create(
            mark=instance,
            old_value=old.value,
            old_code=old.code,
            old_set_at=old.updated_at,
            old_set_by_id=old.updated_by_id,
            old_import_batch_id=old.import_batch_id,
            new_value=instance.value,
            new_code=instance.code,
            changed_by_id=instance.updated_by_id,
        )


def _state(mark: Mark) -> tuple[Decimal | None, str, bool]:
    return mark.value, mark.code, mark.reassessment_as_first_attempt
