"""The saturated-normal engine: derivatives, scores, EM and data reduction."""

from __future__ import annotations

import numpy as np
import pytest

from ldj_analysis.models import mvn


def _data(seed: int = 1, n: int = 300, p: int = 4, share: float = 0.2):
    rng = np.random.default_rng(seed)
    x = rng.multivariate_normal(np.arange(p) * 0.3, np.eye(p) + 0.5, size=n)
    x[rng.random((n, p)) < share] = np.nan
    x = x[~np.isnan(x).all(axis=1)]
    cluster = rng.integers(0, 12, size=x.shape[0])
    return x, cluster


def _theta(p: int) -> np.ndarray:
    return mvn.pack(np.linspace(-0.2, 0.3, p), np.eye(p) + 0.3)


def test_gradient_and_hessian_match_finite_differences():
    x, cluster = _data()
    data = mvn.reduce_data(x, cluster)
    p = x.shape[1]
    theta = _theta(p)
    grad, hess = mvn.gradient_hessian(data, *mvn.unpack(theta, p))
    eps = 1e-5
    basis = np.eye(theta.size)

    def ll(t):
        return mvn.loglik(data, *mvn.unpack(t, p))

    def gr(t):
        return mvn.gradient_hessian(data, *mvn.unpack(t, p))[0]

    num_grad = np.array([(ll(theta + eps * e) - ll(theta - eps * e)) / (2 * eps) for e in basis])
    num_hess = np.array([(gr(theta + eps * e) - gr(theta - eps * e)) / (2 * eps) for e in basis])
    np.testing.assert_allclose(grad, num_grad, atol=1e-6 * np.abs(grad).max())
    np.testing.assert_allclose(hess, num_hess, atol=1e-7 * np.abs(hess).max())


def test_cluster_scores_sum_to_gradient_and_row_scores_agree():
    x, cluster = _data(seed=2)
    p = x.shape[1]
    mu, sigma = mvn.unpack(_theta(p), p)
    grad, _ = mvn.gradient_hessian(mvn.reduce_data(x, cluster), mu, sigma)
    by_cluster = mvn.cluster_scores(mvn.reduce_data(x, cluster), mu, sigma)
    by_row = mvn.cluster_scores(mvn.reduce_data(x, np.arange(x.shape[0])), mu, sigma)
    np.testing.assert_allclose(by_cluster.sum(axis=0), grad, atol=1e-10)
    np.testing.assert_allclose(by_row.sum(axis=0), grad, atol=1e-10)
    # a row's score: d/dmu = K e, checked directly for a complete row
    i = int(np.flatnonzero(~np.isnan(x).any(axis=1))[0])
    e = x[i] - mu
    np.testing.assert_allclose(by_row[i, :p], np.linalg.solve(sigma, e), rtol=1e-12)
    # clusters group rows: sum of the row scores of cluster 3 equals its cluster score
    np.testing.assert_allclose(by_row[cluster == 3].sum(axis=0), by_cluster[3], atol=1e-10)


def test_reduction_does_not_depend_on_chunking():
    x, cluster = _data(seed=3, n=500)
    a = mvn.reduce_data(x, cluster, chunk_rows=7)
    b = mvn.reduce_data(x, cluster, chunk_rows=10_000)
    np.testing.assert_allclose(a.seg_t2, b.seg_t2, atol=1e-12)
    np.testing.assert_allclose(a.t2, b.t2, atol=1e-12)
    assert a.n.sum() == x.shape[0]
    observed = ~np.isnan(x)
    np.testing.assert_allclose(a.t1.sum(axis=0), np.where(observed, x, 0).sum(axis=0))


def test_complete_data_gives_sample_mean_and_ml_covariance():
    rng = np.random.default_rng(4)
    x = rng.normal(size=(80, 3)) @ np.array([[1, 0.5, 0], [0, 1, 0.3], [0, 0, 1]])
    fit = mvn.fit_mvn(mvn.reduce_data(x))
    np.testing.assert_allclose(fit.mu, x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(fit.sigma, np.cov(x.T, ddof=0), rtol=1e-12)


def test_fiml_optimum_is_an_em_fixed_point_with_zero_gradient():
    x, cluster = _data(seed=5, share=0.3)
    data = mvn.reduce_data(x, cluster)
    fit = mvn.fit_mvn(data)
    assert np.abs(fit.gradient).max() < 1e-8
    assert np.all(np.linalg.eigvalsh(-fit.hessian) > 0)
    mu, sigma = mvn.em_step(data, fit.mu, fit.sigma)
    np.testing.assert_allclose(mu, fit.mu, atol=1e-10)
    np.testing.assert_allclose(sigma, fit.sigma, atol=1e-10)


def test_all_missing_rows_are_refused():
    x = np.array([[1.0, 2.0], [np.nan, np.nan], [2.0, 1.0]])
    with pytest.raises(mvn.MVNError, match="every variable missing"):
        mvn.reduce_data(x)


@pytest.mark.slow
def test_newton_lands_where_long_em_converges_with_heavy_missingness():
    rng = np.random.default_rng(6)
    p = 4
    cov = 0.8 ** np.abs(np.subtract.outer(np.arange(p), np.arange(p)))
    x = rng.multivariate_normal(np.zeros(p), cov, size=400)
    x[rng.random(x.shape) < 0.45] = np.nan
    x = x[~np.isnan(x).all(axis=1)]
    data = mvn.reduce_data(x)
    fit = mvn.fit_mvn(data)
    mu, sigma = mvn.start_values(data)
    for _ in range(800):
        mu, sigma = mvn.em_step(data, mu, sigma)
    np.testing.assert_allclose(fit.mu, mu, atol=1e-8)
    np.testing.assert_allclose(fit.sigma, sigma, atol=1e-8)
    assert fit.loglik >= mvn.loglik(data, mu, sigma) - 1e-9
