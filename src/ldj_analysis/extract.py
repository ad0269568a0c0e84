"""Extraction of the six contract tables from an LDJ database, anonymised at the source.

One SQL query per table (:mod:`ldj_analysis.dbqueries`), read as Arrow (ADBC for
PostgreSQL, DuckDB's own Arrow output):

- the selection (``selection.institutions``/``teams``; the window for the team-level
  tables) is pushed into the SQL, so only what is analysed leaves the database;
- ``birth_date`` never leaves it: the queries return the age in days and completed years
  at each questionnaire (and in days at each treatment's start) and a flag for an
  implausible birth date, all the pipeline needs;
- client ids are pseudonymised with the pipeline's keyed hash in this process, before
  anything is written; the key never reaches the server. The clients' distinct ids are
  hashed once; the other tables' ids get their positions among them from the database (or
  in Arrow);
- the questionnaires come in ``record_id`` order: DuckDB sorts them, PostgreSQL sends them
  without ORDER BY, in runs of that order put in order here (:func:`put_in_key_order`,
  which checks the order either way).

The typed tables then go through the same validation as an export folder and end in the
same working copy (:func:`ldj_analysis.validation.write_working_copy`).
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from ldj_analysis.dbqueries import (
    AGE_COLUMNS,
    CLIENT_POSITION,
    ORDERED_HERE,
    build_queries,
    check_columns,
    table_columns,
)
from ldj_analysis.dbsource import (
    Connection,
    Source,
    SourceError,
    connect,
)
from ldj_analysis.export import COLUMNS, DTYPES, Export, Kind, clean_arrow_text
from ldj_analysis.key_lookups import CLIENT_LOOKUPS, strictly_increasing
from ldj_analysis.pseudonym import keyed_hashes, load_key, pseudonymise
from ldj_analysis.vocabulary import EXPORT_TABLES

log = logging.getLogger(__name__)

# -- typing and pseudonyms ------------------------------------------------------------------


def _typed_column(values: pa.ChunkedArray | None, n: int, column: str, kind: Kind) -> pd.Series:
    """One column as the export reader types it (see :func:`ldj_analysis.export.coerce_table`);
    ``values`` is None for an optional column the table lacks."""
    if values is None:
        return pd.Series(None, index=range(n), dtype=object).astype(DTYPES[kind])
    if kind == "str":
        return pd.Series(pd.array(clean_arrow_text(values), dtype="str"))
    if kind == "date":
        try:
            values = values.cast(pa.timestamp("ns"))
        except pa.ArrowInvalid:
            raise SourceError(
                f"column {column}: a date outside 1677-09-22 .. 2262-04-11 (a placeholder "
                "such as 0001-01-01 or 9999-12-31?); store an unknown date as NULL"
            ) from None
        return pd.Series(values.to_pandas(), dtype="datetime64[ns]")
    if kind == "int":
        return pd.Series(
            values.cast(pa.int64()).to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get)
        )
    return pd.Series(values.cast(pa.float64()).to_pandas(), dtype="float64")


def _empty(kind: Kind) -> pd.Series:
    return pd.Series([], dtype=DTYPES[kind])


@dataclass(frozen=True)
class _Ids:
    """A table's client ids, waiting for their pseudonyms: positions among the clients
    table's distinct ids, and the ids missing there (``stray``)."""

    where: pa.Array | pa.ChunkedArray
    stray: np.ndarray | None = None
    stray_ids: pa.Array | pa.ChunkedArray | None = None


