"""Reading an LDJ export (contract version 1) from CSV or Parquet into typed DataFrames.

Reading never drops or repairs anything: values that cannot be parsed become
:class:`Problem` records, so that validation can report every problem of a table at once.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from pathlib import Path
from typing import Literal

import numpy as np
import pandas as pd

from ldj_analysis.csv_dialect import (
    CsvDialect,
    DialectError,
    arrow_encoding,
    detect_dialect,
    read_fault,
)
from ldj_analysis.vocabulary import CHECKLIST_ITEMS, EXPORT_TABLES

Kind = Literal["str", "date", "int", "float"]

#: Contract columns and their kinds, per table. Extra columns in an export are dropped.
COLUMNS: dict[str, dict[str, Kind]] = {
    "teams": {"team_id": "str", "institution_id": "str", "care_type": "str", "arm": "str"},
    "implementation": {
        "team_id": "str",
        "moment": "int",
        "filled_on": "date",
        "period_start": "date",
        "period_end": "date",
        "closed_treatments": "int",
        "training_date": "date",
        "dashboard_date": "date",
        "instrument_opgroei": "str",
        "instrument_opvoed": "str",
    },
    "checklist": {
        "team_id": "str",
        "moment": "int",
        "filled_on": "date",
        **{item: "int" for item in CHECKLIST_ITEMS},
        "grade_collection": "float",
        "grade_use": "float",
        "grade_preconditions": "float",
    },
    "clients": {"client_id": "str", "sex": "str", "birth_date": "date"},
    "treatments": {
        "treatment_id": "str",
        "client_id": "str",
        "team_id": "str",
        "start_date": "date",
        "end_date": "date",
    },
    "questionnaires": {
        "record_id": "str",
        "client_id": "str",
        "treatment_id": "str",
        "instrument": "str",
        "informant": "str",
        "occasion": "str",
        "filled_on": "date",
        "raw_total": "float",
    },
}

#: Columns that may be absent from an export file (all values then missing).
OPTIONAL_COLUMNS: dict[str, set[str]] = {
    "checklist": {"grade_collection", "grade_use", "grade_preconditions"},
    "questionnaires": {"treatment_id"},
}

#: Primary key of each table.
KEYS: dict[str, tuple[str, ...]] = {
    "teams": ("team_id",),
    "implementation": ("team_id", "moment"),
    "checklist": ("team_id", "moment"),
    "clients": ("client_id",),
    "treatments": ("treatment_id",),
    "questionnaires": ("record_id",),
}

#: Row references of the validated working copy: (table, foreign key) -> (referenced table,
#: column holding the referenced row's position, -1 where the key is empty). Validation
#: finds them anyway; kept, they spare the study logic hashing millions of ids again.
ROW_REFS: dict[tuple[str, str], tuple[str, str]] = {
    ("questionnaires", "client_id"): ("clients", "_client_row"),
    ("questionnaires", "treatment_id"): ("treatments", "_treatment_row"),
    ("treatments", "client_id"): ("clients", "_client_row"),
}

DTYPES: dict[Kind, str] = {
    "str": "str",
    "date": "datetime64[ns]",
    "int": "Int64",
    "float": "float64",
}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an export: where it is and which contract rule it breaks."""

    table: str
    column: str
    key: str
    rule: str

    def __str__(self) -> str:
        where = f"{self.table}.{self.column}" if self.column else self.table
        return f"{where} [{self.key}]: {self.rule}" if self.key else f"{where}: {self.rule}"


class ExportError(ValueError):
    """The export breaks its contract; ``problems`` lists every problem found."""

    def __init__(self, problems: list[Problem], header: str = "The LDJ export is invalid"):
        self.problems = problems
        lines = [f"{header} ({len(problems)} problem(s)):"]
        shown = problems[:200]
        lines += [f"  - {p}" for p in shown]
        if len(problems) > len(shown):
            lines.append(f"  ... and {len(problems) - len(shown)} more")
        super().__init__("\n".join(lines))


@dataclass
class Export:
    """The six tables of an export, typed per :data:`COLUMNS` (ids ``str``, dates
    ``datetime64[ns]``, counts and checklist items ``Int64``, scores ``float64``)."""

    teams: pd.DataFrame
    implementation: pd.DataFrame
    checklist: pd.DataFrame
    clients: pd.DataFrame
    treatments: pd.DataFrame
    questionnaires: pd.DataFrame

    def tables(self) -> dict[str, pd.DataFrame]:
        return {f.name: getattr(self, f.name) for f in fields(self)}


