"""The calibration's own STDYX / cluster-robust calculator against lavaan (stored output of
tests/synthetic/reference/lavaan_stdyx.R on stdyx_input.csv), and the annealer's fast copy
against it."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ldj_analysis.synthetic import calibrate
from ldj_analysis.synthetic.mplus_stats import stdyx_cluster

REF = Path(__file__).parent / "reference"


def test_stdyx_cluster_matches_lavaan():
    data = pd.read_csv(REF / "stdyx_input.csv")
    lav = pd.read_csv(REF / "stdyx_lavaan.csv").set_index("rhs")
    res = stdyx_cluster(data["y"].to_numpy(), data[["partial", "full"]].to_numpy(), data["team"])
    for j, term in enumerate(("partial", "full")):
        assert np.isclose(res["b"][j + 1], lav.loc[term, "est"], rtol=1e-6)
        assert np.isclose(res["se"][j + 1], lav.loc[term, "se"], rtol=1e-6)
        assert np.isclose(res["p"][j + 1], lav.loc[term, "pvalue"], rtol=1e-5)
        assert np.isclose(res["beta"][j], lav.loc[term, "beta"], rtol=1e-6)
        assert np.isclose(res["beta_se"][j], lav.loc[term, "beta_se"], rtol=1e-6)
        assert np.isclose(res["beta_p"][j], lav.loc[term, "beta_p"], rtol=1e-5)


def test_fast_copy_matches():
    lay = calibrate.layout()
    fast = calibrate.FastStats(lay)
    x = np.column_stack([lay.cond == 1, lay.cond == 2]).astype(float)
    rng = np.random.default_rng(3)
    for _ in range(5):
        y = (
            rng.normal(50, 15, len(x))
            + 12 * x[:, 1]
            + rng.normal(0, 5, 16)[np.unique(lay.team, return_inverse=True)[1]]
        )
        betas, ps = fast.regression(y)
        ref = stdyx_cluster(y, x, lay.team)
        assert np.allclose(betas, ref["beta"], rtol=1e-9)
        assert np.allclose(ps, ref["beta_p"], rtol=1e-7)
