"""The workflow as a user meets it: lint, a broken export, a bad config key."""

from __future__ import annotations

import re

import pytest

from tests.workflow_copy import ROOT, copy_workflow, run_snakemake

from .builders import small_export_tables, write_tables

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


def test_slurm_profile_dry_run(tmp_path):
    pytest.importorskip("snakemake_executor_plugin_slurm")
    work = copy_workflow(tmp_path / "wf")
    result = run_snakemake(work, "--workflow-profile", "profiles/slurm", "-n")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Using workflow specific profile profiles/slurm" in result.stdout + result.stderr
    assert "validate" in result.stdout
