"""Reading one cell of an upload: each parser returns the value or raises ``CellError`` with the reason."""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from students.models import ResultCode

SESSION = re.compile(r"^(\d{4})/(\d{2})$")
YES = frozenset({"yes", "y", "true", "1"})
NO = frozenset({"no", "n", "false", "0", ""})
MARK_QUANTUM = Decimal("0.0001")


class CellError(ValueError):
    """Why a cell's text is not what its column needs."""


def yes_no(text: str) -> bool:
    lowered = text.strip().lower()
    if lowered in YES:
        return True
    if lowered in NO:
        return False
    raise CellError(f"{text!r} is not yes or no")


def whole(text: str, *, low: int, high: int, what: str = "a whole number") -> int:
    try:
        number = Decimal(text.strip())
    except InvalidOperation:
        raise CellError(f"{text!r} is not {what}") from None
    if not number.is_finite() or number != number.to_integral_value():
        raise CellError(f"{text!r} is not {what}")
    if not low <= number <= high:
        raise CellError(f"{text!r} is not between {low} and {high}")
    return int(number)


def session(text: str) -> str:
    match = SESSION.match(text.strip())
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise CellError(f"{text!r} is not an academic session like 2024/25")
    return text.strip()


def mark(text: str) -> tuple[Decimal | None, str]:
    """A mark 0-100 (at most four decimal places) or a result code (RULES.md 9.34): ``(value, code)``."""
    stripped = text.strip()
    if stripped.upper() in ResultCode.values:
        return None, stripped.upper()
    reason = f"{text!r} is not a mark between 0 and 100 or a result code (ABS, NS, DEF)"
    if not stripped:
        raise CellError("the mark is empty: give a mark between 0 and 100 or a result code (ABS, NS, DEF)")
    try:
        value = Decimal(stripped)
    except InvalidOperation:
        raise CellError(reason) from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise CellError(reason)
    if value != value.quantize(MARK_QUANTUM):
        raise CellError(f"{text!r} has more than four decimal places")
    return value.quantize(MARK_QUANTUM), ""


def text(value: str, *, what: str) -> str:
    stripped = value.strip()
    if not stripped:
        raise CellError(f"{what} is empty")
    return stripped
