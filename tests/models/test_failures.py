"""Models that cannot be estimated raise ModelError naming the model and the reason."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.models import (
    ModelError,
    baseline_ttests,
    fit_checklist_response,
    fit_outcome_models,
    fit_regression,
    prepost_tests,
)
from tests.models.test_study import pairs_from_reference, team_periods


def _frame(n: int = 60, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1 = rng.normal(size=n)
    return pd.DataFrame(
        {"team": np.arange(n) % 6, "x1": x1, "x2": rng.normal(size=n), "y": x1 + rng.normal(size=n)}
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        (lambda d: d.assign(y=3.0), "outcome 'y' is constant"),
        (lambda d: d.assign(x2=0.0), "covariate 'x2' is constant"),
        (lambda d: d.assign(x2=np.nan), "covariate 'x2' has 0 observed"),
        (lambda d: d.assign(team=1), "1 cluster(s)"),
        (lambda d: d.assign(x2=2 * d.x1 + 1), "cannot be estimated"),
        (lambda d: d.assign(y=d.x1 - d.x2), "linear function of the others"),
        (lambda d: d.assign(team=d.team.where(d.index > 0)), "lack a cluster id"),
        (lambda d: d.drop(columns="x2"), "not in the data"),
    ],
)
def test_model_errors_name_model_and_reason(change, message):
    with pytest.raises(ModelError) as info:
        fit_regression(change(_frame()), "y", ["x1", "x2"], cluster="team", name="demo")
    assert "model 'demo'" in str(info.value)
    assert message in str(info.value)


@pytest.mark.slow
def test_nullable_pandas_dtypes_as_read_from_parquet():
    tp = team_periods()
    tp = tp.astype(
        {
            "team_id": "str",
            "condition": "str",
            "arm": "str",
            "moment": "Int64",
            "response": "Float64",
        }
    )
    tp.loc[4, "response"] = pd.NA  # team 13, moment 2
    out = fit_checklist_response(tp).set_index(["outcome", "term"])
    assert out.loc[("response", "full"), "n"] == 60
    assert baseline_ttests(tp).loc[4, "n_control"] == 5
    pairs, _ = pairs_from_reference()
    pairs = pairs.astype(
        {
            "team_id": "str",
            "condition": "str",
            "sex": "str",
            "pre_z": "Float64",
            "age": "Float64",
            "duration_days": "Float64",
        }
    )
    assert len(fit_outcome_models(pairs)) == 7
    assert prepost_tests(pairs).loc[0, "n"] > 0


def test_rescaling_variables_rescales_estimates_and_keeps_betas():
    """Affine equivariance (the fit standardises internally): x -> 1000 x + 5, y -> y / 10."""
    data = _frame(n=90, seed=4)
    data.loc[::7, "x1"] = np.nan
    data.loc[::5, "y"] = np.nan
    base = fit_regression(data, "y", ["x1", "x2"], cluster="team").table.set_index("term")
    moved = data.assign(x1=1000 * data.x1 + 5, y=data.y / 10)
    other = fit_regression(moved, "y", ["x1", "x2"], cluster="team").table.set_index("term")
    assert other.loc["x1", "estimate"] == pytest.approx(base.loc["x1", "estimate"] / 10_000)
    assert other.loc["x1", "se"] == pytest.approx(base.loc["x1", "se"] / 10_000)
    assert other.loc["x2", "se"] == pytest.approx(base.loc["x2", "se"] / 10)
    np.testing.assert_allclose(other.loc[["x1", "x2"], "beta"], base.loc[["x1", "x2"], "beta"])
    np.testing.assert_allclose(
        other.loc[["x1", "x2"], "beta_se"], base.loc[["x1", "x2"], "beta_se"], rtol=1e-7
    )
