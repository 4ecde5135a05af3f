"""Evaluate one record under one rule set: module marks, credit, averages, then the award or the
progression decision, each with its reasons (RULES.md sections 1-8).

The order follows the regulations: marks from attempts (section 2), then
credit, with compensation only after reassessment and at award (RULES 9.7),
then averages, then the question asked. A record with a missing mark gets no
award and no decision (RULES 9.35).
"""

from __future__ import annotations

from dataclasses import replace

from .averages import classification_group, grouped_averages
from .awards import COMPENSATED, FAILED, PASSED, AwardCheck, Standing, check_award
from .marks import ModuleMark, evaluate_module, mark_rules
from .numbers import MARK_SCALE, ratio_text, text_of
from .parse import InputError
from .progression import ProgressionContext
from .records import AFTER_REASSESSMENT, Record
from .registry import CAP_RULES, COMPENSATION_RULES, PROGRESSION_RULES
from .result import Result
from .ruleset import RuleSet
from .trace import Reason, clauses


def evaluate(record: Record, ruleset: RuleSet) -> Result:
    """The outcome of ``record`` under ``ruleset``; ``InputError`` if the question cannot be asked of it."""
    if record.ruleset != ruleset.key:
        raise InputError(f"ruleset: the record names {record.ruleset!r}, not {ruleset.key!r}")
    _check_question(record, ruleset)
    cap_rule = CAP_RULES[ruleset.rules["reassessment_cap"]]()
    compensation = COMPENSATION_RULES[ruleset.rules["compensation"]](ruleset.compensation)
    rules = mark_rules(ruleset, cap_rule)
    outcomes = {module.code: evaluate_module(module, rules) for module in record.modules}
    places = int(ruleset.module_mark_places.value)
    counts = record.programme.supernumerary_counts
    level_averages = grouped_averages(outcomes.values(), lambda o: o.module.level, counts)
    registered = ruleset.awards.get(record.programme.award)
    skills = registered.skills_discovery_year if registered is not None else None
    year_averages = grouped_averages(
        outcomes.values(), classification_group(None if skills is None else int(skills.value)), counts
    )
    trace: list[Reason] = [outcome.reason for outcome in outcomes.values()]
    trace.extend(_average_reasons(level_averages, "level", ruleset))
    trace.extend(_average_reasons(year_averages, "year", ruleset))

    apply_compensation = record.ask.award or record.ask.stage == AFTER_REASSESSMENT
    credit: dict[str, str] = {}
    for code, outcome in outcomes.items():
        if outcome.missing:
            continue
        status = PASSED if outcome.passed else FAILED
        if (
            status == FAILED
            and apply_compensation
            and outcome.mark is not None
            and not outcome.module.must_pass
            and outcome.must_pass_met
            and compensation.compensable(
                outcome.module.level, outcome.mark, places, level_averages.get(outcome.module.level)
            )
        ):
            status = COMPENSATED
            trace.append(
                Reason(
                    "compensated",
                    code,
                    clauses(compensation.clause),
                    {
                        "mark": text_of(outcome.mark, places),
                        "level_average": ratio_text(level_averages[outcome.module.level]),
                    },
                )
            )
        credit[code] = status

    incomplete = tuple(sorted(missing for outcome in outcomes.values() for missing in outcome.missing))
    base = Result(
        id=record.id,
        ruleset=ruleset.key,
        ruleset_version=ruleset.version,
        ruleset_fingerprint=ruleset.fingerprint,
        question="award" if record.ask.award else "progression",
        module_marks={
            code: text_of(o.mark, places) if o.mark is not None else str(o.module.grade)
            for code, o in outcomes.items()
            if o.mark is not None or o.module.grade is not None
        },
        credit=credit,
        level_averages=level_averages,
        year_averages=year_averages,
        incomplete=incomplete,
        trace=(),
    )
    if incomplete:
        trace.append(Reason("incomplete", "record", clauses("RULES 9.35"), {"missing": list(incomplete)}))
        return replace(base, trace=tuple(trace))

    apl: dict[int, int] = {}
    for level, credits in record.student.apl:
        apl[level] = apl.get(level, 0) + credits
    if record.ask.award:
        assert registered is not None
        passed_by_level = dict(apl)
        taken_by_level = dict(apl)
        for code, outcome in outcomes.items():
            level = outcome.module.level
            taken_by_level[level] = taken_by_level.get(level, 0) + outcome.module.credits
            if credit[code] in (PASSED, COMPENSATED):
                passed_by_level[level] = passed_by_level.get(level, 0) + outcome.module.credits
        marginal = _marginal_fail_credits(outcomes, credit, ruleset)
        standing = Standing(record, ruleset, outcomes, credit, passed_by_level, taken_by_level, marginal)
        return _award_result(standing, registered.key, trace, base)

    assert record.ask.level is not None and record.ask.stage is not None
    context = ProgressionContext(
        record, ruleset, record.ask.level, record.ask.stage, outcomes, credit, level_averages, apl
    )
    rule = PROGRESSION_RULES[ruleset.rules["progression"]](ruleset)
    decision = rule.decide(context)
    trace.extend(decision.reasons)
    return replace(
        base,
        trace=tuple(trace),
        decision=decision.decision,
        options=None if decision.options is None else tuple(decision.options),
        reassess=decision.reassess,
        transfer=decision.transfer,
    )


