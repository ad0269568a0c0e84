"""Validation of a typed LDJ export against contract version 1.

Every table is checked with a pandera schema (types, codes, ranges, keys) and the tables
against each other (as the queries of ``team_tables.sql``: matching moments, agreeing
implementation dates; and of ``record_references.sql``: foreign keys, dates after the
client's birth). All
problems are collected before anything is reported, so a researcher sees every problem of
an export at once. Problems that concern one record of the clients, treatments or
questionnaires table can, per config, be excluded instead: the record (and the records that
depend on it) is dropped and logged as an exclusion, never silently.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from importlib.resources import files
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from ldj_analysis.exclusion_log import EXCLUSION_COLUMNS, write_exclusions
from ldj_analysis.export import (
    KEYS,
    ROW_REFS,
    BadCells,
    Dialects,
    Export,
    ExportError,
    Problem,
    take_text,
)
from ldj_analysis.key_lookups import connect, key_lookups
from ldj_analysis.vocabulary import (
    ARMS,
    CARE_TYPES,
    CHECKLIST_ITEMS,
    INFORMANTS,
    INSTRUMENTS,
    OCCASIONS,
    SEXES,
)

log = logging.getLogger(__name__)

#: Tables whose rows are single records: a problem there may be excluded (config).
RECORD_TABLES: tuple[str, ...] = ("clients", "treatments", "questionnaires")


_DATE_COLUMNS: dict[str, tuple[str, ...]] = {
    "implementation": (
        "filled_on",
        "period_start",
        "period_end",
        "training_date",
        "dashboard_date",
    ),
    "checklist": ("filled_on",),
    "clients": ("birth_date",),
    "treatments": ("start_date", "end_date"),
    "questionnaires": ("filled_on",),
}


@dataclass
class ValidationResult:
    """The checked export, which of its records are excluded, and the exclusion log.

    ``export`` (the valid tables: excluded records removed) is built on first use; the
    workflow never builds it: :func:`write_working_copy` leaves the excluded rows out while
    writing (at 10 M rows a filtered copy of the tables costs seconds).
    """

    checked: Export
    exclusions: pd.DataFrame
    #: Positions of the referenced rows in the valid tables, per :data:`ROW_REFS` key.
    row_refs: dict[tuple[str, str], np.ndarray] = field(default_factory=dict)
    #: Per record table (when records were excluded): mask of the excluded rows of ``checked``.
    excluded: dict[str, np.ndarray] = field(default_factory=dict)

    @cached_property
    def export(self) -> Export:
        """The valid export: ``checked`` without the excluded records."""
        return Export(
            **{
                name: (
                    frame.loc[~self.excluded[name]].reset_index(drop=True)
                    if name in self.excluded
                    else frame
                )
                for name, frame in self.checked.tables().items()
            }
        )

    def kept(self, table: str) -> np.ndarray | None:
        """Mask of the valid rows of ``checked``'s ``table`` (None: all of them)."""
        mask = self.excluded.get(table)
        return None if mask is None or not mask.any() else ~mask

    def rows(self) -> dict[str, int]:
        """Rows of each valid table."""
        dropped = {name: int(mask.sum()) for name, mask in self.excluded.items()}
        return {
            name: len(frame) - dropped.get(name, 0) for name, frame in self.checked.tables().items()
        }


def _codes(values: tuple[str, ...] | list[str]) -> pa.Check:
    return pa.Check.isin(list(values), error=f"must be one of: {', '.join(values)}")


def _date_range(config: dict[str, Any]) -> pa.Check:
    lo = pd.Timestamp(config["validation"]["earliest_date"])
    hi = pd.Timestamp(config["validation"]["latest_date"])
    return pa.Check.in_range(lo, hi, error=f"implausible date: outside {lo.date()} .. {hi.date()}")


def _col(dtype: str, *checks: pa.Check, nullable: bool = False) -> pa.Column:
    return pa.Column(dtype, checks=list(checks), nullable=nullable, coerce=False)


