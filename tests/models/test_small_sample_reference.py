"""CR2 and CR3 with Satterthwaite df against R clubSandwich (tests/reference/small_sample).

clubSandwich: coef_test(lm(y ~ .), vcov = vcovCR(fit, cluster = team, type = "CR2" | "CR3"),
test = "Satterthwaite"); the script make_reference.R and versions.csv are stored beside.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.models.regression import ModelError
from ldj_analysis.models.small_sample import cluster_tests

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "small_sample"
DATASETS = ["checklist", "checklist_fe", "outcome", "unbalanced", "eight"]


def load(dataset: str) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[str]]:
    """Design (intercept first), outcome, clusters and column names of a stored data set."""
    data = pd.read_csv(REFERENCE / f"{dataset}.csv")
    regressors = [c for c in data.columns if c not in ("team", "y")]
    X = np.column_stack([np.ones(len(data)), data[regressors].to_numpy(float)])
    return X, data.y.to_numpy(), data.team.to_numpy(), ["intercept", *regressors]


def clubsandwich(dataset: str, method: str) -> pd.DataFrame:
    ref = pd.read_csv(REFERENCE / "clubsandwich.csv", keep_default_na=False, na_values=["NA"])
    return ref[(ref.dataset == dataset) & (ref.type == method)]


@pytest.mark.parametrize("method", ["CR2", "CR3"])
@pytest.mark.parametrize("dataset", DATASETS)
def test_matches_clubsandwich(dataset: str, method: str):
    ref = clubsandwich(dataset, method)
    X, y, team, names = load(dataset)
    if ref.error.iloc[0]:
        pytest.skip(f"clubSandwich fails here: {ref.error.iloc[0]} (see test_cr3_fixed_effects)")
    res = cluster_tests(X, y, team, names, names, methods=[method])
    ref = ref.set_index("term").loc[names]
    np.testing.assert_allclose(res.estimate, ref.estimate, rtol=1e-6)
    # A coefficient whose robust SE is zero in exact arithmetic (checklist_fe: the dummy of a
    # team where every period is control) is rounding noise in both; its t, df and p are
    # meaningless. Check it is noise-sized in ours too, and compare the others.
    noise = (ref.se < 1e-10 * ref.se.median()).to_numpy()
    assert (res.se[noise] < 1e-10 * ref.se.median()).all()
    assert noise.sum() <= (1 if dataset == "checklist_fe" else 0)
    res, ref = res[~noise], ref[~noise]
    np.testing.assert_allclose(res.se, ref.se, rtol=1e-6)
    np.testing.assert_allclose(res.statistic, ref.tstat, rtol=1e-6)
    np.testing.assert_allclose(res.df, ref.df, rtol=1e-6)
    np.testing.assert_allclose(res.p, ref.p, rtol=1e-6)


def test_cr3_fixed_effects_fails_as_in_clubsandwich():
    """With team dummies I - H_gg is singular: clubSandwich's CR3 errors, so do we."""
    assert "singular" in clubsandwich("checklist_fe", "CR3").error.iloc[0]
    X, y, team, names = load("checklist_fe")
    with pytest.raises(ModelError, match="model 'fe'.*CR3.*singular"):
        cluster_tests(X, y, team, names, ["partial"], methods=["CR3"], name="fe")


def test_reference_data_have_the_promised_features():
    sizes = {d: pd.Series(load(d)[2]).value_counts() for d in DATASETS}
    assert len(sizes["checklist"]) == 16 and sizes["checklist"].sum() == 61
    assert len(sizes["outcome"]) == 16 and sizes["outcome"].sum() == 700
    assert sizes["unbalanced"].min() == 1 and sizes["unbalanced"].max() >= 50
    assert len(sizes["eight"]) == 8
    _, _, _, names = load("checklist_fe")
    assert {"team16", "period4", "partial", "full"} <= set(names)


def test_cr2_with_fixed_effects_uses_the_generalised_inverse():
    """The FE design really has singular I - H_gg (so the matched CR2 exercises that path)."""
    X, _, team, _ = load("checklist_fe")
    bread = np.linalg.inv(X.T @ X)
    xg = X[team == 5]
    eig = np.linalg.eigvalsh(np.eye(len(xg)) - xg @ bread @ xg.T)
    assert eig.min() < 1e-12


@pytest.mark.parametrize("dataset", DATASETS)
def test_mplus_matches_sandwich_vcovcl(dataset: str):
    """mplus = CR1 with G/(G-1) only = sandwich::vcovCL(type = "HC0", cadjust = TRUE)."""
    ref = pd.read_csv(REFERENCE / "sandwich_cr1.csv")
    ref = ref[ref.dataset == dataset].set_index("term")
    X, y, team, names = load(dataset)
    res = cluster_tests(X, y, team, names, names, methods=["mplus"])
    ref = ref.loc[names]
    keep = (ref.se > 1e-10 * ref.se.median()).to_numpy()  # checklist_fe: team2's SE is noise
    np.testing.assert_allclose(res.estimate, ref.estimate, rtol=1e-6)
    np.testing.assert_allclose(res.se[keep], ref.se[keep], rtol=1e-6)
