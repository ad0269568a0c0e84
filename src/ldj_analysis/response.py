"""Response per team-period (docs/study.md section 2): numerator / closed treatments * 100.

Numerator (``response.numerator``): ``clients_with_pair`` (distinct clients with at least
one selected pre/post pair in the team-period, the default), ``pairs`` (selected pairs) or
``clients_with_post`` (distinct clients with a usable end list: in the period, of an
instrument and informant the team uses, with a raw total). Pairs are counted before the
norm step, so that the norm table never changes the response. Closed = 0 gives NaN and a
warning (never a division error); a response above 100 % gives a warning naming the
team-period. Both stay in the data: the models decide what to do with them.
"""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

NUMERATORS = ("clients_with_pair", "pairs", "clients_with_post")
MAX_LOGGED = 20


def log_capped(logger: logging.Logger, what: str, messages: list[str]) -> None:
    """Log the first MAX_LOGGED messages as warnings and a count of the rest (all of them
    stay in the returned message list)."""
    for msg in messages[:MAX_LOGGED]:
        logger.warning("%s: %s", what, msg)
    if len(messages) > MAX_LOGGED:
        logger.warning("%s: ... and %d more warnings", what, len(messages) - MAX_LOGGED)


def numerator_counts(
    numerator: str, pairs: pd.DataFrame, usable_posts: pd.DataFrame
) -> pd.DataFrame:
    """``team_id, moment, n_responders`` from the selected pairs or the usable end lists
    (both with columns team_id, moment, client_id)."""
    if numerator not in NUMERATORS:
        raise ValueError(f"response.numerator must be one of {NUMERATORS}, got {numerator!r}")
    if numerator == "pairs":
        counts = pairs.groupby(["team_id", "moment"]).size()
    else:
        src = pairs if numerator == "clients_with_pair" else usable_posts
        counts = src.groupby(["team_id", "moment"])["client_id"].nunique()
    return counts.rename("n_responders").reset_index()


def add_response(
    team_periods: pd.DataFrame, counts: pd.DataFrame
) -> tuple[pd.DataFrame, list[str]]:
    """Add ``n_responders`` and ``response`` (percent) to team_periods; return warnings."""
    tp = team_periods.drop(columns=["n_responders", "response"], errors="ignore").merge(
        counts, on=["team_id", "moment"], how="left"
    )
    tp["n_responders"] = tp["n_responders"].fillna(0).astype("Int64")
    closed = tp["closed_treatments"].astype("float64")
    n = tp["n_responders"].astype("float64")
    with np.errstate(divide="ignore", invalid="ignore"):
        tp["response"] = np.where(closed > 0, n / closed * 100.0, np.nan)
    messages = []
    for r in tp[closed.fillna(-1).eq(0)].itertuples():
        messages.append(
            f"team {r.team_id} moment {r.moment}: 0 closed treatments, response undefined (NaN)"
        )
    for r in tp[tp["closed_treatments"].isna()].itertuples():
        messages.append(f"team {r.team_id} moment {r.moment}: closed treatments missing")
    for r in tp[tp["response"] > 100].itertuples():
        messages.append(
            f"team {r.team_id} moment {r.moment}: response {r.response:.1f} % exceeds 100 % "
            f"({r.n_responders} responders, {r.closed_treatments} closed treatments)"
        )
    log_capped(log, "response", messages)
    return tp, messages


def undefined_log(team_periods: pd.DataFrame) -> pd.DataFrame:
    """Exclusion rows (table implementation) for team-periods without a defined response."""
    bad = team_periods[team_periods["response"].isna()]
    return pd.DataFrame(
        {
            "table": "implementation",
            "key": "team_id="
            + bad["team_id"].astype(str)
            + ", moment="
            + bad["moment"].astype(str),
            "step": "response",
            "reason": np.where(
                bad["closed_treatments"].isna(),
                "response undefined: closed treatments missing",
                "response undefined: 0 closed treatments",
            ),
        }
    ).astype("str")
