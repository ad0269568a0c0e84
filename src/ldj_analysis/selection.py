"""Selecting the part of an export to analyse: institutions, teams, a window of periods,
arm overrides and the instruments counted per domain (config section ``selection``).

Moments are renumbered 1..k per team within the selection, so that Table 1's first period
is the first selected half-year and the baseline tests compare the first selected moment.
Everything left out is logged as an exclusion with step ``selection``.
"""

from __future__ import annotations

import logging
from typing import Any

import pandas as pd

from ldj_analysis.exclusion_log import concat_exclusions, exclusion_frame
from ldj_analysis.export import Export

log = logging.getLogger(__name__)


class SelectionError(ValueError):
    """The selection in the config cannot be applied to this export; names the key."""


def instrument_domains(selection: dict[str, Any]) -> dict[str, str]:
    """Instrument code -> outcome domain, as ``selection.instruments`` configures them (the
    codes the study pairs, scores and counts; a code the contract does not know included)."""
    configured = selection.get("instruments") or {}
    return {code: domain for domain, codes in configured.items() for code in codes}


def _exclusions(table: str, keys: pd.Series, reason: str) -> pd.DataFrame:
    return exclusion_frame(keys, "selection", reason, table=table)


def _moment_keys(frame: pd.DataFrame) -> pd.Series:
    return "team_id=" + frame["team_id"].astype("str") + ", moment=" + frame["moment"].astype("str")


def _selected_teams(
    teams: pd.DataFrame, selection: dict[str, Any], logs: list[pd.DataFrame]
) -> pd.DataFrame:
    """The teams of ``selection.institutions`` and ``selection.teams`` (unknown ids refused)."""
    for key, column in (("institutions", "institution_id"), ("teams", "team_id")):
        wanted = selection.get(key) or []
        if not wanted:
            continue
        unknown = sorted(set(wanted) - set(teams[column]))
        if unknown:
            raise SelectionError(
                f"config key 'selection.{key}': not in the export's teams table: "
                + ", ".join(unknown)
            )
        out = ~teams[column].isin(wanted)
        logs.append(_exclusions("teams", teams.loc[out, "team_id"], f"not in selection.{key}"))
        teams = teams.loc[~out]
    return teams


def _override_arms(
    teams: pd.DataFrame, all_teams: pd.DataFrame, override: dict[str, str]
) -> pd.DataFrame:
    """The teams with ``selection.arm_override`` applied (each change logged)."""
    unknown = sorted(set(override) - set(all_teams["team_id"]))
    if unknown:
        raise SelectionError(
            "config key 'selection.arm_override': not in the export's teams table: "
            + ", ".join(unknown)
        )
    if override:
        new_arm = teams["team_id"].map(override)
        changed = new_arm.notna() & (new_arm != teams["arm"])
        for team_id, arm in zip(teams.loc[changed, "team_id"], new_arm[changed], strict=True):
            log.info("selection: team %s arm set to %s (selection.arm_override)", team_id, arm)
        teams["arm"] = new_arm.fillna(teams["arm"]).astype("str")
    return teams


def _periods_in_window(
    impl: pd.DataFrame, selection: dict[str, Any], logs: list[pd.DataFrame]
) -> pd.DataFrame:
    """The implementation rows within ``selection.window_start`` .. ``window_end``."""
    in_window = pd.Series(True, index=impl.index)
    if selection.get("window_start"):
        in_window &= impl["period_start"] >= pd.Timestamp(selection["window_start"])
    if selection.get("window_end"):
        in_window &= impl["period_end"] <= pd.Timestamp(selection["window_end"])
    logs.append(
        _exclusions(
            "implementation",
            _moment_keys(impl.loc[~in_window]),
            "period outside selection.window_start .. selection.window_end",
        )
    )
    return impl.loc[in_window].copy()


