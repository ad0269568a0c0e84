"""Validation's checks of the team-level tables against each other (the queries of
src/ldj_analysis/team_tables.sql) find exactly the problems, in the same order and words,
as the pandas version kept in team_checks_oracle.py, on random small tables with unknown
teams, missing values, unmatched moments and disagreeing dates. Where a key has a missing
value the order differs: pandas cannot sort it, the queries put it last."""

from __future__ import annotations

import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from ldj_analysis.export import Problem
from ldj_analysis.validation import _check_cross_tables

from .team_checks_oracle import oracle_team_problems

TEAM = st.one_of(st.none(), st.sampled_from(["T1", "T2", "t1", "T10", "Té", "T 3"]))
MOMENT = st.one_of(st.none(), st.integers(1, 4))
# the whole range of datetime64[ns]: years of fewer than four digits never occur
DATE = st.one_of(
    st.none(),
    st.sampled_from(["2018-03-01", "2018-08-01", "1677-09-22", "2262-04-10"]),
)


class _Collected:
    """What validation's collector keeps of these checks: the tables and the problems."""

    def __init__(self, tables: dict[str, pd.DataFrame]) -> None:
        self.tables = tables
        self.problems: list[Problem] = []

    def table(self, table: str, column: str, key: str, rule: str) -> None:
        self.problems.append(Problem(table, column, key, rule))


def _typed(rows: list[tuple], columns: list[str]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=columns)
    kinds = {"team_id": "str", "moment": "Int64"}
    kinds |= {c: "datetime64[ns]" for c in columns if c.endswith("_date")}
    return frame.astype({c: k for c, k in kinds.items() if c in columns})


@settings(max_examples=120, deadline=None)
@given(
    st.lists(TEAM, max_size=4),
    st.lists(st.tuples(TEAM, MOMENT, DATE, DATE), max_size=8),
    st.lists(st.tuples(TEAM, MOMENT), max_size=8),
)
def test_team_checks_equal_the_pandas_oracle(teams, implementation, checklist):
    tables = {
        "teams": _typed([(t,) for t in teams], ["team_id"]),
        "implementation": _typed(
            implementation, ["team_id", "moment", "training_date", "dashboard_date"]
        ),
        "checklist": _typed(checklist, ["team_id", "moment"]),
    }
    collected = _Collected(tables)
    _check_cross_tables(collected)
    want = oracle_team_problems(tables)
    if any(None in row[:2] for row in implementation + checklist):
        # pandas leaves keys with a missing value unsorted (a missing value does not
        # compare); the queries put them last: the same problems, in another order
        assert sorted(collected.problems, key=repr) == sorted(want, key=repr)
    else:
        assert collected.problems == want


def test_every_kind_of_team_problem_is_found():
    """One of each, so that the comparison above is not only of empty lists."""
    tables = {
        "teams": _typed([("T1",), ("T2",)], ["team_id"]),
        "implementation": _typed(
            [
                ("T1", 1, "2018-03-01", None),
                ("T1", 2, "2018-08-01", "2019-01-01"),
                ("T9", 1, None, None),
            ],
            ["team_id", "moment", "training_date", "dashboard_date"],
        ),
        "checklist": _typed([("T1", 1), ("T2", 1)], ["team_id", "moment"]),
    }
    collected = _Collected(tables)
    _check_cross_tables(collected)
    assert [(p.table, p.column, p.key, p.rule) for p in collected.problems] == [
        ("implementation", "team_id", "row 4: team_id=T9", "team not in teams table"),
        (
            "implementation",
            "moment",
            "team_id=T1, moment=2",
            "no matching checklist row for this team and moment",
        ),
        (
            "implementation",
            "moment",
            "team_id=T9, moment=1",
            "no matching checklist row for this team and moment",
        ),
        (
            "checklist",
            "moment",
            "team_id=T2, moment=1",
            "no matching implementation row for this team and moment",
        ),
        (
            "implementation",
            "training_date",
            "team_id=T1",
            "moments disagree on the date: 2018-03-01, 2018-08-01",
        ),
    ]
    assert collected.problems == oracle_team_problems(tables)
