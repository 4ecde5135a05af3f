"""The engine's trace in words, for the outcome page's "why this class / this decision" (RULES.md 8).

The engine gives data: per figure a reason code, what it is about, the clauses and the figures. Here each
code gets its sentences, built from those figures only, so the page never recomputes or guesses. Every code
the engine emits has an entry in ``SENTENCES`` (a test runs every shipped case to keep it so); a code
without one is still shown, as its raw code and figures, rather than breaking the page.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from regulations import rulesets

Figures = Mapping[str, Any]


@dataclass(frozen=True)
class Step:
    code: str
    title: str
    lines: tuple[str, ...]
    clauses: tuple[str, ...]
    met: bool | None = None
    """For an award rule: whether it held; None where a step is not a test."""
    raw: Figures | None = None
    """The figures of a reason without words here: shown as they are."""


@dataclass(frozen=True)
class Group:
    key: str
    title: str
    steps: tuple[Step, ...]


@dataclass(frozen=True)
class Context:
    """What the sentences read besides the reason itself: names for codes and the result's conclusions."""

    modules: Mapping[str, str] = field(default_factory=dict)
    """Module code -> title."""
    awards: Mapping[str, str] = field(default_factory=dict)
    """Award key -> title, from the rule set."""
    result: Mapping[str, Any] = field(default_factory=dict)

    def module(self, code: str) -> str:
        title = self.modules.get(code)
        return f"{code} {title}" if title else code

    def award(self, key: str | None) -> str:
        return self.awards.get(key or "", key or "")


Explainer = Callable[[Figures, str, Context], tuple[str, tuple[str, ...]]]
"""(figures, subject, context) -> (title, sentences)."""

SENTENCES: dict[str, tuple[str, Explainer]] = {}
"""Reason code -> (group key, explainer)."""

GROUPS = (
    ("record", "Record"),
    ("modules", "Module marks"),
    ("credit", "Credit and compensation"),
    ("averages", "Level and year averages"),
    ("classification", "Classification average"),
    ("award-rules", "Award rules"),
    ("award", "Award"),
    ("progression", "Progression"),
    ("unworded", "Other reasons"),
)

KINDS = {
    "first": "first sitting",
    "reassessment": "reassessment",
    "first-attempt-basis": "reassessment taken as a first attempt",
}


def sentences(code: str, group: str) -> Callable[[Explainer], Explainer]:
    def register(function: Explainer) -> Explainer:
        SENTENCES[code] = (group, function)
        return function

    return register


def _list(items: Any, none: str = "none") -> str:
    return ", ".join(str(item) for item in items) if items else none


def _attempt(step: Figures) -> str:
    marks = step.get("sat", {})
    direct = list(marks) == ["module"]
    sat = (
        f"mark {marks['module']}" if direct else ", ".join(f"{name} {value}" for name, value in marks.items())
    )
    head = f"Attempt {step.get('attempt')}"
    if step.get("kind") == "not-taken":
        return f"{head}: not taken ({sat})."
    parts = [f"{head} ({KINDS.get(step.get('kind', ''), step.get('kind', ''))}): {sat}"]
    if step.get("incomplete"):
        parts.append("a component has no mark yet, so no module mark")
    elif "exact" in step:
        parts.append(f"weighted mark {step['exact']}, rounded to {step.get('mark')}")
    elif not (direct and _same(marks["module"], step.get("mark"))):
        parts.append(f"module mark {step.get('mark')}")
    if "capped" in step:
        parts.append(f"capped at {step['capped']}")
    if "replaces" in step:
        parts.append(f"replaces attempt {step['replaces']}")
    return "; ".join(parts) + "."


def _same(sat: Any, mark: Any) -> bool:
    """A direct mark and the module mark it gives are the same number (60.5 and 60.50)."""
    try:
        return Decimal(str(sat)) == Decimal(str(mark))
    except InvalidOperation:
        return False


PHRASES: dict[str, tuple[str, str, str]] = {
    # code: (group, title, sentence); the fields are the reason's figures, plus {module} and {Subject}.
    "module-grade": ("modules", "{module}", "Graded pass/fail, not marked: {grade}."),
    "incomplete": (
        "record",
        "Incomplete record",
        "Marks not recorded: {missing}. No class and no decision until every required mark is recorded.",
    ),
    "compensated": (
        "credit",
        "{module}",
        "Failed with {mark}, credit awarded by compensation: the level average is {level_average}.",
    ),
    "year-average": (
        "averages",
        "{Subject} average",
        "Credit-weighted mean of the module marks: {exact} (exact).",
    ),
    "credits-taken": ("award-rules", "Credits taken", "{taken} taken; {required} required."),
    "credits-passed": ("award-rules", "Credits passed", "{passed} passed; {required} required."),
    "advanced-entry-credits": (
        "award-rules",
        "Credits in year {year} (advanced entry)",
        "{passed} passed; {required} required.",
    ),
    "must-pass": ("award-rules", "Must-pass modules", "Failed: {failed}."),
    "final-project": ("award-rules", "Final project", "{modules}; failed: {failed}."),
    "marginal-fails": (
        "award-rules",
        "Marginal fails",
        "{credits} credits failed in the marginal band; at most {limit} allowed.",
    ),
    "average-credits": (
        "award-rules",
        "Credits in the classification average",
        "{credits} credits with a mark; {required} required.",
    ),
}


