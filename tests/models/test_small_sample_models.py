"""small_sample.csv frame: layout, specs, the study spec's mplus rows against the model files,
Holm/BH against statsmodels, decisions at alpha, families, missing data (FIML, JK-FIML),
identification of the sensitivity specs; and on the same design data the ICCs (icc.csv,
``models.icc.icc_frame``)."""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest
from statsmodels.stats.multitest import multipletests

from ldj_analysis.config import validate_config
from ldj_analysis.models import fit_checklist_response, fit_outcome_models
from ldj_analysis.models.icc import icc_frame, variance_components
from ldj_analysis.models.small_sample import cluster_tests
from ldj_analysis.models.small_sample_models import (
    COLUMNS,
    SmallSampleOptions,
    WildOptions,
    adjust,
    check_options,
    half_year,
    jackknife_fiml,
    options_from_config,
    outcome_models,
    small_sample_frame,
    team_period_models,
)
from ldj_analysis.models.study import OUTCOME_COVARIATES
from ldj_analysis.vocabulary import JACKKNIFE, OUTCOME_DOMAINS, SPECS, TEAM_PERIOD_OUTCOMES

REQUIRED = ["model", "spec", "outcome", "term", "method", "estimate", "se", "df", "statistic"]
REQUIRED += ["p", "p_holm", "p_bh"]
FAST = SmallSampleOptions(wild=WildOptions(ci=False))
STARTS = ["2018-01-01", "2018-07-01", "2019-01-01", "2019-07-01"]
ENDS = ["2018-06-30", "2018-12-31", "2019-06-30", "2019-11-30"]
# Per team the condition at moments 1..4 (c/p/f): staggered roll-out and control teams.
ROLL_OUT = ["cppf", "cpff", "cfff", "cppp", "ccpf", "cpff", "cccc", "cccc", "ccc", "cppf"]
CODES = {"c": "control", "p": "partial", "f": "full"}


