"""Team-level variance components and the ICC of an outcome (CONSORT report, design simulation);
``icc_frame``: the ICC of every outcome, ``icc.csv``.

Model: y_gi = mu + u_g + e_gi, u_g ~ N(0, between), e_gi ~ N(0, within). Default estimator
REML (as R nlme::lme / lme4 with REML = TRUE), via the closed-form one-parameter profile of
the ratio lambda = between / within (O(G) per evaluation, bounded at lambda = 0):

    -2 l_R(lambda) = (n - 1) log Q + sum_g log(1 + n_g lambda) + log sum_g w_g,
    w_g = n_g / (1 + n_g lambda),  Q = SSW + sum_g w_g (ybar_g - mu_w)^2,  within = Q / (n - 1).

``method="anova"`` gives the unbalanced one-way ANOVA (moment) estimator, truncated at zero
(Searle, Casella & McCulloch 1992, section 3.6): within = MSW, between = max(0, (MSB - MSW) /
n0), n0 = (n - sum n_g^2 / n) / (G - 1). Both are tested against nlme::lme REML
(tests/reference/small_sample/icc.csv): REML to 1e-5; ANOVA equals it on balanced data.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize

from ldj_analysis.models.regression import ModelError
from ldj_analysis.vocabulary import OUTCOME_DOMAINS, TEAM_PERIOD_OUTCOMES

log = logging.getLogger(__name__)

VC_METHODS = ("reml", "anova")
#: Columns of ``icc.csv`` (:func:`icc_frame`).
ICC_COLUMNS: list[str] = [
    "model",
    "outcome",
    "variable",
    "n",
    "n_clusters",
    "between",
    "within",
    "icc",
]


@dataclass(frozen=True)
class VarianceComponents:
    """Random-intercept variance components of one outcome."""

    between: float  # team-level variance
    within: float  # residual variance
    icc: float  # between / (between + within)
    n: int
    n_clusters: int


def variance_components(
    y: np.ndarray, cluster: np.ndarray, method: str = "reml"
) -> VarianceComponents:
    """Between- and within-cluster variance of y (complete data) by REML or ANOVA."""
    y = np.asarray(y, dtype=float).ravel()
    cluster = np.asarray(cluster)
    if method not in VC_METHODS:
        raise ModelError(f"variance components: method {method!r} is not one of {VC_METHODS}")
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
    if method == "anova":
        between, within = _anova(sizes, means, ssw, y.mean())
    else:
        between, within = _reml(sizes, means, ssw)
    total = between + within
    icc = between / total if total > 0 else float("nan")
    return VarianceComponents(between=between, within=within, icc=icc, n=n, n_clusters=g)


def _anova(sizes: np.ndarray, means: np.ndarray, ssw: float, grand: float) -> tuple[float, float]:
    n, g = sizes.sum(), sizes.size
    msw = ssw / (n - g)
    msb = float((sizes * (means - grand) ** 2).sum()) / (g - 1)
    n0 = (n - (sizes**2).sum() / n) / (g - 1)
    return max(0.0, (msb - msw) / n0), msw


def _reml(sizes: np.ndarray, means: np.ndarray, ssw: float) -> tuple[float, float]:
    n = sizes.sum()

    def profile(lam: float) -> tuple[float, float]:
        w = sizes / (1 + sizes * lam)
        mu = (w * means).sum() / w.sum()
        q = ssw + (w * (means - mu) ** 2).sum()
        return (n - 1) * np.log(q) + np.log1p(sizes * lam).sum() + np.log(w.sum()), q

    # Search on rho = lambda / (1 + lambda) in [0, 1): scale-free and bounded.
    def objective(rho: float) -> float:
        return profile(rho / (1 - rho))[0]

    best = optimize.minimize_scalar(
        objective, bounds=(0.0, 1 - 1e-9), method="bounded", options={"xatol": 1e-12}
    )
    rho = best.x if best.fun < objective(0.0) else 0.0
    lam = rho / (1 - rho)
    within = profile(lam)[1] / (n - 1)
    return lam * within, within


def icc_frame(team_periods: pd.DataFrame, pairs: pd.DataFrame | None) -> pd.DataFrame:
    """Team-level ICC of each outcome (CONSORT for cluster trials): the Checklist scores and
    response over team-periods, post z per domain over clients (complete values); REML
    variance components of a random-intercept model (:func:`variance_components`)."""
    targets = [
        ("team_periods", out, team_periods[out], team_periods["team_id"])
        for out in TEAM_PERIOD_OUTCOMES
        if out in team_periods.columns
    ]
    if pairs is not None:
        for domain in OUTCOME_DOMAINS:
            rows = pairs[pairs["domain"] == domain]
            targets.append(("outcomes", domain, rows["post_z"], rows["team_id"]))
    out = []
    for model, outcome, y, team in targets:
        y = pd.to_numeric(y)
        ok = y.notna() & team.notna()
        variable = "post_z" if model == "outcomes" else outcome
        try:
            vc = variance_components(y[ok].to_numpy(float), team[ok].to_numpy())
        except ModelError as exc:
            log.warning("ICC of %s:%s: %s", model, outcome, exc)
            out.append((model, outcome, variable, int(ok.sum()), team[ok].nunique(), *[np.nan] * 3))
            continue
        out.append((model, outcome, variable, vc.n, vc.n_clusters, vc.between, vc.within, vc.icc))
    return pd.DataFrame(out, columns=ICC_COLUMNS).astype({"n": "Int64", "n_clusters": "Int64"})
