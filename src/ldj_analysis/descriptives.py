"""Descriptive tables (docs/study.md section 5): Tables 2-4, the sample and the record flow.

Standard deviations use n - 1. Table 4's effect size is
ES = (M_pre - M_post) / sqrt((SD_pre^2 + SD_post^2) / 2), over pairs with both z-scores.
Sample: one row per group (all, boys, girls; ``all`` includes clients without a recorded
sex); n = distinct clients. A client with several pairs counts once, with the age and
treatment duration of the client's first pair (earliest end list, then earliest start
list, then domain opgroei before opvoed), so that no client weighs more than another.
Note: the report's overall age mean (10.8) does not match its boys/girls means (10.19
weighted), so the published ``all`` row cannot be reproduced exactly by any rule.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ldj_analysis.checklist import SCORE_COLUMNS
from ldj_analysis.pairing import STEPS
from ldj_analysis.vocabulary import CONDITIONS, OUTCOME_DOMAINS


def _describe(values: pd.Series) -> dict[str, float]:
    # sorted, so that the sums (and the printed digits) do not depend on the row order
    v = pd.Series(np.sort(pd.to_numeric(values).dropna().to_numpy(float)))
    return {
        "n": int(len(v)),
        "mean": float(v.mean()) if len(v) else np.nan,
        "sd": float(v.std(ddof=1)) if len(v) > 1 else np.nan,
        "min": float(v.min()) if len(v) else np.nan,
        "max": float(v.max()) if len(v) else np.nan,
    }


def table2(team_periods: pd.DataFrame) -> pd.DataFrame:
    """``domain, condition, n, mean, sd, min, max`` of the four checklist scores."""
    rows = [
        {
            "domain": score,
            "condition": cond,
            **_describe(team_periods.loc[team_periods["condition"] == cond, score]),
        }
        for score in SCORE_COLUMNS
        for cond in CONDITIONS
    ]
    return pd.DataFrame(rows).astype({"n": "int64"})


def table3(team_periods: pd.DataFrame) -> pd.DataFrame:
    """``condition, n, mean, sd, min, max`` of the response (percent)."""
    rows = [
        {
            "condition": cond,
            **_describe(team_periods.loc[team_periods["condition"] == cond, "response"]),
        }
        for cond in CONDITIONS
    ]
    return pd.DataFrame(rows).astype({"n": "int64"})


def table4(pairs: pd.DataFrame) -> pd.DataFrame:
    """``condition, domain, n, pre_mean, pre_sd, post_mean, post_sd, es`` of the z-scores."""
    pairs = pairs[["condition", "domain", "pre_z", "post_z"]]  # the filters copy these only
    rows = []
    for cond in CONDITIONS:
        for domain in OUTCOME_DOMAINS:
            sel = pairs[(pairs["condition"] == cond) & (pairs["domain"] == domain)]
            sel = sel.dropna(subset=["pre_z", "post_z"])
            pre_m, post_m = sel["pre_z"].mean(), sel["post_z"].mean()
            pre_sd, post_sd = sel["pre_z"].std(ddof=1), sel["post_z"].std(ddof=1)
            with np.errstate(invalid="ignore", divide="ignore"):
                es = (pre_m - post_m) / np.sqrt((pre_sd**2 + post_sd**2) / 2)
            rows.append(
                {
                    "condition": cond,
                    "domain": domain,
                    "n": int(len(sel)),
                    "pre_mean": pre_m,
                    "pre_sd": pre_sd,
                    "post_mean": post_m,
                    "post_sd": post_sd,
                    "es": es,
                }
            )
    return pd.DataFrame(rows).astype({"n": "int64"})


def first_pair_per_client(pairs: pd.DataFrame, sort: bool = True) -> pd.DataFrame:
    """Each client's first pair: earliest end list, then start list, then domain order (a
    pair outside the outcome domains last); clients in pseudonym order, or with
    ``sort=False`` in order of first appearance (as ``groupby(sort=False)``: no string sort,
    for summaries that do not depend on the row order). The pseudonyms are sorted as integer
    codes (``factorize(sort=True)``: the same order, a faster sort)."""
    domain = pd.Index(OUTCOME_DOMAINS).get_indexer(pairs["domain"])  # others, missing: -1
    keys = pd.DataFrame(
        {
            "client": pd.factorize(pairs["client_key"], sort=sort, use_na_sentinel=False)[0],
            "post": pairs["post_date"].to_numpy(),
            "pre": pairs["pre_date"].to_numpy(),
            "domain": np.where(domain < 0, len(OUTCOME_DOMAINS), domain),
        }
    )
    order = keys.sort_values(["client", "post", "pre", "domain"], kind="stable")
    first = order.drop_duplicates("client").index.to_numpy()
    return pairs.iloc[first]


#: The columns :func:`sample` reads.
SAMPLE_COLUMNS = ["client_key", "post_date", "pre_date", "domain", "sex", "age", "duration_days"]


def sample(pairs: pd.DataFrame) -> pd.DataFrame:
    """``group, n, age_mean, age_sd, age_min, age_max, duration_mean, duration_sd``."""
    # the rows' order does not matter: _describe sorts the values
    first = first_pair_per_client(pairs[SAMPLE_COLUMNS], sort=False)
    groups = {"all": first, "boys": first[first["sex"] == "m"], "girls": first[first["sex"] == "f"]}
    rows = []
    for name, g in groups.items():
        age, dur = _describe(g["age"]), _describe(g["duration_days"])
        rows.append(
            {
                "group": name,
                # one row per client: the distinct clients are the rows with a pseudonym
                "n": int(g["client_key"].notna().sum()),
                "age_mean": age["mean"],
                "age_sd": age["sd"],
                "age_min": age["min"],
                "age_max": age["max"],
                "duration_mean": dur["mean"],
                "duration_sd": dur["sd"],
            }
        )
    return pd.DataFrame(rows).astype({"n": "int64"})


def flow(
    n_records: int,
    step_counts: Mapping[str, int],
    pairs_selected: int,
    pairs: pd.DataFrame,
    n_validation: int = 0,
) -> pd.DataFrame:
    """The record flow, ``step, count``: questionnaire records in, one row per exclusion
    step (``step_counts``: lists excluded per step after validation), lists in analysed
    pairs, pairs. It adds up: records = sum of excluded + lists in
    pairs (2 per pair), and selected pairs = pairs without a norm group + analysed pairs."""
    rows: list[tuple[str, int]] = []
    if n_validation:
        rows.append(("questionnaire records in the export", n_records + n_validation))
        rows.append(("excluded: record breaks the export contract (validation)", n_validation))
    rows.append(("questionnaire records after validation", n_records))
    for step, label in STEPS.items():
        rows.append((f"excluded: {label}", int(step_counts.get(step, 0))))
    rows.append(("lists in analysed pairs", 2 * len(pairs)))
    rows.append(("pairs selected", pairs_selected))
    rows.append(("pairs without a norm group (excluded)", pairs_selected - len(pairs)))
    rows.append(("pairs analysed", len(pairs)))
    for domain in OUTCOME_DOMAINS:
        rows.append((f"pairs analysed: {domain}", int((pairs["domain"] == domain).sum())))
    rows.append(("clients in analysed pairs", int(pairs["client_key"].nunique())))
    return pd.DataFrame(rows, columns=["step", "count"]).astype({"count": "int64"})
