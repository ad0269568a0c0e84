"""Data sets of a design from a two-level model (clients in teams):

    y = effect(condition of the team-period) + trend * half-year + u_team + e_client,
    u ~ N(0, ICC), e ~ N(0, 1 - ICC),

so the total variance is 1 and effects are standardized (in SDs of the outcome, as Bloom's
MDES). ``full`` gets the effect d, ``partial`` the configured share of it. The outcome is a
client-level score in team-periods clustered by team, like the study's outcome models; the
ICC is set in config or estimated from the selected domain's post-test z-scores.
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
    """One data set's structure and noise, before an effect or trend is added: per client
    the team (code), period (column of the design), half-year, condition, and the noise
    ``u_team + e``. Adding effects to the same draw gives common random numbers across the
    effect grid (smooth power curves)."""

    team: np.ndarray
    period: np.ndarray
    halfyear: np.ndarray
    condition: np.ndarray
    noise: np.ndarray

    def outcome(self, effect: float, partial_share: float, trend: float = 0.0) -> np.ndarray:
        """y for a standardized effect of full implementation (partial: ``partial_share``
        of it) and a secular trend in SD per half-year."""
        shift = np.where(
            self.condition == "full",
            effect,
            np.where(self.condition == "partial", partial_share * effect, 0.0),
        )
        return self.noise + shift + trend * self.halfyear


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
    u = rng.standard_normal(design.n_teams) * np.sqrt(icc)
    e = rng.standard_normal(where["team"].size) * np.sqrt(1.0 - icc)
    return Draw(noise=u[where["team"]] + e, **where)


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
