"""``evaluate_case`` and ``check_cases`` as the registry runs them: real processes, real files."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from regulations import rulesets

ROOT = Path(__file__).resolve().parents[2]
LEEDS = rulesets.cases_dir("leeds-taught-2024")


def manage(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def write_case(folder: Path, name: str, **changes: object) -> Path:
    case = json.loads((LEEDS / "leeds-hons-001.json").read_text())
    case.update(changes)
    path = folder / name
    path.write_text(json.dumps(case))
    return path


def test_evaluate_case_prints_one_json_line_per_case_of_a_folder() -> None:
    done = manage("evaluate_case", str(LEEDS))
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 0, done.stderr
    assert len(lines) == len(list(LEEDS.glob("*.json")))
    first = lines[0]
    assert first["id"] == "leeds-cert-001"
    assert first["result"]["class"] == "Merit"
    assert first["result"]["classification_average"] == "60.0"
    assert first["result"]["trace"][0]["code"] == "module-mark"


def test_evaluate_case_reports_each_bad_case_and_goes_on(tmp_path: Path) -> None:
    bad_mark = write_case(
        tmp_path,
        "a-bad-mark.json",
        id="bad-mark",
        modules=[{"code": "HIS1001", "year": 1, "level": 4, "credits": 20, "marks": ["abc"]}],
    )
    not_json = tmp_path / "b-not-json.json"
    not_json.write_text("{ nope")
    good = write_case(tmp_path, "c-good.json")
    done = manage("evaluate_case", str(bad_mark), str(not_json), str(good))
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert lines[0] == {
        "id": "bad-mark",
        "error": "a-bad-mark.json: module HIS1001, attempt 1, mark: 'abc' is not a mark between 0 and 100 "
        "or a result code (ABS, NS, DEF)",
    }
    assert lines[1] == {
        "id": "b-not-json",
        "error": f"{not_json}: not valid JSON (line 1, column 3: "
        "Expecting property name enclosed in double quotes)",
    }
    assert lines[2]["id"] == "leeds-hons-001"
    assert lines[2]["result"]["class"] == "I"


def test_check_cases_counts_and_names_the_first_difference(tmp_path: Path) -> None:
    wrong = write_case(
        tmp_path, "wrong.json", id="wrong", expect={"class": "II.i", "classification_average": "70.0"}
    )
    right = write_case(tmp_path, "right.json")
    done = manage("check_cases", str(wrong), str(right))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "FAIL wrong.json: class: expected 'II.i', got 'I'",
        "1 passed, 1 failed",
    ]


def test_check_cases_passes_every_shipped_case() -> None:
    done = manage("check_cases", *(str(rulesets.cases_dir(key)) for key in rulesets.available()))
    assert done.returncode == 0, done.stdout
    assert done.stdout.splitlines()[-1] == "87 passed, 0 failed"


def test_check_cases_with_no_cases_fails(tmp_path: Path) -> None:
    done = manage("check_cases", str(tmp_path))
    assert done.returncode == 1
    assert done.stdout.splitlines() == ["0 passed, 0 failed"]


def test_evaluate_case_with_no_cases_says_so_and_fails(tmp_path: Path) -> None:
    done = manage("evaluate_case", str(tmp_path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert done.stderr.strip() == f"no cases found in {tmp_path}"


def test_evaluate_case_reports_a_case_that_is_not_an_object(tmp_path: Path) -> None:
    listed = tmp_path / "listed.json"
    listed.write_text("[1, 2]")
    done = manage("evaluate_case", str(listed))
    assert done.returncode == 1
    assert json.loads(done.stdout) == {
        "id": "listed",
        "error": "listed.json: case: expected an object, got list",
    }