def _renumbered(impl: pd.DataFrame, checklist: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Implementation and checklist rows with moments renumbered 1..k per team."""
    renumber = (
        impl[["team_id", "moment"]]
        .assign(new=impl.groupby("team_id")["moment"].rank(method="dense").astype("Int64"))
        .set_index(["team_id", "moment"])["new"]
    )
    renumbered = checklist.merge(renumber.reset_index(), on=["team_id", "moment"])
    renumbered = renumbered.drop(columns="moment").rename(columns={"new": "moment"})
    impl["moment"] = renumber.to_numpy()
    return impl, renumbered[checklist.columns]


def _drop_unselected_instruments(
    impl: pd.DataFrame, selection: dict[str, Any], logs: list[pd.DataFrame]
) -> pd.DataFrame:
    """Blank a period's instrument that ``selection.instruments`` does not count (logged)."""
    for domain, codes in (selection.get("instruments") or {}).items():
        column = f"instrument_{domain}"
        dropped = impl[column].notna() & ~impl[column].isin(codes)
        if dropped.any():
            logs.append(
                _exclusions(
                    "implementation",
                    _moment_keys(impl.loc[dropped]),
                    f"instrument not in selection.instruments.{domain}",
                )
            )
            impl[column] = impl[column].where(~dropped)
    return impl


def select(export: Export, selection: dict[str, Any]) -> tuple[Export, pd.DataFrame]:
    """Apply the ``selection`` config to a valid export; return it and the exclusion log."""
    logs: list[pd.DataFrame] = []
    teams = _selected_teams(export.teams.copy(), selection, logs)
    teams = _override_arms(teams, export.teams, selection.get("arm_override") or {})
    impl = export.implementation
    impl = _periods_in_window(impl.loc[impl["team_id"].isin(teams["team_id"])], selection, logs)
    impl, checklist = _renumbered(impl, export.checklist)
    impl = _drop_unselected_instruments(impl, selection, logs)
    if impl.empty:
        raise SelectionError(
            "the selection leaves no team-period to analyse: check config keys "
            f"'selection.window_start' ({selection.get('window_start')}), "
            f"'selection.window_end' ({selection.get('window_end')}), "
            f"'selection.institutions' and 'selection.teams' against the export's "
            f"{len(export.implementation)} implementation rows"
        )
    gone = ~teams["team_id"].isin(set(impl["team_id"]))
    logs.append(_exclusions("teams", teams.loc[gone, "team_id"], "no period in the selection"))
    selected = Export(
        teams=teams.loc[~gone].reset_index(drop=True),
        implementation=impl.reset_index(drop=True),
        checklist=checklist.reset_index(drop=True),
        clients=export.clients,
        treatments=export.treatments,
        questionnaires=export.questionnaires,
    )
    return selected, concat_exclusions(logs)


def shortfalls(team_periods: pd.DataFrame, pairs: pd.DataFrame) -> list[str]:
    """What the selected data lack for the study's analyses, each naming the config keys
    that decide it; empty when every analysis can run."""
    keys = "'selection.window_start', 'selection.window_end', 'selection.teams', "
    keys += "'selection.institutions'"
    out = []
    n_teams = team_periods["team_id"].nunique()
    if n_teams < 2:
        out.append(
            f"only {n_teams} team selected: the cluster-robust models need at least 2 teams "
            f"(config keys {keys})"
        )
    conditions = set(team_periods["condition"].dropna())
    for condition in ("partial", "full"):
        if condition not in conditions:
            out.append(
                f"no team-period in condition '{condition}': its model terms cannot be "
                f"estimated (config keys {keys}, 'selection.arm_override', "
                "'conditions.lag_days')"
            )
    if (team_periods["arm"] == "control").sum() == 0:
        out.append(
            f"no control-arm team: the baseline t-tests cannot run (config keys {keys}, "
            "'selection.arm_override')"
        )
    for domain in ("opgroei", "opvoed"):
        if not (pairs["domain"] == domain).any():
            out.append(
                f"no {domain} pairs: no outcome model or Table 4 row for {domain} (config keys "
                f"{keys}, 'selection.instruments.{domain}', 'pairing.informant_priority')"
            )
    return out
