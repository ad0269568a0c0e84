"""LDJ Checklist scores per team-period (docs/study.md section 2), as percentages 0-100.

The scoring rule is recipe step ``02_checklist.sql``: domains collection (items 1-8), use
(9-15) and preconditions (16-25), and the total over all 25 items, each scored over its
answered items when at most ``checklist.max_missing_share`` of them are empty.
"""

from __future__ import annotations

import pandas as pd

from ldj_analysis import steps
from ldj_analysis.steps import code_lists
from ldj_analysis.vocabulary import CHECKLIST_DOMAINS

SCORE_COLUMNS = [*CHECKLIST_DOMAINS, "total"]


def checklist_scores(checklist: pd.DataFrame, max_missing_share: float) -> pd.DataFrame:
    """``team_id, moment``, the three domain scores and the total, and per score the number
    of missing items (``n_missing_<score>``), one row per checklist row."""
    con = steps.open_recipe()
    steps.register_table(con, "checklist", checklist)
    con.register("checklist_items", code_lists.checklist_items())
    steps.set_settings(con, **steps.checklist_settings(max_missing_share))
    steps.run(con, ["02_checklist"])
    long = steps.fetch(
        con, "SELECT pos, team_id, moment, score, value, n_missing FROM checklist_score"
    )
    wide = long.pivot(index=["pos", "team_id", "moment"], columns="score")
    out = wide.index.to_frame(index=False)[["team_id", "moment"]]
    for score in SCORE_COLUMNS:
        out[score] = wide[("value", score)].to_numpy("float64")
        out[f"n_missing_{score}"] = wide[("n_missing", score)].to_numpy("int64")
    return out
