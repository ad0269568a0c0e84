"""Research condition per team-period (docs/study.md section 1, Table 1).

The lag rule is recipe step ``01_conditions.sql``. Inconsistencies (an experimental team
whose condition goes back, e.g. full -> partial, or a dashboard date without a training
date or before it) are never hidden: they are returned as messages and logged as warnings,
or raise :class:`ConditionError` when ``conditions.inconsistency`` is ``error``.
Implementation dates of a control-arm team are reported too (the team stays ``control``).
Table 1 is made here from the team-periods.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from ldj_analysis import steps
from ldj_analysis.export import Export
from ldj_analysis.response import log_capped
from ldj_analysis.vocabulary import CONDITIONS

log = logging.getLogger(__name__)

#: Columns of the team-period frame of step 01 (before scores and response are added).
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
#: Column types of team-period frames read back from the recipe.
TEAM_PERIOD_TYPES = {"moment": "int64", "closed_treatments": "Int64"}
_RANK = {c: i for i, c in enumerate(CONDITIONS)}


class ConditionError(ValueError):
    """Implementation dates give inconsistent conditions (``conditions.inconsistency: error``)."""


def condition_settings(config: dict[str, Any]) -> dict[str, Any]:
    """The variables of step 01 from the config's ``conditions`` section."""
    cfg = config["conditions"]
    return {"lag_days": int(cfg["lag_days"]), "reference_date": cfg["reference_date"]}


def team_periods_base(export: Export, config: dict[str, Any]) -> tuple[pd.DataFrame, list[str]]:
    """One row per team-period with its reference date and condition (recipe step 01);
    plus the messages about inconsistencies (:func:`condition_messages`)."""
    con = steps.open_recipe()
    for name in ("implementation", "checklist", "teams"):
        steps.register_table(con, name, getattr(export, name))
    steps.set_settings(con, **condition_settings(config))
    steps.run(con, ["01_conditions"])
    tp = steps.fetch(con, "SELECT * FROM team_period_condition ORDER BY team_id, moment")
    tp = tp[BASE_COLUMNS].astype(TEAM_PERIOD_TYPES)
    return tp, condition_messages(tp, config)


def condition_messages(tp: pd.DataFrame, config: dict[str, Any]) -> list[str]:
    """Inconsistencies (logged, or raised when ``conditions.inconsistency`` is ``error``)
    and notes on control-arm teams with implementation dates (logged)."""
    issues = consistency_issues(tp)
    if issues:
        if config["conditions"]["inconsistency"] == "error":
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
    return issues + notes


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


def condition_sequences(team_periods: pd.DataFrame) -> pd.Series:
    """Each team's condition ranks in moment order as one string (``"012"``), Table 1's sort
    key; joined column by column of the team x moment table, not with a call per team."""
    rank = team_periods["condition"].map(_RANK)
    if rank.isna().any():
        bad = sorted(team_periods.loc[rank.isna(), "condition"].astype(str).unique())
        raise ValueError(f"Table 1: conditions outside {list(CONDITIONS)}: {bad}")
    ranks = team_periods.assign(r=rank.astype("int64").astype("str")).pivot(
        index="team_id", columns="moment", values="r"
    )
    seq = pd.Series("", index=ranks.index, dtype="str", name="r")
    for moment in ranks.columns:  # ascending: the pivot sorts its columns
        seq = seq + ranks[moment].fillna("")
    return seq


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
    seq = condition_sequences(team_periods)
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
