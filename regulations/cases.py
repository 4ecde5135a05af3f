"""Reading conformance cases and running them through the engine (CASES.md).

The service behind ``evaluate_case`` and ``check_cases``; the test suite uses the
same functions, so the registry's tool and the tests cannot disagree.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson

from regulations import rulesets
from regulations.engine import InputError, RuleSetError, compare, evaluate, parse_record


@dataclass(frozen=True)
class CaseRun:
    path: Path
    id: str
    data: dict[str, Any] | None
    result: dict[str, Any] | None
    error: str | None

    def line(self) -> dict[str, Any]:
        """The JSON object ``evaluate_case`` prints for this case."""
        if self.error is not None:
            return {"id": self.id, "error": self.error}
        return {"id": self.id, "result": self.result}

    def difference(self) -> str | None:
        """The first key where the result differs from the case's ``expect``; None when it matches."""
        expect = (self.data or {}).get("expect")
        if not isinstance(expect, dict):
            return f"expect: {self.path.name} has no expect object"
        return compare(expect, self.result, self.error)


def case_files(paths: list[str]) -> Iterator[Path]:
    """Each path, or every ``*.json`` in it when it is a folder, in name order."""
    for name in paths:
        path = Path(name)
        if path.is_dir():
            yield from sorted(path.glob("*.json"))
        else:
            yield path


def run_case(path: Path) -> CaseRun:
    case_id = path.stem
    try:
        data = json.loads(path.read_text(encoding="utf-8"), parse_float=Decimal)
    except FileNotFoundError:
        return CaseRun(path, case_id, None, None, f"{path}: no such file")
    except (OSError, UnicodeDecodeError) as error:
        return CaseRun(path, case_id, None, None, f"{path}: cannot be read ({error})")
    except json.JSONDecodeError as error:
        return CaseRun(
            path,
            case_id,
            None,
            None,
            f"{path}: not valid JSON (line {error.lineno}, column {error.colno}: {error.msg})",
        )
    if isinstance(data, dict) and isinstance(data.get("id"), str):
        case_id = data["id"]
    try:
        record = parse_record(data)
        result = evaluate(record, rulesets.get(record.ruleset)).as_dict()
    except (InputError, rulesets.UnknownRuleSet, RuleSetError) as error:
        return CaseRun(path, case_id, data, None, f"{path.name}: {error}")
    except Exception as error:  # one bad case must not stop the others or print a traceback
        return CaseRun(
            path, case_id, data, None, f"{path.name}: internal error ({type(error).__name__}: {error})"
        )
    return CaseRun(path, case_id, data, result, None)


def dumps(line: dict[str, Any]) -> str:
    """One compact JSON line (orjson: the same text as ``json.dumps`` without spaces, five times faster)."""
    return orjson.dumps(line).decode()
