"""Agreement with lavaan 0.6 (tests/reference/models/make_reference.R) and with real Mplus.

lavaan: sem(y ~ x..., estimator = "MLR", cluster = "team", fixed.x = FALSE,
information = "observed", observed.information = "hessian", missing = "ml" or listwise).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.models import fit_regression, mvn
from ldj_analysis.models.regression import complex_step_jacobian, regression_parameters
from tests.models.conftest import REFERENCE, load_reference

FIML = ["fiml_clusters", "fiml_single", "outcome"]
COMPLETE = ["checklist", "outcome_listwise", "complete_clusters"]


def _lavaan_terms(estimates: pd.DataFrame, y: str, terms: list[str]) -> pd.DataFrame:
    """lavaan's rows for the intercept and slopes of y, indexed like our table."""
    rows = estimates[
        ((estimates.op == "~") & (estimates.lhs == y))
        | ((estimates.op == "~1") & (estimates.lhs == y))
    ]
    rows = rows.assign(term=np.where(rows.op == "~1", "intercept", rows.rhs))
    return rows.set_index("term").loc[terms]


@pytest.mark.parametrize("dataset", FIML + COMPLETE)
def test_matches_lavaan(dataset: str):
    data, estimates, info = load_reference(dataset)
    covariates = info.x.split()
    missing = "fiml" if info.missing == "ml" else "listwise"
    fit = fit_regression(data, info.y, covariates, cluster="team", missing=missing)
    ours = fit.table.set_index("term")
    ref = _lavaan_terms(estimates, info.y, list(ours.index))
    se_rtol = 1e-4 if dataset in FIML else 1e-5

    assert fit.n == info.nobs
    assert fit.n_clusters == info.nclusters
    assert fit.loglik == pytest.approx(info.loglik, abs=1e-6)
    np.testing.assert_allclose(ours.estimate, ref.est, rtol=1e-6)
    np.testing.assert_allclose(ours.se, ref.se, rtol=se_rtol)
    np.testing.assert_allclose(ours.beta, ref.std_all, rtol=1e-6)
    np.testing.assert_allclose(ours.beta_se, ref.std_se, rtol=se_rtol)
    np.testing.assert_allclose(ours.z, ref.z, rtol=se_rtol)
    np.testing.assert_allclose(ours.p, ref.pvalue, rtol=1e-3, atol=1e-12)
    np.testing.assert_allclose(ours.beta_p, ref.std_pvalue, rtol=1e-3, atol=1e-12)
    resid = estimates[
        (estimates.op == "~~") & (estimates.lhs == info.y) & (estimates.rhs == info.y)
    ]
    assert fit.residual_variance == pytest.approx(resid.est.item(), rel=1e-6)
    assert fit.residual_variance_se == pytest.approx(resid.se.item(), rel=se_rtol)


def test_reference_data_have_the_promised_features():
    """The data sets cover what the tests claim: missing shares, a 1-row cluster, design."""
    data, _, _ = load_reference("fiml_clusters")
    share = data[["y", "x1", "x2", "x3"]].isna().mean()
    assert share.between(0.10, 0.20).all()
    assert data.team.value_counts().nunique() > 5  # unequal cluster sizes
    single, _, _ = load_reference("fiml_single")
    assert (single.team.value_counts() == 1).any()
    checklist, _, _ = load_reference("checklist")
    assert (len(checklist), checklist.team.nunique()) == (61, 16)
    assert set(np.unique(checklist[["partial", "full"]])) == {0.0, 1.0}
    outcome, _, _ = load_reference("outcome")
    assert outcome.drop(columns="team").isna().all(axis=1).sum() == 2


def test_without_clusters_matches_lavaan_ml():
    data = pd.read_csv(
        REFERENCE / "mplus_ex3_1" / "ex3.1.dat", sep=r"\s+", header=None, names=["y1", "x1", "x3"]
    )
    estimates = pd.read_csv(REFERENCE / "mplus_ex3_1_lavaan.csv")
    fit = fit_regression(data, "y1", ["x1", "x3"])
    ours = fit.table.set_index("term")
    ref = _lavaan_terms(estimates, "y1", list(ours.index))
    assert fit.n_clusters is None
    np.testing.assert_allclose(ours.estimate, ref.est, rtol=1e-6)
    np.testing.assert_allclose(ours.se, ref.se, rtol=1e-5)
    np.testing.assert_allclose(ours.beta, ref.std_all, rtol=1e-6)
    np.testing.assert_allclose(ours.beta_se, ref.std_se, rtol=1e-5)


