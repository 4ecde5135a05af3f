"""Module marks: weighted components, attempts, both kinds of cap, higher-of, result codes.

RULES.md sections 1-2, 9.1-9.6 and 9.34-9.37.
"""

from __future__ import annotations

from typing import Any

from .build import LEEDS, SR5, module, progression, run, year_of

EXAM_CW = [{"name": "exam", "weight": 60}, {"name": "coursework", "weight": 40}]


def one(mod: dict[str, Any], *, ruleset: str = LEEDS, **kwargs: Any) -> tuple[str | None, str | None]:
    others = year_of(mod["year"], 60, prefix="OTH", count=5)
    result = run([mod, *others], ruleset=ruleset, ask=progression(mod["level"]), **kwargs)
    return result.module_marks.get(mod["code"]), result.credit.get(mod["code"])


def test_leeds_caps_the_module_mark_of_a_resit_at_40() -> None:
    assert one(module("A", 2, [35, 58])) == ("40", "passed")


def test_leeds_level_7_resit_is_capped_at_50() -> None:
    assert one(module("A", 1, [44, 62], level=7), award="master") == ("50", "passed")


def test_higher_of_keeps_the_first_mark_when_the_resit_is_lower() -> None:
    assert one(module("A", 2, [38, 31])) == ("38", "failed")


def test_leeds_component_resit_is_capped_at_module_level_not_component() -> None:
    mod = module("A", 2, components=EXAM_CW, attempts=[{"exam": 25, "coursework": 55}, {"exam": 70}])
    # (70x60 + 55x40)/100 = 64 -> capped 40; SR5 caps the exam instead: (40x60 + 55x40)/100 = 46.00
    assert one(mod) == ("40", "passed")
    assert one(mod, ruleset=SR5) == ("46.00", "passed")


def test_integrated_foundation_year_resit_is_uncapped_under_leeds() -> None:
    assert one(module("F", 0, [34, 58], level=3)) == ("58", "passed")


def test_first_attempt_basis_replaces_the_attempt_it_stands_for() -> None:
    assert one(module("A", 3, [45, 36], reassessment_as_first_attempt=True)) == ("36", "failed")
    assert one(module("A", 3, [30, 66], reassessment_as_first_attempt=True)) == ("66", "passed")


def test_student_mitigation_never_uncaps_a_mark() -> None:
    assert one(module("A", 2, [35, 58]), student={"mitigation_accepted": True}) == ("40", "passed")


def test_abs_and_ns_are_zero_and_use_the_attempt() -> None:
    assert one(module("A", 1, ["ABS", 52])) == ("40", "passed")
    assert one(module("A", 1, [36, "NS"])) == ("36", "failed")


def test_def_first_sitting_taken_later_is_uncapped() -> None:
    mod = module("A", 1, components=EXAM_CW, attempts=[{"exam": "DEF", "coursework": 58}, {"exam": 47}])
    assert one(mod) == ("51", "passed")


def test_def_resit_leaves_the_next_sitting_a_capped_reassessment() -> None:
    assert one(module("A", 2, [34, "DEF", 58])) == ("40", "passed")


def test_must_pass_component_fails_a_module_whose_weighted_mark_passes() -> None:
    components = [{"name": "lab", "weight": 30, "must_pass": True}, {"name": "exam", "weight": 70}]
    mod = module("A", 1, components=components, attempts=[{"lab": 32, "exam": 60}])
    assert one(mod, ruleset=SR5) == ("51.60", "failed")
    result = run([mod, *year_of(1, 60, prefix="OTH", count=5)], ruleset=SR5, ask=progression(4, "first-sit"))
    assert result.reassess == {"A": ["lab"]}


def test_component_weights_need_not_sum_to_100() -> None:
    components = [{"name": "t1", "weight": 1}, {"name": "t2", "weight": 1}, {"name": "t3", "weight": 1}]
    mod = module("A", 1, components=components, attempts=[{"t1": 48, "t2": 52, "t3": 57}])
    assert one(mod, ruleset=SR5) == ("52.33", "passed")


def test_a_missing_component_is_never_a_zero() -> None:
    mod = module("A", 1, components=EXAM_CW, attempts=[{"exam": 70}])
    result = run([mod, *year_of(1, 60, prefix="OTH", count=5)], ask=progression(4))
    assert result.incomplete == ("A/coursework",)
    assert result.decision is None
    assert "A" not in result.module_marks


def test_a_module_without_marks_is_incomplete() -> None:
    result = run([module("A", 1), *year_of(1, 60, prefix="OTH", count=5)], ask=progression(4))
    assert result.incomplete == ("A/module",)
    assert result.as_dict()["options"] is None


def test_the_trace_explains_a_capped_resit() -> None:
    mod = module(
        "A",
        3,
        components=[{"name": "essay", "weight": 40}, {"name": "exam", "weight": 60}],
        attempts=[{"essay": 55, "exam": 25}, {"exam": 48}],
    )
    result = run([mod, *year_of(3, 60, prefix="OTH", count=5)], ask=progression(6))
    reason = next(r for r in result.trace if r.subject == "A")
    assert reason.code == "module-mark"
    assert "L 7.7.3-7.7.4" in reason.clauses and "L 7.7.5" in reason.clauses
    assert reason.figures["attempts"] == [
        {"attempt": 1, "sat": {"essay": "55", "exam": "25"}, "kind": "first", "mark": "37"},
        {
            "attempt": 2,
            "sat": {"exam": "48"},
            "kind": "reassessment",
            "exact": "50.8",
            "mark": "51",
            "capped": "40",
        },
    ]
    assert reason.figures["higher_of"] == ["37", "40"]
    assert reason.figures["counting"] == "40"
