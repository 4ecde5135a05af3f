"""The administrator's journey through the import pages, and who may take it (403 on writes, else 404)."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from students.models import ImportBatch, Mark, MarkChange, SchoolRole

from .conftest import World

HEADER = "student_id,module_code,academic_session,component,attempt,mark\r\n"
GOOD = (
    HEADER
    + "S1,HIST1001,2024/25,exam,1,35\r\nS1,HIST1001,2024/25,coursework,1,62\r\n"
    + "S2,HIST1002,2024/25,module,1,71\r\n"
)


def signed_in(world: World, *, role: bool = True) -> Client:
    if role:
        SchoolRole.objects.get_or_create(user=world.user, school=world.school)
    client = Client()
    client.force_login(world.user)
    return client


def upload(client: Client, world: World, text: str, name: str = "marks.csv", bom: bool = True) -> ImportBatch:
    data = ("\ufeff" + text).encode() if bom else text.encode("cp1252")
    response = client.post(
        reverse("students:imports:upload", args=[world.school.code, "marks"]),
        {"file": SimpleUploadedFile(name, data)},
    )
    assert response.status_code == 302
    return ImportBatch.objects.latest("pk")


@pytest.mark.django_db
def test_upload_preview_confirm_and_see_the_history(world: World) -> None:
    client = signed_in(world)
    page = client.get(reverse("students:imports:upload", args=[world.school.code, "marks"]))
    assert page.status_code == 200
    assert "reassessment_as_first_attempt" in page.content.decode()
    batch = upload(client, world, GOOD)
    preview = client.get(reverse("students:imports:batch", args=[batch.pk])).content.decode()
    assert 'id="count-new">3<' in preview
    assert "Confirm: write 3 new and 0 changed" in preview
    assert Mark.objects.count() == 0
    client.post(
        reverse("students:imports:confirm", args=[batch.pk]), {"fingerprint": batch.preview_fingerprint}
    )
    assert Mark.objects.count() == 3
    changed = upload(
        client, world, GOOD.replace("S1,HIST1001,2024/25,exam,1,35", "S1,HIST1001,2024/25,exam,1,38")
    )
    text = client.get(reverse("students:imports:batch", args=[changed.pk])).content.decode()
    assert 'id="count-changed">1<' in text and 'id="count-unchanged">2<' in text
    assert "<td>S1 HIST1001 2024/25 exam attempt 1</td><td>35</td><td>38</td>" in text
    client.post(
        reverse("students:imports:confirm", args=[changed.pk]), {"fingerprint": changed.preview_fingerprint}
    )
    history = MarkChange.objects.filter(import_batch=changed).get()
    assert (history.old_value, history.new_value) == (Decimal(35), Decimal(38))
    student_page = client.get(reverse("students:student", args=["S1"])).content.decode()
    assert f"import #{changed.pk}" in student_page


@pytest.mark.django_db
def test_a_file_with_bad_rows_shows_them_and_cannot_be_confirmed(world: World) -> None:
    client = signed_in(world)
    batch = upload(client, world, GOOD + "S1,HIST1001,2024/25,exam,2,abc\r\n")
    text = client.get(reverse("students:imports:batch", args=[batch.pk])).content.decode()
    assert "row 5, column mark: &#x27;abc&#x27; is not a mark between 0 and 100" in text
    assert "Confirm:" not in text
    client.post(
        reverse("students:imports:confirm", args=[batch.pk]), {"fingerprint": batch.preview_fingerprint}
    )
    assert Mark.objects.count() == 0


@pytest.mark.django_db
def test_a_windows_1252_file_is_read(world: World) -> None:
    batch = upload(signed_in(world), world, GOOD, bom=False)
    assert batch.status == ImportBatch.Status.PREVIEWED


@pytest.mark.django_db
def test_a_file_that_is_not_a_table_is_refused_before_parsing(world: World) -> None:
    client = signed_in(world)
    response = client.post(
        reverse("students:imports:upload", args=[world.school.code, "marks"]),
        {"file": SimpleUploadedFile("marks.csv", b"\x89PNG\r\n\x1a\n\x00\x00binary")},
    )
    batch = ImportBatch.objects.latest("pk")
    assert response.status_code == 302
    assert batch.status == ImportBatch.Status.INVALID
    assert batch.errors and batch.errors[0].startswith("marks.csv")


@pytest.mark.django_db
def test_only_the_schools_administrators_may_import(world: World) -> None:
    outsider = Client()
    outsider.force_login(User.objects.create_user("outsider"))
    url = reverse("students:imports:upload", args=[world.school.code, "marks"])
    assert outsider.get(url).status_code == 404
    assert outsider.post(url, {"file": SimpleUploadedFile("m.csv", GOOD.encode())}).status_code == 404
    batch = upload(signed_in(world), world, GOOD)
    assert outsider.get(reverse("students:imports:batch", args=[batch.pk])).status_code == 404
    assert outsider.post(reverse("students:imports:confirm", args=[batch.pk])).status_code == 404
    assert Mark.objects.count() == 0
    anonymous = Client().get(url)
    assert anonymous.status_code == 302 and anonymous["Location"].startswith("/accounts/login/")


@pytest.mark.django_db(transaction=True)
def test_a_large_import_runs_on_the_worker_and_shows_progress(
    world: World, settings: object, celery_worker: object
) -> None:
    settings.QUORUM_IMPORT_INLINE_ROWS = 2  # type: ignore[attr-defined]
    client = signed_in(world)
    batch = upload(client, world, GOOD)
    first = client.get(reverse("students:imports:batch", args=[batch.pk])).content.decode()
    assert "hx-get=" in first or "Previewed" in first
    batch = wait_for(batch.pk, ImportBatch.Status.PREVIEWED)
    assert batch.summary["new"] == 3
    client.post(
        reverse("students:imports:confirm", args=[batch.pk]), {"fingerprint": batch.preview_fingerprint}
    )
    wait_for(batch.pk, ImportBatch.Status.COMPLETED)
    assert Mark.objects.count() == 3
    fragment = client.get(reverse("students:imports:progress", args=[batch.pk]))
    assert fragment.status_code == 200 and "Completed" in fragment.content.decode()


def wait_for(pk: int, status: str, seconds: float = 90) -> ImportBatch:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        batch = ImportBatch.objects.get(pk=pk)
        if batch.status == status:
            return batch
        assert batch.status not in (ImportBatch.Status.FAILED, ImportBatch.Status.STALE), batch.errors
        time.sleep(0.5)
    raise AssertionError(
        f"import #{pk} did not reach {status} within {seconds} s: {ImportBatch.objects.get(pk=pk).status}"
    )


@pytest.mark.django_db
def test_marks_export_is_formula_safe_in_csv_and_xlsx(world: World) -> None:
    import io
    import zipfile

    from students.models import Mark, Student

    student = Student.objects.get(student_id="S2")
    student.student_id = '=HYPERLINK("http://x.io","x")'
    student.save(update_fields=["student_id"])
    Mark.objects.create(
        registration=world.registrations[("S2", "HIST1002")],
        component=world.components[("HIST1002", "module")],
        attempt=1,
        value=Decimal("60.0000"),
    )
    Mark.objects.create(
        registration=world.registrations[("S1", "HIST1001")],
        component=world.components[("HIST1001", "exam")],
        attempt=1,
        code="ABS",
    )
    client = signed_in(world)
    csv_text = client.get(
        reverse("students:imports:export_marks", args=[world.school.code, "csv"])
    ).content.decode("utf-8-sig")
    assert csv_text.splitlines() == [
        "student_id,module_code,academic_session,component,attempt,mark,reassessment_as_first_attempt",
        '"\'=HYPERLINK(""http://x.io"",""x"")",HIST1002,2024/25,module,1,60,',
        "S1,HIST1001,2024/25,exam,1,ABS,",
    ]
    xlsx = client.get(reverse("students:imports:export_marks", args=[world.school.code, "xlsx"]))
    assert xlsx["Content-Disposition"] == 'attachment; filename="HIS-marks.xlsx"'
    with zipfile.ZipFile(io.BytesIO(xlsx.content)) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet
    outsider = Client()
    outsider.force_login(User.objects.create_user("nobody"))
    assert (
        outsider.get(reverse("students:imports:export_marks", args=[world.school.code, "csv"])).status_code
        == 404
    )


@pytest.mark.django_db
def test_an_import_whose_task_crashes_is_marked_failed_and_stops_waiting(world: World) -> None:
    from students import tasks

    batch = upload(signed_in(world), world, GOOD)

    def crash(item: ImportBatch) -> ImportBatch:
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        tasks._run(batch.pk, crash)
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert batch.errors == [
        "The import failed (RuntimeError: disk full); nothing was written. "
        "Upload the file again, and report this if it happens again."
    ]
    page = signed_in(world).get(reverse("students:imports:batch", args=[batch.pk])).content.decode()
    assert "hx-get=" not in page and "Not written" in page
