"""Data sets of a design from a two-level model (clients in teams):

    y = effect(condition of the team-period) + trend * half-year + u_team + e_client,
    u ~ N(0, ICC), e ~ N(0, 1 - ICC),

so the total variance is 1 and effects are standardized (in SDs of the outcome, as Bloom's
MDES). ``full`` gets the effect d, ``partial`` the configured share of it. The outcome is a
client-level score in team-periods clustered by team, like the study's outcome models; the
ICC is set in config or estimated from the selected domain's post-test z-scores. A team-period
design (the Checklist and response models, docs/study.md section 4) has one observation per
team-period, so there the ICC is the correlation of a team's periods; it is set in config or
taken from results/models/icc.csv (the outcome's random-intercept ICC over team-periods).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.simulation.design import Design


@dataclass(frozen=True)
class Draw:
    """One data set's structure and standard-normal noise, before an effect, trend or ICC is
    set: per client the team (code), period (column of the design), half-year, condition,
    the team's draw ``z_team`` and the client's ``z_client``. The noise at intra-team
    correlation ICC is sqrt(ICC) z_team + sqrt(1 - ICC) z_client, so effects, trends and ICCs
    added to the same draw use common random numbers (smooth power and ICC curves)."""

    team: np.ndarray
    period: np.ndarray
    halfyear: np.ndarray
    condition: np.ndarray
    z_team: np.ndarray  # one per team of the design
    z_client: np.ndarray
    icc: float

    def noise_at(self, icc: float) -> np.ndarray:
        """u_team + e_client with var(u) = ICC, var(e) = 1 - ICC."""
        if not 0.0 <= icc < 1.0:
            raise ValueError(f"ICC must lie in [0, 1), not {icc}")
        return (self.z_team * np.sqrt(icc))[self.team] + self.z_client * np.sqrt(1.0 - icc)

    @property
    def noise(self) -> np.ndarray:
        """The noise at the draw's own ICC."""
        return self.noise_at(self.icc)

    def outcome(
        self,
        effect: float,
        partial_share: float,
        trend: float = 0.0,
        icc: float | None = None,
    ) -> np.ndarray:
        """y for a standardized effect of full implementation (partial: ``partial_share``
        of it), a secular trend in SD per half-year, at ``icc`` (default the draw's)."""
        shift = np.where(
            self.condition == "full",
            effect,
            np.where(self.condition == "partial", partial_share * effect, 0.0),
        )
        noise = self.noise if icc is None else self.noise_at(icc)
        return noise + shift + trend * self.halfyear


def cells(design: Design) -> dict[str, np.ndarray]:
    """Per client of the design: team code, period, half-year and condition."""
    counts = design.clients.ravel()
    team = np.repeat(np.repeat(np.arange(design.n_teams), design.clients.shape[1]), counts)
    period = np.repeat(np.tile(np.arange(design.clients.shape[1]), design.n_teams), counts)
    return {
        "team": team,
        "period": period,
        "halfyear": design.halfyear[team, period],
        "condition": design.conditions[team, period],
    }


def draw(design: Design, icc: float, rng: np.random.Generator) -> Draw:
    """One data set's noise for ``design`` at intra-team correlation ``icc``."""
    if not 0.0 <= icc < 1.0:
        raise ValueError(f"ICC must lie in [0, 1), not {icc}")
    where = cells(design)
    z_team = rng.standard_normal(design.n_teams)
    z_client = rng.standard_normal(where["team"].size)
    return Draw(z_team=z_team, z_client=z_client, icc=float(icc), **where)


def estimate_components(pairs: pd.DataFrame, domain: str) -> dict[str, Any]:
    """Team variance components of ``domain``'s post-test z within conditions: post_z
    minus its condition mean, then the core's random-intercept estimator by team."""
    from ldj_analysis.models.icc import variance_components

    rows = pairs[(pairs["domain"] == domain) & pairs["post_z"].notna()]
    rows = rows[rows["condition"].notna()]
    if rows.empty:
        raise ValueError(f"no post_z of domain '{domain}' to estimate the ICC from")
    y = pd.to_numeric(rows["post_z"]).to_numpy(float)
    centred = y - rows.groupby("condition")["post_z"].transform("mean").to_numpy(float)
    vc = variance_components(centred, rows["team_id"].astype(str).to_numpy())
    return {
        "source": f"estimated from post_z of {domain} (within conditions)",
        "icc": float(vc.icc),
        "between": float(vc.between),
        "within": float(vc.within),
        "n": int(vc.n),
        "n_clusters": int(vc.n_clusters),
    }


def components_from_config(
    sim: Mapping[str, Any], pairs: pd.DataFrame | None = None
) -> dict[str, Any]:
    """``simulation.icc``: a number, or ``estimate`` (from the derived pairs)."""
    icc = sim["icc"]
    if icc == "estimate":
        if pairs is None:
            raise ValueError("simulation.icc: estimate needs data/derived/pairs.parquet")
        return estimate_components(pairs, sim["domain"])
    return {"source": "config (simulation.icc)", "icc": float(icc)}


def team_period_components(
    sim: Mapping[str, Any], outcome: str, team_periods: pd.DataFrame | None = None
) -> dict[str, Any]:
    """``simulation.team_periods.icc`` of a team-period outcome: a number, or ``estimate``:
    the outcome's ICC as results/models/icc.csv has it (``models.icc.icc_frame``, REML
    random intercept by team over the team-periods; 0 where the estimate is missing)."""
    icc = sim["team_periods"]["icc"]
    if icc != "estimate":
        return {"source": "config (simulation.team_periods.icc)", "icc": float(icc)}
    if team_periods is None:
        raise ValueError("simulation.team_periods.icc: estimate needs team_periods.parquet")
    from ldj_analysis.models.icc import icc_frame

    row = icc_frame(team_periods[["team_id", outcome]], None).iloc[0]
    value = float(row["icc"]) if pd.notna(row["icc"]) else 0.0
    return {
        "source": f"{outcome} over team-periods (as icc.csv)",
        "icc": min(value, 0.99),
        "between": float(row["between"]),
        "within": float(row["within"]),
        "n": int(row["n"]),
        "n_clusters": int(row["n_clusters"]),
    }