def table_path(export_dir: str | Path, table: str) -> Path | None:
    """The file holding ``table`` in ``export_dir`` (``NAME.csv`` or ``NAME.parquet``), or
    None. Both present stops with an :class:`ExportError` naming both: which one the site
    meant cannot be known, and silently taking either once gave a wrong result."""
    export_dir = Path(export_dir)
    found = [
        export_dir / f"{table}{suffix}"
        for suffix in (".csv", ".parquet")
        if (export_dir / f"{table}{suffix}").is_file()
    ]
    if len(found) > 1:
        raise ExportError(
            [
                Problem(
                    table,
                    "",
                    "",
                    f"two files for one table: {found[0]} and {found[1]}; "
                    "remove or move the one that is not the export",
                )
            ],
            header="Cannot read the LDJ export",
        )
    return found[0] if found else None


Dialects = dict[str, CsvDialect]


def csv_dialects(export_dir: str | Path, override: dict | None = None) -> Dialects:
    """The dialect of each CSV table of ``export_dir`` (config ``export_csv`` as
    ``override``); an ExportError lists every file whose dialect cannot be told."""
    dialects: Dialects = {}
    problems: list[Problem] = []
    for table in EXPORT_TABLES:
        path = table_path(export_dir, table)
        if path is None or path.suffix != ".csv":
            continue
        try:
            dialects[table] = detect_dialect(path, COLUMNS[table], override)
        except DialectError as err:
            problems.append(Problem(table, "", "", str(err)))
    if problems:
        raise ExportError(problems, header="Cannot read the LDJ export")
    return dialects


def read_csv_text(path: Path, table: str, dialect: CsvDialect) -> pd.DataFrame:
    """One CSV table as text; a file that does not read in its dialect raises an
    ExportError naming the file, the line (1-based) and the column."""
    import pyarrow as pa

    try:
        return pd.read_csv(
            path,
            dtype=str,
            keep_default_na=False,
            na_values=[""],
            sep=dialect.delimiter,
            encoding=arrow_encoding(dialect),
            engine="pyarrow",
        )
    except (pa.ArrowInvalid, UnicodeError, ValueError) as err:
        fault = read_fault(path, dialect, COLUMNS[table])
        if fault is None:
            problem = Problem(table, "", "", f"{path}: cannot be read: {err}")
        else:
            line, column, what = fault
            problem = Problem(table, column, f"line {line}", f"{what} (in {path})")
        raise ExportError([problem], header="Cannot read the LDJ export") from None


def read_raw(export_dir: str | Path, dialects: Dialects | None = None) -> dict[str, pd.DataFrame]:
    """Read every contract table as found on disk (CSV as text, in its dialect; Parquet as
    stored)."""
    export_dir = Path(export_dir)
    if not export_dir.is_dir():
        raise ExportError(
            [Problem("(export)", "", str(export_dir), "export folder does not exist")],
            header="Cannot read the LDJ export",
        )
    missing = [t for t in EXPORT_TABLES if table_path(export_dir, t) is None]
    if missing:
        raise ExportError(
            [
                Problem(
                    t, "", "", f"table missing: expected {t}.csv or {t}.parquet in {export_dir}"
                )
                for t in missing
            ],
            header="Cannot read the LDJ export",
        )
    dialects = csv_dialects(export_dir) if dialects is None else dialects
    raw: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for table in EXPORT_TABLES:
        path = table_path(export_dir, table)
        assert path is not None
        if path.suffix == ".parquet":
            try:
                raw[table] = pd.read_parquet(path)
            except (OSError, ValueError) as err:  # Arrow's errors of a damaged file
                problems.append(Problem(table, "", "", f"{path} cannot be read as Parquet: {err}"))
            continue
        try:
            raw[table] = read_csv_text(path, table, dialects.get(table, CsvDialect()))
        except ExportError as err:
            problems += err.problems
    if problems:
        raise ExportError(problems, header="Cannot read the LDJ export")
    return raw


def _row_keys(frame: pd.DataFrame, table: str, rows: np.ndarray) -> list[str]:
    """Human-readable key of the given rows (key columns, else the 1-based data row)."""
    key_cols = [c for c in KEYS[table] if c in frame.columns]
    out = []
    for r in rows:
        if key_cols:
            values = ", ".join(f"{c}={frame[c].iloc[r]}" for c in key_cols)
            out.append(f"row {r + 2}: {values}")
        else:
            out.append(f"row {r + 2}")
    return out


BadCells = dict[tuple[str, str], np.ndarray]


