"""``manage.py import_marks``: the same service as the upload page, from the command line."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from students.models import Mark, MarkChange

from .conftest import World

HEADER = "student_id,module_code,academic_session,component,attempt,mark\n"


def run(path: Path, world: World, *extra: str) -> str:
    out = StringIO()
    call_command(
        "import_marks",
        str(path),
        "--school",
        world.school.code,
        "--user",
        world.user.username,
        *extra,
        stdout=out,
    )
    return out.getvalue()


@pytest.mark.django_db
def test_import_marks_previews_writes_and_is_idempotent(world: World, tmp_path: Path) -> None:
    path = tmp_path / "marks.csv"
    path.write_text(HEADER + "S1,HIST1001,2024/25,exam,1,35\nS1,HIST1001,2024/25,coursework,1,62\n")
    dry = run(path, world, "--dry-run").splitlines()
    assert dry[0].endswith("marks.csv: 2 new, 0 changed, 0 unchanged, 0 bad rows")
    assert dry[-1] == "dry run: nothing written"
    assert Mark.objects.count() == 0
    assert run(path, world).splitlines()[-1].endswith(": written")
    assert (Mark.objects.count(), MarkChange.objects.count()) == (2, 0)
    assert "0 new, 0 changed, 2 unchanged" in run(path, world)
    assert MarkChange.objects.count() == 0


@pytest.mark.django_db
def test_import_marks_lists_every_bad_row_and_writes_nothing(world: World, tmp_path: Path) -> None:
    path = tmp_path / "marks.csv"
    path.write_text(
        HEADER
        + "S1,HIST1001,2024/25,exam,1,35\nS1,HIST1001,2024/25,essay,1,62\nS7,HIST1001,2024/25,exam,1,x\n"
    )
    out = StringIO()
    with pytest.raises(CommandError, match=r"nothing written: correct the file and run again"):
        call_command("import_marks", str(path), "--school", "HIS", "--user", world.user.username, stdout=out)
    assert out.getvalue().splitlines()[1:] == [
        "marks.csv: row 3, column component: unknown component 'essay' of HIST1001 2024/25 (components: "
        "coursework, exam)",
        "marks.csv: row 4, column mark: 'x' is not a mark between 0 and 100 or a result code (ABS, NS, DEF)",
    ]
    assert Mark.objects.count() == 0


@pytest.mark.django_db
def test_import_marks_names_an_unknown_school_or_file(world: World, tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="no such file"):
        call_command(
            "import_marks", str(tmp_path / "x.csv"), "--school", "HIS", "--user", world.user.username
        )
    (tmp_path / "x.csv").write_text(HEADER)
    with pytest.raises(CommandError, match="unknown school 'NOPE'"):
        call_command("import_marks", str(tmp_path / "x.csv"), "--school", "NOPE", "--user", "x")
