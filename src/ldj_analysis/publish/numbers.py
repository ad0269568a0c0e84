"""Number formatting of the human-facing tables: the report's rounding and Dutch notation.

Rounding is half away from zero on the decimal text of the value (as Excel and SPSS round),
so 87.5 prints as 88 and 0.125 as 0.13, not as Python's round-half-even would.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

MINUS = "\u2212"  # typographic minus
DASH = "\u2013"  # en dash, used in ranges ("25 – 88")
MISSING = "\u2013"  # a cell without a value


@dataclass(frozen=True)
class Num:
    """A numeric table cell: the value, its decimals, and whether 0 < |x| < 1 keeps its zero.

    ``leading_zero=False`` prints p-values and betas as the report does (",054", ",38").
    """

    value: float
    decimals: int
    leading_zero: bool = True


@dataclass(frozen=True)
class PValue:
    """A p-value cell: 3 decimals, no leading zero, "<,001" below one thousandth."""

    value: float


@dataclass(frozen=True)
class Range:
    """A "min – max" cell, both ends with the same decimals."""

    low: float
    high: float
    decimals: int


Cell = str | Num | PValue | Range


def is_missing(value: object) -> bool:
    """True for None and NaN (pandas NA included)."""
    if value is None:
        return True
    try:
        return bool(math.isnan(float(value)))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False


def round_half_up(value: float, decimals: int) -> Decimal:
    """Round half away from zero on the shortest decimal text of ``value``."""
    quantum = Decimal(1).scaleb(-decimals)
    return Decimal(repr(float(value))).quantize(quantum, rounding=ROUND_HALF_UP)


def format_number(
    value: float | None, decimals: int, language: str, *, leading_zero: bool = True
) -> str:
    """Format one number: decimal comma in Dutch, typographic minus, optional leading zero."""
    if is_missing(value):
        return MISSING
    rounded = round_half_up(float(value), decimals)  # type: ignore[arg-type]
    if rounded == 0:
        rounded = abs(rounded)  # no "-0,00"
    text = f"{abs(rounded):.{decimals}f}"
    if not leading_zero and text.startswith("0."):
        text = text[1:]
    if language == "nl":
        text = text.replace(".", ",")
    return (MINUS if rounded < 0 else "") + text


def format_p(value: float | None, language: str) -> str:
    """Format a p-value as the report does: ",054"; below .001 "<,001"."""
    if is_missing(value):
        return MISSING
    if float(value) < 0.0005:  # type: ignore[arg-type]
        return "<" + format_number(0.001, 3, language, leading_zero=False)
    return format_number(value, 3, language, leading_zero=False)


def format_range(low: float | None, high: float | None, decimals: int, language: str) -> str:
    """Format a range as "25 – 88"."""
    if is_missing(low) or is_missing(high):
        return MISSING
    return (
        f"{format_number(low, decimals, language)} {DASH} {format_number(high, decimals, language)}"
    )


def cell_text(cell: Cell, language: str) -> str:
    """The text of one table cell in ``language``."""
    if isinstance(cell, Num):
        return format_number(cell.value, cell.decimals, language, leading_zero=cell.leading_zero)
    if isinstance(cell, PValue):
        return format_p(cell.value, language)
    if isinstance(cell, Range):
        return format_range(cell.low, cell.high, cell.decimals, language)
    return cell
