"""Saturated multivariate normal ML with missing data (FIML): the engine behind every regression.

The data are reduced once to sufficient statistics per (missingness pattern, cluster) segment,
so estimation, the observed information (analytic Hessian) and the cluster-summed scores never
loop over rows. Parameters are ``theta = [mu (p), vech(Sigma) (p(p+1)/2)]``, with vech the
column-wise lower triangle.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

_LOG_2PI = float(np.log(2.0 * np.pi))


class MVNError(ValueError):
    """The multivariate normal model cannot be estimated on these data."""


@cache
def vech_pairs(p: int) -> tuple[np.ndarray, np.ndarray]:
    """Row and column index of each vech element (column-wise lower triangle)."""
    cols, rows = np.triu_indices(p)  # (j, i) with i >= j, ordered by j then i
    return rows, cols


@cache
def vech_index(p: int) -> np.ndarray:
    """Symmetric p x p matrix whose (i, j) entry is the vech position of Sigma[i, j]."""
    rows, cols = vech_pairs(p)
    idx = np.empty((p, p), dtype=np.intp)
    idx[rows, cols] = np.arange(rows.size)
    idx[cols, rows] = np.arange(rows.size)
    return idx


@cache
def duplication(p: int) -> np.ndarray:
    """Duplication matrix D with vec(S) = D vech(S) (column-major vec)."""
    rows, cols = vech_pairs(p)
    d = np.zeros((p * p, rows.size))
    m = np.arange(rows.size)
    d[rows + cols * p, m] = 1.0
    d[cols + rows * p, m] = 1.0
    return d


def n_params(p: int) -> int:
    return p + p * (p + 1) // 2


def pack(mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    rows, cols = vech_pairs(mu.shape[0])
    return np.concatenate([mu, sigma[rows, cols]])


def unpack(theta: np.ndarray, p: int) -> tuple[np.ndarray, np.ndarray]:
    mu = theta[:p]
    sigma = theta[p:][vech_index(p)]
    return mu, sigma


@dataclass(frozen=True)
class PatternData:
    """Sufficient statistics of a data matrix by missingness pattern and cluster.

    ``t1``/``t2`` hold sums of x and x x' over the observed entries (zero where missing).
    """

    n_vars: int
    n_rows: int
    n_clusters: int
    observed: np.ndarray  # (P, p) bool: observed variables of each pattern
    n: np.ndarray  # (P,) rows per pattern
    t1: np.ndarray  # (P, p)
    t2: np.ndarray  # (P, p, p)
    seg_pattern: np.ndarray  # (S,) pattern of each (pattern, cluster) segment
    seg_cluster: np.ndarray  # (S,) cluster code of each segment
    seg_n: np.ndarray  # (S,)
    seg_t1: np.ndarray  # (S, p)
    seg_t2: np.ndarray  # (S, p, p)


def reduce_data(
    x: np.ndarray, cluster: np.ndarray | None = None, chunk_rows: int = 131_072
) -> PatternData:
    """Reduce ``x`` (rows x vars, NaN = missing; no all-missing rows) to segment statistics.

    ``cluster`` holds integer codes 0..G-1 (None: one cluster).
    """
    x = np.asarray(x, dtype=float)
    n_rows, p = x.shape
    obs = ~np.isnan(x)
    if not obs.any(axis=1).all():
        raise MVNError("rows with every variable missing must be dropped before fitting")
    code = obs.astype(np.int64) @ (np.int64(1) << np.arange(p, dtype=np.int64))
    pat_codes, pat_of_row = np.unique(code, return_inverse=True)
    clus = np.zeros(n_rows, np.intp) if cluster is None else np.asarray(cluster, np.intp)
    n_clusters = int(clus.max()) + 1 if n_rows else 0
    order = np.lexsort((clus, pat_of_row))
    key = pat_of_row[order].astype(np.int64) * max(n_clusters, 1) + clus[order]
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    xs = np.where(obs, x, 0.0)[order]

    seg_n = np.diff(np.r_[starts, n_rows]).astype(float)
    seg_t1 = np.add.reduceat(xs, starts, axis=0)
    iu, ju = np.triu_indices(p)
    seg_t2_flat = np.zeros((starts.size, iu.size))
    for a in range(0, n_rows, chunk_rows):
        b = min(a + chunk_rows, n_rows)
        local = np.union1d([a], starts[(starts >= a) & (starts < b)])
        seg_ids = np.searchsorted(starts, local, side="right") - 1
        block = xs[a:b]
        red = np.add.reduceat(block[:, iu] * block[:, ju], local - a, axis=0)
        np.add.at(seg_t2_flat, seg_ids, red)
    seg_t2 = np.zeros((starts.size, p, p))
    seg_t2[:, iu, ju] = seg_t2_flat
    seg_t2[:, ju, iu] = seg_t2_flat

    seg_pattern = pat_of_row[order][starts]
    n_pat = pat_codes.size
    observed = ((pat_codes[:, None] >> np.arange(p)) & 1).astype(bool)
    n = np.bincount(seg_pattern, weights=seg_n, minlength=n_pat)
    t1 = np.zeros((n_pat, p))
    t2 = np.zeros((n_pat, p, p))
    np.add.at(t1, seg_pattern, seg_t1)
    np.add.at(t2, seg_pattern, seg_t2)
    return PatternData(
        n_vars=p,
        n_rows=n_rows,
        n_clusters=n_clusters,
        observed=observed,
        n=n,
        t1=t1,
        t2=t2,
        seg_pattern=seg_pattern,
        seg_cluster=clus[order][starts],
        seg_n=seg_n,
        seg_t1=seg_t1,
        seg_t2=seg_t2,
    )


def _inv_pd(s: np.ndarray) -> tuple[np.ndarray, float]:
    """Inverse and log-determinant of a positive definite matrix (MVNError otherwise)."""
    try:
        chol = np.linalg.cholesky(s)
    except np.linalg.LinAlgError as exc:
        raise MVNError("covariance matrix is not positive definite") from exc
    inv_chol = np.linalg.inv(chol)
    return inv_chol.T @ inv_chol, 2.0 * float(np.log(np.diag(chol)).sum())


def loglik(data: PatternData, mu: np.ndarray, sigma: np.ndarray) -> float:
    """Observed-data log-likelihood."""
    total = 0.0
    for k in range(data.n.size):
        o = data.observed[k]
        n = data.n[k]
        kinv, logdet = _inv_pd(sigma[np.ix_(o, o)])
        m = data.t1[k, o] / n
        d = m - mu[o]
        s = data.t2[k][np.ix_(o, o)] / n - np.outer(m, m) + np.outer(d, d)
        total -= 0.5 * n * (o.sum() * _LOG_2PI + logdet + float(np.sum(kinv * s)))
    return total


def em_step(data: PatternData, mu: np.ndarray, sigma: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One EM iteration for the saturated model, on pattern-level statistics."""
    p = data.n_vars
    s1 = np.zeros(p)
    s2 = np.zeros((p, p))
    for k in range(data.n.size):
        o = data.observed[k]
        n = data.n[k]
        t1 = data.t1[k, o]
        t2 = data.t2[k][np.ix_(o, o)]
        if o.all():
            s1 += t1
            s2 += t2
            continue
        m = ~o
        b = np.linalg.solve(sigma[np.ix_(o, o)], sigma[np.ix_(o, m)]).T  # (m, o)
        cond = sigma[np.ix_(m, m)] - b @ sigma[np.ix_(o, m)]
        a = mu[m] - b @ mu[o]
        sum_m = n * a + b @ t1
        cross_mo = np.outer(a, t1) + b @ t2
        at1b = np.outer(a, b @ t1)
        cross_mm = n * np.outer(a, a) + at1b + at1b.T + b @ t2 @ b.T + n * cond
        s1[o] += t1
        s1[m] += sum_m
        s2[np.ix_(o, o)] += t2
        s2[np.ix_(m, o)] += cross_mo
        s2[np.ix_(o, m)] += cross_mo.T
        s2[np.ix_(m, m)] += cross_mm
    n_tot = data.n.sum()
    mu_new = s1 / n_tot
    sigma_new = s2 / n_tot - np.outer(mu_new, mu_new)
    return mu_new, 0.5 * (sigma_new + sigma_new.T)


