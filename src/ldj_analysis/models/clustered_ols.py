"""An OLS fit grouped by cluster, and the wild bootstrap's settings: the data types that the
small-sample tests (``models.small_sample``) and the wild bootstrap (``models.wild``) share."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np


@dataclass(frozen=True)
class WildOptions:
    """Settings of the wild cluster restricted bootstrap."""

    max_enumeration: int = 65536  # enumerate all 2**G Rademacher sign vectors when 2**G <= this
    draws: int = 9999  # else Webb six-point weights, this many seeded draws
    seed: int = 20180101
    ci: bool = True  # bootstrap CI by test inversion (costly; the simulation sets False)
    level: float = 0.95


@dataclass(frozen=True)
class ClusteredOLS:
    """OLS fit with the per-cluster pieces every method needs (rows sorted by cluster)."""

    X: np.ndarray  # n x k, rows grouped by cluster
    y: np.ndarray
    bounds: np.ndarray  # G + 1 row offsets of the clusters in X and y
    bread: np.ndarray  # (X'X)^-1
    beta: np.ndarray
    resid: np.ndarray

    @property
    def n_clusters(self) -> int:
        return self.bounds.size - 1

    @cached_property
    def leverage_eigen(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Per cluster (W, 1 - s^2) from the thin SVD W S V' of X_g L, L L' = (X'X)^-1:
        the eigenvectors and eigenvalues of I - H_gg other than 1 (shared by CR2 and CR3)."""
        root = np.linalg.cholesky(self.bread)
        out = []
        for xg in self.blocks(self.X):
            w, sv, _ = np.linalg.svd(xg @ root, full_matrices=False)
            out.append((w, 1.0 - sv**2))
        return out

    def blocks(self, a: np.ndarray) -> list[np.ndarray]:
        """The rows of ``a`` (aligned with X) of each cluster."""
        return [a[lo:hi] for lo, hi in zip(self.bounds[:-1], self.bounds[1:], strict=True)]
