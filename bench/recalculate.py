"""Benchmark: a cohort's recalculation and its broadsheet on PostgreSQL, each against a naive ORM baseline.

Run from the project root (PostgreSQL at 127.0.0.1:5432, user postgres, trust auth; Redis at
127.0.0.1:6379 for the worker, or ``--in-process`` without it)::

    .venv/bin/python bench/recalculate.py [--students N] [--baseline-students N] [--broadsheet-students N]
                                          [--seed S] [--in-process] [--profile] [--keep]

It creates the database ``quorum_bench_recalc`` (dropped at the end unless ``--keep``), generates a
seeded three-year Leeds cohort with ``generate_cohort`` (cached in /tmp/quorum-bench) and imports its
structure, students and marks through the import services (not timed). Then, in one run: ours, the
final-year cohort recalculated by a real Celery worker (one process, ``--pool=solo``) from the moment the
recalculation is requested until its outcome set is complete; and the baseline, a per-student ORM loop
over the first ``--baseline-students`` students, scaled to the whole cohort. The broadsheet half renders
the page for ``--broadsheet-students`` students against a plain ListView with per-row lookups. The last
two lines are the figures.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from report import figure, machine, met

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

SERVER = "postgres://postgres@127.0.0.1:5432"
DATABASE = "quorum_bench_recalc"
REDIS = "redis://127.0.0.1:6379/14"
"""A Redis database of the bench's own, so its worker takes no other run's tasks and gives none away."""
CACHE = Path(tempfile.gettempdir()) / "quorum-bench"
RULESET = "leeds-taught-2024"
SCHOOL = "HIST"
USER = "bench"
YEARS = 3
SESSION = "2024/25"
GOAL_RECALC_S = 10.0
GOAL_BROADSHEET_S = 1.0


# --- the cohort -----------------------------------------------------------------------------------------


def cohort_files(students: int, seed: int, school: str = SCHOOL) -> Path:
    """structure.csv, students.csv and marks.csv of a three-year cohort, generated once and cached."""
    folder = CACHE / f"cohort-{school}-{students}-{YEARS}y-{seed}"
    if not (folder / "marks.csv").exists():
        out = subprocess.run(
            [
                *(sys.executable, str(ROOT / "manage.py"), "generate_cohort", "--students", str(students)),
                *("--years", str(YEARS), "--ruleset", RULESET, "--seed", str(seed), "--school", school),
                *("--out", str(folder)),
            ],
            check=True,
            capture_output=True,
            text=True,
        )
        print(f"generated: {' '.join(out.stdout.split())}")
    return folder


# --- the database, Django and the worker ----------------------------------------------------------------


def recreate_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")
        connection.execute(f"CREATE DATABASE {DATABASE}")


def drop_database() -> None:
    import psycopg

    with psycopg.connect(f"{SERVER}/postgres", autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)")


def environment(in_process: bool) -> dict[str, str]:
    """Base settings (DEBUG off, as in production) against the bench database and the bench's Redis."""
    env = {
        "DATABASE_URL": f"{SERVER}/{DATABASE}",
        "DJANGO_SETTINGS_MODULE": "config.settings.base",
        "SECRET_KEY": os.environ.get("SECRET_KEY", "quorum-bench-" + "x" * 50),
        "ALLOWED_HOSTS": "testserver",
    }
    if not in_process:
        env["REDIS_URL"] = REDIS
    return env


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


