"""Small-sample inference for OLS with few clusters.

The study's models have 13-16 team clusters, where the Mplus-style cluster-robust z-test (CR1
with G/(G-1), normal reference) over-rejects. ``cluster_tests`` fits y on X by OLS and tests
chosen coefficients four ways:

- ``mplus``: CR1 sandwich with the factor G/(G-1) only, z statistic, normal p (on complete
  data this is the MLR SE of ``models.regression.fit_regression``, i.e. lavaan / Mplus).
- ``CR2``: the Bell-McCaffrey bias-reduced sandwich with Satterthwaite degrees of freedom, as
  R clubSandwich ``vcovCR(type = "CR2")`` + ``coef_test(test = "Satterthwaite")`` for ``lm``
  (identity working model; generalised inverse square root where I - H_gg is singular).
- ``CR3``: clubSandwich's jackknife-type ``CR3`` with the same Satterthwaite test.
- ``WCR``: wild cluster restricted bootstrap of the CR1 t statistic (``models.wild``).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from ldj_analysis.models.clustered_ols import ClusteredOLS, WildOptions
from ldj_analysis.models.regression import ModelError
from ldj_analysis.models.wild import wild_cluster_test
from ldj_analysis.vocabulary import CLUSTER_TEST_METHODS

COLUMNS = ["term", "method", "estimate", "se", "df", "statistic", "p", "ci_low", "ci_high"]

# clubSandwich's matrix_power(): eigenvalues at or below 10^-12 count as zero.
EIGEN_TOL = 1e-12


def cluster_tests(
    X: np.ndarray,
    y: np.ndarray,
    cluster: np.ndarray,
    names: Sequence[str],
    test: Sequence[str],
    methods: Sequence[str] = CLUSTER_TEST_METHODS,
    wild: WildOptions = WildOptions(),
    alpha: float = 0.05,
    name: str = "model",
) -> pd.DataFrame:
    """OLS of y on X; one row per (term in ``test``, method) with the columns ``COLUMNS``.

    ``X`` is the complete n x k design with its intercept column, ``cluster`` n labels. The
    analytic methods give 1 - ``alpha`` confidence intervals (normal for ``mplus``, t with the
    Satterthwaite df for CR2/CR3); WCR gives a ``wild.level`` bootstrap interval by test
    inversion (NaN when ``wild.ci`` is False) and NaN se and df.
    Raises ModelError naming ``name`` and the reason; CR3 raises it when a cluster's I - H_gg
    is singular (cluster fixed effects), as clubSandwich does.
    """
    fit, columns = _prepare(X, y, cluster, names, test, methods, wild, alpha, name)
    rows: dict[tuple[int, str], tuple] = {}
    for method in dict.fromkeys(methods):
        if method == "mplus":
            found = _mplus_rows(fit, columns, alpha)
        elif method in ("CR2", "CR3"):
            found = _bias_reduced_rows(fit, columns, method, alpha, name)
        else:
            found = [
                (
                    j,
                    "WCR",
                    fit.beta[j],
                    np.nan,
                    np.nan,
                    *wild_cluster_test(fit, j, wild, name, names[j]),
                )
                for j in columns
            ]
        rows |= {(row[0], method): row[1:] for row in found}
    ordered = [(names[j], *rows[j, m]) for j in columns for m in methods]
    values = list(zip(*ordered, strict=True))
    numeric = {c: np.array(v, dtype=float) for c, v in zip(COLUMNS[2:], values[2:], strict=True)}
    return pd.DataFrame({"term": list(values[0]), "method": list(values[1]), **numeric})


def _prepare(
    X: np.ndarray,
    y: np.ndarray,
    cluster: np.ndarray,
    names: Sequence[str],
    test: Sequence[str],
    methods: Sequence[str],
    wild: WildOptions,
    alpha: float,
    name: str,
) -> tuple[ClusteredOLS, list[int]]:
    """Validate the input and fit OLS; the column indices of the tested terms."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    cluster = np.asarray(cluster)
    names = list(names)
    if X.ndim != 2:
        raise ModelError(f"model '{name}': X must be an n x k matrix, not {X.ndim}-dimensional")
    n, k = X.shape
    if y.size != n or cluster.shape[0] != n:
        raise ModelError(
            f"model '{name}': X has {n} rows but y {y.size} and cluster {cluster.shape[0]}"
        )
    if len(names) != k or len(set(names)) != k:
        raise ModelError(f"model '{name}': names must be {k} distinct column names of X")
    unknown_methods = [m for m in methods if m not in CLUSTER_TEST_METHODS]
    if unknown_methods or not methods:
        raise ModelError(
            f"model '{name}': unknown method(s) {unknown_methods}; use {CLUSTER_TEST_METHODS}"
        )
    missing = [t for t in test if t not in names]
    if missing or not test:
        raise ModelError(f"model '{name}': term(s) {missing} to test are not in {names}")
    if not 0 < alpha < 1 or not 0 < wild.level < 1:
        raise ModelError(f"model '{name}': alpha and wild.level must lie in (0, 1)")
    if wild.draws < 1 or wild.max_enumeration < 0:
        raise ModelError(f"model '{name}': wild bootstrap needs draws >= 1, max_enumeration >= 0")
    fit = clustered_ols(X, y, cluster, name, names)
    return fit, [names.index(t) for t in test]


