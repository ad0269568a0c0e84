"""Cost of the design simulation (docs/simulation.md): per replication in one process (the
client-level set and the team-period sets), and 1,000 replications of the default design
through `snakemake simulate` on the local cores.

Usage: python benchmarks/simulation.py [--replications 1000] [--cores 2] [--skip-snakemake]
Needs data/derived/ (run `snakemake` first) for the selected design. Prints measured
figures; the Snakemake runs use a scratch copy of the workflow (results/ is not touched).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ldj_analysis.config import load_config  # noqa: E402
from ldj_analysis.simulation.replicate import run_replications  # noqa: E402
from ldj_analysis.simulation.sets import CLIENT_MODEL, sets_from_config  # noqa: E402
from tests.workflow_copy import copy_workflow, run_snakemake  # noqa: E402

NO_SENSITIVITY = {"icc_sensitivity": {"values": [], "spec": "study"}}
#: Client-level scenarios measured: name -> changes to the default simulation.* config.
VARIANTS: dict[str, dict] = {
    "size, study model": {"effects": [], "trend": 0.0, "specs": ["study"]},
    "size, 3 specs": {"effects": [], "trend": 0.0},
    "size + trend, 3 specs": {"effects": []},
    "default config (size, trend, power curves)": {},
    "size, 3 specs, WCR 399 Webb draws (no enumeration)": {
        "effects": [],
        "trend": 0.0,
        "wild": {"max_enumeration": 0, "draws": 399},
    },
}


def per_replication(sim: dict, sets: list, reps: int) -> float:
    """Seconds per replication of ``sets`` in this process (after a warm-up replication)."""
    run_replications(sets, sim, 0, 1)
    start = time.perf_counter()
    run_replications(sets, sim, 1, 1 + reps)
    return (time.perf_counter() - start) / reps


def snakemake_run(
    work: Path, reps: int, chunk: int, cores: int, changes: str
) -> tuple[float, float]:
    """(wall seconds of `snakemake simulate`, summed chunk-job seconds per replication)."""
    shutil.rmtree(work / "results" / "simulation", ignore_errors=True)
    config = f"simulation={{replications: {reps}, chunk_size: {chunk}{changes}}}"
    start = time.perf_counter()
    run = run_snakemake(work, "simulate", "--cores", str(cores), "--config", config)
    wall = time.perf_counter() - start
    if run.returncode != 0:
        raise SystemExit(run.stderr[-3000:])
    bench = sorted((work / "logs" / "benchmarks").glob("simulation_chunk_*.tsv"))
    seconds = sum(pd.read_csv(b, sep="\t")["s"].iloc[0] for b in bench)
    for b in bench:
        b.unlink()
    return wall, seconds / reps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=1000)
    parser.add_argument("--cores", type=int, default=2)
    parser.add_argument("--in-process", type=int, default=100, help="replications per variant")
    parser.add_argument("--skip-snakemake", action="store_true")
    args = parser.parse_args()

    derived = ROOT / "data" / "derived"
    if not (derived / "pairs.parquet").is_file():
        raise SystemExit("data/derived/ is missing: run `snakemake` first")
    sim = load_config(ROOT / "config.yaml")["simulation"]
    sets = sets_from_config(
        sim,
        pd.read_parquet(derived / "team_periods.parquet"),
        pd.read_parquet(derived / "pairs.parquet"),
    )
    client = [s for s in sets if s.model == CLIENT_MODEL]
    team_periods = [s for s in sets if s.model != CLIENT_MODEL]
    print(
        f"machine: {os.cpu_count()} cores (shared with other work); client-level design:"
        f" {client[0].design.n_teams} teams, {client[0].design.n_clients} clients; ICC"
        f" {client[0].icc:.3f}; {len(team_periods)} team-period sets; methods {sim['methods']}"
    )
    print("\nIn one process (one BLAS thread), time per replication:")
    reps = args.in_process
    for name, changes in VARIANTS.items():
        cost = per_replication({**sim, **NO_SENSITIVITY, **changes}, client, reps)
        print(f"  client level, {name:<45} {cost * 1000:8.1f} ms  ({reps} replications)")
    cost = per_replication(sim, client, reps)
    print(f"  client level, {'default + ICC sensitivity':<45} {cost * 1000:8.1f} ms")
    cost = per_replication(sim, team_periods, reps)
    print(f"  {'team-period sets (5 outcomes + grid), default':<59} {cost * 1000:8.1f} ms")

    if args.skip_snakemake:
        return
    with tempfile.TemporaryDirectory() as tmp:
        work = copy_workflow(Path(tmp) / "wf")
        # the study's derived data first (not timed): the selected design and the ICC
        prep = run_snakemake(
            work,
            "--cores",
            str(args.cores),
            "data/derived/pairs.parquet",
            "results/models/small_sample.csv",
        )
        if prep.returncode != 0:
            raise SystemExit(prep.stderr[-3000:])
        print(f"\n`snakemake simulate`, {args.replications} replications, {args.cores} cores:")
        client_only = ", team_periods: {outcomes: []}, icc_sensitivity: {values: []}"
        runs = [
            ("client level only (as before team periods)", client_only, 100),
            ("default config (both families, ICC sensitivity)", "", 100),
        ]
        for name, changes, chunk in runs:
            wall, cost = snakemake_run(work, args.replications, chunk, args.cores, changes)
            print(
                f"  {name:<45} chunk {chunk:>4}: {wall:6.1f} s wall,"
                f" {cost * 1000:6.1f} ms per replication in the chunk jobs"
            )


if __name__ == "__main__":
    main()
