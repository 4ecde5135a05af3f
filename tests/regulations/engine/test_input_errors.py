"""Bad input gets one clear message naming the module and field (issue: "Bad input")."""

from __future__ import annotations

from typing import Any

import pytest

from regulations import rulesets
from regulations.engine import InputError, evaluate

from .build import SR5, module, progression, record, year_of

NOT_A_MARK = "is not a mark between 0 and 100 or a result code (ABS, NS, DEF)"


def error_of(modules: list[dict[str, Any]], **kwargs: Any) -> str:
    with pytest.raises(InputError) as raised:
        built = record(modules, **kwargs)
        evaluate(built, rulesets.get(built.ruleset))
    return str(raised.value)


def rest() -> list[dict[str, Any]]:
    return year_of(1, 60, prefix="OK", count=5)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            module("HIS1001", 1, [101]),
            f"module HIS1001, attempt 1, mark: 101 {NOT_A_MARK}",
        ),
        (
            module("HIS1001", 1, [55, -1]),
            f"module HIS1001, attempt 2, mark: -1 {NOT_A_MARK}",
        ),
        (
            module("HIS1001", 1, ["abc"]),
            f"module HIS1001, attempt 1, mark: 'abc' {NOT_A_MARK}",
        ),
        (
            module("HIS1001", 1, [True]),
            f"module HIS1001, attempt 1, mark: True {NOT_A_MARK}",
        ),
        (
            module("HIS1001", 1, ["55.12345"]),
            "module HIS1001, attempt 1, mark: '55.12345' has more than 4 decimal places",
        ),
        (
            module("HIS1001", 1, components=[{"name": "exam", "weight": 100}], attempts=[{"essay": 50}]),
            "module HIS1001, attempt 1: unknown component 'essay' (components: exam)",
        ),
        (
            module(
                "HIS1001",
                1,
                components=[{"name": "exam", "weight": 0}, {"name": "essay", "weight": 0}],
                attempts=[{"exam": 50, "essay": 50}],
            ),
            "module HIS1001, components: the weights must sum to a positive number",
        ),
        (
            module(
                "HIS1001",
                1,
                components=[{"name": "exam", "weight": -10}, {"name": "essay", "weight": 20}],
                attempts=[{"exam": 50, "essay": 50}],
            ),
            "module HIS1001, component exam, weight: -10 is negative",
        ),
        (
            module("HIS1001", 1, components=[{"name": "exam", "weight": "heavy"}], attempts=[{"exam": 50}]),
            "module HIS1001, component exam, weight: 'heavy' is not a number",
        ),
        (module("HIS1001", 1, [55], level=8), "module HIS1001, level: 8 is not between 3 and 7"),
        (
            module("HIS1001", 1, [55], level=3),
            "module HIS1001, level: level 3 is only for an integrated foundation year (year 0)",
        ),
        (module("HIS1001", 1, [55], credits=0), "module HIS1001, credits: 0 must be at least 1"),
        (
            module("HIS1001", 1, [55], grade="P"),
            "module HIS1001: give either marks, or components and attempts, or a grade",
        ),
        (module("HIS1001", 1, grade="A"), "module HIS1001, grade: 'A' must be 'P' or 'F'"),
        (
            module("HIS1001", 1, [55], optional="yes"),
            "module HIS1001: optional must be true or false, not 'yes'",
        ),
    ],
)
def test_bad_module_is_named_with_its_field(bad: dict[str, Any], message: str) -> None:
    assert error_of([bad, *rest()], ask=progression(4)) == message


def test_duplicate_module_codes() -> None:
    assert (
        error_of([module("HIS1001", 1, [55]), module("HIS1001", 1, [60])])
        == "module HIS1001: duplicate module code"
    )


def test_unknown_award() -> None:
    assert error_of(rest(), award="bachelor-of-everything") == (
        "programme.award: 'bachelor-of-everything' is not one of bachelor-honours, bachelor-ordinary, "
        "integrated-master, master, mres, pgdip, pgcert, foundation-degree, diphe, certhe, graddip, gradcert"
    )


def test_unknown_rule_set() -> None:
    with pytest.raises(rulesets.UnknownRuleSet) as raised:
        rulesets.get("oxford-2031")
    assert (
        str(raised.value)
        == "ruleset: unknown rule set 'oxford-2031' (known: leeds-taught-2024, senate-reg-5)"
    )


def test_award_question_under_senate_regulation_5() -> None:
    assert error_of(rest(), ruleset=SR5) == (
        "ask.award: Senate Regulation 5: Undergraduate Progression (5.12-5.28) (senate-reg-5) "
        "defines no award "
        "rules, only progression (S 5.12-5.28, RULES 9.24); ask it a progression question"
    )


def test_progression_for_a_level_the_record_does_not_have() -> None:
    assert (
        error_of(rest(), ask=progression(6)) == "ask.progression.level: the record has no module at level 6"
    )


def test_bad_stage() -> None:
    assert error_of(rest(), ask={"progression": {"level": 4, "stage": "final"}}) == (
        "ask.progression.stage: 'final' must be 'first-sit' or 'after-reassessment'"
    )
