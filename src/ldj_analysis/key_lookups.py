"""The export's key and foreign-key lookups as DuckDB queries, in this process.

Validation asks two questions of every key (``docs/data-contract.md``): are a table's keys
distinct, and which row of the referred table does each foreign key point to? The first
is a look at the order (keys read in increasing order are distinct) or a count of distinct
keys, the second a left join of the foreign keys on the referred table's (key, row), in
the referring table's row order. DuckDB runs both on several threads over the Arrow data
(no copy), spilling to ``temp_dir`` beyond its memory limit.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

#: Foreign keys looked up in the key column they refer to, per referred table: (key column,
#: (lookup name, referring table, its column) ...).
REFERRED: dict[str, tuple[str, tuple[tuple[str, str, str], ...]]] = {
    "clients": (
        "client_id",
        (("q_client", "questionnaires", "client_id"), ("tr_client", "treatments", "client_id")),
    ),
    "treatments": ("treatment_id", (("tr_row", "questionnaires", "treatment_id"),)),
    "teams": ("team_id", (("tr_team", "treatments", "team_id"),)),
}


def connect(engine: Mapping[str, Any] | None = None) -> Any:
    """An in-memory DuckDB connection; ``engine`` may set ``memory_mb`` (its memory limit),
    ``temp_dir`` (where it spills) and ``threads`` (from the rule's resources)."""
    import duckdb

    engine = engine or {}
    settings: dict[str, Any] = {}
    if engine.get("memory_mb"):
        settings["memory_limit"] = f"{int(engine['memory_mb'])}MB"
    if engine.get("temp_dir"):
        Path(engine["temp_dir"]).mkdir(parents=True, exist_ok=True)
        settings["temp_directory"] = str(engine["temp_dir"])
    if engine.get("threads"):
        settings["threads"] = int(engine["threads"])
    return duckdb.connect(config=settings)


@contextmanager
def rule_engine(mem_mb: int, tmpdir: str | Path, threads: int, name: str) -> Iterator[dict]:
    """DuckDB's settings for a rule (see :func:`connect`) from its resources: half of its
    ``mem_mb`` (the tables in pandas and Arrow hold the rest), its threads, and a fresh
    spill directory in ``tmpdir`` (made if missing), removed with what it holds at the end."""
    Path(tmpdir).mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=f"ldj-{name}-", dir=tmpdir) as spill:
        yield {"memory_mb": int(mem_mb) // 2, "temp_dir": spill, "threads": int(threads)}


def _keyed(values: pd.Series) -> pa.Table:
    """A text column as an Arrow table of (key, row); rows as 32-bit integers (a table of
    up to 2^31 rows), which halves what the joins below hold and sort."""
    text = pa.array(pd.Series(values, dtype="str"))
    return pa.table({"key": text, "row": pa.array(np.arange(len(values), dtype=np.int32))})


def strictly_increasing(values: pa.Array | pa.ChunkedArray) -> bool:
    """No missing value and each value above the one before (byte order): then the values
    are distinct, without hashing them (a table read in key order)."""
    if values.null_count or len(values) < 2:
        return values.null_count == 0
    n = len(values)
    return bool(pc.all(pc.less(values.slice(0, n - 1), values.slice(1))).as_py())


def _distinct(con: Any, values: pd.Series | pa.Table) -> bool:
    """Whether the present values of a text column (or the ``key`` of a :func:`_keyed`
    table) are all different."""
    keys = values if isinstance(values, pa.Table) else _keyed(values)
    if strictly_increasing(keys.column("key")):
        return True
    con.register("keys", keys)
    return bool(con.execute("SELECT count(DISTINCT key) = count(key) FROM keys").fetchall()[0][0])


def _positions(con: Any, pool: pd.Series, columns: list[pd.Series]) -> tuple[bool, list]:
    """Whether ``pool``'s present values are distinct, and per column the row of each
    value's first occurrence in ``pool`` (-1 where absent or missing).

    A left join of each column on the pool's (key, row), in the column's row order. When
    the keys are distinct (the valid case) every key's row is its first one; otherwise the
    first row of each key is found by a GROUP BY first.
    """
    pool_rows = _keyed(pool)
    distinct = _distinct(con, pool_rows)
    con.register("pool_rows", pool_rows)
    first_rows = (
        "pool_rows"
        if distinct
        else "(SELECT key, min(row) AS row FROM pool_rows WHERE key IS NOT NULL GROUP BY key)"
    )
    out = []
    for column in columns:
        con.register("refs", _keyed(column))
        found = con.sql(
            f"SELECT f.row FROM refs r LEFT JOIN {first_rows} f ON r.key = f.key ORDER BY r.row"
        ).to_arrow_table()
        out.append(found.column("row").fill_null(-1).to_numpy().astype(np.intp))  # to index
    return distinct, out


def key_lookups(
    tables: Mapping[str, pd.DataFrame],
    keys: Mapping[str, tuple[str, ...]],
    known: Mapping[str, Any] | None = None,
    engine: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``distinct:<table>`` for every single-column key (``keys``), and the positions of the
    foreign keys of :data:`REFERRED` in the tables they refer to. Lookups ``known`` (found
    by the extraction) are taken as they are."""
    known = known or {}
    found: dict[str, Any] = {}
    with connect(engine) as con:
        for table, (key, lookups) in REFERRED.items():
            names = [name for name, _, _ in lookups]
            if all(name in known for name in names):
                found.update({name: known[name] for name in names})
                continue
            columns = [tables[f][c] for _, f, c in lookups]
            distinct, where = _positions(con, tables[table][key], columns)
            found[f"distinct:{table}"] = distinct
            found.update(zip(names, where, strict=True))
        for table, frame in tables.items():
            name = f"distinct:{table}"
            if name in known:
                found[name] = known[name]
            elif len(keys[table]) == 1 and name not in found:
                found[name] = _distinct(con, frame[keys[table][0]])
    return found
