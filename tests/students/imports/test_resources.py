"""django-import-export's MarkResource: the upload's columns and widgets, one mark per row, and its export."""

from __future__ import annotations

from decimal import Decimal

import pytest
import tablib

from students.imports import columns
from students.imports.resources import MarkResource
from students.models import Mark, MarkChange, School

from .conftest import World

HEADERS = [column.name for column in columns.MARKS]


def dataset(*rows: tuple[object, ...], headers: list[str] = HEADERS) -> tablib.Dataset:
    return tablib.Dataset(*rows, headers=headers)


def good_rows() -> list[tuple[object, ...]]:
    return [
        ("S1", "HIST1001", "2024/25", "exam", "1", "35", ""),
        ("S1", "HIST1001", "2024/25", "coursework", "1", "62.5", ""),
        ("S1", "HIST1001", "2024/25", "exam", "2", "52", "no"),
        ("S2", "HIST1001", "2024/25", "exam", "1", "abs", ""),
        ("S2", "HIST1001", "2024/25", "coursework", "1", "58", "yes"),
        ("S1", "HIST1002", "2024/25", "module", "1", "71", ""),
    ]


def stored() -> list[tuple[str, str, str, int, Decimal | None, str, bool]]:
    return sorted(
        Mark.objects.values_list(
            "registration__enrolment__student__student_id",
            "component__occurrence__module__code",
            "component__name",
            "attempt",
            "value",
            "code",
            "reassessment_as_first_attempt",
        )
    )


@pytest.mark.django_db
def test_importing_a_dataset_creates_one_mark_per_row_with_who_set_it(world: World) -> None:
    result = MarkResource().import_data(dataset(*good_rows()), dry_run=False, user=world.user)

    assert (result.has_errors(), result.has_validation_errors()) == (False, False)
    assert dict(result.totals) == {"new": 6, "update": 0, "delete": 0, "skip": 0, "error": 0, "invalid": 0}
    assert stored() == [
        ("S1", "HIST1001", "coursework", 1, Decimal("62.5"), "", False),
        ("S1", "HIST1001", "exam", 1, Decimal("35"), "", False),
        ("S1", "HIST1001", "exam", 2, Decimal("52"), "", False),
        ("S1", "HIST1002", "module", 1, Decimal("71"), "", False),
        ("S2", "HIST1001", "coursework", 1, Decimal("58"), "", True),
        ("S2", "HIST1001", "exam", 1, None, "ABS", False),
    ]
    assert Mark.objects.filter(updated_by=world.user, import_batch=None).count() == 6
    assert [row.object_repr for row in result.rows] == [
        "S1 HIST1001 2024/25 exam attempt 1",
        "S1 HIST1001 2024/25 coursework attempt 1",
        "S1 HIST1001 2024/25 exam attempt 2",
        "S2 HIST1001 2024/25 exam attempt 1",
        "S2 HIST1001 2024/25 coursework attempt 1",
        "S1 HIST1002 2024/25 module attempt 1",
    ]
    assert MarkChange.objects.count() == 0


