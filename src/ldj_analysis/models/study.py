"""The study's regressions (docs/study.md section 4.2-4.3) as output frames (docs/outputs.md).

- checklist/response: each Checklist score and response on condition over the team-periods
  (control the reference), team-clustered MLR SEs. Team-periods whose outcome is missing
  (e.g. response undefined because no treatments closed) are left out of that model.
- outcomes: per domain, post z on condition, pre z, sex, age and treatment duration, clients
  clustered in teams, FIML with the covariates in the model (config ``models.missing``).
  Sex is coded female = 1, male = 0 (pairs carry 'f'/'m'; anything else is missing).

A model that cannot be estimated is skipped with a logged warning; the frame's
``attrs["failures"]`` maps its name to the reason, ``attrs["dropped"]`` counts the rows each
model left out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.models.regression import ModelError, RegressionFit, fit_regression
from ldj_analysis.vocabulary import (
    CONDITION_DUMMIES,
    CONDITIONS,
    OUTCOME_DOMAINS,
    TEAM_PERIOD_OUTCOMES,
)

log = logging.getLogger(__name__)

OUTCOME_COVARIATES = [*CONDITION_DUMMIES, "pre_z", "sex", "age", "duration_days"]
SEX_CODES = {"f": 1.0, "m": 0.0}
MODEL_COLUMNS = [
    "outcome",
    "term",
    "estimate",
    "se",
    "z",
    "p",
    "beta",
    "beta_se",
    "beta_p",
    "n",
    "n_clusters",
]


def _models_config(config: Mapping[str, Any] | None) -> Mapping[str, Any]:
    return (config or {}).get("models", {}) or {}


def condition_dummies(condition: pd.Series) -> pd.DataFrame:
    """Dummies ``partial`` and ``full`` (control = reference); missing condition gives NaN."""
    codes, levels = pd.factorize(condition)  # on the distinct values: 10 M-row exports
    unknown = sorted(set(levels) - set(CONDITIONS))
    if unknown:
        raise ModelError(f"unknown condition value(s) {unknown}; expected {CONDITIONS}")
    known = codes >= 0
    level = {value: k for k, value in enumerate(levels)}
    return pd.DataFrame(
        {
            d: np.where(known, (codes == level.get(d, -2)).astype(float), np.nan)
            for d in CONDITION_DUMMIES
        },
        index=condition.index,
    )


def sex_indicator(sex: pd.Series) -> pd.Series:
    """Female = 1, male = 0 from 'f'/'m' (case and spaces ignored); anything else NaN."""
    codes = sex.astype("string").str.strip().str.lower()  # vectorised: 10 M-row exports
    return codes.map(SEX_CODES).astype(float)


def _check_conditions(name: str, condition: pd.Series) -> None:
    counts = condition.value_counts()
    empty = [c for c in CONDITIONS if counts.get(c, 0) == 0]
    if empty:
        raise ModelError(f"model '{name}': no observations in condition(s) {empty}")


def fit_frame(fit: RegressionFit, outcome: str) -> pd.DataFrame:
    """One model's rows in the docs/outputs.md model columns."""
    frame = fit.table.assign(outcome=outcome, n=fit.n, n_clusters=fit.n_clusters)
    return frame[MODEL_COLUMNS]


def _collect(
    frames: list[pd.DataFrame], failures: dict[str, str], dropped: dict[str, dict[str, int]]
) -> pd.DataFrame:
    out = (
        pd.concat(frames, ignore_index=True)
        if frames
        else pd.DataFrame(
            {
                c: pd.Series(dtype="object" if c in ("outcome", "term") else float)
                for c in MODEL_COLUMNS
            }
        )
    )
    out = out.astype({"n": "Int64", "n_clusters": "Int64"})
    out.attrs["failures"] = failures
    out.attrs["dropped"] = dropped
    return out


def fit_checklist_response(
    team_periods: pd.DataFrame, config: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Regress collection, use, preconditions, total and response on condition (Table 2/3 N).

    Team-periods with the outcome missing are left out of that model (counted in
    ``attrs["dropped"]``). Returns the ``checklist_response.csv`` frame.
    """
    del config  # no options yet; kept for a uniform signature
    base = pd.concat(
        [team_periods[["team_id"]], condition_dummies(team_periods["condition"])], axis=1
    )
    frames, failures, dropped = [], {}, {}
    for outcome in TEAM_PERIOD_OUTCOMES:
        name = f"checklist_response:{outcome}"
        try:
            if outcome not in team_periods.columns:
                raise ModelError(f"model '{name}': column '{outcome}' not in team_periods")
            used = team_periods[outcome].notna() & team_periods["condition"].notna()
            _check_conditions(name, team_periods.loc[used, "condition"])
            data = base.assign(**{outcome: pd.to_numeric(team_periods[outcome])})[used]
            fit = fit_regression(
                data, outcome, CONDITION_DUMMIES, cluster="team_id", missing="listwise", name=name
            )
        except ModelError as exc:
            log.warning("%s", exc)
            failures[name] = str(exc)
            continue
        dropped[name] = {
            "outcome_missing": int(team_periods[outcome].isna().sum()),
            "condition_missing": int((team_periods[outcome].notna() & ~used).sum()),
        }
        frames.append(fit_frame(fit, outcome))
    return _collect(frames, failures, dropped)


def outcome_model_data(pairs: pd.DataFrame) -> pd.DataFrame:
    """Model variables of the outcome regressions: post_z, dummies, covariates, team_id."""
    dummies = condition_dummies(pairs["condition"])
    return pd.DataFrame(
        {
            "team_id": pairs["team_id"],
            "post_z": pd.to_numeric(pairs["post_z"]).astype(float),
            "partial": dummies["partial"],
            "full": dummies["full"],
            "pre_z": pd.to_numeric(pairs["pre_z"]).astype(float),
            "sex": sex_indicator(pairs["sex"]),
            "age": pd.to_numeric(pairs["age"]).astype(float),
            "duration_days": pd.to_numeric(pairs["duration_days"]).astype(float),
        },
        index=pairs.index,
    )


def fit_outcome_models(
    pairs: pd.DataFrame, config: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """Per domain (opgroei, opvoed): post_z ~ partial + full + pre_z + sex + age + duration_days.

    Clients clustered in teams, MLR SEs; FIML (default) or listwise (``models.missing``).
    Returns the ``outcomes.csv`` frame.
    """
    missing = _models_config(config).get("missing", "fiml")
    frames, failures, dropped = [], {}, {}
    for domain in OUTCOME_DOMAINS:
        name = f"outcomes:{domain}"
        try:
            rows = pairs[pairs["domain"] == domain]
            _check_conditions(name, rows["condition"].dropna())
            data = outcome_model_data(rows)
            fit = fit_regression(
                data, "post_z", OUTCOME_COVARIATES, cluster="team_id", missing=missing, name=name
            )
        except ModelError as exc:
            log.warning("%s", exc)
            failures[name] = str(exc)
            continue
        dropped[name] = {"all_missing": fit.n_dropped_empty, "listwise": fit.n_dropped_listwise}
        if fit.n_dropped_empty or fit.n_dropped_listwise:
            log.info(
                "%s: dropped %d rows with every variable missing, %d incomplete rows (listwise)",
                name,
                fit.n_dropped_empty,
                fit.n_dropped_listwise,
            )
        frames.append(fit_frame(fit, domain))
    return _collect(frames, failures, dropped)
