"""Award eligibility, classification and exit awards.

RULES.md section 5 and 9.12-9.24; Leeds Table A, L 3.8 and L 10.

Every award is one ``AwardSpec`` of the rule set; ``check_award`` tests each of
its rules and reports every one that fails (RULES 9.18), then computes its
classification average by the award's own rule and its class on the rounded
average (L 9.2).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from decimal import Decimal

from .averages import classification_group, credit_weighted, grouped_averages
from .marks import ModuleMark, is_foundation
from .numbers import Ratio, ratio_text, round_half_up, scaled, text_of, weighted_mean
from .parse import InputError
from .records import Record
from .ruleset import AwardSpec, RuleSet
from .trace import Reason, clauses

PASSED = "passed"
COMPENSATED = "compensated"
FAILED = "failed"


@dataclass(frozen=True, slots=True)
class Standing:
    """What every award check reads: the record, its module marks, credit and credit totals."""

    record: Record
    ruleset: RuleSet
    outcomes: dict[str, ModuleMark]
    credit: dict[str, str]
    passed_by_level: dict[int, int]
    taken_by_level: dict[int, int]
    marginal_fail_credits: int

    def passed(self, code: str) -> bool:
        return self.credit.get(code) in (PASSED, COMPENSATED)


@dataclass(slots=True)
class AwardCheck:
    spec: AwardSpec
    unmet: list[str] = field(default_factory=list)
    average: Ratio | None = None
    rounded: int | None = None
    klass: str | None = None
    reasons: list[Reason] = field(default_factory=list)

    @property
    def met(self) -> bool:
        return not self.unmet


def check_award(spec: AwardSpec, standing: Standing, *, registered: bool) -> AwardCheck:
    check = AwardCheck(spec)
    record = standing.record
    advanced = spec.advanced_entry is not None and record.student.entry_year == spec.advanced_entry.year
    _credits(check, standing)
    _must_pass(check, standing)
    _final_project(check, standing, registered=registered)
    _joint_subjects(check, standing)
    _marginal_fails(check, standing)
    if advanced:
        _advanced_entry(check, standing)
    else:
        _average(check, standing, registered=registered)
    _level_average(check, standing)
    order = {key: index for index, key in enumerate(UNMET_ORDER)}
    check.unmet.sort(key=lambda key: order.get(key, len(order)))
    if check.rounded is not None:
        check.klass = _class(spec, check.rounded, standing.ruleset)
    return check


UNMET_ORDER = (
    "credits-total",
    "credits-level-3",
    "credits-level-4",
    "credits-level-5",
    "credits-level-6",
    "credits-level-7",
    "credits-levels-5-6",
    "final-project",
    "minimum-average",
    "level-7-average",
    "joint-subject",
    "marginal-fails",
    "must-pass",
)


def _fail(check: AwardCheck, key: str, code: str, clause: str, figures: dict[str, object]) -> None:
    if key not in check.unmet:
        check.unmet.append(key)
    check.reasons.append(
        Reason(code, check.spec.key, clauses(clause), {"met": False, "rule": key, **figures})
    )


def _pass(check: AwardCheck, code: str, clause: str, figures: dict[str, object]) -> None:
    check.reasons.append(Reason(code, check.spec.key, clauses(clause), {"met": True, **figures}))


def _credits(check: AwardCheck, standing: Standing) -> None:
    spec = check.spec
    by_level = {level: n for level, n in standing.passed_by_level.items() if level >= 4}
    total_passed = sum(by_level.values())
    if spec.credits_taken is not None:
        taken = sum(n for level, n in standing.taken_by_level.items() if level >= 4)
        figures: dict[str, object] = {"taken": taken, "required": int(spec.credits_taken.value)}
        if taken < int(spec.credits_taken.value):
            _fail(check, "credits-total", "credits-taken", spec.credits_taken.clause, figures)
        else:
            _pass(check, "credits-taken", spec.credits_taken.clause, figures)
    required = int(spec.credits_passed.value)
    figures = {"passed": total_passed, "required": required}
    if total_passed < required:
        _fail(check, "credits-total", "credits-passed", spec.credits_passed.clause, figures)
    else:
        _pass(check, "credits-passed", spec.credits_passed.clause, figures)
    back_counting = spec.back_counting is not None and bool(spec.back_counting.value)
    clause = spec.credits_clause
    if back_counting and spec.back_counting is not None:
        clause = f"{clause}, {spec.back_counting.clause}"
    for level, available, need, covered in _per_level(by_level, spec.credits_at_level, back_counting):
        figures = {"level": level, "passed": by_level.get(level, 0), "required": need}
        if covered:
            figures["back_counted"] = covered
        if available < need:
            _fail(check, f"credits-level-{level}", "credits-level", clause, figures)
        else:
            _pass(check, "credits-level", clause, figures)
    for levels, need in spec.credits_at_levels:
        passed = sum(by_level.get(level, 0) for level in levels)
        key = "credits-levels-" + "-".join(str(level) for level in levels)
        figures = {"levels": list(levels), "passed": passed, "required": need}
        if passed < need:
            _fail(check, key, "credits-levels", spec.credits_clause, figures)
        else:
            _pass(check, "credits-levels", spec.credits_clause, figures)


def _per_level(
    passed: dict[int, int], required: dict[int, int], back_counting: bool
) -> list[tuple[int, int, int, int]]:
    """``(level, available, required, back-counted)`` per required level, highest first.

    With back counting (L 10.4.2, 10.5.1) credit passed beyond a level's
    requirement, or at a level above every required one, covers a shortfall below.
    """
    if not required:
        return []
    top = max(required)
    surplus = sum(n for level, n in passed.items() if level > top) if back_counting else 0
    rows: list[tuple[int, int, int, int]] = []
    for level in sorted(required, reverse=True):
        own = passed.get(level, 0)
        need = required[level]
        covered = min(surplus, max(0, need - own)) if back_counting else 0
        available = own + covered
        if back_counting:
            surplus = surplus - covered + max(0, own - need)
        rows.append((level, available, need, covered))
    return rows


def _must_pass(check: AwardCheck, standing: Standing) -> None:
    failed = [
        code
        for code, outcome in standing.outcomes.items()
        if outcome.module.must_pass
        and outcome.module.level <= check.spec.top_level
        and not standing.passed(code)
    ]
    if failed:
        _fail(check, "must-pass", "must-pass", "L 8.2, RULES 9.22", {"failed": failed})


def _final_project(check: AwardCheck, standing: Standing, *, registered: bool) -> None:
    spec = check.spec
    if spec.final_project is None or not spec.final_project.value:
        return
    named = standing.record.programme.final_project
    projects = [
        code
        for code in named
        if (code in standing.outcomes and standing.outcomes[code].module.level <= spec.top_level)
        or (registered and code not in standing.outcomes)
    ]
    if not projects:
        return
    failed = [code for code in projects if not standing.passed(code)]
    figures: dict[str, object] = {"modules": projects, "failed": failed}
    if failed:
        _fail(check, "final-project", "final-project", spec.final_project.clause, figures)
    else:
        _pass(check, "final-project", spec.final_project.clause, figures)


def _joint_subjects(check: AwardCheck, standing: Standing) -> None:
    spec = check.spec
    subjects = standing.record.programme.joint_subjects
    if spec.joint_subjects is None or not subjects:
        return
    required = {int(level): int(n) for level, n in spec.joint_subjects.value.items()}
    for subject in subjects:
        passed: dict[int, int] = {}
        for code, outcome in standing.outcomes.items():
            if outcome.module.subject == subject and standing.passed(code):
                passed[outcome.module.level] = passed.get(outcome.module.level, 0) + outcome.module.credits
        rows = _per_level(passed, required, back_counting=True)
        figures: dict[str, object] = {
            "subject": subject,
            "levels": {
                str(level): {"passed": passed.get(level, 0), "counted": available, "required": need}
                for level, available, need, _ in rows
            },
        }
        if any(available < need for _, available, need, _ in rows):
            _fail(check, "joint-subject", "joint-subject", spec.joint_subjects.clause, figures)
        else:
            _pass(check, "joint-subject", spec.joint_subjects.clause, figures)


def _marginal_fails(check: AwardCheck, standing: Standing) -> None:
    spec = check.spec
    if spec.marginal_fail_limit is None or not standing.record.programme.engineering_council:
        return
    limit = int(spec.marginal_fail_limit.value)
    figures: dict[str, object] = {"credits": standing.marginal_fail_credits, "limit": limit}
    if standing.marginal_fail_credits > limit:
        _fail(check, "marginal-fails", "marginal-fails", spec.marginal_fail_limit.clause, figures)
    else:
        _pass(check, "marginal-fails", spec.marginal_fail_limit.clause, figures)


def year_weights(spec: AwardSpec, record: Record, *, registered: bool) -> dict[int, int]:
    """Programme year -> weight for the award (L 10.2.6-10.2.8, 10.4.5-10.4.6, 10.9.4; RULES 9.13).

    Study-abroad years are additional years with their own weight; the other
    years take the award's pattern in order, so the final year keeps its weight.
    Years before the entry year are not the student's (L 10.6.1).
    """
    programme = record.programme
    if registered and programme.year_weights is not None:
        return dict(programme.year_weights)
    pattern: list[int] = list(spec.weights.value) if spec.weights is not None else []
    if programme.two_plus_two and spec.two_plus_two_weights is not None:
        pattern = list(spec.two_plus_two_weights.value)
    if programme.dental and spec.dental_weights is not None:
        pattern = list(spec.dental_weights.value)
    abroad = dict(programme.study_abroad_years)
    years = {outcome_year for outcome_year in range(1, 1 + len(pattern) + len(abroad))}
    weights: dict[int, int] = {}
    for year in sorted(years):
        if year < record.student.entry_year:
            continue
        index = year - 1 - sum(1 for other in abroad if other < year)
        if index >= len(pattern):
            continue
        if year in abroad:
            weights[year] = 1 if abroad[year] == "counts" else 0
        else:
            weights[year] = int(pattern[index])
    return weights


def _average(check: AwardCheck, standing: Standing, *, registered: bool) -> None:
    spec = check.spec
    ruleset = standing.ruleset
    counts = standing.record.programme.supernumerary_counts
    outcomes = [o for o in standing.outcomes.values() if not is_foundation(o.module)]
    cited = [ruleset.classification_places.clause]
    programme = standing.record.programme
    if programme.dental and spec.dental_weights is not None:
        outcomes = translated(outcomes, dict(programme.translation_table))
        cited.append(spec.dental_weights.clause)
    figures: dict[str, object]
    if spec.average == "credit-weighted":
        average = credit_weighted(
            o for o in outcomes if o.mark is not None and (counts or not o.module.supernumerary)
        )
        figures = {"basis": "all modules, credit-weighted"}
        cited.insert(0, spec.minimum_average.clause)
    else:
        skills = None if spec.skills_discovery_year is None else int(spec.skills_discovery_year.value)
        groups = grouped_averages(outcomes, classification_group(skills), counts)
        weights = year_weights(spec, standing.record, registered=registered)
        terms = [
            (groups[year], weight) for year, weight in sorted(weights.items()) if weight and year in groups
        ]
        average = weighted_mean(terms)
        figures = {
            "years": [
                {"year": year, "average": ratio_text(groups[year], 4), "weight": weight}
                for year, weight in sorted(weights.items())
                if weight and year in groups
            ]
        }
        if spec.weights is not None:
            cited.insert(0, spec.weights.clause)
        if spec.average_min_credits is not None:
            need = int(spec.average_min_credits.value)
            credits = sum(
                o.module.credits
                for o in outcomes
                if weights.get(classification_group(skills)(o), 0) and o.mark is not None
            )
            figures["credits"] = credits
            if credits < need:
                _fail(
                    check,
                    "minimum-average",
                    "average-credits",
                    spec.average_min_credits.clause,
                    {"credits": credits, "required": need},
                )
    _conclude_average(check, standing, average, figures, cited)


def translated(outcomes: list[ModuleMark], table: dict[int, int]) -> list[ModuleMark]:
    """Dental integrated master: level 5-6 marks on the programme's translation table (L 10.3.2a, RULES 4)."""
    out: list[ModuleMark] = []
    for outcome in outcomes:
        if outcome.mark is not None and outcome.module.level in (5, 6):
            whole, fraction = divmod(outcome.mark, 10**outcome.places)
            if fraction or whole not in table:
                raise InputError(
                    f"programme.translation_table: no entry for mark {text_of(outcome.mark, outcome.places)} "
                    f"(module {outcome.module.code})"
                )
            outcome = replace(outcome, mark=table[whole] * 10**outcome.places)
        out.append(outcome)
    return out


