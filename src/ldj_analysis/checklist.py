"""LDJ Checklist scores per team-period (docs/study.md section 2), as percentages 0-100.

Domains: collection (items 1-8), use (9-15), preconditions (16-25); total = all 25 items.
Missing items (``checklist.max_missing_share``): a domain is scored over its answered items,
points / (2 * answered) * 100, when at most that share of its items is missing, else NaN.
The total is scored likewise over all 25 items, and is NaN as soon as one domain is NaN
(so that the total never rests on a domain that could not be scored). An empty item never
counts as 0. With no missing items this is points / max points * 100 exactly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ldj_analysis.vocabulary import CHECKLIST_DOMAINS, CHECKLIST_ITEM_MAX

SCORE_COLUMNS = [*CHECKLIST_DOMAINS, "total"]
_EPS = 1e-9


def _score(items: np.ndarray, max_missing_share: float) -> tuple[np.ndarray, np.ndarray]:
    """Score rows of an item matrix (NaN = missing); also return the missing count."""
    answered = np.sum(~np.isnan(items), axis=1)
    missing = items.shape[1] - answered
    points = np.nansum(items, axis=1)
    ok = (answered > 0) & (missing / items.shape[1] <= max_missing_share + _EPS)
    with np.errstate(invalid="ignore", divide="ignore"):
        score = points / (CHECKLIST_ITEM_MAX * answered) * 100.0
    return np.where(ok, score, np.nan), missing


def checklist_scores(checklist: pd.DataFrame, max_missing_share: float) -> pd.DataFrame:
    """``team_id, moment`` plus the three domain scores, the total, and per score the number
    of missing items (``n_missing_<score>``)."""
    out = checklist[["team_id", "moment"]].copy()
    domain_ok = np.ones(len(checklist), bool)
    for domain, numbers in CHECKLIST_DOMAINS.items():
        cols = [f"item_{i:02d}" for i in numbers]
        items = checklist[cols].to_numpy(dtype="float64", na_value=np.nan)
        out[domain], out[f"n_missing_{domain}"] = _score(items, max_missing_share)
        domain_ok &= ~np.isnan(out[domain].to_numpy())
    cols = [f"item_{i:02d}" for numbers in CHECKLIST_DOMAINS.values() for i in numbers]
    items = checklist[cols].to_numpy(dtype="float64", na_value=np.nan)
    total, out["n_missing_total"] = _score(items, max_missing_share)
    out["total"] = np.where(domain_ok, total, np.nan)
    return out


def unscored_log(scores: pd.DataFrame) -> pd.DataFrame:
    """Exclusion rows (table checklist) for every score that could not be computed."""
    rows = []
    for score in SCORE_COLUMNS:
        bad = scores[scores[score].isna()]
        if bad.empty:
            continue
        n_items = (
            len(CHECKLIST_DOMAINS[score])
            if score in CHECKLIST_DOMAINS
            else sum(len(v) for v in CHECKLIST_DOMAINS.values())
        )
        reason = (
            f"{score} not scored: "
            + bad[f"n_missing_{score}"].astype(int).astype(str)
            + f" of {n_items} items missing"
            + ("" if score in CHECKLIST_DOMAINS else " or a domain not scored")
        )
        rows.append(
            pd.DataFrame(
                {
                    "table": "checklist",
                    "key": "team_id=" + bad["team_id"] + ", moment=" + bad["moment"].astype(str),
                    "step": "checklist scoring",
                    "reason": reason,
                }
            )
        )
    if not rows:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in ("table", "key", "step", "reason")})
    return pd.concat(rows, ignore_index=True)
