"""Small frames with the docs/outputs.md columns, filled with the report's published numbers."""

from __future__ import annotations

import numpy as np
import pandas as pd

TABLE1 = """\
3 control control control -
13 control control control -
8 control control control control
9 control control control control
15 control control control control
2 control partial partial partial
5 control partial partial partial
6 control partial partial partial
14 control partial partial partial
1 control partial partial full
7 control partial full -
4 control partial full full
10 control partial full full
11 control partial full full
12 control partial full full
16 control full full full"""

TABLE2 = """\
collection control 29 53.9 15.6 25 87.5
collection partial 19 61.2 17.6 25 100
collection full 13 67.8 22.8 25 93.75
use control 29 31.0 18.5 0 71.43
use partial 19 42.9 26.1 7.14 92.86
use full 13 50.0 19.6 21.43 85.71
preconditions control 29 49.0 18.4 20 80
preconditions partial 19 62.6 20.6 35 95
preconditions full 13 66.2 16.6 35 90
total control 29 45.5 15.2 16 78
total partial 19 56.6 19.6 28 90
total full 13 62.2 16.4 38 88"""

TABLE3 = """\
control 29 7.7 11.0 0.0 48.6
partial 19 26.0 24.8 0.0 92.1
full 13 33.3 29.4 0.0 84.6"""

TABLE4 = """\
control opgroei 168 1.94 1.73 1.16 1.76 0.45
control opvoed 119 1.67 1.78 0.93 1.64 0.43
partial opgroei 180 1.74 1.53 1.07 1.61 0.43
partial opvoed 154 1.80 1.66 1.16 1.58 0.39
full opgroei 56 1.51 1.74 0.81 1.48 0.43
full opvoed 47 1.40 1.39 0.84 1.37 0.41"""

#: Published betas and STDYX p-values; the other columns are plausible fill.
BETAS = {
    ("total", "partial"): (0.29, 0.054),
    ("total", "full"): (0.38, 0.008),
    ("collection", "partial"): (0.20, 0.160),
    ("collection", "full"): (0.26, 0.120),
    ("use", "partial"): (0.25, 0.100),
    ("use", "full"): (0.35, 0.005),
    ("preconditions", "partial"): (0.32, 0.041),
    ("preconditions", "full"): (0.35, 0.001),
    ("response", "partial"): (0.37, 0.006),
    ("response", "full"): (0.46, 0.014),
}


def _parse(text: str, columns: list[str]) -> pd.DataFrame:
    rows = [line.split() for line in text.splitlines()]
    frame = pd.DataFrame(rows, columns=columns)
    for col in columns:
        converted = pd.to_numeric(frame[col], errors="coerce")
        if converted.notna().all():
            frame[col] = converted.astype("float64")
    return frame


def table1() -> pd.DataFrame:
    frame = _parse(TABLE1, ["team_id", "period_1", "period_2", "period_3", "period_4"])
    frame["team_id"] = frame["team_id"].astype(int).astype(str)
    return frame.replace("-", np.nan)


def table2() -> pd.DataFrame:
    frame = _parse(TABLE2, ["domain", "condition", "n", "mean", "sd", "min", "max"])
    frame["n"] = frame["n"].astype("int64")
    return frame


def table3() -> pd.DataFrame:
    frame = _parse(TABLE3, ["condition", "n", "mean", "sd", "min", "max"])
    frame["n"] = frame["n"].astype("int64")
    return frame


def table4() -> pd.DataFrame:
    cols = ["condition", "domain", "n", "pre_mean", "pre_sd", "post_mean", "post_sd", "es"]
    frame = _parse(TABLE4, cols)
    frame["n"] = frame["n"].astype("int64")
    return frame


def sample() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "group": ["all", "boys", "girls"],
            "n": [478, 305, 173],
            "age_mean": [10.8, 9.10, 12.1],
            "age_sd": [4.9, 4.7, 4.9],
            "age_min": [0.0, 1.0, 0.0],
            "age_max": [25.0, 19.0, 25.0],
            "duration_mean": [313.0, 305.2, 327.0],
            "duration_sd": [174.0, 170.1, 180.4],
        }
    )


