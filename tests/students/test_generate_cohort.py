"""``generate_cohort`` writes a cohort the importers and the engine read as a registry's own files."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from openpyxl import load_workbook

from regulations import rulesets
from regulations.engine import evaluate, parse_record
from students.imports.columns import MARKS, STRUCTURE, STUDENTS

MARK = re.compile(r"\d{1,3}(\.\d)?")
CODES = {"ABS", "NS", "DEF"}


def generate(out: Path, *args: str) -> dict[str, int]:
    """Run the command; the row counts it reports, by file name."""
    stdout = io.StringIO()
    call_command("generate_cohort", "--ruleset", "leeds-taught-2024", "--out", str(out), *args, stdout=stdout)
    lines = [re.fullmatch(r"(.+): (\d+) rows", line) for line in stdout.getvalue().splitlines()]
    assert all(lines) and len(lines) == 3, stdout.getvalue()
    return {Path(match[1]).stem: int(match[2]) for match in lines if match}


def read(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def weighted(marks: dict[str, str], weights: dict[str, int]) -> Decimal:
    """First-sitting module mark, ABS/NS counting as 0 (RULES.md 34)."""
    total = sum(Decimal(0 if marks[c] in CODES else marks[c]) * w for c, w in weights.items())
    return total / sum(weights.values())


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("cohort") / "new-folder"
    return out, generate(out, "--students", "50", "--years", "2", "--seed", "7")


def test_headers_are_the_upload_formats_columns_in_their_order(cohort: tuple[Path, dict[str, int]]) -> None:
    out, _ = cohort
    for name, columns in (("structure", STRUCTURE), ("students", STUDENTS), ("marks", MARKS)):
        header, _ = read(out / f"{name}.csv")
        assert header == [c.name for c in columns if c.name in header], name
        assert {c.name for c in columns if c.required} <= set(header), name

    assert read(out / "marks.csv")[0] == [
        "student_id",
        "module_code",
        "academic_session",
        "component",
        "attempt",
        "mark",
    ]
    assert read(out / "students.csv")[0] == [
        "student_id", "given_name", "family_name", "candidate_number", "programme_code", "entry_session",
        "academic_session", "programme_year", "module_code", "grade", "mitigation_accepted",
    ]  # fmt: skip


def test_row_counts_are_programme_by_modules_by_components_and_students_by_modules(
    cohort: tuple[Path, dict[str, int]],
) -> None:
    out, counts = cohort
    structure, students, marks = (read(out / f"{name}.csv")[1] for name in ("structure", "students", "marks"))

    assert len(structure) == 1 * (6 * 2) * 2 == counts["structure"]
    assert len(students) == 50 * 6 * 2 == counts["students"]
    assert len(marks) == counts["marks"]
    marked = [r for r in students if not r["grade"]]
    assert sum(r["attempt"] == "1" for r in marks) == 2 * len(marked)
    assert sum(r["attempt"] == "2" for r in marks) == len(marks) - 2 * len(marked)
    assert {r["attempt"] for r in marks} == {"1", "2"}


def test_structure_is_one_programme_of_twenty_credit_modules_in_the_sessions_taken(
    cohort: tuple[Path, dict[str, int]],
) -> None:
    out, _ = cohort
    _, structure = read(out / "structure.csv")

    assert {(r["programme_code"], r["award"], r["ruleset"]) for r in structure} == {
        ("HIST-BA", "bachelor-honours", "leeds-taught-2024")
    }
    modules = {(r["module_code"], r["programme_year"], r["level"], r["academic_session"]) for r in structure}
    assert sorted(modules) == [(f"HIST1{n:03d}", "1", "4", "2023/24") for n in range(1, 7)] + [
        (f"HIST2{n:03d}", "2", "5", "2024/25") for n in range(1, 7)
    ]
    assert {r["credits"] for r in structure} == {"20"}
    weights: Counter[str] = Counter()
    for row in structure:
        weights[row["module_code"]] += int(row["weight"])
    assert set(weights.values()) == {100}
    assert sum(r["component_must_pass"] == "yes" for r in structure) == 2


def test_students_are_distinct_with_one_candidate_number_each(cohort: tuple[Path, dict[str, int]]) -> None:
    out, _ = cohort
    _, students = read(out / "students.csv")

    people = {(r["student_id"], r["candidate_number"], r["given_name"], r["family_name"]) for r in students}
    assert len(people) == 50
    assert len({p[0] for p in people}) == len({p[1] for p in people}) == 50
    assert min(p[0] for p in people) == "2023000001"
    assert all(re.fullmatch(r"C\d{6}", p[1]) for p in people)
    assert Counter((r["student_id"], r["academic_session"], r["programme_year"]) for r in students) == {
        (p[0], session, year): 6 for p in people for session, year in (("2023/24", "1"), ("2024/25", "2"))
    }
    assert {r["grade"] for r in students} <= {"", "P", "F"}
    assert {r["mitigation_accepted"] for r in students} <= {"yes", "no"}


def test_marks_belong_to_registrations_and_attempt_two_follows_a_failed_or_deferred_first(
    cohort: tuple[Path, dict[str, int]],
) -> None:
    out, _ = cohort
    _, structure = read(out / "structure.csv")
    _, students = read(out / "students.csv")
    _, marks = read(out / "marks.csv")
    components = {
        (r["module_code"], r["academic_session"], r["component"]): int(r["weight"]) for r in structure
    }
    registered = {(r["student_id"], r["module_code"], r["academic_session"]): r["grade"] for r in students}
    first = {
        (r["student_id"], r["module_code"], r["component"]): r["mark"] for r in marks if r["attempt"] == "1"
    }

    for row in marks:
        assert registered[row["student_id"], row["module_code"], row["academic_session"]] == ""
        assert (row["module_code"], row["academic_session"], row["component"]) in components
        mark = row["mark"]
        assert mark in CODES or (MARK.fullmatch(mark) and 0 <= Decimal(mark) <= 100), mark
        if row["attempt"] == "2":
            earlier = first[row["student_id"], row["module_code"], row["component"]]
            assert earlier in CODES or Decimal(earlier) < 40, row
            assert mark != "DEF"
    deferred = {key for key, mark in first.items() if mark == "DEF"}
    resat = {(r["student_id"], r["module_code"], r["component"]) for r in marks if r["attempt"] == "2"}
    assert deferred <= resat


def test_a_failed_module_resits_exactly_the_components_the_engine_asks_for(tmp_path: Path) -> None:
    """Feed each student's first sittings to the engine: its reassess list is the generator's attempt 2."""
    counts = generate(tmp_path, "--students", "300", "--seed", "11")
    _, structure = read(tmp_path / "structure.csv")
    _, students = read(tmp_path / "students.csv")
    _, marks = read(tmp_path / "marks.csv")
    weights: dict[str, dict[str, int]] = {}
    for row in structure:
        weights.setdefault(row["module_code"], {})[row["component"]] = int(row["weight"])
    must_pass = {(r["module_code"], r["component"]) for r in structure if r["component_must_pass"] == "yes"}
    attempts: dict[str, dict[str, dict[int, dict[str, str]]]] = {}
    for row in marks:
        by_module = attempts.setdefault(row["student_id"], {}).setdefault(row["module_code"], {})
        by_module.setdefault(int(row["attempt"]), {})[row["component"]] = row["mark"]
    grades = {(r["student_id"], r["module_code"]): r["grade"] for r in students if r["grade"]}
    ruleset = rulesets.get("leeds-taught-2024")
    failed = checked = 0

    for student in sorted({r["student_id"] for r in students}):
        taken = attempts.get(student, {})
        if any("DEF" in sittings[1].values() for sittings in taken.values()):
            continue
        modules = []
        for code, parts in weights.items():
            module = {"code": code, "year": 1, "level": 4, "credits": 20}
            if (student, code) in grades:
                module["grade"] = grades[student, code]
            else:
                module["components"] = [
                    {"name": name, "weight": weight, "must_pass": (code, name) in must_pass}
                    for name, weight in parts.items()
                ]
                module["attempts"] = [taken[code][1]]
            modules.append(module)
        record = parse_record(
            {
                "id": student,
                "ruleset": "leeds-taught-2024",
                "programme": {"award": "bachelor-honours"},
                "student": {},
                "modules": modules,
                "ask": {"progression": {"level": 4, "stage": "first-sit"}},
            }
        )
        expected = {code: sorted(s[2]) for code, s in taken.items() if 2 in s}
        result = evaluate(record, ruleset)
        # A module graded F has no marks to re-sit here: the P/F grade is the registry's to re-record.
        asked = {code: sorted(names) for code, names in (result.reassess or {}).items() if code in taken}
        assert asked == expected, student
        for code, sittings in taken.items():
            assert (weighted(sittings[1], weights[code]) < 39) == (2 in sittings), (student, code)
        failed += len(expected)
        checked += len(modules)

    assert counts["students"] == 1800
    assert checked > 1500
    assert 0.04 < failed / checked < 0.13


def test_shares_of_fails_codes_grades_and_decimals_look_like_a_real_board(tmp_path: Path) -> None:
    generate(tmp_path, "--students", "2000", "--years", "3")
    _, students = read(tmp_path / "students.csv")
    _, structure = read(tmp_path / "structure.csv")
    _, marks = read(tmp_path / "marks.csv")
    first = [r["mark"] for r in marks if r["attempt"] == "1"]
    codes = Counter(mark for mark in first if mark in CODES)
    numbers = [Decimal(mark) for mark in first if mark not in CODES]
    resat_modules = {(r["student_id"], r["module_code"]) for r in marks if r["attempt"] == "2"}
    graded = [r["grade"] for r in students if r["module_code"].endswith("005")]

    assert 0.07 < len(resat_modules) / (len(first) / 2) < 0.11
    assert 0.005 < (codes["ABS"] + codes["NS"]) / len(first) < 0.02
    assert 0.002 < codes["DEF"] / len(first) < 0.008
    assert 56 < sum(numbers) / len(numbers) < 62
    assert 0.1 < sum(n != n.to_integral_value() for n in numbers) / len(numbers) < 0.2
    assert 0.02 < sum(g != "" for g in graded) / len(graded) < 0.04
    assert {r["module_code"] for r in structure if r["final_project"] == "yes"} == {"HIST3006"}
    assert 0 < sum(r["mitigation_accepted"] == "yes" for r in students) / len(students) < 0.05
    names = {r["given_name"] for r in students} | {r["family_name"] for r in students}
    assert {"Zoë", "Ní Bhriain", "Ó Súilleabháin"} <= names


def test_incomplete_leaves_out_that_many_final_year_first_sittings(tmp_path: Path) -> None:
    generate(tmp_path, "--students", "40", "--years", "2", "--incomplete", "5", "--entry-session", "2022/23")
    _, students = read(tmp_path / "students.csv")
    _, marks = read(tmp_path / "marks.csv")
    marked = {(r["student_id"], r["module_code"], r["academic_session"]) for r in students if not r["grade"]}
    sat = Counter(
        (r["student_id"], r["module_code"], r["academic_session"]) for r in marks if r["attempt"] == "1"
    )
    short = {key: 2 - sat[key] for key in marked if sat[key] < 2}
    resat = {(r["student_id"], r["module_code"], r["academic_session"]) for r in marks if r["attempt"] == "2"}

    assert sum(short.values()) == 5
    assert {session for _, _, session in short} == {"2023/24"}
    assert not set(short) & resat


def test_the_same_seed_gives_the_same_bytes_and_another_seed_other_marks(tmp_path: Path) -> None:
    for folder, seed in (("a", "5"), ("b", "5"), ("c", "6")):
        generate(tmp_path / folder, "--students", "30", "--years", "3", "--seed", seed)

    for name in ("structure.csv", "students.csv", "marks.csv"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    assert (tmp_path / "a" / "marks.csv").read_bytes() != (tmp_path / "c" / "marks.csv").read_bytes()
    first_marks = [[r["mark"] for r in read(tmp_path / f / "marks.csv")[1][:20]] for f in ("a", "c")]
    assert first_marks[0] != first_marks[1]


def test_xlsx_holds_the_csv_rows_with_ids_as_text_and_marks_as_numbers(tmp_path: Path) -> None:
    generate(tmp_path / "csv", "--students", "20", "--years", "2")
    generate(tmp_path / "xlsx", "--students", "20", "--years", "2", "--format", "xlsx")
    generate(tmp_path / "again", "--students", "20", "--years", "2", "--format", "xlsx")

    for name in ("structure", "students", "marks"):
        with (tmp_path / "csv" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
            expected = list(csv.reader(handle))
        workbook = load_workbook(tmp_path / "xlsx" / f"{name}.xlsx", read_only=True)
        rows = [list(row) for row in workbook.active.iter_rows(values_only=True)]
        workbook.close()
        assert [["" if v is None else str(v) for v in row] for row in rows] == expected, name
        assert (tmp_path / "xlsx" / f"{name}.xlsx").read_bytes() == (
            tmp_path / "again" / f"{name}.xlsx"
        ).read_bytes()
        if name == "marks":
            assert isinstance(rows[1][0], str) and isinstance(rows[1][5], int | float)


def test_a_master_is_one_year_of_level_7_modules_with_a_60_credit_dissertation_passed_at_50(
    tmp_path: Path,
) -> None:
    generate(tmp_path, "--students", "200", "--award", "master", "--seed", "3")
    _, structure = read(tmp_path / "structure.csv")
    _, marks = read(tmp_path / "marks.csv")
    credits = {r["module_code"]: int(r["credits"]) for r in structure}
    weights: dict[str, dict[str, int]] = {}
    for row in structure:
        weights.setdefault(row["module_code"], {})[row["component"]] = int(row["weight"])
    first: dict[tuple[str, str], dict[str, str]] = {}
    for row in marks:
        if row["attempt"] == "1":
            first.setdefault((row["student_id"], row["module_code"]), {})[row["component"]] = row["mark"]
    resat = {(r["student_id"], r["module_code"]) for r in marks if r["attempt"] == "2"}

    assert {(r["programme_code"], r["programme_title"], r["award"]) for r in structure} == {
        ("HIST-MA", "MA History", "master")
    }
    assert credits == {**{f"HIST700{n}": 20 for n in range(1, 7)}, "HIST7007": 60}
    assert sum(credits.values()) == 180
    assert {(r["level"], r["programme_year"], r["academic_session"]) for r in structure} == {
        ("7", "1", "2024/25")
    }
    assert {r["module_code"] for r in structure if r["final_project"] == "yes"} == {"HIST7007"}
    assert {
        (r["component"], r["component_must_pass"]) for r in structure if r["module_code"] == "HIST7007"
    } == {
        ("dissertation", "yes"),
        ("presentation", "no"),
    }
    for key, sittings in first.items():
        if "DEF" not in sittings.values():
            assert (weighted(sittings, weights[key[1]]) < 49) == (key in resat), key
    assert 0 < len(resat) < len(first) * 0.15


def test_intakes_with_disjoint_first_students_and_one_candidate_seed_share_no_id_or_number(
    tmp_path: Path,
) -> None:
    generate(tmp_path / "ba", "--students", "300", "--seed", "1", "--candidate-seed", "9")
    master = ("--award", "master", "--first-student", "301")
    generate(tmp_path / "ma", "--students", "300", "--seed", "2", "--candidate-seed", "9", *master)
    generate(tmp_path / "plain", "--students", "300", "--seed", "1")
    generate(tmp_path / "numbered", "--students", "300", "--seed", "1", "--first-student", "1")

    people = {
        folder: {
            (r["student_id"], r["candidate_number"]) for r in read(tmp_path / folder / "students.csv")[1]
        }
        for folder in ("ba", "ma", "plain")
    }
    assert sorted(i for i, _ in people["ma"])[::299] == ["2024000301", "2024000600"]
    assert len({i for p in people.values() for i, _ in p} - {i for i, _ in people["plain"]}) == 300
    assert len({c for f in ("ba", "ma") for _, c in people[f]}) == 600
    assert {i for i, _ in people["ba"]} == {i for i, _ in people["plain"]}
    assert {c for _, c in people["ba"]} != {c for _, c in people["plain"]}
    for name in ("structure.csv", "students.csv", "marks.csv"):
        assert (tmp_path / "plain" / name).read_bytes() == (tmp_path / "numbered" / name).read_bytes()


def test_an_unknown_rule_set_is_refused_naming_the_valid_ones(tmp_path: Path) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("generate_cohort", "--students", "5", "--ruleset", "oxford-2031", "--out", str(tmp_path))

    valid = rulesets.available()
    assert {"leeds-taught-2024", "senate-reg-5"} <= set(valid)
    assert str(raised.value) == f"unknown rule set 'oxford-2031'; valid rule sets: {', '.join(valid)}"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--years", "4"), "--years must be between 1 and 3"),
        (("--students", "0"), "--students must be at least 1"),
        (("--entry-session", "2022/24"), "--entry-session '2022/24' is not a session like 2022/23"),
        (("--school", "hist"), "--school must be 2-6 capital letters, e.g. HIST"),
        (("--award", "master", "--years", "2"), "--award master is a one-year programme: use --years 1"),
        (("--first-student", "0"), "--first-student must be at least 1"),
    ],
)
def test_bad_arguments_are_refused(tmp_path: Path, args: tuple[str, ...], message: str) -> None:
    options = {"--students": "5", **dict(zip(args[::2], args[1::2], strict=True))}
    argv = [part for pair in options.items() for part in pair]
    with pytest.raises(CommandError) as raised:
        call_command("generate_cohort", "--ruleset", "senate-reg-5", "--out", str(tmp_path), *argv)

    assert str(raised.value) == message
