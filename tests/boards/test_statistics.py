"""Module statistics from engine results: first-attempt marks only, codes apart, exact Decimal figures."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from boards.statistics import (
    BINS,
    Figures,
    ModuleStatistics,
    dp1,
    figures_by_module,
    first_attempt,
    pass_mark,
    previous_session,
)
from regulations import rulesets
from regulations.engine import evaluate, parse_record

LEEDS = "leeds-taught-2024"


def engine_result(marks: dict[str, list[Any]], *, level: int = 6, ruleset: str = LEEDS) -> dict[str, Any]:
    """The real engine's result for a record of direct-mark modules (code -> each attempt's mark)."""
    record = parse_record(
        {
            "id": "t",
            "ruleset": ruleset,
            "programme": {"award": "bachelor-honours"},
            "student": {"entry_year": 1},
            "modules": [
                {"code": code, "year": 3, "level": level, "credits": 20, "marks": attempts}
                for code, attempts in marks.items()
            ],
            "ask": {"progression": {"level": level, "stage": "after-reassessment"}},
        }
    )
    return evaluate(record, rulesets.get(ruleset)).as_dict()


def module_reason(result: dict[str, Any], code: str) -> dict[str, Any]:
    return next(r for r in result["trace"] if r["subject"] == code)


def test_first_attempt_is_the_first_sitting_not_the_counting_mark() -> None:
    result = engine_result({"ENG3001": [38, 52]})

    assert result["module_marks"] == {"ENG3001": "40"}
    assert first_attempt(module_reason(result, "ENG3001")) == Decimal("38")


def test_result_codes_at_the_first_attempt_are_not_marks() -> None:
    result = engine_result({"ABS1": ["ABS", 55], "NS1": ["NS"], "DEF1": ["DEF", 61]})

    assert first_attempt(module_reason(result, "ABS1")) == "ABS"
    assert first_attempt(module_reason(result, "NS1")) == "NS"
    assert first_attempt(module_reason(result, "DEF1")) == "DEF"


def test_figures_of_four_marks_and_an_absence_are_exact() -> None:
    rows = [
        (LEEDS, engine_result({"ENG3001": [38, 52]})),
        (LEEDS, engine_result({"ENG3001": [45]})),
        (LEEDS, engine_result({"ENG3001": [60]})),
        (LEEDS, engine_result({"ENG3001": [72]})),
        (LEEDS, engine_result({"ENG3001": ["ABS", 40]})),
    ]

    figures = figures_by_module(rows, {"ENG3001": 6})["ENG3001"]

    assert figures.marks == (Decimal(38), Decimal(45), Decimal(60), Decimal(72))
    assert figures.count == 4
    assert figures.codes == {"ABS": 1}
    assert figures.mean == Decimal("53.75")
    assert figures.median == Decimal("52.5")
    # Population variance: (15.75² + 8.75² + 6.25² + 18.25²) / 4 = 174.1875.
    assert figures.stdev == Decimal("174.1875").sqrt()
    assert figures.passed == 3
    assert figures.pass_rate == Decimal(75)
    assert figures.bins == (0, 0, 0, 1, 1, 0, 1, 1, 0, 0)
    assert figures.display == {"mean": "53.8", "median": "52.5", "stdev": "13.2", "pass_rate": "75.0%"}


def test_median_of_an_odd_count_is_the_middle_mark() -> None:
    figures = Figures((Decimal(40), Decimal("55.5"), Decimal(90)), 3, {})

    assert figures.median == Decimal("55.5")
    assert figures.mean == Decimal("61.83333333333333333333333333")
    assert dp1(figures.mean) == "61.8"


def test_bins_are_tens_with_the_last_one_holding_100() -> None:
    figures = Figures((Decimal("0"), Decimal("9.9"), Decimal("10"), Decimal("89.5"), Decimal("100")), 0, {})

    assert BINS[0] == "0-9" and BINS[-1] == "90-100"
    assert figures.bins == (2, 1, 0, 0, 0, 0, 0, 0, 1, 1)


def test_no_marks_gives_no_figures_rather_than_zeros() -> None:
    figures = Figures((), 0, {"not recorded": 2})

    assert (figures.mean, figures.median, figures.stdev, figures.pass_rate) == (None, None, None, None)
    assert figures.display == {"mean": "—", "median": "—", "stdev": "—", "pass_rate": "—"}


def test_pass_rate_uses_the_pass_mark_of_the_module_level() -> None:
    rows = [
        (LEEDS, engine_result({"EDU5001": [45]}, level=7)),
        (LEEDS, engine_result({"EDU5001": [55]}, level=7)),
    ]

    figures = figures_by_module(rows, {"EDU5001": 7})["EDU5001"]

    assert pass_mark(LEEDS, 7) == Decimal(50)
    assert pass_mark(LEEDS, 6) == Decimal(40)
    assert figures.pass_rate == Decimal(50)


def _module(current: Figures, previous: Figures | None) -> ModuleStatistics:
    return ModuleStatistics("ENG3001", "Advanced Topics", 6, Decimal(40), current, previous)


def test_a_mean_more_than_five_marks_from_last_session_is_flagged() -> None:
    now = Figures((Decimal(50), Decimal("61.2")), 2, {})  # mean 55.6
    before = Figures((Decimal(50), Decimal(50)), 2, {})  # mean 50

    assert _module(now, before).flags == ("Mean 55.6 differs from last session's 50.0 by more than 5 marks",)
    assert _module(Figures((Decimal(50), Decimal(60)), 2, {}), before).flags == ()


def test_a_pass_rate_below_seventy_per_cent_is_flagged() -> None:
    now = Figures((Decimal(30), Decimal(45), Decimal(50)), 2, {})

    assert _module(now, None).flags == ("Pass rate 66.7% is below 70%",)


def test_histogram_bars_share_one_scale_with_last_session() -> None:
    now = Figures((Decimal(41), Decimal(45), Decimal(62)), 3, {})
    before = Figures((Decimal(43), Decimal(44), Decimal(46), Decimal(47)), 4, {})

    bars = _module(now, before).bars

    assert [
        (b.label, b.count, b.previous, b.height, b.previous_height) for b in bars if b.count or b.previous
    ] == [
        ("40-49", 2, 4, 50, 100),
        ("60-69", 1, 0, 25, 0),
    ]
    assert bars[4].x == 120 and bars[4].y == 60


def test_previous_session_is_one_year_earlier() -> None:
    assert previous_session("2024/25") == "2023/24"
    assert previous_session("2000/01") == "1999/00"
