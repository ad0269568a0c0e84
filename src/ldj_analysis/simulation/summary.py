"""Gathered replications to rejection rates with Monte Carlo intervals, power curves, the
minimum detectable effect (MDES) per method with Bloom's analytic MDES beside it, and the
size of each method by ICC (the ICC sensitivity)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from ldj_analysis.simulation.design import Design
from ldj_analysis.simulation.replicate import KEYS
from ldj_analysis.simulation.sets import CLIENT_MODEL

SUMMARY_COLUMNS: list[str] = [
    *KEYS,
    "replications",
    "failed",
    "rejections",
    "rate",
    "mc_low",
    "mc_high",
    "mean_estimate",
    "sd_estimate",
    "mean_se",
]
MDES_COLUMNS: list[str] = [
    "teams",
    "method",
    "term",
    "power",
    "mdes",
    "analytic_mdes",
    "analytic_design",
    "icc",
]


SENSITIVITY_COLUMNS: list[str] = [
    "model",
    "outcome",
    "spec",
    "term",
    "method",
    "icc",
    "replications",
    "failed",
    "rejections",
    "rate",
    "mc_low",
    "mc_high",
]


def clopper_pearson(k: np.ndarray, n: np.ndarray, level: float = 0.95) -> tuple[Any, Any]:
    """Exact (Clopper-Pearson) interval of a binomial proportion k / n."""
    k = np.asarray(k, float)
    n = np.asarray(n, float)
    a = (1 - level) / 2
    with np.errstate(invalid="ignore", divide="ignore"):
        low = np.where(k > 0, stats.beta.ppf(a, k, n - k + 1), 0.0)
        high = np.where(k < n, stats.beta.ppf(1 - a, k + 1, n - k), 1.0)
    empty = n == 0
    return np.where(empty, np.nan, low), np.where(empty, np.nan, high)


def rejection_rates(results: pd.DataFrame, alpha: float) -> pd.DataFrame:
    """Per scenario, spec, term and method: the share of replications with p < alpha and
    its exact 95 % Monte Carlo interval; failed fits are counted apart, not as rejections."""
    ok = results["p"].notna()
    frame = results.assign(ok=ok, reject=ok & (results["p"] < alpha))
    grouped = frame.groupby(KEYS, sort=True, observed=True)
    out = grouped.agg(
        replications=("ok", "sum"),
        rows=("ok", "size"),
        rejections=("reject", "sum"),
        mean_estimate=("estimate", "mean"),
        sd_estimate=("estimate", "std"),
        mean_se=("se", "mean"),
    ).reset_index()
    out["failed"] = out.pop("rows") - out["replications"]
    out["rate"] = out["rejections"] / out["replications"].where(out["replications"] > 0)
    out["mc_low"], out["mc_high"] = clopper_pearson(out["rejections"], out["replications"])
    return out[SUMMARY_COLUMNS]


def bloom_mdes(
    teams: float, clients: float, icc: float, treated: float, alpha: float, power: float
) -> float:
    """Bloom's (2006) MDES of a two-level cluster-randomised trial without covariates, as
    PowerUp! computes it: M_{J-2} * sqrt(ICC / (P(1-P)J) + (1-ICC) / (P(1-P)Jn))."""
    df = teams - 2
    if df < 1:
        return float("nan")
    multiplier = stats.t.ppf(1 - alpha / 2, df) + stats.t.ppf(power, df)
    share = treated * (1 - treated)
    return float(
        multiplier * np.sqrt(icc / (share * teams) + (1 - icc) / (share * teams * clients))
    )


def bloom_reference(design: Design) -> tuple[float, float, str]:
    """(clients per team, share treated, kind) for Bloom's formula. A design whose teams each
    keep one condition, control or full, is a two-arm cluster-randomised trial ("exact");
    any other is compared with a parallel trial with as many teams and clients, half treated
    ("parallel reference")."""
    clients = design.n_clients / design.n_teams
    per_team = [set(row[row != ""]) for row in design.conditions]
    if all(len(c) == 1 for c in per_team) and set().union(*per_team) <= {"control", "full"}:
        treated = sum(c == {"full"} for c in per_team) / design.n_teams
        if 0 < treated < 1:
            return clients, treated, "exact"
    return clients, 0.5, "parallel reference"


def mdes_table(
    rates: pd.DataFrame,
    design: Design,
    icc: float,
    sim: Mapping[str, Any],
    alpha: float,
) -> pd.DataFrame:
    """Per number of teams and method: the effect at which the power curve of the term
    ``full`` (power spec) crosses ``simulation.power`` (linear between grid effects; missing
    if never reached), and Bloom's analytic MDES beside it."""
    target = float(sim["power"])
    curves = rates[
        (rates["kind"] == "power")
        & (rates["model"] == CLIENT_MODEL)
        & (rates["spec"] == sim["power_spec"])
        & (rates["term"] == "full")
    ]
    rows = []
    for (teams, method), curve in curves.groupby(["teams", "method"], sort=True):
        curve = curve.sort_values("effect")
        scaled = design if teams == design.n_teams else design.scaled(int(teams))
        clients, treated, kind = bloom_reference(scaled)
        rows.append(
            {
                "teams": int(teams),
                "method": method,
                "term": "full",
                "power": target,
                "mdes": crossing(curve["effect"].to_numpy(), curve["rate"].to_numpy(), target),
                "analytic_mdes": bloom_mdes(teams, clients, icc, treated, alpha, target),
                "analytic_design": kind,
                "icc": icc,
            }
        )
    return pd.DataFrame(rows, columns=MDES_COLUMNS)


def crossing(effects: np.ndarray, power: np.ndarray, target: float) -> float:
    """The first effect at which ``power`` reaches ``target``, linear between grid points."""
    above = np.flatnonzero(power >= target)
    if above.size == 0:
        return float("nan")
    i = int(above[0])
    if i == 0:
        return float(effects[0])
    x0, x1, y0, y1 = effects[i - 1], effects[i], power[i - 1], power[i]
    return float(x0 + (target - y0) * (x1 - x0) / (y1 - y0))


def icc_sensitivity(rates: pd.DataFrame) -> pd.DataFrame:
    """The ICC sensitivity (scenario kind ``icc``): per model family's set, spec, term and
    method the size at each ICC, with its exact 95 % Monte Carlo interval."""
    rows = rates[rates["kind"] == "icc"]
    return (
        rows[SENSITIVITY_COLUMNS]
        .sort_values(["model", "outcome", "spec", "term", "method", "icc"], kind="stable")
        .reset_index(drop=True)
    )
