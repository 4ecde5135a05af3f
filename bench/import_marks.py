"""Benchmark: marks imports on PostgreSQL, file bytes to committed marks, against per-row and COPY.

Run from the project root (PostgreSQL at 127.0.0.1:5432, user postgres, trust auth)::

    .venv/bin/python bench/import_marks.py [--students N] [--baseline-rows N] [--memory-rows N] [--seed S]
                                           [--quick] [--profile] [--keep]

It creates the database ``quorum_bench`` (dropped at the end unless ``--keep``), generates a seeded
one-year cohort with ``generate_cohort`` (cached in /tmp/quorum-bench), loads its structure and students
through the import service (not timed) and keeps the first-attempt rows of its marks file. Then, in one
run: ours (``jobs.start`` + ``preview`` + ``confirm``) on an empty marks table and again with 5% of the
marks changed; django-import-export's ``MarkResource`` on the first rows of the same two files; COPY of
the same rows, ids resolved, into the emptied table; our XLSX parse against openpyxl read-only; and the
peak RSS of our import of ``--memory-rows`` rows in a process of its own against tablib loading the same
file. The last five lines are the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import dataclasses
import gc
import hashlib
import io
import itertools
import json
import linecache
import os
import pstats
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from report import figure, machine, met

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "quorum_bench"
CACHE = Path(tempfile.gettempdir()) / "quorum-bench"
RULESET = "leeds-taught-2024"
SCHOOL = "HIST"
USER = "bench"
GOAL_RATE = 40_000
GOAL_COPY_SHARE = 2 / 3
GOAL_XLSX_S = 5.0
GOAL_MB = 500
CHANGED_SHARE = 0.05
MARK_COLUMNS = (
    "registration_id, component_id, attempt, value, code, reassessment_as_first_attempt, "
    "updated_at, updated_by_id, import_batch_id"
)


# --- files ----------------------------------------------------------------------------------------------


def cohort(students: int, seed: int) -> Path:
    """structure.csv, students.csv and marks.csv of a one-year cohort, generated once and cached."""
    folder = CACHE / f"cohort-{students}-{seed}"
    if not (folder / "marks.csv").exists():
        out = subprocess.run(
            [
                *(sys.executable, str(ROOT / "manage.py"), "generate_cohort", "--students", str(students)),
                *("--years", "1", "--ruleset", RULESET, "--seed", str(seed), "--school", SCHOOL),
                *("--out", str(folder)),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        print(f"generated: {' '.join(out.stdout.split())}")
    return folder


def read_rows(path: Path) -> tuple[list[str], list[list[str]]]:
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        return next(reader), list(reader)


def csv_bytes(header: list[str], rows: list[list[str]]) -> bytes:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(header)
    writer.writerows(rows)
    return buffer.getvalue().encode()


def first_rows(source: Path, count: int, target: Path) -> Path:
    """The header and first ``count`` rows of a CSV file, written once and cached."""
    if not target.exists():
        with source.open(encoding="utf-8", newline="") as handle:
            reader = csv.reader(handle)
            target.write_bytes(csv_bytes(next(reader), list(itertools.islice(reader, count))))
    return target


def changed_copy(rows: list[list[str]], seed: int) -> tuple[list[list[str]], set[int]]:
    """The rows with ``CHANGED_SHARE`` of their marks changed (seeded): numbers by 5, codes to 45."""
    picked = set(random.Random(seed).sample(range(len(rows)), round(len(rows) * CHANGED_SHARE)))
    changed = [list(row) for row in rows]
    for index in picked:
        text = changed[index][5]
        if text.replace(".", "", 1).isdigit():
            value = Decimal(text)
            changed[index][5] = f"{(value + 5 if value <= 95 else value - 5):f}"
        else:
            changed[index][5] = "45"
    return changed, picked


def xlsx_file(header: list[str], rows: list[list[str]], name: str) -> tuple[Path, float]:
    """The rows as a workbook with typed cells (openpyxl write-only), written once and cached."""
    from openpyxl import Workbook

    path = CACHE / f"{name}.xlsx"
    start = time.perf_counter()
    if not path.exists():
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("marks")
        sheet.append(header)
        for row in rows:
            mark = row[5]
            number = int(mark) if mark.isdigit() else float(mark) if mark[:1].isdigit() else mark
            sheet.append([row[0], row[1], row[2], row[3], int(row[4]), number])
        workbook.save(path.with_suffix(".tmp"))
        path.with_suffix(".tmp").rename(path)
    return path, time.perf_counter() - start


# --- the database and Django ----------------------------------------------------------------------------


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def setup_django() -> None:
    """Base settings (DEBUG off, as in production) against the bench database."""
    os.environ["DATABASE_URL"] = f"{SERVER}/{DATABASE}"
    os.environ["DJANGO_SETTINGS_MODULE"] = "config.settings.base"
    os.environ.setdefault("SECRET_KEY", "quorum-bench-" + "x" * 50)
    import django

    django.setup()


def truncate(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def import_file(kind: str, name: str, data: bytes) -> tuple[Any, dict[str, float]]:
    """start, preview, confirm; the batch and each step's wall-clock seconds. Anything but success stops."""
    from django.contrib.auth.models import User

    from students.imports import jobs
    from students.models import ImportBatch, School

    school, user = School.objects.get(code=SCHOOL), User.objects.get(username=USER)
    gc.collect()
    seconds: dict[str, float] = {}
    start = time.perf_counter()
    batch = jobs.start(school=school, kind=kind, name=name, data=data, user_id=user.pk)
    seconds["start"] = time.perf_counter() - start
    if batch.status == ImportBatch.Status.UPLOADED:
        jobs.preview(batch)
        seconds["preview"] = time.perf_counter() - start - seconds["start"]
    if batch.status == ImportBatch.Status.PREVIEWED:
        jobs.confirm(batch, user_id=user.pk)
        seconds["confirm"] = time.perf_counter() - start - seconds["start"] - seconds["preview"]
    seconds["total"] = time.perf_counter() - start
    if batch.status != ImportBatch.Status.COMPLETED:
        raise SystemExit(f"{name}: import {batch.status}: {batch.errors[:3]}")
    return batch, seconds