def table_schemas(config: dict[str, Any]) -> dict[str, pa.DataFrameSchema]:
    """The pandera schema of every contract table (per-table rules only)."""
    return {**_team_schemas(config), **_record_schemas(config)}


def _dates(config: dict[str, Any], table: str, required: tuple[str, ...]) -> dict[str, pa.Column]:
    """The date columns of ``table``, each within the plausible range."""
    date_ok = _date_range(config)
    return {
        c: _col("datetime64[ns]", date_ok, nullable=c not in required) for c in _DATE_COLUMNS[table]
    }


_NONNEGATIVE = pa.Check.ge(0, error="must be >= 0")


def _team_schemas(config: dict[str, Any]) -> dict[str, pa.DataFrameSchema]:
    """The schemas of the team-level tables: teams, implementation, checklist."""
    configured = config.get("selection", {}).get("instruments", {})
    opgroei, opvoed = (
        sorted({c for c, d in INSTRUMENTS.items() if d == domain} | set(configured.get(domain, [])))
        for domain in ("opgroei", "opvoed")
    )
    first_moment = pa.Check.ge(1, error="must be >= 1")
    item_ok = pa.Check.isin([0, 1, 2], error="checklist item must be 0, 1 or 2")

    def dates(table: str, required: tuple[str, ...]) -> dict[str, pa.Column]:
        return _dates(config, table, required)

    return {
        "teams": pa.DataFrameSchema(
            {
                "team_id": _col("str"),
                "institution_id": _col("str"),
                "care_type": _col("str", _codes(CARE_TYPES)),
                "arm": _col("str", _codes(ARMS)),
            },
            name="teams",
        ),
        "implementation": pa.DataFrameSchema(
            {
                "team_id": _col("str"),
                "moment": _col("Int64", first_moment),
                "closed_treatments": _col("Int64", _NONNEGATIVE),
                "instrument_opgroei": _col("str", _codes(opgroei), nullable=True),
                "instrument_opvoed": _col("str", _codes(opvoed), nullable=True),
                **dates("implementation", ("filled_on", "period_start", "period_end")),
            },
            checks=[
                pa.Check(
                    lambda df: (
                        (df["period_start"] < df["period_end"])
                        | df["period_start"].isna()
                        | df["period_end"].isna()
                    ),
                    name="period_start < period_end",
                    error="period_start must be before period_end",
                ),
            ],
            name="implementation",
        ),
        "checklist": pa.DataFrameSchema(
            {
                "team_id": _col("str"),
                "moment": _col("Int64", first_moment),
                **dates("checklist", ("filled_on",)),
                **{item: _col("Int64", item_ok, nullable=True) for item in CHECKLIST_ITEMS},
            },
            name="checklist",
        ),
    }


def _record_schemas(config: dict[str, Any]) -> dict[str, pa.DataFrameSchema]:
    """The schemas of the record tables: clients, treatments, questionnaires."""

    def dates(table: str, required: tuple[str, ...]) -> dict[str, pa.Column]:
        return _dates(config, table, required)

    return {
        "clients": pa.DataFrameSchema(
            {
                "client_id": _col("str"),
                "sex": _col("str", _codes(SEXES), nullable=True),
                **dates("clients", ()),
            },
            name="clients",
        ),
        "treatments": pa.DataFrameSchema(
            {
                "treatment_id": _col("str"),
                "client_id": _col("str"),
                "team_id": _col("str"),
                **dates("treatments", ("start_date",)),
            },
            checks=[
                pa.Check(
                    lambda df: ~(df["end_date"] < df["start_date"]),
                    name="end_date >= start_date",
                    error="end_date must not be before start_date",
                ),
            ],
            name="treatments",
        ),
        "questionnaires": pa.DataFrameSchema(
            {
                "record_id": _col("str"),
                "client_id": _col("str"),
                "treatment_id": _col("str", nullable=True),
                "instrument": _col("str"),
                "informant": _col("str", _codes(INFORMANTS)),
                "occasion": _col("str", _codes(OCCASIONS)),
                "raw_total": _col("float64", _NONNEGATIVE, nullable=True),
                **dates("questionnaires", ("filled_on",)),
            },
            name="questionnaires",
        ),
    }


