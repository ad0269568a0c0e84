"""Regression of y on x with the x moments estimated, FIML, and cluster-robust (MLR) SEs.

Equivalent to lavaan ``sem("y ~ x1 + ...", estimator = "MLR", cluster = ..., missing = "ml",
fixed.x = FALSE, information = "observed", observed.information = "hessian")`` and to Mplus
TYPE=COMPLEX with MLR and the covariates brought into the model. The regression is a
one-to-one reparameterisation of the saturated multivariate normal of (y, x), so the model is
fitted as that normal (``mvn``) and the estimates, their sandwich covariance and the STDYX
coefficients follow by the delta method (exact complex-step derivatives).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ldj_analysis.models import mvn

TABLE_COLUMNS = ["term", "estimate", "se", "z", "p", "beta", "beta_se", "beta_p"]


class ModelError(ValueError):
    """A model cannot be estimated; the message names the model and the reason."""


@dataclass(frozen=True)
class RegressionFit:
    """Estimates of one regression. ``table`` has one row per term (intercept first)."""

    name: str
    outcome: str
    covariates: list[str]
    table: pd.DataFrame
    residual_variance: float
    residual_variance_se: float
    r_squared: float
    n: int
    n_clusters: int | None
    n_dropped_empty: int
    n_dropped_listwise: int
    loglik: float
    iterations: int
    mean: np.ndarray = field(repr=False)
    cov: np.ndarray = field(repr=False)
    vcov: np.ndarray = field(repr=False)  # of [mu, vech Sigma] of (y, x), original scale


def two_sided_p(z: np.ndarray) -> np.ndarray:
    """Two-sided normal p-value."""
    return np.array([math.erfc(abs(v) / math.sqrt(2.0)) if np.isfinite(v) else np.nan for v in z])


def regression_parameters(theta: np.ndarray, p: int) -> np.ndarray:
    """[intercept, slopes..., residual variance, STDYX intercept, STDYX slopes..., R^2].

    ``theta`` = [mu, vech Sigma] of (y, x1..x_{p-1}); works on complex input (complex step).
    """
    rows, cols = mvn.vech_pairs(p)
    idx = mvn.vech_index(p)
    mu = theta[:p]
    sigma = theta[p:][idx]
    sxx = sigma[1:, 1:]
    sxy = sigma[1:, 0]
    slopes = np.linalg.solve(sxx, sxy)
    intercept = mu[0] - slopes @ mu[1:]
    var_y = sigma[0, 0]
    resid = var_y - sxy @ slopes
    sd_y = np.sqrt(var_y)
    sd_x = np.sqrt(np.diagonal(sxx))
    return np.concatenate(
        [
            [intercept],
            slopes,
            [resid],
            [intercept / sd_y],
            slopes * sd_x / sd_y,
            [1 - resid / var_y],
        ]
    )


def complex_step_jacobian(fun, theta: np.ndarray, h: float = 1e-30) -> np.ndarray:
    """Jacobian of an analytic function, exact to rounding (complex-step differentiation)."""
    base = np.asarray(fun(theta.astype(complex)))
    jac = np.empty((base.size, theta.size))
    for j in range(theta.size):
        t = theta.astype(complex)
        step = h * max(1.0, abs(theta[j]))
        t[j] += 1j * step
        jac[:, j] = np.imag(fun(t)) / step
    return jac


def _prepare(
    data: pd.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    cluster: str | None,
    missing: str,
    name: str,
) -> tuple[np.ndarray, np.ndarray | None, int, int]:
    columns = [outcome, *covariates]
    absent = [c for c in [*columns, *([cluster] if cluster else [])] if c not in data.columns]
    if absent:
        raise ModelError(f"model '{name}': column(s) {absent} not in the data")
    if len(set(columns)) != len(columns):
        raise ModelError(f"model '{name}': a variable is named twice in {columns}")
    x = np.column_stack(
        [pd.to_numeric(data[c], errors="coerce").to_numpy(float, na_value=np.nan) for c in columns]
    )
    x[~np.isfinite(x)] = np.nan
    keep = ~np.isnan(x).all(axis=1)
    n_empty = int((~keep).sum())
    n_listwise = 0
    if missing == "listwise":
        complete = ~np.isnan(x).any(axis=1)
        n_listwise = int((keep & ~complete).sum())
        keep = complete
    elif missing != "fiml":
        raise ModelError(f"model '{name}': missing must be 'fiml' or 'listwise', not {missing!r}")
    x = x[keep]
    codes = None
    if cluster is not None:
        ids = data[cluster].to_numpy()[keep]
        if pd.isna(ids).any():
            raise ModelError(f"model '{name}': {int(pd.isna(ids).sum())} row(s) lack a cluster id")
        codes, uniques = pd.factorize(ids, sort=True)
        if uniques.size < 2:
            raise ModelError(
                f"model '{name}': {uniques.size} cluster(s); cluster-robust SEs need at least 2"
            )
    for j, c in enumerate(columns):
        col = x[:, j]
        n_obs = int((~np.isnan(col)).sum())
        role = "outcome" if j == 0 else "covariate"
        if n_obs < 2:
            raise ModelError(f"model '{name}': {role} '{c}' has {n_obs} observed value(s)")
        if np.nanmax(col) == np.nanmin(col):
            raise ModelError(
                f"model '{name}': {role} '{c}' is constant ({np.nanmax(col):g}) in all "
                f"{n_obs} observed rows"
            )
    if x.shape[0] <= len(columns):
        raise ModelError(f"model '{name}': {x.shape[0]} rows for {len(columns)} variables")
    return x, codes, n_empty, n_listwise


def fit_regression(
    data: pd.DataFrame,
    outcome: str,
    covariates: Sequence[str],
    cluster: str | None = None,
    missing: str = "fiml",
    name: str | None = None,
) -> RegressionFit:
    """Regress ``outcome`` on ``covariates`` by ML with estimated x moments.

    Missing values: ``fiml`` (rows with every variable missing dropped) or ``listwise``.
    SEs: observed information; with ``cluster`` the MLR sandwich with meat
    G/(G-1) sum_g s_g s_g' (lavaan ``cluster=``); without, the plain ML inverse information.
    Raises ModelError when the model cannot be estimated.
    """
    covariates = list(covariates)
    name = name or outcome
    x, codes, n_empty, n_listwise = _prepare(data, outcome, covariates, cluster, missing, name)
    p = x.shape[1]
    moments = _fit_moments(x, codes, cluster is not None, name)
    est = regression_parameters(moments.theta, p)
    if not est[p] > 1e-12 * moments.sigma[0, 0]:
        raise ModelError(
            f"model '{name}': outcome '{outcome}' is a perfect linear function of the covariates"
        )
    jac = complex_step_jacobian(lambda t: regression_parameters(t, p), moments.theta)
    se = np.sqrt(np.clip(np.einsum("ij,jk,ik->i", jac, moments.vcov, jac), 0.0, None))
    return RegressionFit(
        name=name,
        outcome=outcome,
        covariates=covariates,
        table=_coefficient_table(est, se, covariates),
        residual_variance=float(est[p]),
        residual_variance_se=float(se[p]),
        r_squared=float(est[-1]),
        n=int(x.shape[0]),
        n_clusters=moments.n_clusters,
        n_dropped_empty=n_empty,
        n_dropped_listwise=n_listwise,
        loglik=moments.loglik,
        iterations=moments.iterations,
        mean=moments.mu,
        cov=moments.sigma,
        vcov=moments.vcov,
    )


@dataclass(frozen=True)
class _Moments:
    """The ML mean and covariance of the model's variables, packed (``theta``), with their
    covariance matrix (sandwich when clustered), on the data's own scale."""

    mu: np.ndarray
    sigma: np.ndarray
    theta: np.ndarray
    vcov: np.ndarray
    loglik: float
    iterations: int
    n_clusters: int | None


