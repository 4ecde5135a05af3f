"""Module marks: components, attempts, result codes, caps and higher-of (RULES.md sections 1-2, 9.1-9.6, 9.34-9.37).

One pass over a module's attempts keeps, per component, its latest effective
mark and how many times it has really been sat:

- ``ABS``/``NS`` are a sitting with a mark of 0; ``DEF`` is no sitting at all (9.34).
- A sitting of a component that was sat before is a re-sit; an attempt with a
  re-sit is a reassessment attempt (9.36); one made only of first sittings (after
  ``DEF``) is not, and a ``DEF`` re-sit leaves the next sitting a re-sit (9.37).
- Components not sat at an attempt keep their previous marks (S 5.16, 5.17).
- The counting mark is the highest module mark over the attempts (9.1), except
  that an attempt taken as a first attempt replaces the one before it (9.2).
- A required mark never sat is missing, never a zero (9.35).
"""

from __future__ import annotations

from dataclasses import dataclass

from .numbers import MARK_SCALE, mark_text, ratio_text, round_half_up, scaled, text_of
from .records import MODULE_COMPONENT, Module, ResultCode
from .rules.caps import CapRule
from .ruleset import RuleSet
from .trace import Reason, clauses


@dataclass(frozen=True, slots=True)
class ModuleMark:
    """What the attempts give: the counting mark and the facts credit and progression need."""

    module: Module
    mark: int | None
    """Counting mark scaled by ``10**places``; None for a P/F grade or a missing mark."""
    places: int
    reached_pass: bool
    """The counting mark (or the grade) reaches the pass mark."""
    must_pass_met: bool
    """Every must-pass component reached the pass mark on its best effective mark (9.5)."""
    attempts_used: int
    missing: tuple[str, ...]
    failed_components: tuple[str, ...]
    reason: Reason

    @property
    def passed(self) -> bool:
        return self.reached_pass and self.must_pass_met and not self.missing


def is_foundation(module: Module) -> bool:
    """An integrated foundation year module (RULES 9.4)."""
    return module.foundation_year or module.level == 3 or module.year == 0


