"""Structure and student imports: consistency across rows, other schools refused, all or nothing."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.contrib.auth.models import User

from students.imports.files import Table
from students.imports.marks import StalePreview
from students.imports.people import plan_people, write_people
from students.imports.structure import plan_structure, write_structure
from students.models import (
    Component,
    Enrolment,
    EntryCohort,
    ImportBatch,
    Programme,
    ProgrammeModule,
    Registration,
    School,
)

S_HEAD = [
    "programme_code",
    "programme_title",
    "award",
    "ruleset",
    "module_code",
    "module_title",
    "credits",
    "level",
    "programme_year",
    "academic_session",
    "component",
    "weight",
    "component_must_pass",
    "final_project",
]
P_HEAD = [
    "student_id",
    "given_name",
    "family_name",
    "candidate_number",
    "programme_code",
    "entry_session",
    "academic_session",
    "programme_year",
    "module_code",
    "grade",
    "mitigation_accepted",
    "apl",
]


def table(headers: list[str], *rows: tuple[str, ...]) -> Table:
    return Table(
        headers=headers, rows=[(n, dict(zip(headers, row, strict=True))) for n, row in enumerate(rows, 2)]
    )


def structure_rows() -> list[tuple[str, ...]]:
    return [
        (
            "HIS-BA",
            "History BA",
            "bachelor-honours",
            "leeds-taught-2024",
            "HIST1001",
            "Making History",
            "20",
            "4",
            "1",
            "2024/25",
            "exam",
            "60",
            "yes",
            "",
        ),
        (
            "HIS-BA",
            "History BA",
            "bachelor-honours",
            "leeds-taught-2024",
            "HIST1001",
            "Making History",
            "20",
            "4",
            "1",
            "2024/25",
            "coursework",
            "40",
            "",
            "",
        ),
        (
            "HIS-BA",
            "History BA",
            "bachelor-honours",
            "leeds-taught-2024",
            "HIST3900",
            "Dissertation",
            "40",
            "6",
            "3",
            "2024/25",
            "module",
            "1",
            "",
            "yes",
        ),
    ]


def people_rows() -> list[tuple[str, ...]]:
    return [
        ("S1", "Zoë", "Ní Bhriain", "C000001", "HIS-BA", "2024/25", "2024/25", "1", "HIST1001", "", "no", ""),
        (
            "S2",
            "Tom",
            "Ó Súilleabháin",
            "C000002",
            "HIS-BA",
            "2024/25",
            "2024/25",
            "1",
            "HIST1001",
            "",
            "yes",
            "4:40",
        ),
    ]


@pytest.fixture
def school(db: None) -> School:
    return School.objects.create(code="HIS", name="School of History")


def batch(school: School, kind: str) -> ImportBatch:
    user = User.objects.get_or_create(username="admin")[0]
    return ImportBatch.objects.create(
        school=school, kind=kind, uploaded_by=user, file_name="f.csv", file_sha256="0"
    )


def test_structure_import_creates_every_record_then_changes_nothing(school: School) -> None:
    plan = plan_structure(table(S_HEAD, *structure_rows()), school)
    assert plan.errors == []
    assert plan.summary()["records"] == {
        kind: {"new": n, "changed": 0}
        for kind, n in (("programme", 1), ("module", 2), ("pairing", 2), ("occurrence", 2), ("component", 3))
    }
    write_structure(
        table=table(S_HEAD, *structure_rows()),
        batch=batch(school, "structure"),
        user_id=1,
        expected_fingerprint=plan.fingerprint,
    )
    assert Programme.objects.get().default_ruleset == "leeds-taught-2024"
    assert list(
        Component.objects.filter(occurrence__module__code="HIST1001").values_list(
            "name", "weight", "must_pass"
        )
    ) == [("exam", Decimal("60"), True), ("coursework", Decimal("40"), False)]
    assert ProgrammeModule.objects.get(module__code="HIST3900").final_project is True
    again = plan_structure(table(S_HEAD, *structure_rows()), school)
    assert (again.summary()["new"], again.summary()["changed"], again.unchanged) == (0, 0, 10)


def test_structure_rows_that_disagree_are_errors_naming_both_rows(school: School) -> None:
    rows = structure_rows()
    rows[1] = (*rows[1][:6], "30", *rows[1][7:])
    rows.append(
        (
            "HIS-BA",
            "History BA",
            "master",
            "leeds-taught-2024",
            "HIST1002",
            "X",
            "20",
            "3",
            "1",
            "2024/25",
            "module",
            "0",
            "",
            "",
        )
    )
    rows.append(
        (
            "HIS-BA",
            "History BA",
            "bachelor-honours",
            "oxford-2031",
            "HIST1003",
            "X",
            "20",
            "4",
            "1",
            "24/25",
            "module",
            "1",
            "",
            "",
        )
    )
    plan = plan_structure(table(S_HEAD, *rows), school)
    assert [str(e) for e in plan.errors] == [
        "row 3, column credits: 30 differs from 20 given for module HIST1001 on row 2",
        "row 5, column level: level 3 is only for an integrated foundation year (year 0)",
        "row 6, column ruleset: unknown rule set 'oxford-2031' (known: leeds-taught-2024, senate-reg-5)",
        "row 6, column academic_session: '24/25' is not an academic session like 2024/25",
    ]


def test_a_programme_of_another_school_is_refused(school: School) -> None:
    other = School.objects.create(code="ENG", name="School of English")
    Programme.objects.create(
        school=other,
        code="HIS-BA",
        title="Not ours",
        award="bachelor-honours",
        default_ruleset="leeds-taught-2024",
    )
    plan = plan_structure(table(S_HEAD, *structure_rows()), school)
    assert [str(e) for e in plan.errors] == [
        "row 2, column programme_code: programme HIS-BA belongs to another school"
    ]


def test_student_import_binds_a_new_intake_to_todays_rule_set(school: School) -> None:
    structure = plan_structure(table(S_HEAD, *structure_rows()), school)
    write_structure(
        table=table(S_HEAD, *structure_rows()),
        batch=batch(school, "structure"),
        user_id=1,
        expected_fingerprint=structure.fingerprint,
    )
    plan = plan_people(table(P_HEAD, *people_rows()), school)
    assert plan.errors == []
    assert plan.summary()["records"] == {
        "student": {"new": 2, "changed": 0},
        "entry cohort": {"new": 1, "changed": 0},
        "enrolment": {"new": 2, "changed": 0},
        "registration": {"new": 2, "changed": 0},
    }
    write_people(
        table=table(P_HEAD, *people_rows()),
        batch=batch(school, "students"),
        user_id=1,
        expected_fingerprint=plan.fingerprint,
    )
    cohort = EntryCohort.objects.get()
    assert (cohort.ruleset_key, cohort.ruleset_version) == ("leeds-taught-2024", "1")
    s2 = Enrolment.objects.get(student__student_id="S2")
    assert (s2.mitigation_accepted, s2.apl_credits) == (True, {"4": 40})
    assert Registration.objects.count() == 2
    again = plan_people(table(P_HEAD, *people_rows()), school)
    assert (again.summary()["new"], again.summary()["changed"]) == (0, 0)


def test_student_rows_are_checked(school: School) -> None:
    rows = [
        *people_rows(),
        ("S3", "A", "B", "C000001", "HIS-BA", "2024/25", "2024/25", "1", "HIST1001", "", "", ""),
        ("S1", "Zoe", "Ní Bhriain", "C000001", "HIS-BA", "2024/25", "2024/25", "1", "HIST3900", "Q", "", "4"),
    ]
    plan = plan_people(table(P_HEAD, *rows), school)
    assert [str(e) for e in plan.errors] == [
        "row 2, column programme_code: programme HIS-BA is unknown: import the structure first",
        "row 2, column module_code: module HIST1001 has no occurrence in 2024/25 in School of History",
        "row 3, column module_code: module HIST1001 has no occurrence in 2024/25 in School of History",
        "row 4, column candidate_number: candidate number C000001 is also given to S1 on row 2",
        "row 5, column grade: 'Q' must be P, F or empty",
        "row 5, column apl: '4' is not level:credits, e.g. 4:120",
    ]


def test_a_stale_structure_preview_writes_nothing(school: School) -> None:
    plan = plan_structure(table(S_HEAD, *structure_rows()), school)
    Programme.objects.create(
        school=school,
        code="HIS-BA",
        title="Renamed meanwhile",
        award="bachelor-honours",
        default_ruleset="leeds-taught-2024",
    )
    with pytest.raises(StalePreview):
        write_structure(
            table=table(S_HEAD, *structure_rows()),
            batch=batch(school, "structure"),
            user_id=1,
            expected_fingerprint=plan.fingerprint,
        )
    assert Component.objects.count() == 0


def test_a_reimport_changes_names_facts_and_grades_in_bulk(
    school: School, django_assert_max_num_queries: object
) -> None:
    structure = plan_structure(table(S_HEAD, *structure_rows()), school)
    write_structure(
        table=table(S_HEAD, *structure_rows()),
        batch=batch(school, "structure"),
        user_id=1,
        expected_fingerprint=structure.fingerprint,
    )
    first = plan_people(table(P_HEAD, *people_rows()), school)
    write_people(
        table=table(P_HEAD, *people_rows()),
        batch=batch(school, "students"),
        user_id=1,
        expected_fingerprint=first.fingerprint,
    )
    rows = [
        (
            "S1",
            "Zoe",
            "Ní Bhriain",
            "C000001",
            "HIS-BA",
            "2024/25",
            "2024/25",
            "1",
            "HIST1001",
            "P",
            "yes",
            "",
        ),
        (
            "S2",
            "Tom",
            "Ó Súilleabháin",
            "C000002",
            "HIS-BA",
            "2024/25",
            "2024/25",
            "1",
            "HIST1001",
            "F",
            "yes",
            "4:40",
        ),
    ]
    plan = plan_people(table(P_HEAD, *rows), school)
    assert plan.summary()["records"] == {
        "student": {"new": 0, "changed": 1},
        "entry cohort": {"new": 0, "changed": 0},
        "enrolment": {"new": 0, "changed": 1},
        "registration": {"new": 0, "changed": 2},
    }
    other = batch(school, "students")
    with django_assert_max_num_queries(20):  # type: ignore[operator]
        write_people(
            table=table(P_HEAD, *rows), batch=other, user_id=1, expected_fingerprint=plan.fingerprint
        )
    assert Enrolment.objects.get(student__student_id="S1").mitigation_accepted is True
    assert dict(Registration.objects.values_list("enrolment__student__student_id", "grade")) == {
        "S1": "P",
        "S2": "F",
    }
    from students.models import Student

    assert Student.objects.get(student_id="S1").given_name == "Zoe"
