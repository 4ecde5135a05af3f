"""Compensation (RULES.md section 3, 9.7-9.8): S 5.20-5.21; Leeds has none."""

from __future__ import annotations

from decimal import Decimal

from ..numbers import MARK_SCALE, Ratio, ratio_ge, scaled
from ..ruleset import Param


class NoCompensation:
    """Every module below the pass mark is a fail."""

    clause = ""

    def __init__(self, param: Param | None) -> None:
        del param

    def compensable(self, level: int, mark: int, places: int, level_average: Ratio | None) -> bool:
        del level, mark, places, level_average
        return False


class CompensatedFail:
    """S 5.20: a levels 4-6 module at 35.00-39.99 is a compensated fail when the level CWA is at least 40.00.

    The caller has already excluded must-pass modules (S 5.21) and modules that
    failed a must-pass component (RULES 9.8); compensation is applied only after
    reassessment (RULES 9.7).
    """

    def __init__(self, param: Param | None) -> None:
        assert param is not None, "compensated-fail needs [credit] compensation"
        self.levels = frozenset(int(level) for level in param.value["levels"])
        self.floor = scaled(Decimal(str(param.value["floor"])))
        self.level_average = scaled(Decimal(str(param.value["level_average"])))
        self.clause = param.clause

    def compensable(self, level: int, mark: int, places: int, level_average: Ratio | None) -> bool:
        if level not in self.levels or level_average is None:
            return False
        if mark * MARK_SCALE < self.floor * 10**places:
            return False
        return ratio_ge(level_average, self.level_average, 4)


CompensationRule = NoCompensation | CompensatedFail

COMPENSATION_RULES: dict[str, type[CompensationRule]] = {
    "none": NoCompensation,
    "compensated-fail": CompensatedFail,
}
