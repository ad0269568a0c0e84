"""Design matrices of the models fitted to each simulated data set, with the spec names of
results/models/small_sample.csv:

- ``study``: outcome on the condition dummies partial and full (control the reference);
- ``halfyear``: plus calendar half-year dummies (first half-year the reference), so a
  secular trend is not read as a condition effect;
- ``team_fe_halfyear``: plus team fixed effects, so conditions are compared within teams.

Clusters are teams in every spec. A dummy of a condition that the design lacks is left out
(and not tested).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

SPECS: tuple[str, ...] = ("study", "halfyear", "team_fe_halfyear")
DUMMIES: tuple[str, ...] = ("partial", "full")


def _dummies(codes: np.ndarray, prefix: str) -> tuple[np.ndarray, list[str]]:
    """Dummies of the integer ``codes`` with the smallest value as the reference."""
    levels = np.unique(codes)[1:]
    return (codes[:, None] == levels[None, :]).astype(float), [f"{prefix}{v}" for v in levels]


def _condition_columns(condition: np.ndarray) -> tuple[np.ndarray, list[str]]:
    present = [d for d in DUMMIES if (condition == d).any()]
    return np.column_stack([(condition == d).astype(float) for d in present]), present


def study_matrix(
    condition: np.ndarray, halfyear: np.ndarray, team: np.ndarray
) -> tuple[np.ndarray, list[str], list[str]]:
    """[intercept, partial, full]; returns X, column names, terms to test."""
    del halfyear, team
    cond, terms = _condition_columns(condition)
    X = np.column_stack([np.ones(condition.size), cond])
    return X, ["intercept", *terms], terms


def halfyear_matrix(
    condition: np.ndarray, halfyear: np.ndarray, team: np.ndarray
) -> tuple[np.ndarray, list[str], list[str]]:
    """[intercept, partial, full, half-year dummies]."""
    del team
    cond, terms = _condition_columns(condition)
    hy, hy_names = _dummies(halfyear, "halfyear_")
    X = np.column_stack([np.ones(condition.size), cond, hy])
    return X, ["intercept", *terms, *hy_names], terms


def team_fe_halfyear_matrix(
    condition: np.ndarray, halfyear: np.ndarray, team: np.ndarray
) -> tuple[np.ndarray, list[str], list[str]]:
    """[intercept, partial, full, half-year dummies, team dummies]."""
    cond, terms = _condition_columns(condition)
    hy, hy_names = _dummies(halfyear, "halfyear_")
    fe, fe_names = _dummies(team, "team_")
    X = np.column_stack([np.ones(condition.size), cond, hy, fe])
    return X, ["intercept", *terms, *hy_names, *fe_names], terms


SPEC_MATRICES: dict[
    str, Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, list[str], list[str]]]
] = {
    "study": study_matrix,
    "halfyear": halfyear_matrix,
    "team_fe_halfyear": team_fe_halfyear_matrix,
}
