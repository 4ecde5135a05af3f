"""Rule objects by the names a rule set gives them in its ``[rules]`` table."""

from __future__ import annotations

from .rules.caps import CAP_RULES, CapRule
from .rules.compensation import COMPENSATION_RULES, CompensationRule
from .rules.progression_leeds import LeedsProgression
from .rules.progression_senate5 import Senate5Progression

ProgressionRule = LeedsProgression | Senate5Progression

PROGRESSION_RULES: dict[str, type[ProgressionRule]] = {
    "leeds": LeedsProgression,
    "senate-5": Senate5Progression,
}

__all__ = [
    "CAP_RULES",
    "COMPENSATION_RULES",
    "PROGRESSION_RULES",
    "CapRule",
    "CompensationRule",
    "ProgressionRule",
]
