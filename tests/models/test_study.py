"""The study's models as output frames: published betas, columns, sex coding, failures."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.models import ModelError, fit_checklist_response, fit_outcome_models
from ldj_analysis.models.study import MODEL_COLUMNS, OUTCOME_COVARIATES, sex_indicator
from tests.models.conftest import load_reference

TABLE1 = {  # team: conditions P1..P4 (docs/study.md Table 1)
    "3": "ccc",
    "13": "ccc",
    "8": "cccc",
    "9": "cccc",
    "15": "cccc",
    "2": "cppp",
    "5": "cppp",
    "6": "cppp",
    "14": "cppp",
    "1": "cppf",
    "7": "cpf",
    "4": "cpff",
    "10": "cpff",
    "11": "cpff",
    "12": "cpff",
    "16": "cfff",
}
CODES = {"c": "control", "p": "partial", "f": "full"}
TABLE23 = {  # outcome: (M, SD) for control, partial, full (Tables 2 and 3)
    "collection": [(53.9, 15.6), (61.2, 17.6), (67.8, 22.8)],
    "use": [(31.0, 18.5), (42.9, 26.1), (50.0, 19.6)],
    "preconditions": [(49.0, 18.4), (62.6, 20.6), (66.2, 16.6)],
    "total": [(45.5, 15.2), (56.6, 19.6), (62.2, 16.4)],
    "response": [(7.7, 11.0), (26.0, 24.8), (33.3, 29.4)],
}
PUBLISHED_BETAS = {
    ("total", "full"): 0.38,
    ("total", "partial"): 0.29,
    ("use", "full"): 0.35,
    ("use", "partial"): 0.25,
    ("preconditions", "partial"): 0.32,
    ("preconditions", "full"): 0.35,
    ("response", "partial"): 0.37,
    ("response", "full"): 0.46,
}


def team_periods(seed: int = 0) -> pd.DataFrame:
    """61 team-periods of Table 1 whose scores have exactly the Table 2/3 means and SDs."""
    rows = [(t, m + 1, CODES[c]) for t, cs in TABLE1.items() for m, c in enumerate(cs)]
    tp = pd.DataFrame(rows, columns=["team_id", "moment", "condition"])
    tp["arm"] = np.where(tp.team_id.isin(["3", "13", "8", "9", "15"]), "control", "experimental")
    rng = np.random.default_rng(seed)
    for outcome, moments in TABLE23.items():
        values = np.empty(len(tp))
        for condition, (mean, sd) in zip(["control", "partial", "full"], moments, strict=True):
            idx = np.flatnonzero(tp.condition == condition)
            e = rng.normal(size=idx.size)
            values[idx] = mean + sd * (e - e.mean()) / e.std(ddof=1)
        tp[outcome] = values
    return tp


def test_published_betas_follow_from_tables_2_and_3():
    """STDYX betas on data with the Table 2/3 moments equal the published ones.

    Tolerance: the published betas are rounded to .01 (+-.005) and computed from unrounded
    data, while Table 2/3 give means and SDs rounded to .1, which moves a beta by up to ~.001.
    """
    out = fit_checklist_response(team_periods()).set_index(["outcome", "term"])
    for key, beta in PUBLISHED_BETAS.items():
        assert out.loc[key, "beta"] == pytest.approx(beta, abs=0.0062), key
    # the betas do not depend on how the rows fall into teams
    other = fit_checklist_response(team_periods(seed=7)).set_index(["outcome", "term"])
    np.testing.assert_allclose(other.beta, out.beta, rtol=1e-9)
    # unstandardised slopes are the mean differences with control
    assert out.loc[("use", "full"), "estimate"] == pytest.approx(50.0 - 31.0)


def test_checklist_frame_has_the_output_columns():
    out = fit_checklist_response(team_periods())
    assert list(out.columns) == MODEL_COLUMNS
    assert out.outcome.unique().tolist() == list(TABLE23)
    assert out.term.tolist()[:3] == ["intercept", "partial", "full"]
    assert (out.n == 61).all() and (out.n_clusters == 16).all()
    assert out.attrs["failures"] == {}


def test_undefined_response_is_left_out_of_that_model_only():
    tp = team_periods()
    tp.loc[[0, 10], "response"] = np.nan
    out = fit_checklist_response(tp).set_index(["outcome", "term"])
    assert out.loc[("response", "full"), "n"] == 59
    assert out.loc[("total", "full"), "n"] == 61


def test_failures_are_reported_and_other_models_kept(caplog):
    tp = team_periods()
    tp["use"] = 40.0  # constant outcome
    tp.loc[tp.condition == "full", "response"] = np.nan  # no observations in 'full'
    with caplog.at_level(logging.WARNING):
        out = fit_checklist_response(tp)
    failures = out.attrs["failures"]
    assert set(failures) == {"checklist_response:use", "checklist_response:response"}
    assert "constant" in failures["checklist_response:use"]
    assert "'use'" in failures["checklist_response:use"]
    assert "no observations in condition(s) ['full']" in failures["checklist_response:response"]
    assert out.outcome.unique().tolist() == ["collection", "preconditions", "total"]
    assert "checklist_response:use" in caplog.text


def test_fewer_than_two_clusters_is_a_model_error():
    tp = team_periods()
    tp["team_id"] = "1"
    out = fit_checklist_response(tp)
    assert len(out) == 0 and list(out.columns) == MODEL_COLUMNS
    assert all("at least 2" in m for m in out.attrs["failures"].values())


def pairs_from_reference(dataset: str = "outcome") -> tuple[pd.DataFrame, pd.DataFrame]:
    """The lavaan 'outcome' data set dressed as a pairs frame (sex as 'f'/'m')."""
    data, estimates, _ = load_reference(dataset)
    condition = np.select([data.partial == 1, data.full == 1], ["partial", "full"], "control")
    condition = np.where(data.partial.isna(), None, condition)
    pairs = pd.DataFrame(
        {
            "client_key": [f"c{i}" for i in range(len(data))],
            "team_id": data.team.astype(str),
            "condition": condition,
            "domain": "opgroei",
            "pre_z": data.pre_z,
            "post_z": data.post_z,
            "sex": data.sex.map({1.0: "f", 0.0: "m"}),
            "age": data.age,
            "duration_days": data.duration_days,
        }
    )
    return pairs, estimates


@pytest.mark.parametrize("missing", ["fiml", "listwise"])
def test_outcome_models_match_lavaan(missing):
    pairs, _ = pairs_from_reference()
    _, estimates, info = load_reference("outcome" if missing == "fiml" else "outcome_listwise")
    opvoed = pairs.assign(domain="opvoed", post_z=pairs.post_z * 2 + 1)
    out = fit_outcome_models(pd.concat([pairs, opvoed]), {"models": {"missing": missing}})
    assert list(out.columns) == MODEL_COLUMNS
    assert out.term.tolist()[:7] == ["intercept", *OUTCOME_COVARIATES]
    got = out[out.outcome == "opgroei"].set_index("term")
    slopes = estimates[estimates.op == "~"].set_index("rhs")
    np.testing.assert_allclose(got.loc[OUTCOME_COVARIATES, "estimate"], slopes.est, rtol=1e-6)
    np.testing.assert_allclose(got.loc[OUTCOME_COVARIATES, "se"], slopes.se, rtol=1e-4)
    np.testing.assert_allclose(got.loc[OUTCOME_COVARIATES, "beta_se"], slopes.std_se, rtol=1e-4)
    assert (got.n == info.nobs).all() and (got.n_clusters == 16).all()
    # y -> 2y + 1 doubles the slopes and leaves their betas unchanged
    other = out[out.outcome == "opvoed"].set_index("term")
    np.testing.assert_allclose(
        other.loc[OUTCOME_COVARIATES, "estimate"],
        2 * got.loc[OUTCOME_COVARIATES, "estimate"],
        rtol=1e-7,
    )
    np.testing.assert_allclose(
        other.loc[OUTCOME_COVARIATES, "beta"], got.loc[OUTCOME_COVARIATES, "beta"], rtol=1e-7
    )
    dropped = out.attrs["dropped"]["outcomes:opgroei"]
    assert dropped["all_missing"] == 2  # counted apart from the listwise drops
    assert dropped["all_missing"] + dropped["listwise"] + info.nobs == len(pairs)


def test_sex_is_coded_female_one_male_zero():
    s = sex_indicator(pd.Series(["f", "m", "F ", None, "x"], dtype="str"))
    assert s.tolist()[:3] == [1.0, 0.0, 1.0]
    assert s.isna().tolist() == [False, False, False, True, True]


def test_outcome_model_missing_condition_is_a_failure():
    pairs, _ = pairs_from_reference()
    pairs = pairs[pairs.condition != "full"]
    out = fit_outcome_models(pairs)
    assert len(out) == 0
    assert "no observations in condition(s) ['full']" in out.attrs["failures"]["outcomes:opgroei"]
    assert "outcomes:opvoed" in out.attrs["failures"]


def test_unknown_condition_is_refused():
    tp = team_periods()
    tp.loc[0, "condition"] = "volledig"
    with pytest.raises(ModelError, match="volledig"):
        fit_checklist_response(tp)