def _advanced_entry(check: AwardCheck, standing: Standing) -> None:
    """L 10.7.3: admitted into year 3, considered on year 3 achievements only."""
    rule = check.spec.advanced_entry
    assert rule is not None
    year = [o for o in standing.outcomes.values() if o.module.year == rule.year]
    passed = sum(o.module.credits for o in year if standing.passed(o.module.code))
    at_top = sum(
        o.module.credits
        for o in year
        if standing.passed(o.module.code) and o.module.level == check.spec.top_level
    )
    figures: dict[str, object] = {
        "year": rule.year,
        "passed": passed,
        "required": rule.credits_passed_in_year,
    }
    if passed < rule.credits_passed_in_year:
        _fail(check, "credits-total", "advanced-entry-credits", rule.clause, figures)
    if at_top < rule.credits_at_top_level:
        _fail(
            check,
            f"credits-level-{check.spec.top_level}",
            "advanced-entry-credits",
            rule.clause,
            {"year": rule.year, "passed": at_top, "required": rule.credits_at_top_level},
        )
    numeric = [
        o
        for o in year
        if o.mark is not None
        and (standing.record.programme.supernumerary_counts or not o.module.supernumerary)
    ]
    credits = sum(o.module.credits for o in numeric)
    if credits < rule.average_min_credits:
        _fail(
            check,
            "minimum-average",
            "average-credits",
            rule.clause,
            {"credits": credits, "required": rule.average_min_credits},
        )
    _conclude_average(
        check,
        standing,
        credit_weighted(numeric),
        {"basis": f"year {rule.year} only"},
        [rule.clause, standing.ruleset.classification_places.clause],
    )


