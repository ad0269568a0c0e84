"""WCR against wildboottest 0.3.2 (tests/reference/small_sample/make_wild_reference.py).

- Full Rademacher enumeration (G = 8, 12, 16): p equal exactly to wildboottest's, after
  removing the draws that tie with t in exact arithmetic (v = +-1 reproduce the data) which
  wildboottest counts or not by rounding (`ties_counted` in wild.csv).
- Webb weights: within 4 binomial SEs of wildboottest's Webb p (both 99,999 draws).
- CI by test inversion: wildboottest's p(b0) (on y - b0 x_j) just inside each of our bounds is
  above 1 - level and just outside at or below it, and our p(b0) equals wildboottest's there.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.models import wild
from ldj_analysis.models.regression import ModelError
from ldj_analysis.models.small_sample import WildOptions, cluster_tests, clustered_ols
from tests.models.test_small_sample_reference import REFERENCE, load

WILD = pd.read_csv(REFERENCE / "wild.csv")
CASES = [(r.dataset, r.term) for r in WILD.itertuples()]
CI_CASES = [(r.dataset, r.term) for r in WILD.dropna(subset=["b0_low_inside"]).itertuples()]


def _ref(dataset: str, term: str) -> pd.Series:
    return WILD[(WILD.dataset == dataset) & (WILD.term == term)].iloc[0]


@pytest.mark.parametrize(("dataset", "term"), CASES)
def test_full_enumeration_p_equals_wildboottest(dataset: str, term: str):
    ref = _ref(dataset, term)
    X, y, team, names = load(dataset)
    res = cluster_tests(X, y, team, names, [term], ["WCR"], WildOptions(ci=False)).iloc[0]
    assert ref.B == 2**ref.G
    assert ref.ties == 2  # v = +1 and v = -1 only
    assert res.p == ref.p_exact
    assert res.p == ref.p - ref.ties_counted / ref.B
    assert res.statistic == pytest.approx(ref.t, rel=1e-10)
    assert res.estimate == pytest.approx(ref.estimate, rel=1e-10)


@pytest.mark.parametrize(("dataset", "term"), CASES)
def test_webb_p_within_monte_carlo_error(dataset: str, term: str):
    ref = _ref(dataset, term)
    X, y, team, names = load(dataset)
    options = WildOptions(max_enumeration=0, draws=99999, seed=7, ci=False)
    res = cluster_tests(X, y, team, names, [term], ["WCR"], options).iloc[0]
    # 4 SEs of the difference of two independent binomial shares, p at least 1 / B
    p_bar = max((res.p + ref.webb_p) / 2, 1 / ref.webb_B)
    bound = 4 * np.sqrt(p_bar * (1 - p_bar) * (1 / options.draws + 1 / ref.webb_B))
    assert abs(res.p - ref.webb_p) <= bound


def test_webb_draws_are_seeded_and_used_above_max_enumeration():
    X, y, team, names = load("checklist")
    small = WildOptions(max_enumeration=2**15, draws=999, seed=3, ci=False)
    a = cluster_tests(X, y, team, names, ["partial"], ["WCR"], small)
    b = cluster_tests(X, y, team, names, ["partial"], ["WCR"], small)
    c = cluster_tests(X, y, team, names, ["partial"], ["WCR"], WildOptions(ci=False))
    assert a.p.item() == b.p.item()
    assert (a.p.item() * 999) % 1 == 0  # a share of 999 draws
    assert a.p.item() != c.p.item()


@pytest.mark.parametrize(("dataset", "term"), CI_CASES)
def test_ci_bounds_where_wildboottest_p_crosses(dataset: str, term: str):
    ref = _ref(dataset, term)
    X, y, team, names = load(dataset)
    level = 0.95
    res = cluster_tests(X, y, team, names, [term], ["WCR"], WildOptions(level=level)).iloc[0]
    alpha = 1 - level
    assert ref.p_low_inside > alpha >= ref.p_low_outside
    assert ref.p_high_inside > alpha >= ref.p_high_outside
    assert ref.b0_low_outside < res.ci_low < ref.b0_low_inside
    assert ref.b0_high_inside < res.ci_high < ref.b0_high_outside
    fit = clustered_ols(X, y, team)
    boot = wild.WildBootstrap(fit, names.index(term), wild.rademacher_enumeration(ref.G))
    for key in ("low_inside", "low_outside", "high_inside", "high_outside"):
        assert boot.pvalue(ref[f"b0_{key}"]) == ref[f"p_{key}"]


@pytest.mark.parametrize("dataset", ["checklist", "outcome", "eight"])
def test_p_at_ci_bounds_is_one_minus_level(dataset: str):
    """p(beta0) steps from above 1 - level to at most 1 - level within the root tolerance."""
    X, y, team, names = load(dataset)
    term = names[1]
    fit = clustered_ols(X, y, team)
    for level in (0.9, 0.95):
        res = cluster_tests(X, y, team, names, [term], ["WCR"], WildOptions(level=level))
        boot = wild.WildBootstrap(fit, 1, wild.weights(fit.n_clusters, WildOptions()))
        tol = wild.XTOL * boot.se
        lo, hi = res.ci_low.item(), res.ci_high.item()
        assert lo < fit.beta[1] < hi
        assert boot.pvalue(lo + tol) > 1 - level >= boot.pvalue(lo - tol)
        assert boot.pvalue(hi - tol) > 1 - level >= boot.pvalue(hi + tol)
        # a p-value is a share of 2^G sign vectors
        assert boot.pvalue(lo - tol) * 2**fit.n_clusters % 1 == 0


def test_shifted_null_equals_test_on_shifted_outcome():
    """H0: beta_j = b0 on y is H0: beta_j = 0 on y - b0 x_j (the identity the CI relies on)."""
    X, y, team, names = load("unbalanced")
    fit = clustered_ols(X, y, team)
    weights = wild.rademacher_enumeration(12)
    boot = wild.WildBootstrap(fit, 2, weights)
    for b0 in np.linspace(-1.0, 2.0, 13):
        shifted = wild.WildBootstrap(clustered_ols(X, y - b0 * X[:, 2], team), 2, weights)
        assert boot.pvalue(b0) == shifted.pvalue(0.0)


def test_enumeration_blocks_equal_explicit_sign_vectors():
    """The block product form of the 2^G enumeration gives the explicit-matrix statistics."""
    X, y, team, _ = load("eight")
    fit = clustered_ols(X, y, team)
    blocks = wild.WildBootstrap(fit, 1, wild.rademacher_enumeration(8))
    explicit = wild.WildBootstrap(fit, 1, wild.Weights(draws=wild.sign_vectors(8)))
    for b0 in (0.0, 0.3, 1.1):
        assert blocks.pvalue(b0) == explicit.pvalue(b0)
    one = np.sort(np.abs(blocks.n0 / np.sqrt(blocks.d0)))
    two = np.sort(np.abs(explicit.n0 / np.sqrt(explicit.d0)))
    np.testing.assert_allclose(one, two[::2], rtol=1e-9)


def test_term_without_cluster_robust_variance_is_an_error():
    """checklist_fe: team2's CR1 variance is zero in exact arithmetic (R: SE 1.5e-13)."""
    X, y, team, names = load("checklist_fe")
    with pytest.raises(ModelError, match="model 'fe'.*'team2'.*zero"):
        cluster_tests(X, y, team, names, ["team2"], ["WCR"], name="fe")
    with pytest.raises(ModelError, match="draws >= 1"):
        cluster_tests(X, y, team, names, ["full"], ["WCR"], WildOptions(draws=0), name="fe")


def test_webb_ci_brackets_one_minus_level():
    """Above max_enumeration (here G = 20): Webb draws, p is a share of the draws, CI valid."""
    rng = np.random.default_rng(5)
    team = np.repeat(np.arange(20), rng.integers(2, 9, size=20))
    X = np.column_stack([np.ones(team.size), rng.normal(size=team.size), team % 2])
    y = X @ [1.0, 0.3, 0.5] + rng.normal(size=20)[team] + rng.normal(size=team.size)
    options = WildOptions(draws=1999, seed=11)
    res = cluster_tests(X, y, team, ["i", "x", "d"], ["x", "d"], ["WCR"], options)
    fit = clustered_ols(X, y, team)
    for j, row in zip((1, 2), res.itertuples(), strict=True):
        boot = wild.WildBootstrap(fit, j, wild.weights(20, options))
        assert boot.n_draws == 1999 and row.p * 1999 == pytest.approx(round(row.p * 1999))
        tol = wild.XTOL * boot.se
        assert boot.pvalue(row.ci_low + tol) > 0.05 >= boot.pvalue(row.ci_low - tol)
        assert boot.pvalue(row.ci_high - tol) > 0.05 >= boot.pvalue(row.ci_high + tol)