class Pseudonyms:
    """Client id -> keyed pseudonym (:func:`ldj_analysis.pseudonym.keyed_hashes`): the
    clients table's distinct ids are hashed once; every table's ids become positions among
    them first (in Arrow)."""

    def __init__(self, key: bytes):
        self.key = key
        self.raw: pa.Array | None = None
        self.hashed: pa.Array | None = None
        #: Whether the clients' rows hold distinct ids in order (then a position among the
        #: distinct ids is a row of the clients table).
        self.rows_are_ids = False
        #: Whether, besides, no client id needed cleaning: the database's positions of the
        #: ids as read (CLIENT_POSITION) are then positions among the cleaned ids.
        self.positions_match = False

    def of_clients(self, ids: pa.Array | pa.ChunkedArray, as_read: pa.ChunkedArray) -> _Ids:
        """The clients table's (cleaned) ids; hashes their distinct values."""
        if isinstance(ids, pa.ChunkedArray):
            ids = ids.combine_chunks()
        self.rows_are_ids = strictly_increasing(ids)
        self.positions_match = self.rows_are_ids and bool(
            pc.all(pc.equal(as_read.cast(pa.large_string()), ids)).as_py()
        )
        if self.rows_are_ids:  # as read (ORDER BY client_id): distinct already
            self.raw, where = ids, pa.array(np.arange(len(ids), dtype=np.int32))
        else:
            coded = ids.dictionary_encode()
            self.raw, where = coded.dictionary, coded.indices
        self.hashed = keyed_hashes(self.raw, self.key)
        return _Ids(where)

    def of(self, ids: pa.Array | pa.ChunkedArray, positions: pa.ChunkedArray | None = None) -> _Ids:
        """(Cleaned) ids in another table; those missing from clients are kept to be hashed
        on their own (validation then reports them). ``positions``: the database's
        positions of the ids as read (:data:`CLIENT_POSITION`), used when the clients' ids
        came distinct, in order and needing no cleaning; the ids it did not find exactly
        (none, or padded ones) are looked up here."""
        assert self.raw is not None
        if positions is None or not self.positions_match:
            where = pc.index_in(ids, value_set=self.raw)
        else:
            found = pc.fill_null(positions, -1).to_numpy(zero_copy_only=False).astype(np.int32)
            missing = np.flatnonzero((found < 0) & pc.is_valid(ids).to_numpy(zero_copy_only=False))
            if len(missing):
                looked_up = pc.index_in(ids.take(pa.array(missing)), value_set=self.raw)
                found[missing] = pc.fill_null(looked_up, -1).to_numpy(zero_copy_only=False)
            where = pa.array(found, mask=found < 0)
        stray = pc.and_(pc.is_null(where), pc.is_valid(ids)).to_numpy(zero_copy_only=False)
        if not stray.any():
            return _Ids(where)
        return _Ids(where, stray, ids.filter(pa.array(stray)))

    def resolve(self, ids: _Ids) -> pd.Series:
        """The pseudonyms of ``ids``."""
        assert self.hashed is not None
        out = pd.Series(pd.array(self.hashed.take(ids.where), dtype="str"))
        if ids.stray is not None:
            strays = pd.Series(pd.array(ids.stray_ids, dtype="str"))
            out[ids.stray] = pseudonymise(strays, self.key).to_numpy()
        return out


def _frame(
    table: str, values: dict[str, pa.ChunkedArray], pseudonyms: Pseudonyms
) -> tuple[pd.DataFrame, _Ids | None]:
    """The typed table without its client ids, and those ids (for :meth:`Pseudonyms.resolve`),
    from its fetched columns. Each column is taken out of ``values`` as it is converted, so
    its Arrow memory goes then and a large table is not held twice."""
    n = _rows(values)
    columns = [c for c in COLUMNS[table] if c != "birth_date"] + list(AGE_COLUMNS.get(table, ()))

    def convert(column: str) -> pd.Series | _Ids:
        array = values.pop(column, None)
        if column == "client_id" and array is not None:
            ids = clean_arrow_text(array)
            if table == "clients":
                return pseudonyms.of_clients(ids, array)
            del array
            return pseudonyms.of(ids, values.pop(CLIENT_POSITION, None))
        if column == "_birth_date_implausible":
            return pd.Series(pc.fill_null(array, False).to_numpy(zero_copy_only=False))
        if column in AGE_COLUMNS.get(table, ()):
            return pd.Series(
                array.cast(pa.int32()).to_pandas(types_mapper={pa.int32(): pd.Int32Dtype()}.get)
            )
        return _typed_column(array, n, column, COLUMNS[table][column])

    typed = {column: convert(column) for column in columns}
    ids = typed.get("client_id")
    if isinstance(ids, _Ids):
        return pd.DataFrame({c: typed[c] for c in columns if c != "client_id"}), ids
    return pd.DataFrame({c: typed[c] for c in columns}), None


