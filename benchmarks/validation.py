"""The ``validate`` rule's package call, old code against new, side by side in one run.

Each run is a fresh Python process that calls ``run_validation`` as
``workflow/scripts/validate.py`` does (DuckDB given half the rule's memory, two threads)
on an export on disk, or with ``--source URI`` the ``extract`` rule's ``run_extraction``
from an LDJ database (its ``mem_mb`` of 5,000), with ``PYTHONPATH`` set to one source
tree: the old one is
``git archive <rev> src`` of this repository (default ``main``), the new one this
checkout's ``src``. Printed per run: wall time without imports, CPU time (user + system,
all threads: steadier than wall time on a shared machine), peak RSS; then whether
the two runs wrote byte-identical exclusion logs and summaries, and working copies with
equal data. Usage (heavy runs under ``flock /tmp/bench.lock`` on a shared machine):

    python benchmarks/validation.py --export /work/golden/export10m
    python benchmarks/validation.py --export DIR --old 7008fad --repeat 2
    python benchmarks/validation.py --source duckdb:///tmp/ldj.duckdb --old 2ad100a
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tarfile
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
#: LDJ_PSEUDONYM_KEY of every extraction run: the same pseudonyms old and new.
KEY = "validation-benchmark-key-2026-of-32-bytes"
#: The extract rule's resources.mem_mb (workflow/rules/extract.smk).
EXTRACT_MEM_MB = 5000


def run_once(export: Path | None, out: Path, source: str | None = None) -> dict:
    """Validate ``export`` (or extract from ``source``) into ``out`` in this process; wall
    seconds, CPU seconds and peak RSS."""
    from ldj_analysis.config import load_config
    from ldj_analysis.dbsource import parse_source
    from ldj_analysis.export import table_path
    from ldj_analysis.extract import run_extraction
    from ldj_analysis.validation import run_validation

    cfg = load_config(ROOT / "config.yaml")
    outputs = (out / "validated", out / "exclusions_validation.csv", out / "validation.json")
    cpu = _cpu_s()
    start = time.perf_counter()
    if source:
        engine = {"memory_mb": EXTRACT_MEM_MB // 2, "temp_dir": str(out / "tmp"), "threads": 2}
        config = {"validation": cfg["validation"], "selection": cfg["selection"], "engine": engine}
        run_extraction(parse_source(source), config, *outputs, out / "extraction.json")
    else:
        export_mb = sum(table_path(export, t).stat().st_size for t in _tables()) / 1e6
        memory_mb = max(2000, int(5 * export_mb))  # the rule's resources.mem_mb
        engine = {"memory_mb": memory_mb // 2, "temp_dir": str(out / "tmp"), "threads": 2}
        selection = {"instruments": cfg["selection"]["instruments"]}
        config = {"validation": cfg["validation"], "selection": selection, "engine": engine}
        run_validation(export, config, *outputs)
    wall = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"wall_s": round(wall, 2), "cpu_s": round(_cpu_s() - cpu, 2), "peak_rss_mb": round(peak)}


def _cpu_s() -> float:
    """User and system CPU seconds of this process so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _tables() -> tuple[str, ...]:
    from ldj_analysis.vocabulary import EXPORT_TABLES

    return EXPORT_TABLES


def old_tree(rev: str, into: Path) -> Path:
    """The ``src`` folder of revision ``rev``, unpacked under ``into``."""
    archive = into / "old.tar"
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), rev, "src"], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def same_outputs(a: Path, b: Path) -> dict[str, bool]:
    """Byte identity of the exclusion logs and summaries; equal data in the working copies
    (read as the study code reads them)."""
    found = {
        name: (a / name).read_bytes() == (b / name).read_bytes()
        for name in ("exclusions_validation.csv", "validation.json")
    }
    found["working copy (same data)"] = all(
        _working_table(a, t).equals(_working_table(b, t)) for t in _tables()
    )
    return found


def _working_table(work: Path, table: str) -> Any:
    """A working-copy table as a frame: Parquet since 2026-12-08, Arrow IPC before."""
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    parquet = work / "validated" / f"{table}.parquet"
    if parquet.exists():
        return pq.read_table(parquet).to_pandas()
    return feather.read_table(work / "validated" / f"{table}.arrow").to_pandas()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    where = ap.add_mutually_exclusive_group(required=True)
    where.add_argument("--export", type=Path, help="an export folder (the validate rule)")
    where.add_argument("--source", help="an LDJ database URI (the extract rule)")
    ap.add_argument("--old", default="main", help="git revision of the old code")
    ap.add_argument("--repeat", type=int, default=1, help="runs of each, alternating")
    ap.add_argument("--work", type=Path, help="where outputs go (default: a temp dir)")
    ap.add_argument("--one", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(run_once(args.export, args.one, args.source)))
        return
    given = ["--source", args.source] if args.source else ["--export", str(args.export)]
    with tempfile.TemporaryDirectory(prefix="ldj-bench-validate-") as tmp:
        work = args.work or Path(tmp)
        trees = {f"old ({args.old})": old_tree(args.old, Path(tmp)), "new": ROOT / "src"}
        print(f"{'code':<22}{'run':>5}{'wall s':>9}{'CPU s':>9}{'peak RSS MB':>13}", flush=True)
        for run in range(1, args.repeat + 1):
            for i, (name, tree) in enumerate(trees.items()):
                out = work / f"out{i}"
                env = {**os.environ, "PYTHONPATH": str(tree), "LDJ_PSEUDONYM_KEY": KEY}
                cmd = [sys.executable, __file__, *given, "--one", str(out)]
                res = subprocess.run(cmd, env=env, capture_output=True, text=True)
                if res.returncode:
                    sys.exit(f"{name}: failed\n{res.stderr[-3000:]}")
                r = json.loads(res.stdout.strip().splitlines()[-1])
                print(
                    f"{name:<22}{run:>5}{r['wall_s']:>9.2f}{r['cpu_s']:>9.2f}{r['peak_rss_mb']:>13,d}",
                    flush=True,
                )
        for what, same in same_outputs(work / "out0", work / "out1").items():
            print(f"identical {what}: {'yes' if same else 'NO'}")


if __name__ == "__main__":
    main()
