"""Time cluster_tests (mplus, CR2, CR3, WCR) with 16 clusters, as the pipeline runs it.

Usage: python benchmarks/small_sample.py [repeats]
Prints the wall and CPU time per call of cluster_tests for one tested term (all four methods; WCR
enumerates 2^16 = 65,536 sign vectors), n = 60 (checklist-like) and n = 700 (outcome-like,
7 coefficients), with and without the bootstrap CI, plus the time of the WCR part alone.
"""

from __future__ import annotations

import sys
import time

import numpy as np

from ldj_analysis.models.small_sample import WildOptions, cluster_tests


def simulate(n: int, k: int, g: int = 16, seed: int = 1):
    rng = np.random.default_rng(seed)
    team = np.sort(rng.integers(0, g, size=n))
    team[:g] = np.arange(g)  # every team present
    X = np.column_stack([np.ones(n), rng.integers(0, 2, size=(n, 2)), rng.normal(size=(n, k - 3))])
    y = X @ rng.normal(size=k) + rng.normal(size=g)[team] + rng.normal(size=n)
    return X, y, team, ["intercept", "partial", "full", *[f"x{i}" for i in range(k - 3)]]


def per_call(repeats: int, **kwargs) -> tuple[float, float]:
    """Wall and CPU seconds per call (CPU time is less affected by a shared machine)."""
    cluster_tests(**kwargs)  # warm-up (imports, enumeration cache)
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(repeats):
        cluster_tests(**kwargs)
    return (time.perf_counter() - wall) / repeats, (time.process_time() - cpu) / repeats


def main() -> None:
    repeats = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    print("cluster_tests, G = 16, one tested term, seconds per call (mean of", repeats, "calls)")
    for n, k in [(60, 3), (700, 7)]:
        X, y, team, names = simulate(n, k)
        for ci in (False, True):
            common = dict(X=X, y=y, cluster=team, names=names, test=["partial"])
            wild = WildOptions(ci=ci)
            all_methods = per_call(repeats, **common, wild=wild)
            wcr = per_call(repeats, **common, methods=["WCR"], wild=wild)
            print(
                f"n = {n:4d}, k = {k}, CI {'on ' if ci else 'off'}: all four methods "
                f"{all_methods[0] * 1e3:6.1f} ms wall ({all_methods[1] * 1e3:6.1f} ms CPU), "
                f"WCR alone {wcr[0] * 1e3:6.1f} ms wall ({wcr[1] * 1e3:6.1f} ms CPU)"
            )


if __name__ == "__main__":
    main()
