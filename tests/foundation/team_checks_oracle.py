"""The pandas version of validation's checks of the team-level tables against each other,
kept as the independent check of the queries in src/ldj_analysis/team_tables.sql (as
tests/study/pairing_oracle.py is of the recipe)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow
import pyarrow.compute as pc

from ldj_analysis.export import Problem


def oracle_team_problems(t: dict[str, pd.DataFrame]) -> list[Problem]:
    """The problems, in the order validation reports them (before its sort by table and
    column, which keeps this order within one table and column)."""
    problems: list[Problem] = []
    team_ids = pyarrow.array(pd.Series(t["teams"]["team_id"], dtype="str").dropna())
    for table in ("implementation", "checklist"):
        ids = pd.Series(t[table]["team_id"], dtype="str")
        known = pc.is_in(pyarrow.array(ids), value_set=team_ids).fill_null(False)
        missing = ids.notna().to_numpy() & ~known.to_numpy(zero_copy_only=False)
        for row in np.flatnonzero(missing):
            problems.append(
                Problem(
                    table,
                    "team_id",
                    f"row {row + 2}: team_id={t[table]['team_id'].iloc[row]}",
                    "team not in teams table",
                )
            )
    impl_keys = pd.MultiIndex.from_frame(t["implementation"][["team_id", "moment"]])
    check_keys = pd.MultiIndex.from_frame(t["checklist"][["team_id", "moment"]])
    for table, keys, other_name, other in (
        ("implementation", impl_keys, "checklist", check_keys),
        ("checklist", check_keys, "implementation", impl_keys),
    ):
        # sorted: pandas skips its sort when ``other`` is empty (a table validation
        # refuses before this check, but the property test makes such tables)
        for team_id, moment in keys.difference(other).sort_values():
            problems.append(
                Problem(
                    table,
                    "moment",
                    f"team_id={team_id}, moment={moment}",
                    f"no matching {other_name} row for this team and moment",
                )
            )
    impl = t["implementation"]
    for column in ("training_date", "dashboard_date"):
        known = impl.dropna(subset=[column])
        n_dates = known.groupby("team_id")[column].nunique()
        for team_id in n_dates.index[n_dates > 1]:
            dates = sorted(
                {d.date().isoformat() for d in known.loc[known.team_id == team_id, column]}
            )
            problems.append(
                Problem(
                    "implementation",
                    column,
                    f"team_id={team_id}",
                    f"moments disagree on the date: {', '.join(dates)}",
                )
            )
    return problems
