"""The generator's variance components are recovered by the core's estimator."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.models.icc import variance_components
from ldj_analysis.simulation.design import configured_design
from ldj_analysis.simulation.generate import draw, estimate_components


def _icc_se(icc: float, n: int, groups: int) -> float:
    """Large-sample SE of the ICC with equal cluster sizes (Donner 1986; ANOVA = REML here)."""
    return float(
        np.sqrt(2 * (1 - icc) ** 2 * (1 + (n - 1) * icc) ** 2 / (n * (n - 1) * (groups - 1)))
    )


@pytest.mark.parametrize("icc", [0.05, 0.2])
def test_variance_components_recovered(icc):
    teams, clients = 200, 40
    design = configured_design(teams, clients, [["control"]])
    data = draw(design, icc, np.random.default_rng(20180101))
    vc = variance_components(data.noise, data.team)
    se = _icc_se(icc, clients, teams)
    assert abs(vc.icc - icc) < 4 * se, (vc.icc, icc, se)
    # the within variance is 1 - ICC with SE (1 - ICC) sqrt(2 / (N - G))
    within_se = (1 - icc) * np.sqrt(2 / (teams * clients - teams))
    assert abs(vc.within - (1 - icc)) < 4 * within_se


def test_mean_icc_over_replications_is_unbiased():
    icc, teams, clients, reps = 0.1, 40, 10, 300
    design = configured_design(teams, clients, [["control"]])
    estimates = [
        variance_components(d.noise, d.team).icc
        for d in (draw(design, icc, np.random.default_rng([7, r])) for r in range(reps))
    ]
    se_mean = np.std(estimates, ddof=1) / np.sqrt(reps)
    assert abs(np.mean(estimates) - icc) < 4 * se_mean + 0.005  # truncation at 0: tiny bias


def test_estimate_components_removes_condition_means():
    rng = np.random.default_rng(5)
    design = configured_design(60, 20, [["control"], ["full"]])
    data = draw(design, 0.1, rng)
    y = data.outcome(effect=3.0, partial_share=0.5)  # a big condition effect, ICC 0.1
    pairs = pd.DataFrame(
        {
            "team_id": data.team.astype(str),
            "domain": "opgroei",
            "condition": data.condition,
            "post_z": y,
        }
    )
    out = estimate_components(pairs, "opgroei")
    assert out["n_clusters"] == 60 and out["n"] == 1200
    assert abs(out["icc"] - 0.1) < 4 * _icc_se(0.1, 20, 60)
    # without removing the condition means the effect would look like team variance
    naive = variance_components(y, data.team).icc
    assert naive > 0.5
