"""docs/cluster.md's SLURM commands, run as written (dry runs, no SLURM needed)."""

from __future__ import annotations

import re

import pytest

from tests.cluster.documented import bash_blocks, documented_command, profile_runtime
from tests.workflow_copy import ROOT, copy_workflow, run_snakemake

# Every test here starts snakemake in a subprocess.
pytestmark = pytest.mark.slow


def _job_resources(output: str) -> list[dict[str, str]]:
    lines = re.findall(r"^\s+resources: (.+)$", output, flags=re.M)
    return [dict(item.split("=", 1) for item in line.split(", ")) for line in lines]


@pytest.fixture
def slurm_env(monkeypatch):
    pytest.importorskip("snakemake_executor_plugin_slurm")
    for name in ("LDJ_SLURM_ACCOUNT", "LDJ_SLURM_PARTITION", "SNAKEMAKE_PROFILE"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_documented_command_keeps_the_profile_defaults_and_gives_account(tmp_path, slurm_env):
    env, command = documented_command(bash_blocks()[0])
    for name, value in env.items():
        slurm_env.setenv(name, value)
    result = run_snakemake(copy_workflow(tmp_path / "wf"), *command, "-n")
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Using workflow specific profile profiles/slurm" in output
    jobs = _job_resources(result.stdout)
    assert len(jobs) >= 10, output
    account = env.get("LDJ_SLURM_ACCOUNT") or dict(
        a.split("=", 1) for a in command if a.startswith("slurm_account=")
    ).get("slurm_account")
    partition = env.get("LDJ_SLURM_PARTITION") or dict(
        a.split("=", 1) for a in command if a.startswith("slurm_partition=")
    ).get("slurm_partition")
    assert account and partition, "docs/cluster.md's command gives no account or partition"
    runtime = str(profile_runtime())
    for job in jobs:
        assert job.get("runtime") == runtime, job
        assert job.get("slurm_account") == account, job
        assert job.get("slurm_partition") == partition, job


def test_profile_without_account_stops_naming_the_variable(tmp_path, slurm_env):
    result = run_snakemake(
        copy_workflow(tmp_path / "wf"), "--workflow-profile", "profiles/slurm", "-n"
    )
    assert result.returncode != 0
    assert "set LDJ_SLURM_ACCOUNT" in result.stdout + result.stderr


def test_account_none_submits_without_account(tmp_path, slurm_env):
    slurm_env.setenv("LDJ_SLURM_ACCOUNT", "none")
    result = run_snakemake(
        copy_workflow(tmp_path / "wf"), "--workflow-profile", "profiles/slurm", "-n"
    )
    assert result.returncode == 0, result.stdout + result.stderr
    jobs = _job_resources(result.stdout)
    assert jobs and all("slurm_account" not in job and "slurm_partition" not in job for job in jobs)
    assert all(job.get("runtime") == str(profile_runtime()) for job in jobs)


def test_documented_squeue_status_option_exists(tmp_path, slurm_env):
    block = next(b for b in bash_blocks() if "--slurm-status-command" in b)
    _, command = documented_command(block)
    slurm_env.setenv("LDJ_SLURM_ACCOUNT", "acc")
    result = run_snakemake(copy_workflow(tmp_path / "wf"), *command, "-n")
    assert result.returncode == 0, result.stdout + result.stderr


def test_simulation_doc_gives_the_account():
    text = (ROOT / "docs" / "simulation.md").read_text(encoding="utf-8")
    slurm_lines = [line for line in text.splitlines() if "profiles/slurm" in line]
    assert slurm_lines and all("LDJ_SLURM_ACCOUNT=" in line for line in slurm_lines)