def clustered_ols(
    X: np.ndarray,
    y: np.ndarray,
    cluster: np.ndarray,
    name: str = "model",
    names: Sequence[str] | None = None,
) -> ClusteredOLS:
    """OLS of y on X with the rows grouped by cluster; ModelError if it cannot be fitted."""
    X = np.asarray(X, dtype=float)
    y = np.asarray(y, dtype=float).ravel()
    cluster = np.asarray(cluster)
    n, k = X.shape
    if not (np.isfinite(X).all() and np.isfinite(y).all()):
        raise ModelError(f"model '{name}': X and y must be complete (NaN or infinite value)")
    if pd.isna(cluster).any():
        raise ModelError(f"model '{name}': {int(pd.isna(cluster).sum())} row(s) lack a cluster")
    codes, uniques = pd.factorize(cluster, sort=True)
    if uniques.size < 2:
        raise ModelError(
            f"model '{name}': {uniques.size} cluster(s); cluster-robust tests need at least 2"
        )
    if n <= k:
        raise ModelError(f"model '{name}': {n} rows for {k} coefficients")
    order = np.argsort(codes, kind="stable")
    X, y = X[order], y[order]
    bounds = np.searchsorted(codes[order], np.arange(uniques.size + 1))
    # Rank via the SVD of the column-scaled design (scale-free, as lm's pivoted QR).
    scale = np.sqrt((X**2).sum(axis=0))
    sv = np.linalg.svd(X / np.where(scale > 0, scale, 1.0), compute_uv=False)
    if scale.min() == 0 or sv[-1] <= sv[0] * max(n, k) * np.finfo(float).eps * 1e3:
        columns = f" of {list(names)}" if names is not None else ""
        raise ModelError(
            f"model '{name}': singular design (a column{columns} is a linear function of "
            "the others or all zero)"
        )
    bread = np.linalg.inv(X.T @ X)
    beta = bread @ (X.T @ y)
    resid = y - X @ beta
    return ClusteredOLS(X=X, y=y, bounds=bounds, bread=bread, beta=beta, resid=resid)


def cluster_scores(fit: ClusteredOLS, resid: np.ndarray) -> np.ndarray:
    """G x k matrix of the cluster score sums X_g' e_g."""
    return np.add.reduceat(fit.X * resid[:, None], fit.bounds[:-1], axis=0)


def cr1_vcov(fit: ClusteredOLS) -> np.ndarray:
    """CR1 sandwich with the factor G/(G-1) only (Mplus / lavaan MLR on complete data)."""
    g = fit.n_clusters
    s = cluster_scores(fit, fit.resid) @ fit.bread
    return g / (g - 1) * s.T @ s


