"""Calibration-only Mplus statistics: STDYX betas with TYPE=COMPLEX MLR p-values.

A compact, independent re-implementation used only by the offline calibration
(:mod:`ldj_analysis.synthetic.calibrate`), never by the generator or the pipeline. It fits
``y ON x`` with the x means and covariances estimated (lavaan ``fixed.x = FALSE``), bread =
observed information (equal to the expected one at the ML estimate of this saturated model),
meat = G/(G-1) x the sum over clusters of outer products of the cluster-summed scores, and
delta-method SEs for the STDYX coefficients; p-values are two-sided normal. Checked once
against lavaan 0.6 (``tests/synthetic/reference/lavaan_stdyx.R``).
"""

from __future__ import annotations

import math

import numpy as np


def _vech_pairs(k: int) -> list[tuple[int, int]]:
    return [(i, j) for j in range(k) for i in range(j, k)]


def _norm_sf2(z: np.ndarray) -> np.ndarray:
    """Two-sided normal p-value of |z|."""
    return np.array([math.erfc(abs(float(v)) / math.sqrt(2.0)) for v in np.ravel(z)])


def stdyx_cluster(y: np.ndarray, x: np.ndarray, cluster: np.ndarray) -> dict[str, np.ndarray]:
    """Regression of ``y`` on the columns of ``x`` (no intercept column) with cluster-robust
    MLR SEs. Returns arrays over (intercept, slopes...): ``b, se, p`` and over the slopes:
    ``beta, beta_se, beta_p``."""
    y = np.asarray(y, float)
    x = np.asarray(x, float)
    if x.ndim == 1:
        x = x[:, None]
    n, k = x.shape
    z = np.column_stack([np.ones(n), x])
    coef, *_ = np.linalg.lstsq(z, y, rcond=None)
    e = y - z @ coef
    s2 = e @ e / n
    mu = x.mean(0)
    xc = x - mu
    sig = xc.T @ xc / n
    si = np.linalg.inv(sig)
    pairs = _vech_pairs(k)
    w = xc @ si
    s_beta = z * (e / s2)[:, None]
    s_s2 = -0.5 / s2 + e**2 / (2 * s2**2)
    s_mu = w
    s_sig = np.column_stack(
        [(0.5 * (w[:, i] * w[:, j] - si[i, j])) * (1.0 if i == j else 2.0) for i, j in pairs]
    )
    scores = np.column_stack([s_beta, s_s2, s_mu, s_sig])
    # Observed information (block diagonal at the ML estimate of this saturated model).
    npar = scores.shape[1]
    info = np.zeros((npar, npar))
    p1 = k + 1
    info[:p1, :p1] = z.T @ z / s2
    info[p1, p1] = n / (2 * s2**2)
    info[p1 + 1 : p1 + 1 + k, p1 + 1 : p1 + 1 + k] = n * si
    kron = np.kron(si, si)
    dup = np.zeros((k * k, len(pairs)))
    for col, (i, j) in enumerate(pairs):
        dup[i * k + j, col] = 1.0
        dup[j * k + i, col] = 1.0
    o = p1 + 1 + k
    info[o:, o:] = 0.5 * n * dup.T @ kron @ dup
    groups, inv = np.unique(np.asarray(cluster), return_inverse=True)
    g = len(groups)
    summed = np.zeros((g, npar))
    np.add.at(summed, inv, scores)
    meat = g / (g - 1) * summed.T @ summed
    bread = np.linalg.inv(info)
    vcov = bread @ meat @ bread
    se = np.sqrt(np.diag(vcov)[:p1])
    b = coef[1:]
    sb = sig @ b
    var_y = b @ sb + s2
    sy = math.sqrt(var_y)
    sd_x = np.sqrt(np.diag(sig))
    beta = b * sd_x / sy
    beta_se = np.zeros(k)
    for j in range(k):
        grad = np.zeros(npar)
        grad[1 : 1 + k] = -b[j] * sd_x[j] * sb / sy**3
        grad[1 + j] += sd_x[j] / sy
        grad[p1] = -b[j] * sd_x[j] / (2 * sy**3)
        for col, (r, c) in enumerate(pairs):
            dvar = (b[r] ** 2) if r == c else 2 * b[r] * b[c]
            d = -b[j] * sd_x[j] * dvar / (2 * sy**3)
            if r == c == j:
                d += b[j] / (2 * sd_x[j] * sy)
            grad[o + col] = d
        beta_se[j] = math.sqrt(grad @ vcov @ grad)
    return {
        "b": coef,
        "se": se,
        "p": _norm_sf2(coef / se),
        "beta": beta,
        "beta_se": beta_se,
        "beta_p": _norm_sf2(beta / beta_se),
    }
