"""What a progression rule reads and returns (RULES.md section 6, 9.25-9.33).

The rule object itself (``rules/progression_leeds.py``,
``rules/progression_senate5.py``) is named by the rule set.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .awards import COMPENSATED, FAILED, PASSED
from .marks import ModuleMark
from .numbers import Ratio
from .records import Record
from .ruleset import RuleSet
from .trace import Reason


@dataclass(frozen=True, slots=True)
class ProgressionContext:
    record: Record
    ruleset: RuleSet
    level: int
    stage: str
    outcomes: dict[str, ModuleMark]
    credit: dict[str, str]
    level_averages: dict[int, Ratio]
    apl_by_level: dict[int, int]

    def passed(self, code: str) -> bool:
        return self.credit.get(code) in (PASSED, COMPENSATED)

    def failed(self, code: str) -> bool:
        return self.credit.get(code) == FAILED

    def reassess_list(self, outcomes: list[ModuleMark]) -> dict[str, list[str]]:
        """Failed modules with the components to re-sit: only what failed (S 5.16, L 7.7.1)."""
        return {o.module.code: list(o.failed_components) for o in outcomes if self.failed(o.module.code)}


@dataclass(slots=True)
class Decision:
    decision: str | None
    options: list[str] | None = None
    reassess: dict[str, list[str]] | None = None
    transfer: str | None = None
    reasons: list[Reason] = field(default_factory=list)


def decision_year(outcomes: dict[str, ModuleMark], level: int) -> int | None:
    """The programme year of a level: the year holding most of its credit (RULES 9.25)."""
    credits: dict[int, int] = {}
    for outcome in outcomes.values():
        module = outcome.module
        if module.level == level and not module.skills_discovery:
            credits[module.year] = credits.get(module.year, 0) + module.credits
    if not credits:
        return None
    return max(sorted(credits), key=lambda year: credits[year])
