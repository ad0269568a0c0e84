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

The CI is {beta0: p(beta0) > 1 - level}, its bounds found outward from the estimate (bracket
by doubling from one CR1 SE, then regula falsi/bisection to XTOL SEs); a bound is infinite when
p does not fall to 1 - level within 2^40 SEs.
Note: with the strict comparison p can be 0 under full enumeration (the two tie vectors are not
counted); counting them, as a randomisation test would, adds 2 / 2^G (3e-5 for G = 16).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from ldj_analysis.models.clustered_ols import ClusteredOLS, WildOptions
from ldj_analysis.models.regression import ModelError

TIE_TOL = 1e-10
WEBB = np.sqrt(np.array([3.0, 2.0, 1.0, 1.0, 2.0, 3.0]) / 2) * np.array([-1, -1, -1, 1, 1, 1])
XTOL = 1e-6  # CI bounds to this fraction of the CR1 standard error
MAX_DOUBLINGS = 40
NARROW = 256  # CI search: re-evaluate only the changing draws once p spans <= this many


@lru_cache(maxsize=32)
def sign_vectors(g: int, first_positive: bool = False) -> np.ndarray:
    """g x 2^g matrix of every sign vector (2^(g-1) with v_1 = +1 if first_positive)."""
    free = g - 1 if first_positive else g
    bits = np.arange(2**free, dtype=np.int64)[None, :] >> np.arange(free)[:, None]
    out = 1.0 - 2.0 * (bits & 1)
    if first_positive:
        out = np.vstack([np.ones((1, out.shape[1])), out])
    out.setflags(write=False)
    return out


@dataclass(frozen=True)
class Weights:
    """Bootstrap weights: explicit draws (g x B), or every sign vector with v_1 = +1 as the
    product of two blocks (v = [va; vb] over all column pairs), which makes each bootstrap
    quadratic form |C v|^2 a sum of two norms and a cross product instead of g^2 products."""

    draws: np.ndarray | None = None
    va: np.ndarray | None = None
    vb: np.ndarray | None = None


def rademacher_enumeration(g: int) -> Weights:
    """All 2^g sign vectors, represented by the half with v_1 = +1 (-v gives the same |t*|)."""
    ga = (g + 1) // 2
    return Weights(va=sign_vectors(ga, first_positive=True), vb=sign_vectors(g - ga))


def webb_draws(g: int, draws: int, seed: int) -> Weights:
    """Webb six-point weights (each value with probability 1/6), g x draws, seeded."""
    rng = np.random.default_rng(seed)
    return Weights(draws=WEBB[rng.integers(0, 6, size=(g, draws))])


def _linear(a: np.ndarray, w: Weights) -> np.ndarray:
    """a'v for every weight vector v."""
    if w.draws is not None:
        return a @ w.draws
    ga = w.va.shape[0]
    return ((a[:ga] @ w.va)[:, None] + (a[ga:] @ w.vb)[None, :]).ravel()


def _quadratic(c0: np.ndarray, c1: np.ndarray, w: Weights) -> tuple[np.ndarray, ...]:
    """(C0 v)'(C0 v), (C0 v)'(C1 v), (C1 v)'(C1 v) for every weight vector v."""
    if w.draws is not None:
        cv = np.vstack([c0, c1]) @ w.draws
        g = c0.shape[0]
        cv0, cv1 = cv[:g], cv[g:]
        return (
            np.einsum("ij,ij->j", cv0, cv0),
            np.einsum("ij,ij->j", cv0, cv1),
            np.einsum("ij,ij->j", cv1, cv1),
        )
    ga = w.va.shape[0]
    pa = np.vstack([c0[:, :ga], c1[:, :ga]]) @ w.va  # 2g x RA
    qb = np.vstack([c0[:, ga:], c1[:, ga:]]) @ w.vb  # 2g x RB
    g = c0.shape[0]
    p0, p1, q0, q1 = pa[:g], pa[g:], qb[:g], qb[g:]

    def inner(x: np.ndarray, y: np.ndarray, u: np.ndarray, z: np.ndarray) -> np.ndarray:
        # (x_i + u_j)'(y_i + z_j) over all pairs (i, j), flattened row-major like _linear
        out = np.einsum("ij,ij->j", x, y)[:, None] + np.einsum("ij,ij->j", u, z)[None, :]
        out += x.T @ z
        out += y.T @ u
        return out.ravel()

    return inner(p0, p0, q0, q0), inner(p0, p1, q0, q1), inner(p1, p1, q1, q1)


