"""A school's page (programmes with their entry cohorts, modules) and its paginated, sortable students."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.test import Client

from students.models import Enrolment, EntryCohort, Programme, School, Student

from .pages import visible_text


@pytest.mark.usefixtures("records")
def test_the_school_page_lists_programmes_with_cohorts_and_rule_sets_and_modules(
    client: Client, administrator: User
) -> None:
    client.force_login(administrator)
    response = client.get("/schools/ENG/")

    assert response.status_code == 200
    text = visible_text(response)
    assert (
        "School of English School code ENG. Students of School of English Imports "
        "Programmes, modules and components Students and registrations Marks (and marks export: CSV, XLSX) "
        "Programmes"
    ) in text
    programme = Programme.objects.get(code="leeds-hons-022")
    assert (
        f"leeds-hons-022 {programme.title} Bachelor (Honours) leeds-taught-2024 "
        "Entering 2020/21: leeds-taught-2024 1"
    ) in text
    assert (
        "Modules of School of English Module Credits Level HIST1001 HIST1001 20 4 HIST1002 HIST1002 20 4"
        in text
    )
    assert "SOCI1101" not in text
    assert 'href="/schools/ENG/students/"' in response.content.decode()


@pytest.mark.usefixtures("records")
def test_the_students_page_shows_each_students_latest_programme_and_year(
    client: Client, administrator: User
) -> None:
    client.force_login(administrator)
    response = client.get("/schools/ENG/students/")

    assert response.status_code == 200
    text = visible_text(response)
    assert (
        "Students of School of English Student ID Given name Family name Candidate number Programme Year "
        "leeds-hons-022 — — — leeds-hons-022 3"
    ) in text
    assert "leeds-cert-002" not in text
    assert '<a href="/students/leeds-hons-022/">leeds-hons-022</a>' in response.content.decode()


@pytest.fixture
def many_students(school: School) -> None:
    """51 first-years on one programme of the School of English, family names Family00 to Family50."""
    programme = Programme.objects.create(
        school=school, code="ENG-BA", title="English BA", award="bachelor-honours", default_ruleset="x"
    )
    cohort = EntryCohort.objects.create(
        programme=programme,
        entry_session="2024/25",
        ruleset_key="leeds-taught-2024",
        ruleset_version="1",
        ruleset_fingerprint="0" * 64,
    )
    students = Student.objects.bulk_create(
        Student(student_id=f"2024{n:04d}", given_name="Alex", family_name=f"Family{50 - n:02d}")
        for n in range(51)
    )
    Enrolment.objects.bulk_create(
        Enrolment(student=student, entry_cohort=cohort, academic_session="2024/25", programme_year=1)
        for student in students
    )


def row_ids(text: str) -> list[str]:
    return [word for word in text.split() if word.startswith("2024") and len(word) == 8]


@pytest.mark.usefixtures("many_students")
def test_the_students_page_shows_fifty_a_page_in_the_order_asked_for(
    client: Client, administrator: User
) -> None:
    client.force_login(administrator)

    first = visible_text(client.get("/schools/ENG/students/"))
    second = visible_text(client.get("/schools/ENG/students/?page=2"))
    by_family_name = visible_text(client.get("/schools/ENG/students/?sort=family_name"))

    assert row_ids(first) == [f"2024{n:04d}" for n in range(50)]
    assert row_ids(second) == ["20240050"]
    assert row_ids(by_family_name)[:3] == ["20240050", "20240049", "20240048"]
    assert "previous 1 2 next" not in first
    assert first.endswith("1 2 next")
