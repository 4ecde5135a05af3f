"""Rule-set versions as data (RULES.md: "everything here is a parameter of a rule set").

A rule set is a TOML file: every parameter is ``{ value = ..., clause = "..." }``
so each figure the engine uses can name the clause it comes from, and the
logic that differs between institutions is named (``[rules]``) and looked up
in ``rules/``. A third university is a new file and, at most, a new small rule
object there; nothing here or in ``evaluate.py`` changes.
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from .numbers import MARK_PLACES, scaled


class RuleSetError(ValueError):
    """A rule-set file that cannot be used: the message names the file and the key."""


@dataclass(frozen=True, slots=True)
class Param:
    """A number or a table of numbers with the clause it comes from."""

    value: Any
    clause: str


@dataclass(frozen=True, slots=True)
class ByLevel:
    """A mark per FHEQ level (pass marks, caps), scaled by ``MARK_SCALE``."""

    values: dict[int, int]
    clause: str

    def at(self, level: int) -> int:
        return self.values[level]


@dataclass(frozen=True, slots=True)
class AdvancedEntry:
    """Award rules for a student admitted into a later programme year (L 10.6.1, 10.7.3)."""

    year: int
    credits_passed_in_year: int
    credits_at_top_level: int
    average_min_credits: int
    clause: str


@dataclass(frozen=True, slots=True)
class AwardSpec:
    """One award of Table A with its classification rule (L 10.x)."""

    key: str
    title: str
    top_level: int
    postgraduate: bool
    minimum_average: Param
    classes: tuple[tuple[str, int], ...]
    classes_clause: str
    below_classes: str | None
    credits_taken: Param | None
    credits_passed: Param
    credits_at_level: dict[int, int]
    credits_at_levels: tuple[tuple[tuple[int, ...], int], ...]
    credits_clause: str
    back_counting: Param | None
    average: str
    weights: Param | None
    two_plus_two_weights: Param | None
    dental_weights: Param | None
    average_min_credits: Param | None
    skills_discovery_year: Param | None
    final_project: Param | None
    level_average: tuple[int, int, str] | None
    joint_subjects: Param | None
    marginal_fail_limit: Param | None
    exit_awards: tuple[str, ...]
    exit_clause: str
    advanced_entry: AdvancedEntry | None


@dataclass(frozen=True, slots=True)
class RuleSet:
    key: str
    version: str
    title: str
    fingerprint: str
    rules: dict[str, str]
    module_mark_places: Param
    classification_places: Param
    pass_mark: ByLevel
    attempts: Param
    max_attempts: Param
    reassessment_cap: ByLevel
    uncapped_foundation_year: Param | None
    higher_of: Param
    third_attempt: Param | None
    compensation: Param | None
    marginal_fail_floor: ByLevel | None
    supernumerary: Param
    study_abroad_weights: Param | None
    progression: dict[str, Param]
    awards: dict[str, AwardSpec]
    awards_clause: str


def _param(table: dict[str, Any], name: str, where: str, *, optional: bool = False) -> Param | None:
    raw = table.get(name)
    if raw is None:
        if optional:
            return None
        raise RuleSetError(f"{where}: missing parameter {name!r}")
    if not isinstance(raw, dict) or "value" not in raw or "clause" not in raw:
        raise RuleSetError(f'{where}: parameter {name!r} must be {{ value = ..., clause = "..." }}')
    return Param(raw["value"], str(raw["clause"]))


def _required(table: dict[str, Any], name: str, where: str) -> Param:
    param = _param(table, name, where)
    assert param is not None
    return param


def _by_level(param: Param | None, where: str) -> ByLevel | None:
    if param is None:
        return None
    try:
        values = {int(level): scaled(Decimal(str(mark)), MARK_PLACES) for level, mark in param.value.items()}
    except (AttributeError, ValueError, ArithmeticError) as error:
        raise RuleSetError(f"{where}: expected a table of marks by level ({error})") from error
    return ByLevel(values, param.clause)


def _int_table(value: dict[str, Any]) -> dict[int, int]:
    return {int(key): int(item) for key, item in value.items()}


def _award(key: str, table: dict[str, Any], where: str) -> AwardSpec:
    where = f"{where} [awards.{key}]"
    classes = _required(table, "classes", where)
    credits = _required(table, "credits_at_level", where)
    at_levels = table.get("credits_at_levels", {}).get("value", [])
    level_average = _param(table, "level_average", where, optional=True)
    advanced = _param(table, "advanced_entry", where, optional=True)
    exits = _required(table, "exit_awards", where)
    below = table.get("below_classes")
    return AwardSpec(
        key=key,
        title=str(table.get("title", key)),
        top_level=int(table["top_level"]),
        postgraduate=bool(table.get("postgraduate", False)),
        minimum_average=_required(table, "minimum_average", where),
        classes=tuple((str(label), scaled(Decimal(str(mark)), 1)) for label, mark in classes.value),
        classes_clause=classes.clause,
        below_classes=None if below is None else str(below),
        credits_taken=_param(table, "credits_taken", where, optional=True),
        credits_passed=_required(table, "credits_passed", where),
        credits_at_level=_int_table(credits.value),
        credits_at_levels=tuple((tuple(int(x) for x in levels), int(n)) for levels, n in at_levels),
        credits_clause=credits.clause,
        back_counting=_param(table, "back_counting", where, optional=True),
        average=str(table.get("average", "years")),
        weights=_param(table, "weights", where, optional=True),
        two_plus_two_weights=_param(table, "two_plus_two_weights", where, optional=True),
        dental_weights=_param(table, "dental_weights", where, optional=True),
        average_min_credits=_param(table, "average_min_credits", where, optional=True),
        skills_discovery_year=_param(table, "skills_discovery_year", where, optional=True),
        final_project=_param(table, "final_project", where, optional=True),
        level_average=None
        if level_average is None
        else (
            int(level_average.value["level"]),
            scaled(Decimal(str(level_average.value["minimum"])), 1),
            level_average.clause,
        ),
        joint_subjects=_param(table, "joint_subjects", where, optional=True),
        marginal_fail_limit=_param(table, "marginal_fail_limit", where, optional=True),
        exit_awards=tuple(str(x) for x in exits.value),
        exit_clause=exits.clause,
        advanced_entry=None
        if advanced is None
        else AdvancedEntry(
            year=int(advanced.value["year"]),
            credits_passed_in_year=int(advanced.value["credits_passed_in_year"]),
            credits_at_top_level=int(advanced.value["credits_at_top_level"]),
            average_min_credits=int(advanced.value["average_min_credits"]),
            clause=advanced.clause,
        ),
    )


def parse_ruleset(text: str, where: str = "rule set") -> RuleSet:
    """Build a ``RuleSet`` from TOML text; every problem raises ``RuleSetError`` naming the key."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise RuleSetError(f"{where}: not valid TOML ({error})") from error
    try:
        marks = data["marks"]
        reassessment = data["reassessment"]
        credit = data.get("credit", {})
        averages = data.get("averages", {})
        awards_table = data.get("awards", {})
        ruleset = RuleSet(
            key=str(data["key"]),
            version=str(data["version"]),
            title=str(data["title"]),
            fingerprint=hashlib.sha256(text.encode()).hexdigest()[:16],
            rules={str(k): str(v) for k, v in data["rules"].items()},
            module_mark_places=_required(marks, "module_mark_places", where),
            classification_places=_required(marks, "classification_places", where),
            pass_mark=_by_level(_required(marks, "pass_mark", where), where) or ByLevel({}, ""),
            attempts=_required(reassessment, "attempts", where),
            max_attempts=_required(reassessment, "max_attempts", where),
            reassessment_cap=_by_level(_required(reassessment, "cap", where), where) or ByLevel({}, ""),
            uncapped_foundation_year=_param(reassessment, "foundation_year_uncapped", where, optional=True),
            higher_of=_required(reassessment, "higher_of", where),
            third_attempt=_param(reassessment, "third_attempt", where, optional=True),
            compensation=_param(credit, "compensation", where, optional=True),
            marginal_fail_floor=_by_level(_param(credit, "marginal_fail_floor", where, optional=True), where),
            supernumerary=_required(averages, "supernumerary_excluded", where),
            study_abroad_weights=_param(averages, "study_abroad_weights", where, optional=True),
            progression={
                name: Param(value["value"], str(value["clause"]))
                for name, value in data.get("progression", {}).items()
            },
            awards={key: _award(key, table, where) for key, table in awards_table.items()},
            awards_clause=str(data.get("awards_clause", "")),
        )
    except KeyError as error:
        raise RuleSetError(f"{where}: missing key {error}") from error
    for award in ruleset.awards.values():
        for exit_key in award.exit_awards:
            if exit_key not in ruleset.awards:
                raise RuleSetError(f"{where}: award {award.key!r} names unknown exit award {exit_key!r}")
    return ruleset


def load_ruleset(path: Path) -> RuleSet:
    """Read and parse one rule-set file."""
    return parse_ruleset(path.read_text(encoding="utf-8"), where=str(path))