def _key_text(frame: pd.DataFrame, table: str, rows: np.ndarray) -> list[str]:
    cols = KEYS[table]
    parts = [frame[c].to_numpy(dtype=object)[rows] for c in cols]
    return [
        ", ".join(f"{c}={v}" for c, v in zip(cols, vals, strict=True))
        for vals in zip(*parts, strict=True)
    ]


class _Collector:
    """Collects problems per table: row masks for record-level ones, text for the rest."""

    def __init__(self, export: Export):
        self.tables = export.tables()
        self.problems: list[Problem] = []
        self.bad_rows: dict[str, list[tuple[np.ndarray, str, str]]] = {t: [] for t in self.tables}

    def rows(self, table: str, mask: np.ndarray, column: str, rule: str) -> None:
        """Rows of ``table`` (boolean mask over its rows) break ``rule``."""
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.bad_rows[table].append((mask, column, rule))

    def table(self, table: str, column: str, key: str, rule: str) -> None:
        self.problems.append(Problem(table, column, key, rule))

    def row_problems(self, table: str, limit: int = 50) -> list[Problem]:
        frame = self.tables[table]
        out = []
        for mask, column, rule in self.bad_rows[table]:
            rows = np.flatnonzero(mask)
            values = (
                frame[column].to_numpy(dtype=object)[rows[:limit]]
                if column in frame.columns
                else [None] * len(rows[:limit])
            )
            keys = _key_text(frame, table, rows[:limit])
            for row, key, value in zip(rows[:limit], keys, values, strict=True):
                if isinstance(value, pd.Timestamp):
                    value = value.date().isoformat()
                shown = "" if value is None or pd.isna(value) else f" (value: {value!s})"
                out.append(Problem(table, column, f"row {row + 2}: {key}", rule + shown))
            if len(rows) > limit:
                out.append(Problem(table, column, "", f"{rule} ({len(rows) - limit} more rows)"))
        return out


#: Rows per pandera call on tables without frame-wide checks: its failure masks and
#: intermediate Series for ten million rows cost more than a GB at once.
PANDERA_CHUNK_ROWS = 2_000_000


def _pandera_problems(
    schema: pa.DataFrameSchema,
    table: str,
    frame: pd.DataFrame,
    collector: _Collector,
    chunk_rows: int | None = None,
) -> None:
    """Run one pandera schema lazily; turn its failure cases into row masks or problems.
    Tables with only column checks are validated in slices of ``chunk_rows`` rows (the same
    problems, found with less memory)."""
    chunk_rows = chunk_rows or PANDERA_CHUNK_ROWS
    step = len(frame) if schema.checks or len(frame) <= chunk_rows else chunk_rows
    masks: dict[tuple[str, str], np.ndarray] = {}
    table_problems: dict[tuple[str, str], str] = {}
    if table == "clients" and "birth_date" not in frame.columns:  # read from a database
        schema = schema.remove_columns(["birth_date"])
    for begin in range(0, max(len(frame), 1), max(step, 1)):
        try:
            schema.validate(frame.iloc[begin : begin + step], lazy=True)
        except pa.errors.SchemaErrors as err:
            cases = err.failure_cases
            frame_checks = {c.error: c.name for c in schema.checks}
            for (column, check), group in cases.groupby(
                ["column", "check"], dropna=False, sort=False
            ):
                if check in frame_checks:
                    if column != frame.columns[0]:
                        continue  # a frame-wide check is reported once per column: keep one
                    column = frame_checks[check].split(" ")[0]
                index = pd.to_numeric(group["index"], errors="coerce").dropna().astype(int)
                column = "" if pd.isna(column) else str(column)
                rule = _rule_text(schema, column, str(check))
                if len(index):
                    mask = masks.setdefault((column, rule), np.zeros(len(frame), dtype=bool))
                    mask[index.to_numpy()] = True
                else:
                    table_problems.setdefault(
                        (column, rule), f"{rule}: {group['failure_case'].iloc[0]}"
                    )
    for (column, rule), mask in masks.items():
        collector.rows(table, mask, column, rule)
    for (column, _), text in table_problems.items():
        collector.table(table, column, "", text)


