"""Awards: Table A credit rules, back counting, project, joint subjects, marginal fails, exit awards.

RULES.md section 5 and 9.16-9.23.
"""

from __future__ import annotations

import pytest

from regulations.engine import InputError
from regulations.engine.awards import _per_level

from .build import module, run, year_of


def test_back_counting_covers_a_lower_shortfall_from_a_higher_surplus() -> None:
    rows = _per_level({4: 110, 5: 100, 6: 120}, {4: 100, 5: 100, 6: 100}, back_counting=True)
    assert rows == [(6, 120, 100, 0), (5, 100, 100, 0), (4, 110, 100, 0)]
    rows = _per_level({4: 90, 5: 100, 6: 120}, {4: 100, 5: 100, 6: 100}, back_counting=True)
    assert rows[-1] == (4, 100, 100, 10)


def test_no_back_counting_for_the_integrated_master() -> None:
    rows = _per_level({4: 120, 5: 80, 6: 120, 7: 140}, {4: 100, 5: 100, 6: 100, 7: 100}, back_counting=False)
    assert [(level, available) for level, available, _, _ in rows] == [(7, 140), (6, 120), (5, 80), (4, 120)]


def test_honours_class_is_taken_from_the_rounded_classification_average() -> None:
    # "69.4" rounds to the integer module mark 69 (L 7.5.1): year 2 = 419/6 = 69.833, year 3 = 70.00;
    # (69.833 + 2 x 70)/3 = 69.944 -> 69.9: an Upper Second although year 3 alone is a First.
    modules = (
        year_of(1, 60)
        + year_of(2, 70, count=5)
        + [{"code": "LOW2", "year": 2, "level": 5, "credits": 20, "marks": ["69.4"]}]
        + year_of(3, 70)
    )
    result = run(modules, programme={"final_project": ["MOD3001"]})
    assert result.module_marks["LOW2"] == "69"
    assert (result.classification_average, result.klass, result.award) == ("69.9", "II.i", "bachelor-honours")


def test_final_project_failed_blocks_honours_and_falls_to_ordinary() -> None:
    modules = year_of(1, 60) + year_of(2, 60) + year_of(3, 60, count=5) + [module("PRJ3900", 3, [34, 38])]
    result = run(modules, programme={"final_project": ["PRJ3900"]})
    assert result.award is None
    assert result.unmet == ("final-project",)
    assert (result.exit_award, result.klass) == ("bachelor-ordinary", None)


def test_a_must_pass_module_blocks_the_award_only_at_or_below_its_level() -> None:
    modules = [
        *year_of(1, 60, count=5),
        module("MP1001", 1, [30, 35], must_pass=True),
        *year_of(2, 60),
        *year_of(3, 60),
    ]
    result = run(modules)
    assert result.unmet == ("must-pass",)
    assert result.exit_award is None


def test_engineering_council_limit_binds_honours_not_the_ordinary() -> None:
    modules = (
        year_of(1, 60)
        + year_of(2, 60, count=5)
        + [module("F2", 2, [34, 31])]
        + year_of(3, 60, count=5)
        + [module("F3", 3, [36, 38])]
    )
    result = run(modules, programme={"engineering_council": True})
    assert result.marginal_fail_credits == 40
    assert result.unmet == ("marginal-fails",)
    assert result.exit_award == "bachelor-ordinary"
    plain = run(modules)
    assert (plain.award, plain.marginal_fail_credits) == ("bachelor-honours", None)


def test_every_failed_rule_is_reported() -> None:
    modules = (
        year_of(1, 60)
        + year_of(2, 60)
        + year_of(3, 60, count=2)
        + [
            module("X1", 3, [20, 30]),
            module("X2", 3, [20, 30]),
            module("X3", 3, [20, 30]),
            module("PRJ", 3, [20, 30]),
        ]
    )
    result = run(modules, programme={"final_project": ["PRJ"]})
    assert result.unmet == ("credits-total", "credits-level-6", "final-project")
    assert result.exit_award == "diphe"


def test_pgt_award_is_credit_weighted_over_all_modules() -> None:
    modules = [module("A", 1, [60], level=7, credits=60)] + [
        module(f"B{n}", 1, [70], level=7, credits=30) for n in range(4)
    ]
    result = run(modules, award="master")
    assert (result.classification_average, result.klass, result.award) == ("66.7", "Merit", "master")


def test_award_reasons_name_the_clauses() -> None:
    result = run(year_of(1, 60) + year_of(2, 65) + year_of(3, 70))
    award = next(r for r in result.trace if r.code == "classification-average")
    assert award.figures["rounded"] == "68.3"
    assert award.figures["years"] == [
        {"year": 2, "average": "65", "weight": 1},
        {"year": 3, "average": "70", "weight": 2},
    ]
    assert "L 10.4.5" in award.clauses and "L 9.2" in award.clauses


def test_dental_integrated_master_translates_level_5_and_6_marks_and_weights_five_years() -> None:
    # L 10.3.2a: weights 0:1:1:2:2 over years 1-5; level 5-6 marks translated by the programme's table.
    modules = [*year_of(1, 60), *year_of(2, 45), *year_of(3, 50)]
    modules += [module(f"Y{year}{n}", year, [60], level=7) for year in (4, 5) for n in range(6)]
    table = {"45": 55, "50": 60}
    result = run(modules, award="integrated-master", programme={"dental": True, "translation_table": table})
    # (55 + 60 + 2 x 60 + 2 x 60)/6 = 59.1667 -> 59.2
    assert (result.classification_average, result.klass) == ("59.2", "II.ii")
    assert result.module_marks["MOD2001"] == "45"


def test_dental_mark_missing_from_the_translation_table_is_an_input_error() -> None:
    modules = [*year_of(1, 60), *year_of(2, 45), *year_of(3, 51)]
    modules += [module(f"Y{year}{n}", year, [60], level=7) for year in (4, 5) for n in range(6)]
    with pytest.raises(InputError) as raised:
        run(modules, award="integrated-master", programme={"dental": True, "translation_table": {"45": 55}})
    assert str(raised.value) == "programme.translation_table: no entry for mark 51 (module MOD3001)"