def evaluate_module(module: Module, ruleset: RuleSet, cap_rule: CapRule) -> ModuleMark:
    places = int(ruleset.module_mark_places.value)
    pass_mark = ruleset.pass_mark.at(module.level)
    pass_at_places = pass_mark * 10**places // MARK_SCALE
    if module.grade is not None:
        return _graded(module, places)
    if not module.attempts:
        missing = tuple(f"{module.code}/{c.name}" for c in module.components) or (f"{module.code}/module",)
        if module.direct_marks:
            missing = (f"{module.code}/{MODULE_COMPONENT}",)
        return ModuleMark(
            module,
            None,
            places,
            False,
            False,
            0,
            missing,
            (),
            Reason("module-missing", module.code, clauses("RULES 9.35"), {"missing": list(missing)}),
        )

    uncapped = (
        ruleset.uncapped_foundation_year is not None
        and bool(ruleset.uncapped_foundation_year.value)
        and (is_foundation(module))
    )
    cap = ruleset.reassessment_cap.at(module.level)
    cap_at_places = cap * 10**places // MARK_SCALE
    weights = {c.name: scaled(c.weight) for c in module.components}
    total_weight = sum(weights.values())
    current: dict[str, int | None] = dict.fromkeys(weights)
    best: dict[str, int] = {}
    sittings = dict.fromkeys(weights, 0)
    last = len(module.attempts) - 1
    counted: list[tuple[int, int]] = []
    steps: list[dict[str, object]] = []
    higher_of = bool(ruleset.higher_of.value)

    for index, attempt in enumerate(module.attempts):
        first_basis = module.reassessment_as_first_attempt and index == last and index > 0
        reassessment = False
        sat = False
        for name, raw in attempt:
            if raw is ResultCode.DEF:
                continue
            value = 0 if isinstance(raw, ResultCode) else scaled(raw)
            resit = sittings[name] > 0 and not first_basis
            if resit:
                reassessment = True
                if cap_rule.caps_components and not uncapped and value > cap:
                    value = cap
            current[name] = value
            if value > best.get(name, -1):
                best[name] = value
            if not first_basis:
                sittings[name] += 1
            sat = True
        step: dict[str, object] = {
            "attempt": index + 1,
            "sat": {
                name: (raw.value if isinstance(raw, ResultCode) else mark_text(scaled(raw)))
                for name, raw in attempt
            },
        }
        if not sat:
            step["kind"] = "not-taken"
            steps.append(step)
            continue
        step["kind"] = "first-attempt-basis" if first_basis else ("reassessment" if reassessment else "first")
        if any(value is None for value in current.values()):
            step["incomplete"] = True
            steps.append(step)
            continue
        numerator = sum(value * weights[name] for name, value in current.items() if value is not None)
        mark = round_half_up(numerator, total_weight * MARK_SCALE, places)
        step["exact"] = ratio_text((numerator, total_weight * MARK_SCALE), 6)
        step["mark"] = text_of(mark, places)
        if reassessment and cap_rule.caps_module and not uncapped and mark > cap_at_places:
            mark = cap_at_places
            step["capped"] = text_of(mark, places)
        if first_basis and counted and counted[-1][0] == index - 1:
            step["replaces"] = index
            counted.pop()
        counted.append((index, mark))
        steps.append(step)

    missing = tuple(f"{module.code}/{name}" for name, value in current.items() if value is None)
    attempts_used = max(sittings.values(), default=0)
    if missing or not counted:
        return ModuleMark(
            module,
            None,
            places,
            False,
            False,
            attempts_used,
            missing,
            (),
            Reason(
                "module-missing",
                module.code,
                clauses("RULES 9.35"),
                {"missing": list(missing), "attempts": steps},
            ),
        )
    counting = max(mark for _, mark in counted) if higher_of else counted[-1][1]
    must_pass_met = all(best.get(c.name, 0) >= pass_mark for c in module.components if c.must_pass)
    reached = counting >= pass_at_places
    failed_components: tuple[str, ...] = ()
    if not (reached and must_pass_met):
        failed_components = tuple(
            name for name, value in current.items() if value is not None and value < pass_mark
        )
        failed_components = failed_components or tuple(current)
    figures: dict[str, object] = {
        "attempts": steps,
        "counting": text_of(counting, places),
        "pass_mark": mark_text(pass_mark),
    }
    cited = [ruleset.module_mark_places.clause, ruleset.pass_mark.clause]
    if len(counted) > 1:
        figures["higher_of"] = [text_of(mark, places) for _, mark in counted]
        cited.append(ruleset.higher_of.clause)
    if any("capped" in step for step in steps) or (
        cap_rule.caps_components and any(step.get("kind") == "reassessment" for step in steps)
    ):
        cited.append(ruleset.reassessment_cap.clause)
    if uncapped and any(step.get("kind") == "reassessment" for step in steps):
        figures["uncapped"] = "foundation-year"
        assert ruleset.uncapped_foundation_year is not None
        cited.append(ruleset.uncapped_foundation_year.clause)
    if module.reassessment_as_first_attempt and last > 0:
        cited.append("RULES 9.2")
    if not must_pass_met:
        figures["must_pass_failed"] = [
            c.name for c in module.components if c.must_pass and best.get(c.name, 0) < pass_mark
        ]
        cited.append("RULES 9.5")
    return ModuleMark(
        module,
        counting,
        places,
        reached,
        must_pass_met,
        attempts_used,
        (),
        failed_components,
        Reason("module-mark", module.code, clauses(*cited), figures),
    )


def _graded(module: Module, places: int) -> ModuleMark:
    passed = module.grade == "P"
    return ModuleMark(
        module,
        None,
        places,
        passed,
        True,
        1,
        (),
        () if passed else (MODULE_COMPONENT,),
        Reason("module-grade", module.code, ("L 7.5.1",), {"grade": module.grade}),
    )
