"""The design a simulation reproduces: which condition each team has in each period, how many
clients each team-period contributes and the calendar half-year of each period.

By default the selected study design (data/derived/team_periods.parquet and pairs.parquet);
or one configured by numbers (teams, periods, clients per team-period, roll-out schedules).
A design is scaled to another number of teams by repeating its teams in order, so a
follow-up with 32 teams has every roll-out schedule of the study twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.models.small_sample_models import half_year
from ldj_analysis.vocabulary import CONDITIONS

NO_PERIOD = ""  # a team without a measurement in that period


class DesignError(ValueError):
    """A design cannot be built or read; the message says why."""


@dataclass(frozen=True, eq=False)
class Design:
    """Team x period grids: ``conditions`` (str, ``NO_PERIOD`` where a team has no such
    period), ``clients`` (int, 0 where none) and ``halfyear`` (int index of the calendar
    half-year from the design's first, -1 where no period)."""

    source: str
    teams: tuple[str, ...]
    conditions: np.ndarray
    clients: np.ndarray
    halfyear: np.ndarray

    def __post_init__(self) -> None:
        shape = (len(self.teams), self.conditions.shape[1] if self.conditions.ndim == 2 else 0)
        for name in ("conditions", "clients", "halfyear"):
            if getattr(self, name).shape != shape:
                raise DesignError(f"design grid '{name}' has shape {getattr(self, name).shape}")
        unknown = set(np.unique(self.conditions)) - {*CONDITIONS, NO_PERIOD}
        if unknown:
            raise DesignError(f"design: unknown condition(s) {sorted(unknown)}")
        if (self.clients < 0).any():
            raise DesignError("design: a negative number of clients")
        if (self.clients[self.conditions == NO_PERIOD] > 0).any():
            raise DesignError("design: clients in a team-period without a condition")
        if not (self.clients > 0).any():
            raise DesignError("design: no clients at all")

    @property
    def n_teams(self) -> int:
        return len(self.teams)

    @property
    def n_clients(self) -> int:
        return int(self.clients.sum())

    def scaled(self, n_teams: int) -> Design:
        """The design with ``n_teams`` teams: its teams repeated in order (cut at the end)."""
        if n_teams < 2:
            raise DesignError(f"a design needs at least 2 teams, not {n_teams}")
        idx = np.arange(n_teams) % self.n_teams
        teams = tuple(
            str(t) if k < self.n_teams else f"{t}#{k // self.n_teams + 1}"
            for k, t in zip(range(n_teams), np.asarray(self.teams)[idx], strict=True)
        )
        return Design(
            self.source, teams, self.conditions[idx], self.clients[idx], self.halfyear[idx]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "source": self.source,
            "teams": list(self.teams),
            "conditions": self.conditions.tolist(),
            "clients": self.clients.tolist(),
            "halfyear": self.halfyear.tolist(),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Design:
        return cls(
            str(data["source"]),
            tuple(str(t) for t in data["teams"]),
            np.array(data["conditions"], dtype=object).astype(str),
            np.array(data["clients"], dtype=np.int64),
            np.array(data["halfyear"], dtype=np.int64),
        )


def selected_design(team_periods: pd.DataFrame, pairs: pd.DataFrame, domain: str) -> Design:
    """The study's design: Table 1's conditions, the analysed pairs of ``domain`` per
    team-period as clients, and the calendar half-year of each period's midpoint."""
    if domain not in set(pairs["domain"]):
        raise DesignError(f"no pairs of domain '{domain}' (simulation.domain)")
    counts = (
        pairs[pairs["domain"] == domain]
        .groupby(["team_id", "moment"], observed=True)
        .size()
        .rename("clients")
        .reset_index()
    )
    return _grid_design("selected", team_periods, counts)


def team_period_design(team_periods: pd.DataFrame, outcome: str) -> Design:
    """The design of a team-period model (docs/study.md section 4.2): Table 1's grid with one
    observation per team-period whose ``outcome`` is observed (the rows the model uses)."""
    if outcome not in team_periods.columns:
        raise DesignError(f"team_periods lacks the outcome column '{outcome}'")
    rows = team_periods[pd.to_numeric(team_periods[outcome]).notna()]
    counts = rows[["team_id", "moment"]].assign(clients=1)
    return _grid_design("selected", team_periods, counts)


def _grid_design(source: str, team_periods: pd.DataFrame, counts: pd.DataFrame) -> Design:
    """Team x period grid of the team-periods with a condition; ``counts`` (team_id, moment,
    clients) gives the observations per team-period (0 where absent)."""
    need = {"team_id", "moment", "condition", "period_start", "period_end"}
    absent = need - set(team_periods.columns)
    if absent:
        raise DesignError(f"team_periods lacks column(s) {sorted(absent)}")
    tp = team_periods[team_periods["condition"].notna()].copy()
    # the half-year of the period's midpoint, as the sensitivity models of small_sample.csv
    tp["halfyear"] = pd.factorize(half_year(tp), sort=True)[0]
    counts = counts.astype({"moment": "int64"})
    tp["moment"] = tp["moment"].astype("int64")
    grid = tp.merge(counts, on=["team_id", "moment"], how="left")
    grid["clients"] = grid["clients"].fillna(0).astype("int64")
    teams = sorted(grid["team_id"].astype(str).unique(), key=_natural)
    moments = sorted(grid["moment"].unique())
    shape = (len(teams), len(moments))
    conditions = np.full(shape, NO_PERIOD, dtype=object)
    clients = np.zeros(shape, dtype=np.int64)
    halfyear = np.full(shape, -1, dtype=np.int64)
    t_idx = {t: i for i, t in enumerate(teams)}
    m_idx = {m: j for j, m in enumerate(moments)}
    for row in grid.itertuples(index=False):
        i, j = t_idx[str(row.team_id)], m_idx[row.moment]
        conditions[i, j] = row.condition
        clients[i, j] = row.clients
        halfyear[i, j] = row.halfyear
    return Design(source, tuple(teams), conditions.astype(str), clients, halfyear)


def configured_design(teams: int, clients: int, schedules: Sequence[Sequence[str]]) -> Design:
    """A design by numbers: ``teams`` teams take the roll-out ``schedules`` in turn (team k
    the schedule k mod len(schedules)); each schedule lists the condition per half-year
    period; every team-period has ``clients`` clients."""
    if not schedules:
        raise DesignError("simulation.design.schedules is empty")
    periods = {len(s) for s in schedules}
    if len(periods) != 1:
        raise DesignError(f"schedules differ in length: {sorted(periods)}")
    grid = np.array([list(s) for s in schedules], dtype=object).astype(str)
    base = Design(
        "configured",
        tuple(f"S{k + 1}" for k in range(len(schedules))),
        grid,
        np.where(grid == NO_PERIOD, 0, int(clients)).astype(np.int64),
        np.where(grid == NO_PERIOD, -1, np.arange(grid.shape[1])[None, :]).astype(np.int64),
    )
    scaled = base.scaled(int(teams))
    return Design(
        "configured",
        tuple(f"T{k + 1}" for k in range(int(teams))),
        scaled.conditions,
        scaled.clients,
        scaled.halfyear,
    )


def design_from_config(
    sim: Mapping[str, Any],
    team_periods: pd.DataFrame | None = None,
    pairs: pd.DataFrame | None = None,
) -> Design:
    """The design of ``simulation.design`` (``source``: selected | configured)."""
    spec = sim["design"]
    if spec["source"] == "selected":
        if team_periods is None or pairs is None:
            raise DesignError("the selected design needs team_periods and pairs")
        return selected_design(team_periods, pairs, sim["domain"])
    return configured_design(spec["teams"], spec["clients"], spec["schedules"])


def _natural(text: str) -> tuple[int, str]:
    return (int(text), "") if text.isdigit() else (10**9, text)
