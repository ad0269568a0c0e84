"""The simulation's rejection rates for the team-period design equal an independent Monte
Carlo in R (lm + sandwich vcovCL CR1 with G/(G-1) + clubSandwich CR2 Satterthwaite, R's own
RNG; tests/reference/simulation/make_team_period_reference.R, versions beside it) within
Monte Carlo error: |difference| < 3 combined MC SEs for the rejection rate at alpha .05 and
for the mean SE, and the same Satterthwaite df (X is fixed, so the df is exact).

With 30,000 R and 15,000 of our replications, 3 combined SEs are about 0.7 percentage points
of the rate at 5 % and 0.4 % of the mean SE: dropping the CR2 adjustment, a normal instead of
the t reference or the G/(G-1) factor of the Mplus-style SE each fails the test."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.simulation.design import NO_PERIOD, Design
from ldj_analysis.simulation.replicate import run_replications
from ldj_analysis.simulation.sets import TEAM_PERIOD_MODEL, ScenarioSet
from ldj_analysis.simulation.summary import rejection_rates
from tests.simulation.builders import ROOT, simulation_config

REFERENCE = ROOT / "tests" / "reference" / "simulation"
REPLICATIONS = 15_000
ALPHA = 0.05
KEY = ["spec", "icc", "term", "method"]


def reference_design() -> Design:
    """The design the R script simulated: team x period grid, one observation each."""
    cells = pd.read_csv(REFERENCE / "team_period_design.csv")
    teams = sorted(cells["team"].unique())
    periods = sorted(cells["period"].unique())
    shape = (len(teams), len(periods))
    conditions = np.full(shape, NO_PERIOD, dtype=object)
    clients = np.zeros(shape, dtype=np.int64)
    halfyear = np.full(shape, -1, dtype=np.int64)
    for row in cells.itertuples():
        i, j = teams.index(row.team), periods.index(row.period)
        conditions[i, j], clients[i, j], halfyear[i, j] = row.condition, 1, j
    return Design("configured", tuple(map(str, teams)), conditions.astype(str), clients, halfyear)


def simulated(reference: pd.DataFrame) -> pd.DataFrame:
    """Our rates, mean SEs and df per (spec, ICC, term, method) of the R scenarios."""
    sim = simulation_config(
        specs=["study", "half_year"], methods=["mplus", "CR2"], trend=0.0, effects=[]
    )
    design = reference_design()
    sets = [
        ScenarioSet(TEAM_PERIOD_MODEL, f"icc{icc:g}", design, {"icc": icc}, ("size",), (k + 1,))
        for k, icc in enumerate(sorted(reference["icc"].unique()))
    ]
    results = run_replications(sets, sim, 0, REPLICATIONS)
    rates = rejection_rates(results, ALPHA)
    spread = results.groupby(KEY)[["se", "df"]].agg(["mean", "std", "min", "max"])
    spread.columns = ["_".join(c) for c in spread.columns]
    return rates.merge(spread.reset_index(), on=KEY)


@pytest.mark.slow  # 15,000 replications of two specs at two ICCs: about 10 s
def test_team_period_rates_equal_an_independent_r_monte_carlo():
    reference = pd.read_csv(REFERENCE / "team_period_reference.csv")
    ours = simulated(reference)
    both = reference.merge(ours, on=KEY, suffixes=("_r", ""), validate="one_to_one")
    assert len(both) == len(reference) == 16
    assert (both["replications"] == REPLICATIONS).all()
    mc_se = np.sqrt(both["rate"] * (1 - both["rate"]) / REPLICATIONS)
    rate_z = (both["rate"] - both["rate_r"]) / np.hypot(mc_se, both["mc_se"])
    se_mc = np.hypot(
        both["se_std"] / np.sqrt(REPLICATIONS), both["sd_se"] / np.sqrt(both["replications_r"])
    )
    se_z = (both["se_mean"] - both["mean_se_r"]) / se_mc
    report = both.assign(rate_z=rate_z, se_z=se_z)[[*KEY, "rate", "rate_r", "rate_z", "se_z"]]
    assert (rate_z.abs() < 3).all(), report.to_string()
    assert (se_z.abs() < 3).all(), report.to_string()
    cr2 = both[both["method"] == "CR2"]
    np.testing.assert_allclose(cr2["df_min"], cr2["df"], rtol=1e-8)
    np.testing.assert_allclose(cr2["df_max"], cr2["df"], rtol=1e-8)
