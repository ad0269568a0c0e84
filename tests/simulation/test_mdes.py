"""Bloom's analytic MDES against PowerUpR, and the simulation reproducing it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from ldj_analysis.simulation.design import configured_design
from ldj_analysis.simulation.replicate import client_set, run_replications
from ldj_analysis.simulation.summary import (
    bloom_mdes,
    bloom_reference,
    clopper_pearson,
    crossing,
    mdes_table,
    rejection_rates,
)
from tests.simulation.builders import simulation_config

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "simulation" / "bloom_mdes.csv"


def test_bloom_mdes_equals_powerupr():
    ref = pd.read_csv(REFERENCE, comment="#")
    assert len(ref) == 144
    got = [bloom_mdes(r.J, r.n, r.rho2, r.p, r.alpha, r.power) for r in ref.itertuples(index=False)]
    np.testing.assert_allclose(got, ref["mdes"], rtol=1e-10)


def test_bloom_reference_recognises_a_parallel_trial():
    assert bloom_reference(configured_design(10, 8, [["control"], ["full"]])) == (8.0, 0.5, "exact")
    clients, share, kind = bloom_reference(configured_design(9, 4, [["control", "full"]]))
    assert kind == "parallel reference" and share == 0.5 and clients == 8.0


def test_crossing_and_clopper_pearson():
    assert crossing(np.array([0.0, 0.2, 0.4]), np.array([0.05, 0.6, 1.0]), 0.8) == pytest.approx(
        0.3
    )
    assert np.isnan(crossing(np.array([0.0, 0.2]), np.array([0.05, 0.5]), 0.8))
    low, high = clopper_pearson(np.array([5]), np.array([100]))
    # R: binom.test(5, 100)$conf.int
    np.testing.assert_allclose([low[0], high[0]], [0.01643188, 0.11283491], atol=1e-7)


@pytest.mark.slow
def test_simulation_reproduces_the_analytic_mdes():
    """J = 100 teams of 10 clients, half treated, ICC 0.1: at Bloom's MDES the simulated
    power is 80 % within Monte Carlo error, and the simulated MDES is Bloom's."""
    teams, clients, icc, alpha, power, reps = 100, 10, 0.1, 0.05, 0.8, 1000
    analytic = bloom_mdes(teams, clients, icc, 0.5, alpha, power)
    design = configured_design(teams, clients, [["control"], ["full"]])
    grid = [round(analytic * f, 6) for f in (0.9, 1.0, 1.1)]
    sim = simulation_config(
        effects=grid, teams=[], trend=0.0, specs=["study"], methods=["mplus", "CR2"]
    )
    rates = rejection_rates(run_replications([client_set(design, icc)], sim, 0, reps), alpha)
    at_mdes = rates[(rates["kind"] == "power") & (rates["effect"] == grid[1])]
    tolerance = stats.norm.ppf(0.9995) * np.sqrt(power * (1 - power) / reps)  # 99.9 %
    for row in at_mdes.itertuples():
        assert abs(row.rate - power) < tolerance, (row.method, row.rate, tolerance)
    table = mdes_table(rates, design, icc, sim, alpha)
    assert (table["analytic_design"] == "exact").all()
    np.testing.assert_allclose(table["analytic_mdes"], analytic)
    # SE of the crossing: SE(power) / slope of the power curve at 80 % (normal approximation)
    slope = (
        stats.norm.pdf(stats.norm.ppf(power))
        * (stats.norm.ppf(1 - alpha / 2) + stats.norm.ppf(power))
        / analytic
    )
    mdes_tol = tolerance / slope
    for row in table.itertuples():
        assert abs(row.mdes - analytic) < mdes_tol, (row.method, row.mdes, analytic, mdes_tol)