def load_cohort(folder: Path) -> None:
    """Structure and students through the import service (not timed), into an emptied database."""
    from django.apps import apps
    from django.contrib.auth.models import User

    from students.models import School

    truncate("auth_user", *(model._meta.db_table for model in apps.get_app_config("students").get_models()))
    School.objects.create(code=SCHOOL, name="School of History")
    User.objects.create_user(USER)
    for kind in ("structure", "students"):
        batch, seconds = import_file(kind, f"{kind}.csv", (folder / f"{kind}.csv").read_bytes())
        print(f"setup (not timed): {kind} {batch.rows_total} rows imported in {seconds['total']:.1f} s")


# --- measuring ------------------------------------------------------------------------------------------


def ours(label: str, data: bytes, rows: int) -> tuple[Any, float]:
    batch, seconds = import_file("marks", f"{label}.csv", data)
    summary = batch.summary
    print(
        f"ours, {label}: {rows} rows in {seconds['total']:.2f} s = {rows / seconds['total']:,.0f} rows/s "
        f"(start {seconds['start']:.2f} s, preview {seconds['preview']:.2f} s, confirm "
        f"{seconds['confirm']:.2f} s); preview: new {summary['new']}, changed {summary['changed']}, "
        f"unchanged {summary['unchanged']}, errors {summary['errors']}"
    )
    return batch, rows / seconds["total"]


def check(what: str, got: object, want: object) -> None:
    if got != want:
        raise SystemExit(f"check failed: {what}: got {got}, expected {want}")


def resource_import(label: str, data: bytes, user: Any) -> tuple[Any, float]:
    """django-import-export as its admin does it: decode the upload, load a Dataset, import_data."""
    import tablib

    from students.imports.resources import MarkResource

    gc.collect()
    start = time.perf_counter()
    dataset = tablib.Dataset().load(data.decode("utf-8-sig"), format="csv")
    result = MarkResource().import_data(dataset, dry_run=False, user=user)
    seconds = time.perf_counter() - start
    totals = dict(result.totals)
    if result.has_errors() or result.has_validation_errors():
        raise SystemExit(f"baseline {label}: {result.row_errors()[:2]} {result.invalid_rows[:2]}")
    print(
        f"baseline, {label}: django-import-export MarkResource, {len(dataset)} rows in {seconds:.2f} s = "
        f"{len(dataset) / seconds:,.0f} rows/s (new {totals['new']}, update {totals['update']}, "
        f"skip {totals['skip']})"
    )
    return result, len(dataset) / seconds


