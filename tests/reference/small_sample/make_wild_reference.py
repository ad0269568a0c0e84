"""Reference p-values and CIs of the wild cluster restricted bootstrap, made with `wildboottest`.

Run from the repository root in an environment with wildboottest (PyPI; not a dependency of
ldj-analysis):  python tests/reference/small_sample/make_wild_reference.py
Reads the data sets of make_reference.R (model: y on every column but team, with intercept)
and writes wild.csv and wild_versions.csv beside this script.

wildboottest's WCR11 (its default: null imposed, CR1 t statistic with (N-1)/(N-k) G/(G-1),
two-sided symmetric p = mean(|t| < |t*|)):
- `rademacher`: full enumeration of the 2^G sign vectors (B = 2^G + 1, so 2^G < B as
  wildboottest requires). The vectors v = +-1 reproduce the data, so t* = t in exact arithmetic
  and only rounding decides wildboottest's strict comparison; the script counts such ties
  (| |t*| - |t| | <= 1e-9 |t|) and how many of them wildboottest counted as exceedances, and
  stores p_exact = p - ties_counted / 2^G (the tie-free p of exact arithmetic).
- `webb`: B = 99999 six-point draws (seed 1), for a Monte Carlo comparison.
- CI check: H0 beta_j = b0 is H0 beta_j = 0 for y - b0 x_j, so wildboottest on shifted data
  gives p(b0). wildboottest has no CI and one run takes seconds (it recompiles its numba
  kernel per call), so a bisection with it is too slow; instead the script takes the
  bounds of ldj-analysis's test inversion and has wildboottest evaluate p just inside and just
  outside each (bound -+ 1e-6 CR1 SEs), for the terms in CI_TERMS. The test requires p > 1 -
  level inside and p <= 1 - level outside, and equal p-values at those b0.
"""

from __future__ import annotations

import importlib.metadata
import platform
from pathlib import Path

import numpy as np
import pandas as pd
from wildboottest.wildboottest import WildboottestCL

from ldj_analysis.models.small_sample import WildOptions, cluster_tests

HERE = Path(__file__).resolve().parent
TERMS = {
    "checklist": ["partial", "full"],
    "checklist_fe": ["partial", "full"],
    "outcome": ["partial", "full", "pre_z"],
    "unbalanced": ["x1", "x2", "x3"],
    "eight": ["treat", "x"],
}
CI_TERMS = {
    ("checklist", "partial"),
    ("checklist", "full"),
    ("outcome", "partial"),
    ("unbalanced", "x2"),
    ("eight", "treat"),
    ("checklist_fe", "full"),
}
LEVEL = 0.95
TIE = 1e-9
OFFSET = 1e-6


def load(dataset: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    data = pd.read_csv(HERE / f"{dataset}.csv")
    regressors = [c for c in data.columns if c not in ("team", "y")]
    X = np.column_stack([np.ones(len(data)), data[regressors].to_numpy(float)])
    return X, data.y.to_numpy(), data.team.to_numpy(), ["intercept", *regressors]


def run(X, y, cluster, j, weights="rademacher", B=None, seed=None):
    """wildboottest's WCR11 steps, as its wildboottest() function runs them."""
    R = np.zeros(X.shape[1])
    R[j] = 1
    G = np.unique(cluster).size
    boot = WildboottestCL(X=X, Y=y, cluster=cluster, R=R, B=B or 2**G + 1, seed=seed)
    boot.get_scores(bootstrap_type="11", impose_null=True, adj=True, cluster_adj=True)
    boot.get_weights(weights_type=weights)
    boot.get_numer()
    boot.get_denom()
    boot.get_tboot()
    boot.get_vcov()
    boot.get_tstat()
    boot.get_pvalue(pval_type="two-tailed")
    t = float(np.asarray(boot.t_stat).ravel()[0])
    tb = np.abs(np.asarray(boot.t_boot).ravel())
    tie = np.abs(tb - abs(t)) <= TIE * abs(t)
    counted = int((tie & (abs(t) < tb)).sum())
    se = float(np.sqrt(boot.ssc * boot.vcov[j, j]))
    return {
        "t": t,
        "p": float(boot.pvalue),
        "B": tb.size,
        "ties": int(tie.sum()),
        "ties_counted": counted,
        "p_exact": float(boot.pvalue) - counted / tb.size,
        "se": se,
        "beta": float(boot.beta_hat[j]),
    }


def main() -> None:
    rows = []
    for dataset, terms in TERMS.items():
        X, y, cluster, names = load(dataset)
        for term in terms:
            j = names.index(term)
            full = run(X, y, cluster, j)
            webb = run(X, y, cluster, j, weights="webb", B=99999, seed=1)
            ci = {}
            if (dataset, term) in CI_TERMS:
                ours = cluster_tests(
                    X, y, cluster, names, [term], ["WCR"], WildOptions(level=LEVEL)
                )
                low, high = ours.ci_low.item(), ours.ci_high.item()
                step = OFFSET * full["se"]
                for key, b0 in {
                    "low_inside": low + step,
                    "low_outside": low - step,
                    "high_inside": high - step,
                    "high_outside": high + step,
                }.items():
                    ci[f"b0_{key}"] = b0
                    ci[f"p_{key}"] = run(X, y - b0 * X[:, j], cluster, j)["p_exact"]
            rows.append(
                {
                    "dataset": dataset,
                    "term": term,
                    "G": np.unique(cluster).size,
                    "estimate": full["beta"],
                    "t": full["t"],
                    "B": full["B"],
                    "p": full["p"],
                    "ties": full["ties"],
                    "ties_counted": full["ties_counted"],
                    "p_exact": full["p_exact"],
                    "webb_B": webb["B"],
                    "webb_p": webb["p"],
                    **ci,
                }
            )
            print(rows[-1], flush=True)
    pd.DataFrame(rows).to_csv(HERE / "wild.csv", index=False, float_format="%.17g")
    versions = {
        "python": platform.python_version(),
        **{pkg: importlib.metadata.version(pkg) for pkg in ("wildboottest", "numpy", "numba")},
        "ldj-analysis (CI bounds checked)": importlib.metadata.version("ldj-analysis"),
    }
    pd.DataFrame({"software": list(versions), "version": list(versions.values())}).to_csv(
        HERE / "wild_versions.csv", index=False
    )


if __name__ == "__main__":
    main()
