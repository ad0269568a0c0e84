"""The reviewer bundle as the workflow writes it (default synthetic run, scratch copy).

Always (no R needed): the files the rule writes now equal the stored ones (SHA-256 in
reference/bundle_sha256.csv), and the stored lavaan output (reference/<stem>_lavaan.csv, made
by running the bundle's own scripts; R and lavaan versions in reference/versions.csv) equals
the pipeline's estimates, SEs and betas to 1e-6. With Rscript and lavaan installed, the
scripts are run again and checked against the pipeline and the stored output.
"""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.review.models import FILE_STEMS, SHORT_NAMES
from tests.review.make_reference import REFERENCE, bundle_hashes, run_scripts
from tests.review.workflow_run import default_run_with_bundle
from tests.workflow_copy import run_snakemake

pytestmark = pytest.mark.slow
BUNDLE = "data/derived/review_bundle"
LONG = {short: long for long, short in SHORT_NAMES.items()}


def _has_lavaan() -> bool:
    if shutil.which("Rscript") is None:
        return False
    done = subprocess.run(
        ["Rscript", "-e", "library(lavaan)"], capture_output=True, text=True, timeout=120
    )
    return done.returncode == 0


@pytest.fixture(scope="module")
def run():
    return default_run_with_bundle()


def pipeline_rows(work, name: str) -> pd.DataFrame:
    output = "checklist_response.csv" if name.startswith("checklist") else "outcomes.csv"
    frame = pd.read_csv(work / "results" / "models" / output)
    return frame[frame["outcome"] == name.split(":", 1)[1]].set_index("term")


def lavaan_rows(estimates: pd.DataFrame, terms: list[str]) -> pd.DataFrame:
    """lavaan's intercept (~1) and slope (~) rows of the outcome, indexed like ours."""
    y = estimates.loc[estimates["op"] == "~", "lhs"].iloc[0]
    rows = estimates[estimates["op"].isin(["~", "~1"]) & (estimates["lhs"] == y)]
    term = np.where(rows["op"] == "~1", "intercept", rows["rhs"].map(LONG))
    return rows.assign(term=term).set_index("term").loc[terms]


def assert_reproduces(estimates: pd.DataFrame, ours: pd.DataFrame, rtol: float) -> None:
    ref = lavaan_rows(estimates, list(ours.index))
    assert (ref["nobs"] == ours["n"]).all()
    for mine, theirs in [("estimate", "est"), ("se", "se"), ("beta", "std_all")]:
        np.testing.assert_allclose(ours[mine], ref[theirs], rtol=rtol, err_msg=mine)
    np.testing.assert_allclose(ours["beta_se"], ref["std_se"], rtol=rtol, err_msg="beta_se")
    np.testing.assert_allclose(ours["p"], ref["pvalue"], rtol=1e-4, atol=1e-12)


def test_bundle_files_unchanged(run):
    stored = pd.read_csv(REFERENCE / "bundle_sha256.csv")
    now = bundle_hashes(run / BUNDLE)
    assert now["file"].tolist() == stored["file"].tolist()
    changed = now.loc[now["sha256"] != stored["sha256"], "file"].tolist()
    assert not changed, f"bundle files changed (rerun tests/review/make_reference.py): {changed}"


def test_stored_lavaan_output_equals_the_pipeline(run):
    versions = pd.read_csv(REFERENCE / "versions.csv")
    assert set(versions.columns) == {"r", "lavaan"}
    for name, stem in FILE_STEMS.items():
        estimates = pd.read_csv(REFERENCE / f"{stem}_lavaan.csv")
        assert (estimates["model"] == name).all()
        assert_reproduces(estimates, pipeline_rows(run, name), rtol=1e-6)


@pytest.mark.skipif(not _has_lavaan(), reason="Rscript with lavaan not installed")
def test_lavaan_scripts_reproduce_the_pipeline(run, tmp_path):
    bundle = shutil.copytree(run / BUNDLE, tmp_path / "bundle")
    written = run_scripts(bundle)
    assert set(written) == set(FILE_STEMS.values())
    for name, stem in FILE_STEMS.items():
        estimates = pd.read_csv(written[stem])
        assert_reproduces(estimates, pipeline_rows(run, name), rtol=1e-6)
        stored = pd.read_csv(REFERENCE / f"{stem}_lavaan.csv")
        numeric = ["est", "se", "std_all", "std_se"]
        np.testing.assert_allclose(estimates[numeric], stored[numeric], rtol=1e-8, atol=1e-12)


def test_bundle_is_private_and_documented(run):
    bundle = run / BUNDLE
    names = {p.name for p in bundle.iterdir() if not p.name.startswith(".")}
    for stem in FILE_STEMS.values():
        assert {f"{stem}.inp", f"{stem}.R", f"{stem}.dat"} <= names
    assert not (run / "results" / "review_bundle").exists()
    for dat in bundle.glob("*.dat"):  # numbers only: no keys, ids or dates
        text = dat.read_text()
        assert all(c in "0123456789.- \n" for c in set(text)), dat.name
    codes = pd.read_csv(bundle / "team_codes.csv")
    assert list(codes.columns) == ["team", "team_id"]
    readme = (bundle / "README.md").read_text()
    assert "Confidential" in readme and "data agreement" in readme
    for name in FILE_STEMS:
        assert name in readme


def test_not_part_of_the_default_run(run):
    done = run_snakemake(run, "-n", "--forceall")
    assert done.returncode == 0, done.stderr
    assert "review_bundle" not in done.stdout + done.stderr