def coerce_table(
    table: str,
    frame: pd.DataFrame,
    bad_cells: BadCells | None = None,
    dialect: CsvDialect | None = None,
) -> tuple[pd.DataFrame, list[Problem]]:
    """Select the contract columns of one table and convert them to their kinds (text per
    its CSV ``dialect``: decimal mark and date format).

    Unparseable values become missing and a :class:`Problem`; their row masks are added to
    ``bad_cells`` (keyed by table and column) when given.
    """
    problems: list[Problem] = []
    spec = COLUMNS[table]
    optional = OPTIONAL_COLUMNS.get(table, set())
    missing = [c for c in spec if c not in frame.columns and c not in optional]
    for col in missing:
        problems.append(Problem(table, col, "", "required column missing"))
    if missing:
        return pd.DataFrame(), problems
    frame = frame.reset_index(drop=True)
    out: dict[str, pd.Series] = {}
    for col, kind in spec.items():
        if col not in frame.columns:
            out[col] = pd.Series(None, index=frame.index, dtype=object).astype(DTYPES[kind])
            continue
        series = frame[col]
        converted, bad = _convert(series, kind, dialect or CsvDialect())
        if bad.any():
            if bad_cells is not None:
                bad_cells[(table, col)] = bad
            rows = np.flatnonzero(bad)
            keys = _row_keys(frame, table, rows[:50])
            for r, key in zip(rows[:50], keys, strict=False):
                problems.append(Problem(table, col, key, f"not a valid {kind}: {series.iloc[r]!r}"))
            if len(rows) > 50:
                problems.append(
                    Problem(table, col, "", f"{len(rows) - 50} more values that are not a {kind}")
                )
        out[col] = converted
    return pd.DataFrame(out), problems


def _clean_text(series: pd.Series) -> pd.Series:
    """Text with surrounding whitespace removed and empty strings as missing (in Arrow)."""
    import pyarrow as pa

    text = pa.array(series.astype("str"))
    if not (pa.types.is_string(text.type) or pa.types.is_large_string(text.type)):
        text = text.cast(pa.large_string())
    return _clean_arrow_text(text).set_axis(series.index)


