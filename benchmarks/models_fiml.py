"""Time the FIML outcome regression on many simulated clients (default 1 million).

Usage: python benchmarks/models_fiml.py [n_clients] [n_teams]
Prints the wall time of fit_regression (FIML, 7 variables, team-clustered MLR SEs).
"""

from __future__ import annotations

import sys
import time

import numpy as np
import pandas as pd

from ldj_analysis.models import fit_regression


def simulate(n: int, n_teams: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    team = rng.integers(0, n_teams, size=n)
    cond = rng.integers(0, 3, size=n_teams)[team]
    pre_z = rng.normal(1.7, 1.6, size=n)
    sex = rng.binomial(1, 0.36, size=n).astype(float)
    age = rng.uniform(0, 25, size=n)
    duration = rng.gamma(3.0, 100.0, size=n)
    post_z = (
        0.3
        + 0.5 * pre_z
        - 0.1 * (cond == 1)
        - 0.2 * (cond == 2)
        + 0.1 * sex
        + 0.01 * age
        + 0.0005 * duration
        + rng.normal(0, 0.3, n_teams)[team]
        + rng.normal(0, 1.3, size=n)
    )
    data = pd.DataFrame(
        {
            "team_id": team,
            "post_z": post_z,
            "partial": (cond == 1) * 1.0,
            "full": (cond == 2) * 1.0,
            "pre_z": pre_z,
            "sex": sex,
            "age": age,
            "duration_days": duration,
        }
    )
    for column, share in [
        ("post_z", 0.15),
        ("pre_z", 0.10),
        ("sex", 0.05),
        ("age", 0.10),
        ("duration_days", 0.12),
    ]:
        data.loc[rng.random(n) < share, column] = np.nan
    return data


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    n_teams = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000
    data = simulate(n, n_teams)
    covariates = ["partial", "full", "pre_z", "sex", "age", "duration_days"]
    start = time.perf_counter()
    fit = fit_regression(data, "post_z", covariates, cluster="team_id", missing="fiml")
    elapsed = time.perf_counter() - start
    print(fit.table.to_string(index=False))
    print(
        f"FIML regression: {fit.n:,} clients, {fit.n_clusters} teams, "
        f"{fit.iterations} iterations: {elapsed:.2f} s"
    )


if __name__ == "__main__":
    main()
