"""Benchmark the whole workflow on synthetic exports from study size to national scale.

For each scale: write the synthetic export (timed apart: it stands in for the real export),
run `snakemake` cold on it in a scratch copy of the project, then a no-op rerun. Prints and
appends to a CSV, per rule and in total: wall time, peak memory (max RSS) and questionnaire
rows per second. Per-rule figures come from Snakemake's own `benchmark:` files.

    python benchmarks/workflow.py                       # scales 1, 10, 100 and ~10 M rows
    python benchmarks/workflow.py --scales 1 10 --out /tmp/bench.csv
    python benchmarks/workflow.py --scales 1246 --export DIR    # reuse a written export
"""

from __future__ import annotations

import argparse
import csv
import os
import platform
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from ldj_analysis.synthetic import write_synthetic  # noqa: E402
from tests.workflow_copy import copy_workflow  # noqa: E402

TARGET_ROWS = 10_000_000


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem_gb = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return f"{os.cpu_count()} cores, {mem_gb:.0f} GiB, {cpu}, {platform.platform()}"


#: Runs a command and prints the peak RSS (KiB) of its process tree: a small process of its
#: own, since a child forked from this (large, after generating an export) would report the
#: parent's memory as its own peak.
_PEAK = (
    "import resource, subprocess, sys\n"
    "code = subprocess.run(sys.argv[1:]).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, file=sys.stderr)\n"
    "sys.exit(code)\n"
)


def snakemake(workdir: Path, *args: str) -> tuple[float, int, subprocess.CompletedProcess]:
    """Run snakemake; return wall seconds, peak RSS of it and its jobs (KiB), result."""
    exe = Path(sys.executable).with_name("snakemake")
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-c", _PEAK, str(exe), *args], cwd=workdir, capture_output=True, text=True
    )
    wall = time.perf_counter() - start
    if result.returncode != 0:
        raise RuntimeError(f"snakemake {' '.join(args)} failed:\n{result.stderr[-4000:]}")
    peak = int(result.stderr.strip().splitlines()[-1])
    return wall, peak, result


def rows_per_scale(seed: int) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        export = write_synthetic(Path(tmp) / "export", seed=seed, scale=1)
    return len(export.questionnaires)


def bench_scale(scale: int, seed: int, scratch: Path, export_dir: Path | None = None) -> list[dict]:
    if export_dir is None:
        export_dir = scratch / f"export_{scale}"
        t0 = time.perf_counter()
        export = write_synthetic(export_dir, seed=seed, scale=scale)
        gen_s = time.perf_counter() - t0
        rows = len(export.questionnaires)
        del export
    else:
        gen_s = float("nan")
        with open(export_dir / "questionnaires.csv", "rb") as fh:
            rows = sum(1 for _ in fh) - 1
    work = copy_workflow(scratch / f"wf_{scale}")
    # the synthetic export, written outside the workflow: its placeholder norms are expected
    config = (f"export_dir={export_dir}", "norms_accept_placeholders=true")
    wall, peak_kib, _ = snakemake(work, "--config", *config)
    noop, _, noop_result = snakemake(work, "--config", *config)
    assert "Nothing to be done" in noop_result.stdout + noop_result.stderr
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    out = [
        {
            "date": stamp,
            "scale": scale,
            "questionnaire_rows": rows,
            "step": "generate export (not in total)",
            "wall_s": round(gen_s, 2) if gen_s == gen_s else "",
            "max_rss_mb": "",
            "rows_per_s": round(rows / gen_s) if gen_s == gen_s else "",
        }
    ]
    for tsv in sorted((work / "logs/benchmarks").glob("*.tsv")):
        row = pd.read_csv(tsv, sep="\t").iloc[0]
        out.append(
            {
                "date": stamp,
                "scale": scale,
                "questionnaire_rows": rows,
                "step": f"rule {tsv.stem}",
                "wall_s": round(float(row["s"]), 2),
                "max_rss_mb": round(float(row["max_rss"]), 1),
                "rows_per_s": round(rows / max(float(row["s"]), 1e-9)),
            }
        )
    for step, seconds, rss in (
        ("workflow total (cold)", wall, peak_kib / 1024),
        ("no-op rerun", noop, ""),
    ):
        out.append(
            {
                "date": stamp,
                "scale": scale,
                "questionnaire_rows": rows,
                "step": step,
                "wall_s": round(seconds, 2),
                "max_rss_mb": round(rss, 1) if rss != "" else "",
                "rows_per_s": round(rows / seconds) if step.startswith("workflow") else "",
            }
        )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="*", help="default: 1 10 100 and ~10 M rows")
    parser.add_argument("--seed", type=int, default=20180101)
    parser.add_argument(
        "--export", type=Path, help="an export written before at the (single) scale given"
    )
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.csv")
    args = parser.parse_args(argv)
    scales = args.scales
    if args.export is not None and (not scales or len(scales) != 1):
        parser.error("--export needs exactly one scale (the one the export was written at)")
    if not scales:
        per_scale = rows_per_scale(args.seed)
        scales = [1, 10, 100, max(1, round(TARGET_ROWS / per_scale))]
    print(f"machine: {machine()}")
    rows: list[dict] = []
    with tempfile.TemporaryDirectory(prefix="ldj-bench-") as tmp:
        for scale in scales:
            print(f"\n== scale {scale}", flush=True)
            result = bench_scale(scale, args.seed, Path(tmp), args.export)
            for r in result:
                print(
                    f"  {r['step']:<34} {r['wall_s']!s:>8} s  {str(r['max_rss_mb']):>8} MB"
                    f"  {r['rows_per_s']!s:>10} rows/s"
                )
            rows += result
    new = not args.out.exists()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    with open(args.out, "a", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*rows[0].keys(), "machine"])
        if new:
            writer.writeheader()
        for r in rows:
            writer.writerow({**r, "machine": machine()})
    print(f"\nappended to {args.out}")


if __name__ == "__main__":
    main()
