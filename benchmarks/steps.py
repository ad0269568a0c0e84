"""Per-step wall time and peak memory of the pipeline's package calls on an export on disk.

Each step runs in a fresh Python process (so its peak RSS is its own) and calls what the
workflow's rule script calls: reading and typing the CSV, reading the validated working
copy, ``run_validation``, ``derive_files`` and the two model calls. Wall time excludes
imports. Usage:

    python benchmarks/steps.py --export /tmp/exp10m --work /tmp/work10m
    python benchmarks/steps.py --export DIR --work DIR --steps validate derive
    python benchmarks/steps.py --make-export 1000000 --export /tmp/rand1m   # random export

``--make-export N`` writes the random export of ``benchmarks/study_logic.py`` (CSV) first.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STEPS = (
    "validate",
    "read_csv",
    "read_working_copy",
    "derive",
    "models_team_periods",
    "models_pairs",
)


def _config() -> dict:
    from ldj_analysis.config import load_config

    return load_config(ROOT / "config.yaml")


def run_step(step: str, export: Path, work: Path) -> dict:
    """Run one step in this process; return its wall seconds and row count."""
    import pandas as pd

    cfg = _config()
    start = time.perf_counter()
    if step == "read_csv":
        from ldj_analysis.export import load_tables

        ex, _ = load_tables(export)
        rows = len(ex.questionnaires)
    elif step == "read_working_copy":
        from ldj_analysis.validation import read_validated

        ex = read_validated(work / "validated")
        rows = len(ex.questionnaires)
    elif step == "validate":
        from ldj_analysis.validation import run_validation

        res = run_validation(
            export,
            {"validation": cfg["validation"], "selection": cfg["selection"]},
            work / "validated",
            work / "exclusions_validation.csv",
            work / "validation.json",
        )
        rows = len(res.export.questionnaires)
    elif step == "derive":
        from ldj_analysis.derive import derive_files
        from ldj_analysis.norms import norms_path

        sections = ("selection", "conditions", "checklist", "response", "pairing")
        params = {k: cfg[k] for k in (*sections, "pseudonym_key_file")}
        out = work / "derived"
        derived = derive_files(
            work / "validated",
            work / "exclusions_validation.csv",
            norms_path(cfg),
            params,
            out / "team_periods.parquet",
            out / "pairs.parquet",
            out / "exclusions.csv",
            out / "tables",
            synthetic_export=True,  # the benchmarks run on the synthetic export
        )
        rows = int(derived.flow["count"].iloc[0])
    elif step == "models_team_periods":
        from ldj_analysis.models.outputs import team_period_models

        out = work / "models"
        out.mkdir(parents=True, exist_ok=True)
        team_period_models(
            work / "derived" / "team_periods.parquet",
            {"models": cfg["models"]},
            out / "checklist_response.csv",
            out / "baseline_ttests.csv",
        )
        rows = len(pd.read_parquet(work / "derived" / "team_periods.parquet"))
    elif step == "models_pairs":
        from ldj_analysis.models.outputs import pair_models

        out = work / "models"
        out.mkdir(parents=True, exist_ok=True)
        pair_models(
            work / "derived" / "pairs.parquet",
            {"models": cfg["models"]},
            out / "outcomes.csv",
            out / "prepost_tests.csv",
        )
        rows = len(pd.read_parquet(work / "derived" / "pairs.parquet"))
    else:
        raise ValueError(step)
    wall = time.perf_counter() - start
    return {"step": step, "wall_s": round(wall, 2), "rows": rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--export", type=Path, required=True)
    ap.add_argument("--work", type=Path)
    ap.add_argument("--steps", nargs="*", default=list(STEPS))
    ap.add_argument("--make-export", type=int, default=0, metavar="ROWS")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        out = run_step(args.one, args.export, args.work)
        out["max_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
        print(json.dumps(out))
        return
    if args.make_export:
        sys.path.insert(0, str(ROOT / "benchmarks"))
        from study_logic import build

        from ldj_analysis.export import write_export

        write_export(build(args.make_export), args.export, "csv")
        print(f"wrote a random export of ~{args.make_export:,d} questionnaire rows")
    if args.work is None:
        return
    args.work.mkdir(parents=True, exist_ok=True)
    print(f"{'step':<22}{'wall s':>9}{'peak RSS MB':>13}{'rows':>13}{'rows/s':>13}")
    for step in args.steps:
        cmd = [sys.executable, __file__, "--export", str(args.export), "--work", str(args.work)]
        res = subprocess.run([*cmd, "--one", step], capture_output=True, text=True)
        if res.returncode:
            print(f"{step}: failed\n{res.stderr[-3000:]}")
            continue
        r = json.loads(res.stdout.strip().splitlines()[-1])
        print(
            f"{step:<22}{r['wall_s']:>9.2f}{r['max_rss_mb']:>13,d}{r['rows']:>13,d}"
            f"{r['rows'] / max(r['wall_s'], 1e-9):>13,.0f}",
            flush=True,
        )


if __name__ == "__main__":
    main()