def clean_arrow_text(text):
    """An Arrow text (chunked) array with surrounding whitespace removed and empty strings
    as missing, as ``large_string``."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = text.cast(pa.large_string())
    if _nothing_to_trim(text):  # the common case: skip making two trimmed copies
        return text
    trimmed = pc.utf8_trim_whitespace(text)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed)


def _clean_arrow_text(text) -> pd.Series:
    """:func:`_clean_text` of an Arrow text (chunked) array, as a ``str`` Series."""
    return pd.Series(pd.array(clean_arrow_text(text), dtype="str"))


def _nothing_to_trim(text) -> bool:
    """True when :func:`_clean_arrow_text` would change no value of the Arrow ``large_string``
    (chunked) array: every present value begins and ends with a printable ASCII character, so
    it has no whitespace to trim and is not empty. Read from the raw buffers (no copy);
    conservative: a value with any other first or last byte counts as one to clean."""
    import pyarrow as pa

    for chunk in getattr(text, "chunks", [text]):
        n = len(chunk)
        if n == 0 or chunk.null_count == n:
            continue
        _, offsets, data = chunk.buffers()
        ends = np.frombuffer(offsets, np.int64)[chunk.offset : chunk.offset + n + 1]
        valid = np.ones(n, bool)
        if chunk.null_count:
            valid = chunk.is_valid().to_numpy(zero_copy_only=False)
        first, last = ends[:-1][valid], ends[1:][valid]
        if (last <= first).any():  # an empty string (becomes missing)
            return False
        data = np.frombuffer(data, np.uint8)
        edges = np.concatenate([data[first], data[last - 1]])
        if ((edges < 0x21) | (edges > 0x7E)).any():
            return False
    return pa.types.is_large_string(text.type)


def take_text(values: pd.Series, rows: np.ndarray) -> pd.Series:
    """``values`` (text) at the given positions as a ``str`` Series, taken in Arrow."""
    import pyarrow as pa

    rows = np.asarray(rows, np.int64)
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):  # take codes only
        codes = np.asarray(pd.Series(values).cat.codes, dtype=np.int32)[rows]
        categories = pa.array(pd.Series(values).cat.categories.astype("str"), pa.large_string())
        indices = pa.array(codes, mask=codes < 0)
        taken = pa.DictionaryArray.from_arrays(indices, categories).cast(pa.large_string())
        return pd.Series(pd.array(taken, dtype="str"))
    array = pa.array(pd.Series(values, dtype="str").reset_index(drop=True))
    if len(rows) > 1 and (np.diff(rows) > 0).all():  # rows in order: a filter, chunk by chunk
        mask = np.zeros(len(array), bool)  # (a take first concatenates the Arrow chunks)
        mask[rows] = True
        taken = array.filter(pa.array(mask)).cast(pa.large_string())
    else:
        taken = array.take(pa.array(rows)).cast(pa.large_string())
    return pd.Series(pd.array(taken, dtype="str"))


def _convert(series: pd.Series, kind: Kind, dialect: CsvDialect) -> tuple[pd.Series, np.ndarray]:
    """Convert a column; return the converted column and a mask of unparseable values."""
    if not (pd.api.types.is_numeric_dtype(series) or pd.api.types.is_datetime64_any_dtype(series)):
        series = _clean_text(series)
    present = series.notna().to_numpy()
    if kind == "str":
        return series.astype("str"), np.zeros(len(series), bool)
    if kind == "date":
        if pd.api.types.is_datetime64_any_dtype(series):
            conv = series.dt.tz_localize(None) if series.dt.tz is not None else series
            return conv.astype("datetime64[ns]"), np.zeros(len(series), bool)
        fmt = dialect.date_format
        conv = pd.to_datetime(series, format=fmt, errors="coerce")
        if not pd.api.types.is_datetime64_any_dtype(conv):
            conv = pd.to_datetime(series.astype("str"), format=fmt, errors="coerce")
        conv = conv.astype("datetime64[ns]")
        return conv, present & conv.isna().to_numpy()
    if dialect.decimal != "." and not pd.api.types.is_numeric_dtype(series):
        series = series.str.replace(".", "\0", regex=False).str.replace(
            dialect.decimal, ".", regex=False
        )  # a '.' where a decimal comma is expected makes the value unparseable
    num = pd.to_numeric(series, errors="coerce")
    bad = present & num.isna().to_numpy()
    if kind == "float":
        return num.astype("float64"), bad
    values = num.to_numpy(dtype="float64", na_value=np.nan)
    fractional = np.isfinite(values) & (np.floor(values) != values)
    bad = bad | fractional
    values = np.where(fractional, np.nan, values)
    return pd.Series(values, index=series.index).astype("Int64"), bad


def coerce_export(
    raw: dict[str, pd.DataFrame],
    bad_cells: BadCells | None = None,
    dialects: Dialects | None = None,
) -> tuple[Export | None, list[Problem]]:
    """Type every table; return the Export (None if a table lacks columns) and problems."""
    typed: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for table in EXPORT_TABLES:
        dialect = (dialects or {}).get(table)
        frame, table_problems = coerce_table(table, raw[table], bad_cells, dialect)
        typed[table] = frame
        problems += table_problems
    if any(not set(COLUMNS[t]) <= set(frame.columns) for t, frame in typed.items()):
        return None, problems
    return Export(**typed), problems


_ARROW_TYPES = {"date": "timestamp[ns]", "int": "int64", "float": "float64", "str": "large_string"}


def _csv_header(path: Path, dialect: CsvDialect) -> list[str]:
    """The column names of a CSV file's header line, read in its dialect."""
    import csv

    with open(path, encoding=dialect.encoding, errors="replace", newline="") as fh:
        header = next(csv.reader(fh, delimiter=dialect.delimiter), [])
    return [h.strip().removeprefix("\ufeff") for h in header]


