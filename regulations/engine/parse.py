"""Reading a record in the case format (CASES.md, "Input"), checking every field.

``parse_record`` turns the JSON object of a case into a ``Record`` or raises
``InputError`` with one message that names the place (module, attempt,
component, field) and what is wrong. Read the JSON with
``parse_float=Decimal`` so no mark is ever a binary float.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from .numbers import MARK_PLACES, ExactnessError, scaled
from .records import (
    AFTER_REASSESSMENT,
    FIRST_SIT,
    MODULE_COMPONENT,
    Ask,
    Attempt,
    Component,
    Mark,
    Module,
    Programme,
    Record,
    ResultCode,
    Student,
)

AWARD_KEYS = (
    "bachelor-honours",
    "bachelor-ordinary",
    "integrated-master",
    "master",
    "mres",
    "pgdip",
    "pgcert",
    "foundation-degree",
    "diphe",
    "certhe",
    "graddip",
    "gradcert",
)
MODULE_FLAGS = (
    "optional",
    "prerequisite",
    "must_pass",
    "skills_discovery",
    "supernumerary",
    "minor",
    "foundation_year",
    "reassessment_as_first_attempt",
)


class InputError(ValueError):
    """A record that cannot be evaluated; the message says what is wrong and where."""


def _number(value: Any, where: str, what: str = "a number") -> Decimal:
    if isinstance(value, bool):
        raise InputError(f"{where}: {value!r} is not {what}")
    if isinstance(value, (int, Decimal)):
        number = Decimal(value)
    elif isinstance(value, float):
        number = Decimal(repr(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise InputError(f"{where}: {value!r} is not {what}") from None
    else:
        raise InputError(f"{where}: {value!r} is not {what}")
    if not number.is_finite():
        raise InputError(f"{where}: {value!r} is not {what}")
    return number


def _whole(value: Any, where: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    number = _number(value, where, "a whole number")
    if number != number.to_integral_value():
        raise InputError(f"{where}: {value!r} is not a whole number")
    result = int(number)
    if maximum is not None and minimum is not None and not minimum <= result <= maximum:
        raise InputError(f"{where}: {result} is not between {minimum} and {maximum}")
    if minimum is not None and result < minimum:
        raise InputError(f"{where}: {result} must be at least {minimum}")
    return result


def parse_mark(value: Any, where: str) -> Mark:
    """A mark 0-100 (number or decimal string) or a result code ABS, NS, DEF (RULES 9.34)."""
    if isinstance(value, str) and value.strip().upper() in ResultCode.__members__:
        return ResultCode[value.strip().upper()]
    what = "a mark between 0 and 100 or a result code (ABS, NS, DEF)"
    try:
        mark = _number(value, where, what)
    except InputError:
        raise InputError(f"{where}: {value!r} is not {what}") from None
    if not Decimal(0) <= mark <= Decimal(100):
        raise InputError(f"{where}: {value!r} is not {what}")
    try:
        scaled(mark)
    except ExactnessError:
        raise InputError(f"{where}: {value!r} has more than {MARK_PLACES} decimal places") from None
    return mark


def _flag(table: dict[str, Any], name: str, where: str) -> bool:
    value = table.get(name, False)
    if value is None:
        return False
    if not isinstance(value, bool):
        raise InputError(f"{where}: {name} must be true or false, not {value!r}")
    return value


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise InputError(f"{where}: expected an object, got {type(value).__name__}")
    return value


def _list(value: Any, where: str) -> list[Any]:
    if not isinstance(value, list):
        raise InputError(f"{where}: expected a list, got {type(value).__name__}")
    return value


def parse_record(data: Any) -> Record:
    case = _object(data, "case")
    case_id = case.get("id")
    if not isinstance(case_id, str) or not case_id:
        raise InputError("case: id must be a non-empty string")
    ruleset = case.get("ruleset")
    if not isinstance(ruleset, str) or not ruleset:
        raise InputError("case: ruleset must be a rule-set key such as 'leeds-taught-2024'")
    programme = _programme(_object(case.get("programme"), "programme"))
    student = _student(_object(case.get("student", {}), "student"))
    modules = _modules(_list(case.get("modules"), "modules"))
    ask = _ask(_object(case.get("ask"), "ask"))
    return Record(case_id, ruleset, programme, student, modules, ask)


def _programme(table: dict[str, Any]) -> Programme:
    award = table.get("award")
    if award not in AWARD_KEYS:
        raise InputError(f"programme.award: {award!r} is not one of {', '.join(AWARD_KEYS)}")
    final_project = tuple(
        str(code) for code in _list(table.get("final_project", []), "programme.final_project")
    )
    subjects = tuple(str(s) for s in _list(table.get("joint_subjects", []), "programme.joint_subjects"))
    abroad: list[tuple[int, str]] = []
    for year, kind in _object(table.get("study_abroad_years", {}), "programme.study_abroad_years").items():
        where = f"programme.study_abroad_years[{year}]"
        if kind not in ("counts", "zero-weighted"):
            raise InputError(f"{where}: {kind!r} must be 'counts' or 'zero-weighted'")
        abroad.append((_whole(year, where, minimum=1), kind))
    weights = None
    if table.get("year_weights") is not None:
        pairs = []
        for year, weight in _object(table["year_weights"], "programme.year_weights").items():
            where = f"programme.year_weights[{year}]"
            pairs.append((_whole(year, where, minimum=0), _whole(weight, where, minimum=0)))
        if not any(weight for _, weight in pairs):
            raise InputError("programme.year_weights: the weights must sum to a positive number")
        weights = tuple(sorted(pairs))
    threshold = None
    if table.get("im_threshold") is not None:
        threshold = _number(table["im_threshold"], "programme.im_threshold")
    table_pairs: list[tuple[int, int]] = []
    for mark, translated in _object(
        table.get("translation_table", {}), "programme.translation_table"
    ).items():
        where = f"programme.translation_table[{mark}]"
        table_pairs.append(
            (_whole(mark, where, minimum=0, maximum=100), _whole(translated, where, minimum=0, maximum=100))
        )
    return Programme(
        award=award,
        final_project=final_project,
        engineering_council=_flag(table, "engineering_council", "programme"),
        joint_subjects=subjects,
        two_plus_two=_flag(table, "two_plus_two", "programme"),
        study_abroad_years=tuple(sorted(abroad)),
        allows_substitution=_flag(table, "allows_substitution", "programme"),
        year_weights=weights,
        supernumerary_counts=_flag(table, "supernumerary_counts", "programme"),
        mbchb=_flag(table, "mbchb", "programme"),
        dental=_flag(table, "dental", "programme"),
        translation_table=tuple(sorted(table_pairs)),
        im_threshold=threshold,
    )


def _student(table: dict[str, Any]) -> Student:
    apl = []
    for index, entry in enumerate(_list(table.get("apl", []), "student.apl"), start=1):
        where = f"student.apl[{index}]"
        entry = _object(entry, where)
        apl.append(
            (
                _whole(entry.get("level"), f"{where}.level", minimum=3, maximum=7),
                _whole(entry.get("credits"), f"{where}.credits", minimum=1),
            )
        )
    return Student(
        mitigation_accepted=_flag(table, "mitigation_accepted", "student"),
        entry_year=_whole(table.get("entry_year", 1), "student.entry_year", minimum=0),
        apl=tuple(apl),
        transfer_request=_flag(table, "transfer_request", "student"),
        unable_to_repeat=_flag(table, "unable_to_repeat", "student"),
        repeated_before=_flag(table, "repeated_before", "student"),
    )


def _modules(items: list[Any]) -> tuple[Module, ...]:
    if not items:
        raise InputError("modules: the record has no modules")
    modules: list[Module] = []
    seen: set[str] = set()
    for index, item in enumerate(items, start=1):
        table = _object(item, f"modules[{index}]")
        code = table.get("code")
        if not isinstance(code, str) or not code.strip():
            raise InputError(f"modules[{index}]: code must be a non-empty string")
        if code in seen:
            raise InputError(f"module {code}: duplicate module code")
        seen.add(code)
        modules.append(_module(code, table))
    return tuple(modules)


def _module(code: str, table: dict[str, Any]) -> Module:
    where = f"module {code}"
    year = _whole(table.get("year"), f"{where}, year", minimum=0)
    level = _whole(table.get("level"), f"{where}, level", minimum=3, maximum=7)
    credits = _whole(table.get("credits"), f"{where}, credits", minimum=1)
    flags = {name: _flag(table, name, where) for name in MODULE_FLAGS}
    if level == 3 and not (year == 0 or flags["foundation_year"]):
        raise InputError(f"{where}, level: level 3 is only for an integrated foundation year (year 0)")
    subject = table.get("subject")
    if subject is not None and not isinstance(subject, str):
        raise InputError(f"{where}, subject: {subject!r} is not a subject name")
    given = [key for key in ("marks", "components", "grade") if table.get(key) is not None]
    if "marks" in given and len(given) > 1:
        raise InputError(f"{where}: give either marks, or components and attempts, or a grade")
    if "grade" in given and len(given) > 1:
        raise InputError(f"{where}: a graded (P/F) module has no marks or components")
    components: tuple[Component, ...] = (Component(MODULE_COMPONENT, Decimal(1)),)
    attempts: tuple[Attempt, ...] = ()
    grade = None
    direct = "components" not in given
    if "grade" in given:
        grade = table["grade"]
        if grade not in ("P", "F"):
            raise InputError(f"{where}, grade: {grade!r} must be 'P' or 'F'")
    elif "marks" in given:
        marks = _list(table["marks"], f"{where}, marks")
        attempts = tuple(
            ((MODULE_COMPONENT, parse_mark(mark, f"{where}, attempt {n}, mark")),)
            for n, mark in enumerate(marks, 1)
        )
    elif "components" in given:
        components = _components(_list(table["components"], f"{where}, components"), where)
        names = {c.name for c in components}
        parsed: list[Attempt] = []
        for n, attempt in enumerate(_list(table.get("attempts", []), f"{where}, attempts"), start=1):
            entries: list[tuple[str, Mark]] = []
            for name, mark in _object(attempt, f"{where}, attempt {n}").items():
                if name not in names:
                    raise InputError(
                        f"{where}, attempt {n}: unknown component {name!r} "
                        f"(components: {', '.join(sorted(names))})"
                    )
                entries.append((name, parse_mark(mark, f"{where}, attempt {n}, component {name}")))
            parsed.append(tuple(entries))
        attempts = tuple(parsed)
    elif table.get("attempts") is not None:
        raise InputError(f"{where}: attempts need components")
    return Module(
        code=code,
        year=year,
        level=level,
        credits=credits,
        components=components,
        attempts=attempts,
        grade=grade,
        direct_marks=direct,
        subject=subject,
        **flags,
    )


def _components(items: list[Any], where: str) -> tuple[Component, ...]:
    components: list[Component] = []
    for index, item in enumerate(items, start=1):
        table = _object(item, f"{where}, components[{index}]")
        name = table.get("name")
        if not isinstance(name, str) or not name:
            raise InputError(f"{where}, components[{index}]: name must be a non-empty string")
        if any(c.name == name for c in components):
            raise InputError(f"{where}, component {name}: duplicate component name")
        weight = _number(table.get("weight"), f"{where}, component {name}, weight")
        if weight < 0:
            raise InputError(f"{where}, component {name}, weight: {weight} is negative")
        try:
            scaled(weight)
        except ExactnessError:
            raise InputError(
                f"{where}, component {name}, weight: more than {MARK_PLACES} decimal places"
            ) from None
        components.append(Component(name, weight, _flag(table, "must_pass", f"{where}, component {name}")))
    if not components:
        raise InputError(f"{where}, components: no components")
    if sum(c.weight for c in components) <= 0:
        raise InputError(f"{where}, components: the weights must sum to a positive number")
    return tuple(components)


def _ask(table: dict[str, Any]) -> Ask:
    if table.get("award") is True and "progression" not in table:
        return Ask(award=True)
    if "progression" in table and "award" not in table:
        progression = _object(table["progression"], "ask.progression")
        level = _whole(progression.get("level"), "ask.progression.level", minimum=3, maximum=7)
        stage = progression.get("stage")
        if stage not in (FIRST_SIT, AFTER_REASSESSMENT):
            raise InputError(
                f"ask.progression.stage: {stage!r} must be '{FIRST_SIT}' or '{AFTER_REASSESSMENT}'"
            )
        return Ask(level=level, stage=stage)
    raise InputError('ask: expected {"award": true} or {"progression": {"level": N, "stage": ...}}')