def _conclude_average(
    check: AwardCheck, standing: Standing, average: Ratio | None, figures: dict[str, object], cited: list[str]
) -> None:
    spec = check.spec
    places = int(standing.ruleset.classification_places.value)
    minimum = scaled_threshold(spec.minimum_average.value, places)
    check.average = average
    if average is None:
        _fail(
            check,
            "minimum-average",
            "classification-average",
            spec.minimum_average.clause,
            {**figures, "average": None},
        )
        return
    check.rounded = round_half_up(average[0], average[1], places)
    figures = {
        **figures,
        "exact": ratio_text(average),
        "rounded": text_of(check.rounded, places),
        "minimum": text_of(minimum, places),
    }
    if check.rounded < minimum:
        _fail(
            check,
            "minimum-average",
            "classification-average",
            ", ".join([*cited, spec.minimum_average.clause]),
            figures,
        )
    else:
        _pass(check, "classification-average", ", ".join([*cited, spec.minimum_average.clause]), figures)


def _level_average(check: AwardCheck, standing: Standing) -> None:
    spec = check.spec
    if spec.level_average is None:
        return
    level, minimum_at_1, clause = spec.level_average
    places = int(standing.ruleset.classification_places.value)
    counts = standing.record.programme.supernumerary_counts
    average = grouped_averages(standing.outcomes.values(), lambda o: o.module.level, counts).get(level)
    minimum = minimum_at_1 * 10**places // 10
    if average is None:
        _fail(check, "level-7-average", "level-average", clause, {"level": level, "average": None})
        return
    rounded = round_half_up(average[0], average[1], places)
    figures: dict[str, object] = {
        "level": level,
        "exact": ratio_text(average),
        "rounded": text_of(rounded, places),
        "minimum": text_of(minimum, places),
    }
    if rounded < minimum:
        _fail(check, f"level-{level}-average", "level-average", clause, figures)
    else:
        _pass(check, "level-average", clause, figures)


def scaled_threshold(value: object, places: int) -> int:
    """A threshold from the rule set (40, 50.0) scaled by ``10**places``."""
    return scaled(Decimal(str(value)), places)


def _class(spec: AwardSpec, rounded: int, ruleset: RuleSet) -> str | None:
    places = int(ruleset.classification_places.value)
    for label, threshold_at_1 in spec.classes:
        if rounded * 10 >= threshold_at_1 * 10**places:
            return label
    return spec.below_classes
