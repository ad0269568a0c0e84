"""A larger export made of copies of one CSV export, for the 50 M-row benchmark of issue 33.

The synthetic generator holds a whole export in memory (a 50 M-row export does not fit in
24 GB); this stacks ``--copies`` copies of a written export instead, streaming with DuckDB.
Each copy's keys get a prefix (``c0_``, ``c1_``, ...: teams, institutions, clients,
treatments, records), so the copies are distinct teams, clients and lists with the same
dates and scores; every other field is copied as text, unchanged. The copies' institutions
are new ids, so config keys naming institutions (``pairing.institution_informants``) do not
apply to them: a stacked export has fewer pairs than its copies times the original's.

    python benchmarks/stack_export.py --export /tmp/export10m --copies 5 --out /tmp/export50m
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

#: The key columns of each table that get the copy's prefix.
KEYS = {
    "teams": ("team_id", "institution_id"),
    "implementation": ("team_id",),
    "checklist": ("team_id",),
    "clients": ("client_id",),
    "treatments": ("treatment_id", "client_id", "team_id"),
    "questionnaires": ("record_id", "client_id", "treatment_id"),
}


def stack_table(con: object, source: Path, out: Path, table: str, copies: int) -> None:
    """Write ``copies`` copies of ``source/<table>.csv`` to ``out/<table>.csv``, keys prefixed."""
    path = source / f"{table}.csv"
    columns = [
        c[0]
        for c in con.sql(f"DESCRIBE SELECT * FROM read_csv('{path}', all_varchar=true)").fetchall()
    ]  # noqa: E501
    selects = []
    for k in range(copies):
        fields = [f'\'c{k}_\' || "{c}" AS "{c}"' if c in KEYS[table] else f'"{c}"' for c in columns]
        selects.append(f"SELECT {', '.join(fields)} FROM read_csv('{path}', all_varchar=true)")
    query = " UNION ALL ".join(selects)
    con.execute(f"COPY ({query}) TO '{out / f'{table}.csv'}' (HEADER, DELIMITER ',')")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--export", type=Path, required=True, help="a CSV export folder")
    ap.add_argument("--copies", type=int, default=5)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args()
    import duckdb

    args.out.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(config={"preserve_insertion_order": True, "threads": 2})
    for table in KEYS:
        started = time.perf_counter()
        stack_table(con, args.export, args.out, table, args.copies)
        print(f"{table}: {time.perf_counter() - started:.1f} s", flush=True)


if __name__ == "__main__":
    main()
