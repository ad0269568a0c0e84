"""With many clusters every method keeps its size: the rejection rate without an effect is
alpha within Monte Carlo error (a two-sided 99.9 % binomial band around alpha)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from ldj_analysis.simulation.design import configured_design
from ldj_analysis.simulation.replicate import client_set, run_replications
from ldj_analysis.simulation.summary import rejection_rates
from tests.simulation.builders import simulation_config


@pytest.mark.slow
def test_size_with_200_clusters_is_alpha_for_every_method():
    alpha, reps = 0.05, 400
    # the study's roll-out schedules, repeated over 200 teams, 3 clients per team-period
    design = configured_design(
        200,
        3,
        [["control", "control", "control", "control"], ["control", "partial", "full", "full"]],
    )
    sim = simulation_config(effects=[], trend=0.0, specs=["study"])
    results = run_replications([client_set(design, 0.1)], sim, 0, reps)
    rates = rejection_rates(results, alpha)
    band = stats.norm.ppf(0.9995) * np.sqrt(alpha * (1 - alpha) / reps)
    checked = rates[rates["replications"] > 0]
    assert len(checked) == 2 * 4  # two terms, four methods
    for row in checked.itertuples():
        assert row.replications == reps
        assert abs(row.rate - alpha) < band, (row.spec, row.term, row.method, row.rate, band)
