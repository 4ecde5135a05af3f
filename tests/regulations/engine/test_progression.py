"""Progression rules not pinned by a shared case (RULES.md section 6, 9.25-9.33)."""

from __future__ import annotations

from .build import SR5, module, progression, run, year_of


def test_engineering_council_third_attempt_keeps_a_leeds_reassessment_open() -> None:
    # 100 credits passed but the pass-for-progression module failed twice: the final opportunity,
    # unless an Engineering Council programme grants a third attempt at 100 passed credits (L 7.7.7).
    modules = [*year_of(1, 60, count=5), module("A", 1, [30, 35], must_pass=True)]
    assert run(modules, ask=progression(4)).decision == "withdraw"
    engineering = run(modules, ask=progression(4), programme={"engineering_council": True})
    assert (engineering.decision, engineering.reassess) == ("reassess", {"A": ["module"]})
    short = [*year_of(1, 60, count=4), module("B", 1, [30, 36]), module("A", 1, [30, 35], must_pass=True)]
    assert run(short, ask=progression(4), programme={"engineering_council": True}).decision == "withdraw"


def test_leeds_first_sit_lists_every_failed_module_even_when_progressing() -> None:
    result = run([*year_of(1, 60, count=5), module("A", 1, [30])], ask=progression(4, "first-sit"))
    assert (result.decision, result.reassess) == ("progress", {"A": ["module"]})


def test_sr5_first_sit_never_compensates() -> None:
    modules = [*year_of(1, 60, count=5), module("A", 1, ["37.5"])]
    first = run(modules, ruleset=SR5, ask=progression(4, "first-sit"))
    assert (first.credit["A"], first.decision, first.options) == ("failed", "reassess", None)
    after = run(modules, ruleset=SR5, ask=progression(4))
    assert (after.credit["A"], after.decision, after.options) == ("compensated", "progress", ())


def test_sr5_must_pass_module_is_never_compensated() -> None:
    result = run(
        [*year_of(1, 60, count=5), module("A", 1, ["37.5"], must_pass=True)], ruleset=SR5, ask=progression(4)
    )
    assert result.credit["A"] == "failed"
    assert (result.options, result.decision) == (("c",), "c")


def test_sr5_failed_pf_module_is_below_every_threshold() -> None:
    # 100 passed: (b) needs 105; (c) needs every fail mark >= 15.00, and F counts below it (RULES 9.10)
    result = run([*year_of(1, 60, count=5), module("A", 1, grade="F")], ruleset=SR5, ask=progression(4))
    assert (result.options, result.decision) == (("e",), "e")


def test_sr5_integrated_master_below_threshold_transfers() -> None:
    result = run(
        year_of(2, 52),
        ruleset=SR5,
        award="integrated-master",
        ask=progression(5),
        programme={"im_threshold": 55},
    )
    assert (result.decision, result.transfer) == ("progress", "bachelor-honours")
    assert (
        run(
            year_of(2, 58),
            ruleset=SR5,
            award="integrated-master",
            ask=progression(5),
            programme={"im_threshold": 55},
        ).transfer
        is None
    )