def _rule_text(schema: pa.DataFrameSchema, column: str, check: str) -> str:
    """The human message of a pandera check, looked up by its name."""
    if check == "not_nullable":
        return "value missing (required)"
    if check.startswith("dtype("):
        return f"wrong type {check}"
    checks = schema.columns[column].checks if column in schema.columns else []
    for c in [*checks, *schema.checks]:
        if c.name == check or str(c) == check or check.startswith(f"{c.name}("):
            return c.error or check
    return check


def _check_keys(collector: _Collector, lookups: dict[str, Any]) -> None:
    for table, frame in collector.tables.items():
        cols = list(KEYS[table])
        if len(cols) == 1 and lookups[f"distinct:{table}"]:
            continue
        dup = frame.duplicated(cols, keep=False).to_numpy() & frame[cols].notna().all(axis=1)
        if dup.any():
            rows = np.flatnonzero(dup)
            for row, key in zip(rows[:50], _key_text(frame, table, rows[:50]), strict=True):
                collector.table(table, "+".join(cols), f"row {row + 2}: {key}", "duplicate key")


def _check_cross_tables(collector: _Collector) -> None:
    """The team-level tables against each other (the queries of ``team_tables.sql``): teams
    known, a checklist row for each implementation row (and back), one training and
    dashboard date per team."""
    t = collector.tables
    columns = {
        "teams": ["team_id"],
        "implementation": ["team_id", "moment", "training_date", "dashboard_date"],
        "checklist": ["team_id", "moment"],
    }
    with connect() as con:
        for table, names in columns.items():
            frame = t[table][names].assign(row=np.arange(len(t[table]), dtype=np.int64))
            con.register(f"{table}_in", frame)
        con.execute((files(__package__) / "team_tables.sql").read_text(encoding="utf-8"))
        for table in ("implementation", "checklist"):
            unknown = 'SELECT row, team_id FROM unknown_team WHERE "table" = ? ORDER BY row'
            for row, team_id in con.execute(unknown, [table]).fetchall():
                key = f"row {row + 2}: team_id={team_id}"
                collector.table(table, "team_id", key, "team not in teams table")
        for table in ("implementation", "checklist"):
            unmatched = (
                'SELECT team_id, moment, other FROM unmatched_moment WHERE "table" = ? '
                "ORDER BY team_id NULLS LAST, moment NULLS LAST"
            )
            for team_id, moment, other in con.execute(unmatched, [table]).fetchall():
                key = f"team_id={_shown(team_id, 'nan')}, moment={_shown(moment, '<NA>')}"
                rule = f"no matching {other} row for this team and moment"
                collector.table(table, "moment", key, rule)
        for column in ("training_date", "dashboard_date"):
            disagreeing = (
                "SELECT team_id, dates FROM disagreeing_date WHERE date_column = ? ORDER BY team_id"
            )
            for team_id, dates in con.execute(disagreeing, [column]).fetchall():
                rule = f"moments disagree on the date: {', '.join(dates)}"
                collector.table("implementation", column, f"team_id={team_id}", rule)


def _shown(value: Any, missing: str) -> str:
    """A key's value as pandas shows it in an index (``nan`` or ``<NA>`` when missing)."""
    return missing if value is None else str(value)


#: The rules of ``record_references.sql`` per record table: the flag of its view, the
#: export's column and the rule's text, in the order a record's reason is taken from (the
#: first rule it breaks).
RECORD_RULES: dict[str, tuple[tuple[str, str, str], ...]] = {
    "treatments": (
        ("client_unknown", "client_id", "client not in clients table"),
        ("team_unknown", "team_id", "team not in teams table"),
        ("before_birth", "start_date", "before the client's birth_date"),
    ),
    "questionnaires": (
        ("client_unknown", "client_id", "client not in clients table"),
        ("treatment_unknown", "treatment_id", "treatment not in treatments table"),
        ("other_client", "treatment_id", "treatment belongs to another client"),
        ("before_birth", "filled_on", "before the client's birth_date"),
    ),
}


