"""The study and a small simulation through profiles/slurm on a real single-node SLURM
(tests/cluster/slurmserver.py), with docs/cluster.md's command: the same tables and models as
a local run, byte for byte, and every job submitted with the account and partition given and
the profile's time limit (or the rule's own runtime)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.cluster.documented import bash_blocks, documented_command, profile_runtime
from tests.cluster.slurmserver import SlurmCluster, install, start_cluster
from tests.simulation.test_workflow import SIMULATION
from tests.workflow_copy import ROOT, copy_workflow, result_files

# Starts SLURM's daemons and runs the workflow twice (about two and a half minutes).
pytestmark = pytest.mark.slow

TARGETS = ("all", "simulate", "--config", SIMULATION.format(reps=8))
COMPARED = ("results/tables", "results/models", "results/figures", "results/simulation")
# The plugin waits 40 s before the first status check of each round of jobs, then 10 s more
# after each check that finds none finished; these jobs take 5-8 s each. Measured on 2 cores
# for the whole test: 150 s at 5 s, 136 and 157 s at 8 s, 169 s at 11 s (one run each).
TEST_OPTIONS = ("--slurm-init-seconds-before-status-checks", "8")
KEY = "a-fixed-test-key-of-more-than-thirty-two-bytes"


def _documented() -> tuple[dict[str, str], list[str]]:
    """The account and partition exported by docs/cluster.md's first block, and its command
    for a cluster without job accounting (``--slurm-status-command squeue``)."""
    env, _ = documented_command(bash_blocks()[0])
    block = next(b for b in bash_blocks() if "--slurm-status-command squeue" in b)
    _, command = documented_command(block)
    return env, command


@pytest.fixture(scope="module")
def slurm() -> Iterator[SlurmCluster]:
    """A running single-node SLURM whose second partition is the one docs/cluster.md names."""
    pytest.importorskip("snakemake_executor_plugin_slurm")
    reason = install()
    if reason:
        pytest.skip(f"no SLURM test cluster: {reason}")
    try:
        cluster = start_cluster(_documented()[0]["LDJ_SLURM_PARTITION"])
    except (RuntimeError, OSError) as err:
        pytest.skip(f"SLURM's daemons could not start here: {str(err)[:2000]}")
    try:
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(cluster.root, ignore_errors=True)


def _snakemake(work: Path, args: list[str], env: dict[str, str]) -> subprocess.Popen[str]:
    """Start snakemake (the one beside this Python) in ``work`` with the pseudonym key set."""
    env = {k: v for k, v in env.items() if k != "SNAKEMAKE_PROFILE"}
    return subprocess.Popen(
        [str(Path(sys.executable).with_name("snakemake")), *args],
        cwd=work,
        env={**env, "LDJ_PSEUDONYM_KEY": KEY},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def _output(proc: subprocess.Popen[str], timeout: float = 900) -> str:
    """The run's output once it ends; the run killed when it takes longer than ``timeout``."""
    try:
        return proc.communicate(timeout=timeout)[0]
    except subprocess.TimeoutExpired:
        proc.kill()
        return proc.communicate()[0] + f"\n(killed after {timeout} s)"


def _rule_runtimes() -> dict[str, int]:
    """Rules that set their own ``runtime`` (minutes) in workflow/rules/*.smk."""
    runtimes = {}
    for smk in (ROOT / "workflow" / "rules").glob("*.smk"):
        parts = re.split(r"^rule (\w+):", smk.read_text(encoding="utf-8"), flags=re.M)
        for name, body in zip(parts[1::2], parts[2::2], strict=True):
            if found := re.search(r"\bruntime\s*=\s*(\d+)", body):
                runtimes[name] = int(found[1])
    return runtimes


def _submitted(output: str) -> dict[str, str]:
    """SLURM job id -> rule, from the plugin's "submitted with SLURM jobid" lines."""
    found = re.findall(r"submitted with SLURM jobid (\d+) \(log: \S*/rule_(\w+)/", output)
    return dict(found)


def _assert_jobs_as_given(cluster: SlurmCluster, output: str, env: dict[str, str]) -> None:
    """Every remote job went to SLURM, finished, and had the account, partition and limit."""
    submitted = _submitted(output)
    remote = re.findall(r"^rule (\w+):$", output, flags=re.M)
    assert sorted(submitted.values()) == sorted(remote), output[-3000:]
    assert {"validate", "derive", "models_pairs", "simulation_chunk"} <= set(remote)
    finished = {job["JobId"]: job for job in cluster.finished_jobs()}
    assert sorted(finished) == sorted(submitted), cluster.jobcomp.read_text()
    runtimes = _rule_runtimes()
    for job_id, rule in submitted.items():
        job = finished[job_id]
        limit = runtimes.get(rule, profile_runtime())
        assert job["JobState"] == "COMPLETED", job
        # SLURM keeps account names in lower case (they are case-insensitive).
        assert job["Account"] == env["LDJ_SLURM_ACCOUNT"].lower(), (rule, job)
        assert job["Partition"] == env["LDJ_SLURM_PARTITION"], (rule, job)
        assert job["TimeLimit"] == str(limit), (rule, job)


def test_study_and_simulation_on_slurm_equal_a_local_run(slurm, tmp_path):
    """docs/cluster.md's command on SLURM gives the local run's results; jobs as given."""
    env, command = _documented()
    # The local reference run goes alongside: the SLURM run mostly waits on status checks.
    local_work = copy_workflow(tmp_path / "local")
    local = _snakemake(local_work, list(TARGETS), dict(os.environ))
    work = copy_workflow(tmp_path / "slurm")
    remote = _snakemake(work, [*command, *TEST_OPTIONS, *TARGETS], {**slurm.env, **env})
    remote_output, local_output = _output(remote), _output(local)
    assert local.returncode == 0, local_output[-3000:]
    assert remote.returncode == 0, remote_output[-3000:]
    assert "Using workflow specific profile profiles/slurm" in remote_output
    _assert_jobs_as_given(slurm, remote_output, env)
    got, want = result_files(work, COMPARED), result_files(local_work, COMPARED)
    assert sorted(got) == sorted(want)
    assert len([n for n in want if n.startswith("results/models")]) >= 4
    assert len([n for n in want if n.startswith("results/simulation")]) >= 4
    differ = [name for name in want if got[name] != want[name]]
    assert not differ, f"differ from the local run: {differ}"
