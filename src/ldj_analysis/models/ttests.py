"""Baseline comparison of the arms and pre/post change per condition (docs/study.md 4.1, 4.4-4.5).

- baseline: control-arm vs experimental teams at the first moment (moment == 1), independent
  t-test per Checklist score and response; pooled-variance Student t by default (the study's
  'independent t-tests'), Welch with ``models.ttest: welch``. t > 0: control mean higher.
- pre/post: per condition and domain, pairs with both z-scores; paired t-test of
  post_z - pre_z (``mean_change`` = mean(post_z - pre_z), negative = fewer problems) and
  ES = (M_pre - M_post) / sqrt((SD_pre^2 + SD_post^2) / 2) with n-1 SDs (positive = better).

Cells too small to test (fewer than 2 values per group) get NaN statistics and a note in
``attrs["failures"]``.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.vocabulary import CONDITIONS, OUTCOME_DOMAINS, TEAM_PERIOD_OUTCOMES

log = logging.getLogger(__name__)

BASELINE_COLUMNS = [
    "outcome",
    "n_control",
    "n_experimental",
    "mean_control",
    "mean_experimental",
    "t",
    "df",
    "p",
]
PREPOST_COLUMNS = ["condition", "domain", "n", "mean_change", "t", "df", "p", "es"]


def effect_size(pre: np.ndarray, post: np.ndarray) -> float:
    """ES = (M_pre - M_post) / sqrt((SD_pre^2 + SD_post^2) / 2), SDs with n - 1."""
    pre, post = np.asarray(pre, float), np.asarray(post, float)
    if pre.size < 2:
        return float("nan")
    pooled = np.sqrt((pre.var(ddof=1) + post.var(ddof=1)) / 2.0)
    return float((pre.mean() - post.mean()) / pooled) if pooled > 0 else float("nan")


def baseline_ttests(
    team_periods: pd.DataFrame, config: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Independent t-tests, control arm vs experimental teams at moment 1."""
    from scipy import stats

    kind = ((config or {}).get("models", {}) or {}).get("ttest", "student")
    if kind not in ("student", "welch"):
        raise ValueError(f"models.ttest must be 'student' or 'welch', not {kind!r}")
    moment = pd.to_numeric(team_periods["moment"]).to_numpy(float, na_value=np.nan)
    first = team_periods[moment == 1]
    arm = first["arm"].astype("object")
    rows, failures = [], {}
    for outcome in TEAM_PERIOD_OUTCOMES:
        values = pd.to_numeric(first[outcome]).astype(float)
        control = values[(arm == "control") & values.notna()].to_numpy()
        experimental = values[(arm == "experimental") & values.notna()].to_numpy()
        row = {
            "outcome": outcome,
            "n_control": control.size,
            "n_experimental": experimental.size,
            "mean_control": control.mean() if control.size else np.nan,
            "mean_experimental": experimental.mean() if experimental.size else np.nan,
            "t": np.nan,
            "df": np.nan,
            "p": np.nan,
        }
        if min(control.size, experimental.size) < 2:
            failures[f"baseline:{outcome}"] = (
                f"baseline t-test '{outcome}': {control.size} control and "
                f"{experimental.size} experimental values; need at least 2 each"
            )
            log.warning("%s", failures[f"baseline:{outcome}"])
        else:
            res = stats.ttest_ind(control, experimental, equal_var=(kind == "student"))
            row.update(t=float(res.statistic), df=float(res.df), p=float(res.pvalue))
        rows.append(row)
    out = pd.DataFrame(rows, columns=BASELINE_COLUMNS)
    out.attrs["failures"] = failures
    return out


def prepost_tests(pairs: pd.DataFrame, config: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """Paired t-test of post_z vs pre_z and ES, per condition and domain."""
    from scipy import stats

    del config  # no options yet; kept for a uniform signature
    rows, failures = [], {}
    pre_all = pd.to_numeric(pairs["pre_z"]).astype(float)
    post_all = pd.to_numeric(pairs["post_z"]).astype(float)
    complete = pre_all.notna() & post_all.notna()
    for condition in CONDITIONS:
        for domain in OUTCOME_DOMAINS:
            cell = complete & (pairs["condition"] == condition) & (pairs["domain"] == domain)
            pre = pre_all[cell].to_numpy()
            post = post_all[cell].to_numpy()
            row = {
                "condition": condition,
                "domain": domain,
                "n": pre.size,
                "mean_change": (post - pre).mean() if pre.size else np.nan,
                "t": np.nan,
                "df": np.nan,
                "p": np.nan,
                "es": effect_size(pre, post),
            }
            diff = post - pre
            if pre.size < 2 or np.all(diff == diff[0]):
                key = f"prepost:{condition}:{domain}"
                failures[key] = (
                    f"pre/post test {condition}/{domain}: {pre.size} complete pair(s)"
                    + ("" if pre.size < 2 else " with identical changes")
                )
                log.warning("%s", failures[key])
            else:
                res = stats.ttest_rel(post, pre)
                row.update(t=float(res.statistic), df=float(res.df), p=float(res.pvalue))
            rows.append(row)
    out = pd.DataFrame(rows, columns=PREPOST_COLUMNS)
    out.attrs["failures"] = failures
    return out
