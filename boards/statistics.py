"""Module statistics for the board: where a board looks for marks that may need scaling.

Per module of the cohort's year, the distribution of first-attempt module marks with its mean, median,
standard deviation and pass rate, beside the same figures for the cohort of the previous session. The
marks are the engine's own (each student's trace in ``Outcome.result``), so the page and the outcome
pages cannot disagree; all figures are computed here in ``Decimal`` from one query per outcome set.

A first attempt with a result code (ABS, NS, DEF), a P/F grade or no mark yet is counted beside the
marks, not as one: a zero for an absence would say nothing about how hard the paper was.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal, localcontext
from typing import Any, Literal

from django.db.models import Case, IntegerField, Value, When

from regulations import rulesets
from regulations.engine.numbers import MARK_PLACES
from students.models import Registration

from .models import Cohort, Outcome, OutcomeSet

BINS = (*(f"{low}-{low + 9}" for low in range(0, 90, 10)), "90-100")
MEAN_SHIFT = Decimal(5)
"""A mean further than this from the previous session's is flagged."""
PASS_RATE_FLOOR = Decimal(70)
"""A pass rate (per cent) below this is flagged."""
MODULE_CODES = ("module-mark", "module-missing", "module-grade")
NOT_RECORDED = "not recorded"


def dp1(value: Decimal | None) -> str:
    """One decimal place, half up, for display only; a dash when there is no figure."""
    if value is None:
        return "—"
    return str(value.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass(frozen=True)
class Figures:
    """One module's first-attempt marks in one session."""

    marks: tuple[Decimal, ...]
    """Sorted ascending."""
    passed: int
    codes: Mapping[str, int]
    """Result codes, grades and unrecorded first attempts, counted apart from the marks."""

    @property
    def count(self) -> int:
        return len(self.marks)

    @property
    def mean(self) -> Decimal | None:
        return sum(self.marks, Decimal(0)) / len(self.marks) if self.marks else None

    @property
    def median(self) -> Decimal | None:
        """The middle mark; of an even count, the mean of the middle two."""
        n = len(self.marks)
        if not n:
            return None
        middle = n // 2
        return self.marks[middle] if n % 2 else (self.marks[middle - 1] + self.marks[middle]) / 2

    @property
    def stdev(self) -> Decimal | None:
        """Population standard deviation: the marks are the whole cohort, not a sample of it."""
        mean = self.mean
        if mean is None:
            return None
        with localcontext() as context:
            context.prec = 28
            return (sum(((m - mean) ** 2 for m in self.marks), Decimal(0)) / len(self.marks)).sqrt()

    @property
    def pass_rate(self) -> Decimal | None:
        """Per cent of the marks at or above the module level's pass mark."""
        return Decimal(100) * self.passed / len(self.marks) if self.marks else None

    @property
    def bins(self) -> tuple[int, ...]:
        counts = [0] * len(BINS)
        for mark in self.marks:
            counts[min(int(mark // 10), len(BINS) - 1)] += 1
        return tuple(counts)

    @property
    def display(self) -> dict[str, str]:
        rate = self.pass_rate
        return {
            "mean": dp1(self.mean),
            "median": dp1(self.median),
            "stdev": dp1(self.stdev),
            "pass_rate": "—" if rate is None else f"{dp1(rate)}%",
        }


@dataclass(frozen=True)
class Bar:
    label: str
    count: int
    previous: int | None
    x: int
    y: int
    height: int
    previous_y: int
    previous_height: int


@dataclass(frozen=True)
class ModuleStatistics:
    code: str
    title: str
    level: int
    pass_mark: Decimal | None
    current: Figures
    previous: Figures | None
    """None when the previous session's set has no marks for this module."""

    @property
    def flags(self) -> tuple[str, ...]:
        """Board aids, not verdicts: a shift from last year, or a low pass rate."""
        out = []
        mean, rate = self.current.mean, self.current.pass_rate
        previous = self.previous.mean if self.previous is not None else None
        if mean is not None and previous is not None and abs(mean - previous) > MEAN_SHIFT:
            out.append(f"Mean {dp1(mean)} differs from last session's {dp1(previous)} by more than 5 marks")
        if rate is not None and rate < PASS_RATE_FLOOR:
            out.append(f"Pass rate {dp1(rate)}% is below 70%")
        return tuple(out)

    @property
    def bars(self) -> tuple[Bar, ...]:
        """The histogram's geometry in SVG units: 10 bars 30 wide, at most 100 high, standing on y = 110."""
        current = self.current.bins
        previous = self.previous.bins if self.previous is not None else None
        top = max([*current, *(previous or ()), 1])
        bars = []
        for index, label in enumerate(BINS):
            height = round(100 * current[index] / top)
            before = previous[index] if previous is not None else None
            previous_height = round(100 * before / top) if before is not None else 0
            bars.append(
                Bar(
                    label,
                    current[index],
                    before,
                    index * 30,
                    110 - height,
                    height,
                    110 - previous_height,
                    previous_height,
                )
            )
        return tuple(bars)


@dataclass(frozen=True)
class CohortStatistics:
    session: str
    previous_session: str
    previous_set: OutcomeSet | None
    modules: tuple[ModuleStatistics, ...]


def previous_session(session: str) -> str:
    """ "2024/25" -> "2023/24"."""
    start = int(session[:4]) - 1
    return f"{start}/{(start + 1) % 100:02d}"


def pass_mark(ruleset_key: str, level: int) -> Decimal | None:
    try:
        values = rulesets.get(ruleset_key).pass_mark.values
    except rulesets.UnknownRuleSet:
        return None
    return Decimal(values[level]).scaleb(-MARK_PLACES) if level in values else None


def first_attempt(reason: Mapping[str, Any]) -> Decimal | str:
    """The module mark of the first attempt, or what stands in its place (a code, a grade, not recorded)."""
    figures = reason.get("figures") or {}
    if reason.get("code") == "module-grade":
        return f"graded {figures.get('grade')}"
    steps = figures.get("attempts") or []
    if not steps:
        return NOT_RECORDED
    first = steps[0]
    sat = list((first.get("sat") or {}).values())
    if first.get("kind") == "not-taken" or "DEF" in sat:
        return "DEF"
    for code in ("ABS", "NS"):
        if code in sat:
            return code
    return Decimal(first["mark"]) if "mark" in first else NOT_RECORDED


def figures_by_module(
    rows: Iterable[tuple[str, Mapping[str, Any]]], levels: Mapping[str, int]
) -> dict[str, Figures]:
    """Per module code in ``levels``: its first-attempt figures over the results in ``rows``."""
    marks: dict[str, list[Decimal]] = {code: [] for code in levels}
    passed: Counter[str] = Counter()
    codes: dict[str, Counter[str]] = {code: Counter() for code in levels}
    for ruleset_key, result in rows:
        for reason in result.get("trace", []):
            module = reason.get("subject")
            if reason.get("code") not in MODULE_CODES or module not in levels:
                continue
            value = first_attempt(reason)
            if isinstance(value, str):
                codes[module][value] += 1
                continue
            marks[module].append(value)
            threshold = pass_mark(ruleset_key, levels[module])
            if threshold is not None and value >= threshold:
                passed[module] += 1
    return {
        code: Figures(tuple(sorted(marks[code])), passed[code], dict(sorted(codes[code].items())))
        for code in levels
    }


def _rows(outcome_set: OutcomeSet | None) -> list[tuple[str, Mapping[str, Any]]]:
    if outcome_set is None:
        return []
    # No ordering: the figures do not depend on it, and the default one joins the students table.
    outcomes = Outcome.objects.filter(outcome_set=outcome_set, problem="").order_by()
    return list(outcomes.values_list("ruleset_key", "result"))


def previous_set_for(cohort: Cohort, stage: str) -> OutcomeSet | None:
    """The committee's cohort on the same programme and year one session earlier: its current set, the
    same question first (first-attempt marks are the same whichever question a set answered)."""
    return (
        OutcomeSet.objects.filter(
            is_current=True,
            cohort__committee_id=cohort.committee_id,
            cohort__programme_id=cohort.programme_id,
            cohort__programme_year=cohort.programme_year,
            cohort__academic_session=previous_session(cohort.academic_session),
        )
        .select_related("cohort__programme")
        .annotate(other=Case(When(stage=stage, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("other", "-pk")
        .first()
    )


def cohort_statistics(
    cohort: Cohort, stage: str, current: OutcomeSet, previous: OutcomeSet | Literal["auto"] | None = "auto"
) -> CohortStatistics:
    """Every module of the cohort's year, in four queries whatever the cohort's size.

    The modules are those the cohort's students are registered on in its session that appear in the
    current results; last session's figures are the same modules in the previous cohort's results
    (``previous``: its current set unless a set is named, as a board pack names the one it was compared with).
    """
    registered = (
        Registration.objects.filter(
            enrolment__entry_cohort__programme_id=cohort.programme_id,
            enrolment__programme_year=cohort.programme_year,
            enrolment__academic_session=cohort.academic_session,
        )
        .values_list("occurrence__module__code", "occurrence__module__title", "occurrence__module__level")
        .distinct()
    )
    rows = _rows(current)
    seen = {
        reason.get("subject")
        for _, result in rows
        for reason in result.get("trace", [])
        if reason.get("code") in MODULE_CODES
    }
    modules = {code: (title, level) for code, title, level in sorted(registered) if code in seen}
    levels = {code: level for code, (_, level) in modules.items()}
    now = figures_by_module(rows, levels)
    previous_set = previous_set_for(cohort, stage) if previous == "auto" else previous
    earlier = figures_by_module(_rows(previous_set), levels) if previous_set is not None else {}
    key = next((ruleset_key for ruleset_key, _ in rows), "")
    return CohortStatistics(
        cohort.academic_session,
        previous_session(cohort.academic_session),
        previous_set,
        tuple(
            ModuleStatistics(
                code,
                title,
                level,
                pass_mark(key, level),
                now[code],
                earlier[code] if code in earlier and earlier[code].count else None,
            )
            for code, (title, level) in modules.items()
        ),
    )