def flow() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "step": [
                "questionnaires in export",
                "usable instrument and informant",
                "end lists in a team-period",
                "with a matching start list",
                "dropped: post before pre",
                "pairs analysed",
            ],
            "count": [5210, 4870, 1320, 760, 3, 724],
        }
    )


def team_periods() -> pd.DataFrame:
    """61 team-periods laid out as Table 1; response extremes equal Table 3's."""
    t1 = table1()
    long = t1.melt(id_vars="team_id", var_name="period", value_name="condition").dropna()
    long["moment"] = long["period"].str.slice(7).astype("int64")
    long = long.sort_values(["team_id", "moment"], key=lambda s: s.map(str)).reset_index(drop=True)
    rng = np.random.default_rng(1)
    n = len(long)
    control_arm = {"3", "13", "8", "9", "15"}
    start = pd.Timestamp("2018-01-01") + pd.to_timedelta((long["moment"] - 1) * 182, unit="D")
    closed = rng.integers(8, 40, n)
    response = rng.uniform(5, 40, n)
    t3 = table3().set_index("condition")
    for cond in ("control", "partial", "full"):
        idx = np.flatnonzero(long["condition"].to_numpy() == cond)
        response[idx[0]] = t3.loc[cond, "min"]
        response[idx[1]] = t3.loc[cond, "max"]
    scores = rng.uniform(0, 100, (n, 3)).round(2)
    return pd.DataFrame(
        {
            "team_id": long["team_id"],
            "institution_id": "I" + (long["team_id"].astype(int) % 4 + 1).astype(str),
            "arm": np.where(long["team_id"].isin(control_arm), "control", "experimental"),
            "moment": long["moment"],
            "period_start": start,
            "period_end": start + pd.Timedelta(days=181),
            "reference_date": start + pd.Timedelta(days=175),
            "condition": long["condition"],
            "collection": scores[:, 0],
            "use": scores[:, 1],
            "preconditions": scores[:, 2],
            "total": scores.mean(axis=1),
            "closed_treatments": closed.astype("int64"),
            "n_responders": np.round(response * closed / 100).astype("int64"),
            "response": response,
        }
    )


def _model_rows(outcome: str, terms: list[str], n: int, n_clusters: int) -> list[dict]:
    rows = []
    for i, term in enumerate(terms):
        beta, beta_p = BETAS.get((outcome, term), (0.05 * (i - 2), 0.5 + 0.04 * i))
        estimate = 40.0 if term == "intercept" else beta * 20
        rows.append(
            {
                "outcome": outcome,
                "term": term,
                "estimate": estimate,
                "se": abs(estimate) / 3 + 0.5,
                "z": 3.0,
                "p": min(beta_p * 1.1, 1.0),
                "beta": 2.1 if term == "intercept" else beta,
                "beta_se": 0.12,
                "beta_p": beta_p,
                "n": n,
                "n_clusters": n_clusters,
            }
        )
    return rows


def checklist_response() -> pd.DataFrame:
    rows = []
    for outcome in ("collection", "use", "preconditions", "total", "response"):
        rows += _model_rows(outcome, ["intercept", "partial", "full"], 61, 16)
    return pd.DataFrame(rows)


def outcomes() -> pd.DataFrame:
    terms = ["intercept", "partial", "full", "pre_z", "sex", "age", "duration_days"]
    return pd.DataFrame(
        _model_rows("opgroei", terms, 404, 16) + _model_rows("opvoed", terms, 320, 14)
    )


def baseline_ttests() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "outcome": ["collection", "use", "preconditions", "total", "response"],
            "n_control": [5] * 5,
            "n_experimental": [11] * 5,
            "mean_control": [52.5, 30.1, 47.0, 43.9, 6.2],
            "mean_experimental": [55.0, 28.4, 45.5, 43.0, 8.8],
            "t": [-0.31, 0.18, 0.17, 0.12, -0.52],
            "df": [14.0, 14.0, 14.0, 14.0, 12.37],
            "p": [0.761, 0.860, 0.867, 0.906, 0.612],
        }
    )


