"""Design matrices of the models fitted to each simulated data set: the specs of
results/models/small_sample.csv (``models.small_sample_models``), with the same added columns:

- ``study``: outcome on the condition dummies partial and full (control the reference);
- ``half_year``: plus calendar half-year dummies, so a secular trend is not read as a
  condition effect;
- ``team_fe_half_year``: plus team fixed effects, so conditions are compared within teams.

Clusters are teams in every spec. A dummy of a condition that the design lacks is left out
(and not tested).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import numpy as np

from ldj_analysis.models.small_sample_models import nuisance
from ldj_analysis.vocabulary import CONDITION_DUMMIES, SPECS

SpecMatrix = Callable[[np.ndarray, np.ndarray, np.ndarray], tuple[np.ndarray, list[str], list[str]]]


def spec_matrix(
    spec: str, condition: np.ndarray, halfyear: np.ndarray, team: np.ndarray
) -> tuple[np.ndarray, list[str], list[str]]:
    """[intercept, partial, full, the spec's added columns]; returns X, column names and the
    terms to test."""
    present = [d for d in CONDITION_DUMMIES if (condition == d).any()]
    cond = np.column_stack([(condition == d).astype(float) for d in present])
    extra, extra_names = nuisance(spec, team, halfyear)
    X = np.column_stack([np.ones(condition.size), cond, extra])
    return X, ["intercept", *present, *extra_names], present


SPEC_MATRICES: dict[str, SpecMatrix] = {spec: partial(spec_matrix, spec) for spec in SPECS}
