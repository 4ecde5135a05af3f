"""The conformance copy of the shared cases that ships with each rule set (CASES.md).

``expected_copies`` says what ``regulations/rulesets/<key>/cases/`` must hold for a
given shared folder: every case, every key but ``derivation``, under its rule set.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from regulations import rulesets

DEFAULT_SOURCE = Path(__file__).resolve().parent.parent.parent / "shared" / "regulations" / "cases"


def expected_copies(source: Path) -> dict[Path, dict[str, Any]]:
    copies: dict[Path, dict[str, Any]] = {}
    for path in sorted(source.glob("*.json")):
        case = json.loads(path.read_text(encoding="utf-8"))
        case.pop("derivation", None)
        copies[rulesets.cases_dir(case["ruleset"]) / path.name] = case
    return copies


def render(case: dict[str, Any]) -> str:
    return json.dumps(case, indent=2, ensure_ascii=False) + "\n"
