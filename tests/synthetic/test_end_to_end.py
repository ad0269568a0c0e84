"""End to end: `snakemake` on the synthetic export, with the default config, against every
published number of the SEJN study (values typed from docs/study.md section 5).

The workflow runs once, in a scratch copy of the project; the tests read its output files.
Tolerances are the published rounding: a number printed with d decimals must be within half
a unit of its last decimal (53.9 -> +-0.05, 1.94 -> +-0.005, beta .38 -> +-0.005); ranges
printed as integers must round to them. p-values: within +-.01 of the published one and on
the same side of alpha .05. The sample's overall mean age is checked against 10.19, the
mean of the published per-sex means weighted by their n (the report's 10.8 contradicts
them; see ldj_analysis.synthetic.generator).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from tests.workflow_copy import copy_workflow, run_snakemake

# Runs the whole workflow (about a minute).
pytestmark = pytest.mark.slow

TABLE1 = {
    "3": ("control", "control", "control", None),
    "13": ("control", "control", "control", None),
    "8": ("control", "control", "control", "control"),
    "9": ("control", "control", "control", "control"),
    "15": ("control", "control", "control", "control"),
    "2": ("control", "partial", "partial", "partial"),
    "5": ("control", "partial", "partial", "partial"),
    "6": ("control", "partial", "partial", "partial"),
    "14": ("control", "partial", "partial", "partial"),
    "1": ("control", "partial", "partial", "full"),
    "7": ("control", "partial", "full", None),
    "4": ("control", "partial", "full", "full"),
    "10": ("control", "partial", "full", "full"),
    "11": ("control", "partial", "full", "full"),
    "12": ("control", "partial", "full", "full"),
    "16": ("control", "full", "full", "full"),
}
N_TEAM_PERIODS = {"control": 29, "partial": 19, "full": 13}
# Table 2: domain -> condition -> (M, SD, min, max)
TABLE2 = {
    "collection": {
        "control": (53.9, 15.6, 25, 88),
        "partial": (61.2, 17.6, 25, 100),
        "full": (67.8, 22.8, 25, 94),
    },
    "use": {
        "control": (31.0, 18.5, 0, 71),
        "partial": (42.9, 26.1, 7, 93),
        "full": (50.0, 19.6, 21, 86),
    },
    "preconditions": {
        "control": (49.0, 18.4, 20, 80),
        "partial": (62.6, 20.6, 35, 95),
        "full": (66.2, 16.6, 35, 90),
    },
    "total": {
        "control": (45.5, 15.2, 16, 78),
        "partial": (56.6, 19.6, 28, 90),
        "full": (62.2, 16.4, 38, 88),
    },
}
# Table 3: condition -> (M, SD, min, max), one decimal
TABLE3 = {
    "control": (7.7, 11.0, 0.0, 48.6),
    "partial": (26.0, 24.8, 0.0, 92.1),
    "full": (33.3, 29.4, 0.0, 84.6),
}
# Table 4: (condition, domain) -> (N, pre M, pre SD, post M, post SD, ES), two decimals
TABLE4 = {
    ("control", "opgroei"): (168, 1.94, 1.73, 1.16, 1.76, 0.45),
    ("control", "opvoed"): (119, 1.67, 1.78, 0.93, 1.64, 0.43),
    ("partial", "opgroei"): (180, 1.74, 1.53, 1.07, 1.61, 0.43),
    ("partial", "opvoed"): (154, 1.80, 1.66, 1.16, 1.58, 0.39),
    ("full", "opgroei"): (56, 1.51, 1.74, 0.81, 1.48, 0.43),
    ("full", "opvoed"): (47, 1.40, 1.39, 0.84, 1.37, 0.41),
}
# Sample: group -> (n, age M, tolerance of M, age SD, age min, age max)
SAMPLE = {
    "all": (478, 10.19, 0.005, 4.9, 0, 25),
    "boys": (305, 9.10, 0.005, 4.7, 1, 19),
    "girls": (173, 12.1, 0.05, 4.9, 0, 25),
}
DURATION = (313, 174)  # M, SD in days, whole numbers
# Regressions: outcome -> term -> (beta, p); None: published only as not significant.
BETAS = {
    "collection": {"partial": None, "full": None},
    "use": {"partial": (0.25, 0.100), "full": (0.35, 0.005)},
    "preconditions": {"partial": (0.32, 0.041), "full": (0.35, 0.001)},
    "total": {"partial": (0.29, 0.054), "full": (0.38, 0.008)},
    "response": {"partial": (0.37, 0.006), "full": (0.46, 0.014)},
}
ALPHA = 0.05


def near(value: float, published: float, tol: float) -> bool:
    return abs(float(value) - published) <= tol + 1e-9


def rounds_to(value: float, published: float) -> bool:
    return math.floor(float(value) + 0.5) == published


@pytest.fixture(scope="module")
def workdir(tmp_path_factory) -> Path:
    work = copy_workflow(tmp_path_factory.mktemp("e2e") / "wf")
    result = run_snakemake(work)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return work


def _csv(workdir: Path, path: str) -> pd.DataFrame:
    return pd.read_csv(workdir / path, dtype={"team_id": str})


def test_table1(workdir):
    t1 = _csv(workdir, "results/tables/table1.csv").set_index("team_id")
    assert list(t1.columns) == [f"period_{i}" for i in range(1, 5)]
    assert set(t1.index) == set(TABLE1)
    for team, conditions in TABLE1.items():
        got = tuple(None if pd.isna(v) else v for v in t1.loc[team])
        assert got == conditions, team


def test_lag_zero_changes_table1(workdir):
    result = run_snakemake(
        workdir, "results/tables/table1.csv", "--config", "conditions={lag_days: 0}"
    )
    assert result.returncode == 0, result.stderr[-3000:]
    lag0 = _csv(workdir, "results/tables/table1.csv").set_index("team_id")
    published = pd.DataFrame.from_dict(TABLE1, orient="index", columns=list(lag0.columns))
    changed = (lag0.loc[published.index].fillna("-") != published.fillna("-")).to_numpy().sum()
    assert changed > 0
    restore = run_snakemake(workdir, "results/tables/table1.csv")
    assert restore.returncode == 0


def test_table2(workdir):
    t2 = _csv(workdir, "results/tables/table2.csv").set_index(["domain", "condition"])
    for domain, rows in TABLE2.items():
        for condition, (mean, sd, lo, hi) in rows.items():
            r = t2.loc[(domain, condition)]
            assert r["n"] == N_TEAM_PERIODS[condition]
            assert near(r["mean"], mean, 0.05), (domain, condition, r["mean"])
            assert near(r["sd"], sd, 0.05), (domain, condition, r["sd"])
            assert rounds_to(r["min"], lo) and rounds_to(r["max"], hi), (domain, condition)


def test_table3(workdir):
    t3 = _csv(workdir, "results/tables/table3.csv").set_index("condition")
    for condition, (mean, sd, lo, hi) in TABLE3.items():
        r = t3.loc[condition]
        assert r["n"] == N_TEAM_PERIODS[condition]
        for got, published in ((r["mean"], mean), (r["sd"], sd), (r["min"], lo), (r["max"], hi)):
            assert near(got, published, 0.05), (condition, got, published)


def test_table4(workdir):
    t4 = _csv(workdir, "results/tables/table4.csv").set_index(["condition", "domain"])
    for key, (n, pre_m, pre_sd, post_m, post_sd, es) in TABLE4.items():
        r = t4.loc[key]
        assert r["n"] == n, key
        for column, published in (
            ("pre_mean", pre_m),
            ("pre_sd", pre_sd),
            ("post_mean", post_m),
            ("post_sd", post_sd),
            ("es", es),
        ):
            assert near(r[column], published, 0.005), (key, column, r[column])


def test_sample_and_pairs(workdir):
    pairs = pd.read_parquet(workdir / "data/derived/pairs.parquet")
    assert len(pairs) == 724
    assert (pairs["domain"] == "opgroei").sum() == 404
    assert (pairs["domain"] == "opvoed").sum() == 320
    assert pairs["client_key"].nunique() == 478
    sample = _csv(workdir, "results/tables/sample.csv").set_index("group")
    for group, (n, mean, tol, sd, lo, hi) in SAMPLE.items():
        r = sample.loc[group]
        assert r["n"] == n, group
        assert near(r["age_mean"], mean, tol), (group, r["age_mean"])
        assert near(r["age_sd"], sd, 0.05), (group, r["age_sd"])
        assert rounds_to(r["age_min"], lo) and rounds_to(r["age_max"], hi), group
    assert rounds_to(sample.loc["all", "duration_mean"], DURATION[0])
    assert rounds_to(sample.loc["all", "duration_sd"], DURATION[1])


def test_checklist_response_betas_and_p(workdir):
    models = _csv(workdir, "results/models/checklist_response.csv").set_index(["outcome", "term"])
    for outcome, terms in BETAS.items():
        for term, published in terms.items():
            r = models.loc[(outcome, term)]
            assert r["n"] == 61 and r["n_clusters"] == 16
            if published is None:
                assert r["beta_p"] > ALPHA, (outcome, term)
                continue
            beta, p = published
            assert near(r["beta"], beta, 0.005), (outcome, term, r["beta"])
            assert near(r["beta_p"], p, 0.01), (outcome, term, r["beta_p"])
            assert (r["beta_p"] < ALPHA) == (p < ALPHA), (outcome, term)


def test_outcome_models_show_no_condition_effect(workdir):
    out = _csv(workdir, "results/models/outcomes.csv")
    assert set(out["outcome"]) == {"opgroei", "opvoed"}
    condition = out[out["term"].isin(["partial", "full"])]
    assert len(condition) == 4
    assert (condition["beta_p"] > ALPHA).all() and (condition["p"] > ALPHA).all()


def test_small_sample_study_mplus_rows_equal_the_model_files(workdir):
    small = _csv(workdir, "results/models/small_sample.csv")
    required = ["model", "spec", "outcome", "term", "method", "estimate", "se", "df"]
    assert set(required + ["statistic", "p", "p_holm", "p_bh"]) <= set(small.columns)
    assert set(small["spec"]) == {"study", "half_year", "team_fe_half_year"}
    assert set(small["method"]) == {"mplus", "CR2", "CR3", "WCR"}  # complete data: no JK-FIML
    mplus = small[(small["spec"] == "study") & (small["method"] == "mplus")]
    for model, path in (("team_periods", "checklist_response"), ("outcomes", "outcomes")):
        ours = mplus[mplus["model"] == model].set_index(["outcome", "term"])
        ref = _csv(workdir, f"results/models/{path}.csv").set_index(["outcome", "term"])
        assert sorted(ours.index) == sorted(ref.index)
        ref = ref.loc[ours.index]
        for col, ref_col in (("estimate", "estimate"), ("se", "se"), ("statistic", "z")):
            assert ((ours[col] - ref[ref_col]).abs() <= 1e-8 * ref[ref_col].abs()).all(), col
        assert ((ours["p"] - ref["p"]).abs() <= 1e-6 * ref["p"] + 1e-14).all()
    wcr = small[small["method"] == "WCR"]
    assert wcr["p"].notna().all() and wcr["ci_low"].notna().all()


def test_icc_and_robustness_tables_are_published(workdir):
    icc = _csv(workdir, "results/models/icc.csv")
    assert list(icc["outcome"]) == ["collection", "use", "preconditions", "total", "response"] + [
        "opgroei",
        "opvoed",
    ]
    assert icc["icc"].between(0, 1).all()
    html = (workdir / "results/report.html").read_text(encoding="utf-8")
    assert 'id="tab-robustness"' in html and 'id="tab-icc"' in html
    assert "wijkt af van Mplus" in (workdir / "results/tables/robustness.md").read_text("utf-8")


def test_baseline_ttests_not_significant(workdir):
    base = _csv(workdir, "results/models/baseline_ttests.csv")
    assert len(base) == 5
    assert (base["n_control"] == 5).all() and (base["n_experimental"] == 11).all()
    assert (base["p"] > ALPHA).all()


def test_prepost_change_significant_everywhere(workdir):
    prepost = _csv(workdir, "results/models/prepost_tests.csv")
    assert len(prepost) == 6
    assert (prepost["p"] < 0.01).all()
    assert (prepost["mean_change"] < 0).all()


def test_report_and_human_tables_exist(workdir):
    html = (workdir / "results/report.html").read_text(encoding="utf-8")
    assert "<table" in html and "data:image/png;base64" in html
    assert "53,9" in (workdir / "results/tables/table2.md").read_text(encoding="utf-8")
    assert not (workdir / "data/interim").exists()  # the working copy and spill folder: gone


def test_no_op_rerun(workdir):
    result = run_snakemake(workdir, "-n")
    assert "Nothing to be done" in result.stdout, result.stdout[-2000:]


def test_snakemake_report_bundle(workdir):
    import zipfile

    result = run_snakemake(workdir, "--report", "report.zip")
    assert result.returncode == 0, result.stderr[-3000:]
    names = zipfile.ZipFile(workdir / "report.zip").namelist()
    assert any(n.endswith("report.html") for n in names)
    assert any(n.endswith("table2.html") for n in names)
    assert any(n.endswith("robustness.html") for n in names)
    assert any(n.endswith("forest_betas.svg") for n in names)