@contextmanager
def worker(env: dict[str, str]) -> Iterator[str]:
    """A real Celery worker in a process of its own (``--pool=solo``: one task at a time), ready to take
    tasks; yields its log's path. The bench's Redis queue is purged first: a task left there by an
    interrupted run names an outcome set of a database that no longer exists."""
    from config.celery import app

    app.control.purge()
    name = f"bench-{uuid.uuid4().hex[:8]}@%h"
    log = Path(tempfile.gettempdir()) / f"quorum-bench-worker-{os.getpid()}.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [
                *(sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "-c", "1"),
                *("-l", "warning", "--without-gossip", "--without-mingle", "-n", name),
            ],
            cwd=ROOT,
            env={**os.environ, **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while not app.control.ping(timeout=0.5):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit(f"the worker did not start; its log:\n{log.read_text()[-3000:]}")
            yield str(log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def truncate(*tables: str) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")


def import_cohort(folder: Path, code: str = SCHOOL) -> None:
    """A school, then its structure, students and marks through the import services (not timed), as an
    administrator would. No cohort of the school is on a board yet, so the imports queue no recalculation;
    then ANALYZE, so the planner has the statistics autovacuum would soon have gathered."""
    from django.contrib.auth.models import User
    from django.db import connection

    from students.imports import jobs
    from students.models import ImportBatch, School

    school = School.objects.create(code=code, name=f"School {code}")
    user = User.objects.filter(username=USER).first() or User.objects.create_superuser(USER, password=None)
    for kind in ("structure", "students", "marks"):
        start = time.perf_counter()
        data = (folder / f"{kind}.csv").read_bytes()
        batch = jobs.start(school=school, kind=kind, name=f"{kind}.csv", data=data, user_id=user.pk)
        jobs.preview(batch)
        jobs.confirm(batch, user_id=user.pk)
        if batch.status != ImportBatch.Status.COMPLETED:
            raise SystemExit(f"{kind}: import {batch.status}: {batch.errors[:3]}")
        print(
            f"setup (not timed): {code} {kind}, {batch.rows_total} rows imported in "
            f"{time.perf_counter() - start:.1f} s"
        )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def board(code: str = SCHOOL) -> Any:
    """The school's committee, its final-year cohort and an award meeting with that cohort on its agenda."""
    from boards.models import AssessmentCommittee, Cohort, Meeting
    from students.models import Programme, School

    school = School.objects.get(code=code)
    committee = AssessmentCommittee.objects.create(school=school, name=f"{code} board")
    cohort = Cohort.objects.create(
        committee=committee,
        programme=Programme.objects.get(school=school),
        academic_session=SESSION,
        programme_year=YEARS,
        final_year=True,
        level=YEARS + 3,
    )
    meeting = Meeting.objects.create(committee=committee, date="2025-06-20", kind=Meeting.Kind.AWARD)
    meeting.cohorts.add(cohort)
    return meeting


def check(what: str, got: object, want: object) -> None:
    if got != want:
        raise SystemExit(f"check failed: {what}: got {got}, expected {want}")


@contextmanager
def counted() -> Iterator[list[int]]:
    """The number of queries sent inside the block (a one-item list, filled as they go). Not Django's
    query log: that keeps only the last 9,000, and the naive loop sends more."""
    from django.db import connection

    count = [0]

    def counting(execute: Callable[..., Any], *args: Any) -> Any:
        count[0] += 1
        return execute(*args)

    with connection.execute_wrapper(counting):
        yield count


# --- the recalculation ----------------------------------------------------------------------------------


def ours_on_worker(cohort: Any, stage: str) -> tuple[Any, float]:
    """``request_recalculation`` (what the Recalculate button and an import call) to a complete set, timed
    by the wall clock: the task travels through Redis to the worker, which runs ``calculate`` (load through
    the adapter, engine, outcomes written in chunks, the set made current)."""
    from boards.models import OutcomeSet
    from boards.services import request_recalculation

    gc.collect()
    start = time.perf_counter()
    outcome_set = request_recalculation(cohort=cohort, stage=stage, trigger="bench")
    while True:
        status = OutcomeSet.objects.filter(pk=outcome_set.pk).values_list("status", flat=True).get()
        if status in (OutcomeSet.Status.COMPLETE, OutcomeSet.Status.FAILED):
            break
        time.sleep(0.02)
    seconds = time.perf_counter() - start
    outcome_set.refresh_from_db()
    return outcome_set, seconds


def ours_in_process(cohort: Any, stage: str) -> tuple[Any, float]:
    """The task's body, ``calculate``, called in this process (no broker, no worker)."""
    from boards.models import OutcomeSet
    from boards.recalculation import calculate

    gc.collect()
    start = time.perf_counter()
    outcome_set = OutcomeSet.objects.create(cohort=cohort, stage=stage, trigger="bench, in process")
    calculate(outcome_set.pk)
    seconds = time.perf_counter() - start
    outcome_set.refresh_from_db()
    return outcome_set, seconds


def naive_record(enrolment: Any, ask: Any) -> Any:
    """The adapter's record for one enrolment, each relation fetched with its own query as the loop reaches
    it (the code one writes first): about five queries per module. It shares the adapter's small builders,
    so the two records are the same (the outcomes are compared)."""
    from regulations.adapters import (
        FLAG_FIELDS,
        NO_FLAGS,
        PROGRAMME_FIELDS,
        STUDENT_FIELDS,
        Occurrence,
        _flags,
        _module,
        _programme,
        _student,
    )
    from regulations.engine.records import Record
    from students.models import Enrolment, ProgrammeModule

    programme = enrolment.entry_cohort.programme
    final_projects = tuple(
        pm.module.code
        for pm in programme.programme_modules.filter(final_project=True).order_by(
            "programme__code", "programme_year", "module__code"
        )
    )
    taken = Enrolment.objects.filter(
        student_id=enrolment.student_id,
        entry_cohort_id=enrolment.entry_cohort_id,
        academic_session__lte=enrolment.academic_session,
    ).order_by("academic_session", "pk")
    modules = []
    for past in taken:
        for registration in past.registrations.order_by("id"):
            occurrence = registration.occurrence
            module = occurrence.module
            pm = ProgrammeModule.objects.filter(programme=programme, module=module).first()
            components = Occurrence(
                [
                    (c.pk, c.name, c.weight, c.must_pass)
                    for c in occurrence.components.order_by("position", "id")
                ]
            )
            marks = [
                (
                    m.registration_id,
                    m.component_id,
                    m.attempt,
                    m.value,
                    m.code,
                    m.reassessment_as_first_attempt,
                )
                for m in registration.marks.order_by("attempt", "component__position", "component_id")
            ]
            row = (
                registration.pk,
                past.pk,
                occurrence.pk,
                module.pk,
                module.code,
                module.level,
                module.credits,
            )
            flags = NO_FLAGS if pm is None else _flags([*(getattr(pm, f) for f in FLAG_FIELDS), pm.subject])
            modules.append(_module((*row, registration.grade), past.programme_year, components, marks, flags))
    return Record(
        id=enrolment.student.student_id,
        ruleset=enrolment.entry_cohort.ruleset_key,
        programme=_programme({f: getattr(programme, f) for f in PROGRAMME_FIELDS}, final_projects),
        student=_student({f: getattr(enrolment, f) for f in STUDENT_FIELDS}),
        modules=tuple(modules),
        ask=ask,
    )


def baseline(cohort: Any, stage: str, ids: list[int]) -> tuple[Any, float, int]:
    """A per-student ORM loop: fetch the enrolment, build its record query by query, evaluate, save the
    outcome (one INSERT each) in one transaction; the seconds and the queries it sent."""
    from django.db import transaction

    from boards.models import OutcomeSet
    from boards.recalculation import _outcome, ask_for
    from students.models import Enrolment

    outcome_set = OutcomeSet.objects.create(cohort=cohort, stage=stage, trigger="bench, naive baseline")
    ask = ask_for(cohort, stage)
    gc.collect()
    with counted() as queries:
        start = time.perf_counter()
        with transaction.atomic():
            for pk in ids:
                enrolment = Enrolment.objects.get(pk=pk)
                _outcome(outcome_set, pk, naive_record(enrolment, ask)).save()
        seconds = time.perf_counter() - start
    return outcome_set, seconds, queries[0]


def same_outcomes(ours: Any, theirs: Any, ids: list[int]) -> int:
    """The baseline's outcomes equal ours, column for column and trace included; how many were compared."""
    from boards.models import Outcome

    fields = [f.name for f in Outcome._meta.concrete_fields if f.name not in ("id", "outcome_set")]
    mine = {
        row["enrolment"]: row
        for row in Outcome.objects.filter(outcome_set=ours, enrolment__in=ids).values(*fields)
    }
    other = {row["enrolment"]: row for row in Outcome.objects.filter(outcome_set=theirs).values(*fields)}
    check("the baseline's outcomes equal ours", other, mine)
    return len(other)


# --- the broadsheet -------------------------------------------------------------------------------------

BROADSHEET_SCHOOL = "ENGL"
BASELINE_TEMPLATE = """{% extends "base.html" %}
{% block content %}
<table>
  <thead><tr><th>Student ID</th><th>Name</th>{% for code in modules %}<th>{{ code }}</th>{% endfor %}
  {% for year in years %}<th>Year {{ year }}</th>{% endfor %}
  <th>Classification average</th><th>Credit passed</th>
  <th>Class</th><th>Award</th><th>Exit award</th><th>Flags</th></tr></thead>
  <tbody>
  {% for outcome, marks, averages in rows %}
    <tr><td><a href="{{ outcome.pk }}/">{{ outcome.enrolment.student.student_id }}</a></td>
    <td>{{ outcome.enrolment.student.family_name }}, {{ outcome.enrolment.student.given_name }}</td>
    {% for mark in marks %}<td>{{ mark }}</td>{% endfor %}
    {% for average in averages %}<td>{{ average }}</td>{% endfor %}
    <td>{{ outcome.classification_average|default:"" }}</td><td>{{ outcome.credit_passed }}</td>
    <td>{{ outcome.klass }}</td><td>{{ outcome.award }}</td>
    <td>{{ outcome.exit_award }}</td><td>{{ outcome.flags|join:", " }}</td></tr>
  {% endfor %}
  </tbody>
</table>
{% endblock %}
"""


def baseline_view(outcome_set: Any) -> Callable[..., Any]:
    """A plain ListView of the set's outcomes: the template follows each row's enrolment and student (a
    query each), and the module columns are read from each row's whole result."""
    from django.template import engines
    from django.views.generic import ListView

    from boards.models import Outcome

    template = engines["django"].from_string(BASELINE_TEMPLATE)

    class OutcomeList(ListView):
        def get_queryset(self) -> Any:
            return Outcome.objects.filter(outcome_set=outcome_set).order_by("enrolment__student__student_id")

        def get_template_names(self) -> list[str]:
            return []

        def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> Any:
            from django.http import HttpResponse

            return HttpResponse(template.render(context, self.request))

        def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
            context = super().get_context_data(**kwargs)
            outcomes = list(context["object_list"])
            modules = sorted({code for o in outcomes for code in o.result.get("module_marks", {})})
            years = sorted({year for o in outcomes for year in o.result.get("year_averages", {})}, key=int)
            context["modules"], context["years"] = modules, years
            context["rows"] = [
                (
                    o,
                    [o.result["module_marks"].get(code, "") for code in modules],
                    [o.result["year_averages"].get(year, "") for year in years],
                )
                for o in outcomes
            ]
            return context

    return OutcomeList.as_view()


def render_timed(view: Callable[..., Any], path: str, user: Any, **kwargs: Any) -> tuple[float, int, bytes]:
    """One request through ``view`` (RequestFactory, signed in as ``user``): seconds, queries, the page."""
    from django.test import RequestFactory

    request = RequestFactory().get(path)
    request.user = user
    gc.collect()
    with counted() as queries:
        start = time.perf_counter()
        response = view(request, **kwargs)
        content = response.content
        seconds = time.perf_counter() - start
    check(f"status of {path}", response.status_code, 200)
    return seconds, queries[0], content


def broadsheet_figures(args: argparse.Namespace) -> tuple[float, float]:
    """The broadsheet of a cohort of ``--broadsheet-students`` and the baseline: median of 5 after a
    warm-up each, rendered in this process; the page must show every student."""
    from django.contrib.auth.models import User
    from django.urls import reverse

    from boards.models import OutcomeSet
    from boards.views.broadsheet import broadsheet

    meeting, outcome_set = broadsheet_cohort(args.broadsheet_students, args.seed)
    cohort = meeting.cohorts.get()
    user = User.objects.get(username=USER)
    path = reverse("boards:broadsheet", args=[meeting.pk, cohort.pk]) + "?per_page=all"
    student_ids = list(
        OutcomeSet.objects.get(pk=outcome_set.pk).outcomes.values_list(
            "enrolment__student__student_id", flat=True
        )
    )
    measured: dict[str, list[tuple[float, int]]] = {"ours": [], "baseline": []}
    views: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {
        "ours": (broadsheet, {"meeting": meeting.pk, "cohort": cohort.pk}),
        "baseline": (baseline_view(outcome_set), {}),
    }
    for label, (view, kwargs) in views.items():
        _, _, page = render_timed(view, path, user, **kwargs)
        text = page.decode()
        shown = sum(1 for student_id in student_ids if f">{student_id}<" in text)
        check(f"{label}: students shown on the page", shown, len(student_ids))
        for _ in range(5):
            seconds, queries, _ = render_timed(view, path, user, **kwargs)
            measured[label].append((seconds, queries))
        times = [seconds for seconds, _ in measured[label]]
        print(
            f"broadsheet, {label}: {len(student_ids)} students, {len(page):,} bytes; median of 5 after a "
            f"warm-up {statistics.median(times):.3f} s (runs {', '.join(f'{t:.3f}' for t in times)}); "
            f"queries {measured[label][-1][1]}"
        )
    return (
        statistics.median(seconds for seconds, _ in measured["ours"]),
        statistics.median(seconds for seconds, _ in measured["baseline"]),
    )


def broadsheet_cohort(students: int, seed: int) -> tuple[Any, Any]:
    """A second school's cohort of ``students``, imported and calculated (not timed)."""
    from boards.models import OutcomeSet
    from boards.recalculation import calculate, stage_for

    import_cohort(cohort_files(students, seed, BROADSHEET_SCHOOL), BROADSHEET_SCHOOL)
    meeting = board(BROADSHEET_SCHOOL)
    cohort = meeting.cohorts.get()
    outcome_set = OutcomeSet.objects.create(
        cohort=cohort, stage=stage_for(cohort, meeting.kind), trigger="bench"
    )
    calculate(outcome_set.pk)
    outcome_set.refresh_from_db()
    check("the broadsheet's outcome set", (outcome_set.status, outcome_set.is_current), ("complete", True))
    return meeting, outcome_set


# --- where the time goes (--profile) --------------------------------------------------------------------


@contextmanager
def instrumented() -> Iterator[dict[str, float]]:
    """Seconds spent in the steps of ``calculate`` (the names it calls, wrapped where it looks them up) and
    in SQL by statement, measured inside those steps too."""
    from django.db import connection

    from boards import recalculation
    from regulations.engine.result import Result

    spent: dict[str, float] = {}

    def timed(label: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                spent[label] = spent.get(label, 0.0) + time.perf_counter() - start

        return wrapper

    def sql(execute: Callable[..., Any], statement: str, params: Any, many: bool, context: Any) -> Any:
        words = statement.split(None, 3)
        label = f"SQL {words[0].upper()} {words[2] if words[0].upper() in ('INSERT', 'DELETE') else ''}"
        start = time.perf_counter()
        try:
            return execute(statement, params, many, context)
        finally:
            spent[label.strip()] = spent.get(label.strip(), 0.0) + time.perf_counter() - start

    names = ("records_for", "evaluate", "inputs_fingerprint", "flags")
    saved = {name: getattr(recalculation, name) for name in names}
    saved_as_dict = Result.as_dict
    for name in names:
        setattr(recalculation, name, timed(name, saved[name]))
    Result.as_dict = timed("Result.as_dict", saved_as_dict)  # type: ignore[method-assign]
    try:
        with connection.execute_wrapper(sql):
            yield spent
    finally:
        for name in names:
            setattr(recalculation, name, saved[name])
        Result.as_dict = saved_as_dict  # type: ignore[method-assign]


def profile(cohort: Any, stage: str) -> None:
    """Where ``calculate``'s time goes, by step and SQL statement, then cProfile's top functions."""
    with instrumented() as spent:
        _, seconds = ours_in_process(cohort, stage)
    parts = ", ".join(f"{name} {value:.2f} s" for name, value in sorted(spent.items(), key=lambda i: -i[1]))
    print(f"breakdown, calculate in process: {seconds:.2f} s: {parts}")
    profiler = cProfile.Profile()
    profiler.enable()
    ours_in_process(cohort, stage)
    profiler.disable()
    for order in ("tottime", "cumulative"):
        print(f"profile: calculate, top 30 by {order}")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(30)


# --- the run --------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=20_000, help="students in the cohort (default 20000)")
    parser.add_argument(
        "--baseline-students", type=int, default=1_000, help="students the naive loop recalculates (1000)"
    )
    parser.add_argument(
        "--broadsheet-students", type=int, default=1_000, help="students on the broadsheet (default 1000)"
    )
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    parser.add_argument(
        "--in-process", action="store_true", help="call the task's body here instead of a worker on Redis"
    )
    parser.add_argument("--profile", action="store_true", help="also: where calculate's time goes, cProfile")
    parser.add_argument("--keep", action="store_true", help=f"keep the database {DATABASE}")
    args = parser.parse_args(argv)
    CACHE.mkdir(parents=True, exist_ok=True)
    media = tempfile.mkdtemp(prefix="quorum-bench-media-")
    env = {**environment(args.in_process), "QUORUM_MEDIA_ROOT": media}
    recreate_database()
    try:
        setup_django(env)
        from django.core.management import call_command

        call_command("migrate", verbosity=0)
        return run(args, env)
    finally:
        from django.db import connections

        connections.close_all()
        shutil.rmtree(media, ignore_errors=True)
        if args.keep:
            print(f"kept the database {SERVER}/{DATABASE}")
        else:
            drop_database()


def run(args: argparse.Namespace, env: dict[str, str]) -> int:
    from boards.models import Outcome
    from boards.recalculation import stage_for
    from boards.selectors import enrolment_ids

    print(
        f"postgresql: {SERVER}/{DATABASE}; cohort: {args.students} students, {YEARS} years, seed {args.seed}"
    )
    print(f"machine: {machine()}")
    import_cohort(cohort_files(args.students, args.seed))
    meeting = board()
    cohort = meeting.cohorts.get()
    stage = stage_for(cohort, meeting.kind)
    ids = enrolment_ids(cohort)
    check("students in the final-year cohort", len(ids), args.students)

    if args.profile:
        profile(cohort, stage)
    if args.in_process:
        how = "the task's body (boards.recalculation.calculate) called in this process, one process"
        outcome_set, ours_s = ours_in_process(cohort, stage)
    else:
        how = "request_recalculation -> Redis -> one Celery worker process (--pool=solo) -> set complete"
        with worker(env):
            outcome_set, ours_s = ours_on_worker(cohort, stage)
    check("our outcome set", (outcome_set.status, outcome_set.is_current), ("complete", True))
    check("our outcomes", Outcome.objects.filter(outcome_set=outcome_set).count(), len(ids))
    print(f"ours: {len(ids)} students in {ours_s:.2f} s = {len(ids) / ours_s:,.0f} students/s ({how})")

    sample = ids[: args.baseline_students]
    naive_set, naive_s, queries = baseline(cohort, stage, sample)
    compared = same_outcomes(outcome_set, naive_set, sample)
    scaled = naive_s * len(ids) / len(sample)
    print(
        f"baseline: naive per-student ORM loop, {len(sample)} students in {naive_s:.2f} s "
        f"({queries} queries, {queries / len(sample):.0f} per student), scaled to {len(ids)}: "
        f"{scaled:.1f} s; its {compared} outcomes equal ours, trace included"
    )
    sheet_s, sheet_baseline_s = broadsheet_figures(args)
    print(f"machine, at the end: {machine()}")
    print(
        f"goal: the cohort in {GOAL_RECALC_S:.0f} s or less: {met(ours_s <= GOAL_RECALC_S)} ({ours_s:.2f} s)"
    )
    print(
        f"goal: the broadsheet in under {GOAL_BROADSHEET_S:.0f} s: {met(sheet_s < GOAL_BROADSHEET_S)} "
        f"({sheet_s:.3f} s)"
    )
    figure("recalc_20k_students_s", round(ours_s, 2), round(scaled, 2))
    figure("broadsheet_1000_students_s", round(sheet_s, 3), round(sheet_baseline_s, 3))
    return 0


if __name__ == "__main__":
    sys.exit(main())
