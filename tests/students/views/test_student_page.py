"""A student's page: enrolments with their facts, and every mark with its whole history."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.test import Client

from students.models import (
    Enrolment,
    EntryCohort,
    ImportBatch,
    Mark,
    MarkChange,
    ModuleOccurrence,
    Registration,
    School,
    Student,
)

from .conftest import make_student
from .pages import visible_text


def record_change(mark: Mark, old: str | None, new: str, at: datetime, **fields: object) -> MarkChange:
    change = MarkChange.objects.create(
        mark=mark,
        old_value=None if old is None else Decimal(old),
        new_value=Decimal(new),
        **fields,
    )
    MarkChange.objects.filter(pk=change.pk).update(changed_at=at)
    return change


@pytest.mark.usefixtures("records")
def test_the_student_page_shows_every_earlier_value_of_a_mark_who_changed_it_and_how(
    client: Client, administrator: User, superuser: User, school: School
) -> None:
    mark = Mark.objects.get(registration__occurrence__module__code="HIST1001", attempt=1)
    first, second = (
        ImportBatch.objects.create(
            school=school, kind="marks", uploaded_by=superuser, file_name=name, file_sha256="0" * 64
        )
        for name in ("first.csv", "second.csv")
    )
    entered = datetime(2025, 3, 3, 14, 2, tzinfo=UTC)
    record_change(
        mark,
        "35",
        "52",
        datetime(2025, 6, 20, 9, 30, tzinfo=UTC),
        changed_by=superuser,
        import_batch=second,
        old_set_by=superuser,
        old_set_at=entered,
        old_import_batch=first,
    )
    record_change(
        mark,
        "52",
        "58",
        datetime(2025, 6, 21, 10, 0, tzinfo=UTC),
        changed_by=administrator,
        reason="Second marker's mark agreed",
        old_set_by=superuser,
        old_set_at=datetime(2025, 6, 20, 9, 30, tzinfo=UTC),
        old_import_batch=second,
    )
    Mark.objects.filter(pk=mark.pk).update(
        value=Decimal("58"), updated_by=administrator, updated_at=datetime(2025, 6, 21, 10, 0, tzinfo=UTC)
    )
    client.force_login(administrator)

    response = client.get("/students/leeds-hons-022/")

    assert response.status_code == 200
    assert (
        "Marks for HIST1001 in 2020/21 Component Attempt Mark History module 1 58 "
        f"35 (set by sam, 3 Mar 2025 14:02, import #{first.pk}) → 52, by sam, 20 Jun 2025 10:30, "
        f"import #{second.pk} "
        f"52 (set by sam, 20 Jun 2025 10:30, import #{second.pk}) → 58, by ada, 21 Jun 2025 11:00, edited "
        "(Second marker's mark agreed) Current value by ada, 21 Jun 2025 11:00, edited."
    ) in visible_text(response)
    content = response.content.decode()
    assert f'<a href="/imports/batch/{second.pk}/">import #{second.pk}</a>' in content
    assert '<time datetime="2025-06-21T11:00:00+01:00">21 Jun 2025 11:00</time>' in content


@pytest.mark.usefixtures("records")
def test_the_student_page_shows_enrolments_with_their_facts_and_marks_or_codes(
    client: Client, administrator: User
) -> None:
    client.force_login(administrator)

    text = visible_text(client.get("/students/leeds-hons-022/"))

    assert "Student ID leeds-hons-022 Candidate number none" in text
    assert (
        "Enrolments, by academic session Session Programme Year Entry cohort and rule set "
        "Mitigation accepted APL credits 2020/21 leeds-hons-022"
    ) in text
    assert "3 Entering 2020/21: leeds-taught-2024 1 Yes None" in text
    assert (
        "HIST2005 HIST2005, 2021/22 20 credits at level 5. Grade: none (marked). "
        "Marks for HIST2005 in 2021/22 Component Attempt Mark History "
        "module 1 35 Entered by an unrecorded user,"
    ) in text
    assert "module 2 ABS Entered by an unrecorded user," in text
    assert (
        "Marks for HIST2002 in 2021/22 Component Attempt Mark History essay 1 NS "
        "Entered by an unrecorded user," in text
    )


@pytest.mark.usefixtures("records")
def test_a_student_who_moved_school_shows_each_administrator_only_their_schools_records(
    client: Client, administrator: User, other_administrator: User, superuser: User
) -> None:
    student = Student.objects.get(student_id="leeds-hons-022")
    physics = Enrolment.objects.create(
        student=student,
        entry_cohort=EntryCohort.objects.get(programme__code="leeds-cert-002"),
        academic_session="2023/24",
        programme_year=1,
    )
    Registration.objects.create(
        enrolment=physics, occurrence=ModuleOccurrence.objects.get(module__code="SOCI1101")
    )
    pages = {}
    for user in (administrator, other_administrator, superuser):
        client.force_login(user)
        pages[user.username] = visible_text(client.get("/students/leeds-hons-022/"))

    assert ("HIST1001" in pages["ada"], "SOCI1101" in pages["ada"]) == (True, False)
    assert ("HIST1001" in pages["otto"], "SOCI1101" in pages["otto"]) == (False, True)
    assert ("HIST1001" in pages["sam"], "SOCI1101" in pages["sam"]) == (True, True)
    assert "2023/24 leeds-cert-002" not in pages["ada"]


@pytest.mark.parametrize("registrations", [2, 10])
def test_the_student_page_takes_the_same_queries_however_many_marks(
    client: Client,
    django_assert_num_queries: object,
    administrator: User,
    school: School,
    registrations: int,
) -> None:
    student = make_student(school, f"S{registrations}", registrations=registrations)
    client.force_login(administrator)

    # Session, user, student, enrolments, registrations, their marks, the marks' changes.
    with django_assert_num_queries(7):  # type: ignore[operator]
        response = client.get(f"/students/{student.student_id}/")

    assert response.status_code == 200
    assert visible_text(response).count(
        "45 (set by an unrecorded user, edited) → 50, by an unrecorded user"
    ) == (registrations)
