"""An import that writes records queues the recalculations it can have changed, and only those; one run
end to end on a real worker (a marks upload through the pages, then a new current set)."""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from django.contrib.auth.models import User
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from boards.models import AssessmentCommittee, Cohort, Meeting, OutcomeSet, Stage
from boards.recalculation import calculate
from students import tasks
from students.imports import jobs
from students.models import ImportBatch, Mark, Programme, School
from tests.boards.test_recalculation import assert_equals_fresh_evaluation
from tests.boards.test_recalculation_worker import start_clean_worker, wait_for_set
from tests.conftest import WorkerStarter

Board = Callable[..., Meeting]


@dataclass(frozen=True)
class Cohorts:
    """Three years of one programme in the committee's school, and a cohort of another school."""

    year1: Cohort
    year2: Cohort
    year3: Cohort
    elsewhere: Cohort


@pytest.fixture
def cohorts(make_board: Board, other_committee: AssessmentCommittee, other_school: School) -> Cohorts:
    year3 = make_board(students=4).cohorts.get()
    earlier = [
        Cohort.objects.create(
            committee=year3.committee,
            programme=year3.programme,
            academic_session=session,
            programme_year=year,
            final_year=False,
            level=year + 3,
        )
        for session, year in (("2022/23", 1), ("2023/24", 2))
    ]
    physics = Programme.objects.create(
        school=other_school,
        code="PHY-BSC",
        title="BSc Physics",
        award="bachelor-honours",
        default_ruleset="leeds-taught-2024",
    )
    elsewhere = Cohort.objects.create(
        committee=other_committee,
        programme=physics,
        academic_session="2024/25",
        programme_year=3,
        final_year=True,
        level=6,
    )
    return Cohorts(*earlier, year3, elsewhere)


def marks_file(mark: Mark, value: Decimal) -> bytes:
    """A marks upload that changes ``mark`` to ``value``."""
    registration = mark.registration
    row = [
        registration.enrolment.student.student_id,
        registration.occurrence.module.code,
        registration.enrolment.academic_session,
        mark.component.name,
        str(mark.attempt),
        f"{value:f}",
    ]
    return ("student_id,module_code,academic_session,component,attempt,mark\r\n" + ",".join(row)).encode()


def a_mark_of(session: str) -> Mark:
    mark = (
        Mark.objects.filter(registration__enrolment__academic_session=session, value__isnull=False)
        .select_related("registration__enrolment__student", "registration__occurrence__module", "component")
        .order_by("pk")
        .first()
    )
    assert mark is not None
    return mark


def previewed(school: School, kind: str, data: bytes) -> ImportBatch:
    uploader = User.objects.get(username="ada")
    batch = jobs.preview(
        jobs.start(school=school, kind=kind, name=f"{kind}.csv", data=data, user_id=uploader.pk)
    )
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.errors
    return batch


def queued(batch: ImportBatch) -> list[tuple[Cohort, str]]:
    sets = OutcomeSet.objects.filter(trigger=f"{batch.kind} import #{batch.pk}").order_by(
        "cohort_id", "stage"
    )
    assert all(s.status == OutcomeSet.Status.QUEUED for s in sets)
    return [(s.cohort, s.stage) for s in sets]


