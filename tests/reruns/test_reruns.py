"""Reruns by config alone: a later window, one institution, teams with 1 to 10 moments.

The synthetic generator's truth (``ldj_analysis.synthetic.truth``: per team-period the
intended condition and the pairs built per domain) is held against what the workflow
writes. Selection semantics (docs/reruns.md): a team-period is kept when its period lies within
the window; moments are renumbered 1..k per team.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from ldj_analysis.synthetic import truth, write_synthetic
from tests.workflow_copy import copy_workflow, run_snakemake

# Runs the whole workflow several times.
pytestmark = pytest.mark.slow

SEED = 20180101
WINDOW = ("2020-01-01", "2022-12-31")
EXPERIMENTAL_ORDER = {"control": 0, "partial": 1, "full": 2}


@pytest.fixture(scope="module")
def export_2022(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("export") / "synthetic_2022"
    write_synthetic(folder, seed=SEED, last_year=2022)
    return folder


def _run(workdir: Path, *config: str) -> Path:
    result = run_snakemake(workdir, "--config", *config)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return workdir


def _outputs(work: Path) -> dict[str, pd.DataFrame]:
    read = {"dtype": {"team_id": str}}
    return {
        "table1": pd.read_csv(work / "results/tables/table1.csv", **read),
        "table2": pd.read_csv(work / "results/tables/table2.csv"),
        "table3": pd.read_csv(work / "results/tables/table3.csv"),
        "table4": pd.read_csv(work / "results/tables/table4.csv"),
        "pairs": pd.read_parquet(work / "data/derived/pairs.parquet"),
        "team_periods": pd.read_parquet(work / "data/derived/team_periods.parquet"),
    }


def _check_against_truth(out: dict[str, pd.DataFrame], expected: pd.DataFrame) -> None:
    expected = expected.sort_values(["team_id", "moment"]).copy()
    expected["k"] = expected.groupby("team_id").cumcount() + 1
    # Table 1: one column per selected moment, each team's conditions in order.
    table1 = out["table1"].set_index("team_id")
    assert list(table1.columns) == [f"period_{i}" for i in range(1, expected["k"].max() + 1)]
    assert set(table1.index) == set(expected["team_id"])
    for team_id, rows in expected.groupby("team_id"):
        got = [v for v in table1.loc[team_id] if isinstance(v, str)]
        assert got == list(rows["condition"]), team_id
    # Tables 2 and 3: team-periods per condition; periods and responders per team-period.
    n_tp = expected.groupby("condition").size().to_dict()
    for domain, rows in out["table2"].groupby("domain"):
        assert rows.set_index("condition")["n"].to_dict() == n_tp, domain
    assert out["table3"].set_index("condition")["n"].to_dict() == n_tp
    tp = out["team_periods"].astype({"moment": "int64"}).set_index(["team_id", "moment"])
    want = expected.astype({"k": "int64"}).set_index(["team_id", "k"])
    assert len(tp) == len(want)
    tp = tp.loc[want.index]
    for col in ("condition", "period_start", "period_end"):
        assert (tp[col].to_numpy() == want[col].to_numpy()).all(), col
    assert (tp["n_responders"].to_numpy() == want["n_clients"].to_numpy()).all()
    # Table 4 and the pairs: pairs per condition and domain, and per team-period.
    table4 = out["table4"].set_index(["condition", "domain"])["n"]
    for domain in ("opgroei", "opvoed"):
        built = expected.groupby("condition")[f"n_{domain}"].sum()
        for condition, n in built.items():
            if n:
                assert table4[(condition, domain)] == n, (condition, domain)
    pairs = out["pairs"].groupby(["team_id", "moment", "domain"]).size()
    for row in expected.itertuples():
        for domain in ("opgroei", "opvoed"):
            n = getattr(row, f"n_{domain}")
            assert pairs.get((row.team_id, row.k, domain), 0) == n, (row.team_id, row.k, domain)


def test_window_2020_2022_matches_the_generators_truth(tmp_path):
    # The command of docs/reruns.md: the workflow itself writes the continued synthetic export.
    work = _run(
        copy_workflow(tmp_path / "wf"),
        "synthetic={last_year: 2022}",
        f"selection={{window_start: '{WINDOW[0]}', window_end: '{WINDOW[1]}'}}",
    )
    design = truth(SEED, last_year=2022)
    inside = (design["period_start"] >= pd.Timestamp(WINDOW[0])) & (
        design["period_end"] <= pd.Timestamp(WINDOW[1])
    )
    assert inside.sum() > 60 and design.loc[inside, "period_start"].min().year == 2020
    out = _outputs(work)
    _check_against_truth(out, design[inside])
    # 1, 2, 4, 5 and 6 moments per team within the window (team 5's last period ends 2023).
    assert set(out["team_periods"].groupby("team_id").size()) == {1, 2, 4, 5, 6}
    # Baseline t-tests compare the arms at each team's first selected moment (2020 or later).
    arms = design[inside].drop_duplicates("team_id")["arm"].value_counts()
    baseline = pd.read_csv(work / "results/models/baseline_ttests.csv").set_index("outcome")
    for outcome in ("collection", "use", "preconditions", "total", "response"):
        got = baseline.loc[outcome, ["n_control", "n_experimental"]].tolist()
        assert got == [arms["control"], arms["experimental"]], outcome


def test_one_institution_matches_the_generators_truth(tmp_path):
    work = _run(copy_workflow(tmp_path / "wf"), "selection={institutions: [I2]}")
    design = truth(SEED)
    out = _outputs(work)
    _check_against_truth(out, design[design["institution_id"] == "I2"])
    assert set(out["team_periods"]["institution_id"]) == {"I2"}


def test_teams_with_one_to_ten_moments(export_2022, tmp_path):
    # the synthetic export written elsewhere is analysed as an external one: accept its
    # placeholder norms explicitly
    work = _run(
        copy_workflow(tmp_path / "wf"),
        f"export_dir={export_2022}",
        "norms_accept_placeholders=true",
    )
    out = _outputs(work)
    design = truth(SEED, last_year=2022)
    _check_against_truth(out, design)
    moments = out["team_periods"].groupby("team_id")["moment"].max()
    assert set(moments) == {1, 2, 3, 4, 10}
    table1 = out["table1"].set_index("team_id")
    assert table1.shape[1] == 10
    first = design.groupby("team_id")["period_start"].min()
    last = design.groupby("team_id")["period_end"].max()
    assert first.max().year == 2021  # a team that joins late
    early = last[(first.dt.year == 2020) & (last.dt.year == 2020)].index  # join and leave
    assert len(early) == 2 and set(table1.loc[early].notna().sum(axis=1)) == {1, 2}
    for team_id, rows in out["team_periods"].sort_values("moment").groupby("team_id"):
        if rows["arm"].iloc[0] == "experimental":
            order = rows["condition"].map(EXPERIMENTAL_ORDER).to_numpy()
            assert (order[1:] >= order[:-1]).all(), team_id
