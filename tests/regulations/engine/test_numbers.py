"""The one rounding helper and exact rationals (RULES.md section 0)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from regulations.engine.numbers import ExactnessError, ratio_text, round_half_up, scaled, weighted_mean


@pytest.mark.parametrize(
    ("numerator", "denominator", "places", "expected"),
    [
        (1199, 20, 1, 600),  # 59.95 -> 60.0: half-up, not half-even
        (485, 10, 0, 49),  # 48.5 -> 49
        (645, 10, 0, 65),  # 64.5 -> 65 (half-even would give 64)
        (399950, 10000, 2, 4000),  # 39.995 -> 40.00
        (25180, 360, 1, 699),  # 69.944... -> 69.9
        (5995, 120, 1, 500),  # 49.958... -> 50.0
        (41625, 1000, 2, 4163),  # 41.625 -> 41.63
    ],
)
def test_round_half_up(numerator: int, denominator: int, places: int, expected: int) -> None:
    assert round_half_up(numerator, denominator, places) == expected


def test_ratio_text_is_exact_when_the_decimal_terminates_and_truncated_otherwise() -> None:
    assert ratio_text((7230, 120)) == "60.25"
    assert ratio_text((44841, 800)) == "56.05125"
    assert ratio_text((7193, 120)) == "59.941666666666"
    assert ratio_text((2, 3)) == "0.666666666666"


def test_weighted_mean_keeps_year_averages_exact() -> None:
    # leeds-im-006: 184/3, 331/6, 1537/24 weighted 1:2:2 is exactly 59.95
    assert weighted_mean([((184, 3), 1), ((331, 6), 2), ((1537, 24), 2)]) is not None
    numerator, denominator = weighted_mean([((184, 3), 1), ((331, 6), 2), ((1537, 24), 2)])  # type: ignore[misc]
    assert numerator * 20 == 1199 * denominator
    assert weighted_mean([((50, 1), 0)]) is None


def test_scaled_refuses_a_mark_it_would_round() -> None:
    assert scaled(Decimal("62.5")) == 625000
    with pytest.raises(ExactnessError):
        scaled(Decimal("62.12345"))
