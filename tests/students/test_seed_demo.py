"""The demo university's records (``seed_records``, run by ``make run``'s ``seed_demo``): imported through
the same services an administrator uses, with ids and candidate numbers unique across intakes, and a
second run changes nothing."""

from __future__ import annotations

from io import StringIO

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command

from students.models import Enrolment, EntryCohort, ImportBatch, Mark, Student


@pytest.mark.django_db
def test_seed_records_imports_five_intakes_of_two_schools_once() -> None:
    out = StringIO()
    call_command("seed_records", students=3, stdout=out)

    intakes = EntryCohort.objects.order_by("programme__code", "entry_session")
    assert [(e.programme.code, e.programme.school.code, e.entry_session, e.ruleset_key) for e in intakes] == [
        ("HIST-BA", "HIST", "2022/23", "leeds-taught-2024"),
        ("HIST-BA", "HIST", "2023/24", "leeds-taught-2024"),
        ("HIST-MA", "HIST", "2024/25", "leeds-taught-2024"),
        ("PSYC-BA", "PSYC", "2023/24", "senate-reg-5"),
        ("PSYC-BA", "PSYC", "2024/25", "senate-reg-5"),
    ]
    assert ImportBatch.objects.filter(status=ImportBatch.Status.COMPLETED).count() == 15
    assert set(ImportBatch.objects.values_list("uploaded_by__username", flat=True)) == {
        "history-admin",
        "psychology-admin",
    }
    assert Student.objects.count() == 15
    assert Student.objects.values("candidate_number").distinct().count() == 15
    assert sorted(Student.objects.values_list("student_id", flat=True))[::3] == [
        "2022000001",
        "2023000004",
        "2023000010",
        "2024000007",
        "2024000013",
    ]
    in_2024 = Enrolment.objects.filter(academic_session="2024/25")
    assert sorted(in_2024.values_list("entry_cohort__programme__code", "programme_year")) == sorted(
        [("HIST-BA", 3)] * 3 + [("HIST-BA", 2)] * 3 + [("HIST-MA", 1)] * 3 + [("PSYC-BA", 2)] * 3
        + [("PSYC-BA", 1)] * 3
    )  # fmt: skip
    assert User.objects.get(username="registry").is_superuser
    assert User.objects.get(username="history-admin").school_roles.get().school.code == "HIST"
    assert User.objects.get(username="psychology-admin").school_roles.get().school.code == "PSYC"
    ninth = ImportBatch.objects.order_by("pk")[8]
    assert (ninth.kind, ninth.school.code, ninth.summary["new"]) == (
        "marks",
        "HIST",
        Mark.objects.filter(import_batch=ninth).count(),
    )
    assert (
        f"School of History: MA History, entry 2024/25: marks imported (import #{ninth.pk}, "
        in out.getvalue()
    )
    marks = Mark.objects.count()
    assert marks > 0

    again = StringIO()
    call_command("seed_records", students=3, stdout=again)
    assert again.getvalue().splitlines() == [
        "School of History: BA History, entry 2022/23: already present",
        "School of History: BA History, entry 2023/24: already present",
        "School of History: MA History, entry 2024/25: already present",
        "School of Psychology: BA Psychology, entry 2023/24: already present",
        "School of Psychology: BA Psychology, entry 2024/25: already present",
    ]
    assert (Mark.objects.count(), ImportBatch.objects.count(), Student.objects.count()) == (marks, 15, 15)
