"""The trace in words: every reason code the engine emits has sentences, and an unknown one still shows."""

from __future__ import annotations

import ast
from pathlib import Path
from typing import Any

import pytest

from boards import explain
from regulations import rulesets
from regulations.cases import case_files, run_case

ROOT = Path(__file__).resolve().parents[2]
CASES = sorted(
    path
    for key in rulesets.available()
    for folder in ("cases", "local-cases")
    for path in case_files([str(rulesets.ROOT / key / folder)])
)


def shipped_results() -> list[dict[str, Any]]:
    runs = [run_case(path) for path in CASES]
    return [run.result for run in runs if run.result is not None]


def test_explain_has_words_for_every_code_the_shipped_cases_emit() -> None:
    results = shipped_results()
    emitted = {reason["code"] for result in results for reason in result["trace"]}

    assert len(results) >= 80
    assert {"module-mark", "award", "progression", "incomplete", "compensated"} <= emitted
    assert emitted - set(explain.SENTENCES) == set()


def test_every_reason_of_every_shipped_case_is_worded_without_raw_figures() -> None:
    for result in shipped_results():
        for group in explain.explain(result):
            assert group.key != "unworded", result["ruleset"]
            for step in group.steps:
                assert step.raw is None
                assert step.lines, step


def _codes_in_engine_source() -> set[str]:
    """Codes the engine can emit, read from its source: ``Reason("code", ...)`` and the award checks'
    ``_fail(check, key, "code", ...)`` / ``_pass(check, "code", ...)``. A code built at run time must be
    listed here by hand, so a new one fails this test until it is worded."""
    codes: set[str] = set()
    dynamic: list[str] = []
    positions = {"Reason": 0, "_fail": 2, "_pass": 1}
    for path in sorted((ROOT / "regulations" / "engine").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)):
                continue
            index = positions.get(node.func.id)
            if index is None or len(node.args) <= index:
                continue
            argument = node.args[index]
            if isinstance(argument, ast.Constant) and isinstance(argument.value, str):
                codes.add(argument.value)
            elif isinstance(argument, ast.Name):
                continue  # a parameter: the constant is at the call of _fail/_pass
            else:
                dynamic.append(ast.unparse(argument))
    assert dynamic == ["f'{kind}-average'"]
    return codes | {"level-average", "year-average"}


def test_explain_has_words_for_every_code_in_the_engine_source() -> None:
    codes = _codes_in_engine_source()

    assert {"must-pass", "average-credits", "advanced-entry-credits", "module-missing"} <= codes
    assert codes - set(explain.SENTENCES) == set()


def test_an_unknown_code_shows_its_raw_code_and_figures() -> None:
    result = {
        "trace": [
            {"code": "brand-new", "subject": "ENG3001", "clauses": ["L 99.1"], "figures": {"weight": 3}},
        ]
    }

    (group,) = explain.explain(result)

    assert group.key == "unworded"
    assert group.steps == (explain.Step("brand-new", "ENG3001", (), ("L 99.1",), None, raw={"weight": 3}),)


def test_a_reason_missing_a_figure_shows_a_dash_instead_of_failing() -> None:
    reason = {
        "code": "credits-passed",
        "subject": "bachelor-honours",
        "clauses": [],
        "figures": {"met": True},
    }

    group, step = explain.step(reason, explain.Context())

    assert group == "award-rules"
    assert step.lines == ("— passed; — required.",)


def _steps(case: str) -> dict[str, explain.Step]:
    (key, name) = case.split("/")
    result = run_case(rulesets.ROOT / key / "cases" / f"{name}.json").result
    assert result is not None
    return {f"{s.code} {s.title}": s for group in explain.explain(result) for s in group.steps}


def test_a_capped_resit_reads_as_each_attempt_then_the_higher_of() -> None:
    step = _steps("leeds-taught-2024/leeds-hons-012")["module-mark POLS3010"]

    assert step.lines == (
        "Attempt 1 (first sitting): essay 55, exam 25; module mark 37.",
        "Attempt 2 (reassessment): exam 48; weighted mark 50.8, rounded to 51; capped at 40.",
        "Counting mark 40, the higher of 37, 40; pass mark 40.",
        "Credit: passed.",
    )
    assert step.clauses == ("L 7.5.1", "L 9.2", "L 7.5.2-7.5.3", "L 7.7.5", "RULES 9.1", "L 7.7.3-7.7.4")


def test_the_classification_reads_as_weighted_years_rounded_then_the_class() -> None:
    steps = _steps("leeds-taught-2024/leeds-hons-012")

    average = steps["classification-average Bachelor (Honours)"]
    assert average.met is True
    assert average.lines == (
        "Year 2 average 51.3333 times weight 1.",
        "Year 3 average 55 times weight 2.",
        "Average 53.777777777777, rounded to 53.8; at least 40.0 required.",
    )
    assert steps["award Award and class"].lines == (
        "Bachelor (Honours): every rule met; awarded.",
        "Class II.ii on the average 53.8.",
    )
    assert steps["award Award and class"].clauses == ("L 10.4.8", "L 3.8")
    assert steps["final-project Bachelor (Honours): Final project"].lines == ("POLS3900; failed: none.",)


def test_an_unmet_award_rule_is_marked_unmet() -> None:
    steps = [
        step
        for run in map(run_case, CASES)
        if run.result is not None
        for group in explain.explain(run.result)
        for step in group.steps
        if step.met is False
    ]

    assert steps
    assert {step.code for step in steps} >= {"credits-passed", "classification-average", "final-project"}


def test_a_senate_progression_lists_its_figures() -> None:
    step = _steps("senate-reg-5/sr5-l4-006")["progression Level 4"]

    assert step.lines == (
        "Level average (CWA) 50.2; every module passed: no.",
        "100 credits passed, 20 failed, 0 below 35; failed prerequisite: no.",
    )
    assert step.clauses[-1] == "RULES 9.28"


def test_an_incomplete_record_is_explained_as_not_recorded() -> None:
    steps = _steps("leeds-taught-2024/leeds-pgt-009")

    assert steps["incomplete Incomplete record"].lines == (
        "Marks not recorded: EDUC5102/presentation, EDUC5105/module. No class and no decision until every "
        "required mark is recorded.",
    )
    assert steps["module-missing EDUC5102"].lines == (
        "Attempt 1 (first sitting): essay 58; a component has no mark yet, so no module mark.",
        "Not recorded: EDUC5102/presentation. A missing mark is never a zero.",
    )
    assert not any(code.startswith(("award", "classification")) for code in steps)


@pytest.mark.parametrize(
    ("sat", "mark", "expected"),
    [
        ({"module": "60.5"}, "60.50", "Attempt 1 (first sitting): mark 60.5."),
        ({"module": "ABS"}, "0", "Attempt 1 (first sitting): mark ABS; module mark 0."),
    ],
)
def test_a_direct_mark_is_not_repeated_as_its_module_mark(
    sat: dict[str, str], mark: str, expected: str
) -> None:
    assert explain._attempt({"attempt": 1, "sat": sat, "kind": "first", "mark": mark}) == expected


def test_a_leeds_first_sitting_lists_what_to_reassess() -> None:
    step = _steps("leeds-taught-2024/leeds-prog-001")["progression Year 1 (first sitting)"]

    assert step.lines == (
        "100 credits awarded; 100 required.",
        "Pass-for-progression modules failed: BIOS1010.",
        "To reassess: BIOS1010 (module).",
    )
    assert step.clauses == ("L 8.3", "L 8.2", "RULES 9.26")
