"""The small-sample tests of ``models.small_sample.cluster_tests`` for many outcomes on one
design matrix. In a simulation X and the clusters stay fixed while y is redrawn, so what
depends on X alone - the cluster order, (X'X)^-1, the CR2/CR3 adjustment matrices and the
Satterthwaite df - is computed once (by the core's own functions) and each replication costs
a few small products. Tested equal to ``cluster_tests`` (tests/simulation/test_fixed.py).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd
from scipy import special

from ldj_analysis.models import wild as wild_bootstrap
from ldj_analysis.models.regression import ModelError
from ldj_analysis.models.small_sample import (
    ClusteredOLS,
    WildOptions,
    adjustment_matrices,
    bias_reduced,
    cluster_tests,
    cr1_vcov,
)

#: Columns of one result row (as cluster_tests, without the CI).
ROW_FIELDS: tuple[str, ...] = ("estimate", "se", "df", "statistic", "p")
#: Cheap bootstrap settings for the one validating call per design.
PROBE_WILD = WildOptions(max_enumeration=0, draws=19, ci=False)


class FixedDesignTests:
    """``cluster_tests`` for a fixed X and clusters and varying y.

    On construction every method is tried once through ``cluster_tests``; a method that
    raises ModelError for this X (CR3 with team fixed effects: I - H_gg singular) is kept as
    ``failures[method]`` and gives missing results, the others run in :meth:`run`.
    """

    def __init__(
        self,
        X: np.ndarray,
        cluster: np.ndarray,
        names: Sequence[str],
        test: Sequence[str],
        methods: Sequence[str],
        name: str = "model",
    ) -> None:
        X = np.asarray(X, dtype=float)
        codes, uniques = pd.factorize(np.asarray(cluster), sort=True)
        self.order = np.argsort(codes, kind="stable")
        self.names = list(names)
        self.test = list(test)
        self.columns = [self.names.index(t) for t in self.test]
        self.methods = list(methods)
        self.name = name
        self.failures: dict[str, str] = {}
        probe = np.random.default_rng(0).standard_normal(X.shape[0])
        for method in self.methods:  # validation and structural failures, by the core
            try:
                cluster_tests(X, probe, cluster, names, test, [method], PROBE_WILD, name=name)
            except ModelError as exc:
                if len(self.failures) == len(self.methods) - 1 or method in ("mplus",):
                    raise
                self.failures[method] = str(exc)
        self.X = X[self.order]
        self.bounds = np.searchsorted(codes[self.order], np.arange(uniques.size + 1))
        self.bread = np.linalg.inv(self.X.T @ self.X)
        self.hat = self.bread @ self.X.T  # beta = hat @ y
        base = self._fit(probe[self.order])
        self.adjusted: dict[str, list[np.ndarray]] = {}
        self.df: dict[str, np.ndarray] = {}
        xb_blocks = base.blocks(self.X @ self.bread)
        for method in ("CR2", "CR3"):
            if method in self.methods and method not in self.failures:
                # A_g X_g (X'X)^-1 with A_g = I + W_g diag(f_g) W_g' (the core's form)
                adj = adjustment_matrices(base, method, name)
                self.adjusted[method] = [
                    xb + w @ (f[:, None] * (w.T @ xb))
                    for (w, f), xb in zip(adj, xb_blocks, strict=True)
                ]
                self.df[method] = bias_reduced(base, self.columns, method, name)[1]

    def _fit(self, y_sorted: np.ndarray) -> ClusteredOLS:
        beta = self.hat @ y_sorted
        return ClusteredOLS(
            X=self.X,
            y=y_sorted,
            bounds=self.bounds,
            bread=self.bread,
            beta=beta,
            resid=y_sorted - self.X @ beta,
        )

    def run(self, y: np.ndarray, wild: WildOptions) -> tuple[np.ndarray, dict[str, str]]:
        """Array (term, method, field) of estimate, se, df, statistic, p for outcome ``y``
        (terms and methods in the order given; NaN for a failed method) and the reason of
        each failed method."""
        fit = self._fit(np.asarray(y, dtype=float)[self.order])
        out = np.full((len(self.columns), len(self.methods), len(ROW_FIELDS)), np.nan)
        errors = dict(self.failures)
        for m, method in enumerate(self.methods):
            if method in errors:
                continue
            try:
                out[:, m, :] = self._method(fit, method, wild)
            except ModelError as exc:
                errors[method] = str(exc)
        return out, errors

    def _method(self, fit: ClusteredOLS, method: str, wild: WildOptions) -> np.ndarray:
        """(term, field) results of one method."""
        out = np.full((len(self.columns), len(ROW_FIELDS)), np.nan)
        beta = fit.beta[self.columns]
        out[:, 0] = beta
        if method == "mplus":
            se = np.sqrt(np.diag(cr1_vcov(fit))[self.columns])
            z = beta / se
            out[:, 1:] = np.column_stack(
                [se, np.full_like(se, np.inf), z, 2 * special.ndtr(-abs(z))]
            )
        elif method in ("CR2", "CR3"):
            blocks = zip(self.adjusted[method], fit.blocks(fit.resid), strict=True)
            comps = np.array([pg.T @ eg for pg, eg in blocks])  # G x k
            se = np.sqrt(np.einsum("gj,gj->j", comps, comps)[self.columns])
            df = self.df[method]
            t = beta / se
            out[:, 1:] = np.column_stack([se, df, t, 2 * special.stdtr(df, -abs(t))])
        else:
            for i, j in enumerate(self.columns):
                t, p, _, _ = wild_bootstrap.wild_cluster_test(fit, j, wild, name=self.name)
                out[i, 3:] = (t, p)
        return out