def _mplus_rows(fit: ClusteredOLS, columns: list[int], alpha: float) -> list[tuple]:
    se = np.sqrt(np.diag(cr1_vcov(fit)))
    crit = special.ndtri(1 - alpha / 2)
    rows = []
    for j in columns:
        z = fit.beta[j] / se[j]
        p = 2 * special.ndtr(-abs(z))
        lo, hi = fit.beta[j] - crit * se[j], fit.beta[j] + crit * se[j]
        rows.append((j, "mplus", fit.beta[j], se[j], np.inf, z, p, lo, hi))
    return rows


def adjustment_matrices(
    fit: ClusteredOLS, method: str, name: str = "model"
) -> list[tuple[np.ndarray, np.ndarray]]:
    """clubSandwich's per-cluster A_g, (I - H_gg)^(-1/2) (CR2) or (I - H_gg)^(-1) (CR3), as
    (W_g, f_g) with A_g = I + W_g diag(f_g) W_g'.

    I - H_gg = I - U U' with U = X_g L, L L' = (X'X)^-1: with the thin SVD U = W S V' its
    eigenvalues are 1 - s^2 on the columns of W and 1 elsewhere, so no n_g x n_g matrix is
    formed. CR2 takes the generalised inverse square root (eigenvalues <= 1e-12 set to zero),
    as clubSandwich's matrix_power(); CR3 needs I - H_gg invertible, as clubSandwich's solve().
    """
    out = []
    for g, (w, lam) in enumerate(fit.leverage_eigen):
        if method == "CR2":
            power = np.zeros_like(lam)
            keep = lam > EIGEN_TOL
            power[keep] = lam[keep] ** -0.5
        else:
            if lam.size and lam.min() <= EIGEN_TOL:
                raise ModelError(
                    f"model '{name}': CR3 is undefined: I - H_gg of cluster {g + 1} is singular "
                    "(a cluster fully determines a coefficient, e.g. cluster fixed effects); "
                    "use CR2"
                )
            power = 1.0 / lam
        out.append((w, power - 1.0))
    return out


def bias_reduced(
    fit: ClusteredOLS, columns: list[int], method: str, name: str = "model"
) -> tuple[np.ndarray, np.ndarray]:
    """CR2/CR3 variance matrix and the Satterthwaite df of the coefficients ``columns``.

    df = E^2 / sum(P^2) with P_gh = [g == h] p_g'p_g - (X_g'p_g)' (X'X)^-1 (X_h'p_h) and
    p_g = A_g X_g (X'X)^-1 c: clubSandwich's get_P_array() for an identity working model.
    """
    adj = adjustment_matrices(fit, method, name)
    xb = fit.X @ fit.bread  # rows: X_g (X'X)^-1
    comps = []
    df = []
    p_blocks = [  # A_g X_g B
        xbg + w @ (f[:, None] * (w.T @ xbg))
        for (w, f), xbg in zip(adj, fit.blocks(xb), strict=True)
    ]
    for pg, eg in zip(p_blocks, fit.blocks(fit.resid), strict=True):
        comps.append(pg.T @ eg)  # B X_g' A_g e_g
    comps = np.array(comps)  # G x k
    vcov = comps.T @ comps
    for j in columns:
        p = [pg[:, j] for pg in p_blocks]
        w = np.array([xg.T @ pj for xg, pj in zip(fit.blocks(fit.X), p, strict=True)])  # G x k
        big_p = -w @ fit.bread @ w.T
        big_p[np.diag_indices_from(big_p)] += [pj @ pj for pj in p]
        df.append(np.trace(big_p) ** 2 / (big_p**2).sum())
    return vcov, np.array(df)


def _bias_reduced_rows(
    fit: ClusteredOLS, columns: list[int], method: str, alpha: float, name: str
) -> list[tuple]:
    vcov, df = bias_reduced(fit, columns, method, name)
    rows = []
    for j, d in zip(columns, df, strict=True):
        se = np.sqrt(vcov[j, j])
        t = fit.beta[j] / se
        p = 2 * special.stdtr(d, -abs(t))
        crit = special.stdtrit(d, 1 - alpha / 2)
        rows.append(
            (j, method, fit.beta[j], se, d, t, p, fit.beta[j] - crit * se, fit.beta[j] + crit * se)
        )
    return rows
