"""Benchmark: the regulations engine over a generated cohort of Leeds Bachelor Honours records.

Run from the project root::

    .venv/bin/python bench/engine.py [--students N] [--seed S] [--profile]

It generates N seeded three-year records in the case format (CASES.md), parses
them (not timed), then times ``evaluate`` plus the JSON line ``evaluate_case``
prints for every record ("ours"), and, on the same records, a plain float
implementation of the same arithmetic with no trace and no JSON ("baseline").
The last line is ``figure: engine_students_per_s ours=X baseline=Y ratio=R``.

The engine needs no Django, so this script never calls ``django.setup()``.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import pstats
import random
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from decimal import Decimal
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from regulations import rulesets  # noqa: E402
from regulations.cases import dumps  # noqa: E402
from regulations.engine import InputError, Record, RuleSet, evaluate, parse_record  # noqa: E402

RULESET = "leeds-taught-2024"
GOAL = 10_000
"""Students per second on one core."""
WARM_UP = 500
PROFILE_STUDENTS = 2_000

# The generated cohort.
SUBJECTS = ("HIST", "POLS", "ECON", "MATH", "PHYS", "CHEM", "BIOL", "ENGL", "PSYC", "LAWS", "COMP", "GEOG")
WEIGHTS = ((60, 40), (50, 50), (70, 30), (40, 60), (80, 20))
TAUGHT = ("exam", "coursework")
PROJECT = ("report", "presentation")
P_GRADED = 0.03
"""A module graded P/F instead of marked."""
P_GRADE_F = 0.1
P_BAD = 0.07
"""A module where the first sitting goes badly (with the spread of marks, about 8% fail in all)."""
P_ABS_NS = 0.01
P_DEF = 0.005
P_DECIMAL = 0.15
"""A component mark with one decimal place."""
P_RESIT_ABS = 0.02
CODES = ("ABS", "NS", "DEF")

# Leeds, levels 4-6 (RULES.md; regulations/rulesets/leeds-taught-2024/ruleset.toml). The baseline's constants.
PASS_MARK = 40
CAP = 40
CLASSES = (("I", 70.0), ("II.i", 60.0), ("II.ii", 50.0), ("III", 40.0))
SUB_DEGREE_CLASSES = (("Distinction", 70.0), ("Merit", 60.0), ("Pass", 40.0))


# --- generating the cohort -------------------------------------------------------------------------------


def generate(count: int, seed: int, stats: Counter[str]) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    return [_student(rng, f"bench-{seed}-{index:06d}", stats) for index in range(count)]


def _student(rng: random.Random, case_id: str, stats: Counter[str]) -> dict[str, Any]:
    prefix = rng.choice(SUBJECTS)
    ability = rng.gauss(60, 8)
    project_code = f"{prefix}3900"
    modules = []
    for year in (1, 2, 3):
        for slot in range(1, 7):
            project = year == 3 and slot == 6
            code = project_code if project else f"{prefix}{year}0{slot}0"
            modules.append(_module(rng, code, year, ability, project, stats))
    return {
        "id": case_id,
        "ruleset": RULESET,
        "programme": {"award": "bachelor-honours", "final_project": [project_code]},
        "student": {"mitigation_accepted": False, "entry_year": 1},
        "modules": modules,
        "ask": {"award": True},
    }


def _mark(rng: random.Random, centre: float) -> int | Decimal | str:
    """A mark near ``centre``, clipped to 0-100: mostly whole, some with one decimal (a few as strings)."""
    value = min(100.0, max(0.0, centre))
    if rng.random() < P_DECIMAL:
        text = f"{value:.1f}"
        return text if rng.random() < 0.25 else Decimal(text)
    return int(value + 0.5)


def _tenths(mark: int | Decimal | str) -> int:
    """A generated mark in tenths (ABS/NS = 0)."""
    if mark == "ABS" or mark == "NS":
        return 0
    return mark * 10 if isinstance(mark, int) else int(Decimal(mark) * 10)


def _module_mark(tenths: dict[str, int], weights: dict[str, int]) -> int:
    """Exact half-up module mark (the generator's own, to decide who fails)."""
    numerator = sum(tenths[name] * weight for name, weight in weights.items())
    denominator = 10 * sum(weights.values())
    return (2 * numerator + denominator) // (2 * denominator)


def _module(
    rng: random.Random, code: str, year: int, ability: float, project: bool, stats: Counter[str]
) -> dict[str, Any]:
    module: dict[str, Any] = {"code": code, "year": year, "level": year + 3, "credits": 20}
    stats["modules"] += 1
    if not project and rng.random() < P_GRADED:
        module["grade"] = "F" if rng.random() < P_GRADE_F else "P"
        stats[f"grade {module['grade']}"] += 1
        return module
    names = PROJECT if project else TAUGHT
    split = rng.choice(WEIGHTS)
    weights = dict(zip(names, split, strict=True))
    module["components"] = [{"name": name, "weight": weight} for name, weight in weights.items()]
    centre = ability + rng.gauss(0, 6)
    bad = rng.random() < P_BAD
    first: dict[str, Any] = {}
    for name in names:
        first[name] = _mark(rng, centre + rng.gauss(0, 7) - (rng.gauss(25, 6) if bad else 0))
    attempts: list[dict[str, Any]] = [first]
    draw = rng.random()
    if draw < P_ABS_NS:
        code_given = rng.choice(("ABS", "NS"))
        first[rng.choice(names)] = code_given
        stats[code_given] += 1
    elif draw < P_ABS_NS + P_DEF:
        deferred = rng.choice(names)
        first[deferred] = "DEF"
        attempts.append({deferred: _mark(rng, centre + rng.gauss(0, 7))})
        stats["DEF"] += 1
    state: dict[str, int] = {}
    for attempt in attempts:
        for name, mark in attempt.items():
            if mark != "DEF":
                state[name] = _tenths(mark)
    if _module_mark(state, weights) < PASS_MARK:
        stats["failed first"] += 1
        resit: dict[str, Any] = {}
        for name in names:
            if state[name] < 10 * PASS_MARK:
                if rng.random() < P_RESIT_ABS:
                    resit[name] = "ABS"
                    stats["ABS at resit"] += 1
                else:
                    resit[name] = _mark(rng, max(centre, 48) + rng.gauss(0, 10))
        attempts.append(resit)
        stats["resits"] += 1
    module["attempts"] = attempts
    return module


# --- the baseline: the same arithmetic in floats, no trace, no JSON --------------------------------------


def convert(case: dict[str, Any], number: Callable[[Any], Any], *, in_place: bool = False) -> dict[str, Any]:
    """The case with every mark and weight passed through ``number`` (codes kept): a copy, or the case
    itself changed in place (the float copy of the cohort replaces its ``Decimal`` dicts)."""
    modules = case["modules"] if in_place else [dict(module) for module in case["modules"]]
    for module in modules:
        if "components" in module:
            module["components"] = [{**c, "weight": number(c["weight"])} for c in module["components"]]
            module["attempts"] = [
                {name: mark if mark in CODES else number(mark) for name, mark in attempt.items()}
                for attempt in module["attempts"]
            ]
    return case if in_place else {**case, "modules": modules}


def _fraction(value: Any) -> Fraction:
    return Fraction(Decimal(value)) if isinstance(value, str) else Fraction(value)


def _round1_half_up(value: Fraction, places: int) -> Fraction:
    step = Fraction(1, 10**places)
    return int(value / step + Fraction(1, 2)) * step


def baseline(case: dict[str, Any], round1: Callable[[Any, int], Any] = round) -> tuple[Any, Any, Any]:
    """``(award, class, rounded classification average)`` of one case with floats (or exact numbers).

    Module mark per attempt = int(weighted mean + 0.5), a reassessment attempt capped at 40, higher of
    the attempts; ABS/NS = 0, DEF not a sitting; P/F out of the averages; Honours = (y2 + 2 y3)/3;
    failing Honours, the exit awards Ordinary, DipHE, CertHE as the rule set has them.
    """
    final_project = case["programme"]["final_project"]
    year_marks = {1: 0, 2: 0, 3: 0}
    year_credits = {1: 0, 2: 0, 3: 0}
    passed = {4: 0, 5: 0, 6: 0}
    taken = 0
    project_passed = True
    for module in case["modules"]:
        credits = module["credits"]
        taken += credits
        grade = module.get("grade")
        if grade is not None:
            ok = grade == "P"
        else:
            weights = {c["name"]: c["weight"] for c in module["components"]}
            total_weight = sum(weights.values())
            current: dict[str, Any] = {}
            sat: set[str] = set()
            best = -1
            for attempt in module["attempts"]:
                resit = False
                took_place = False
                for name, mark in attempt.items():
                    if mark == "DEF":
                        continue
                    took_place = True
                    if name in sat:
                        resit = True
                    else:
                        sat.add(name)
                    current[name] = 0 if mark == "ABS" or mark == "NS" else mark
                if not took_place or len(current) < len(weights):
                    continue
                mean = sum(current[name] * weight for name, weight in weights.items()) / total_weight
                mark = int(mean + 0.5)
                if resit and mark > CAP:
                    mark = CAP
                if mark > best:
                    best = mark
            if best < 0:
                return None, None, None  # a missing mark: no award (none are generated)
            ok = best >= PASS_MARK
            year_marks[module["year"]] += best * credits
            year_credits[module["year"]] += credits
        if ok:
            passed[module["level"]] += credits
        elif module["code"] in final_project:
            project_passed = False
    averages = {year: year_marks[year] / year_credits[year] for year in year_credits if year_credits[year]}

    def rounded_mean(weighted_years: Iterable[tuple[int, int]]) -> Any:
        terms = [(averages[year], weight) for year, weight in weighted_years if year in averages]
        if not terms:
            return None
        return round1(sum(average * weight for average, weight in terms) / sum(w for _, w in terms), 1)

    honours = rounded_mean(((2, 1), (3, 2)))
    total_passed = passed[4] + passed[5] + passed[6]
    # Honours: 300 credits, 100 at each level with back counting from above (L 10.4.2), the project.
    levels_met = True
    surplus = 0
    for level in (6, 5, 4):
        own = passed[level]
        covered = min(surplus, max(0, 100 - own))
        if own + covered < 100:
            levels_met = False
        surplus = surplus - covered + max(0, own - 100)
    if total_passed >= 300 and levels_met and project_passed and honours is not None and honours >= 40:
        for label, threshold in CLASSES:
            if honours >= threshold:
                return "bachelor-honours", label, honours
    # Ordinary: 240 credits, 60 at level 6, 160 at levels 5-6, 200 marked credits in years 2-3.
    if (
        total_passed >= 240
        and passed[6] >= 60
        and passed[5] + passed[6] >= 160
        and year_credits[2] + year_credits[3] >= 200
        and honours is not None
        and honours >= 40
    ):
        return "exit bachelor-ordinary", "Merit" if honours >= 60 else None, honours
    # DipHE: 240 credits taken, 200 passed, 100 at level 5, on (y1 + 2 y2)/3.
    # CertHE: 120 taken, 100 passed, 100 at level 4, on y1.
    for award, need_taken, need_passed, level, years in (
        ("diphe", 240, 200, 5, ((1, 1), (2, 2))),
        ("certhe", 120, 100, 4, ((1, 1),)),
    ):
        average = rounded_mean(years)
        if (
            taken >= need_taken
            and total_passed >= need_passed
            and passed[level] >= 100
            and average is not None
            and average >= 40
        ):
            label = next(label for label, threshold in SUB_DEGREE_CLASSES if average >= threshold)
            return f"exit {award}", label, average
    return None, None, honours


# --- measuring -------------------------------------------------------------------------------------------


def _key(case_id: str, klass: str | None, average: str | None) -> str:
    return f"{case_id}:{klass or '-'}:{average or '-'}\n"


def checksum(keys: Iterable[str]) -> str:
    digest = hashlib.sha256()
    for key in keys:
        digest.update(key.encode())
    return digest.hexdigest()[:16]


def run_ours(
    records: list[Record], ruleset: RuleSet
) -> tuple[list[tuple[str, Any, Any, Any]], int, list[str]]:
    """Evaluate every record and materialise its ``evaluate_case`` line.

    Returns ``(outcomes, total characters of the lines, error lines)``.
    """
    outcomes: list[tuple[str, Any, Any, Any]] = []
    errors: list[str] = []
    chars = 0
    for record in records:
        try:
            result = evaluate(record, ruleset)
        except InputError as error:
            line = dumps({"id": record.id, "error": str(error)})
            errors.append(line)
            outcomes.append((record.id, "error", None, None))
        else:
            line = dumps({"id": record.id, "result": result.as_dict()})
            award = result.award or (result.exit_award and f"exit {result.exit_award}")
            outcomes.append((record.id, result.klass, result.classification_average, award))
        chars += len(line)
    return outcomes, chars, errors


def run_baseline(cases: list[dict[str, Any]]) -> list[tuple[Any, Any, Any]]:
    return [baseline(case) for case in cases]


def _timed(function: Callable[[Any], Any], data: list[Any]) -> tuple[Any, float]:
    function(data[:WARM_UP])
    gc.collect()
    start = time.perf_counter()
    out = function(data)
    return out, time.perf_counter() - start


def _profile(records: list[Record], ruleset: RuleSet) -> None:
    subset = records[:PROFILE_STUDENTS]
    profiler = cProfile.Profile()
    profiler.enable()
    run_ours(subset, ruleset)
    profiler.disable()
    for order in ("cumulative", "tottime"):
        print(f"profile: ours over the first {len(subset)} records, top 25 by {order}")
        pstats.Stats(profiler, stream=sys.stdout).strip_dirs().sort_stats(order).print_stats(25)


def _average_text(value: Any) -> str | None:
    return None if value is None else f"{float(value):.1f}"


def _percent(part: int, whole: int) -> str:
    return f"{part} ({100 * part / whole:.2f}%)"


def _counts(counter: Counter[str], first: tuple[str, ...] = ()) -> str:
    rest = sorted((key for key in counter if key not in first), key=lambda key: -counter[key])
    return ", ".join(f"{key}={counter[key]}" for key in (*first, *rest))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--students", type=int, default=20_000, help="records to generate (default 20000)")
    parser.add_argument("--seed", type=int, default=2024, help="random seed (default 2024)")
    parser.add_argument(
        "--profile",
        action="store_true",
        help=f"cProfile the engine over the first {PROFILE_STUDENTS} records",
    )
    args = parser.parse_args(argv)
    if args.students < 1:
        parser.error("--students must be at least 1")

    stats: Counter[str] = Counter()
    start = time.perf_counter()
    cases = generate(args.students, args.seed, stats)
    generated = time.perf_counter() - start
    ruleset = rulesets.get(RULESET)
    start = time.perf_counter()
    records: list[Record] = []
    kept: list[dict[str, Any]] = []
    parse_errors: list[str] = []
    for case in cases:
        try:
            records.append(parse_record(case))
        except InputError as error:
            parse_errors.append(f"{case['id']}: {error}")
        else:
            kept.append(case)
    parsed = time.perf_counter() - start
    # The baseline's logic in exact fractions (checked below): any difference left is one of rule, not floats.
    exact = [baseline(convert(case, _fraction), _round1_half_up) for case in kept]
    floats = [convert(case, float, in_place=True) for case in kept]
    del kept

    modules = stats["modules"]
    print(f"students: N={len(cases)} seed={args.seed} ruleset={RULESET}")
    print(f"setup (not timed): generated in {generated:.2f} s, parsed in {parsed:.2f} s")
    print(
        f"modules: {modules} ({modules / len(cases):.0f} a student); "
        f"failed first attempt {_percent(stats['failed first'], modules)}, "
        f"ABS/NS {_percent(stats['ABS'] + stats['NS'], modules)}, DEF {_percent(stats['DEF'], modules)}, "
        f"graded P/F {_percent(stats['grade P'] + stats['grade F'], modules)} (F {stats['grade F']}), "
        f"ABS at a resit {stats['ABS at resit']}"
    )
    if parse_errors:
        print(f"parse errors: {len(parse_errors)} records left out; first: {parse_errors[0]}")
    if not records:
        print("no record could be parsed: nothing to measure")
        return 1
    if args.profile:
        _profile(records, ruleset)

    (outcomes, chars, errors), ours_seconds = _timed(lambda rs: run_ours(rs, ruleset), records)
    ours_rate = len(records) / ours_seconds
    print(
        f"ours: {ours_seconds:.3f} s total, {1e6 * ours_seconds / len(records):.1f} us/student, "
        f"average JSON line {chars / len(records):,.0f} bytes"
    )
    print(f"ours: checksum {checksum(_key(case_id, k, average) for case_id, k, average, _ in outcomes)}")
    classes = Counter(k or "none" for _, k, _, _ in outcomes)
    print(f"ours: classes {_counts(classes, ('I', 'II.i', 'II.ii', 'III'))}")
    print(f"ours: awards {_counts(Counter(award or 'none' for _, _, _, award in outcomes))}")
    print(
        f"ours: records that raised InputError: {len(errors)}" + (f"; first: {errors[0]}" if errors else "")
    )

    base, base_seconds = _timed(run_baseline, floats)
    base_rate = len(floats) / base_seconds
    base_keys = [(case["id"], k, _average_text(avg)) for case, (_, k, avg) in zip(floats, base, strict=True)]
    pairs = list(zip(outcomes, base_keys, strict=True))
    class_diff = sum(1 for (_, k, _, _), (_, bk, _) in pairs if k != bk)
    average_diff = [
        f"{case_id} ours {a} {k}, float {ba} {bk}" for (case_id, k, a, _), (_, bk, ba) in pairs if a != ba
    ]
    print(f"baseline: {base_seconds:.3f} s total, {1e6 * base_seconds / len(floats):.2f} us/student")
    print(f"baseline: checksum {checksum(_key(*key) for key in base_keys)}")
    print(
        f"baseline: class differs from ours on {class_diff} of {len(floats)} records, "
        f"classification average on {len(average_diff)}"
        + (f" (first: {'; '.join(average_diff[:3])})" if average_diff else "")
    )
    logic_diff = [
        case_id
        for (case_id, k, average, award), (e_award, e_class, e_average) in zip(outcomes, exact, strict=True)
        if (award, k, average) != (e_award, e_class, _average_text(e_average))
    ]
    print(
        f"baseline in exact fractions: award, class or average differs from ours on {len(logic_diff)} records"
        + (f" (first: {', '.join(logic_diff[:5])})" if logic_diff else "")
    )

    met = "met" if ours_rate >= GOAL else f"NOT met ({GOAL / ours_rate:.1f}x short)"
    print(f"goal: {GOAL} students/s on one core: {met}")
    ours, base_whole = round(ours_rate), round(base_rate)
    print(f"figure: engine_students_per_s ours={ours} baseline={base_whole} ratio={ours / base_whole:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
