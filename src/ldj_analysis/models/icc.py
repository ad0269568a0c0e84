"""Team-level variance components and the ICC of an outcome (CONSORT report, design simulation).

Estimator: the one-way random-effects ANOVA (method-of-moments) estimator for unbalanced
clusters, truncated at zero (Searle, Casella & McCulloch 1992, section 3.6):

    within  = MSW = SSW / (n - G)
    between = max(0, (MSB - MSW) / n0),  MSB = SSB / (G - 1),
    n0 = (n - sum n_g^2 / n) / (G - 1).

Closed form and unbiased for the untruncated components; with balanced clusters it equals the
REML estimate whenever that is positive, with unbalanced clusters it differs slightly from REML
(tests/models/test_small_sample_icc.py compares it with R nlme::lme REML).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ldj_analysis.models.regression import ModelError


@dataclass(frozen=True)
class VarianceComponents:
    """Random-intercept variance components of one outcome."""

    between: float  # team-level variance
    within: float  # residual variance
    icc: float  # between / (between + within)
    n: int
    n_clusters: int


def variance_components(y: np.ndarray, cluster: np.ndarray) -> VarianceComponents:
    """ANOVA estimator of the between- and within-cluster variance of y (complete data)."""
    y = np.asarray(y, dtype=float).ravel()
    cluster = np.asarray(cluster)
    if cluster.shape[0] != y.size:
        raise ModelError(f"variance components: y has {y.size} values, cluster {cluster.size}")
    if not np.isfinite(y).all() or pd.isna(cluster).any():
        raise ModelError("variance components: y and cluster must be complete (NaN found)")
    codes, uniques = pd.factorize(cluster)
    g, n = uniques.size, y.size
    if g < 2 or n <= g:
        raise ModelError(
            f"variance components: {n} values in {g} clusters; need at least 2 clusters and "
            "more values than clusters"
        )
    sizes = np.bincount(codes).astype(float)
    means = np.bincount(codes, weights=y) / sizes
    ssw = float(((y - means[codes]) ** 2).sum())
    ssb = float((sizes * (means - y.mean()) ** 2).sum())
    msw = ssw / (n - g)
    msb = ssb / (g - 1)
    n0 = (n - (sizes**2).sum() / n) / (g - 1)
    between = max(0.0, (msb - msw) / n0)
    total = between + msw
    icc = between / total if total > 0 else float("nan")
    return VarianceComponents(between=between, within=msw, icc=icc, n=n, n_clusters=g)