@pytest.mark.django_db
def test_a_marks_import_queues_each_cohort_reading_the_marks_once_per_question_asked(
    cohorts: Cohorts, administrator: User, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    for stage in (Stage.FIRST_SIT, Stage.AFTER_REASSESSMENT):
        OutcomeSet.objects.create(cohort=cohorts.year2, stage=stage, trigger="asked before")
    mark = a_mark_of("2023/24")
    batch = previewed(cohorts.year3.programme.school, "marks", marks_file(mark, mark.value + 1))  # type: ignore[operator]

    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        batch = jobs.confirm(batch, user_id=administrator.pk)

    assert batch.status == ImportBatch.Status.COMPLETED
    # The 2023/24 mark is read by that session's record and the next; the 2022/23 cohort and the other
    # school's cohort cannot have changed.
    assert queued(batch) == [
        (cohorts.year3, Stage.AWARD),
        (cohorts.year2, Stage.AFTER_REASSESSMENT),
        (cohorts.year2, Stage.FIRST_SIT),
    ]
    assert len(callbacks) == 3  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_marks_import_of_the_final_year_queues_only_the_final_year(
    cohorts: Cohorts, administrator: User, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    mark = a_mark_of("2024/25")
    batch = previewed(cohorts.year3.programme.school, "marks", marks_file(mark, mark.value - 1))  # type: ignore[operator]

    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        jobs.confirm(batch, user_id=administrator.pk)

    assert queued(batch) == [(cohorts.year3, Stage.AWARD)]
    assert len(callbacks) == 1  # type: ignore[arg-type]


def structure_file(school: School) -> bytes:
    """The structure file the board's cohort was generated from (importing it again changes nothing)."""
    with tempfile.TemporaryDirectory() as folder:
        call_command(
            "generate_cohort",
            students=4,
            years=3,
            ruleset="leeds-taught-2024",
            out=Path(folder),
            school=school.code,
            seed=7,
            stdout=open("/dev/null", "w"),  # noqa: SIM115
        )
        return (Path(folder) / "structure.csv").read_bytes()


@pytest.mark.django_db
def test_a_structure_import_queues_every_cohort_of_the_school(
    cohorts: Cohorts, administrator: User, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    school = cohorts.year3.programme.school
    batch = previewed(school, "structure", structure_file(school))

    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        batch = jobs.confirm(batch, user_id=administrator.pk)

    assert batch.status == ImportBatch.Status.COMPLETED
    assert queued(batch) == [
        (cohorts.year3, Stage.AWARD),
        (cohorts.year1, Stage.FIRST_SIT),
        (cohorts.year2, Stage.FIRST_SIT),
    ]
    assert len(callbacks) == 3  # type: ignore[arg-type]


@pytest.mark.django_db
def test_a_stale_marks_import_queues_nothing(
    cohorts: Cohorts, administrator: User, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    school = cohorts.year3.programme.school
    mark = a_mark_of("2024/25")
    late = previewed(school, "marks", marks_file(mark, Decimal("61")))
    jobs.confirm(previewed(school, "marks", marks_file(mark, Decimal("62"))), user_id=administrator.pk)
    before = OutcomeSet.objects.count()

    with django_capture_on_commit_callbacks() as callbacks:  # type: ignore[operator]
        late = jobs.confirm(late, user_id=administrator.pk)

    assert late.status == ImportBatch.Status.STALE
    assert (OutcomeSet.objects.count(), queued(late), callbacks) == (before, [], [])


@pytest.mark.django_db
def test_a_failed_import_queues_nothing(
    cohorts: Cohorts, administrator: User, django_capture_on_commit_callbacks: Callable[..., object]
) -> None:
    school = cohorts.year3.programme.school
    batch = previewed(school, "structure", structure_file(school))
    batch.upload.delete(save=False)  # confirm reads the file again: it has gone

    with django_capture_on_commit_callbacks() as callbacks, pytest.raises(FileNotFoundError):  # type: ignore[operator]
        tasks._run(batch.pk, lambda item: jobs.confirm(item, user_id=administrator.pk))

    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.FAILED
    assert (OutcomeSet.objects.count(), callbacks) == (0, [])


@pytest.mark.django_db(transaction=True)
def test_a_marks_upload_through_the_pages_gives_a_new_current_set_from_the_worker(
    make_board: Board, administrator: User, start_celery_worker: WorkerStarter, tmp_path: Path
) -> None:
    cohort = make_board(students=5).cohorts.get()
    start_clean_worker(start_celery_worker, tmp_path)
    before = calculate(OutcomeSet.objects.create(cohort=cohort, stage=Stage.AWARD, trigger="first").pk)
    assert before is not None
    mark = a_mark_of("2024/25")
    student = mark.registration.enrolment
    new_value = Decimal("0") if mark.value else Decimal("100")
    client = Client()
    client.force_login(administrator)

    response = client.post(
        reverse("students:imports:upload", args=[cohort.programme.school.code, "marks"]),
        {"file": SimpleUploadedFile("marks.csv", marks_file(mark, new_value))},
    )
    assert response.status_code == 302
    batch = ImportBatch.objects.latest("pk")
    assert batch.status == ImportBatch.Status.PREVIEWED, batch.errors
    client.post(
        reverse("students:imports:confirm", args=[batch.pk]), {"fingerprint": batch.preview_fingerprint}
    )

    mark.refresh_from_db()
    assert mark.value == new_value
    after = OutcomeSet.objects.get(trigger=f"marks import #{batch.pk}")
    after = wait_for_set(after.pk, tmp_path)
    before.refresh_from_db()
    assert (after.is_current, before.is_current) == (True, False)
    assert_equals_fresh_evaluation(after)
    old = before.outcomes.get(enrolment=student).result
    new = after.outcomes.get(enrolment=student).result
    module = mark.registration.occurrence.module.code
    assert old["module_marks"][module] != new["module_marks"][module]