def _check_question(record: Record, ruleset: RuleSet) -> None:
    if record.ask.award:
        if not ruleset.awards:
            raise InputError(
                f"ask.award: {ruleset.title} ({ruleset.key}) defines no award rules, only progression "
                f"({ruleset.awards_clause}); ask it a progression question"
            )
        if record.programme.award not in ruleset.awards:
            raise InputError(f"programme.award: {record.programme.award!r} is not an award of {ruleset.key}")
        return
    level = record.ask.level
    assert level is not None
    outcomes = {m.code: m for m in record.modules}
    if not any(module.level == level for module in outcomes.values()):
        raise InputError(f"ask.progression.level: the record has no module at level {level}")
    for module in record.modules:
        if module.level not in ruleset.pass_mark.values:
            raise InputError(
                f"module {module.code}, level: {ruleset.key} has no pass mark for level {module.level}"
            )


def _marginal_fail_credits(outcomes: dict[str, ModuleMark], credit: dict[str, str], ruleset: RuleSet) -> int:
    """Credits failed with a counting mark in the marginal band (L 10.1.3, 10.2.3, 10.4.3; RULES 9.11)."""
    floor = ruleset.marginal_fail_floor
    if floor is None:
        return 0
    total = 0
    for code, outcome in outcomes.items():
        level = outcome.module.level
        if credit.get(code) != FAILED or outcome.mark is None or level not in floor.values:
            continue
        if outcome.mark * MARK_SCALE >= floor.at(level) * 10**outcome.places:
            total += outcome.module.credits
    return total


def _award_result(standing: Standing, key: str, trace: list[Reason], base: Result) -> Result:
    ruleset = standing.ruleset
    places = int(ruleset.classification_places.value)
    registered = check_award(ruleset.awards[key], standing, registered=True)
    trace.extend(registered.reasons)
    granted: AwardCheck | None = registered if registered.met else None
    exit_check: AwardCheck | None = None
    if granted is None:
        for exit_key in registered.spec.exit_awards:
            candidate = check_award(ruleset.awards[exit_key], standing, registered=False)
            trace.extend(candidate.reasons)
            if candidate.met:
                exit_check = candidate
                break
    shown = granted or exit_check
    rounded = shown.rounded if shown is not None else registered.rounded
    programme = standing.record.programme
    trace.append(
        Reason(
            "award",
            key,
            clauses(registered.spec.classes_clause, registered.spec.exit_clause),
            {
                "registered": key,
                "unmet": list(registered.unmet),
                "award": key if granted else None,
                "exit_award": exit_check.spec.key if exit_check else None,
                "class": shown.klass if shown else None,
                "classification_average": None if rounded is None else text_of(rounded, places),
                "registered_average": None
                if registered.rounded is None
                else text_of(registered.rounded, places),
            },
        )
    )
    return replace(
        base,
        trace=tuple(trace),
        classification_average=None if rounded is None else text_of(rounded, places),
        award=key if granted else None,
        klass=shown.klass if shown else None,
        exit_award=exit_check.spec.key if exit_check else None,
        unmet=tuple(registered.unmet),
        marginal_fail_credits=standing.marginal_fail_credits if programme.engineering_council else None,
    )


def _average_reasons(averages: dict[int, tuple[int, int]], kind: str, ruleset: RuleSet) -> list[Reason]:
    return [
        Reason(f"{kind}-average", f"{kind} {group}", ("RULES 4",), {"exact": ratio_text(value)})
        for group, value in averages.items()
    ]
