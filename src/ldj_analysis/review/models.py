"""The study's fitted regressions as reviewer models: the rows and variables each one uses.

One :class:`ReviewModel` per regression that ``models.study`` fits (five on the
team-periods, one outcome model per domain), with the data frame of exactly the rows the
pipeline analyses (the same dummies, sex coding and row drops) under names that fit
Mplus's 8-character limit. The Mplus and lavaan writers and the bundle work from these.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.models.study import OUTCOME_COVARIATES, condition_dummies, outcome_model_data
from ldj_analysis.vocabulary import CONDITION_DUMMIES, OUTCOME_DOMAINS, TEAM_PERIOD_OUTCOMES

#: Pipeline variable -> name in the bundle (Mplus allows at most 8 characters).
SHORT_NAMES: dict[str, str] = {
    "team_id": "team",
    "collection": "collect",
    "use": "use",
    "preconditions": "precond",
    "total": "total",
    "response": "response",
    "post_z": "post_z",
    "partial": "partial",
    "full": "full",
    "pre_z": "pre_z",
    "sex": "sex",
    "age": "age",
    "duration_days": "duration",
}
#: Short stems of the model files (``<stem>.inp``, ``<stem>.R``, ``<stem>.dat``).
FILE_STEMS: dict[str, str] = {
    **{f"checklist_response:{o}": f"cl_{SHORT_NAMES[o]}" for o in TEAM_PERIOD_OUTCOMES},
    **{f"outcomes:{d}": f"out_{d}" for d in OUTCOME_DOMAINS},
}
CLUSTER = "team_id"
MISSING_FLAG = -999


@dataclass(frozen=True)
class ReviewModel:
    """One regression as the pipeline fits it.

    ``name`` is the pipeline's model name (``outcomes:opgroei``); ``output`` and ``outcome``
    say which rows of which pipeline CSV it reproduces; ``data`` holds the analysed rows:
    the integer team code first, then the outcome and the covariates (short names).
    """

    name: str
    output: str
    outcome: str
    y: str
    x: tuple[str, ...]
    missing: str  # "fiml" | "listwise"
    data: pd.DataFrame
    team_codes: pd.DataFrame

    @property
    def stem(self) -> str:
        return FILE_STEMS[self.name]

    @property
    def variables(self) -> list[str]:
        """Column order of the data file: team code, outcome, covariates."""
        return ["team", self.y, *self.x]


def _short(names: list[str]) -> list[str]:
    for name in names:
        short = SHORT_NAMES[name]
        if len(short) > 8 or not short[0].isalpha():
            raise ValueError(f"'{short}' is not a valid Mplus name (8 characters, a letter first)")
    return [SHORT_NAMES[n] for n in names]


def team_code_table(team_ids: pd.Series) -> pd.DataFrame:
    """``team_id`` -> integer code 1..G (sorted ids), as Mplus needs a numeric cluster."""
    uniques = np.sort(pd.unique(team_ids.dropna().astype(str)))
    return pd.DataFrame({"team": np.arange(1, len(uniques) + 1), "team_id": uniques})


def _model(
    name: str,
    output: str,
    outcome: str,
    frame: pd.DataFrame,
    y: str,
    x: list[str],
    missing: str,
    codes: pd.DataFrame,
) -> ReviewModel:
    """Keep the rows the pipeline keeps (``regression._prepare``): FIML drops rows missing on
    every model variable, listwise every incomplete row; rows need a team."""
    values = frame[[y, *x]].apply(pd.to_numeric, errors="coerce").astype(float)
    if missing == "fiml":
        keep = values.notna().any(axis=1)
    elif missing == "listwise":
        keep = values.notna().all(axis=1)
    else:
        raise ValueError(f"model '{name}': missing must be 'fiml' or 'listwise', not {missing!r}")
    kept = values[keep]
    team = frame.loc[keep, CLUSTER].astype(str).map(codes.set_index("team_id")["team"])
    if team.isna().any():
        raise ValueError(f"model '{name}': {int(team.isna().sum())} analysed row(s) lack a team")
    data = pd.concat([team.astype("int64").rename("team"), kept], axis=1)
    data.columns = ["team", *_short([y, *x])]
    return ReviewModel(
        name=name,
        output=output,
        outcome=outcome,
        y=SHORT_NAMES[y],
        x=tuple(_short(x)),
        missing=missing,
        data=data.reset_index(drop=True),
        team_codes=codes,
    )


def review_models(
    team_periods: pd.DataFrame, pairs: pd.DataFrame, config: Mapping[str, Any] | None = None
) -> list[ReviewModel]:
    """Every regression of ``models.study`` with its analysed rows, in the pipeline's order."""
    missing = ((config or {}).get("models", {}) or {}).get("missing", "fiml")
    codes = team_code_table(pd.concat([team_periods[CLUSTER], pairs[CLUSTER]]))
    out = []
    tp = pd.concat([team_periods[[CLUSTER]], condition_dummies(team_periods["condition"])], axis=1)
    for outcome in TEAM_PERIOD_OUTCOMES:
        used = team_periods[outcome].notna() & team_periods["condition"].notna()
        frame = tp.assign(**{outcome: pd.to_numeric(team_periods[outcome])})[used]
        out.append(
            _model(
                f"checklist_response:{outcome}",
                "checklist_response.csv",
                outcome,
                frame,
                outcome,
                CONDITION_DUMMIES,
                "listwise",
                codes,
            )
        )
    for domain in OUTCOME_DOMAINS:
        rows = pairs[pairs["domain"] == domain]
        out.append(
            _model(
                f"outcomes:{domain}",
                "outcomes.csv",
                domain,
                outcome_model_data(rows),
                "post_z",
                OUTCOME_COVARIATES,
                missing,
                codes,
            )
        )
    return out
