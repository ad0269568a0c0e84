"""The workflow as a user meets it: lint, a broken export, a bad config key."""

from __future__ import annotations

import re
import subprocess

import pytest

from tests.workflow_copy import ROOT, copy_workflow, run_snakemake

from .builders import small_export_tables, write_tables

# Every test here starts snakemake in a subprocess.
pytestmark = pytest.mark.slow

ACCEPTED_LINT = "Specify a conda environment or container for each rule."


def test_lint_has_no_finding_but_the_accepted_one():
    result = run_snakemake(ROOT, "--lint")
    findings = re.findall(r"^\s+\* (.+?):?$", result.stderr + result.stdout, flags=re.M)
    others = sorted({f.rstrip(":") for f in findings} - {ACCEPTED_LINT.rstrip(":")})
    assert not others, f"snakemake --lint findings: {others}\n{result.stderr}"


def test_validate_rule_accepts_a_valid_external_export(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    write_tables(small_export_tables(), tmp_path / "export")
    result = run_snakemake(
        work, "data/derived/validation.json", "--config", f"export_dir={tmp_path / 'export'}"
    )
    assert result.returncode == 0, result.stderr
    assert (work / "data/derived/validation.json").is_file()


def test_broken_export_stops_with_actionable_message(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    tables = small_export_tables()
    tables["implementation"].loc[1, "period_start"] = "2019-01-01"
    write_tables(tables, tmp_path / "export")
    result = run_snakemake(work, "--config", f"export_dir={tmp_path / 'export'}")
    assert result.returncode != 0
    assert (
        "implementation.period_start [row 3: team_id=T1, moment=2]: "
        "period_start must be before period_end" in result.stderr
    )
    assert not (work / "data/derived/validation.json").exists()


def test_bad_config_value_stops_naming_the_key(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    config = (work / "config.yaml").read_text()
    (work / "config.yaml").write_text(config.replace("lag_days: 42", "lag_days: -42"))
    result = run_snakemake(work, "-n")
    assert result.returncode != 0
    assert "config key 'conditions.lag_days'" in result.stdout + result.stderr


def test_missing_export_folder_names_the_key(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    result = run_snakemake(work, "-n", "--config", f"export_dir={tmp_path / 'nowhere'}")
    assert result.returncode != 0
    assert "config key 'export_dir'" in result.stdout + result.stderr


def _planned_jobs(result) -> set[str]:
    """Rule names in the 'Job stats' table of a dry run."""
    text = result.stdout
    block = text.split("Job stats:")[1].split("total")[0]
    return {line.split()[0] for line in block.splitlines()[3:] if line.strip()}


def test_config_change_reruns_only_what_it_affects(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    write_tables(small_export_tables(), tmp_path / "export")
    # A real export with the shipped placeholder norms stops, naming the rows used...
    refused = run_snakemake(work, "--config", f"export_dir={tmp_path / 'export'}")
    assert refused.returncode != 0
    assert "placeholder norm row(s)" in refused.stderr
    assert "row 3: CBCL_6-18, sex m, age 6-11" in refused.stderr
    # ... unless the user accepts them.
    export = f"export_dir={tmp_path / 'export'}", "norms_accept_placeholders=true"
    first = run_snakemake(work, "--config", *export)
    assert first.returncode == 0, first.stderr
    used = (work / "data/derived/norms_used.csv").read_text()
    assert "CBCL_6-18" in used and "placeholder" in used
    assert "Gebruikte normen" in (work / "results/report.html").read_text(encoding="utf-8")
    assert "Nothing to be done" in run_snakemake(work, "-n", "--config", *export).stdout

    language = run_snakemake(work, "-n", "--config", *export, "publication={language: en}")
    publish = {"publish_tables", "figures_study", "figures", "findings", "report_html"}
    publish |= {"ro_crate", "all"}
    assert _planned_jobs(language) == publish

    window = run_snakemake(work, "-n", "--config", *export, "selection={window_end: '2018-12-31'}")
    assert {"derive", "models_team_periods", "models_pairs", "publish_tables"} <= _planned_jobs(
        window
    )
    # validate runs again only to recreate its temporary working copy of the export
    # (deleted after use so that no copy of the raw records stays on disk).

    lag = run_snakemake(work, "-n", "--config", *export, "conditions={lag_days: 0}")
    assert "derive" in _planned_jobs(lag)


def test_rules_reading_the_export_spill_under_the_working_directory(tmp_path):
    """validate, derive (and extract, for a database source) have the tmpdir resource
    data/interim/spill: DuckDB's spill files, which hold the export's ids, stay beside the
    working copy, where a large export has room, and out of git."""
    work = copy_workflow(tmp_path / "wf")
    runs = {
        "folder": run_snakemake(work, "-n", "--forceall"),
        "database": run_snakemake(
            work, "-n", "--forceall", "--config", "export_dir=null", "export_uri=duckdb:///x.db"
        ),
    }
    for source, result in runs.items():
        jobs = re.findall(r"^rule (\w+):\n(.*?)\n\n", result.stdout, flags=re.M | re.S)
        spill = {name for name, text in jobs if "tmpdir=data/interim/spill," in text}
        readers = {"validate", "derive"} if source == "folder" else {"extract", "derive"}
        assert spill == readers, (source, result.stdout[-2000:])
    ignored = subprocess.run(
        ["git", "check-ignore", "-q", "data/interim/spill/x"], cwd=ROOT, check=False
    )
    assert ignored.returncode == 0
