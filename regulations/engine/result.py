"""The engine's output: the figures CASES.md names, and the reasons behind each (RULES.md section 8)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .numbers import Ratio, ratio_text
from .trace import Reason


@dataclass(frozen=True, slots=True)
class Result:
    id: str
    ruleset: str
    ruleset_version: str
    ruleset_fingerprint: str
    question: str
    """``award`` or ``progression``."""
    module_marks: dict[str, str]
    credit: dict[str, str]
    level_averages: dict[int, Ratio]
    year_averages: dict[int, Ratio]
    incomplete: tuple[str, ...]
    trace: tuple[Reason, ...]
    classification_average: str | None = None
    award: str | None = None
    klass: str | None = None
    exit_award: str | None = None
    unmet: tuple[str, ...] | None = None
    marginal_fail_credits: int | None = None
    decision: str | None = None
    options: tuple[str, ...] | None = None
    reassess: dict[str, list[str]] | None = None
    transfer: str | None = None

    def as_dict(self) -> dict[str, Any]:
        """The result as ``evaluate_case`` prints it: exact decimals as strings (CASES.md)."""
        out: dict[str, Any] = {
            "module_marks": self.module_marks,
            "credit": self.credit,
            "level_averages": {str(k): ratio_text(v) for k, v in self.level_averages.items()},
            "year_averages": {str(k): ratio_text(v) for k, v in self.year_averages.items()},
        }
        if self.incomplete:
            out["incomplete"] = list(self.incomplete)
        if self.question == "award":
            out["classification_average"] = self.classification_average
            out["award"] = self.award
            out["class"] = self.klass
            out["exit_award"] = self.exit_award
            out["unmet"] = None if self.unmet is None else list(self.unmet)
            if self.marginal_fail_credits is not None:
                out["marginal_fail_credits"] = self.marginal_fail_credits
        else:
            out["decision"] = self.decision
            if self.options is not None or self.incomplete:
                out["options"] = None if self.options is None else list(self.options)
            if self.reassess is not None:
                out["reassess"] = self.reassess
            if self.transfer is not None:
                out["transfer"] = self.transfer
        out["ruleset"] = {
            "key": self.ruleset,
            "version": self.ruleset_version,
            "fingerprint": self.ruleset_fingerprint,
        }
        out["trace"] = [reason.as_dict() for reason in self.trace]
        return out
