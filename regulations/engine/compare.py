"""Comparing a result with a case's ``expect`` exactly as CASES.md says.

- a decimal string is compared after rounding the result half-up to the places the expectation shows;
- lists are compared as sets; nested objects must hold every entry the expectation lists;
  ``reassess`` is compared whole;
- ``{"error": true}`` expects an input error; ``null`` expects the key absent or null.

``compare`` returns the first difference as text, or None when the result matches.
"""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

_DECIMAL = re.compile(r"^-?\d+(\.\d+)?$")
WHOLE_KEYS = frozenset({"reassess"})


def compare(expect: dict[str, Any], result: dict[str, Any] | None, error: str | None = None) -> str | None:
    if expect.get("error") is True:
        return None if error is not None else "error: expected an input error, got a result"
    if error is not None:
        return f"error: {error}"
    assert result is not None
    for key, wanted in expect.items():
        difference = _differ(key, wanted, result.get(key), whole=key in WHOLE_KEYS)
        if difference is not None:
            return difference
    return None


def _differ(path: str, wanted: Any, got: Any, *, whole: bool = False) -> str | None:
    if wanted is None:
        return None if got is None else f"{path}: expected null, got {_show(got)}"
    if isinstance(wanted, dict):
        if not isinstance(got, dict):
            return f"{path}: expected {_show(wanted)}, got {_show(got)}"
        if whole and set(got) != set(wanted):
            return f"{path}: expected keys {sorted(wanted)}, got {sorted(got)}"
        for key, item in wanted.items():
            difference = _differ(f"{path}.{key}", item, got.get(str(key)))
            if difference is not None:
                return difference
        return None
    if isinstance(wanted, list):
        if not isinstance(got, list) or _as_set(wanted) != _as_set(got):
            return f"{path}: expected {_show(sorted(map(str, wanted)))}, got {_show(got)}"
        return None
    if isinstance(wanted, str) and _DECIMAL.match(wanted) and isinstance(got, str) and _DECIMAL.match(got):
        exponent = Decimal(wanted).as_tuple().exponent
        rounded = Decimal(got).quantize(Decimal(1).scaleb(int(exponent)), rounding=ROUND_HALF_UP)
        return None if rounded == Decimal(wanted) else f"{path}: expected {wanted}, got {got}"
    if isinstance(wanted, (int, float)) and not isinstance(wanted, bool) and isinstance(got, (int, float)):
        return None if Decimal(str(wanted)) == Decimal(str(got)) else f"{path}: expected {wanted}, got {got}"
    return None if wanted == got else f"{path}: expected {_show(wanted)}, got {_show(got)}"


def _as_set(items: list[Any]) -> set[str]:
    return {str(item) for item in items}


def _show(value: Any) -> str:
    return "null" if value is None else repr(value)
