"""Mark imports: every bad row explained, a preview of the difference, all-or-nothing writes with history."""

from __future__ import annotations

from decimal import Decimal

import pytest

from students.imports.files import Table
from students.imports.marks import StalePreview, plan_marks, write_marks
from students.models import ImportBatch, Mark, MarkChange

from .conftest import World

HEADERS = [
    "student_id",
    "module_code",
    "academic_session",
    "component",
    "attempt",
    "mark",
    "reassessment_as_first_attempt",
]


def table(*rows: tuple[str, ...]) -> Table:
    return Table(
        headers=HEADERS, rows=[(n, dict(zip(HEADERS, row, strict=False))) for n, row in enumerate(rows, 2)]
    )


def good_rows() -> list[tuple[str, ...]]:
    return [
        ("S1", "HIST1001", "2024/25", "exam", "1", "35", ""),
        ("S1", "HIST1001", "2024/25", "coursework", "1", "62.5", ""),
        ("S1", "HIST1001", "2024/25", "exam", "2", "52", "no"),
        ("S2", "HIST1001", "2024/25", "exam", "1", "ABS", ""),
        ("S2", "HIST1001", "2024/25", "coursework", "1", "58", ""),
        ("S1", "HIST1002", "2024/25", "module", "1", "71", ""),
    ]


def batch(world: World) -> ImportBatch:
    return ImportBatch.objects.create(
        school=world.school, kind="marks", uploaded_by=world.user, file_name="marks.csv", file_sha256="0" * 64
    )


@pytest.mark.django_db
def test_every_bad_row_is_explained_with_its_line_and_column(world: World) -> None:
    plan = plan_marks(
        table(
            ("S1", "HIST1001", "2024/25", "exam", "1", "abc", ""),
            ("S1", "HIST9999", "2024/25", "exam", "1", "50", ""),
            ("S1", "HIST1001", "2023/24", "exam", "1", "50", ""),
            ("S1", "HIST1001", "2024/25", "essay", "1", "50", ""),
            ("NOBODY", "HIST1001", "2024/25", "exam", "1", "50", ""),
            ("S9", "HIST1001", "2024/25", "exam", "1", "50", ""),
            ("S3", "HIST1002", "2024/25", "module", "1", "50", ""),
            ("S2", "HIST1001", "2024/25", "exam", "1", "50", ""),
            ("S2", "HIST1001", "2024/25", "exam", "1", "51", ""),
            ("S2", "HIST1002", "2024/25", "module", "2", "45", ""),
            ("S1", "HIST1001", "2024/25", "exam", "1", "101", ""),
            ("S1", "HIST1001", "2024/25", "exam", "x", "40", "maybe"),
        ),
        world.school,
    )
    assert [str(error) for error in plan.errors] == [
        "row 2, column mark: 'abc' is not a mark between 0 and 100 or a result code (ABS, NS, DEF)",
        "row 3, column module_code: unknown module 'HIST9999' in School of History",
        "row 4, column academic_session: module HIST1001 has no occurrence in 2023/24",
        "row 5, column component: unknown component 'essay' of HIST1001 2024/25 "
        "(components: coursework, exam)",
        "row 6, column student_id: unknown student 'NOBODY'",
        "row 7, column student_id: unknown student 'S9'",
        "row 8, column student_id: student S3 is not registered on HIST1002 in 2024/25",
        "row 10, column attempt: duplicate row: S2 HIST1001 exam attempt 1 is also on row 9",
        "row 11, column attempt: attempt 2 without attempt 1 for S2 HIST1002 2024/25 module",
        "row 12, column mark: '101' is not a mark between 0 and 100 or a result code (ABS, NS, DEF)",
        "row 13, column attempt: 'x' is not an attempt number",
        "row 13, column reassessment_as_first_attempt: 'maybe' is not yes or no",
    ]


@pytest.mark.django_db
def test_preview_counts_then_confirm_writes_exactly_that_with_history(world: World) -> None:
    plan = plan_marks(table(*good_rows()), world.school)
    assert (len(plan.new), len(plan.changed), plan.unchanged, plan.errors) == (6, 0, 0, [])
    written = write_marks(plan=plan, batch=batch(world), user_id=world.user.pk)
    assert len(written.new) == 6
    s1_exam = Mark.objects.get(
        registration=world.registrations[("S1", "HIST1001")], component__name="exam", attempt=1
    )
    assert (s1_exam.value, s1_exam.code) == (Decimal("35"), "")
    assert (
        Mark.objects.get(registration=world.registrations[("S2", "HIST1001")], component__name="exam").code
        == "ABS"
    )
    assert MarkChange.objects.count() == 0
    assert set(Mark.objects.values_list("import_batch__file_name", "updated_by__username")) == {
        ("marks.csv", world.user.username)
    }


@pytest.mark.django_db
def test_the_same_file_twice_changes_nothing_the_second_time(world: World) -> None:
    first = plan_marks(table(*good_rows()), world.school)
    write_marks(plan=first, batch=batch(world), user_id=world.user.pk)
    again = plan_marks(table(*good_rows()), world.school)
    assert (len(again.new), len(again.changed), again.unchanged) == (0, 0, 6)
    write_marks(plan=again, batch=batch(world), user_id=world.user.pk)
    assert (Mark.objects.count(), MarkChange.objects.count()) == (6, 0)


@pytest.mark.django_db
def test_a_changed_mark_keeps_its_previous_value(world: World) -> None:
    first = plan_marks(table(*good_rows()), world.school)
    first_batch = batch(world)
    write_marks(plan=first, batch=first_batch, user_id=world.user.pk)
    rows = good_rows()
    rows[0] = ("S1", "HIST1001", "2024/25", "exam", "1", "38", "")
    plan = plan_marks(table(*rows), world.school)
    assert plan.summary()["changes"] == [
        {"line": 2, "what": "S1 HIST1001 2024/25 exam attempt 1", "old": "35", "new": "38"}
    ]
    second = batch(world)
    write_marks(plan=plan, batch=second, user_id=world.user.pk)
    history = MarkChange.objects.filter(import_batch=second).get()
    assert (history.old_value, history.new_value) == (Decimal("35"), Decimal("38"))
    assert (history.old_import_batch_id, history.old_set_by_id) == (first_batch.pk, world.user.pk)
    assert Mark.objects.get(pk=history.mark_id).import_batch_id == second.pk


@pytest.mark.django_db
def test_confirm_refuses_when_the_marks_changed_since_the_preview(world: World) -> None:
    plan = plan_marks(table(*good_rows()), world.school)
    Mark.objects.create(
        registration=world.registrations[("S1", "HIST1002")],
        component=world.components[("HIST1002", "module")],
        attempt=1,
        value=Decimal(40),
    )
    with pytest.raises(StalePreview, match="the marks changed since the preview: preview the file again"):
        write_marks(plan=plan, batch=batch(world), user_id=world.user.pk)
    assert Mark.objects.count() == 1
    assert MarkChange.objects.count() == 0


@pytest.mark.django_db
def test_a_file_with_a_bad_row_writes_nothing(world: World) -> None:
    rows = [*good_rows(), ("S1", "HIST1001", "2024/25", "exam", "3", "oops", "")]
    plan = plan_marks(table(*rows), world.school)
    assert len(plan.errors) == 1
    with pytest.raises(StalePreview):
        write_marks(plan=plan, batch=batch(world), user_id=world.user.pk)
    assert Mark.objects.count() == 0
