"""Module marks: components, attempts, result codes, caps and higher-of.

RULES.md sections 1-2, 9.1-9.6 and 9.34-9.37.

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

from .numbers import MARK_SCALE, mark_of, mark_text, ratio_text, round_half_up, text_of
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


@dataclass(frozen=True, slots=True)
class MarkRules:
    """The rule set's mark parameters, prepared once per rule set: scaled marks by level, clauses."""

    places: int
    pass_mark: dict[int, int]
    pass_at_places: dict[int, int]
    cap: dict[int, int]
    cap_at_places: dict[int, int]
    caps_components: bool
    caps_module: bool
    uncapped_foundation_year: bool
    higher_of: bool
    basic_clauses: tuple[str, ...]
    higher_of_clause: str
    cap_clause: str
    foundation_clause: str


_PREPARED: dict[tuple[str, str], MarkRules] = {}


def mark_rules(ruleset: RuleSet, cap_rule: CapRule) -> MarkRules:
    key = (ruleset.fingerprint, type(cap_rule).__name__)
    prepared = _PREPARED.get(key)
    if prepared is None:
        places = int(ruleset.module_mark_places.value)
        factor = MARK_SCALE // 10**places
        foundation = ruleset.uncapped_foundation_year
        prepared = MarkRules(
            places=places,
            pass_mark=dict(ruleset.pass_mark.values),
            pass_at_places={level: mark // factor for level, mark in ruleset.pass_mark.values.items()},
            cap=dict(ruleset.reassessment_cap.values),
            cap_at_places={level: mark // factor for level, mark in ruleset.reassessment_cap.values.items()},
            caps_components=cap_rule.caps_components,
            caps_module=cap_rule.caps_module,
            uncapped_foundation_year=foundation is not None and bool(foundation.value),
            higher_of=bool(ruleset.higher_of.value),
            basic_clauses=clauses(ruleset.module_mark_places.clause, ruleset.pass_mark.clause),
            higher_of_clause=ruleset.higher_of.clause,
            cap_clause=ruleset.reassessment_cap.clause,
            foundation_clause="" if foundation is None else foundation.clause,
        )
        _PREPARED[key] = prepared
    return prepared


def evaluate_module(module: Module, rules: MarkRules) -> ModuleMark:
    places = rules.places
    if module.grade is not None:
        return _graded(module, places)
    if not module.attempts:
        missing = (
            (f"{module.code}/{MODULE_COMPONENT}",)
            if module.direct_marks
            else tuple(f"{module.code}/{c.name}" for c in module.components)
        )
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
    level = module.level
    pass_mark = rules.pass_mark[level]
    if len(module.attempts) == 1:
        single = _single_attempt(module, rules, pass_mark)
        if single is not None:
            return single
    uncapped = rules.uncapped_foundation_year and is_foundation(module)
    cap = rules.cap[level]
    cap_at_places = rules.cap_at_places[level]
    weights = {c.name: mark_of(c.weight)[0] for c in module.components}
    total_weight = sum(weights.values())
    current: dict[str, int | None] = dict.fromkeys(weights)
    best: dict[str, int] = {}
    sittings = dict.fromkeys(weights, 0)
    last = len(module.attempts) - 1
    counted: list[tuple[int, int]] = []
    steps: list[dict[str, object]] = []
    capped_any = False
    reassessed = False

    for index, attempt in enumerate(module.attempts):
        first_basis = module.reassessment_as_first_attempt and index == last and index > 0
        reassessment = False
        sat_marks: dict[str, str] = {}
        for name, raw in attempt:
            if raw is ResultCode.DEF:
                sat_marks[name] = "DEF"
                continue
            if isinstance(raw, ResultCode):
                value = 0
                sat_marks[name] = raw.value
            else:
                value, sat_marks[name] = mark_of(raw)
            if sittings[name] and not first_basis:
                reassessment = True
                if rules.caps_components and not uncapped and value > cap:
                    value = cap
                    capped_any = True
            current[name] = value
            if value > best.get(name, -1):
                best[name] = value
            if not first_basis:
                sittings[name] += 1
        step: dict[str, object] = {"attempt": index + 1, "sat": sat_marks}
        if all(mark == "DEF" for mark in sat_marks.values()):
            step["kind"] = "not-taken"
            steps.append(step)
            continue
        reassessed = reassessed or reassessment
        step["kind"] = "first-attempt-basis" if first_basis else ("reassessment" if reassessment else "first")
        if None in current.values():
            step["incomplete"] = True
            steps.append(step)
            continue
        numerator = 0
        for name, sitting in current.items():
            numerator += (sitting or 0) * weights[name]
        denominator = total_weight * MARK_SCALE
        mark = round_half_up(numerator, denominator, places)
        if mark * denominator != numerator * 10**places:
            step["exact"] = ratio_text((numerator, denominator), 6)
        step["mark"] = text_of(mark, places)
        if reassessment and rules.caps_module and not uncapped and mark > cap_at_places:
            mark = cap_at_places
            step["capped"] = text_of(mark, places)
            capped_any = True
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
    counting = max(mark for _, mark in counted) if rules.higher_of else counted[-1][1]
    must_pass_met = all(best.get(c.name, 0) >= pass_mark for c in module.components if c.must_pass)
    reached = counting >= rules.pass_at_places[level]
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
    cited = list(rules.basic_clauses)
    if len(counted) > 1:
        figures["higher_of"] = [text_of(mark, places) for _, mark in counted]
        cited.append(rules.higher_of_clause)
    if capped_any:
        cited.append(rules.cap_clause)
    if uncapped and reassessed:
        figures["uncapped"] = "foundation-year"
        cited.append(rules.foundation_clause)
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


def _single_attempt(module: Module, rules: MarkRules, pass_mark: int) -> ModuleMark | None:
    """The common case, one first attempt sitting every component, without the bookkeeping of
    re-sits; None when the attempt has a DEF or lacks a component (the general path handles it)."""
    attempt = module.attempts[0]
    components = module.components
    if len(attempt) != len(components):
        return None
    sat: dict[str, str] = {}
    values: dict[str, int] = {}
    for name, raw in attempt:
        if raw is ResultCode.DEF:
            return None
        if isinstance(raw, ResultCode):
            values[name] = 0
            sat[name] = raw.value
        else:
            values[name], sat[name] = mark_of(raw)
    places = rules.places
    if len(components) == 1:
        numerator, denominator = values[components[0].name], MARK_SCALE
    else:
        numerator = total = 0
        for component in components:
            weight = mark_of(component.weight)[0]
            numerator += values[component.name] * weight
            total += weight
        denominator = total * MARK_SCALE
    counting = round_half_up(numerator, denominator, places)
    text = text_of(counting, places)
    step: dict[str, object] = {"attempt": 1, "sat": sat, "kind": "first", "mark": text}
    if counting * denominator != numerator * 10**places:
        step["exact"] = ratio_text((numerator, denominator), 6)
    reached = counting >= rules.pass_at_places[module.level]
    must_pass_failed = [c.name for c in components if c.must_pass and values[c.name] < pass_mark]
    figures: dict[str, object] = {"attempts": [step], "counting": text, "pass_mark": mark_text(pass_mark)}
    cited = rules.basic_clauses
    failed: tuple[str, ...] = ()
    if must_pass_failed:
        figures["must_pass_failed"] = must_pass_failed
        cited = clauses(*cited, "RULES 9.5")
    if not reached or must_pass_failed:
        failed = tuple(name for name, value in values.items() if value < pass_mark) or tuple(values)
    return ModuleMark(
        module,
        counting,
        places,
        reached,
        not must_pass_failed,
        1,
        (),
        failed,
        Reason("module-mark", module.code, cited, figures),
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
