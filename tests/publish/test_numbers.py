"""Number formatting: the report's rounding and Dutch notation."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ldj_analysis.publish.numbers import (
    Num,
    PValue,
    Range,
    cell_text,
    format_number,
    format_p,
    format_range,
)


@pytest.mark.parametrize(
    ("value", "decimals", "language", "lead", "expected"),
    [
        (53.94, 1, "nl", True, "53,9"),
        (53.95, 1, "nl", True, "54,0"),  # half up, not half even
        (87.5, 0, "nl", True, "88"),
        (92.5, 0, "nl", True, "93"),  # Python's round() gives 92
        (0.125, 2, "nl", True, "0,13"),
        (1.005, 2, "en", True, "1.01"),  # decimal text, not the binary 1.00499...
        (0.38, 2, "nl", False, ",38"),
        (-0.05, 2, "nl", False, "\u2212,05"),
        (-0.001, 2, "nl", True, "0,00"),  # no negative zero
        (313.4, 0, "en", True, "313"),
        (float("nan"), 1, "nl", True, "\u2013"),
    ],
)
def test_format_number(value, decimals, language, lead, expected):
    assert format_number(value, decimals, language, leading_zero=lead) == expected


@pytest.mark.parametrize(
    ("p", "language", "expected"),
    [
        (0.054, "nl", ",054"),
        (0.0535, "nl", ",054"),
        (0.1, "en", ".100"),
        (0.00049, "nl", "<,001"),
        (0.0005, "nl", ",001"),
        (1.0, "en", "1.000"),
        (None, "nl", "\u2013"),
    ],
)
def test_format_p(p, language, expected):
    assert format_p(p, language) == expected


def test_format_range_as_the_report():
    assert format_range(25, 87.5, 0, "nl") == "25 \u2013 88"
    assert format_range(0.0, 48.6, 1, "nl") == "0,0 \u2013 48,6"
    assert format_range(0.0, 48.6, 1, "en") == "0.0 \u2013 48.6"


def test_cell_text_dispatch():
    assert cell_text(Num(1.94, 2), "nl") == "1,94"
    assert cell_text(PValue(0.008), "nl") == ",008"
    assert cell_text(Range(7.14, 92.86, 0), "nl") == "7 \u2013 93"
    assert cell_text("x", "nl") == "x"


@given(
    st.floats(min_value=-1e6, max_value=1e6, allow_nan=False, allow_infinity=False),
    st.integers(min_value=0, max_value=3),
)
def test_dutch_is_english_with_a_comma_and_rounds_half_up(value, decimals):
    en = format_number(value, decimals, "en")
    assert format_number(value, decimals, "nl") == en.replace(".", ",")
    expected = Decimal(repr(value)).quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)
    assert Decimal(en.replace("\u2212", "-")) == expected
