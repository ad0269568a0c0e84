"""Small-cell suppression and the guard that keeps client-level rows out of results/.

Rule (docs/study.md section 6): no published cell may rest on fewer than ``min_cell_size``
clients. What a cell rests on, per output:

- Table 4, prepost_tests, sample: ``n`` counts clients (or pairs of clients): a row with
  n < k shows n as "<k" and its statistics suppressed.
- Table 3 and the response model: response is responders / closed treatments, so a
  condition's basis is the number of closed treatments (clients) of its team-periods.
  Its row is suppressed below k; its minimum or maximum (one team-period's response) only
  when every team-period reaching it has fewer than k closed treatments.
- Tables 1 and 2, the Checklist models and t-tests: the Checklist is filled by a team about
  its practice; its scores concern teams, not clients, and are not suppressed (Table 2's N
  counts team-periods).
- Outcome models: if a condition group (Table 4's n) has fewer than k clients, the model's
  intercept and condition terms are suppressed; if the whole model has, everything is.
- Sample: besides its own rows below k, a sex group is suppressed when the clients not shown
  (all minus the groups shown: a suppressed group and clients of unknown sex) would number
  1..k-1, so that no small group can be derived by subtraction (secondary suppression).
- Flow: counts of 1..k-1 records are shown as "<k" (zero is shown).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

#: Columns that only client-level frames have; their presence means "do not publish".
CLIENT_COLUMNS: tuple[str, ...] = (
    "client_key",
    "client_id",
    "record_id",
    "treatment_id",
    "birth_date",
)


@dataclass(frozen=True)
class Privacy:
    """What the suppression rules need besides the table itself."""

    min_cell_size: int = 7
    team_periods: pd.DataFrame | None = None
    table4: pd.DataFrame | None = None
    show_client_extremes: bool = False


class PrivacyError(ValueError):
    """A frame about to be published holds client-level data."""


def refuse_client_rows(frame: pd.DataFrame, name: str = "frame") -> pd.DataFrame:
    """Return ``frame`` unchanged, or raise PrivacyError if it is client-level."""
    found = [c for c in frame.columns if str(c).lower() in CLIENT_COLUMNS]
    if found:
        raise PrivacyError(
            f"{name}: refusing to publish a client-level frame (columns {found}); "
            "only aggregated tables may reach results/"
        )
    return frame


def refuse_all(frames: Mapping[str, pd.DataFrame | None]) -> None:
    """Apply :func:`refuse_client_rows` to every frame of a mapping."""
    for name, frame in frames.items():
        if frame is not None:
            refuse_client_rows(frame, name)


def marker(min_cell_size: int) -> str:
    """The text that replaces a suppressed cell, e.g. "<7"."""
    return f"<{min_cell_size}"


def too_small(n: object, min_cell_size: int) -> bool:
    """True if a count is below the threshold; a missing count is treated as too small."""
    try:
        value = float(n)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return True
    return bool(np.isnan(value) or value < min_cell_size)


def _defined_response(team_periods: pd.DataFrame) -> pd.DataFrame:
    tp = refuse_client_rows(team_periods, "team_periods")
    return tp[tp["response"].notna() & (tp["closed_treatments"].fillna(0) > 0)]


def response_basis(team_periods: pd.DataFrame) -> pd.Series:
    """Closed treatments (clients) behind each condition's response, indexed by condition."""
    tp = _defined_response(team_periods)
    return tp.groupby("condition")["closed_treatments"].sum().astype("float64")


def baseline_response_basis(team_periods: pd.DataFrame) -> pd.Series:
    """Closed treatments behind each arm's response at moment 1 (the baseline t-tests')."""
    tp = refuse_client_rows(team_periods, "team_periods")
    first = tp["moment"] == 1
    return response_basis(tp[first].assign(condition=tp.loc[first, "arm"]))


def response_extremes_publishable(
    team_periods: pd.DataFrame, table3: pd.DataFrame, min_cell_size: int
) -> pd.DataFrame:
    """Per condition, whether Table 3's min and max may be shown (``min_ok``, ``max_ok``).

    An extreme is one team-period's response; it may be shown if at least one team-period
    that reaches it has ``min_cell_size`` or more closed treatments.
    """
    tp = _defined_response(team_periods)
    merged = tp.merge(table3[["condition", "min", "max"]], on="condition", how="inner")
    big = merged["closed_treatments"] >= min_cell_size
    merged["min_ok"] = np.isclose(merged["response"], merged["min"]) & big
    merged["max_ok"] = np.isclose(merged["response"], merged["max"]) & big
    ok = merged.groupby("condition")[["min_ok", "max_ok"]].any()
    return ok.reindex(table3["condition"].unique(), fill_value=False)


def outcome_group_sizes(table4: pd.DataFrame) -> dict[tuple[str, str], float]:
    """Clients per (domain, condition) from Table 4, for the outcome models' groups."""
    keys = zip(table4["domain"].astype(str), table4["condition"].astype(str), strict=True)
    return dict(zip(keys, table4["n"].astype("float64"), strict=True))


def small_groups(
    sizes: Mapping[tuple[str, str], float], outcome: str, conditions: Iterable[str], k: int
) -> list[str]:
    """The conditions of ``outcome`` whose client count is below ``k`` (missing = small)."""
    return [c for c in conditions if too_small(sizes.get((outcome, c), np.nan), k)]


def secondary_suppression(
    total: float, parts: Mapping[str, float], suppressed: Iterable[str], k: int
) -> set[str]:
    """Parts to suppress besides ``suppressed`` so that ``total`` minus the parts shown (the
    hidden parts together, with any part not listed, e.g. clients of unknown sex) is 0 or at
    least ``k``: the smallest shown part goes first."""
    hidden = set(suppressed)
    while True:
        shown = {name: n for name, n in parts.items() if name not in hidden}
        residual = total - sum(shown.values())
        if not shown or residual == 0 or residual >= k:
            return hidden - set(suppressed)
        hidden.add(min(shown, key=lambda name: (shown[name], name)))