def _check_record_references(collector: _Collector, lookups: dict[str, Any]) -> None:
    """The record tables' references and dates, as the key lookups found them (the queries
    of ``record_references.sql``): each record's client, team and treatment known, a list's
    treatment its client's own, nothing dated before the client's birth. Record-level
    problems, so excludable; the record goes, not the client (its other records may be
    right)."""
    for table, rules in RECORD_RULES.items():
        flags = lookups[f"rules:{table}"]
        for flag, column, rule in rules:
            collector.rows(table, flags[flag], column, rule)


def _birth_dates_from_source(collector: _Collector, config: dict[str, Any]) -> None:
    """Clients read from a database come without ``birth_date`` (it never leaves the
    database, see :mod:`ldj_analysis.extract`) but with ``_birth_date_implausible``, the
    date-range rule evaluated there: report it as the rule on the file path does."""
    clients = collector.tables["clients"]
    if "_birth_date_implausible" in clients.columns:
        rule = _date_range(config).error
        collector.rows(
            "clients", clients["_birth_date_implausible"].to_numpy(bool), "birth_date", rule
        )


def _row_refs(
    lookups: dict[str, Any], drop: dict[str, np.ndarray]
) -> dict[tuple[str, str], np.ndarray]:
    """The foreign keys' row positions (see :data:`ROW_REFS`), renumbered for the valid
    tables (excluded rows removed)."""
    found = {
        ("questionnaires", "client_id"): "q_client",
        ("questionnaires", "treatment_id"): "tr_row",
        ("treatments", "client_id"): "tr_client",
    }
    out = {}
    for (table, column), name in found.items():
        target = ROW_REFS[(table, column)][0]
        position = lookups[name]
        if table in drop and drop[table].any():
            position = position[~drop[table]]
        if target in drop and drop[target].any():
            renumber = np.cumsum(~drop[target]) - 1
            renumber[drop[target]] = -1
            moved = np.where(position >= 0, renumber[np.maximum(position, 0)], -1)
            if ((moved < 0) & (position >= 0)).any():  # the cascade excludes such records
                raise AssertionError(f"valid {table} refer to excluded {target} rows")
            position = moved
        out[(table, column)] = position.astype(np.int32)
    return out


#: Why a record is excluded with the record it depends on, per record table.
CASCADE_REASONS: dict[str, str] = {
    "treatments": "client excluded",
    "questionnaires": "its client or treatment was excluded",
}

#: The records a record table's rows depend on: (referenced table, lookup of the positions).
_DEPENDS_ON: dict[str, tuple[tuple[str, str], ...]] = {
    "treatments": (("clients", "tr_client"),),
    "questionnaires": (("clients", "q_client"), ("treatments", "tr_row")),
}