# -- extraction -----------------------------------------------------------------------------

#: Tables in the order they are read: clients (whose ids are hashed) before the tables that
#: refer to them, the largest last.
_ORDER = ("teams", "implementation", "checklist", "clients", "treatments", "questionnaires")


def extract(
    source: Source, config: Mapping[str, Any], key: bytes | None = None
) -> tuple[Export, dict[str, Any]]:
    """Read the six tables from ``source``; return the typed Export (pseudonymised, without
    birth dates) and its provenance (queries, server version, row counts; no credential)."""
    export, provenance, _ = _extract(source, config, key)
    return export, provenance


def _extract(
    source: Source, config: Mapping[str, Any], key: bytes | None
) -> tuple[Export, dict[str, Any], dict[str, Any]]:
    """:func:`extract`, and the validation lookups it found (empty unless the clients came
    in id order with distinct ids, so that an id's position is its client row)."""
    key = key if key is not None else load_key()
    started = time.perf_counter()
    provenance: dict[str, Any] = {"source": source.uri, "engine": source.engine, "tables": {}}
    frames: dict[str, pd.DataFrame] = {}
    ids: dict[str, _Ids] = {}
    pseudonyms = Pseudonyms(key)
    with connect(source) as conn:
        provenance["server_version"] = conn.server_version()
        columns = table_columns(conn)
        check_columns(source, columns)
        queries = build_queries(source, columns, config)
        for table in _ORDER:
            fetched = _fetch(conn, table, queries[table])
            if table == _ORDER[-1]:
                conn.close()  # the database's own buffers go before the largest table is typed
            frames[table], table_ids = _typed(source, table, fetched, pseudonyms, queries)
            del fetched
            if table == "teams":
                _check_selection(frames["teams"], config.get("selection", {}))
            if table_ids is not None:
                ids[table] = table_ids
        for table, table_ids in ids.items():  # the pseudonyms, in the column's place
            place = list(COLUMNS[table]).index("client_id")
            frames[table].insert(place, "client_id", pseudonyms.resolve(table_ids))
        lookups: dict[str, Any] = {
            f"distinct:{table}": True  # read in key order: distinct when strictly increasing
            for table in ORDERED_HERE
            if strictly_increasing(pa.array(frames[table][ORDERED_HERE[table]]))
        }
        if pseudonyms.rows_are_ids and set(CLIENT_LOOKUPS) <= set(ids):
            lookups["distinct:clients"] = True
            for table, name in CLIENT_LOOKUPS.items():
                found = pc.fill_null(ids[table].where, -1).to_numpy(zero_copy_only=False)
                lookups[name] = found.astype(np.int64)
        del ids
    for table, frame in frames.items():
        provenance["tables"][table] = {"query": queries[table], "rows": int(len(frame))}
        log.info("extract: %s: %d rows", table, len(frame))
    pseudonyms.raw = pseudonyms.hashed = None  # the raw ids leave memory here
    provenance["seconds"] = round(time.perf_counter() - started, 2)
    provenance["pseudonyms"] = (
        "client_id pseudonymised in this process (HMAC-SHA256, key never sent to the server)"
    )
    provenance["birth_date"] = "not read: ages computed in the database (_age_* columns)"
    return Export(**{t: frames[t] for t in EXPORT_TABLES}), provenance, lookups


