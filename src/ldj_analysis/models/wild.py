"""Wild cluster restricted (WCR) bootstrap of one OLS coefficient, vectorised.

The "fast and wild" algorithm (Roodman, MacKinnon, Nielsen & Webb 2019, Stata Journal 19(1)):
with the null beta_j = beta0 imposed, the restricted cluster scores s_g = X_g' e_g are linear
in beta0, and for a weight vector v the bootstrap CR1 t statistic is

    t*(v) = a'v / sqrt(f ||C v||^2),  a = c'(X'X)^-1 S,  C = diag(a) - Q'(X'X)^-1 S,

with S the k x G score matrix, Q_h = X_h'X_h (X'X)^-1 c and f the small-sample factor. So
all bootstrap statistics are a few G x G by G x B products, and p(beta0) for the confidence
interval costs O(B): numerator and denominator are linear and quadratic in beta0.

p-value as the PyPI package ``wildboottest`` computes it (its default, WCR11 with Rademacher
weights): the share of bootstrap draws with |t*| > |t|, strict. Rademacher weights enumerate
all 2^G sign vectors when 2^G <= max_enumeration (using half of them: v and -v give the same
|t*|), else seeded Webb six-point draws.
Draws with t* = t in exact arithmetic (v proportional to the ones vector reproduces the data)
count as ties, not exceedances: |t*| must exceed |t| by a relative 1e-10, which removes the
rounding noise that decides such ties in wildboottest's floating-point comparison.
"""

from __future__ import annotations

from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from ldj_analysis.models.regression import ModelError

if TYPE_CHECKING:
    from ldj_analysis.models.small_sample import ClusteredOLS, WildOptions

TIE_TOL = 1e-10
WEBB = np.sqrt(np.array([3.0, 2.0, 1.0, 1.0, 2.0, 3.0]) / 2) * np.array([-1, -1, -1, 1, 1, 1])
XTOL = 1e-8  # CI bounds to this fraction of the CR1 standard error
MAX_DOUBLINGS = 40


@lru_cache(maxsize=8)
def rademacher_half(g: int) -> np.ndarray:
    """G x 2^(G-1) matrix: every sign vector with v_1 = +1 (the other half is -v)."""
    bits = np.arange(2 ** (g - 1), dtype=np.int64)[None, :] >> np.arange(g - 1)[:, None]
    rest = 1.0 - 2.0 * (bits & 1)
    out = np.vstack([np.ones((1, rest.shape[1])), rest])
    out.setflags(write=False)
    return out


def webb_draws(g: int, draws: int, seed: int) -> np.ndarray:
    """G x draws matrix of Webb six-point weights (each value with probability 1/6)."""
    rng = np.random.default_rng(seed)
    return WEBB[rng.integers(0, 6, size=(g, draws))]


class WildBootstrap:
    """Bootstrap statistics of coefficient j as functions of delta = beta_hat_j - beta0."""

    def __init__(self, fit: ClusteredOLS, j: int, v: np.ndarray) -> None:
        bread = fit.bread
        bc = bread[:, j]  # (X'X)^-1 c
        self.g = fit.n_clusters
        n, k = fit.X.shape
        self.ssc = (n - 1) / (n - k) * self.g / (self.g - 1)
        starts = fit.bounds[:-1]
        s0 = np.add.reduceat(fit.X * fit.resid[:, None], starts, axis=0).T  # k x G
        xbc = fit.X @ bc
        q = np.add.reduceat(fit.X * xbc[:, None], starts, axis=0).T  # k x G: X_g'X_g B c
        # Restricted residuals e = e_hat + X B c delta / B_jj, so S = S0 + delta * Q / B_jj.
        s1 = q / bc[j]
        a0, a1 = bc @ s0, bc @ s1
        c0 = np.diag(a0) - q.T @ bread @ s0
        c1 = np.diag(a1) - q.T @ bread @ s1
        self.vjj = float(a0 @ a0)  # unrestricted CR1 variance of beta_j (no factor)
        self.beta = float(fit.beta[j])
        self.n_draws = v.shape[1]
        self.n0, self.n1 = a0 @ v, a1 @ v
        cv0, cv1 = c0 @ v, c1 @ v
        self.d0 = np.einsum("ij,ij->j", cv0, cv0)
        self.d1 = np.einsum("ij,ij->j", cv0, cv1)
        self.d2 = np.einsum("ij,ij->j", cv1, cv1)

    @property
    def se(self) -> float:
        """CR1 standard error with wildboottest's factor (N-1)/(N-k) G/(G-1)."""
        return float(np.sqrt(self.ssc * self.vjj))

    def pvalue(self, beta0: float) -> float:
        """Share of draws with |t*| > |t| under the null beta_j = beta0."""
        delta = self.beta - beta0
        num = self.n0 + delta * self.n1
        den = self.d0 + delta * (2 * self.d1 + delta * self.d2)
        # |t*| > |t|  <=>  num^2 / den > delta^2 / vjj (the factor f cancels).
        exceed = num * num * self.vjj > delta * delta * den * (1 + TIE_TOL) ** 2
        return float(np.count_nonzero(exceed)) / self.n_draws

    def ci(self, level: float) -> tuple[float, float]:
        """Bootstrap CI by test inversion: the beta0 where p(beta0) falls to 1 - level."""
        alpha = 1 - level
        step = self.se if self.se > 0 else max(abs(self.beta), 1.0)
        return (
            self._bound(alpha, -1.0, step),
            self._bound(alpha, 1.0, step),
        )

    def _bound(self, alpha: float, sign: float, step: float) -> float:
        inner = 0.0  # offsets from beta_hat: p(beta_hat + sign * inner) > alpha
        outer = step
        for _ in range(MAX_DOUBLINGS):
            if self.pvalue(self.beta + sign * outer) <= alpha:
                break
            inner, outer = outer, 2 * outer
        else:
            return sign * np.inf
        while outer - inner > XTOL * step:
            mid = 0.5 * (inner + outer)
            if self.pvalue(self.beta + sign * mid) > alpha:
                inner = mid
            else:
                outer = mid
        return self.beta + sign * 0.5 * (inner + outer)


def weights(g: int, options: WildOptions) -> np.ndarray:
    """Rademacher enumeration (half) when 2^G <= max_enumeration, else Webb draws."""
    if 2**g <= options.max_enumeration:
        return rademacher_half(g)
    return webb_draws(g, options.draws, options.seed)


def wild_cluster_test(
    fit: ClusteredOLS, j: int, options: WildOptions, name: str = "model"
) -> tuple[float, float, float, float]:
    """(t statistic, p, ci_low, ci_high) of H0: beta_j = 0; CI NaN unless options.ci."""
    if options.draws < 1 or options.max_enumeration < 0:
        raise ModelError(f"model '{name}': wild bootstrap needs draws >= 1")
    boot = WildBootstrap(fit, j, weights(fit.n_clusters, options))
    if not boot.vjj > 0:
        raise ModelError(f"model '{name}': CR1 variance of coefficient {j} is zero")
    t = boot.beta / boot.se
    p = boot.pvalue(0.0)
    lo, hi = boot.ci(options.level) if options.ci else (np.nan, np.nan)
    return t, p, lo, hi