def _pattern_index(o: np.ndarray) -> np.ndarray:
    """Positions in the full theta of the mean and vech parameters of observed set ``o``."""
    p = o.size
    idx_o = np.flatnonzero(o)
    rows, cols = vech_pairs(idx_o.size)
    vech_full = vech_index(p)[idx_o[rows], idx_o[cols]] + p
    return np.concatenate([idx_o, vech_full])


def gradient_hessian(
    data: PatternData, mu: np.ndarray, sigma: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Analytic gradient and Hessian of the log-likelihood in theta = [mu, vech Sigma]."""
    p = data.n_vars
    k_all = n_params(p)
    grad = np.zeros(k_all)
    hess = np.zeros((k_all, k_all))
    for k in range(data.n.size):
        o = data.observed[k]
        q = int(o.sum())
        n = data.n[k]
        dup = duplication(q)
        kinv, _ = _inv_pd(sigma[np.ix_(o, o)])
        m = data.t1[k, o] / n
        d = m - mu[o]
        s = data.t2[k][np.ix_(o, o)] / n - np.outer(m, m) + np.outer(d, d)
        ksk = kinv @ s @ kinv
        kd = kinv @ d
        g_mu = n * kd
        g_sig = dup.T @ (0.5 * n * (ksk - kinv)).ravel(order="F")
        h_mumu = -n * kinv
        h_musig = -n * np.kron(kd[None, :], kinv) @ dup
        h_sigsig = (
            0.5 * n * dup.T @ (np.kron(kinv, kinv) - np.kron(ksk, kinv) - np.kron(kinv, ksk)) @ dup
        )
        idx = _pattern_index(o)
        grad[idx] += np.concatenate([g_mu, g_sig])
        block = np.block([[h_mumu, h_musig], [h_musig.T, h_sigsig]])
        hess[np.ix_(idx, idx)] += block
    return grad, hess


def cluster_scores(data: PatternData, mu: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """Scores (d loglik / d theta) summed within clusters: (G, n_params)."""
    p = data.n_vars
    out = np.zeros((data.n_clusters, n_params(p)))
    for k in range(data.n.size):
        o = data.observed[k]
        q = int(o.sum())
        segs = np.flatnonzero(data.seg_pattern == k)
        kinv, _ = _inv_pd(sigma[np.ix_(o, o)])
        mo = mu[o]
        n = data.seg_n[segs]
        t1 = data.seg_t1[segs][:, o]
        t2 = data.seg_t2[segs][:, o][:, :, o]
        t1mu = t1[:, :, None] * mo[None, None, :]
        a = t2 - t1mu - t1mu.transpose(0, 2, 1) + n[:, None, None] * np.outer(mo, mo)
        s_mu = (t1 - n[:, None] * mo) @ kinv
        g = 0.5 * (kinv @ a @ kinv - n[:, None, None] * kinv)
        rows, cols = vech_pairs(q)
        s_sig = g[:, rows, cols] * np.where(rows == cols, 1.0, 2.0)
        contrib = np.concatenate([s_mu, s_sig], axis=1)
        idx = _pattern_index(o)
        np.add.at(out, (data.seg_cluster[segs][:, None], idx[None, :]), contrib)
    return out


@dataclass(frozen=True)
class MVNFit:
    mu: np.ndarray
    sigma: np.ndarray
    loglik: float
    hessian: np.ndarray  # of the log-likelihood at the estimate
    gradient: np.ndarray
    iterations: int


def start_values(data: PatternData) -> tuple[np.ndarray, np.ndarray]:
    """Available-case means and ML variances, zero covariances."""
    n_obs = (data.observed * data.n[:, None]).sum(axis=0)
    mu = data.t1.sum(axis=0) / n_obs
    second = np.einsum("kii->i", data.t2) / n_obs
    return mu, np.diag(second - mu**2)


def fit_mvn(
    data: PatternData, max_em: int = 200, max_newton: int = 100, tol: float = 1e-22
) -> MVNFit:
    """ML estimate of mean and covariance: EM to get close, then Newton to full precision.

    Converged when the Newton decrement g'(-H)^-1 g per row falls below ``tol``.
    """
    p = data.n_vars
    mu, sigma = start_values(data)
    if np.any(~(np.diag(sigma) > 0)):
        raise MVNError("a variable has no variance")
    complete = data.n.size == 1 and data.observed[0].all()
    iterations = 0
    for _ in range(1 if complete else max_em):
        mu_new, sigma_new = em_step(data, mu, sigma)
        iterations += 1
        scale = np.sqrt(np.diag(sigma_new))
        change = max(
            np.max(np.abs(mu_new - mu) / scale),
            np.max(np.abs(sigma_new - sigma) / np.outer(scale, scale)),
        )
        mu, sigma = mu_new, sigma_new
        if change < 1e-5:
            break
    ll = loglik(data, mu, sigma)
    n_tot = data.n.sum()
    converged = False
    for _ in range(max_newton):
        grad, hess = gradient_hessian(data, mu, sigma)
        try:
            step = np.linalg.solve(-hess, grad)
            decrement = float(grad @ step)
        except np.linalg.LinAlgError:
            step, decrement = None, -1.0
        if 0.0 <= decrement < tol * n_tot:
            converged = True
            break
        iterations += 1
        accepted = False
        if step is not None and decrement > 0.0:
            theta = pack(mu, sigma)
            t = 1.0
            for _ in range(40):
                mu_try, sigma_try = unpack(theta + t * step, p)
                try:
                    ll_try = loglik(data, mu_try, sigma_try)
                except MVNError:
                    ll_try = -np.inf
                if ll_try >= ll - 1e-13 * abs(ll):
                    accepted = True
                    break
                t *= 0.5
        if accepted:
            mu, sigma, ll = mu_try, sigma_try, ll_try
        elif 0.0 <= decrement < 1e-12 * n_tot:
            converged = True  # at the optimum to rounding: no step improves the loglik
            break
        else:  # not an ascent direction (far from the optimum): fall back to EM
            mu, sigma = em_step(data, mu, sigma)
            ll = loglik(data, mu, sigma)
    if not converged:
        raise MVNError(f"ML estimation did not converge in {max_newton} Newton steps")
    grad, hess = gradient_hessian(data, mu, sigma)
    return MVNFit(mu=mu, sigma=sigma, loglik=ll, hessian=hess, gradient=grad, iterations=iterations)
