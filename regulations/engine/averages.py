"""Level and year averages and the classification average (RULES.md section 4, 9.9, 9.12-9.15).

A credit-weighted average is an exact rational: ``sum(mark * credits)`` over
``sum(credits)``, with P/F modules, missing marks and (unless the programme
says they count) supernumerary modules left out (L 7.5.1, L 9.3, L 9.4).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from .marks import ModuleMark
from .numbers import Ratio


def counts_in_averages(outcome: ModuleMark, supernumerary_counts: bool) -> bool:
    return outcome.mark is not None and (supernumerary_counts or not outcome.module.supernumerary)


def credit_weighted(outcomes: Iterable[ModuleMark]) -> Ratio | None:
    """``sum(mark * credits) / sum(credits)`` of numeric outcomes, exact; None when there are none."""
    numerator = 0
    credits = 0
    places = 0
    for outcome in outcomes:
        assert outcome.mark is not None
        numerator += outcome.mark * outcome.module.credits
        credits += outcome.module.credits
        places = outcome.places
    if not credits:
        return None
    return numerator, credits * 10**places


def grouped_averages(
    outcomes: Iterable[ModuleMark], key: Callable[[ModuleMark], int], supernumerary_counts: bool
) -> dict[int, Ratio]:
    """Credit-weighted average per group (level, programme year or classification group)."""
    groups: dict[int, list[ModuleMark]] = {}
    for outcome in outcomes:
        if counts_in_averages(outcome, supernumerary_counts):
            groups.setdefault(key(outcome), []).append(outcome)
    averages: dict[int, Ratio] = {}
    for group, members in sorted(groups.items()):
        average = credit_weighted(members)
        if average is not None:
            averages[group] = average
    return averages


def classification_group(skills_discovery_year: int | None) -> Callable[[ModuleMark], int]:
    """The year a module is averaged with: its own, or year 2 for a level-4 Skills Discovery
    module taken in year 2 or later where the award says so (L 10.4.5, RULES 9.12)."""

    def group(outcome: ModuleMark) -> int:
        module = outcome.module
        if (
            skills_discovery_year is not None
            and module.skills_discovery
            and module.level == 4
            and module.year >= skills_discovery_year
        ):
            return skills_discovery_year
        return module.year

    return group
