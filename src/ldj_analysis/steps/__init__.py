"""The study's data steps as one recipe: the numbered SQL files of this folder, run in order
on an in-process DuckDB database (docs/study.md; docs/development.md, "The recipe").

Read the files top to bottom: each is one rule of the study and names the tables it makes.
This module only prepares their inputs: the export's tables (``<table>_in``, each with
``pos``, its row in the export, and the rows of a list's client and treatment that the
steps join by), the configured settings (DuckDB variables) and the code lists from
:mod:`ldj_analysis.vocabulary` and the config, as small tables.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from ldj_analysis.key_lookups import connect
from ldj_analysis.vocabulary import CHECKLIST_ITEM_MAX

log = logging.getLogger(__name__)

#: The recipe's files (without ``.sql``), in the order they run.
STEP_FILES: list[str] = sorted(
    p.name.removesuffix(".sql") for p in files(__package__).iterdir() if p.name.endswith(".sql")
)
#: The files from the lists to the exclusion log of the lists, with the macros.
PAIRING_STEPS = [
    "00_macros",
    "04_lists",
    "05_list_checks",
    "06_duplicate_end_lists",
    "07_start_lists",
    "08_informant_priority",
    "09_unused_start_lists",
]

#: Columns some exports lack (a database sends ages instead of birth dates), added empty.
_OPTIONAL = {
    "questionnaires": {"_age_days": pa.float64(), "_age_years": pa.float64()},
    "clients": {"birth_date": pa.timestamp("ns")},
}


def run(con: Any, steps: list[str]) -> None:
    """Execute the given recipe files, in order, on ``con``."""
    import duckdb

    for name in steps:
        started = time.perf_counter()
        try:
            con.execute((files(__package__) / f"{name}.sql").read_text(encoding="utf-8"))
        except duckdb.Error as error:
            raise RuntimeError(f"recipe step {name}.sql failed: {error}") from error
        log.info("recipe step %s: %.1f s", name, time.perf_counter() - started)


def open_recipe(engine: Mapping[str, Any] | None = None) -> Any:
    """An in-process DuckDB connection for the recipe (memory limit, temp directory and
    threads from ``engine``: :func:`ldj_analysis.key_lookups.connect`)."""
    return connect(engine)


def arrow_table(frame: pd.DataFrame | pa.Table) -> pa.Table:
    """A pandas frame (or Arrow table) as an Arrow table."""
    if isinstance(frame, pa.Table):
        return frame
    return pa.Table.from_pandas(frame, preserve_index=False)


@dataclass(frozen=True)
class ParquetTable:
    """A table of the working copy left in its Parquet file: the recipe's DuckDB reads the
    columns a step needs through its buffer pool, so the file is never held in the process."""

    path: Path

    def __len__(self) -> int:
        return pq.ParquetFile(self.path).metadata.num_rows


#: DuckDB's names of the optional columns' types.
_SQL_TYPES = {pa.float64(): "DOUBLE", pa.timestamp("ns"): "TIMESTAMP_NS"}


def _register_parquet(con: Any, name: str, table: ParquetTable) -> None:
    """``<name>_in`` as a view of the Parquet file, ``pos`` its row number (32-bit), the
    optional columns it lacks as typed NULLs: the same columns as :func:`register_table`."""
    have = pq.read_schema(table.path).names
    missing = [
        f"NULL::{_SQL_TYPES[kind]} AS {column}"
        for column, kind in _OPTIONAL.get(name, {}).items()
        if column not in have
    ]
    path = table.path.as_posix().replace("'", "''")
    con.execute(
        f"CREATE OR REPLACE TEMP VIEW {name}_in AS SELECT * EXCLUDE (file_row_number), "
        + "".join(f"{m}, " for m in missing)
        + f"file_row_number::INTEGER AS pos FROM read_parquet('{path}', file_row_number = true)"
    )


def register_table(con: Any, name: str, frame: pd.DataFrame | pa.Table | ParquetTable) -> None:
    """Register an export table as ``<name>_in`` with ``pos`` (its row order, 32-bit) and the
    optional columns it lacks."""
    if isinstance(frame, ParquetTable):
        _register_parquet(con, name, frame)
        return
    table = arrow_table(frame)
    for column, kind in _OPTIONAL.get(name, {}).items():
        if column not in table.column_names:
            table = table.append_column(column, pa.nulls(table.num_rows, kind))
    table = table.append_column("pos", pa.array(np.arange(table.num_rows, dtype=np.int32)))
    con.register(f"{name}_in", table)


#: The working copy's row references (:data:`ldj_analysis.export.ROW_REFS`): the steps join
#: clients and treatments by these rows, not by their ids.
ROW_REF_COLUMNS = {
    "questionnaires": ("_client_row", "_treatment_row"),
    "treatments": ("_client_row",),
}

_ROW_REFS_SQL = """
CREATE OR REPLACE TEMP TABLE clients_all AS
SELECT * FROM clients_in
UNION ALL BY NAME
SELECT client_id, (SELECT count(*) FROM clients_in) + row_number() OVER (ORDER BY client_id) - 1
    AS pos
