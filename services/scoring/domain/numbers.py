"""Exact numbers: parsing, rounding and the one way decimals are written out.

Every score and amount in the engine is a :class:`decimal.Decimal`. Arithmetic runs in a
private context (28 significant digits, no traps for inexact results) so the caller's
global decimal context can never change a result.
"""

from __future__ import annotations

import decimal
from decimal import Decimal
from functools import lru_cache
from typing import NamedTuple

CONTEXT = decimal.Context(prec=28, rounding=decimal.ROUND_HALF_EVEN)
ZERO = Decimal(0)
ONE = Decimal(1)
HUNDRED = Decimal(100)
CENT = Decimal("0.01")

ROUNDING_MODES: dict[str, str] = {
    "half_up": decimal.ROUND_HALF_UP,
    "half_even": decimal.ROUND_HALF_EVEN,
    "down": decimal.ROUND_DOWN,
    "up": decimal.ROUND_UP,
    "floor": decimal.ROUND_FLOOR,
    "ceiling": decimal.ROUND_CEILING,
}


def to_decimal(value: object) -> Decimal | None:
    """Return ``value`` as a finite Decimal, or None when it is not a number.

    Floats are converted through their shortest text form (``0.2`` -> ``Decimal("0.2")``),
    which is what a person typed; booleans are not numbers.
    """
    if isinstance(value, str):
        try:
            result = Decimal(value)  # surrounding spaces are allowed
        except decimal.InvalidOperation:
            return None
    elif isinstance(value, bool):
        return None
    elif isinstance(value, int):
        return Decimal(value)
    elif isinstance(value, Decimal):
        result = value
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        return None
    return result if result.is_finite() else None


# Scores repeat the same few values across thousands of lines; equal values always print
# the same way (trailing zeros are dropped), so caching by value is safe and saves most of
# the formatting time of an evaluation.
@lru_cache(maxsize=65536)
def fmt(value: Decimal) -> str:
    """Write a decimal in plain notation without trailing zeros: ``2.50`` -> ``"2.5"``."""
    if value == 0:
        return "0"
    text = format(value, "f")
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


def money(value: Decimal) -> str:
    """Write an amount of money with exactly two decimals: ``775`` -> ``"775.00"``."""
    return format(value.quantize(CENT, rounding=decimal.ROUND_HALF_UP, context=CONTEXT), "f")


def round_to(value: Decimal, places: int, mode: str) -> Decimal:
    """Round ``value`` to ``places`` decimals with a named mode from :data:`ROUNDING_MODES`."""
    exponent = Decimal(1).scaleb(-places)
    return value.quantize(exponent, rounding=ROUNDING_MODES[mode], context=CONTEXT)


def clamp(value: Decimal, low: Decimal, high: Decimal | None) -> Decimal:
    """Keep ``value`` within ``[low, high]`` (no upper bound when ``high`` is None)."""
    if value < low:
        return low
    if high is not None and value > high:
        return high
    return value


class Precision(NamedTuple):
    """How a scheme shows points: its rounding places and mode (``composition.rounding``).

    Points stay exact inside an evaluation (a total is the exact sum, rounded once); only
    their text is rounded, so a line of 20 × 5/6 reads 16.67, not 28 digits."""

    places: int = 2
    mode: str = "half_up"

    def number(self, value: Decimal) -> str:
        """``value`` at this precision, plain (JSON, tables, workbooks)."""
        return _at_precision(value, self.places, self.mode)[0]

    def words(self, value: Decimal) -> str:
        """``value`` at this precision for an explanation, marked ``≈`` when rounded."""
        text, rounded = _at_precision(value, self.places, self.mode)
        return f"≈{text}" if rounded else text


DEFAULT_PRECISION = Precision()  # a scheme's default rounding: 2 places, half up


@lru_cache(maxsize=65536)
def _at_precision(value: Decimal, places: int, mode: str) -> tuple[str, bool]:
    # Cached like fmt: an evaluation shows the same few point values thousands of times.
    shown = round_to(value, places, mode)
    return fmt(shown), shown != value
