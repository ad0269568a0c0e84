"""The study's data steps three ways on one export: old code, the recipe, one plain query.

In one run, side by side, on one validated working copy on disk (issue 21):

- **old**: ``derive_files`` of revision ``--old`` (default 7907813, the array/pandas code),
  unpacked with ``git archive`` and run in a fresh process with ``PYTHONPATH`` on it;
- **new**: ``derive_files`` of this checkout (the SQL recipe), a fresh process as well;
- **plain**: one plain DuckDB query of the pairing rules (docs/study.md section 3: the
  42-day conditions, end lists in team-periods, matching start lists, informant priority,
  response per team-period), reading the working copy's files with no pipeline code.

Each ``derive_files`` call is the derive rule's (``workflow/scripts/derive.py``): config
from ``config.yaml``, a fixed pseudonym key, DuckDB given ``--memory-mb`` (default half
the rule's ``mem_mb``, ``max(2000, 4 * input.size_mb)``), its temp dir and two threads.
Printed per run: wall time without imports, CPU time (user + system, all threads), peak
RSS (``getrusage`` in the child), the DuckDB temp dir's peak size (sampled); then whether
old and new wrote byte-identical outputs (cmp) and whether the plain query's counts
(pairs, clients, pairs per condition, responders and response per team-period) equal the
pipeline's. ``--whole-run`` adds the cold workflow (Snakemake in a scratch copy). Rows
are appended to ``benchmarks/results.csv`` (``--out``). Heavy runs under
``flock /tmp/bench.lock`` on a shared machine:

    python benchmarks/recipe.py --validated /tmp/val10m --validation-exclusions /tmp/val10m_excl.csv
    python benchmarks/recipe.py --export DIR                  # validates DIR first (new code)
    python benchmarks/recipe.py --export DIR --whole-run      # + the cold workflow on DIR
    python benchmarks/recipe.py --validated DIR --validation-exclusions FILE --new-only
    python benchmarks/recipe.py ... --memory-mb 2200 --old 7907813 --repeat 2 --keep /tmp/out
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import filecmp
import json
import os
import platform
import resource
import subprocess
import sys
import tarfile
import tempfile
import threading
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
KEY = "recipe-benchmark-key-2026-of-32-bytes"  # LDJ_PSEUDONYM_KEY of every run: same pseudonyms
TABLES = ("clients", "treatments", "teams", "implementation", "checklist", "questionnaires")
OUTPUTS = ("team_periods.parquet", "pairs.parquet", "exclusions.csv", "norms_used.csv")
PARAMS = ("selection", "conditions", "checklist", "response", "pairing")
PARAMS += ("norms_accept_placeholders", "pseudonym_key_file")


# --- measuring, in the child processes ---------------------------------------------------


def _cpu_s() -> float:
    """User and system CPU seconds of this process so far (all its threads)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _peak_mb() -> int:
    """Peak RSS of this process so far, MB (``ru_maxrss`` is KiB on Linux)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def _dir_bytes(folder: Path) -> int:
    """Bytes of the files under ``folder`` (files that vanish while counted: 0)."""
    total = 0
    for base, _, names in os.walk(folder):
        for name in names:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(base, name)).st_size
    return total


class DirPeak(threading.Thread):
    """Samples the size of a folder (DuckDB's temp dir) every ``every`` seconds."""

    def __init__(self, folder: Path, every: float = 0.25) -> None:
        super().__init__(daemon=True)
        self.folder, self.every, self.peak = folder, every, 0
        self.done = threading.Event()

    def run(self) -> None:
        while not self.done.wait(self.every):
            self.peak = max(self.peak, _dir_bytes(self.folder))

    def stop(self) -> int:
        """Stop sampling; the peak in MB."""
        self.done.set()
        self.join()
        return round(max(self.peak, _dir_bytes(self.folder)) / 1e6)


def measured(fn: Any, temp_dir: Path | None = None) -> dict[str, Any]:
    """Call ``fn()``; its wall and CPU seconds, this process's peak RSS, temp dir peak."""
    sampler = DirPeak(temp_dir) if temp_dir is not None else None
    if sampler:
        sampler.start()
    cpu, start = _cpu_s(), time.perf_counter()
    extra = fn() or {}
    wall = time.perf_counter() - start
    out = {"wall_s": round(wall, 2), "cpu_s": round(_cpu_s() - cpu, 2), "peak_mb": _peak_mb()}
    out["temp_peak_mb"] = sampler.stop() if sampler else None
    return {**out, **extra}


def child_derive(validated: Path, exclusions: Path, out: Path, memory_mb: int) -> dict:
    """The derive rule's ``derive_files`` call, in this process (old or new code)."""
    import inspect

    import ldj_analysis
    from ldj_analysis.config import load_config
    from ldj_analysis.derive import derive_files

    # the config.yaml of the code's own revision: an older schema refuses newer keys
    cfg = load_config(Path(ldj_analysis.__file__).parents[2] / "config.yaml")
    params = {k: cfg[k] for k in PARAMS} | {"norms_accept_placeholders": True}
    params["ids_pseudonymised"] = False
    norms = ROOT / "src" / "ldj_analysis" / "data" / "norms.csv"  # the same file for both
    tmp = out / "duckdb_tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    kwargs: dict[str, Any] = {"synthetic_export": False}
    if "engine" in inspect.signature(derive_files).parameters:  # the old code has none
        kwargs["engine"] = {"memory_mb": memory_mb, "temp_dir": str(tmp), "threads": 2}
    paths = [out / name for name in OUTPUTS]
    res = measured(
        lambda: (
            derive_files(
                validated, exclusions, norms, params, *paths[:3], out / "tables", paths[3], **kwargs
            )
            and None
        ),
        tmp if "engine" in kwargs else None,
    )
    return {**res, "module": ldj_analysis.__file__, "engine": "engine" in kwargs}


def child_validate(export: Path, out: Path) -> dict:
    """The validate rule's ``run_validation`` call, into ``out`` (this checkout's code)."""
    from ldj_analysis.config import load_config
    from ldj_analysis.validation import run_validation

    cfg = load_config(ROOT / "config.yaml")
    size_mb = sum(p.stat().st_size for p in export.glob("*.csv")) / 2**20
    engine = {"memory_mb": max(2000, int(5 * size_mb)) // 2, "threads": 2}
    engine["temp_dir"] = str(out / "duckdb_tmp")
    config = {"validation": cfg["validation"], "engine": engine}
    config["selection"] = {"instruments": cfg["selection"]["instruments"]}
    return measured(
        lambda: (
            run_validation(
                export, config, out / "validated", out / "exclusions_validation.csv", out / "v.json"
            )
            and None
        )
    )


# --- the plain query ----------------------------------------------------------------------

#: The pairing rules of docs/study.md section 3 as one plain query on the working copy's
#: tables; {placeholders} are config values (plain_settings).
PLAIN_SQL = """
CREATE MACRO pref(d, rule) AS CASE WHEN rule = 'latest' THEN -epoch_us(d) ELSE epoch_us(d) END;
-- team-periods (implementation with its checklist) and their condition: 42 days
CREATE TABLE tp AS
SELECT i.team_id, i.moment, i.period_start, i.period_end, i.closed_treatments,
       i.instrument_opgroei, i.instrument_opvoed,
       CASE WHEN t.arm = 'control' THEN 'control'
            WHEN i.dashboard_date + INTERVAL {lag} DAY <= {ref} THEN 'full'
            WHEN i.training_date + INTERVAL {lag} DAY <= {ref} THEN 'partial'
            ELSE 'control' END AS condition
FROM implementation i JOIN checklist c USING (team_id, moment) LEFT JOIN teams t USING (team_id);
-- usable begin/eind lists: study instrument, raw total, treatment (given or covering the
-- date), its team, the informant's rank in the team's institution (or any, without one)
CREATE TABLE lst AS
WITH cover AS (
    SELECT q.pos, t.treatment_id FROM questionnaires q JOIN treatments t USING (client_id)
    WHERE q.treatment_id IS NULL AND t.start_date <= q.filled_on
      AND (t.end_date IS NULL OR q.filled_on <= t.end_date
           + INTERVAL (CASE WHEN q.occasion = 'eind' THEN {grace} ELSE 0 END) DAY)
    QUALIFY row_number() OVER (PARTITION BY q.pos ORDER BY t.start_date DESC, t.treatment_id) = 1)
SELECT q.pos, q.client_id, q.instrument, q.informant, q.occasion, q.filled_on,
       tr.treatment_id, tm.team_id, r.grp, r.grp_pos
FROM questionnaires q
LEFT JOIN cover c USING (pos)
LEFT JOIN treatments tr ON tr.treatment_id = coalesce(c.treatment_id, q.treatment_id)
LEFT JOIN teams tm ON tm.team_id = tr.team_id
LEFT JOIN rnk r ON r.informant = q.informant AND r.inst = CASE
    WHEN tm.institution_id IN (SELECT inst FROM rnk) THEN tm.institution_id ELSE '*' END
WHERE q.occasion IN ('begin', 'eind') AND q.raw_total IS NOT NULL
  AND q.instrument IN (SELECT instrument FROM instruments)
  AND (q.occasion = 'begin' OR tr.treatment_id IS NOT NULL)
  AND CASE WHEN tm.institution_id IS NOT NULL THEN r.grp IS NOT NULL
           ELSE q.informant IN (SELECT informant FROM rnk) END;
-- end lists in a period of their team (earliest moment) with an instrument the team used
-- then; one per client, treatment, instrument and informant
CREATE TABLE ends AS
WITH placed AS (
    SELECT l.*, p.moment, p.instrument_opgroei AS i1, p.instrument_opvoed AS i2
    FROM lst l JOIN tp p
      ON p.team_id = l.team_id AND l.filled_on BETWEEN p.period_start AND p.period_end
    WHERE l.occasion = 'eind'
    QUALIFY row_number() OVER (PARTITION BY l.pos ORDER BY p.moment) = 1)
SELECT * FROM placed WHERE instrument IN (i1, i2)
QUALIFY row_number() OVER (PARTITION BY client_id, treatment_id, instrument, informant
                           ORDER BY pref(filled_on, '{dup_end}'), pos) = 1;
-- each end list's preferred start list (same client, instrument, informant, before it,
-- same treatment or none); a start list goes to its earliest end list
CREATE TABLE matched AS
SELECT * FROM (
    SELECT e.pos AS end_pos, e.filled_on AS end_date, s.pos AS start_pos FROM ends e
    JOIN lst s ON s.occasion = 'begin' AND s.client_id = e.client_id
              AND s.instrument = e.instrument AND s.informant = e.informant
    WHERE s.filled_on < e.filled_on
      AND (NOT {same} OR s.treatment_id IS NULL OR s.treatment_id = e.treatment_id)
    QUALIFY row_number() OVER (PARTITION BY e.pos
                               ORDER BY pref(s.filled_on, '{dup_start}'), s.pos) = 1)
QUALIFY row_number() OVER (PARTITION BY start_pos ORDER BY end_date, end_pos) = 1;
-- one pair per client, instrument and team-period: mother informants before fathers
CREATE TABLE pairs AS
WITH cell AS (
    SELECT e.*, m.start_pos,
           min(e.grp) OVER (PARTITION BY client_id, instrument, team_id, moment) AS top
    FROM ends e LEFT JOIN matched m ON m.end_pos = e.pos)
SELECT c.client_id, c.team_id, c.moment, p.condition FROM cell c
JOIN tp p USING (team_id, moment)
WHERE c.start_pos IS NOT NULL AND ('{scope}' = 'pair' OR c.grp = c.top)
QUALIFY row_number() OVER (PARTITION BY c.client_id, c.instrument, c.team_id, c.moment
                           ORDER BY c.grp, c.grp_pos, pref(c.filled_on, '{dup_end}'), c.pos) = 1;
-- response per team-period: responders / closed treatments * 100
CREATE TABLE response AS
SELECT p.team_id, p.moment, p.condition, coalesce(r.n, 0) AS n_responders,
       CASE WHEN p.closed_treatments > 0
            THEN coalesce(r.n, 0)::DOUBLE / p.closed_treatments * 100 END AS response
FROM tp p LEFT JOIN (SELECT team_id, moment, {numerator} AS n FROM pairs GROUP BY ALL) r
    USING (team_id, moment)
ORDER BY team_id, moment;
"""


def plain_settings() -> dict[str, Any]:
    """The config values the plain query needs, from ``config.yaml`` (plain YAML)."""
    import yaml

    cfg = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    sel, pairing, cond = cfg["selection"], cfg["pairing"], cfg["conditions"]
    if any(sel.get(k) for k in ("window_start", "window_end", "institutions", "teams")) or (
        sel.get("arm_override")
    ):
        raise SystemExit("the plain query knows the default selection only (all of the export)")
    numerator = {"clients_with_pair": "count(DISTINCT client_id)", "pairs": "count(*)"}
    ref = {"checklist_filled_on": "c.filled_on", "implementation_filled_on": "i.filled_on"}
    return {
        "lag": int(cond["lag_days"]),
        "ref": ref.get(cond["reference_date"], "i.period_end"),
        "grace": int(pairing["end_list_grace_days"]),
        "dup_end": pairing["duplicate_end_lists"],
        "dup_start": pairing["duplicate_start_lists"],
        "same": str(bool(pairing["same_treatment"])).upper(),
        "scope": pairing["priority_scope"],
        "numerator": numerator[cfg["response"]["numerator"]],  # clients_with_post: not here
        "instruments": [(i, d) for d, codes in sel["instruments"].items() for i in codes],
        "priority": pairing["informant_priority"],
        "overrides": pairing.get("institution_informants") or {},
    }


def _code_lists(s: dict[str, Any]) -> tuple[Any, Any]:
    """The instruments and informant ranks (``inst`` '*' = the default priority)."""
    import pandas as pd

    groups = {"*": s["priority"], **s["overrides"]}
    rows = [
        (inst, informant, g, p)
        for inst, prio in groups.items()
        for g, group in enumerate(prio)
        for p, informant in enumerate(group)
    ]
    rnk = pd.DataFrame(rows, columns=["inst", "informant", "grp", "grp_pos"])
    rnk = rnk.drop_duplicates(["inst", "informant"])
    return pd.DataFrame(s["instruments"], columns=["instrument", "domain"]), rnk


def child_plain(validated: Path, out: Path, memory_mb: int) -> dict:
    """Read the working copy, run the plain query; counts, and the response per period."""
    import duckdb
    import numpy as np
    import pyarrow as pa
    import pyarrow.feather as feather

    s = plain_settings()
    tmp = out / "duckdb_tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"memory_limit": f"{memory_mb}MB", "threads": 2})
    con.execute(f"SET temp_directory = '{tmp}'")

    def run() -> dict:
        for name in TABLES:
            parquet = validated / f"{name}.parquet"
            if parquet.exists():  # the working copy since 2026-12-08: read by DuckDB
                con.execute(
                    f"CREATE OR REPLACE VIEW {name} AS SELECT * EXCLUDE (file_row_number), "
                    f"file_row_number AS pos FROM read_parquet('{parquet}', file_row_number = true)"
                )
                continue
            table = feather.read_table(validated / f"{name}.arrow", memory_map=True)
            pos = pa.array(np.arange(table.num_rows, dtype=np.int64))
            con.register(name, table.append_column("pos", pos))
        instruments, rnk = _code_lists(s)
        con.register("instruments", instruments)
        con.register("rnk", rnk)
        con.execute(PLAIN_SQL.format(**s))
        pairs, clients = con.sql(
            "SELECT count(*), count(DISTINCT client_id) FROM pairs"
        ).fetchall()[0]
        per = dict(con.sql("SELECT condition, count(*) FROM pairs GROUP BY 1").fetchall())
        con.sql("FROM response").write_parquet(str(out / "response.parquet"))
        return {"pairs": pairs, "clients": clients, "per_condition": per}

    res = measured(run, tmp)
    return {**res, "ldj_analysis imported": "ldj_analysis" in sys.modules}


# --- the parent: trees, children, comparisons ----------------------------------------------


def old_tree(rev: str, into: Path) -> Path:
    """The ``src`` folder of revision ``rev``, unpacked under ``into``."""
    into.mkdir(parents=True, exist_ok=True)
    archive = into / "old.tar"
    paths = ["src", "config.yaml"]
    subprocess.run(["git", "-C", str(ROOT), "archive", "-o", str(archive), rev, *paths], check=True)
    with tarfile.open(archive) as tar:
        tar.extractall(into, filter="data")
    archive.unlink()
    return into / "src"


def spawn(child: str, tree: Path, args: argparse.Namespace, out: Path) -> dict:
    """Run ``--child child`` in a fresh process with ``PYTHONPATH=tree``; its JSON."""
    out.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, "PYTHONPATH": str(tree), "LDJ_PSEUDONYM_KEY": KEY}
    cmd = [sys.executable, str(Path(__file__).resolve()), "--child", child, "--child-out"]
    cmd.append(str(out))
    for flag in ("export", "validated", "validation_exclusions", "memory_mb"):
        if getattr(args, flag) is not None:
            cmd += [f"--{flag.replace('_', '-')}", str(getattr(args, flag))]
    res = subprocess.run(cmd, env=env, cwd=out, capture_output=True, text=True)
    if res.returncode:
        raise SystemExit(f"{child} (PYTHONPATH={tree}) failed:\n{res.stderr[-4000:]}")
    found = json.loads(res.stdout.strip().splitlines()[-1])
    module = found.get("module")
    if module and not Path(module).resolve().is_relative_to(tree.resolve()):
        raise SystemExit(f"{child}: imported {module}, not the code under {tree}")
    return found


def same_files(a: Path, b: Path) -> dict[str, bool]:
    """Byte identity (cmp) of the derive outputs in ``a`` and ``b``, file by file."""
    names = [*OUTPUTS, *sorted(f"tables/{p.name}" for p in (a / "tables").glob("*.csv"))]
    return {n: (b / n).exists() and filecmp.cmp(a / n, b / n, shallow=False) for n in names}


def agreement(plain: dict, plain_out: Path, derived: Path) -> list[tuple[str, Any, Any, bool]]:
    """(what, plain query, pipeline, agree) for the counts both give."""
    import pandas as pd

    flow = pd.read_csv(derived / "tables" / "flow.csv").set_index("step")["count"]
    pairs = pd.read_parquet(derived / "pairs.parquet", columns=["client_key", "condition"])
    periods = pd.read_parquet(derived / "team_periods.parquet")
    mine = pd.read_parquet(plain_out / "response.parquet")
    cols = ["team_id", "moment", "condition", "n_responders"]
    kinds = {"team_id": "str", "moment": "int64", "condition": "str", "n_responders": "int64"}
    theirs = periods[cols].astype(kinds).reset_index(drop=True)
    same = mine[cols].astype(kinds).equals(theirs)
    a, b = mine["response"].to_numpy(), periods["response"].to_numpy()
    close = int(
        ((abs(a - b) < 1e-9) | (mine["response"].isna() & periods["response"].isna())).sum()
    )
    selected = int(flow["pairs selected"])
    kept = len(pairs) + int(flow.get("pairs without a norm group (excluded)", 0))
    clients = int(pairs["client_key"].nunique())
    counts = pairs["condition"].astype("str").value_counts()
    by_condition = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
    per = ", ".join(f"{k} {v}" for k, v in sorted(plain["per_condition"].items()))
    return [
        ("pairs selected (flow.csv)", plain["pairs"], selected, plain["pairs"] == selected),
        ("pairs.parquet rows + without a norm group", plain["pairs"], kept, plain["pairs"] == kept),
        (
            "clients in pairs (pairs.parquet)",
            plain["clients"],
            clients,
            plain["clients"] == clients,
        ),
        ("pairs per condition", per, by_condition, per == by_condition),
        ("team-periods: condition, responders", len(mine), len(periods), same),
        ("team-periods: response equal", close, len(periods), close == len(periods) == len(mine)),
    ]


def working_copy_mb(validated: Path, exclusions: Path) -> float:
    """The derive rule's ``input.size_mb``: working copy, exclusion log and norms, MiB."""
    files = [_working_file(validated, t) for t in TABLES]
    files += [exclusions, ROOT / "src" / "ldj_analysis" / "data" / "norms.csv"]
    return sum(p.stat().st_size for p in files) / 2**20


def _working_file(validated: Path, table: str) -> Path:
    """A table's file in a working copy: Parquet (since 2026-12-08), else Arrow IPC (older
    revisions; a folder for old and new code holds both)."""
    parquet = validated / f"{table}.parquet"
    return parquet if parquet.exists() else validated / f"{table}.arrow"


def questionnaire_rows(validated: Path) -> int:
    """Rows of the working copy's questionnaires (file metadata only)."""
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    path = _working_file(validated, "questionnaires")
    if path.suffix == ".parquet":
        return pq.ParquetFile(path).metadata.num_rows
    return feather.read_table(path, memory_map=True).num_rows


# --- whole run, printing, results.csv ------------------------------------------------------


def whole_run(export: Path, scratch: Path) -> dict:
    """The cold workflow on ``export`` in a scratch copy (``benchmarks/workflow.py``): wall
    time, peak RSS of the process tree, and the rule with the largest ``max_rss``."""
    import pandas as pd

    sys.path.insert(0, str(ROOT / "benchmarks"))
    import workflow as wf

    work = wf.copy_workflow(scratch / "workflow")
    os.environ["PYTHONPATH"] = str(ROOT / "src")
    config = (f"export_dir={export}", "norms_accept_placeholders=true")
    wall, peak_kib, _ = wf.snakemake(work, "--cores", "2", "--config", *config)
    rules = {
        tsv.stem: pd.read_csv(tsv, sep="\t").iloc[0]
        for tsv in (work / "logs/benchmarks").glob("*.tsv")
    }
    top = max(rules, key=lambda r: float(rules[r]["max_rss"]))
    found = {"wall_s": round(wall, 2), "peak_mb": round(peak_kib / 1024)}
    found["largest rule"] = f"{top}: {_rule(rules[top])}"
    found["derive rule"] = _rule(rules["derive"]) if "derive" in rules else "-"
    return found


def _rule(row: Any) -> str:
    """A rule's wall seconds and ``max_rss`` from its Snakemake benchmark file."""
    return f"{float(row['s']):.1f} s, max_rss {float(row['max_rss']):,.0f} MB"


def print_runs(runs: list[tuple[str, dict]], rows: int) -> None:
    """The table of measured runs."""
    print(f"\n{'run':<30}{'wall s':>9}{'CPU s':>9}{'peak RSS MB':>13}{'temp MB':>9}{'rows/s':>12}")
    for name, r in runs:
        temp = "-" if r.get("temp_peak_mb") is None else f"{r['temp_peak_mb']:,d}"
        cpu = "-" if r.get("cpu_s") is None else f"{r['cpu_s']:.2f}"
        print(
            f"{name:<30}{r['wall_s']:>9.2f}{cpu:>9}{r['peak_mb']:>13,d}{temp:>9}"
            f"{rows / max(r['wall_s'], 1e-9):>12,.0f}"
        )
        for key in ("largest rule", "derive rule"):
            if key in r:
                print(f"    {key}: {r[key]}")


def print_checks(same: dict[str, bool] | None, checks: list[tuple[str, Any, Any, bool]]) -> None:
    """Byte identity of old and new, and the plain query against the pipeline."""
    if same is not None:
        print(f"\nold and new byte-identical (cmp): {'yes' if all(same.values()) else 'NO'}")
        for name, ok in same.items():
            print(f"    {name:<28} {'same' if ok else 'DIFFERENT'}")
    agree = all(c[3] for c in checks)
    print(f"\nplain query against the pipeline (new): {'agree' if agree else 'DISAGREE'}")
    width = max(len(str(c[k])) for c in checks for k in (1, 2)) + 2
    print(f"    {'':<42}{'plain':<{width}}{'pipeline':<{width}}agree")
    for what, mine, theirs, ok in checks:
        print(f"    {what:<42}{mine!s:<{width}}{theirs!s:<{width}}{'yes' if ok else 'NO'}")


def append_results(out: Path, runs: list[tuple[str, dict]], rows: int) -> None:
    """Append one row per run to ``out`` (the columns of ``benchmarks/results.csv``)."""
    cpu = os.cpu_count()
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    machine = f"{cpu} cores, {mem:.0f} GiB, {platform.platform()}"
    stamp = datetime.now(UTC).isoformat(timespec="seconds")
    new = not out.exists()
    with open(out, "a", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        if new:
            writer.writerow(
                ["date", "scale", "questionnaire_rows", "step", "wall_s"]
                + ["max_rss_mb", "rows_per_s", "machine"]
            )
        for name, r in runs:
            rate = round(rows / max(r["wall_s"], 1e-9))
            writer.writerow(
                [stamp, "", rows, f"recipe.py: {name}", r["wall_s"], r["peak_mb"], rate, machine]
            )
    print(f"\nappended to {out}")


def run_child(args: argparse.Namespace) -> None:
    """Inside a child process: one measured call, printed as JSON."""
    out = args.child_out
    if args.child == "validate":
        found = child_validate(args.export, out)
    elif args.child == "plain":
        found = child_plain(args.validated, out, args.memory_mb)
    else:
        found = child_derive(args.validated, args.validation_exclusions, out, args.memory_mb)
    print(json.dumps(found, default=str))


def parse(argv: list[str] | None) -> argparse.Namespace:
    """The command line (see the module docstring)."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--export", type=Path, help="a CSV export folder: validated first")
    ap.add_argument(
        "--validated",
        type=Path,
        help="a working copy (.parquet files; also the .arrow ones for an --old revision "
        "before 2026-12-08)",
    )
    ap.add_argument("--validation-exclusions", type=Path, help="its validation exclusion log")
    ap.add_argument("--old", default="7907813", help="git revision of the old code")
    ap.add_argument("--memory-mb", type=int, help="DuckDB's memory (default: half the rule's)")
    ap.add_argument("--new-only", action="store_true", help="skip the old code")
    ap.add_argument("--whole-run", action="store_true", help="also the cold workflow (--export)")
    ap.add_argument("--repeat", type=int, default=1, help="runs of old and new, alternating")
    ap.add_argument("--keep", type=Path, help="write the outputs here (default: a temp dir)")
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "results.csv")
    ap.add_argument("--child", choices=("validate", "derive", "plain"), help=argparse.SUPPRESS)
    ap.add_argument("--child-out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if not args.child and not args.export and not (args.validated and args.validation_exclusions):
        ap.error("give --export DIR, or --validated DIR with --validation-exclusions FILE")
    if args.whole_run and not args.export:
        ap.error("--whole-run needs --export (the workflow validates the CSV folder itself)")
    return args


def validate_first(args: argparse.Namespace, work: Path) -> list[tuple[str, dict]]:
    """With ``--export``: write the working copy (this checkout's code) under ``work``."""
    if args.validated is not None:
        return []
    out = work / "validation"
    found = spawn("validate", ROOT / "src", args, out)
    args.validated, args.validation_exclusions = (
        out / "validated",
        out / "exclusions_validation.csv",
    )
    return [("validate (new, not compared)", found)]


def compare(args: argparse.Namespace, work: Path) -> tuple[list, dict | None, list]:
    """Old, new and plain runs under ``work``; the runs, old = new, plain = new."""
    trees = {} if args.new_only else {f"old ({args.old})": old_tree(args.old, work / "old_code")}
    trees["new"] = ROOT / "src"
    runs: list[tuple[str, dict]] = []
    for run in range(1, args.repeat + 1):
        for name, tree in trees.items():
            runs.append(
                (f"derive_files {name}", spawn("derive", tree, args, work / name.split()[0]))
            )
            print(f"  run {run} {name}: {runs[-1][1]['wall_s']} s", flush=True)
    runs.append(("plain query", spawn("plain", ROOT / "src", args, work / "plain")))
    if runs[-1][1]["ldj_analysis imported"]:
        raise SystemExit("the plain query imported ldj_analysis")
    same = None if args.new_only else same_files(work / "old", work / "new")
    checks = agreement(runs[-1][1], work / "plain", work / "new")
    return runs, same, checks


def main(argv: list[str] | None = None) -> None:
    """Run the comparison (or, with the hidden ``--child``, one measured call)."""
    args = parse(argv)
    if args.child:
        run_child(args)
        return
    with tempfile.TemporaryDirectory(prefix="ldj-bench-recipe-") as tmp:
        work = args.keep or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        runs = validate_first(args, work)
        size_mb = working_copy_mb(args.validated, args.validation_exclusions)
        args.memory_mb = args.memory_mb or max(2000, int(4 * size_mb)) // 2
        rows = questionnaire_rows(args.validated)
        print(f"working copy {args.validated}: {rows:,d} questionnaire rows, {size_mb:,.0f} MiB;")
        print(f"DuckDB memory {args.memory_mb} MB, 2 threads; old = {args.old}", flush=True)
        measured_runs, same, checks = compare(args, work)
        runs += measured_runs
        if args.whole_run:
            runs.append(("whole workflow, cold (new)", whole_run(args.export.resolve(), work)))
        print_runs(runs, rows)
        print_checks(same, checks)
        append_results(args.out, runs, rows)


if __name__ == "__main__":
    main()
