"""The engine's input: one student's record and the question asked of it (CASES.md, "Input").

Frozen dataclasses with no behaviour. ``parse.py`` builds them from the case
format and checks every field; ``regulations/adapters.py`` builds them from the
database. A module with module marks (no components) has the single component
``module`` (RULES.md 9.3), so every module is evaluated by the same code.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from enum import Enum


class ResultCode(Enum):
    """A result code in place of a mark (RULES.md 9.34)."""

    ABS = "ABS"
    """Absent without accepted mitigation: a mark of 0, the attempt counts as used."""
    NS = "NS"
    """Non-submission: a mark of 0, the attempt counts as used."""
    DEF = "DEF"
    """Deferred on accepted mitigation: the sitting did not take place."""


Mark = Decimal | ResultCode
Attempt = tuple[tuple[str, Mark], ...]
"""One attempt: the components sat at it, in order, with their marks."""

MODULE_COMPONENT = "module"


@dataclass(frozen=True, slots=True)
class Component:
    name: str
    weight: Decimal
    must_pass: bool = False


@dataclass(frozen=True, slots=True)
class Module:
    code: str
    year: int
    level: int
    credits: int
    components: tuple[Component, ...]
    attempts: tuple[Attempt, ...]
    grade: str | None = None
    direct_marks: bool = False
    optional: bool = False
    prerequisite: bool = False
    must_pass: bool = False
    skills_discovery: bool = False
    supernumerary: bool = False
    minor: bool = False
    foundation_year: bool = False
    reassessment_as_first_attempt: bool = False
    subject: str | None = None


@dataclass(frozen=True, slots=True)
class Programme:
    award: str
    final_project: tuple[str, ...] = ()
    engineering_council: bool = False
    joint_subjects: tuple[str, ...] = ()
    two_plus_two: bool = False
    study_abroad_years: tuple[tuple[int, str], ...] = ()
    allows_substitution: bool = False
    year_weights: tuple[tuple[int, int], ...] | None = None
    supernumerary_counts: bool = False
    mbchb: bool = False
    dental: bool = False
    translation_table: tuple[tuple[int, int], ...] = ()
    im_threshold: Decimal | None = None


@dataclass(frozen=True, slots=True)
class Student:
    mitigation_accepted: bool = False
    entry_year: int = 1
    apl: tuple[tuple[int, int], ...] = ()
    transfer_request: bool = False
    unable_to_repeat: bool = False
    repeated_before: bool = False


@dataclass(frozen=True, slots=True)
class Ask:
    """Either the award at the end of the programme, or a progression decision for a level."""

    award: bool = False
    level: int | None = None
    stage: str | None = None


FIRST_SIT = "first-sit"
AFTER_REASSESSMENT = "after-reassessment"


@dataclass(frozen=True, slots=True)
class Record:
    id: str
    ruleset: str
    programme: Programme
    student: Student
    modules: tuple[Module, ...]
    ask: Ask
