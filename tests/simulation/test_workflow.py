"""`snakemake simulate`: scattered chunks, gathered outputs, old chunks reused; the report
depends on the simulation only when simulation.in_report is true."""

from __future__ import annotations

import pandas as pd
import pytest

from ldj_analysis.simulation.figures import SIMULATION_FIGURES
from tests.workflow_copy import copy_workflow, run_snakemake

# A configured design and set ICCs: the simulation needs no export or derived data.
SIMULATION = (
    "simulation={{replications: {reps}, chunk_size: 4, icc: 0.1, trend: 0.2, "
    "teams: [12], effects: [0.5], design: {{source: configured, teams: 8, clients: 5}}, "
    "team_periods: {{outcomes: [use, response], icc: 0.2}}, "
    "icc_sensitivity: {{values: [0, 0.4]}}}}"
)


@pytest.mark.slow
def test_simulate_scatters_gathers_and_reuses_chunks(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    run = run_snakemake(work, "simulate", "--config", SIMULATION.format(reps=8))
    assert run.returncode == 0, run.stderr[-3000:]
    out = work / "results" / "simulation"
    chunks = sorted((out / "chunks").glob("*.parquet"))
    assert [c.name for c in chunks] == ["0.parquet", "1.parquet"]
    results = pd.read_csv(out / "results.csv")
    assert sorted(results["rep"].unique()) == list(range(8))
    summary = pd.read_csv(out / "summary.csv")
    assert set(summary["kind"]) == {"size", "trend", "power", "icc"}
    sets = summary[["model", "outcome"]].drop_duplicates().itertuples(index=False)
    assert {tuple(s) for s in sets} == {
        ("outcomes", "opgroei"),
        ("team_periods", "use"),
        ("team_periods", "response"),
        ("team_periods", "grid"),
    }
    tp = summary[(summary["model"] == "team_periods") & (summary["kind"] == "size")]
    assert set(tp["icc"]) == {0.2}
    sensitivity = pd.read_csv(out / "icc_sensitivity.csv")
    assert set(sensitivity["icc"]) == {0.0, 0.4}
    assert set(sensitivity["model"]) == {"outcomes", "team_periods"}
    assert pd.read_csv(out / "findings.csv").empty  # a configured design: no findings
    assert set(pd.read_csv(out / "mdes.csv")["teams"]) == {8, 12}
    assert "Ontwerpsimulatie" in (out / "reading.md").read_text(encoding="utf-8")
    for name in SIMULATION_FIGURES:
        assert (work / "results" / "figures" / f"{name}.png").stat().st_size > 1000
    assert not (work / "results" / "report.html").exists()  # not part of `simulate`
    assert not (work / "data" / "derived").exists()  # nor the study's data

    before = {c.name: c.stat().st_mtime_ns for c in chunks}
    dry = run_snakemake(work, "simulate", "-n", "--config", SIMULATION.format(reps=10))
    assert dry.returncode == 0, dry.stderr[-3000:]
    assert "simulation_chunk" in dry.stdout
    again = run_snakemake(work, "simulate", "--config", SIMULATION.format(reps=10))
    assert again.returncode == 0, again.stderr[-3000:]
    after = {c.name: c.stat().st_mtime_ns for c in sorted((out / "chunks").glob("*.parquet"))}
    assert set(after) == {"0.parquet", "1.parquet", "2.parquet"}
    assert after["0.parquet"] == before["0.parquet"] and after["1.parquet"] == before["1.parquet"]
    grown = pd.read_csv(out / "results.csv")
    pd.testing.assert_frame_equal(grown[grown["rep"] < 8].reset_index(drop=True), results)


def _jobs(stdout: str) -> set[str]:
    return {line.split()[0] for line in stdout.splitlines() if line.startswith("simulation_")}


@pytest.mark.slow
def test_report_depends_on_the_simulation_only_when_asked(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    plain = run_snakemake(work, "-n", "--quiet", "rules")
    assert plain.returncode == 0, plain.stderr[-3000:]
    assert not _jobs(plain.stdout)
    asked = run_snakemake(
        work, "-n", "--quiet", "rules", "--config", "simulation={in_report: true}"
    )
    assert asked.returncode == 0, asked.stderr[-3000:]
    assert {"simulation_chunk", "simulation_gather", "simulation_figures"} <= _jobs(asked.stdout)
