"""Exact arithmetic for marks and averages (RULES.md section 0, L 9.2).

Marks arrive as ``Decimal``. Inside the engine a mark is an integer count of
``1/MARK_SCALE`` (ten-thousandths of a percentage point), so weighted means are
integer sums; an average is kept as an exact rational ``(numerator,
denominator)`` of plain integers until the one half-up rounding at the end of
the computation it belongs to. No float ever touches a mark.
"""

from __future__ import annotations

from decimal import Decimal
from math import gcd

MARK_PLACES = 4
MARK_SCALE = 10**MARK_PLACES

Ratio = tuple[int, int]
"""An exact non-negative rational ``(numerator, denominator)``, denominator > 0, not reduced."""


class ExactnessError(ValueError):
    """A number carries more decimal places than the engine represents exactly."""


def scaled(value: Decimal, places: int = MARK_PLACES) -> int:
    """``value`` as an integer count of ``10**-places``; refuses anything it would round."""
    numerator, denominator = value.as_integer_ratio()
    factor, remainder = divmod(10**places, denominator)
    if remainder:
        raise ExactnessError(f"{value} has more than {places} decimal places")
    return int(numerator * factor)


_MARKS: dict[Decimal, tuple[int, str]] = {}
CACHE_LIMIT = 1 << 16
"""Distinct marks remembered. Marks have at most four places between 0 and 100, and a cohort repeats
the same few thousand values, so the cache stays small and nearly every look-up finds its mark."""


def mark_of(value: Decimal) -> tuple[int, str]:
    """``(scaled(value), mark_text(scaled(value)))`` for a mark or a weight, remembered.

    A recalculation converts hundreds of thousands of marks; ``as_integer_ratio`` and the text
    dominate the module-mark step without the cache (bench/recalculate.py). Equal decimals (60,
    60.0) share an entry, as they share both figures.
    """
    try:
        return _MARKS[value]
    except (KeyError, TypeError):  # TypeError: a signalling NaN, unhashable, which scaled() refuses
        number = scaled(value)
    figures = number, mark_text(number)
    if len(_MARKS) < CACHE_LIMIT:
        _MARKS[value] = figures
    return figures


def round_half_up(numerator: int, denominator: int, places: int) -> int:
    """Round ``numerator/denominator`` half-up (L 9.2) to ``places``; the result is scaled by ``10**places``.

    The one rounding helper of the engine: every rounded figure goes through it.
    """
    if numerator < 0:
        return -round_half_up(-numerator, denominator, places)
    return int((2 * numerator * 10**places + denominator) // (2 * denominator))


def decimal_of(value: int, places: int) -> Decimal:
    """The ``Decimal`` for an integer scaled by ``10**places`` (4163, 2 -> 41.63)."""
    return Decimal(value).scaleb(-places)


def text_of(value: int, places: int) -> str:
    """The fixed-point text of a scaled integer, with exactly ``places`` decimals."""
    if places == 0:
        return str(value)
    sign = "-" if value < 0 else ""
    whole, frac = divmod(abs(value), 10**places)
    return f"{sign}{whole}.{frac:0{places}d}"


def mark_text(value: int) -> str:
    """A mark scaled by ``MARK_SCALE`` as short text: 55, 42.5, 48.75."""
    whole, frac = divmod(value, MARK_SCALE)
    if not frac:
        return str(whole)
    return f"{whole}.{frac:04d}".rstrip("0")


def ratio_text(ratio: Ratio, places: int = 12) -> str:
    """Exact text of a rational: all its digits when it terminates, else ``places`` digits, truncated.

    Truncation (not rounding) keeps the printed digits a prefix of the true
    expansion, so rounding the text again to fewer places never rounds twice
    (CASES.md: a result is compared after rounding it to the expectation's places).
    """
    numerator, denominator = ratio
    divisor = gcd(numerator, denominator)
    numerator //= divisor
    denominator //= divisor
    twos = (denominator & -denominator).bit_length() - 1
    rest = denominator >> twos
    fives = 0
    while rest % 5 == 0:
        rest //= 5
        fives += 1
    if rest == 1:
        digits = max(twos, fives)
        return text_of(numerator * 10**digits // denominator, digits)
    return text_of(numerator * 10**places // denominator, places)


def rounded_text(ratio: Ratio, places: int) -> str:
    """Text of a rational rounded half-up to ``places``."""
    return text_of(round_half_up(ratio[0], ratio[1], places), places)


def ratio_ge(ratio: Ratio, threshold_scaled: int, places: int) -> bool:
    """``ratio >= threshold`` with the threshold given scaled by ``10**places``, compared exactly."""
    return bool(ratio[0] * 10**places >= threshold_scaled * ratio[1])


def weighted_mean(terms: list[tuple[Ratio, int]]) -> Ratio | None:
    """``sum(w * r) / sum(w)`` over ``(ratio, weight)`` terms, integer weights; None when they sum to 0."""
    total_weight = 0
    numerator, denominator = 0, 1
    for (term_num, term_den), weight in terms:
        if not weight:
            continue
        numerator = numerator * term_den + weight * term_num * denominator
        denominator *= term_den
        total_weight += weight
    if not total_weight:
        return None
    return numerator, denominator * total_weight