def read_typed_csv(
    path: Path, table: str, dialect: CsvDialect | None = None
) -> pd.DataFrame | None:
    """Fast path: read a contract CSV with Arrow's typed reader, in its ``dialect``. Returns
    None whenever the text path (:func:`coerce_table`) could judge anything differently (a
    value that does not parse, a time of day, a missing required column, a row that does
    not read): that path then reports every problem."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    dialect = dialect or CsvDialect()
    spec = COLUMNS[table]
    header = _csv_header(path, dialect)
    present = [c for c in spec if c in header]
    if any(c not in header and c not in OPTIONAL_COLUMNS.get(table, set()) for c in spec):
        return None
    types = {c: pa.type_for_alias(_ARROW_TYPES[spec[c]]) for c in present}
    dates = (
        {} if dialect.date_format == "%Y-%m-%d" else {"timestamp_parsers": [dialect.date_format]}
    )
    try:
        arrow = pacsv.read_csv(
            path,
            read_options=pacsv.ReadOptions(encoding=arrow_encoding(dialect)),
            parse_options=pacsv.ParseOptions(delimiter=dialect.delimiter),
            convert_options=pacsv.ConvertOptions(
                column_types=types,
                include_columns=present,
                null_values=[""],
                strings_can_be_null=True,
                quoted_strings_can_be_null=True,
                decimal_point=dialect.decimal,
                **dates,
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowTypeError, UnicodeError):
        return None
    return _typed_frame(arrow, spec, present)


def _typed_frame(arrow, spec: dict[str, Kind], present: list[str]) -> pd.DataFrame | None:
    """The Arrow table of :func:`read_typed_csv` as the typed frame, or None where a date
    has a time of day."""
    import pyarrow as pa
    import pyarrow.compute as pc

    def convert(col: str, kind: Kind) -> pd.Series | None:
        if col not in present:
            return pd.Series(None, index=range(arrow.num_rows), dtype=object).astype(DTYPES[kind])
        column = arrow.column(col)
        if kind == "date":
            midnight = pc.equal(pc.cast(column, pa.date32()).cast(pa.timestamp("ns")), column)
            if not pc.all(pc.fill_null(midnight, True)).as_py():
                return None
            return pd.Series(column.to_pandas(), dtype="datetime64[ns]")
        if kind == "str":
            return _clean_arrow_text(column)
        if kind == "int":
            return pd.Series(column.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))
        return pd.Series(column.to_pandas(), dtype="float64")

    converted = [convert(col, kind) for col, kind in spec.items()]
    if any(c is None for c in converted):
        return None
    return pd.DataFrame(dict(zip(spec, converted, strict=True)), copy=False)


def load_tables(
    export_dir: str | Path, bad_cells: BadCells | None = None, dialects: Dialects | None = None
) -> tuple[Export | None, list[Problem]]:
    """Read and type every table: Arrow's typed reader where a CSV parses cleanly, else the
    text path that lists every unparseable value (see :func:`coerce_export`). CSV files are
    read in their ``dialects`` (detected when not given, :func:`csv_dialects`)."""
    export_dir = Path(export_dir)
    dialects = csv_dialects(export_dir) if dialects is None else dialects
    typed: dict[str, pd.DataFrame] = {}
    for table in EXPORT_TABLES:
        path = table_path(export_dir, table)
        if path is not None and path.suffix == ".csv":
            frame = read_typed_csv(path, table, dialects.get(table))
            if frame is not None:
                typed[table] = frame
    if len(typed) == len(EXPORT_TABLES):
        return Export(**typed), []
    raw = read_raw(export_dir, dialects)
    export, problems = coerce_export({t: raw[t] for t in raw}, bad_cells, dialects)
    problems = [_in_file(p, table_path(export_dir, p.table)) for p in problems]
    if export is None:
        return None, problems
    return Export(**{**export.tables(), **typed}), problems


def _in_file(problem: Problem, path: Path | None) -> Problem:
    """A problem of a CSV file's value or header, naming the file (its "row N" is line N)."""
    if path is None or path.suffix != ".csv":
        return problem
    return Problem(problem.table, problem.column, problem.key, f"{problem.rule} (in {path})")


def load_export(export_dir: str | Path) -> Export:
    """Read and type an export; raise :class:`ExportError` listing every unparseable value.

    Contract rules beyond types are checked by :func:`ldj_analysis.validation.validate_export`.
    """
    export, problems = load_tables(export_dir)
    if problems or export is None:
        raise ExportError(problems)
    return export


def write_export(
    export: Export, export_dir: str | Path, fmt: Literal["csv", "parquet"] = "csv"
) -> None:
    """Write an export per the contract (ISO dates, empty field = missing)."""
    export_dir = Path(export_dir)
    export_dir.mkdir(parents=True, exist_ok=True)
    for table, frame in export.tables().items():
        if fmt == "parquet":
            frame.to_parquet(export_dir / f"{table}.parquet", index=False)
        else:
            frame.to_csv(
                export_dir / f"{table}.csv",
                index=False,
                date_format="%Y-%m-%d",
                lineterminator="\n",
                encoding="utf-8",
            )


def export_files(export_dir: str | Path) -> list[str]:
    """The export's table files on disk, in contract order; a ValueError names what is missing.

    Used while the workflow is parsed, so it checks existence only and reads no data.
    """
    export_dir = Path(export_dir)
    if not export_dir.is_dir():
        raise ValueError(
            f"config key 'export_dir': folder '{export_dir}' does not exist "
            "(give the folder of an LDJ export, see docs/data-contract.md)"
        )
    try:
        missing = [t for t in EXPORT_TABLES if table_path(export_dir, t) is None]
    except ExportError as err:
        raise ValueError(f"config key 'export_dir': {err.problems[0]}") from None
    if missing:
        raise ValueError(
            f"config key 'export_dir': '{export_dir}' lacks table(s) "
            + ", ".join(f"{t} ({t}.csv or {t}.parquet)" for t in missing)
        )
    return [str(table_path(export_dir, table)) for table in EXPORT_TABLES]