def _check_selection(teams: pd.DataFrame, selection: Mapping[str, Any]) -> None:
    """Selected institutions and teams must exist (as :func:`ldj_analysis.selection.select`
    requires), checked before the selection empties the other queries."""
    for key, column in (("institutions", "institution_id"), ("teams", "team_id")):
        unknown = sorted(set(selection.get(key) or []) - set(teams[column].dropna()))
        if unknown:
            raise SourceError(
                f"config key 'selection.{key}': not in the export's teams table: "
                + ", ".join(unknown)
            )


def _fetch(conn: Connection, table: str, sql: str) -> dict[str, pa.ChunkedArray]:
    """The result of ``sql`` as its columns, each held once (no Arrow table refers to
    them), the questionnaires put in key order."""
    columns = _columns(conn.arrow(sql, f"reading table {conn.source.label(table)}"))
    if table in ORDERED_HERE:
        put_in_key_order(columns, ORDERED_HERE[table])
    return columns


def _columns(table: pa.Table) -> dict[str, pa.ChunkedArray]:
    return dict(zip(table.column_names, table.columns, strict=True))


def _rows(columns: dict[str, pa.ChunkedArray]) -> int:
    return len(next(iter(columns.values()))) if columns else 0


#: At most this many sorted runs (a database thread's batch is one or more) are reordered
#: as blocks; more means a full sort.
_MAX_RUNS = 1 << 16


def put_in_key_order(columns: dict[str, pa.ChunkedArray], key: str) -> None:
    """Sort the table held as ``columns`` by its text column ``key`` in byte order (as
    ``ORDER BY key`` with a binary collation; missing keys last), in place. A database
    usually returns such a table as a few runs already in key order (its storage order, split
    by its threads); when the runs do not overlap they are only put in order (slices, no
    copy), else the columns are sorted one at a time, each replacing the unsorted one (so the
    table is not held twice)."""
    keys = columns[key]
    n = len(keys)
    if n < 2:
        return
    if keys.null_count == 0:
        descents = np.flatnonzero(
            pc.less(keys.slice(1), keys.slice(0, n - 1)).to_numpy(zero_copy_only=False)
        )
        if len(descents) == 0:
            return
        if len(descents) < _MAX_RUNS:
            starts = np.concatenate([[0], descents + 1])
            stops = np.concatenate([descents + 1, [n]])
            first = keys.take(starts).to_pylist()
            last = keys.take(stops - 1).to_pylist()
            runs = sorted(range(len(starts)), key=first.__getitem__)
            if all(last[a] <= first[b] for a, b in zip(runs, runs[1:], strict=False)):
                for name, values in columns.items():
                    columns[name] = pa.chunked_array(
                        [values.slice(starts[r], stops[r] - starts[r]) for r in runs],
                        values.type,
                    )
                return
    order = pc.sort_indices(keys)  # missing keys last by default
    del keys
    for name in list(columns):
        columns[name] = columns[name].take(order)


def _typed(
    source: Source,
    table: str,
    fetched: dict[str, pa.ChunkedArray],
    pseudonyms: Pseudonyms,
    queries: Mapping[str, str],
) -> tuple[pd.DataFrame, _Ids | None]:
    """:func:`_frame` of a fetched table; an empty table or a typing error is a SourceError
    naming the table and the source."""
    if _rows(fetched) == 0:
        raise SourceError(
            f"table {source.label(table)} in the LDJ database {source.uri} is empty"
            + (
                " for the selection (config section 'selection')"
                if " WHERE " in queries[table]
                else ""
            )
        )
    try:  # _frame takes the columns out of ``fetched`` as it converts them (see there)
        return _frame(table, fetched, pseudonyms)
    except SourceError as err:
        raise SourceError(
            f"table {source.label(table)} in the LDJ database {source.uri}: {err}"
        ) from None