class _Figures(dict[str, Any]):
    """Figures for ``str.format_map``: lists as words, and a dash for a figure the reason lacks."""

    def __missing__(self, key: str) -> str:
        return "—"


def _phrase(title: str, sentence: str) -> Explainer:
    def explainer(figures: Figures, subject: str, context: Context) -> tuple[str, tuple[str, ...]]:
        values = _Figures({k: _list(v) if isinstance(v, list) else v for k, v in figures.items()})
        values.update(module=context.module(subject), Subject=subject.capitalize())
        return title.format_map(values), (sentence.format_map(values),)

    return explainer


for _code, (_group, _title, _sentence) in PHRASES.items():
    SENTENCES[_code] = (_group, _phrase(_title, _sentence))


@sentences("module-mark", "modules")
def _module_mark(figures: Figures, subject: str, context: Context) -> tuple[str, tuple[str, ...]]:
    lines = [_attempt(step) for step in figures.get("attempts", [])]
    counting = f"Counting mark {figures.get('counting')}"
    if figures.get("higher_of"):
        counting += f", the higher of {_list(figures['higher_of'])}"
    lines.append(f"{counting}; pass mark {figures.get('pass_mark')}.")
    if figures.get("uncapped"):
        lines.append("A foundation-year module: its reassessment mark is not capped.")
    if figures.get("must_pass_failed"):
        lines.append(f"Must-pass component below the pass mark: {_list(figures['must_pass_failed'])}.")
    status = context.result.get("credit", {}).get(subject)
    if status:
        lines.append(f"Credit: {status}.")
    return context.module(subject), tuple(lines)


@sentences("module-missing", "modules")
def _module_missing(figures: Figures, subject: str, context: Context) -> tuple[str, tuple[str, ...]]:
    lines = [_attempt(step) for step in figures.get("attempts", [])]
    lines.append(f"Not recorded: {_list(figures.get('missing'))}. A missing mark is never a zero.")
    return context.module(subject), tuple(lines)


@sentences("level-average", "averages")
def _level_average(figures: Figures, subject: str, context: Context) -> tuple[str, tuple[str, ...]]:
    """Two reasons share this code: the level's average, and an award's level-average rule (with ``met``)."""
    if "met" not in figures:
        return f"{subject.capitalize()} average", (
            f"Credit-weighted mean of the module marks: {figures.get('exact')} (exact).",
        )
    if figures.get("exact") is None:
        return f"Level {figures.get('level')} average", ("No marks at this level.",)
    return f"Level {figures.get('level')} average", (
        f"{figures.get('exact')}, rounded to {figures.get('rounded')}; at least {figures.get('minimum')} "
        f"required.",
    )


@sentences("credits-level", "award-rules")
def _credits_level(figures: Figures, subject: str, context: Context) -> tuple[str, tuple[str, ...]]:
    text = f"{figures.get('passed')} passed"
    if figures.get("back_counted"):
        text += f", {figures['back_counted']} more counted from a higher level"
    return f"Credits at level {figures.get('level')}", (f"{text}; {figures.get('required')} required.",)


@sentences("credits-levels", "award-rules")
def _credits_levels(figures: Figures, subject: str, context: Context) -> tuple[str, tuple[str, ...]]:
    levels = " and ".join(str(level) for level in figures.get("levels", []))
    return f"Credits at levels {levels}", (
        f"{figures.get('passed')} passed; {figures.get('required')} required.",
    )


@sentences("joint-subject", "award-rules")
def _joint_subject(figures: Figures, subject: str, context: Context) -> tuple[str, tuple[str, ...]]:
    levels = figures.get("levels", {})
    lines = tuple(
        f"Level {level}: {row.get('passed')} passed, {row.get('counted')} counted; "
        f"{row.get('required')} required."
        for level, row in sorted(levels.items(), reverse=True)
    )
    return f"Joint subject {figures.get('subject')}", lines


@sentences("classification-average", "classification")
def _classification(figures: Figures, subject: str, context: Context) -> tuple[str, tuple[str, ...]]:
    lines = [
        f"Year {year.get('year')} average {year.get('average')} times weight {year.get('weight')}."
        for year in figures.get("years", [])
    ]
    if figures.get("basis"):
        lines.append(f"Basis: {figures['basis']}.")
    if "credits" in figures:
        lines.append(f"{figures['credits']} credits of marks in the average.")
    if figures.get("exact") is None:
        lines.append("No marks to average.")
    else:
        lines.append(
            f"Average {figures['exact']}, rounded to {figures.get('rounded')}; at least "
            f"{figures.get('minimum')} required."
        )
    return context.award(subject), tuple(lines)


