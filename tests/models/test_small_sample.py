"""cluster_tests: the mplus method against fit_regression (lavaan-proven), errors, invariances."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.models import fit_regression
from ldj_analysis.models.regression import ModelError
from ldj_analysis.models.small_sample import COLUMNS, WildOptions, cluster_tests
from ldj_analysis.vocabulary import CLUSTER_TEST_METHODS
from tests.models.conftest import load_reference

COMPLETE = {
    "checklist": ("y", ["partial", "full"]),
    "complete_clusters": ("y", ["x1", "x2", "x3"]),
}


def _design(data: pd.DataFrame, covariates: list[str]) -> np.ndarray:
    return np.column_stack([np.ones(len(data)), data[covariates].to_numpy(float)])


@pytest.mark.parametrize("dataset", list(COMPLETE))
def test_mplus_equals_the_mlr_fit_of_fit_regression(dataset: str):
    data, _, _ = load_reference(dataset)
    outcome, covariates = COMPLETE[dataset]
    names = ["intercept", *covariates]
    res = cluster_tests(
        _design(data, covariates), data[outcome], data.team, names, names, methods=["mplus"]
    )
    fit = fit_regression(data, outcome, covariates, cluster="team", missing="listwise")
    ref = fit.table.set_index("term").loc[names]
    np.testing.assert_allclose(res.estimate, ref.estimate, rtol=1e-8)
    np.testing.assert_allclose(res.se, ref.se, rtol=1e-8)
    np.testing.assert_allclose(res.statistic, ref.z, rtol=1e-8)
    np.testing.assert_allclose(res.p, ref.p, rtol=1e-6, atol=1e-14)
    assert (res.df == np.inf).all()
    np.testing.assert_allclose(res.ci_high - res.estimate, 1.959963984540054 * res.se)


def test_outcome_listwise_mplus_matches_fit_regression():
    data, _, _ = load_reference("outcome_listwise")
    covariates = ["partial", "full", "pre_z", "sex", "age", "duration_days"]
    data = data.dropna()
    names = ["intercept", *covariates]
    res = cluster_tests(
        _design(data, covariates), data.post_z, data.team, names, ["partial", "full"], ["mplus"]
    )
    fit = fit_regression(data, "post_z", covariates, cluster="team", missing="listwise")
    ref = fit.table.set_index("term").loc[["partial", "full"]]
    np.testing.assert_allclose(res.se, ref.se, rtol=1e-8)


def test_output_layout_and_order():
    data, _, _ = load_reference("checklist")
    names = ["intercept", "partial", "full"]
    res = cluster_tests(
        _design(data, ["partial", "full"]),
        data.y,
        data.team.astype(str),
        names,
        ["full", "partial"],
        wild=WildOptions(ci=False),
    )
    assert list(res.columns) == COLUMNS
    assert list(res.term) == ["full"] * 4 + ["partial"] * 4
    assert list(res.method) == list(CLUSTER_TEST_METHODS) * 2
    wcr = res[res.method == "WCR"]
    assert wcr.se.isna().all() and wcr.df.isna().all() and wcr.ci_low.isna().all()


def test_invariant_to_row_order_and_cluster_labels():
    data, _, _ = load_reference("checklist")
    names = ["intercept", "partial", "full"]
    X = _design(data, ["partial", "full"])
    base = cluster_tests(X, data.y, data.team, names, ["partial"])
    perm = np.random.default_rng(1).permutation(len(data))
    labels = np.array([f"team {t:02d}" for t in data.team])[perm]
    other = cluster_tests(X[perm], data.y.to_numpy()[perm], labels, names, ["partial"])
    num = ["estimate", "se", "df", "statistic", "p", "ci_low", "ci_high"]
    np.testing.assert_allclose(other[num], base[num], rtol=1e-9)


def _checklist_args():
    data, _, _ = load_reference("checklist")
    return _design(data, ["partial", "full"]), data.y.to_numpy(), data.team.to_numpy()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (
            lambda X, y, c, kw: (
                np.column_stack([X, X[:, 1]]),
                y,
                c,
                kw | {"names": ["intercept", "partial", "full", "copy"]},
            ),
            "singular design",
        ),
        (lambda X, y, c, kw: (X, y, np.zeros_like(c), kw), "1 cluster"),
        (lambda X, y, c, kw: (X, np.where(np.arange(y.size) == 3, np.nan, y), c, kw), "NaN"),
        (lambda X, y, c, kw: (X, y, c, kw | {"methods": ["CR2", "HC3"]}), "unknown method"),
        (lambda X, y, c, kw: (X, y, c, kw | {"test": ["partial", "sex"]}), "not in"),
        (lambda X, y, c, kw: (X, y[:-1], c, kw), "rows"),
    ],
)
def test_errors_name_model_and_reason(change, message):
    X, y, c = _checklist_args()
    kw = {"names": ["intercept", "partial", "full"], "test": ["partial"]}
    X, y, c, kw = change(X, y, c, kw)
    with pytest.raises(ModelError, match=rf"model 'checklist'.*{message}"):
        cluster_tests(X, y, c, name="checklist", **kw)