def prepost_tests() -> pd.DataFrame:
    t4 = table4()
    return pd.DataFrame(
        {
            "condition": t4["condition"],
            "domain": t4["domain"],
            "n": t4["n"],
            "mean_change": t4["pre_mean"] - t4["post_mean"],
            "t": [6.1, 5.2, 6.3, 5.4, 3.4, 3.0],
            "df": t4["n"] - 1,
            "p": [1e-8, 2e-6, 1e-8, 3e-7, 0.0012, 0.0043],
            "es": t4["es"],
        }
    )


def all_tables() -> dict[str, pd.DataFrame]:
    return {
        "table1": table1(),
        "table2": table2(),
        "table3": table3(),
        "table4": table4(),
        "sample": sample(),
        "flow": flow(),
    }


def small_sample() -> pd.DataFrame:
    """small_sample.csv rows of two specs: use (full significant under every method but
    WCR), response and opgroei; CR3 undefined with team fixed effects."""
    p_by = {  # (spec, outcome, term) -> p of mplus, CR2, CR3, WCR
        ("study", "use", "partial"): (0.114, 0.153, 0.180, 0.166),
        ("study", "use", "full"): (0.0048, 0.027, 0.041, 0.062),
        ("study", "response", "partial"): (0.006, 0.022, 0.030, 0.001),
        ("study", "response", "full"): (0.008, 0.034, 0.049, 0.098),
        ("study", "opgroei", "partial"): (0.905, 0.910, 0.916, 0.906),
        ("study", "opgroei", "full"): (0.534, 0.597, 0.650, 0.555),
        ("team_fe_half_year", "use", "full"): (0.030, 0.068, np.nan, 0.073),
    }
    rows = []
    for (spec, out, term), ps in p_by.items():
        model = "outcomes" if out == "opgroei" else "team_periods"
        for method, p in zip(("mplus", "CR2", "CR3", "WCR"), ps, strict=True):
            rows.append(
                {
                    "model": model,
                    "spec": spec,
                    "outcome": out,
                    "term": term,
                    "method": method,
                    "estimate": 19.01 if term == "full" else 11.86,
                    "se": np.nan if method == "WCR" else 6.7,
                    "df": np.inf if method == "mplus" else 10.5,
                    "statistic": 2.8,
                    "p": p,
                    "p_holm": min(1.0, 10 * p),
                    "p_bh": min(1.0, 3 * p),
                    "ci_low": 5.8,
                    "ci_high": 32.2,
                    "reject": None if np.isnan(p) else bool(p < 0.05),
                    "alpha": 0.05,
                    "family": "outcomes" if model == "outcomes" else "team_periods",
                    "data": "complete_cases",
                    "n": 404 if model == "outcomes" else 61,
                    "n_clusters": 16,
                    "note": "CR3 is undefined with team fixed effects" if np.isnan(p) else "",
                }
            )
    return pd.DataFrame(rows)


def icc() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "model": ["team_periods", "team_periods", "outcomes", "outcomes"],
            "outcome": ["use", "response", "opgroei", "opvoed"],
            "variable": ["use", "response", "post_z", "post_z"],
            "n": [61, 61, 404, 320],
            "n_clusters": [16, 16, 16, 13],
            "between": [6.6995, 24.5704, 0.0, 0.0123],
            "within": [495.9609, 512.131, 2.7874, 2.4802],
            "icc": [0.013328, 0.04578, 0.0, 0.004935],
        }
    )


def all_models() -> dict[str, pd.DataFrame]:
    return {
        "checklist_response": checklist_response(),
        "outcomes": outcomes(),
        "baseline_ttests": baseline_ttests(),
        "prepost_tests": prepost_tests(),
        "robustness": small_sample(),  # the robustness table shows small_sample.csv
        "icc": icc(),
    }
