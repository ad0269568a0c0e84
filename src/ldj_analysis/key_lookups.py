"""The export's keys and references as DuckDB queries, in this process.

Validation asks two questions of every key (``docs/data-contract.md``): are a table's keys
distinct, and which row of the referred table does each foreign key point to? The first
is a look at the order (keys read in increasing order are distinct) or a count of distinct
keys. The second is a left join of each record table on the tables it refers to, in
``record_references.sql``, which checks the contract's rules on the references in the
same pass (a known client, team and treatment; the list's treatment its client's own; no
record before the client's birth). DuckDB runs them on several threads over the Arrow data
(no copy of the text), spilling to ``temp_dir`` beyond its memory limit.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ldj_analysis.runlog import remove_empty_folder

#: Rows per batch of a large DuckDB result read as Arrow (a reference query's, the
#: extraction's, the exclusion log's): read batch by batch, neither DuckDB nor Arrow holds
#: the whole result at once (at 10 M rows, copies of some 100 MB each).
ARROW_BATCH_ROWS = 1 << 20


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
    spill directory in ``tmpdir``, removed with what it holds at the end; ``tmpdir`` too if
    this made it and nothing else is in it (a tmpdir given, e.g. a node's scratch, stays)."""
    made = not Path(tmpdir).exists()
    Path(tmpdir).mkdir(parents=True, exist_ok=True)
    try:
        with tempfile.TemporaryDirectory(prefix=f"ldj-{name}-", dir=tmpdir) as spill:
            yield {"memory_mb": int(mem_mb) // 2, "temp_dir": spill, "threads": int(threads)}
    finally:
        if made:  # kept while another rule's spill directory is in it
            remove_empty_folder(tmpdir)


def _text(values: pd.Series) -> pa.ChunkedArray | pa.Array:
    """A key column as Arrow text (codes and categoricals as their text)."""
    return pa.array(pd.Series(values, dtype="str"))


def strictly_increasing(values: pa.Array | pa.ChunkedArray) -> bool:
    """No missing value and each value above the one before (byte order): then the values
    are distinct, without hashing them (a table read in key order)."""
    if values.null_count or len(values) < 2:
        return values.null_count == 0
    n = len(values)
    return bool(pc.all(pc.less(values.slice(0, n - 1), values.slice(1))).as_py())


def _distinct(con: Any, values: pd.Series) -> bool:
    """Whether the present values of a text column are all different."""
    keys = _text(values)
    if strictly_increasing(keys):
        return True
    con.register("keys", pa.table({"key": keys}))
    return bool(con.execute("SELECT count(DISTINCT key) = count(key) FROM keys").fetchall()[0][0])


#: The referred tables and their keys: a foreign key refers to its key's first row there.
REFERRED: dict[str, str] = {
    "clients": "client_id",
    "teams": "team_id",
    "treatments": "treatment_id",
}

#: The columns ``record_references.sql`` reads per table, and the export's column behind
#: each: text keys, dates, and the ages in days a database source computes instead of
#: sending birth dates (``client_ref``: see :func:`_client_refs`).
REFERENCE_INPUTS: dict[str, dict[str, str]] = {
    "clients": {"client_id": "client_id", "client_ref": "client_id", "birth_date": "birth_date"},
    "teams": {"team_id": "team_id"},
    "treatments": {
        "treatment_id": "treatment_id",
        "client_id": "client_id",
        "client_ref": "client_id",
        "team_id": "team_id",
        "start_date": "start_date",
        "age_at_start": "_age_days_at_start",
    },
    "questionnaires": {
        "client_id": "client_id",
        "client_ref": "client_id",
        "treatment_id": "treatment_id",
        "filled_on": "filled_on",
        "age": "_age_days",
    },
}
_AGES = ("age_at_start", "age")

#: The lookups of the records' client rows, per referring table (validation's ``known``
#: where the extraction from a database found them on the way).
CLIENT_LOOKUPS: dict[str, str] = {"treatments": "tr_client", "questionnaires": "q_client"}

#: The views of ``record_references.sql``: (its record table, the lookup its row column
#: is); the view's other columns are its rules' flags. Run in this order: the largest
#: join (every list to the treatments) first, while no other view's result is held yet.
REFERENCE_VIEWS: dict[str, tuple[str, str, str]] = {
    "list_treatment": ("questionnaires", "treatment_row", "tr_row"),
    "list_client": ("questionnaires", "client_row", "q_client"),
    "treatment_client": ("treatments", "client_row", "tr_client"),
    "treatment_team": ("treatments", "team_row", "tr_team"),
}


def _reference_input(
    frame: pd.DataFrame, columns: Mapping[str, str], born: bool, client_ref: pa.Array | None
) -> pa.Table:
    """A table's columns for ``record_references.sql`` as Arrow (text without a copy where
    it is Arrow already), with its row numbers. Birth dates where the export has them,
    else the source's ages; the other is left missing."""
    n = len(frame)
    data = {"row": pa.array(np.arange(n, dtype=np.int32))}
    for name, column in columns.items():
        given = born if name == "birth_date" else not born if name in _AGES else True
        if name == "client_ref" and client_ref is not None:
            data[name] = client_ref
        elif not given or column not in frame.columns:
            data[name] = pa.nulls(n)  # of Arrow's null type: no buffer (a float64 one: 8 B/row)
        elif name in _AGES:  # whole days, as the source typed them (Int32: 4 B a row)
            data[name] = pa.array(frame[column], from_pandas=True)
        elif name.endswith(("_id", "_ref")):
            data[name] = _text(frame[column])
        else:
            data[name] = pa.array(frame[column])
    return pa.table(data)


def _client_refs(
    tables: Mapping[str, pd.DataFrame], known: Mapping[str, Any]
) -> dict[str, pa.Array | None]:
    """How records find their client (``client_ref``): by the client id (None here: the
    id's text), or, where the extraction from a database found every record's client row
    already (``known``), by that row: a join on integers, not on long pseudonyms."""
    if not all(name in known for name in CLIENT_LOOKUPS.values()):
        return dict.fromkeys(("clients", *CLIENT_LOOKUPS))
    refs = {"clients": pa.array(np.arange(len(tables["clients"]), dtype=np.int32))}
    for table, name in CLIENT_LOOKUPS.items():
        rows = np.asarray(known[name])
        refs[table] = pa.array(rows.astype(np.int32), mask=rows < 0)
    return refs


def _references(
    con: Any,
    tables: Mapping[str, pd.DataFrame],
    distinct: Mapping[str, bool],
    known: Mapping[str, Any],
) -> dict[str, Any]:
    """The record tables' references (``record_references.sql``): the row positions of
    their foreign keys (-1 where missing or not found) under the lookups' names, and per
    table the masks of the rules broken (``rules:<table>``, in the order of the view)."""
    born = "birth_date" in tables["clients"].columns
    refs = _client_refs(tables, known)
    for table, columns in REFERENCE_INPUTS.items():
        frame = _reference_input(tables[table], columns, born, refs.get(table))
        con.register(f"{table}_in", frame)
    for table, key in REFERRED.items():  # each key's first row; the table when distinct
        rows = (
            f"{table}_in"
            if distinct[f"distinct:{table}"]
            else f"(SELECT * FROM {table}_in WHERE row IN "
            f"(SELECT min(row) FROM {table}_in WHERE {key} IS NOT NULL GROUP BY {key}))"
        )
        con.execute(f"CREATE OR REPLACE TEMP VIEW {table}_first AS SELECT * FROM {rows}")
    con.execute((files(__package__) / "record_references.sql").read_text(encoding="utf-8"))
    found: dict[str, Any] = {f"rules:{table}": {} for table, _, _ in REFERENCE_VIEWS.values()}
    for view, (table, column, name) in REFERENCE_VIEWS.items():
        result = _in_row_order(
            con.sql(f"SELECT * FROM {view}").to_arrow_reader(ARROW_BATCH_ROWS), len(tables[table])
        )
        found[name] = result.pop(column)
        found[f"rules:{table}"] |= result
    return found


def _in_row_order(result: pa.RecordBatchReader, n: int) -> dict[str, np.ndarray]:
    """A query's columns placed in table order by its ``row`` column, one batch at a time:
    cheaper than an ORDER BY, which sorts the whole result in DuckDB first. A left join on
    distinct keys gives each of the table's ``n`` rows once; anything else is a bug, not a
    result to place."""
    names = result.schema.names[1:]
    placed = {
        name: np.empty(n, dtype=result.schema.field(name).type.to_pandas_dtype()) for name in names
    }
    count = 0
    for batch in result:
        count += batch.num_rows
        rows = batch.column(0).to_numpy()
        for name in names:
            placed[name][rows] = batch.column(name).to_numpy(zero_copy_only=False)
    if count != n:
        raise AssertionError(f"a reference query gave {count} rows for {n} records")
    return placed


#: DuckDB returns freed memory to the system after any bulk deallocation above this size
#: (DuckDB's default: 512 MiB, more than one join's hash table at 10 M rows).
FLUSH_FREED_MB = 0


def key_lookups(
    tables: Mapping[str, pd.DataFrame],
    keys: Mapping[str, tuple[str, ...]],
    known: Mapping[str, Any] | None = None,
    engine: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """``distinct:<table>`` for every single-column key (``keys``; those ``known``, found
    by the extraction, are taken as they are), and the record tables' references with the
    rules on them (:func:`_references`; the client rows ``known`` are joined by)."""
    known = known or {}
    found: dict[str, Any] = {}
    with connect(engine) as con:
        # hand each join's hash table back to the system when freed: kept for reuse, it
        # stacks on the next join's (at 10 M rows some 350 MB more at the peak)
        con.execute(f"SET allocator_bulk_deallocation_flush_threshold = '{FLUSH_FREED_MB}MB'")
        for table, frame in tables.items():
            name = f"distinct:{table}"
            if name in known:
                found[name] = known[name]
            elif len(keys[table]) == 1:
                found[name] = _distinct(con, frame[keys[table][0]])
        found |= _references(con, tables, found, known)
    return found
