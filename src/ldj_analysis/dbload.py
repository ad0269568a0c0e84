"""Load an export folder into a database (PostgreSQL schema or DuckDB file) with the
contract's types, primary keys and foreign keys: for demos, tests and sites that start
from files. Command: ``ldj-load-db EXPORT_DIR URI [--replace]``.

Data go in as Arrow (ADBC bulk ingest into PostgreSQL, DuckDB's Arrow scan); the keys are
added after the rows, which is faster for large tables and checks every row all the same.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import pyarrow as pa

from ldj_analysis.dbsource import Connection, Source, SourceError, parse_source, quote_ident
from ldj_analysis.export import COLUMNS, KEYS, ExportError, Kind, load_export
from ldj_analysis.vocabulary import EXPORT_TABLES

_SQL_TYPES: dict[Kind, str] = {
    "str": "TEXT",
    "date": "DATE",
    "int": "INTEGER",
    "float": "DOUBLE PRECISION",
}
_ARROW_TYPES: dict[Kind, pa.DataType] = {
    "str": pa.string(),
    "date": pa.date32(),
    "int": pa.int32(),
    "float": pa.float64(),
}

#: Foreign keys (contract: docs/data-contract.md), added after loading with the primary keys.
FOREIGN_KEYS: list[tuple[str, tuple[str, ...], str, tuple[str, ...]]] = [
    ("implementation", ("team_id",), "teams", ("team_id",)),
    ("checklist", ("team_id", "moment"), "implementation", ("team_id", "moment")),
    ("treatments", ("client_id",), "clients", ("client_id",)),
    ("treatments", ("team_id",), "teams", ("team_id",)),
    ("questionnaires", ("client_id",), "clients", ("client_id",)),
    ("questionnaires", ("treatment_id",), "treatments", ("treatment_id",)),
]


def _arrow(table: str, frame) -> pa.Table:
    spec = COLUMNS[table]
    arrays = []
    for column, kind in spec.items():
        values = pa.array(frame[column])
        if kind == "date":
            values = values.cast(pa.timestamp("ns")).cast(pa.date32())
        arrays.append(values.cast(_ARROW_TYPES[kind]))
    return pa.Table.from_arrays(arrays, names=list(spec))


def _names(columns: tuple[str, ...]) -> str:
    return ", ".join(quote_ident(c) for c in columns)


def load_database(
    export_dir: str | Path, uri: str, replace: bool = False, keys: bool = True
) -> dict[str, int]:
    """Write the export in ``export_dir`` into the database ``uri`` (tables named as the
    contract, in the URI's schema); return the rows per table. ``keys=False`` skips the
    primary and foreign keys (much faster for ten million rows in DuckDB, which checks them
    row by row on insert; the pipeline validates keys itself)."""
    source = parse_source(uri)
    export = load_export(export_dir)
    if source.engine == "duckdb":
        return _load_duckdb(source, export, replace, keys)
    return _load_postgresql(source, export, replace, keys)


def _ddl(source: Source, table: str) -> str:
    columns = ", ".join(f"{quote_ident(c)} {_SQL_TYPES[k]}" for c, k in COLUMNS[table].items())
    return f"CREATE TABLE {source.table(table)} ({columns})"


def _constraints(source: Source) -> list[str]:
    out = [f"ALTER TABLE {source.table(t)} ADD PRIMARY KEY ({_names(k)})" for t, k in KEYS.items()]
    out += [
        f"ALTER TABLE {source.table(t)} ADD FOREIGN KEY ({_names(c)}) "
        f"REFERENCES {source.table(ref)} ({_names(rc)})"
        for t, c, ref, rc in FOREIGN_KEYS
    ]
    return out


def _load_duckdb(source: Source, export, replace: bool, keys: bool) -> dict[str, int]:
    import duckdb

    path = Path(source.path)
    if path.exists():
        if not replace:
            raise SourceError(f"{source.uri}: the file exists (use --replace to overwrite it)")
        path.unlink()
    path.parent.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(path))
    try:
        if source.schema:
            con.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(source.schema)}")
        rows = {}
        # DuckDB adds no keys to filled tables: create them with their keys, then insert.
        for table in EXPORT_TABLES:
            fks = [
                f"FOREIGN KEY ({_names(c)}) REFERENCES {source.table(ref)} ({_names(rc)})"
                for t, c, ref, rc in FOREIGN_KEYS
                if t == table
            ]
            ddl = _ddl(source, table)
            if keys:
                ddl = ddl[:-1] + f", PRIMARY KEY ({_names(KEYS[table])})"
                ddl += "".join(", " + fk for fk in fks) + ")"
            con.execute(ddl)
            data = _arrow(table, getattr(export, table))
            con.register("_ldj_rows", data)
            con.execute(f"INSERT INTO {source.table(table)} SELECT * FROM _ldj_rows")
            con.unregister("_ldj_rows")
            rows[table] = data.num_rows
        con.execute("CHECKPOINT")
    except duckdb.Error as err:
        con.close()
        path.unlink(missing_ok=True)
        raise SourceError(f"loading {source.uri} failed: {str(err).splitlines()[0]}") from None
    con.close()
    return rows


def _load_postgresql(source: Source, export, replace: bool, keys: bool) -> dict[str, int]:
    conn = Connection(source)
    pg = conn._conn
    schema = source.schema or "public"
    rows = {}
    try:
        with pg.cursor() as cur:
            cur.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(schema)}")
            if replace:
                for table in reversed(EXPORT_TABLES):
                    cur.execute(f"DROP TABLE IF EXISTS {source.table(table)} CASCADE")
            for table in EXPORT_TABLES:
                cur.execute(_ddl(source, table))
            for table in EXPORT_TABLES:
                data = _arrow(table, getattr(export, table))
                cur.adbc_ingest(table, data, mode="append", db_schema_name=schema)
                rows[table] = data.num_rows
            for statement in _constraints(source) if keys else []:
                cur.execute(statement)
            for table in EXPORT_TABLES:
                cur.execute(f"ANALYZE {source.table(table)}")
        pg.commit()
    except Exception as err:
        pg.rollback()
        raise SourceError(f"loading {source.uri} failed: {str(err).splitlines()[0]}") from None
    finally:
        conn.close()
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="ldj-load-db",
        description="Load an LDJ export folder into a PostgreSQL schema or a DuckDB file "
        "(contract types, primary and foreign keys). The PostgreSQL password comes from "
        "PGPASSWORD, ~/.pgpass or a service file, never from the URI.",
    )
    parser.add_argument("export_dir", help="folder with the export's CSV/Parquet tables")
    parser.add_argument(
        "uri", help="postgresql://user@host:port/db?schema=ldj or duckdb:///path/ldj.duckdb"
    )
    parser.add_argument(
        "--replace", action="store_true", help="replace existing tables (or DuckDB file)"
    )
    parser.add_argument(
        "--no-keys",
        action="store_true",
        help="no primary/foreign keys (faster for very large demos; DuckDB checks keys row "
        "by row on insert)",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    try:
        rows = load_database(args.export_dir, args.uri, args.replace, keys=not args.no_keys)
    except (SourceError, ExportError) as err:
        print(f"ldj-load-db: {err}", file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    counts = ", ".join(f"{t} {n}" for t, n in rows.items())
    print(f"loaded into {args.uri} in {seconds:.1f} s: {counts}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
