"""Benchmark reading the export from the LDJ database against reading the CSV folder.

For one synthetic export (default: ~10 M questionnaire rows, scale 1246): load it into a
DuckDB file and into a throwaway PostgreSQL server (tests/extract/pgserver.py; timed apart,
they stand in for the site's database), then time the workflow's first step on each source
(validate on the CSV folder, extract from DuckDB and PostgreSQL) and the whole workflow,
cold, from each source. Peak memory is the max RSS of the measured process tree; the
PostgreSQL server's own memory is not in it.

    python benchmarks/extract.py                     # writes the 10 M-row export first
    python benchmarks/extract.py --export DIR        # reuse an export written at that scale
    python benchmarks/extract.py --scale 10          # a quick look at a smaller size
    python benchmarks/extract.py --export DIR --duckdb FILE --sources duckdb
                                                     # DuckDB only, from a file loaded before

Run the 10 M-row case under `flock /tmp/bench.lock` on a shared machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.workflow import _PEAK, machine, snakemake  # noqa: E402
from tests.extract.pgserver import start_server  # noqa: E402
from tests.workflow_copy import copy_workflow  # noqa: E402

#: The workflow's first step alone, as its rule script runs it.
_STEP = """
import sys
from ldj_analysis.config import load_config
config = load_config(sys.argv[2])
out = sys.argv[3]
if sys.argv[1].startswith(("duckdb:", "postgresql:")):
    from ldj_analysis.dbsource import parse_source
    from ldj_analysis.extract import run_extraction
    run_extraction(parse_source(sys.argv[1]), config, out + "/validated", out + "/excl.csv",
                   out + "/validation.json", out + "/extraction.json")
else:
    from ldj_analysis.validation import run_validation
    run_validation(sys.argv[1], config, out + "/validated", out + "/excl.csv",
                   out + "/validation.json")
"""


def timed(cmd: list[str], env: dict | None = None) -> tuple[float, float]:
    """Run ``cmd`` in a small wrapper process; return wall seconds and peak RSS (MB)."""
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _PEAK, *cmd], capture_output=True, text=True, env=env
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd[:3])} failed:\n{result.stderr[-3000:]}")
    return wall, int(result.stderr.strip().splitlines()[-1]) / 1024


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scale", type=int, default=1246)
    parser.add_argument("--seed", type=int, default=20180101)
    parser.add_argument("--export", type=Path, help="an export written at --scale")
    parser.add_argument("--scratch", type=Path, help="work folder (default: a temp dir)")
    parser.add_argument(
        "--duckdb", type=Path, help="a DuckDB file loaded from --export before (not reloaded)"
    )
    parser.add_argument(
        "--sources",
        default="csv,duckdb,postgresql",
        help="comma-separated sources to measure (csv, duckdb, postgresql)",
    )
    args = parser.parse_args(argv)
    sources = set(args.sources.split(","))
    if not sources <= {"csv", "duckdb", "postgresql"}:
        parser.error(f"--sources: unknown {sorted(sources - {'csv', 'duckdb', 'postgresql'})}")
    print(f"machine: {machine()} (shared with other jobs)")
    scratch = Path(args.scratch or tempfile.mkdtemp(prefix="ldj-bench-extract-"))
    scratch.mkdir(parents=True, exist_ok=True)
    export = args.export
    if export is None:
        from ldj_analysis.synthetic import write_synthetic

        export = scratch / "export"
        t0 = time.perf_counter()
        write_synthetic(export, seed=args.seed, scale=args.scale)
        print(f"write synthetic export (scale {args.scale}): {time.perf_counter() - t0:.1f} s")
    with open(export / "questionnaires.csv", "rb") as fh:
        rows = sum(1 for _ in fh) - 1
    print(f"questionnaire rows: {rows}")
    config = scratch / "config.yaml"
    shutil.copy(ROOT / "config.yaml", config)
    loader = str(Path(sys.executable).with_name("ldj-load-db"))
    duck = f"duckdb://{(args.duckdb or scratch / 'ldj.duckdb').resolve()}"
    server = start_server() if "postgresql" in sources else None
    env = dict(os.environ)
    pg = ""
    if server is not None:
        env["PGPASSWORD"] = server.password
        pg = server.uri(schema="ldj")
    try:
        figures = []
        # DuckDB checks keys row by row on insert (minutes at 10 M rows): loaded without them
        loads = [("DuckDB", duck, ["--no-keys"])] if "duckdb" in sources and not args.duckdb else []
        loads += [("PostgreSQL", pg, [])] if server is not None else []
        for label, uri, keys in loads:
            wall, rss = timed([loader, str(export), uri, "--replace", *keys], env)
            figures.append((f"load into {label} (setup, ldj-load-db {' '.join(keys)})", wall, rss))
            print(f"  {figures[-1][0]:<44} {wall:8.1f} s {rss:8.0f} MB", flush=True)
        chosen = [
            (name, label, source)
            for name, label, source in (
                ("csv", "CSV folder", str(export)),
                ("duckdb", "DuckDB", duck),
                ("postgresql", "PostgreSQL", pg),
            )
            if name in sources
        ]
        for _, label, source in chosen:
            out = scratch / "step"
            shutil.rmtree(out, ignore_errors=True)
            out.mkdir()
            step = "validate" if source == str(export) else "extract"
            wall, rss = timed([sys.executable, "-c", _STEP, source, str(config), str(out)], env)
            figures.append((f"first step, {label}: {step}", wall, rss))
            print(f"  {figures[-1][0]:<44} {wall:8.1f} s {rss:8.0f} MB", flush=True)
        shutil.rmtree(scratch / "step", ignore_errors=True)
        for _, label, source in chosen:
            if source == str(export):
                cfg = [f"export_dir={export}", "norms_accept_placeholders=true"]
            else:
                cfg = ["export_dir=null", f"export_uri={source}", "norms_accept_placeholders=true"]
            work = copy_workflow(scratch / f"wf_{label.split()[0]}")
            if server is not None:
                os.environ["PGPASSWORD"] = server.password
            wall, peak_kib, _ = snakemake(work, "--config", *cfg)
            figures.append((f"whole workflow (cold), {label}", wall, peak_kib / 1024))
            print(f"  {figures[-1][0]:<44} {wall:8.1f} s {peak_kib / 1024:8.0f} MB", flush=True)
            rules = sorted((work / "logs" / "benchmarks").glob("*.tsv"))
            print(
                "    per rule: "
                + ", ".join(
                    f"{f.stem} {float(f.read_text().splitlines()[-1].split()[0]):.1f} s"
                    for f in rules
                ),
                flush=True,
            )
            shutil.rmtree(work, ignore_errors=True)
    finally:
        if server is not None:
            server.stop()
            shutil.rmtree(server.root, ignore_errors=True)
    print(f"\n{rows} questionnaire rows; targets for the whole workflow: <= 60 s, <= 4 GB")
    for name, wall, rss in figures:
        print(f"| {name} | {wall:.1f} s | {rss / 1024:.2f} GB |")


if __name__ == "__main__":
    main()
