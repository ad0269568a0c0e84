"""The scenario sets of a simulation: one per model family and outcome of the analysis
(docs/simulation.md), each a design, its variance components and the scenario kinds it runs.

- ``outcomes`` (clients in team-periods, ``simulation.domain``): size, trend, power and the
  ICC sensitivity, as before the team-period family was added (same seeds);
- ``team_periods`` (one observation per team-period, docs/study.md section 4.2): a set per
  outcome of ``simulation.team_periods.outcomes`` with its own rows and ICC, size, trend and
  the power at ``simulation.team_periods.power_effect``;
- ``team_periods`` / ``grid``: Table 1's grid (every team-period with a condition), only the
  ICC sensitivity, so the family's sensitivity does not repeat per outcome.

A set's ``stream`` is appended to the seed sequence: replication r of a set with J teams
draws from (seed, r, J, *stream), so each set's results are the same whichever other sets
are configured.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from ldj_analysis.simulation.design import (
    Design,
    configured_design,
    design_from_config,
    team_period_design,
)
from ldj_analysis.simulation.generate import components_from_config, team_period_components
from ldj_analysis.vocabulary import TEAM_PERIOD_OUTCOMES

CLIENT_MODEL = "outcomes"
TEAM_PERIOD_MODEL = "team_periods"
GRID = "grid"  # the team-period family's sensitivity set: every team-period with a condition
CLIENT_KINDS = ("size", "trend", "power", "icc")
OUTCOME_KINDS = ("size", "trend", "power_effect")
GRID_KINDS = ("icc",)


@dataclass(frozen=True)
class ScenarioSet:
    """A design with its variance components, the scenario kinds run on it and the seed
    stream of its draws."""

    model: str  # outcomes | team_periods (as small_sample.csv's model column)
    outcome: str  # the domain, a team-period outcome, or GRID
    design: Design
    components: dict[str, Any]
    kinds: tuple[str, ...]
    stream: tuple[int, ...] = ()

    @property
    def icc(self) -> float:
        return float(self.components["icc"])

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model,
            "outcome": self.outcome,
            "design": self.design.to_dict(),
            "components": dict(self.components),
            "kinds": list(self.kinds),
            "stream": list(self.stream),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScenarioSet:
        return cls(
            str(data["model"]),
            str(data["outcome"]),
            Design.from_dict(data["design"]),
            dict(data["components"]),
            tuple(map(str, data["kinds"])),
            tuple(map(int, data["stream"])),
        )


def sets_from_config(
    sim: Mapping[str, Any],
    team_periods: pd.DataFrame | None = None,
    pairs: pd.DataFrame | None = None,
) -> list[ScenarioSet]:
    """The client-level set, a set per configured team-period outcome and, if any, the
    team-period grid set of the ICC sensitivity."""
    client = ScenarioSet(
        CLIENT_MODEL,
        str(sim["domain"]),
        design_from_config(sim, team_periods, pairs),
        components_from_config(sim, pairs),
        CLIENT_KINDS,
    )
    out = [client]
    outcomes = list(sim["team_periods"]["outcomes"])
    for outcome in outcomes:
        out.append(
            ScenarioSet(
                TEAM_PERIOD_MODEL,
                outcome,
                _team_period_design(sim, team_periods, outcome),
                team_period_components(sim, outcome, team_periods),
                OUTCOME_KINDS,
                (TEAM_PERIOD_OUTCOMES.index(outcome) + 1,),
            )
        )
    if outcomes and sim["icc_sensitivity"]["values"]:
        grid = _team_period_design(sim, team_periods, None)
        components = {"source": "ICC sensitivity only", "icc": 0.0}
        stream = (len(TEAM_PERIOD_OUTCOMES) + 1,)
        out.append(ScenarioSet(TEAM_PERIOD_MODEL, GRID, grid, components, GRID_KINDS, stream))
    return out


def _team_period_design(
    sim: Mapping[str, Any], team_periods: pd.DataFrame | None, outcome: str | None
) -> Design:
    """One observation per team-period: of the selected grid (where ``outcome`` is observed;
    None = every team-period with a condition) or of the configured schedules."""
    spec = sim["design"]
    if spec["source"] == "configured":
        return configured_design(spec["teams"], 1, spec["schedules"])
    if team_periods is None:
        raise ValueError("the selected team-period design needs team_periods")
    if outcome is None:
        return team_period_design(team_periods.assign(_any=1.0), "_any")
    return team_period_design(team_periods, outcome)


def write_sets(sets: list[ScenarioSet], path: str | Path) -> Path:
    """Write the scenario sets as JSON (results/simulation/design.json)."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    payload = {"sets": [s.to_dict() for s in sets]}
    out.write_text(json.dumps(payload, indent=1) + "\n", encoding="utf-8")
    return out


def read_sets(path: str | Path) -> list[ScenarioSet]:
    """The scenario sets written by :func:`write_sets`."""
    data = json.loads(Path(path).read_text(encoding="utf-8"))
    return [ScenarioSet.from_dict(s) for s in data["sets"]]
