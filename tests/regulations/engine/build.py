"""Building engine records for tests: dataclasses through the engine's own parser, never models."""

from __future__ import annotations

from typing import Any

from regulations import rulesets
from regulations.engine import Record, Result, evaluate, parse_record

LEEDS = "leeds-taught-2024"
SR5 = "senate-reg-5"


def module(
    code: str,
    year: int,
    marks: list[Any] | None = None,
    *,
    level: int | None = None,
    credits: int = 20,
    **extra: Any,
) -> dict[str, Any]:
    data: dict[str, Any] = {
        "code": code,
        "year": year,
        "level": level if level is not None else year + 3,
        "credits": credits,
        **extra,
    }
    if marks is not None:
        data["marks"] = marks
    return data


def year_of(
    year: int, mark: Any, *, prefix: str = "MOD", count: int = 6, credits: int = 20
) -> list[dict[str, Any]]:
    return [module(f"{prefix}{year}{n:03d}", year, [mark], credits=credits) for n in range(1, count + 1)]


def honours(y1: Any = 60, y2: Any = 60, y3: Any = 60) -> list[dict[str, Any]]:
    return year_of(1, y1) + year_of(2, y2) + year_of(3, y3)


def record(
    modules: list[dict[str, Any]],
    *,
    ruleset: str = LEEDS,
    award: str = "bachelor-honours",
    ask: dict[str, Any] | None = None,
    programme: dict[str, Any] | None = None,
    student: dict[str, Any] | None = None,
    case_id: str = "test",
) -> Record:
    return parse_record(
        {
            "id": case_id,
            "ruleset": ruleset,
            "programme": {"award": award, **(programme or {})},
            "student": {"mitigation_accepted": False, "entry_year": 1, **(student or {})},
            "modules": modules,
            "ask": ask or {"award": True},
        }
    )


def run(modules: list[dict[str, Any]], **kwargs: Any) -> Result:
    built = record(modules, **kwargs)
    return evaluate(built, rulesets.get(built.ruleset))


def progression(level: int, stage: str = "after-reassessment") -> dict[str, Any]:
    return {"progression": {"level": level, "stage": stage}}