class WildBootstrap:
    """Bootstrap statistics of coefficient j as functions of delta = beta_hat_j - beta0."""

    def __init__(self, fit: ClusteredOLS, j: int, w: Weights) -> None:
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
        # |t*| > |t|  <=>  num^2 vjj > delta^2 den (the factor f cancels); fold vjj in.
        root = np.sqrt(self.vjj)
        self.n0, self.n1 = root * _linear(a0, w), root * _linear(a1, w)
        d0, d1, d2 = _quadratic(c0, c1, w)
        self.d0, self.d1x2, self.d2 = d0, 2 * d1, d2
        self.n_draws = self.n0.size

    @property
    def se(self) -> float:
        """CR1 standard error with wildboottest's factor (N-1)/(N-k) G/(G-1)."""
        return float(np.sqrt(self.ssc * self.vjj))

    def pvalue(self, beta0: float) -> float:
        """Share of draws with |t*| > |t| (beyond ties) under the null beta_j = beta0."""
        return float(np.count_nonzero(self.exceed(beta0))) / self.n_draws

    def exceed(self, beta0: float, draws: np.ndarray | None = None) -> np.ndarray:
        """Whether |t*| > |t| for each draw (or for the draws indexed by ``draws``)."""
        n0, n1, d0, d1x2, d2 = (
            (self.n0, self.n1, self.d0, self.d1x2, self.d2)
            if draws is None
            else (self.n0[draws], self.n1[draws], self.d0[draws], self.d1x2[draws], self.d2[draws])
        )
        delta = self.beta - beta0
        num = n1 * delta
        num += n0
        num *= num
        den = d2 * delta
        den += d1x2
        den *= delta
        den += d0
        den *= delta * delta * (1 + TIE_TOL) ** 2
        return num > den

    def ci(self, level: float) -> tuple[float, float]:
        """Bootstrap CI by test inversion: the beta0 where p(beta0) falls to 1 - level."""
        step = self.se if self.se > 0 else max(abs(self.beta), 1.0)
        return self._bound(1 - level, -1.0, step), self._bound(1 - level, 1.0, step)

    def _bound(self, alpha: float, sign: float, step: float) -> float:
        """Where p(beta_hat + sign * x) first falls to alpha or below, x > 0.

        Bracket by doubling from one SE, then regula falsi on the step function p - alpha
        while the bracket spans more than 8 steps of p, then bisection until it is XTOL SEs
        wide; the midpoint is returned.
        """
        inner, f_in = 0.0, self.pvalue(self.beta) - alpha
        outer = step
        for _ in range(MAX_DOUBLINGS):
            f_out = self.pvalue(self.beta + sign * outer) - alpha
            if f_out <= 0:
                break
            inner, f_in, outer = outer, f_out, 2 * outer
        else:
            return sign * np.inf
        # Regula falsi while the bracket spans many steps of p, then bisection. Once p
        # differs by at most NARROW draws across the bracket, only the draws whose indicator
        # differs between its ends are re-evaluated (the others are taken as constant inside).
        base, changed = 0, None

        def p_at(x: float) -> float:
            if changed is None:
                return self.pvalue(self.beta + sign * x)
            count = base + np.count_nonzero(self.exceed(self.beta + sign * x, changed))
            return count / self.n_draws

        while outer - inner > XTOL * step:
            steps = (f_in - f_out) * self.n_draws
            if changed is None and steps <= NARROW:
                at_in = self.exceed(self.beta + sign * inner)
                at_out = self.exceed(self.beta + sign * outer)
                changed = np.flatnonzero(at_in != at_out)
                base = np.count_nonzero(at_in & at_out)
            width = outer - inner
            if steps > 8:
                share = f_in / (f_in - f_out)
                x = inner + width * min(max(share, 0.05), 0.95)
            else:
                x = inner + 0.5 * width
            f = p_at(x) - alpha
            if f > 0:
                inner, f_in = x, f
            else:
                outer, f_out = x, f
        return float(self.beta + sign * 0.5 * (inner + outer))


def weights(g: int, options: WildOptions) -> Weights:
    """Rademacher enumeration when 2^G <= max_enumeration, else seeded Webb draws."""
    if 2**g <= options.max_enumeration:
        return rademacher_enumeration(g)
    return webb_draws(g, options.draws, options.seed)


def wild_cluster_test(
    fit: ClusteredOLS, j: int, options: WildOptions, name: str = "model", term: str = ""
) -> tuple[float, float, float, float]:
    """(t statistic, p, ci_low, ci_high) of H0: beta_j = 0; CI NaN unless options.ci."""
    boot = WildBootstrap(fit, j, weights(fit.n_clusters, options))
    n, k = fit.X.shape
    classical = fit.resid @ fit.resid / (n - k) * fit.bread[j, j]
    if not boot.vjj > 1e-12 * classical:  # zero up to rounding: t and t* are noise
        raise ModelError(
            f"model '{name}': the cluster-robust variance of '{term or j}' is zero (is it "
            "determined within single clusters?); no wild bootstrap test"
        )
    t = boot.beta / boot.se
    p = boot.pvalue(0.0)
    lo, hi = boot.ci(options.level) if options.ci else (np.nan, np.nan)
    return t, p, lo, hi
