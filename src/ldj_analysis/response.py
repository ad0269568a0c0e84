"""Response per team-period (docs/study.md section 2; recipe step ``11_response.sql``):
numerator / closed treatments * 100.

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


def response_messages(team_periods: pd.DataFrame) -> list[str]:
    """Warnings (logged) for team-periods whose response is undefined or above 100 %."""
    tp = team_periods
    closed = tp["closed_treatments"].astype("float64")
    messages = [
        f"team {r.team_id} moment {r.moment}: 0 closed treatments, response undefined (NaN)"
        for r in tp[closed.fillna(-1).eq(0)].itertuples()
    ]
    messages += [
        f"team {r.team_id} moment {r.moment}: closed treatments missing"
        for r in tp[tp["closed_treatments"].isna()].itertuples()
    ]
    messages += [
        f"team {r.team_id} moment {r.moment}: response {r.response:.1f} % exceeds 100 % "
        f"({r.n_responders} responders, {r.closed_treatments} closed treatments)"
        for r in tp[tp["response"] > 100].itertuples()
    ]
    log_capped(log, "response", messages)
    return messages