def design_data(seed: int = 0, roll_out: list[str] = ROLL_OUT) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Team-periods (with period dates, a time trend and team effects) and pairs (clients
    of both domains per team-period) of a small stepped roll-out."""
    rng = np.random.default_rng(seed)
    rows = []
    for t, conds in enumerate(roll_out):
        shift = int(rng.integers(-20, 20))  # periods start on different days per team
        for m, c in enumerate(conds):
            start = pd.Timestamp(STARTS[m]) + pd.Timedelta(days=shift)
            end = pd.Timestamp(ENDS[m]) + pd.Timedelta(days=shift)
            rows.append((str(t + 1), m + 1, start, end, CODES[c]))
    tp = pd.DataFrame(
        rows, columns=["team_id", "moment", "period_start", "period_end", "condition"]
    )
    team_effect = tp.team_id.map({str(t + 1): rng.normal(0, 5) for t in range(len(roll_out))})
    effect = tp.condition.map({"control": 0.0, "partial": 6.0, "full": 10.0})
    for out in TEAM_PERIOD_OUTCOMES:
        tp[out] = 50 + 2 * tp.moment + effect + team_effect + rng.normal(0, 12, len(tp))
    pair_rows = []
    for r in tp.itertuples(index=False):
        for domain in OUTCOME_DOMAINS:
            for _ in range(int(rng.integers(3, 9))):
                pre = rng.normal(1.5, 1)
                pair_rows.append(
                    {
                        "client_key": f"k{len(pair_rows)}",
                        "team_id": r.team_id,
                        "moment": r.moment,
                        "condition": r.condition,
                        "domain": domain,
                        "pre_z": pre,
                        "post_z": 0.6 * pre + rng.normal(0, 1) + 0.1 * (r.condition == "full"),
                        "sex": rng.choice(["f", "m"]),
                        "age": rng.uniform(2, 18),
                        "duration_days": rng.uniform(60, 600),
                    }
                )
    pairs = pd.DataFrame(pair_rows)
    pairs["moment"] = pairs["moment"].astype("Int64")
    return tp, pairs


@pytest.fixture(scope="module")
def data():
    return design_data()


@pytest.fixture(scope="module")
def frame(data):
    tp, pairs = data
    return small_sample_frame(tp, pairs, FAST)


def test_columns_specs_methods_and_terms(frame):
    assert list(frame.columns) == COLUMNS
    assert set(REQUIRED) <= set(frame.columns)
    assert set(frame.model) == {"team_periods", "outcomes"}
    assert set(frame.spec) == set(SPECS)
    # complete data: no JK-FIML (it would equal CR3's variance, see below)
    assert set(frame.method) == {"mplus", "CR2", "CR3", "WCR"}
    study = frame[frame.spec == "study"]
    tp_terms = set(study[study.model == "team_periods"].term)
    assert tp_terms == {"intercept", "partial", "full"}
    assert set(study[study.model == "outcomes"].term) == {"intercept", *OUTCOME_COVARIATES}
    assert set(frame[frame.spec != "study"].term) == {"partial", "full"}
    # one row per model x spec x outcome x term x method
    keys = ["model", "spec", "outcome", "term", "method"]
    assert not frame.duplicated(keys).any()
    assert len(frame) == (5 * 3 + 2 * 7 + 2 * (5 * 2 + 2 * 2)) * 4


def test_cr3_with_team_fixed_effects_is_a_row_with_the_reason(frame):
    fe = frame[(frame.spec == "team_fe_half_year") & (frame.method == "CR3")]
    assert fe.p.isna().all() and fe.reject.isna().all()
    assert fe.note.str.contains("undefined with team fixed effects").all()
    assert (frame.loc[frame.p.notna(), "note"] == "").all()
    assert len(frame.attrs["failures"]) == 5 + 2


def test_study_mplus_rows_equal_the_model_files(data, frame):
    tp, pairs = data
    mplus = frame[(frame.spec == "study") & (frame.method == "mplus")]
    for model, files in (
        ("team_periods", fit_checklist_response(tp)),
        ("outcomes", fit_outcome_models(pairs)),
    ):
        ours = mplus[mplus.model == model].set_index(["outcome", "term"])
        ref = files.set_index(["outcome", "term"]).loc[ours.index]
        np.testing.assert_allclose(ours.estimate, ref.estimate, rtol=1e-8)
        np.testing.assert_allclose(ours.se, ref.se, rtol=1e-8)
        np.testing.assert_allclose(ours.statistic, ref.z, rtol=1e-8)
        np.testing.assert_allclose(ours.p, ref.p, rtol=1e-6, atol=1e-14)
        assert (ours.n.to_numpy() == ref.n.to_numpy()).all()
        assert (ours.n_clusters.to_numpy() == ref.n_clusters.to_numpy()).all()
    assert (mplus[mplus.model == "outcomes"].data == "fiml").all()


def test_other_methods_equal_cluster_tests_on_the_same_design(data, frame):
    tp, _ = data
    md = next(
        m
        for m in team_period_models(tp, ["half_year"])
        if m.outcome == "use" and m.spec == "half_year"
    )
    X = np.column_stack([np.ones(len(md.y)), md.x])
    ref = cluster_tests(
        X, md.y, md.team, ["intercept", *md.names], ["partial", "full"], wild=FAST.wild
    )
    ours = frame[(frame.spec == "half_year") & (frame.outcome == "use")]
    for r in ref.itertuples(index=False):
        row = ours[(ours.term == r.term) & (ours.method == r.method)].iloc[0]
        np.testing.assert_allclose([row.estimate, row.p], [r.estimate, r.p], rtol=1e-12)
    assert any(n.startswith("half_year:") for n in md.names)


def test_holm_and_bh_equal_statsmodels_on_the_frame(frame):
    cond = frame[frame.term.isin(["partial", "full"]) & frame.p.notna()]
    assert cond.family.notna().all()
    groups = cond.groupby(["model", "spec", "method", "family"])
    assert groups.ngroups == 2 * 3 * 4 - 2  # no CR3 with team fixed effects
    for _, g in groups:
        np.testing.assert_allclose(g.p_holm, multipletests(g.p, method="holm")[1], rtol=1e-12)
        np.testing.assert_allclose(g.p_bh, multipletests(g.p, method="fdr_bh")[1], rtol=1e-12)
    assert frame.loc[~frame.term.isin(["partial", "full"]), ["p_holm", "p_bh"]].isna().all().all()


def test_holm_bh_by_hand():
    """Holm and BH of one family worked by hand (Holm 1979; Benjamini & Hochberg 1995).

    p = (.01, .04, .03, .005), m = 4, sorted .005 < .01 < .03 < .04.
    Holm: (m - i + 1) p_(i) = .02, .03, .06, .04; running max .02, .03, .06, .06.
    BH: m p_(i) / i = .02, .02, .04, .04; running min from the top: the same.
    """
    frame = pd.DataFrame(
        {
            "model": "team_periods",
            "spec": "study",
            "method": "CR2",
            "outcome": ["collection", "use", "preconditions", "total"],
            "term": "full",
            "p": [0.01, 0.04, 0.03, 0.005],
        }
    )
    out = adjust(frame, {"checklist": ("collection", "use", "preconditions", "total")})
    np.testing.assert_allclose(out.p_holm, [0.03, 0.06, 0.06, 0.02], rtol=1e-12)
    np.testing.assert_allclose(out.p_bh, [0.02, 0.04, 0.04, 0.02], rtol=1e-12)
    assert (out.family == "checklist").all()


def test_decisions_follow_alpha(data, frame):
    assert (frame.reject.dropna() == (frame.p.dropna() < 0.05)).all()
    assert (frame.alpha == 0.05).all()
    tp, _ = data
    loose = small_sample_frame(tp, None, dataclasses.replace(FAST, alpha=0.3))
    assert (loose.reject.dropna() == (loose.p.dropna() < 0.3)).all()
    mplus = loose[loose.method == "mplus"].dropna(subset=["p"])
    # the CI level follows alpha: z quantile 1.0364 at alpha .3
    np.testing.assert_allclose(
        (mplus.ci_high - mplus.estimate) / mplus.se, 1.0364333894937898, rtol=1e-9
    )
    assert loose.reject.sum() > frame[frame.model == "team_periods"].reject.sum()


def test_families_from_config(data):
    tp, _ = data
    opts = dataclasses.replace(FAST, families={"core": ("use", "total")}, specs=("study",))
    out = small_sample_frame(tp, None, opts)
    adjusted = out[out.p_holm.notna()]
    assert set(adjusted.outcome) == {"use", "total"} and set(adjusted.family) == {"core"}
    for _, g in adjusted.groupby("method"):
        assert len(g) == 4
        np.testing.assert_allclose(g.p_holm, multipletests(g.p, method="holm")[1])
    with pytest.raises(ValueError, match="families"):
        check_options(dataclasses.replace(FAST, families={"a": ("use",), "b": ("use",)}))
    with pytest.raises(ValueError, match="unknown outcome"):
        check_options(dataclasses.replace(FAST, families={"a": ("usage",)}))
    with pytest.raises(ValueError, match="study"):
        check_options(dataclasses.replace(FAST, specs=("half_year",)))


def test_options_from_the_validated_config():
    opts = options_from_config(validate_config({}))
    assert opts.methods == ("mplus", "CR2", "CR3", "WCR", JACKKNIFE)
    assert opts.specs == SPECS and opts.alpha == 0.05
    assert opts.wild == WildOptions(max_enumeration=65536, draws=9999, seed=20180101, level=0.95)
    assert dict(opts.families) == {
        "team_periods": tuple(TEAM_PERIOD_OUTCOMES),
        "outcomes": tuple(OUTCOME_DOMAINS),
    }
    cfg = validate_config(
        {"models": {"alpha": 0.1, "small_sample": {"methods": ["mplus", "CR2"], "draws": 99}}}
    )
    opts = options_from_config(cfg)
    assert opts.methods == ("mplus", "CR2") and opts.wild.draws == 99
    assert opts.wild.level == pytest.approx(0.9)


def test_half_year_is_taken_at_the_period_midpoint():
    tp = pd.DataFrame(
        {
            "period_start": pd.to_datetime(["2017-12-22", "2018-06-21", "2019-07-01"]),
            "period_end": pd.to_datetime(["2018-06-20", "2018-12-21", "2019-11-30"]),
        }
    )
    assert list(half_year(tp)) == ["2018H1", "2018H2", "2019H2"]


def test_jackknife_of_fiml_equals_cr3_on_complete_data(data):
    tp, pairs = data
    for md in outcome_models(pairs, tp, ["study", "half_year"]):
        jk = jackknife_fiml(md, "fiml", 0.05).set_index("term")
        X = np.column_stack([np.ones(len(md.y)), md.x])
        cr3 = cluster_tests(
            X, md.y, md.team, ["intercept", *md.names], md.reported, ["CR3"]
        ).set_index("term")
        np.testing.assert_allclose(jk.se, cr3.loc[jk.index, "se"], rtol=1e-6)
        np.testing.assert_allclose(jk.estimate, cr3.loc[jk.index, "estimate"], rtol=1e-8)
        assert (jk.df == len(np.unique(md.team)) - 1).all()


def test_missing_values_fiml_for_mplus_complete_cases_and_jackknife_for_the_rest(data):
    tp, pairs = data
    pairs = pairs.copy()
    rng = np.random.default_rng(5)
    for col in ("pre_z", "age", "post_z"):
        pairs.loc[rng.random(len(pairs)) < 0.08, col] = np.nan
    pairs.loc[rng.random(len(pairs)) < 0.05, "sex"] = None
    out = small_sample_frame(tp, pairs, dataclasses.replace(FAST, specs=("study", "half_year")))
    oc = out[out.model == "outcomes"]
    assert set(oc.method) == {"mplus", "CR2", "CR3", "WCR", JACKKNIFE}
    ref = fit_outcome_models(pairs).set_index(["outcome", "term"])
    mplus = oc[(oc.spec == "study") & (oc.method == "mplus")].set_index(["outcome", "term"])
    np.testing.assert_allclose(mplus.se, ref.loc[mplus.index, "se"], rtol=1e-10)
    np.testing.assert_allclose(mplus.p, ref.loc[mplus.index, "p"], rtol=1e-10)
    assert (mplus.data == "fiml").all() and (mplus.n.to_numpy() == ref.loc[mplus.index].n).all()
    cc = oc[oc.method.isin(["CR2", "CR3", "WCR"])]
    assert (cc.data == "complete_cases").all() and (cc.n < mplus.n.max()).all()
    jk = oc[oc.method == JACKKNIFE].set_index(["spec", "outcome", "term"])
    mp = oc[oc.method == "mplus"].set_index(["spec", "outcome", "term"])
    np.testing.assert_allclose(jk.estimate, mp.loc[jk.index, "estimate"], rtol=1e-8)
    assert (jk.se > 0).all() and (jk.data == "fiml").all()
    # listwise: everything on complete cases, no jackknife
    lw = small_sample_frame(tp, pairs, dataclasses.replace(FAST, missing="listwise"))
    assert JACKKNIFE not in set(lw.method)
    lw_oc = lw[lw.model == "outcomes"]
    assert (lw_oc.data == np.where(lw_oc.p.isna(), "", "complete_cases")).all()


def test_condition_not_identified_within_teams_and_half_years_fails_with_reason():
    # every team rolls out at the same time and no team stays control: condition is a
    # function of the half-year; the study model is still estimable
    tp, pairs = design_data(1, ["cpff"] * 8)
    out = small_sample_frame(tp, pairs, FAST)
    study = out[out.spec == "study"]
    assert study.p.notna().all()
    other = out[out.spec != "study"]
    assert other.p.isna().all()
    assert other.note.str.contains("is not identified").all()
    assert any(k.startswith("team_periods:half_year:") for k in out.attrs["failures"])


def test_icc_per_outcome_equals_variance_components(data):
    tp, pairs = data
    icc = icc_frame(tp, pairs)
    assert list(icc.outcome) == [*TEAM_PERIOD_OUTCOMES, *OUTCOME_DOMAINS]
    row = icc.set_index("outcome").loc["opvoed"]
    rows = pairs[pairs.domain == "opvoed"]
    vc = variance_components(rows.post_z.to_numpy(), rows.team_id.to_numpy())
    np.testing.assert_allclose(
        [row["icc"], row["between"], row["within"]], [vc.icc, vc.between, vc.within]
    )
    assert row.n == vc.n and row.variable == "post_z"
    use = icc.set_index("outcome").loc["use"]
    assert use.n == len(tp) and use.n_clusters == tp.team_id.nunique()
    assert 0 <= use.icc <= 1