def resolved(rows: list[list[str]], user_id: int) -> list[tuple[Any, ...]]:
    """The rows as students_mark tuples, registration and component ids looked up (not timed)."""
    from django.utils import timezone

    from students.imports import cells
    from students.models import Component, Registration

    registrations = {
        (student, module, session): pk
        for pk, student, module, session in Registration.objects.values_list(
            "pk", "enrolment__student__student_id", "occurrence__module__code", "occurrence__academic_session"
        )
    }
    components = {
        (module, session, name): pk
        for pk, module, session, name in Component.objects.values_list(
            "pk", "occurrence__module__code", "occurrence__academic_session", "name"
        )
    }
    now = timezone.now()
    out = []
    for student, module, session, component, attempt, mark in rows:
        value, code = cells.mark(mark)
        registration = registrations[(student, module, session)]
        out.append((registration, components[(module, session, component)], int(attempt), value, code))
    return [(*row, False, now, user_id, None) for row in out]


def copy_rows(rows: list[tuple[Any, ...]]) -> tuple[float, float]:
    """Seconds for the COPY and for its commit, where PostgreSQL checks the rows' foreign keys: Django
    declares them DEFERRABLE INITIALLY DEFERRED."""
    from django.db import connection, transaction

    gc.collect()
    start = time.perf_counter()
    with transaction.atomic():
        with (
            connection.cursor() as cursor,
            cursor.copy(f"COPY students_mark ({MARK_COLUMNS}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row(row)
        copied = time.perf_counter()
    return copied - start, time.perf_counter() - copied


def parse_xlsx(path: Path) -> tuple[float, float, int, int]:
    """Seconds for our ``read_table`` and for openpyxl read-only over the same bytes, and their row counts."""
    from openpyxl import load_workbook

    from students.imports import columns
    from students.imports.files import read_table

    data = path.read_bytes()
    gc.collect()
    start = time.perf_counter()
    table = read_table(data, path.name, columns=columns.MARKS)
    ours_s = time.perf_counter() - start
    ours_rows = len(table.rows)
    del table
    gc.collect()
    start = time.perf_counter()
    workbook = load_workbook(io.BytesIO(data), read_only=True)
    values = list(workbook.worksheets[0].iter_rows(values_only=True))
    workbook.close()
    return ours_s, time.perf_counter() - start, ours_rows, len(values) - 1


def child(mode: str, path: str) -> dict[str, Any]:
    """Run one memory measurement in this (fresh) process and print its result as JSON."""
    setup_django()
    if mode == "tablib":
        import tablib

        import students.imports.jobs  # noqa: F401 (the modules our import loads: the same base as ours)

        setup = _peak_mb()
        dataset = tablib.Dataset().load(Path(path).read_bytes().decode("utf-8-sig"), format="csv")
        return {"setup_mb": setup, "peak_mb": _peak_mb(), "rows": len(dataset)}
    if mode == "trace":
        return _trace(Path(path))
    from students.imports import jobs  # noqa: F401

    setup = _peak_mb()
    batch, seconds = import_file("marks", Path(path).name, Path(path).read_bytes())
    return {"setup_mb": setup, "peak_mb": _peak_mb(), "rows": batch.rows_total, "seconds": seconds["total"]}


def _peak_mb() -> float:
    """This process's peak resident set: VmHWM, the high-water mark of its own memory. Not ru_maxrss: Linux
    carries it across fork and exec, so a child of this (large) process would start at the parent's peak."""
    status = Path("/proc/self/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _trace(path: Path) -> dict[str, Any]:
    """Where our import's memory goes: a tracemalloc snapshot each time the traced total passes its last
    snapshot by 10% (sampled every 0.1 s); the last is within 10% of the peak, named by its step."""
    from django.contrib.auth.models import User

    from students.imports import jobs
    from students.models import School

    school, user = School.objects.get(code=SCHOOL), User.objects.get(username=USER)
    step = ["start"]
    peak: dict[str, Any] = {"size": 0}
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.1):
            size = tracemalloc.get_traced_memory()[0]
            if size > peak["size"] * 1.1:
                peak.update(size=size, step=step[0], snapshot=tracemalloc.take_snapshot())

    sampler = threading.Thread(target=sample, daemon=True)
    tracemalloc.start()
    sampler.start()
    batch = jobs.start(school=school, kind="marks", name=path.name, data=path.read_bytes(), user_id=user.pk)
    step[0] = "preview"
    jobs.preview(batch)
    step[0] = "confirm"
    jobs.confirm(batch, user_id=user.pk)
    done.set()
    sampler.join()
    traced_peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    stats = peak["snapshot"].statistics("lineno")
    return {
        "rows": batch.rows_total,
        "status": batch.status,
        "traced_peak_mb": traced_peak / 2**20,
        "step": peak["step"],
        "snapshot_mb": sum(stat.size for stat in stats) / 2**20,
        "top": [(_where(stat.traceback[0]), stat.size / 2**20, stat.count) for stat in stats[:12]],
    }


def _where(frame: tracemalloc.Frame) -> str:
    name = frame.filename
    for prefix in (f"{ROOT}/.venv/lib/python3.11/site-packages/", f"{ROOT}/"):
        name = name.removeprefix(prefix)
    return f"{name}:{frame.lineno} {linecache.getline(frame.filename, frame.lineno).strip()[:60]}"


def run_child(mode: str, path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--child", mode, str(path)], capture_output=True, text=True
    )
    if out.returncode:
        raise SystemExit(f"the {mode} process failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


# --- where the time goes (--profile) --------------------------------------------------------------------


@contextmanager
def instrumented() -> Iterator[Counter[str]]:
    """Seconds spent in read_table, the marks plan and write functions, commit, and SQL by statement
    (what goes through Django's cursor: a COPY on the raw psycopg cursor counts in its caller only)."""
    from django.db import connection

    from students.imports import jobs

    spent: Counter[str] = Counter()

    def timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] += time.perf_counter() - start  # type: ignore[assignment]  # Counter of seconds

        return wrapper

    def sql(execute: Callable[..., Any], statement: str, params: Any, many: bool, context: Any) -> Any:
        words = statement.split(None, 3)
        label = words[0].upper()
        if label == "INSERT":
            label = f"INSERT {words[2]}"
        elif label == "UPDATE":
            label = f"UPDATE {words[1]}"
        start = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            spent[f"SQL {label}"] += time.perf_counter() - start  # type: ignore[assignment]

    kind = jobs.KINDS["marks"]
    saved = (jobs.read_table, kind, connection.commit)
    jobs.read_table = timed("read_table", jobs.read_table)
    jobs.KINDS["marks"] = dataclasses.replace(
        kind, plan=timed("plan", kind.plan), write=timed("write", kind.write)
    )
    connection.commit = timed("commit (deferred foreign-key checks)", connection.commit)  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(sql):
            yield spent
    finally:
        jobs.read_table, jobs.KINDS["marks"], _ = saved
        del connection.commit


def breakdown(label: str, data: bytes) -> None:
    from django.contrib.auth.models import User

    from students.imports import jobs
    from students.models import School

    school, user = School.objects.get(code=SCHOOL), User.objects.get(username=USER)
    with instrumented() as spent:
        steps: list[tuple[str, float, Counter[str]]] = []
        for step in ("start", "preview", "confirm"):
            before = Counter(spent)
            start = time.perf_counter()
            if step == "start":
                batch = jobs.start(
                    school=school, kind="marks", name=f"{label}.csv", data=data, user_id=user.pk
                )
            elif step == "preview":
                jobs.preview(batch)
            else:
                jobs.confirm(batch, user_id=user.pk)
            steps.append((step, time.perf_counter() - start, spent - before))
    for step, seconds, parts in steps:
        calls: dict[str, float] = {name: value for name, value in parts.items() if not name.startswith("SQL")}
        calls["the rest"] = seconds - sum(calls.values())
        sql = ", ".join(
            f"{name[4:]} {value:.2f} s" for name, value in parts.items() if name.startswith("SQL")
        )
        shown = ", ".join(f"{name} {value:.2f} s" for name, value in calls.items())
        print(f"breakdown, {label}, {step}: {seconds:.2f} s: {shown}; SQL within: {sql or 'none'}")


def profile(label: str, data: bytes) -> None:
    from django.contrib.auth.models import User

    from students.imports import jobs
    from students.models import School

    school, user = School.objects.get(code=SCHOOL), User.objects.get(username=USER)
    batch = None
    for step in ("start + preview", "confirm"):
        profiler = cProfile.Profile()
        profiler.enable()
        if step == "confirm":
            assert batch is not None
            jobs.confirm(batch, user_id=user.pk)
        else:
            batch = jobs.start(school=school, kind="marks", name=f"{label}.csv", data=data, user_id=user.pk)
            jobs.preview(batch)
        profiler.disable()
        for order in ("tottime", "cumulative"):
            print(f"profile: ours, {label}, {step}, top 20 by {order}")
            pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(20)


# --- the run --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=20_000, help="students in the cohort (default 20000)")
    parser.add_argument("--baseline-rows", type=int, default=24_000, help="rows django-import-export imports")
    parser.add_argument("--memory-rows", type=int, default=1_000_000, help="rows of the memory test")
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    parser.add_argument(
        "--quick", action="store_true", help="1,700 students, 2,000 baseline and 200k memory rows"
    )
    parser.add_argument("--profile", action="store_true", help="also: where our time goes, and cProfile")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DATABASE}")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        print(json.dumps(child(*args.child)))
        return 0
    if args.quick:
        args.students, args.baseline_rows, args.memory_rows = 1_700, 2_000, 200_000
    CACHE.mkdir(parents=True, exist_ok=True)
    media = tempfile.mkdtemp(prefix="quorum-bench-media-")
    os.environ["QUORUM_MEDIA_ROOT"] = media
    recreate_database()
    try:
        setup_django()
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return run(args)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(media, ignore_errors=True)
        if args.keep:
            print(f"kept the database {SERVER}/{DATABASE}")
        else:
            drop_database()


def run(args: argparse.Namespace) -> int:
    from django.contrib.auth.models import User

    from students.models import Mark, MarkChange

    folder = cohort(args.students, args.seed)
    header, every = read_rows(folder / "marks.csv")
    rows = [row for row in every if row[4] == "1"]
    count = len(rows)
    changed_rows, picked = changed_copy(rows, args.seed)
    first, again = csv_bytes(header, rows), csv_bytes(header, changed_rows)
    print(f"postgresql: {SERVER}/{DATABASE}; cohort: {args.students} students, 1 year, seed {args.seed}")
    print(f"machine: {machine()}")
    code = _code()
    print(f"code: {code}")
    print(
        f"marks file: the {count} attempt-1 rows of {len(every)} generated (the other {len(every) - count} "
        f"are resits); {args.students * 12 - count} of {args.students} x 6 modules x 2 components are "
        f"P/F-graded registrations, which take no marks; {len(first):,} bytes"
    )
    load_cohort(folder)
    user = User.objects.get(username=USER)

    batch, ours_rate = ours("first import", first, count)
    marks = Mark.objects.filter(import_batch=batch, updated_by=user)
    check("marks written, each with who set it and through which import", marks.count(), count)
    first_batch, first_history = batch, MarkChange.objects.filter(import_batch=batch).count()
    batch, ours_again = ours("re-import, 5% changed", again, count)
    check("changed in the preview", (batch.summary["changed"], batch.summary["new"]), (len(picked), 0))
    history = MarkChange.objects.filter(import_batch=batch, old_import_batch=first_batch)
    check("history rows of the re-import, each keeping the value it replaced", history.count(), len(picked))
    print(
        f"checked: {count} marks with their provenance; history rows: {first_history} for the first import, "
        f"{len(picked)} for the re-import (one a change, keeping the replaced value and its import)"
    )

    limit = min(args.baseline_rows, count)
    truncate("students_mark")
    result, base_rate = resource_import(f"first {limit} rows", csv_bytes(header, rows[:limit]), user)
    check("baseline marks", Mark.objects.count(), limit)
    base_history = MarkChange.objects.count()
    result, base_again = resource_import(
        f"first {limit} rows, 5% changed", csv_bytes(header, changed_rows[:limit]), user
    )
    updates = sum(1 for index in picked if index < limit)
    check("baseline updates", (result.totals["update"], result.totals["skip"]), (updates, limit - updates))
    check("baseline history rows of the re-import", MarkChange.objects.count() - base_history, updates)

    tuples = resolved(rows, user.pk)
    truncate("students_mark")
    copying, committing = copy_rows(tuples)
    check("rows copied", Mark.objects.count(), count)
    copy_rate = count / (copying + committing)
    print(
        f"baseline, COPY: {count} rows in {copying + committing:.2f} s = {copy_rate:,.0f} rows/s (COPY "
        f"{copying:.2f} s, commit {committing:.2f} s: the deferred foreign-key checks; no history rows)"
    )

    path, written = xlsx_file(header, rows, f"marks-{args.students}-{args.seed}-attempt1")
    print(f"xlsx: {path} ({path.stat().st_size:,} bytes, {written:.1f} s to write or find)")
    ours_xlsx, openpyxl_s, ours_xlsx_rows, openpyxl_rows = parse_xlsx(path)
    check("xlsx rows", (ours_xlsx_rows, openpyxl_rows), (count, count))
    print(f"xlsx: read_table {ours_xlsx:.2f} s, openpyxl read-only {openpyxl_s:.2f} s, {count} rows each")

    if args.profile:
        truncate("students_mark")
        breakdown("first import", first)
        breakdown("re-import, 5% changed", again)
        truncate("students_mark")
        profile("first import", first)

    memory = memory_test(args, header)

    print(f"machine, at the end: {machine()}")
    if _code() != code:
        print(f"code, at the end: {_code()}: the app code CHANGED during the run; the figures mix versions")
    goals = [
        f"{GOAL_RATE:,} rows/s: {met(ours_rate >= GOAL_RATE)} (first import {ours_rate:,.0f}, "
        f"re-import {ours_again:,.0f})",
        f"2/3 of COPY's rate: {met(ours_rate >= GOAL_COPY_SHARE * copy_rate)} "
        f"({ours_rate / copy_rate:.1%} of COPY)",
        f"XLSX parsed in under {GOAL_XLSX_S:.0f} s: {met(ours_xlsx < GOAL_XLSX_S)} ({ours_xlsx:.2f} s)",
        f"under {GOAL_MB} MB for {args.memory_rows:,} rows: {met(memory['peak_mb'] < GOAL_MB)} "
        f"({memory['peak_mb']:.0f} MB)",
    ]
    for line in goals:
        print(f"goal: {line}")
    figure("csv_import_rows_per_s", round(ours_rate), round(base_rate))
    figure("csv_reimport_rows_per_s", round(ours_again), round(base_again))
    figure("csv_import_vs_copy_rows_per_s", round(ours_rate), round(copy_rate))
    figure("xlsx_parse_s", round(ours_xlsx, 2), round(openpyxl_s, 2))
    figure("peak_rss_mb_1m_rows", round(memory["peak_mb"]), round(memory["baseline_mb"]))
    return 0


def memory_test(args: argparse.Namespace, header: list[str]) -> dict[str, float]:
    """Our import of ``--memory-rows`` rows in a process of its own, and tablib loading the same file."""
    folder = cohort(-(-args.memory_rows // 12), args.seed)
    path = first_rows(
        folder / "marks.csv", args.memory_rows, CACHE / f"marks-{args.memory_rows}-{args.seed}.csv"
    )
    load_cohort(folder)
    ours = run_child("ours", path)
    base = run_child("tablib", path)
    check("memory test rows", (ours["rows"], base["rows"]), (args.memory_rows, args.memory_rows))
    print(
        f"memory, ours: {ours['rows']} rows ({path.stat().st_size:,} bytes) imported in "
        f"{ours['seconds']:.1f} s in a process of its own: peak RSS {ours['peak_mb']:.0f} MB "
        f"({ours['setup_mb']:.0f} MB after setup)"
    )
    print(
        f"memory, baseline: tablib.Dataset().load of the same file: peak RSS {base['peak_mb']:.0f} MB "
        f"({base['setup_mb']:.0f} MB after the same setup)"
    )
    if ours["peak_mb"] >= GOAL_MB:
        truncate("students_mark")
        trace = run_child("trace", path)
        print(
            f"memory, where it goes: tracemalloc over the same {trace['rows']} rows ({trace['status']}), "
            f"peak {trace['traced_peak_mb']:.0f} MB traced (Python objects only, so below the RSS)"
        )
        print(f"  snapshot in {trace['step']}: {trace['snapshot_mb']:.0f} MB traced; top lines:")
        for where, mb, blocks in trace["top"]:
            print(f"    {mb:8.1f} MB {blocks:>9} blocks  {where}")
    return {"peak_mb": ours["peak_mb"], "baseline_mb": base["peak_mb"]}


def _code() -> str:
    """HEAD and a hash of the code on the marks path (the import modules it runs, the models), to tell runs
    apart; the structure and students imports only load the cohort and are left out."""
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True)
    digest = hashlib.sha256()
    names = ("cells", "columns", "files", "jobs", "marks", "resources")
    for path in [
        *(ROOT / f"students/imports/{name}.py" for name in names),
        *ROOT.glob("students/models/*.py"),
    ]:
        digest.update(path.read_bytes())
    return f"HEAD {head.stdout.strip() or '?'}, marks path sha256 {digest.hexdigest()[:12]}"


if __name__ == "__main__":
    sys.exit(main())