def _exclude(
    collector: _Collector, lookups: dict[str, Any]
) -> tuple[dict[str, np.ndarray], list[pd.DataFrame]]:
    """Masks of excluded rows per record table, cascading clients -> treatments -> lists.

    A row's reason is the first rule it breaks, else the cascade's; reasons are kept as codes
    (no text per row). Dependent records are found by the positions of the foreign-key
    lookups: keys are unique here (a duplicate key stops validation before exclusion), so a
    record refers to an excluded one exactly when its position points at an excluded row.
    """
    t = collector.tables
    drop: dict[str, np.ndarray] = {}
    logs: list[pd.DataFrame] = []
    for table in RECORD_TABLES:
        n = len(t[table])
        texts: dict[str, int] = {}  # reason -> code (1, 2, ...; 0 = kept)
        code = np.zeros(n, np.int32)
        for mask, column, rule in collector.bad_rows[table]:
            reason = texts.setdefault(f"{column}: {rule}" if column else rule, len(texts) + 1)
            code[mask & (code == 0)] = reason
        cascade = np.zeros(n, bool)
        for target, lookup in _DEPENDS_ON.get(table, ()):
            if drop[target].any():
                position = lookups[lookup]
                cascade |= np.append(drop[target], False)[np.where(position >= 0, position, -1)]
        cascade &= code == 0
        if cascade.any():
            code[cascade] = texts.setdefault(CASCADE_REASONS[table], len(texts) + 1)
        drop[table] = code > 0
        rows = np.flatnonzero(code)
        if len(rows):
            reasons = np.array(["", *texts], dtype=object)[code[rows]]
            keys = take_text(t[table][KEYS[table][0]], rows).to_numpy(dtype=object)
            logs.append(
                pd.DataFrame(
                    {
                        "table": table,
                        "key": keys,
                        "step": "validation",
                        "reason": pd.Series(reasons, dtype=object),
                    }
                )
            )
    return drop, logs


def validate_export(
    export: Export,
    config: dict[str, Any],
    parse_problems: list[Problem] | None = None,
    bad_cells: BadCells | None = None,
    known: Mapping[str, Any] | None = None,
) -> ValidationResult:
    """Check every contract rule; return the valid export and its exclusion log.

    Raises :class:`ExportError` listing every problem that cannot be excluded (and every
    record-level one when ``validation.record_problems`` is ``error``), together with the
    ``parse_problems`` found while typing the export (their cells, ``bad_cells``, are not
    reported a second time as missing). ``known``: lookups the caller already found (see
    :func:`ldj_analysis.key_lookups.key_lookups`; the extraction finds the client rows of
    the lists and treatments). ``config["engine"]``: DuckDB's memory limit, temp directory
    and threads (:func:`ldj_analysis.key_lookups.connect`).
    """
    _check_not_empty(export)
    collector = _Collector(export)
    lookups = key_lookups(collector.tables, KEYS, known, config.get("engine"))
    for table, schema in table_schemas(config).items():
        _pandera_problems(schema, table, collector.tables[table], collector)
    _birth_dates_from_source(collector, config)
    for (table, column), bad in (bad_cells or {}).items():
        collector.bad_rows[table] = [
            (mask & ~bad, col, rule) if col == column else (mask, col, rule)
            for mask, col, rule in collector.bad_rows[table]
        ]
    _check_keys(collector, lookups)
    _check_cross_tables(collector)
    _check_record_references(collector, lookups)

    problems = list(parse_problems or []) + collector.problems
    exclude = config["validation"]["record_problems"] == "exclude"
    for table in collector.tables:
        if table not in RECORD_TABLES or not exclude:
            problems += collector.row_problems(table)
    if problems:
        raise ExportError(sorted(problems, key=lambda p: (p.table, p.column)))

    drop, logs = _exclude(collector, lookups) if exclude else ({}, [])
    exclusions = (
        pd.concat(logs, ignore_index=True)
        if logs
        else pd.DataFrame({c: pd.Series(dtype="str") for c in EXCLUSION_COLUMNS})
    )
    for table, mask in drop.items():
        if mask.any():
            log.warning(
                "validation: excluded %d %s record(s); see the exclusion log", mask.sum(), table
            )
    return ValidationResult(
        Export(**collector.tables), exclusions, _row_refs(lookups, drop), excluded=drop
    )


def _check_not_empty(export: Export) -> None:
    """Stop on a table without rows, with one message naming it: every table is needed
    for the study, and an empty one would otherwise run to the end and yield warnings
    that blame config keys instead of the export."""
    empty = [table for table, frame in export.tables().items() if len(frame) == 0]
    if empty:
        raise ExportError(
            [Problem(t, "", "", "table is empty (no data rows below the header)") for t in empty]
        )


