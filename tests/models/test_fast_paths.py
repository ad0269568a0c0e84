"""The models' faster paths for national scale against the plain versions they replaced:
the identification of a design's columns (basis kept in one array, not re-stacked per
column) and the condition dummies (computed on the distinct values)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldj_analysis.models.regression import ModelError
from ldj_analysis.models.small_sample_models import identified_columns
from ldj_analysis.models.study import condition_dummies
from ldj_analysis.vocabulary import CONDITION_DUMMIES


def _identified_columns_stacked(X, names, reported, name):
    """identified_columns as first written: the basis re-stacked for every kept column."""
    names = list(names)
    order = [c for c in names if c not in reported] + [c for c in names if c in reported]
    top = np.abs(X).max(axis=0) if X.shape[0] else np.ones(X.shape[1])
    scaled = X / np.where(top > 0, top, 1.0)
    keep = []
    basis = np.zeros((X.shape[0], 0))
    for col in order:
        v = scaled[:, names.index(col)]
        if basis.shape[1]:
            v = v - basis @ (basis.T @ v)
        norm = float(np.linalg.norm(v))
        if norm > 1e-9 * np.sqrt(max(X.shape[0], 1)):
            basis = np.column_stack([basis, v / norm])
            keep.append(col)
        elif col in reported:
            raise ModelError(f"model '{name}': term '{col}' is not identified")
    return [c for c in names if c in keep]


@settings(max_examples=60, deadline=None)
@given(
    n=st.integers(0, 60),
    groups=st.integers(1, 6),
    seed=st.integers(0, 2**16),
    report_alias=st.booleans(),
)
def test_identified_columns_equal_the_stacked_basis(n, groups, seed, report_alias):
    """Designs with an intercept, group dummies (aliased with it), a copy of a column and
    noise: the same columns are kept, and the same reported term found not identified."""
    rng = np.random.default_rng(seed)
    group = rng.integers(0, groups, n)
    dummies = [(group == g).astype(float) for g in range(groups)]
    x = rng.normal(size=n)
    columns = [np.ones(n), x, *dummies, 2.5 * x, rng.normal(size=n) * 1e3]
    names = ["intercept", "x", *(f"g{g}" for g in range(groups)), "x2", "big"]
    X = np.column_stack(columns) if n else np.zeros((0, len(names)))
    reported = ["intercept", "x", "x2" if report_alias else "big"]
    try:
        want = _identified_columns_stacked(X, names, reported, "m")
    except ModelError:
        with pytest.raises(ModelError):
            identified_columns(X, names, reported, "m")
        return
    assert identified_columns(X, names, reported, "m") == want


def _condition_dummies_objects(condition):
    values = condition.astype("object")
    known = values.notna().to_numpy()
    return pd.DataFrame(
        {d: np.where(known, (values == d).to_numpy(float), np.nan) for d in CONDITION_DUMMIES},
        index=condition.index,
    )


@given(
    st.lists(st.sampled_from(["control", "partial", "full", None]), max_size=30),
    st.sampled_from(["str", "object", "category"]),
)
def test_condition_dummies_equal_object_comparisons(values, dtype):
    condition = pd.Series(values, dtype=dtype, index=np.arange(len(values)) * 3)
    pd.testing.assert_frame_equal(
        condition_dummies(condition), _condition_dummies_objects(condition)
    )


def test_unknown_condition_is_refused():
    with pytest.raises(ModelError, match="unknown condition"):
        condition_dummies(pd.Series(["control", "half"], dtype="str"))
