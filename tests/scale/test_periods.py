"""``period_rows`` (binary search for disjoint periods, a join otherwise) against a
brute-force reading of the rule: the earliest moment of the list's team whose
[period_start, period_end] holds the list's date."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldj_analysis.pairing import period_rows

DAY0 = np.datetime64("2016-01-01", "ns")


def brute(team: np.ndarray, date: np.ndarray, periods: pd.DataFrame) -> np.ndarray:
    out = np.full(len(team), -1, np.int64)
    for i, (t, d) in enumerate(zip(team, date, strict=True)):
        best = None
        if np.isnat(d):
            continue
        for p, row in enumerate(periods.itertuples()):
            inside = row.team == t and row.period_start <= pd.Timestamp(d) <= row.period_end
            if inside and (best is None or row.moment < periods["moment"].iloc[best]):
                best = p
        out[i] = -1 if best is None else best
    return out


@st.composite
def case(draw, disjoint: bool):
    n_teams = draw(st.integers(1, 4))
    rows = []
    for t in range(n_teams):
        day = draw(st.integers(0, 20))
        for moment in draw(st.permutations(list(range(1, draw(st.integers(0, 4)) + 1)))):
            length = draw(st.integers(-1, 30))  # -1: an empty period (end before start)
            start = day
            if not disjoint:
                start = draw(st.integers(0, 60))
            rows.append((t, moment, start, start + length))
            day = start + max(length, 0) + draw(st.integers(1, 10))
    periods = pd.DataFrame(rows, columns=["team", "moment", "s", "e"]).astype("int64")
    periods = periods.assign(
        period_start=DAY0 + periods["s"].to_numpy() * np.timedelta64(1, "D"),
        period_end=DAY0 + periods["e"].to_numpy() * np.timedelta64(1, "D"),
    ).drop(columns=["s", "e"])
    n = draw(st.integers(0, 30))
    team = np.array(draw(st.lists(st.integers(-1, n_teams), min_size=n, max_size=n)), np.int64)
    days = draw(st.lists(st.one_of(st.none(), st.integers(-5, 120)), min_size=n, max_size=n))
    date = np.array(
        [np.datetime64("NaT", "ns") if d is None else DAY0 + np.timedelta64(d, "D") for d in days],
        dtype="datetime64[ns]",
    )
    return team, date, periods


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(case(disjoint=True))
def test_disjoint_periods_by_binary_search(data):
    team, date, periods = data
    np.testing.assert_array_equal(period_rows(team, date, periods), brute(team, date, periods))


@pytest.mark.slow
@settings(max_examples=150, deadline=None)
@given(case(disjoint=False))
def test_overlapping_periods_by_join(data):
    team, date, periods = data
    np.testing.assert_array_equal(period_rows(team, date, periods), brute(team, date, periods))


def test_time_of_day_takes_the_join():
    periods = pd.DataFrame(
        {
            "team": [0],
            "moment": [1],
            "period_start": [DAY0],
            "period_end": [DAY0 + np.timedelta64(10, "D")],
        }
    )
    date = np.array([DAY0 + np.timedelta64(10, "D") + np.timedelta64(1, "h")], "datetime64[ns]")
    team = np.array([0])
    assert period_rows(team, date, periods).tolist() == [-1] == brute(team, date, periods).tolist()