@pytest.mark.django_db
def test_a_dry_run_writes_nothing(world: World) -> None:
    result = MarkResource().import_data(dataset(*good_rows()), dry_run=True)

    assert result.totals["new"] == 6
    assert (Mark.objects.count(), MarkChange.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_workbook_cells_that_are_numbers_read_as_the_text_excel_shows(world: World) -> None:
    rows = [("S1", "HIST1001", "2024/25", "exam", 1.0, 62.5), ("S1", "HIST1002", "2024/25", "module", 1, 58)]

    result = MarkResource().import_data(dataset(*rows, headers=HEADERS[:6]), dry_run=False)

    assert result.totals["new"] == 2
    assert sorted(Mark.objects.values_list("value", "reassessment_as_first_attempt")) == [
        (Decimal("58"), False),
        (Decimal("62.5"), False),
    ]


@pytest.mark.django_db
def test_a_second_import_updates_a_changed_mark_with_history_and_skips_the_rest(world: World) -> None:
    MarkResource().import_data(dataset(*good_rows()), dry_run=False, user=world.user)
    first = Mark.objects.get(
        component__name="exam", attempt=1, registration__enrolment__student__student_id="S1"
    )
    rows = good_rows()
    rows[0] = ("S1", "HIST1001", "2024/25", "exam", "1", "38", "")

    result = MarkResource().import_data(dataset(*rows), dry_run=False)

    assert (result.totals["new"], result.totals["update"], result.totals["skip"]) == (0, 1, 5)
    assert stored()[1] == ("S1", "HIST1001", "exam", 1, Decimal("38"), "", False)
    change = MarkChange.objects.get()
    assert (change.mark_id, change.old_value, change.old_code, change.new_value, change.new_code) == (
        first.pk,
        Decimal("35"),
        "",
        Decimal("38"),
        "",
    )
    assert (change.old_set_at, change.old_set_by, change.old_import_batch, change.changed_by) == (
        first.updated_at,
        world.user,
        None,
        None,
    )


@pytest.mark.django_db
def test_bad_rows_are_reported_with_their_row_number_and_column(world: World) -> None:
    rows = [
        ("S1", "HIST1001", "2024/25", "exam", "1", "35", ""),
        ("S1", "HIST1001", "2024/25", "coursework", "1", "abc", "maybe"),
        ("S1", "HIST9999", "2024/25", "exam", "1", "50", ""),
        ("S1", "HIST1001", "2023/24", "exam", "1", "50", ""),
        ("S1", "HIST1001", "2024/25", "essay", "1", "50", ""),
        ("NOBODY", "HIST1001", "2024/25", "exam", "1", "50", ""),
        ("S9", "HIST1001", "2024/25", "exam", "1", "50", ""),
        ("S1", "HIST1001", "2024/25", "exam", "1", "36", ""),
        ("S1", "HIST1002", "2024/25", "module", "1", "45", ""),
        ("S2", "HIST1001", "2024/25", "exam", "2", "45", ""),
        ("S2", "HIST1001", "2024/25", "exam", "x", "101", ""),
    ]
    graded = world.registrations[("S1", "HIST1002")]
    graded.grade = "P"
    graded.save(update_fields=["grade"])

    result = MarkResource().import_data(dataset(*rows), dry_run=False)

    assert (result.has_errors(), result.has_validation_errors()) == (False, True)
    assert [(row.number, row.error_dict) for row in result.invalid_rows] == [
        (
            2,
            {
                "mark": ["'abc' is not a mark between 0 and 100 or a result code (ABS, NS, DEF)"],
                "reassessment_as_first_attempt": ["'maybe' is not yes or no"],
            },
        ),
        (3, {"module_code": ["unknown module 'HIST9999'"]}),
        (4, {"academic_session": ["module HIST1001 has no occurrence in 2023/24"]}),
        (5, {"component": ["unknown component 'essay' of HIST1001 2024/25 (components: coursework, exam)"]}),
        (6, {"student_id": ["unknown student 'NOBODY'"]}),
        (7, {"student_id": ["student S9 is not registered on HIST1001 in 2024/25"]}),
        (8, {"attempt": ["duplicate row: S1 HIST1001 2024/25 exam attempt 1 is also on row 1"]}),
        (9, {"mark": ["HIST1002 is graded P for student S1: it takes no marks"]}),
        (10, {"attempt": ["attempt 2 without attempt 1 for S2 HIST1001 2024/25 exam"]}),
        (
            11,
            {
                "attempt": ["'x' is not an attempt number"],
                "mark": ["'101' is not a mark between 0 and 100 or a result code (ABS, NS, DEF)"],
            },
        ),
    ]
    assert stored() == [("S1", "HIST1001", "exam", 1, Decimal("35"), "", False)]


@pytest.mark.django_db
def test_rollback_on_validation_errors_writes_nothing_when_a_row_is_bad(world: World) -> None:
    rows = [*good_rows(), ("S1", "HIST1001", "2024/25", "exam", "3", "oops", "")]

    result = MarkResource().import_data(dataset(*rows), dry_run=False, rollback_on_validation_errors=True)

    assert [row.number for row in result.invalid_rows] == [7]
    assert (Mark.objects.count(), MarkChange.objects.count()) == (0, 0)


@pytest.mark.django_db
def test_a_school_sees_only_its_own_modules(world: World) -> None:
    other = School.objects.create(code="ENG", name="School of English")

    result = MarkResource(school=other).import_data(dataset(*good_rows()[:1]), dry_run=False)

    assert [(row.number, row.error_dict) for row in result.invalid_rows] == [
        (1, {"module_code": ["unknown module 'HIST1001' in School of English"]})
    ]
    assert MarkResource(school=world.school).import_data(dataset(*good_rows()[:1])).totals["new"] == 1


@pytest.mark.django_db
def test_export_gives_the_upload_columns_in_order_as_an_upload_writes_them(world: World) -> None:
    MarkResource().import_data(dataset(*good_rows()), dry_run=False)

    exported = MarkResource(school=world.school).export()

    assert exported.headers == HEADERS
    assert [list(row) for row in exported] == [
        ["S1", "HIST1001", "2024/25", "exam", "1", "35", "no"],
        ["S1", "HIST1001", "2024/25", "coursework", "1", "62.5", "no"],
        ["S1", "HIST1001", "2024/25", "exam", "2", "52", "no"],
        ["S1", "HIST1002", "2024/25", "module", "1", "71", "no"],
        ["S2", "HIST1001", "2024/25", "exam", "1", "ABS", "no"],
        ["S2", "HIST1001", "2024/25", "coursework", "1", "58", "yes"],
    ]
    assert len(MarkResource(school=School.objects.create(code="ENG", name="English")).export()) == 0


@pytest.mark.django_db
def test_an_exported_file_imports_back_unchanged(world: World) -> None:
    MarkResource().import_data(dataset(*good_rows()), dry_run=False)
    exported = MarkResource().export(Mark.objects.filter(attempt=1))

    result = MarkResource().import_data(tablib.Dataset().load(exported.csv, format="csv"), dry_run=False)

    assert dict(result.totals) == {"new": 0, "update": 0, "delete": 0, "skip": 5, "error": 0, "invalid": 0}
    assert MarkChange.objects.count() == 0
