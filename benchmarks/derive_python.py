"""The Python around derive's recipe, old and new side by side, in one process.

On derive's outputs at scale (``--derived``: a folder with ``team_periods.parquet`` and
``pairs.parquet``): ``conditions.table1``, ``descriptives.table4`` and ``descriptives.sample``
of revision ``--old`` (its module files, imported beside this checkout's) and of this
checkout, alternating, ``--repeat`` times each; printed: min-max wall seconds and whether
the two tables are byte-identical as CSV. With ``--validated`` (a working copy) the recipe
runs once (this checkout's code) and ``pairing.check_every_list_accounted_for`` is timed the
same way on its connection:

    python benchmarks/derive_python.py --derived /tmp/out --old 465409f --repeat 3
    python benchmarks/derive_python.py --derived /tmp/out --validated /tmp/w10m/validated
"""

from __future__ import annotations

import argparse
import importlib.util
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import pandas as pd

import ldj_analysis
from ldj_analysis import conditions, descriptives, pairing

ROOT = Path(__file__).resolve().parents[1]


def old_module(rev: str, name: str, into: Path) -> ModuleType:
    """``ldj_analysis.<name>`` as of revision ``rev``, imported as ``old_<name>``."""
    path = into / f"old_{name}.py"
    src = f"{rev}:src/ldj_analysis/{name}.py"
    path.write_text(
        subprocess.run(
            ["git", "-C", str(ROOT), "show", src], capture_output=True, text=True, check=True
        ).stdout
    )
    spec = importlib.util.spec_from_file_location(f"old_{name}", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    """Wall seconds of ``repeat`` calls of ``fn`` and its last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def side_by_side(name: str, old: Callable[[], Any], new: Callable[[], Any], repeat: int) -> None:
    """Time ``old`` and ``new`` alternately; print both ranges and whether they agree."""
    old_t, new_t, old_r, new_r = [], [], None, None
    for _ in range(repeat):
        t, old_r = timed(old, 1)
        old_t += t
        t, new_r = timed(new, 1)
        new_t += t
    if isinstance(old_r, pd.DataFrame):
        same = old_r.to_csv(index=False) == new_r.to_csv(index=False)
    else:
        same = old_r == new_r
    print(
        f"{name:38s} old {min(old_t):6.3f}-{max(old_t):6.3f} s   "
        f"new {min(new_t):6.3f}-{max(new_t):6.3f} s   identical: {'yes' if same else 'NO'}"
    )


def recipe_connection(validated: Path, memory_mb: int) -> Any:
    """The recipe's DuckDB connection on a working copy (this checkout's code and config)."""
    from ldj_analysis.config import load_config
    from ldj_analysis.derive import read_working_copy, run_recipe
    from ldj_analysis.norms import load_norms
    from ldj_analysis.selection import select

    cfg = load_config(ROOT / "config.yaml") | {"norms_accept_placeholders": True}
    export, _ = select(read_working_copy(validated), cfg["selection"])
    norms = load_norms(ROOT / "src" / "ldj_analysis" / "data" / "norms.csv")
    temp = Path(tempfile.mkdtemp(prefix="derive_python_"))
    return run_recipe(
        export, cfg, norms, {"memory_mb": memory_mb, "temp_dir": str(temp), "threads": 2}
    )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--derived", type=Path, required=True, help="team_periods/pairs.parquet")
    ap.add_argument("--validated", type=Path, help="a working copy: also time the check")
    ap.add_argument("--old", default="main", help="git revision of the old code")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--memory-mb", type=int, default=2200, help="DuckDB's memory for the recipe")
    args = ap.parse_args()
    print(f"new: {ldj_analysis.__file__}; old: {args.old}")
    tp = pd.read_parquet(args.derived / "team_periods.parquet")
    pairs = pd.read_parquet(args.derived / "pairs.parquet")
    print(f"{len(tp):,} team-periods, {len(pairs):,} pairs")
    with tempfile.TemporaryDirectory() as tmp:
        old = {n: old_module(args.old, n, Path(tmp)) for n in ("conditions", "descriptives")}
        if args.validated:
            old["pairing"] = old_module(args.old, "pairing", Path(tmp))
        side_by_side(
            "conditions.table1",
            lambda: old["conditions"].table1(tp),
            lambda: conditions.table1(tp),
            args.repeat,
        )
        side_by_side(
            "descriptives.table4",
            lambda: old["descriptives"].table4(pairs),
            lambda: descriptives.table4(pairs),
            args.repeat,
        )
        side_by_side(
            "descriptives.sample",
            lambda: old["descriptives"].sample(pairs),
            lambda: descriptives.sample(pairs),
            args.repeat,
        )
        if args.validated:
            con = recipe_connection(args.validated, args.memory_mb)
            side_by_side(
                "pairing.check_every_list_accounted_for",
                lambda: old["pairing"].check_every_list_accounted_for(con),
                lambda: pairing.check_every_list_accounted_for(con),
                args.repeat,
            )


if __name__ == "__main__":
    main()