def validate_dir(
    export_dir: str, config: dict[str, Any], dialects: Dialects | None = None
) -> ValidationResult:
    """Read, type and validate the export in ``export_dir`` (all problems at once); CSV
    files in their ``dialects``, else as detected with ``config["export_csv"]``."""
    from ldj_analysis.export import csv_dialects, load_tables

    if dialects is None:
        dialects = csv_dialects(export_dir, config.get("export_csv"))
    bad_cells: BadCells = {}
    export, problems = load_tables(export_dir, bad_cells, dialects)
    if export is None:
        raise ExportError(problems)
    return validate_export(export, config, problems, bad_cells)


def run_validation(
    export_dir: str | Path,
    config: dict[str, Any],
    validated_dir: str | Path,
    exclusions_path: str | Path,
    summary_path: str | Path,
) -> ValidationResult:
    """Validate the export; write its valid tables (:func:`write_working_copy`), exclusions
    and a summary.

    The valid tables keep the export's ids and dates: they are a working copy of the raw
    export (the workflow marks them temporary), never derived data.
    """
    import json

    from ldj_analysis.export import csv_dialects, table_path
    from ldj_analysis.publish.provenance import fingerprint_of, hashed_export_files

    files = hashed_export_files(export_dir)
    dialects = csv_dialects(export_dir, config.get("export_csv"))
    for table, dialect in dialects.items():
        log.info("%s: %s", table_path(export_dir, table), dialect.describe())
    result = validate_dir(str(export_dir), config, dialects)
    write_working_copy(result, validated_dir)
    write_exclusions(result.exclusions, exclusions_path)
    summary = {
        "export_dir": str(export_dir),
        "fingerprint_sha256": fingerprint_of(files),
        # per file: name, SHA-256 and size (the report lists them without reading the export)
        "files": [{"name": n, "sha256": h, "bytes": b} for n, h, b in files],
        "rows": result.rows(),
        # how each CSV file was read: detected, or as set in config export_csv
        "csv_dialects": {
            table_path(export_dir, t).name: d.as_dict()  # type: ignore[union-attr]
            for t, d in dialects.items()
        },
        "excluded": {str(t): int(n) for t, n in result.exclusions.groupby("table").size().items()},
    }
    Path(summary_path).write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")
    log.info("export valid: %s", summary["rows"])
    return result


#: Text columns with a few distinct values, kept as categoricals in the working copy.
_CATEGORICAL: dict[str, tuple[str, ...]] = {
    "questionnaires": ("instrument", "informant", "occasion"),
    "treatments": ("team_id",),
    "clients": ("sex",),
}


#: Rows per slice when writing the working copy (a Parquet row group each): the excluded
#: rows are left out slice by slice, so no filtered copy of a table is made.
WRITE_SLICE_ROWS = 1 << 20


