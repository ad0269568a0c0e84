"""The pairing rules of docs/study.md section 3 in plain pandas: an executable oracle.

Written from the rules as documented in docs/study.md (section 3), one block per step, with
no speed tricks, so that a reader can check it against the text and the property tests can
check ``select_pairs`` against it. It expects a contract export whose ids resolve (as after
validation). "Export order" means the row order of the
questionnaires table; it breaks every remaining tie.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.vocabulary import INFORMANTS, INSTRUMENTS


@dataclass
class OracleResult:
    pairs: pd.DataFrame  # client_id, team_id, moment, condition, instrument, informant, ...
    steps: dict[str, str]  # record_id -> exclusion step
    usable_posts: pd.DataFrame  # team_id, moment, client_id of each usable end list


def _priority_of(cfg: dict[str, Any], institution: str) -> dict[str, tuple[int, int]]:
    """Informant -> (group, position in the group) for one institution."""
    groups = (cfg.get("institution_informants") or {}).get(institution, cfg["informant_priority"])
    rank: dict[str, tuple[int, int]] = {}
    for g, group in enumerate(groups):
        for p, informant in enumerate(group):
            if informant in INFORMANTS and informant not in rank:
                rank[informant] = (g, p)
    return rank


def oracle_pairs(
    questionnaires: pd.DataFrame,
    treatments: pd.DataFrame,
    teams: pd.DataFrame,
    team_periods: pd.DataFrame,
    cfg: dict[str, Any],
) -> OracleResult:
    lists = questionnaires.reset_index(drop=True).copy()
    lists["order"] = range(len(lists))  # export order
    step: dict[int, str] = {}  # row -> first step the list fails

    def alive(row: int) -> bool:
        return row not in step

    def alive_mask(frame: pd.DataFrame) -> pd.Series:
        return pd.Series([alive(r) for r in frame.index], index=frame.index, dtype=bool)

    def drop(rows, name: str) -> None:
        for row in rows:
            if alive(row):
                step[row] = name

    # 1-3: interim lists, instruments outside the study, lists without a raw total.
    drop(lists.index[lists["occasion"] == "tussen"], "interim")
    drop(lists.index[~lists["instrument"].isin(list(INSTRUMENTS))], "instrument")
    drop(lists.index[lists["raw_total"].isna()], "raw_total")

    # 4: the treatment of each list: the one named, else the client's treatment covering
    # the date (end lists: up to grace days after its end), the latest started, then the
    # smallest treatment id.
    trs = treatments.drop_duplicates("treatment_id")
    trs = trs.set_axis(trs["treatment_id"].to_list())
    grace = pd.Timedelta(days=cfg["end_list_grace_days"])
    treatment_of: dict[int, str | None] = {}
    for row, lst in lists.iterrows():
        named = lst["treatment_id"]
        if isinstance(named, str) and named in trs.index:
            treatment_of[row] = named
            continue
        treatment_of[row] = None
        if not alive(row):
            continue
        own = trs[trs["client_id"] == lst["client_id"]]
        until = own["end_date"] + (grace if lst["occasion"] == "eind" else pd.Timedelta(0))
        covering = own[
            (own["start_date"] <= lst["filled_on"])
            & (own["end_date"].isna() | (lst["filled_on"] <= until))
        ]
        if len(covering):
            best = covering.sort_values(["start_date", "treatment_id"], ascending=[False, True])
            treatment_of[row] = best["treatment_id"].iloc[0]
    lists["treatment"] = pd.Series(treatment_of)
    drop(lists.index[(lists["occasion"] == "eind") & lists["treatment"].isna()], "treatment")

    # 5: informants of the priority of the list's institution (a list without a team:
    # of any institution's priority).
    institution_of_team = teams.drop_duplicates("team_id").set_index("team_id")["institution_id"]
    lists["team"] = lists["treatment"].map(trs["team_id"])
    lists["institution"] = lists["team"].map(institution_of_team)
    any_priority: set[str] = set()
    for institution in institution_of_team.dropna().unique():
        any_priority |= set(_priority_of(cfg, str(institution)))
    group, position = {}, {}
    for row, lst in lists.iterrows():
        if isinstance(lst["institution"], str):
            rank = _priority_of(cfg, lst["institution"])
            if lst["informant"] in rank:
                group[row], position[row] = rank[lst["informant"]]
            else:
                drop([row], "informant")
        elif lst["informant"] not in any_priority:
            drop([row], "informant")
    lists["group"], lists["position"] = pd.Series(group), pd.Series(position)

    # 6: the team-period of each end list: a period of its team holding its date, the
    # earliest moment.
    ends = lists[(lists["occasion"] == "eind") & alive_mask(lists)].copy()
    period_of: dict[int, int] = {}
    for row, end in ends.iterrows():
        inside = team_periods[
            (team_periods["team_id"] == end["team"])
            & (team_periods["period_start"] <= end["filled_on"])
            & (end["filled_on"] <= team_periods["period_end"])
        ]
        if len(inside):
            period_of[row] = inside.sort_values("moment").index[0]
        else:
            drop([row], "period")
    ends = ends[alive_mask(ends)].copy()
    ends["tp"] = pd.Series(period_of)
    ends["moment"] = ends["tp"].map(team_periods["moment"])

    # 7: the instrument must be one the team uses that moment.
    for row, end in ends.iterrows():
        tp = team_periods.loc[end["tp"]]
        if end["instrument"] not in (tp["instrument_opgroei"], tp["instrument_opvoed"]):
            drop([row], "team_instrument")
    ends = ends[alive_mask(ends)]
    usable_posts = pd.DataFrame(
        {
            "team_id": ends["team"].to_numpy(),
            "moment": ends["moment"].to_numpy(),
            "client_id": ends["client_id"].to_numpy(),
        }
    )

    # 8 (end lists): one end list per client, treatment, instrument and informant.
    end_latest = cfg["duplicate_end_lists"] == "latest"
    ends = ends.sort_values(["filled_on", "order"], ascending=[not end_latest, True])
    first = ~ends.duplicated(["client_id", "treatment", "instrument", "informant"])
    drop(ends.index[~first], "duplicate")
    ends = ends[first]

    # 9: each end list's preferred start list (same client, instrument and informant,
    # filled before it, with same_treatment of the same treatment or none); a start list
    # preferred by several end lists goes to the earliest of them.
    starts = lists[(lists["occasion"] == "begin") & alive_mask(lists)]
    start_latest = cfg["duplicate_start_lists"] == "latest"
    preferred: dict[int, int] = {}
    fitting: set[int] = set()
    for row, end in ends.iterrows():
        fit = starts[
            (starts["client_id"] == end["client_id"])
            & (starts["instrument"] == end["instrument"])
            & (starts["informant"] == end["informant"])
            & (starts["filled_on"] < end["filled_on"])
        ]
        if cfg["same_treatment"]:
            fit = fit[fit["treatment"].isna() | (fit["treatment"] == end["treatment"])]
        fitting |= set(fit.index)
        if len(fit):
            best = fit.sort_values(["filled_on", "order"], ascending=[not start_latest, True])
            preferred[row] = best.index[0]
    start_of: dict[int, int] = {}
    by_start: dict[int, list[int]] = {}
    for end_row, start_row in preferred.items():
        by_start.setdefault(start_row, []).append(end_row)
    for start_row, end_rows in by_start.items():
        earliest = min(end_rows, key=lambda r: (ends.loc[r, "filled_on"], ends.loc[r, "order"]))
        start_of[earliest] = start_row
    drop([r for r in ends.index if r not in start_of], "no_start")

    # 10: one pair per client, instrument, team and moment: informant group, position in
    # the group, the end list the end rule prefers, export order; scope post: only the
    # first group with an end list may win.
    ends = ends.assign(end_key=ends["filled_on"].map(lambda d: -d.value if end_latest else d.value))
    winners = []
    for _, cell in ends.groupby(["client_id", "instrument", "team", "moment"]):
        cell = cell.sort_values(["group", "position", "end_key", "order"])
        if cfg["priority_scope"] == "post":
            cell_eligible = cell[cell["group"] == cell["group"].min()]
        else:
            cell_eligible = cell
        with_pair = [r for r in cell_eligible.index if r in start_of]
        winner = with_pair[0] if with_pair else None
        if winner is not None:
            winners.append(winner)
        for r in cell.index:
            if r in start_of and r != winner:
                drop([r, start_of[r]], "priority")

    # 11 (and 8 for start lists): start lists not used: duplicates if they fitted an end
    # list, else unused.
    used = {start_of[w] for w in winners}
    for row in starts.index:
        if alive(row) and row not in used:
            drop([row], "duplicate" if row in fitting else "unused_start")

    tp = team_periods
    pairs = pd.DataFrame(
        {
            "client_id": [lists.loc[w, "client_id"] for w in winners],
            "team_id": [tp.loc[ends.loc[w, "tp"], "team_id"] for w in winners],
            "moment": [int(tp.loc[ends.loc[w, "tp"], "moment"]) for w in winners],
            "condition": [tp.loc[ends.loc[w, "tp"], "condition"] for w in winners],
            "instrument": [lists.loc[w, "instrument"] for w in winners],
            "informant": [lists.loc[w, "informant"] for w in winners],
            "treatment_id": [lists.loc[w, "treatment"] for w in winners],
            "pre_record": [lists.loc[start_of[w], "record_id"] for w in winners],
            "post_record": [lists.loc[w, "record_id"] for w in winners],
            "pre_raw": [float(lists.loc[start_of[w], "raw_total"]) for w in winners],
            "post_raw": [float(lists.loc[w, "raw_total"]) for w in winners],
        },
        columns=[
            "client_id",
            "team_id",
            "moment",
            "condition",
            "instrument",
            "informant",
            "treatment_id",
            "pre_record",
            "post_record",
            "pre_raw",
            "post_raw",
        ],
    )
    record = lists["record_id"]
    return OracleResult(
        pairs=pairs,
        steps={record[row]: name for row, name in step.items()},
        usable_posts=usable_posts,
    )


def whole_years(birth: pd.Series, on: pd.Series) -> pd.Series:
    """Completed years of age from ``birth`` to ``on`` (NaN where either is missing): the
    reference for the recipe's ``whole_years`` and the database's ``_age_years``."""
    b, d = pd.DatetimeIndex(birth), pd.DatetimeIndex(on)
    years = d.year - b.year - ((d.month < b.month) | ((d.month == b.month) & (d.day < b.day)))
    return pd.Series(np.asarray(years, dtype="float64"), index=birth.index)
