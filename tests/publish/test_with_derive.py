"""The publication step on real derived outputs of a tiny export (2 clients): the CSVs as
``derive.write_derived`` writes them, read back as a rule script would, are accepted, and
every cell resting on those 2 clients is suppressed in every file and in the report."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from ldj_analysis.config import validate_config
from ldj_analysis.derive import derive, write_derived
from ldj_analysis.norms import check_norms
from ldj_analysis.publish import write_tables
from ldj_analysis.publish.figures import write_figures
from ldj_analysis.publish.numbers import format_number
from ldj_analysis.publish.report import build_report
from ldj_analysis.vocabulary import FIGURES
from tests.study.builders import config as study_config
from tests.study.test_checklist_response import TEST_KEY, _response_export


def _norms() -> pd.DataFrame:
    """Round test norms: z = (raw - mean) / sd for every list."""
    return check_norms(
        pd.DataFrame(
            {
                "instrument": ["CBCL_6-18", "OBVL", "SDQ_ouder", "GVL", "SIER", "CBCL_1.5-5"],
                "sex": ["all"] * 6,
                "age_min": [0] * 6,
                "age_max": [25] * 6,
                "mean": [10.0, 50.0, 5.0, 50.0, 20.0, 10.0],
                "sd": [5.0, 10.0, 2.0, 10.0, 5.0, 5.0],
                "higher_is_worse": [True] * 6,
                "source": ["test"] * 6,
            }
        )
    )


@pytest.fixture
def derived_dir(tmp_path):
    norms = _norms()
    d = derive(_response_export(8, 2), study_config(), norms=norms, pseudonym_key=TEST_KEY)
    write_derived(
        d,
        tmp_path / "derived" / "team_periods.parquet",
        tmp_path / "derived" / "pairs.parquet",
        tmp_path / "derived" / "exclusions.csv",
        tmp_path / "tables",
    )
    return tmp_path, d


@pytest.mark.slow
def test_tiny_export_is_published_with_every_client_cell_suppressed(derived_dir):
    root, d = derived_dir
    tables = {
        name: pd.read_csv(root / "tables" / f"{name}.csv")
        for name in ("table1", "table2", "table3", "table4", "sample", "flow")
    }
    team_periods = pd.read_parquet(root / "derived" / "team_periods.parquet")
    config = validate_config({"publication": {"formats": ["md", "xlsx", "tex", "html"]}})
    paths = write_tables(tables, root / "out", config, team_periods=team_periods)
    figs = write_figures(tables, {}, team_periods, config, root / "figures")
    report = build_report(
        tables, {}, team_periods, config, root / "derived", root / "report.html",
        figures_dir=root / "figures",
    )  # fmt: skip
    ages = d.sample["age_mean"].dropna().unique()
    z_means = d.table4[["pre_mean", "post_mean"]].stack().dropna().unique()
    secrets = [format_number(v, 1, "nl") for v in ages]
    secrets += [format_number(v, 2, "nl") for v in z_means]
    assert secrets
    for path in [*paths, report]:
        if path.suffix == ".xlsx":
            ws = openpyxl.load_workbook(io.BytesIO(path.read_bytes())).active
            text = " ".join(str(c.value) for row in ws.iter_rows() for c in row)
            numbers = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, float)]
            assert not set(numbers) & {round(v, 2) for v in z_means}
        else:
            text = path.read_text(encoding="utf-8")
        for secret in secrets:
            assert secret not in text, (path.name, secret)
    table4 = (root / "out" / "table4.md").read_text(encoding="utf-8")
    assert table4.count("| <7 | x | x | x | x | x |") == 2  # control opgroei and opvoed
    assert "geanalyseerde paren" in (root / "out" / "flow.md").read_text(encoding="utf-8")
    assert len(figs) == 2 * len(FIGURES)  # png and svg of each
    assert "client_key" not in report.read_text(encoding="utf-8")