def _column_bytes(series: pd.Series) -> Iterator[bytes | memoryview]:
    """A canonical byte form of one column, chunk by chunk (no copy of the column): its
    validity, then its values with missing ones as zero (text as value lengths, then the
    UTF-8 data), so that equal columns give equal bytes however Arrow chunked them."""
    array = pa.array(series.astype("str") if series.dtype == object else series)
    chunks = array.chunks if isinstance(array, pa.ChunkedArray) else [array]
    for chunk in chunks:
        yield pc.is_valid(chunk).to_numpy(zero_copy_only=False).tobytes()
    if pa.types.is_string(array.type) or pa.types.is_large_string(array.type):
        spans: list[tuple[pa.Buffer | None, int, int]] = []
        for chunk in chunks:
            width = np.int64 if pa.types.is_large_string(chunk.type) else np.int32
            offsets = np.frombuffer(chunk.buffers()[1], width)[
                chunk.offset : chunk.offset + len(chunk) + 1
            ]
            yield np.diff(offsets).astype(np.int64).tobytes()  # zero for a missing value
            spans.append((chunk.buffers()[2], int(offsets[0]), int(offsets[-1])))
        for data, start, stop in spans:
            if data is not None:
                yield memoryview(data)[start:stop]
        return
    for chunk in chunks:
        if pa.types.is_timestamp(chunk.type) or pa.types.is_date(chunk.type):
            chunk = chunk.cast(pa.int64())
        if chunk.null_count:
            zero = False if pa.types.is_boolean(chunk.type) else pa.scalar(0, chunk.type)
            chunk = pc.fill_null(chunk, zero)
        yield chunk.to_numpy(zero_copy_only=False).tobytes()


def table_fingerprints(export: Export) -> list[tuple[str, str, int]]:
    """Per extracted table: (name, SHA-256 of its columns' names and canonical bytes, bytes
    hashed); the same records in the same order give the same fingerprint whatever the
    database."""
    out = []
    for table, frame in export.tables().items():
        digest = hashlib.sha256("\0".join(frame.columns).encode("utf-8"))
        size = 0
        for column in frame.columns:
            for part in _column_bytes(frame[column]):
                digest.update(part)
                size += len(part)
        out.append((f"{table} (extracted)", digest.hexdigest(), size))
    return out


def run_extraction(
    source: Source,
    config: Mapping[str, Any],
    validated_dir: str | Path,
    exclusions_path: str | Path,
    summary_path: str | Path,
    provenance_path: str | Path,
    key: bytes | None = None,
) -> None:
    """The workflow's ``extract`` step: read, validate and write the working copy, the
    validation exclusions and summary, and the extraction's provenance (as
    :func:`ldj_analysis.validation.run_validation` does for an export folder). Nothing is
    written unless every table was read and the export is valid."""
    from ldj_analysis.exclusion_log import write_exclusions
    from ldj_analysis.publish.provenance import fingerprint_of
    from ldj_analysis.validation import validate_export, write_working_copy

    export, provenance, lookups = _extract(source, config, key)
    pa.default_memory_pool().release_unused()  # the fetched Arrow tables' memory, to the OS
    files = table_fingerprints(export)
    result = validate_export(export, dict(config), known=lookups)
    del export, lookups
    write_working_copy(result, validated_dir)
    write_exclusions(result.exclusions, exclusions_path)
    summary = {
        "export_uri": source.uri,
        # the records as extracted (pseudonymised, ages instead of birth dates), one SHA-256
        # per table, so that the report and the RO-Crate identify what was analysed
        "fingerprint_sha256": fingerprint_of(files),
        "files": [{"name": n, "sha256": h, "bytes": b} for n, h, b in files],
        "rows": result.rows(),
        "excluded": {str(t): int(n) for t, n in result.exclusions.groupby("table").size().items()},
    }
    for path, content in ((summary_path, summary), (provenance_path, provenance)):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        Path(path).write_text(json.dumps(content, indent=2) + "\n", encoding="utf-8")
    log.info("extracted and valid: %s", summary["rows"])
