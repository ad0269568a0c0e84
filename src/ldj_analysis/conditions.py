"""Research condition per team-period (docs/study.md section 1, Table 1).

A team-period is one implementation row joined with its checklist row (team_id + moment).
Condition by the lag rule, with ``lag_days`` = ``conditions.lag_days`` (exactly that many
days counts): ``full`` if dashboard_date + lag <= reference date, else ``partial`` if
training_date + lag <= reference date, else ``control``. Control-arm teams are always
``control``. The reference date is ``conditions.reference_date``: the checklist completion
date (default), the implementation questionnaire's date or the period end.

Inconsistencies (an experimental team whose condition goes back, e.g. full -> partial, or a
dashboard date without a training date or before it) are never hidden: they are returned as
messages and logged as warnings, or raise :class:`ConditionError` when
``conditions.inconsistency`` is ``error``. Implementation dates of a control-arm team are
reported too (the team stays ``control``).
"""

from __future__ import annotations

import logging
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.export import Export
from ldj_analysis.response import log_capped
from ldj_analysis.vocabulary import CONDITIONS

log = logging.getLogger(__name__)

#: Columns of the team-period frame built here (before scores and response are added).
BASE_COLUMNS = [
    "team_id",
    "institution_id",
    "arm",
    "moment",
    "period_start",
    "period_end",
    "reference_date",
    "condition",
    "closed_treatments",
    "training_date",
    "dashboard_date",
    "instrument_opgroei",
    "instrument_opvoed",
]

_REFERENCE = {
    "checklist_filled_on": "filled_on_checklist",
    "implementation_filled_on": "filled_on_implementation",
    "period_end": "period_end",
}
_RANK = {c: i for i, c in enumerate(CONDITIONS)}


class ConditionError(ValueError):
    """Implementation dates give inconsistent conditions (``conditions.inconsistency: error``)."""


def assign_conditions(
    reference_date: pd.Series,
    training_date: pd.Series,
    dashboard_date: pd.Series,
    arm: pd.Series,
    lag_days: int,
) -> pd.Series:
    """The lag rule, vectorised: condition per row as a string Series."""
    lag = pd.Timedelta(days=lag_days)
    full = (dashboard_date + lag <= reference_date).fillna(False).to_numpy(bool)
    partial = (training_date + lag <= reference_date).fillna(False).to_numpy(bool)
    control_arm = (arm == "control").fillna(False).to_numpy(bool)
    cond = np.select([control_arm, full, partial], ["control", "full", "partial"], "control")
    return pd.Series(cond, index=reference_date.index, dtype="str")


def team_periods_base(export: Export, config: dict[str, Any]) -> tuple[pd.DataFrame, list[str]]:
    """One row per team-period with its reference date and condition; plus the messages
    about inconsistencies (already logged; raised when the config says ``error``)."""
    cfg = config["conditions"]
    impl = export.implementation
    chk = export.checklist[["team_id", "moment", "filled_on"]]
    tp = impl.merge(
        chk, on=["team_id", "moment"], how="inner", suffixes=("_implementation", "_checklist")
    )
    tp = tp.merge(export.teams[["team_id", "institution_id", "arm"]], on="team_id", how="left")
    tp["reference_date"] = tp[_REFERENCE[cfg["reference_date"]]]
    tp["condition"] = assign_conditions(
        tp["reference_date"], tp["training_date"], tp["dashboard_date"], tp["arm"], cfg["lag_days"]
    )
    tp = tp.sort_values(["team_id", "moment"], kind="stable").reset_index(drop=True)
    issues = consistency_issues(tp)
    if issues:
        if cfg["inconsistency"] == "error":
            raise ConditionError(
                "Inconsistent implementation dates (conditions.inconsistency: error):\n  "
                + "\n  ".join(issues)
            )
        log_capped(log, "conditions", issues)
    control_dates = tp[
        (tp["arm"] == "control") & (tp["training_date"].notna() | tp["dashboard_date"].notna())
    ]["team_id"].unique()
    notes = [
        f"control-arm team {t} has a training or dashboard date; it is kept in condition control"
        for t in control_dates
    ]
    log_capped(log, "conditions", notes)
    return tp[BASE_COLUMNS].copy(), issues + notes


def consistency_issues(tp: pd.DataFrame) -> list[str]:
    """Messages for experimental team-periods whose condition goes back from the previous
    moment, or that have a dashboard date without (or before) a training date."""
    exp = tp[tp["arm"] == "experimental"].sort_values(["team_id", "moment"], kind="stable")
    rank = exp["condition"].map(_RANK)
    prev_rank = rank.groupby(exp["team_id"]).shift()
    prev_cond = exp["condition"].groupby(exp["team_id"]).shift()
    back = exp[(rank < prev_rank).to_numpy(bool)]
    issues = [
        f"team {r.team_id} moment {r.moment}: condition goes back from "
        f"{prev_cond.loc[i]} to {r.condition} (reference date {r.reference_date.date()})"
        for i, r in back.iterrows()
    ]
    no_training = exp["dashboard_date"].notna() & (
        exp["training_date"].isna() | (exp["dashboard_date"] < exp["training_date"])
    )
    for _, r in exp[no_training.to_numpy(bool)].iterrows():
        what = "no training date" if pd.isna(r.training_date) else "a later training date"
        issues.append(
            f"team {r.team_id} moment {r.moment}: dashboard date {r.dashboard_date.date()} "
            f"with {what}"
        )
    return issues


def _natural_key(ids: pd.Series) -> pd.DataFrame:
    num = pd.to_numeric(ids.str.extract(r"(\d+)\s*$")[0], errors="coerce")
    return pd.DataFrame({"prefix": ids.str.replace(r"\d+\s*$", "", regex=True), "num": num})


def table1(team_periods: pd.DataFrame) -> pd.DataFrame:
    """Table 1: ``team_id, period_1 .. period_k`` (condition or empty), k = largest moment.

    Rows sorted by arm (control first), then the team's sequence of conditions, then team id
    (numeric part compared as a number), which reproduces the published order.
    """
    k = int(team_periods["moment"].max()) if len(team_periods) else 0
    wide = team_periods.pivot(index="team_id", columns="moment", values="condition")
    wide = wide.reindex(columns=range(1, k + 1))
    wide.columns = [f"period_{m}" for m in range(1, k + 1)]
    wide = wide.reset_index()
    arms = team_periods.drop_duplicates("team_id").set_index("team_id")["arm"]
    seq = (
        team_periods.sort_values("moment")
        .assign(r=lambda d: d["condition"].map(_RANK).astype(str))
        .groupby("team_id")["r"]
        .agg("".join)
    )
    key = _natural_key(wide["team_id"])
    order = pd.DataFrame(
        {
            "arm": wide["team_id"].map(arms).map({"control": 0, "experimental": 1}),
            "seq": wide["team_id"].map(seq),
            "prefix": key["prefix"],
            "num": key["num"],
            "team_id": wide["team_id"],
        }
    ).sort_values(["arm", "seq", "prefix", "num", "team_id"], kind="stable")
    out = wide.loc[order.index].reset_index(drop=True)
    for col in out.columns[1:]:
        out[col] = out[col].astype("str")
    return out
