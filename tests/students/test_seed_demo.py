"""make run's demo data: imported through the same services, idempotent, logins printed and kept."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command

from students.models import Enrolment, ImportBatch, Mark, School


@pytest.mark.django_db
def test_seed_demo_imports_two_schools_once_and_writes_the_logins() -> None:
    out = StringIO()
    call_command("seed_demo", students=4, stdout=out)
    assert set(School.objects.values_list("code", flat=True)) == {"HIST", "PSYC"}
    assert ImportBatch.objects.filter(status=ImportBatch.Status.COMPLETED).count() == 6
    assert Enrolment.objects.filter(programme_year=3).count() == 8
    marks = Mark.objects.count()
    assert marks > 0
    assert User.objects.get(username="history-admin").school_roles.get().school.code == "HIST"
    logins = (Path(settings.BASE_DIR) / "var" / "demo-logins.txt").read_text()
    assert "history-admin / quorum-demo-2024  (administrator, School of History)" in logins
    assert "Demo logins:" in out.getvalue()
    again = StringIO()
    call_command("seed_demo", students=4, stdout=again)
    assert "School of History: demo data already present" in again.getvalue()
    assert (Mark.objects.count(), ImportBatch.objects.count()) == (marks, 6)