def _coded_text(
    values: pd.Series, kept: np.ndarray | None
) -> tuple[np.ndarray, pd.CategoricalDtype]:
    """A text column as the codes and dtype of ``values[kept].astype("category")`` (the
    sorted distinct values of the kept rows), the codes over all rows (-1: missing or not
    kept), found in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    text = pa.chunked_array(pa.array(pd.Series(values, dtype="str"))).cast(pa.large_string())
    encoded = pc.dictionary_encode(text)  # one dictionary for all chunks (the final one)
    distinct = encoded.chunk(0).dictionary if encoded.num_chunks else pa.array([], text.type)
    if all(chunk.dictionary.equals(distinct) for chunk in encoded.chunks):
        indices = pa.chunked_array([c.indices for c in encoded.chunks], encoded.type.index_type)
    else:  # not expected: look each value up in the distinct values
        distinct = pc.unique(text).drop_null()
        indices = pc.index_in(text, value_set=distinct)
    codes = indices.fill_null(-1).to_numpy().astype(np.int32)  # (4 B a row, not 8)
    if kept is not None:
        codes[~kept] = -1
    present = np.flatnonzero(np.bincount(codes[codes >= 0], minlength=len(distinct)))
    present = present[pc.array_sort_indices(distinct.take(present)).to_numpy()]
    categories = pd.Index(pd.array(distinct.take(present), dtype="str"))
    dtype = pd.CategoricalDtype(categories)
    renumber = np.full(len(distinct) + 1, -1, np.int32)  # the last entry: code -1
    renumber[present] = np.arange(len(present))
    return renumber[codes], dtype


def _write_valid_table(
    path: Path,
    frame: pd.DataFrame,
    kept: np.ndarray | None,
    extra: dict[str, np.ndarray],
    categorical: tuple[str, ...],
) -> None:
    """Write ``frame[kept]`` (all rows when None) with the ``extra`` columns (one value per
    kept row) and the ``categorical`` text columns as categoricals, as an uncompressed
    Parquet file (the Arrow schema kept), one slice of rows (a row group or more) at a time."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    coded = {c: _coded_text(frame[c], kept) for c in categorical}
    template = frame.iloc[:0].assign(
        **{c: pd.Categorical.from_codes([], dtype=dtype) for c, (_, dtype) in coded.items()},
        **{c: v[:0] for c, v in extra.items()},
    )
    schema = pa.Schema.from_pandas(template, preserve_index=False)
    source = pa.Table.from_pandas(frame.drop(columns=list(coded)), preserve_index=False)
    index_types = {c: schema.field(c).type for c in coded}
    categories = {
        c: pa.array(dtype.categories, type=index_types[c].value_type)
        for c, (_, dtype) in coded.items()
    }
    out_lo = 0
    with pq.ParquetWriter(
        path, schema, compression="none", use_dictionary=list(coded), write_statistics=False
    ) as writer:
        for lo in range(0, max(len(frame), 1), WRITE_SLICE_ROWS):
            part = source.slice(lo, WRITE_SLICE_ROWS)
            sel = None if kept is None else kept[lo : lo + part.num_rows]
            if sel is not None:
                part = part.filter(pa.array(sel))
            part = part.combine_chunks()
            n = part.num_rows
            columns = {name: part.column(name) for name in part.column_names}
            for c, (codes, _) in coded.items():
                taken = codes[lo : lo + len(sel)][sel] if sel is not None else codes[lo : lo + n]
                indices = taken.astype(index_types[c].index_type.to_pandas_dtype())
                columns[c] = pa.DictionaryArray.from_arrays(
                    pa.array(indices, mask=taken < 0), categories[c]
                )
            for c, values in extra.items():
                columns[c] = pa.array(values[out_lo : out_lo + n])
            writer.write_table(pa.table([columns[f.name] for f in schema], schema=schema))
            out_lo += n


def write_working_copy(result: ValidationResult, validated_dir: str | Path) -> None:
    """Write the valid tables as uncompressed Parquet files (``<table>.parquet``), with the
    row references of :data:`ROW_REFS` as extra columns and code columns as categoricals: a
    temporary file DuckDB reads column by column (only what a step needs, through its
    buffer pool, not pages mapped into the process), so speed and footprint matter, not
    its size.
    Excluded records are left out while writing (no filtered copy of a table is made)."""
    validated_dir = Path(validated_dir)
    validated_dir.mkdir(parents=True, exist_ok=True)

    def write(table: str, frame: pd.DataFrame) -> None:
        refs = {
            column: result.row_refs[key]
            for key, (_, column) in ROW_REFS.items()
            if key[0] == table and key in result.row_refs
        }
        _write_valid_table(
            validated_dir / f"{table}.parquet",
            frame,
            result.kept(table),
            refs,
            _CATEGORICAL.get(table, ()),
        )

    for table, frame in result.checked.tables().items():
        write(table, frame)


def read_validated(validated_dir: str | Path) -> Export:
    """Read the valid tables written by :func:`run_validation` (with their row references)."""
    import pyarrow.parquet as pq

    from ldj_analysis.vocabulary import EXPORT_TABLES

    validated_dir = Path(validated_dir)
    return Export(
        **{t: pq.read_table(validated_dir / f"{t}.parquet").to_pandas() for t in EXPORT_TABLES}
    )
