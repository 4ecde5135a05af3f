"""Structured reasons: every figure the engine produces says how (RULES.md section 8).

A ``Reason`` is data, not prose: a code a template turns into words, the
clauses that applied, what it is about (a module code, ``year 2``, an award)
and the figures it used, as JSON-ready values (exact figures as strings).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any


@dataclass(frozen=True, slots=True)
class Reason:
    code: str
    subject: str
    clauses: tuple[str, ...]
    figures: dict[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "subject": self.subject,
            "clauses": list(self.clauses),
            "figures": self.figures,
        }


@cache
def clauses(*texts: str) -> tuple[str, ...]:
    """Split ``"L 7.7.3-7.7.4, RULES 9.4"`` style clause strings into one tuple."""
    out: list[str] = []
    for text in texts:
        out.extend(part.strip() for part in text.split(",") if part.strip())
    return tuple(out)
