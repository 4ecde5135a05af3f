"""Properties of the engine over generated records (hypothesis)."""

from __future__ import annotations

import random
from decimal import Decimal
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from regulations import rulesets
from regulations.engine import evaluate, parse_record

LEEDS = rulesets.get("leeds-taught-2024")
marks = st.integers(min_value=0, max_value=100)


def honours_case(year_marks: list[list[int]]) -> dict[str, Any]:
    modules = [
        {"code": f"M{year}{n}", "year": year, "level": year + 3, "credits": 20, "marks": [mark]}
        for year, row in enumerate(year_marks, start=1)
        for n, mark in enumerate(row)
    ]
    return {
        "id": "p",
        "ruleset": LEEDS.key,
        "programme": {"award": "bachelor-honours"},
        "student": {"entry_year": 1},
        "modules": modules,
        "ask": {"award": True},
    }


def registered_average(case: dict[str, Any]) -> Decimal:
    result = evaluate(parse_record(case), LEEDS)
    reason = next(
        r for r in result.trace if r.code == "classification-average" and r.subject == "bachelor-honours"
    )
    return Decimal(reason.figures["exact"])


three_years = st.lists(st.lists(marks, min_size=6, max_size=6), min_size=3, max_size=3)


@settings(max_examples=150, deadline=None)
@given(three_years, st.integers(0, 17), st.integers(1, 30))
def test_raising_one_mark_never_lowers_the_classification_average(
    rows: list[list[int]], which: int, by: int
) -> None:
    before = registered_average(honours_case(rows))
    raised = [list(row) for row in rows]
    year, n = divmod(which, 6)
    raised[year][n] = min(100, raised[year][n] + by)
    assert registered_average(honours_case(raised)) >= before


@settings(max_examples=150, deadline=None)
@given(three_years)
def test_averages_lie_between_the_lowest_and_highest_counting_mark(rows: list[list[int]]) -> None:
    result = evaluate(parse_record(honours_case(rows)), LEEDS)
    counting = [Decimal(mark) for mark in result.module_marks.values()]
    average = registered_average(honours_case(rows))
    assert min(counting) <= average <= max(counting)
    for numerator, denominator in [*result.level_averages.values(), *result.year_averages.values()]:
        assert min(counting) * denominator <= numerator <= max(counting) * denominator


@settings(max_examples=100, deadline=None)
@given(three_years, st.integers(0, 2**32))
def test_the_result_does_not_depend_on_module_order(rows: list[list[int]], seed: int) -> None:
    case = honours_case(rows)
    shuffled = dict(case, modules=random.Random(seed).sample(case["modules"], len(case["modules"])))
    first = evaluate(parse_record(case), LEEDS).as_dict()
    second = evaluate(parse_record(shuffled), LEEDS).as_dict()
    for key in (
        "module_marks",
        "credit",
        "level_averages",
        "year_averages",
        "classification_average",
        "award",
        "class",
        "exit_award",
        "unmet",
    ):
        assert first[key] == second[key], key
