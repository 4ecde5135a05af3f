"""``manage.py generate_cohort --students N --ruleset KEY --out DIR``: a synthetic cohort in three files.

Writes ``structure``, ``students`` and ``marks`` (``.csv`` or ``.xlsx``) in the formats of
``students.imports.columns``, for demo boards and benchmarks. It touches no database. Rows are streamed to
disk as they are generated; the same arguments give byte-identical files.
"""

from __future__ import annotations

import csv
import datetime
import shutil
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol
from zipfile import ZIP_DEFLATED, ZipFile, ZipInfo

from django.core.management.base import BaseCommand, CommandError, CommandParser
from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

from regulations import rulesets
from regulations.engine.numbers import MARK_SCALE
from students.generator import (
    AWARDS,
    BACHELOR,
    DEFAULT_SEED,
    MARKS_HEADER,
    MAX_YEARS,
    STRUCTURE_HEADER,
    STUDENTS_HEADER,
    CohortSpec,
    Row,
    build_programme,
    cohort_rows,
    structure_rows,
)

# Fixed file dates inside an .xlsx, so that its bytes depend on the rows alone.
XLSX_TIME = datetime.datetime(2024, 1, 1)
ZIP_TIME = (1980, 1, 1, 0, 0, 0)


class Command(BaseCommand):
    help = "Write a synthetic cohort (structure, students, marks files) in the upload formats."
    requires_migrations_checks = False
    # It only writes files: no database, no URLs, so nothing the system checks look at.
    requires_system_checks = ()

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--students", type=int, required=True, help="Number of students")
        parser.add_argument(
            "--ruleset", required=True, help=f"Rule set key: {', '.join(rulesets.available())}"
        )
        parser.add_argument(
            "--out", type=Path, required=True, help="Folder for the files (created if missing)"
        )
        parser.add_argument(
            "--years", type=int, default=1, help=f"Programme years, 1-{MAX_YEARS} (default 1)"
        )
        parser.add_argument(
            "--seed", type=int, default=DEFAULT_SEED, help=f"Random seed (default {DEFAULT_SEED})"
        )
        parser.add_argument("--format", choices=("csv", "xlsx"), default="csv")
        parser.add_argument(
            "--school", default="HIST", help="School code, the module code prefix (default HIST)"
        )
        parser.add_argument("--entry-session", help="e.g. 2022/23 (default: the final year is 2024/25)")
        parser.add_argument(
            "--incomplete", type=int, default=0, help="First-attempt marks of the final year to leave out"
        )
        parser.add_argument(
            "--award",
            choices=AWARDS,
            default=BACHELOR,
            help=f"{BACHELOR} (years 1-3, levels 4-6) or master (one year at level 7, 180 credits)",
        )
        parser.add_argument(
            "--first-student",
            type=int,
            default=1,
            help="Serial of the first student id (default 1); another intake of the entry year starts after",
        )
        parser.add_argument(
            "--candidate-seed",
            type=int,
            help="Seed of the candidate numbers (default --seed): intakes sharing it never share a number",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        key = options["ruleset"]
        valid = rulesets.available()
        if key not in valid:
            raise CommandError(f"unknown rule set {key!r}; valid rule sets: {', '.join(valid)}")
        pass_mark = rulesets.get(key).pass_mark
        try:
            spec = CohortSpec(
                students=options["students"],
                ruleset=key,
                years=options["years"],
                seed=options["seed"],
                school=options["school"],
                entry_session=options["entry_session"],
                incomplete=options["incomplete"],
                award=options["award"],
                first_student=options["first_student"],
                candidate_seed=options["candidate_seed"],
                pass_marks={level: Decimal(mark) / MARK_SCALE for level, mark in pass_mark.values.items()},
            )
        except ValueError as error:
            raise CommandError(str(error)) from error

        out: Path = options["out"]
        out.mkdir(parents=True, exist_ok=True)
        extension = options["format"]
        programme = build_programme(spec)
        paths = {name: out / f"{name}.{extension}" for name in ("structure", "students", "marks")}
        counts = dict.fromkeys(paths, 0)
        with open_rows(paths["structure"], STRUCTURE_HEADER) as sheet:
            for row in structure_rows(programme):
                sheet.append(row)
                counts["structure"] += 1
        with ExitStack() as stack:
            students = stack.enter_context(open_rows(paths["students"], STUDENTS_HEADER))
            marks = stack.enter_context(open_rows(paths["marks"], MARKS_HEADER))
            for registrations, mark_rows in cohort_rows(spec, programme):
                students.extend(registrations)
                marks.extend(mark_rows)
                counts["students"] += len(registrations)
                counts["marks"] += len(mark_rows)
        for name, path in paths.items():
            self.stdout.write(f"{path}: {counts[name]} rows")


class RowSink(Protocol):
    def append(self, row: Row) -> None: ...

    def extend(self, rows: list[Row]) -> None: ...


class CsvSink:
    def __init__(self, writer: Any) -> None:
        self.append = writer.writerow
        self.extend = writer.writerows


class XlsxSink:
    def __init__(self, sheet: Any) -> None:
        self.append = sheet.append

    def extend(self, rows: list[Row]) -> None:
        for row in rows:
            self.append(row)


@contextmanager
def open_rows(path: Path, header: tuple[str, ...]) -> Iterator[RowSink]:
    """A sink for rows under ``header``: UTF-8 CSV, or an .xlsx written row by row (openpyxl write-only)."""
    if path.suffix == ".csv":
        with path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            yield CsvSink(writer)
        return
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(path.stem)
    sheet.append(header)
    yield XlsxSink(sheet)
    workbook.properties.created = workbook.properties.modified = XLSX_TIME
    with FixedTimeZip(path, "w", ZIP_DEFLATED, allowZip64=True) as archive:
        # ExcelWriter rather than workbook.save(), which stamps the time of saving into the file.
        ExcelWriter(workbook, archive).save()


class FixedTimeZip(ZipFile):
    """A zip archive whose entries all carry one fixed date, so that the same content gives the same bytes."""

    def writestr(self, zinfo_or_arcname: Any, data: Any, *args: Any, **kwargs: Any) -> None:
        if isinstance(zinfo_or_arcname, str):
            zinfo_or_arcname = self._entry(zinfo_or_arcname)
        super().writestr(zinfo_or_arcname, data, *args, **kwargs)

    def write(self, filename: Any, arcname: Any = None, *args: Any, **kwargs: Any) -> None:
        entry = self._entry(str(arcname or filename))
        entry.file_size = Path(filename).stat().st_size
        with open(filename, "rb") as source, self.open(entry, "w") as target:
            shutil.copyfileobj(source, target, 1 << 20)

    def _entry(self, name: str) -> ZipInfo:
        entry = ZipInfo(name, date_time=ZIP_TIME)
        entry.compress_type = ZIP_DEFLATED
        entry.external_attr = 0o600 << 16
        return entry