@sentences("award", "award")
def _award(figures: Figures, subject: str, context: Context) -> tuple[str, tuple[str, ...]]:
    registered = context.award(figures.get("registered"))
    lines = []
    if figures.get("award"):
        lines.append(f"{registered}: every rule met; awarded.")
    else:
        lines.append(f"{registered}: not awarded; rules not met: {_list(figures.get('unmet'))}.")
        if figures.get("exit_award"):
            lines.append(f"Exit award: {context.award(figures['exit_award'])}.")
        else:
            lines.append("No exit award's rules are met.")
    if figures.get("class"):
        lines.append(f"Class {figures['class']} on the average {figures.get('classification_average')}.")
    return "Award and class", tuple(lines)


@sentences("progression", "progression")
def _progression(figures: Figures, subject: str, context: Context) -> tuple[str, tuple[str, ...]]:
    stage = "after reassessment" if figures.get("stage", "after") != "first-sit" else "first sitting"
    if "year" in figures:
        lines = [
            f"{figures.get('credits_awarded')} credits awarded; {figures.get('required')} required.",
            f"Pass-for-progression modules failed: {_list(figures.get('must_pass_failed'))}.",
        ]
        if "attempts_allowed" in figures:
            lines.append(f"Attempts allowed per module: {figures['attempts_allowed']}.")
        if "attempts_left" in figures:
            lines.append(f"Attempts left in: {_list(figures['attempts_left'])}.")
        title = f"{subject.capitalize()} ({stage})"
    else:
        lines = [
            f"Level average (CWA) {figures.get('cwa')}; every module passed: "
            f"{'yes' if figures.get('all_passed') else 'no'}."
        ]
        if "minor_passed" in figures:
            lines.append(f"A minor module passed at 40: {'yes' if figures['minor_passed'] else 'no'}.")
        if "passed" in figures:
            lines.append(
                f"{figures['passed']} credits passed, {figures.get('failed')} failed, "
                f"{figures.get('below_35')} below 35; failed prerequisite: "
                f"{'yes' if figures.get('prerequisite_failed') else 'no'}."
            )
        title = subject.capitalize()
    result = context.result
    if result.get("reassess"):
        parts = [f"{code} ({_list(parts)})" for code, parts in result["reassess"].items()]
        lines.append(f"To reassess: {'; '.join(parts)}.")
    if result.get("transfer"):
        lines.append(f"Transfer to {context.award(result['transfer'])} (S 5.15).")
    return title, tuple(lines)


def _dedupe(clauses: Any) -> tuple[str, ...]:
    return tuple(dict.fromkeys(str(clause) for clause in clauses or ()))


def step(reason: Figures, context: Context) -> tuple[str, Step]:
    """One reason in words, with its group; an unknown code keeps its raw figures."""
    code = str(reason.get("code", ""))
    subject = str(reason.get("subject", ""))
    figures = reason.get("figures") or {}
    clauses = _dedupe(reason.get("clauses"))
    met = figures.get("met") if isinstance(figures.get("met"), bool) else None
    known = SENTENCES.get(code)
    if known is None:
        return "unworded", Step(code, subject or code, (), clauses, met, raw=figures)
    group, explainer = known
    if code == "level-average" and "met" in figures:
        group = "award-rules"
    title, lines = explainer(figures, subject, context)
    if group == "award-rules" and subject:
        title = f"{context.award(subject)}: {title}"
    return group, Step(code, title, lines, clauses, met)


def explain(result: Mapping[str, Any], modules: Mapping[str, str] | None = None) -> tuple[Group, ...]:
    """The result's trace as readable steps, in the groups of ``GROUPS``, each in trace order."""
    context = Context(modules or {}, award_titles(result), result)
    grouped: dict[str, list[Step]] = {key: [] for key, _ in GROUPS}
    for reason in result.get("trace", []):
        group, one = step(reason, context)
        grouped[group].append(one)
    credit = result.get("credit") or {}
    if credit:
        lines = tuple(
            f"{status.capitalize()}: {_list(sorted(code for code, s in credit.items() if s == status))}."
            for status in ("passed", "compensated", "failed")
            if status in credit.values()
        )
        grouped["credit"].insert(0, Step("credit", "Credit by module", lines, ()))
    return tuple(Group(key, title, tuple(grouped[key])) for key, title in GROUPS if grouped[key])


def award_titles(result: Mapping[str, Any]) -> dict[str, str]:
    key = (result.get("ruleset") or {}).get("key", "")
    try:
        ruleset = rulesets.get(key)
    except rulesets.UnknownRuleSet:
        return {}
    return {award_key: spec.title for award_key, spec in ruleset.awards.items()}