def test_matches_real_mplus_output_ex3_1():
    """Mplus 8.2 ex3.1 (ML, observed information), values as printed (3 decimals)."""
    data = pd.read_csv(
        REFERENCE / "mplus_ex3_1" / "ex3.1.dat", sep=r"\s+", header=None, names=["y1", "x1", "x3"]
    )
    out = (REFERENCE / "mplus_ex3_1" / "ex3.1.out").read_text()
    assert "Information matrix                                        OBSERVED" in out
    fit = fit_regression(data, "y1", ["x1", "x3"])
    t = fit.table.set_index("term")
    printed = {  # term: (estimate, se, z, stdyx, stdyx se, stdyx z)  from ex3.1.out
        "x1": (0.969, 0.042, 23.357, 0.653, 0.024, 26.865),
        "x3": (0.649, 0.044, 14.627, 0.409, 0.028, 14.516),
        "intercept": (0.511, 0.043, 11.766, 0.329, 0.030, 11.081),
    }
    for term, (est, se, z, beta, beta_se, beta_z) in printed.items():
        row = t.loc[term]
        assert round(row.estimate, 3) == est
        assert round(row.se, 3) == se
        assert abs(row.z - z) <= 0.0005 + 1e-9
        assert round(row.beta, 3) == beta
        assert round(row.beta_se, 3) == beta_se
        assert abs(row.beta / row.beta_se - beta_z) <= 0.0005 + 1e-9
    assert round(fit.residual_variance, 3) == 0.941
    assert round(fit.residual_variance_se, 3) == 0.060
    assert round(fit.r_squared, 3) == 0.609


def test_fixed_x_would_not_match_mplus():
    """Guard: the STDYX SEs with x variances held fixed (.020, .025) are not Mplus's."""
    data = pd.read_csv(
        REFERENCE / "mplus_ex3_1" / "ex3.1.dat", sep=r"\s+", header=None, names=["y1", "x1", "x3"]
    )
    fit = fit_regression(data, "y1", ["x1", "x3"])
    # drop the uncertainty of the x moments: zero their rows/columns in the covariance
    p = 3
    vcov = fit.vcov.copy()
    theta = mvn.pack(fit.mean, fit.cov)
    rows, cols = mvn.vech_pairs(p)
    x_moment = np.r_[[False, True, True], (rows > 0) & (cols > 0)]
    jac = complex_step_jacobian(lambda t: regression_parameters(t, p), theta)
    # conditional on x: the covariance of the y-part given fixed x moments
    keep = ~x_moment
    v = np.zeros_like(vcov)
    v[np.ix_(keep, keep)] = vcov[np.ix_(keep, keep)] - vcov[
        np.ix_(keep, x_moment)
    ] @ np.linalg.solve(vcov[np.ix_(x_moment, x_moment)], vcov[np.ix_(x_moment, keep)])
    se_fixed = np.sqrt(np.einsum("ij,jk,ik->i", jac, v, jac))
    assert round(se_fixed[p + 2], 3) == 0.020  # x1 STDYX SE with fixed x
    assert fit.table.set_index("term").loc["x1", "beta_se"].round(3) == 0.024


def test_team_with_only_empty_rows_is_no_cluster():
    """Rows missing on every variable are left out before the analysis (as Mplus leaves
    such cases out; not checked against Mplus itself), so a team with only such rows is no
    cluster. lavaan drops the rows but still counts the
    team in G / (G - 1): estimates and loglik agree, SEs differ by exactly that factor."""
    data, estimates, info = load_reference("empty_cluster")
    fit = fit_regression(data, info.y, info.x.split(), cluster="team", missing="fiml")
    ours = fit.table.set_index("term")
    ref = _lavaan_terms(estimates, info.y, list(ours.index))
    g, g_lavaan = info.nclusters, data["team"].nunique()
    assert (fit.n, fit.n_clusters, g_lavaan) == (info.nobs, g, g + 1)
    # lavaan stops a little short of the optimum here (x2 off by 4e-7 of -0.10, 1.5e-6
    # SE): ours is at least as high, and every estimate within 1e-5 of its SE
    assert info.loglik - 1e-9 <= fit.loglik <= info.loglik + 1e-6
    assert (np.abs(ours.estimate - ref.est.to_numpy()) < 1e-5 * ours.se).all()
    factor = np.sqrt((g / (g - 1)) / (g_lavaan / (g_lavaan - 1)))
    np.testing.assert_allclose(ours.se, ref.se * factor, rtol=1e-4)
    assert not np.allclose(ours.se, ref.se, rtol=1e-3)  # the factor is not negligible here