FROM (SELECT client_id FROM questionnaires_in UNION SELECT client_id FROM treatments_in)
WHERE client_id IS NOT NULL
    AND client_id NOT IN (SELECT client_id FROM clients_in WHERE client_id IS NOT NULL);
CREATE OR REPLACE TEMP TABLE client_row AS
SELECT client_id, min(pos) AS row FROM clients_all GROUP BY client_id;
CREATE OR REPLACE TEMP TABLE treatment_row AS
SELECT treatment_id, min(pos) AS row FROM treatments_in GROUP BY treatment_id;
"""

#: Each table with its row references added, in its own row order.
_WITH_ROW_REFS = {
    "clients": "SELECT * FROM clients_all ORDER BY pos",
    "treatments": "SELECT t.*, c.row::INTEGER AS _client_row FROM treatments_in "
    "AS t LEFT JOIN client_row AS c USING (client_id) ORDER BY t.pos",
    "questionnaires": "SELECT q.*, c.row::INTEGER AS _client_row, "
    "(CASE WHEN q.treatment_id IS NULL THEN -1 ELSE t.row END)::INTEGER AS _treatment_row "
    "FROM questionnaires_in AS q "
    "LEFT JOIN client_row AS c USING (client_id) "
    "LEFT JOIN treatment_row AS t USING (treatment_id) ORDER BY q.pos",
}


def add_row_refs(con: Any) -> None:
    """Give export tables registered without the working copy's row references (frames
    that did not pass validation) the same, found from the ids; a client named by a list or
    treatment but missing from ``clients`` is added to it, without sex and birth date. A
    list's ``_treatment_row`` is -1 when it names no treatment, NULL when the one it names
    is unknown (the working copy has no such list)."""
    have = {
        name: set(con.sql(f"SELECT * FROM {name}_in LIMIT 0").columns) for name in ROW_REF_COLUMNS
    }
    if all(set(cols) <= have[name] for name, cols in ROW_REF_COLUMNS.items()):
        return
    con.execute(_ROW_REFS_SQL)
    tables = {name: con.sql(query).to_arrow_table() for name, query in _WITH_ROW_REFS.items()}
    for name, table in tables.items():
        con.register(f"{name}_in", table)


def set_settings(con: Any, **settings: Any) -> None:
    """The configured settings as DuckDB variables (``getvariable('name')`` in the files)."""
    for name, value in settings.items():
        con.execute(f"SET VARIABLE {name} = ?", [value])


def pairing_settings(pairing: Mapping[str, Any]) -> dict[str, Any]:
    """The variables the pairing files read, from the config's ``pairing`` section."""
    keys = ("end_list_grace_days", "duplicate_end_lists", "duplicate_start_lists")
    return {
        **{k: pairing[k] for k in keys},
        "same_treatment": bool(pairing["same_treatment"]),
        "priority_scope": pairing["priority_scope"],
    }


def checklist_settings(max_missing_share: float) -> dict[str, Any]:
    return {"max_missing_share": float(max_missing_share), "item_max": CHECKLIST_ITEM_MAX}


def fetch(con: Any, query: str) -> pd.DataFrame:
    """A query's result as a pandas frame (through Arrow: text as ``str``)."""
    return con.sql(query).to_arrow_table().to_pandas()


def scalars(con: Any, query: str) -> tuple:
    """The one row of a query's result."""
    return con.sql(query).fetchall()[0]