def _fit_moments(x: np.ndarray, codes: np.ndarray | None, clustered: bool, name: str) -> _Moments:
    """Fit the saturated normal model on standardised variables (for conditioning; the fit
    is affine-equivariant) and transform back: mu = c + s mu_z, Sigma = S Sigma_z S,
    vcov = T vcov_z T with T = (s, s_i s_j)."""
    p = x.shape[1]
    center = np.nanmean(x, axis=0)
    scale = np.nanstd(x, axis=0)
    reduced = mvn.reduce_data((x - center) / scale, codes)
    try:
        fit = mvn.fit_mvn(reduced)
        info_inv = np.linalg.inv(-fit.hessian)
    except (mvn.MVNError, np.linalg.LinAlgError) as exc:
        raise ModelError(
            f"model '{name}': cannot be estimated ({exc}; is a variable a linear function of "
            "the others?)"
        ) from exc
    vcov_z = info_inv
    if clustered:
        scores = mvn.cluster_scores(reduced, fit.mu, fit.sigma)
        g = scores.shape[0]
        vcov_z = info_inv @ (g / (g - 1) * scores.T @ scores) @ info_inv
    rows, cols = mvn.vech_pairs(p)
    transform = np.concatenate([scale, scale[rows] * scale[cols]])
    mu = center + scale * fit.mu
    sigma = fit.sigma * np.outer(scale, scale)
    return _Moments(
        mu=mu,
        sigma=sigma,
        theta=mvn.pack(mu, sigma),
        vcov=vcov_z * np.outer(transform, transform),
        loglik=fit.loglik - _log_jacobian(x, scale),
        iterations=fit.iterations,
        n_clusters=int(reduced.n_clusters) if clustered else None,
    )


def _coefficient_table(est: np.ndarray, se: np.ndarray, covariates: list[str]) -> pd.DataFrame:
    """``term, estimate, se, z, p, beta, beta_se, beta_p``: the raw coefficients (the first
    p estimates) and the standardised ones (after the residual variance)."""
    p = len(covariates) + 1
    raw, raw_se = est[:p], se[:p]
    std, std_se = est[p + 1 : 2 * p + 1], se[p + 1 : 2 * p + 1]
    with np.errstate(divide="ignore", invalid="ignore"):
        z_raw = raw / raw_se
        z_std = std / std_se
    return pd.DataFrame(
        {
            "term": ["intercept", *covariates],
            "estimate": raw,
            "se": raw_se,
            "z": z_raw,
            "p": two_sided_p(z_raw),
            "beta": std,
            "beta_se": std_se,
            "beta_p": two_sided_p(z_std),
        }
    )


def _log_jacobian(x: np.ndarray, scale: np.ndarray) -> float:
    """Log-likelihood shift from standardising: sum over observed entries of log(scale)."""
    return float((~np.isnan(x) * np.log(scale)).sum())
