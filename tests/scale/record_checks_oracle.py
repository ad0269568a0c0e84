"""The array version of validation's record-level reference and life-date checks, kept as
the independent check of the queries in src/ldj_analysis/record_references.sql: each
foreign key's row found with a dictionary of first rows, the rules with numpy gathers."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.export import take_text


class Found:
    """What the checks found: per table, (mask, column, rule) in the order they were found."""

    def __init__(self, tables: dict[str, pd.DataFrame]) -> None:
        self.tables = tables
        self.bad_rows: dict[str, list[tuple[np.ndarray, str, str]]] = {t: [] for t in tables}

    def rows(self, table: str, mask: np.ndarray, column: str, rule: str) -> None:
        mask = np.asarray(mask, dtype=bool)
        if mask.any():
            self.bad_rows[table].append((mask, column, rule))


#: Foreign keys: lookup name -> (referring table, its column, referred table, its key).
REFERENCES: dict[str, tuple[str, str, str, str]] = {
    "q_client": ("questionnaires", "client_id", "clients", "client_id"),
    "tr_client": ("treatments", "client_id", "clients", "client_id"),
    "tr_row": ("questionnaires", "treatment_id", "treatments", "treatment_id"),
    "tr_team": ("treatments", "team_id", "teams", "team_id"),
}


def oracle_positions(tables: dict[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    """Each foreign key's first row in the table it refers to (-1 where the key is missing
    or not there)."""
    out = {}
    for name, (table, column, referred, key) in REFERENCES.items():
        first: dict[str, int] = {}
        for row, value in enumerate(tables[referred][key]):
            if not pd.isna(value):
                first.setdefault(value, row)
        values = tables[table][column]
        out[name] = np.array([-1 if pd.isna(v) else first.get(v, -1) for v in values], np.int64)
    return out


def oracle_record_problems(tables: dict[str, pd.DataFrame], lookups: dict[str, Any]) -> Found:
    """The record-level problems of the references and life dates."""
    found = Found(tables)
    _check_record_references(found, lookups)
    _check_life_dates(found, lookups)
    return found


def _check_record_references(collector: Found, lookups: dict[str, Any]) -> None:
    """The record tables' foreign keys (record-level, so excludable): each treatment's
    client and team, each list's client and treatment, and that treatment's own client."""
    t = collector.tables
    treatments, questionnaires = t["treatments"], t["questionnaires"]
    tr_client = lookups["tr_client"]
    collector.rows(
        "treatments",
        (tr_client < 0) & treatments["client_id"].notna().to_numpy(),
        "client_id",
        "client not in clients table",
    )
    collector.rows(
        "treatments",
        (lookups["tr_team"] < 0) & treatments["team_id"].notna(),
        "team_id",
        "team not in teams table",
    )
    q_client = lookups["q_client"]
    collector.rows(
        "questionnaires",
        (q_client < 0) & questionnaires["client_id"].notna().to_numpy(),
        "client_id",
        "client not in clients table",
    )
    # The owner of a list's treatment (first row of its treatment_id) must be its client.
    has_treatment = questionnaires["treatment_id"].notna().to_numpy()
    tr_row = lookups["tr_row"]
    found = tr_row >= 0
    safe = np.where(found, tr_row, len(treatments))  # the appended sentinel below
    owner_known = found & np.append(treatments["client_id"].notna().to_numpy(), False)[safe]
    collector.rows(
        "questionnaires",
        has_treatment & ~owner_known,
        "treatment_id",
        "treatment not in treatments table",
    )
    owner = np.append(tr_client, -1)[safe]
    checked = has_treatment & owner_known
    differs = checked & (owner >= 0) & (q_client >= 0) & (owner != q_client)
    as_text = np.flatnonzero(checked & ((owner < 0) | (q_client < 0)))  # not in clients
    if len(as_text):
        owner_text = take_text(treatments["client_id"], tr_row[as_text])
        differs[as_text] = (owner_text != take_text(questionnaires["client_id"], as_text)).to_numpy(
            bool
        )
    collector.rows("questionnaires", differs, "treatment_id", "treatment belongs to another client")


#: A client's own records whose date cannot precede the client's birth: (table, date column).
LIFE_EVENTS: tuple[tuple[str, str], ...] = (
    ("treatments", "start_date"),
    ("questionnaires", "filled_on"),
)


def ages_at_events(
    clients: pd.DataFrame,
    tables: dict[str, pd.DataFrame],
    client_rows: dict[str, np.ndarray],
) -> dict[tuple[str, str], np.ndarray]:
    """The client's age in days at each event of :data:`LIFE_EVENTS` (NaN where the birth
    date, the event date or the client is unknown). ``client_rows``: per table, each row's
    position in ``clients`` (-1 when not found)."""
    birth = clients["birth_date"].to_numpy("datetime64[ns]")
    ages = {}
    for table, column in LIFE_EVENTS:
        rows = client_rows[table]
        born = np.append(birth, np.datetime64("NaT"))[np.where(rows >= 0, rows, len(birth))]
        days = (tables[table][column].to_numpy("datetime64[ns]") - born) / np.timedelta64(1, "D")
        ages[(table, column)] = days.astype("float64")
    return ages


#: Age columns a database source computes instead of sending birth dates, per event.
SOURCE_AGES: dict[tuple[str, str], tuple[str, str]] = {
    ("treatments", "start_date"): ("treatments", "_age_days_at_start"),
    ("questionnaires", "filled_on"): ("questionnaires", "_age_days"),
}


def source_ages(tables: dict[str, pd.DataFrame]) -> dict[tuple[str, str], np.ndarray]:
    """Ages in days at the events of :data:`LIFE_EVENTS` from the age columns of a source
    without birth dates (NaN where it has none)."""
    ages = {}
    for event, (table, column) in SOURCE_AGES.items():
        frame = tables[table]
        ages[event] = (
            pd.to_numeric(frame[column]).to_numpy("float64", na_value=np.nan)
            if column in frame.columns
            else np.full(len(frame), np.nan)
        )
    return ages


def records_before_birth(
    ages: dict[tuple[str, str], np.ndarray],
) -> dict[tuple[str, str], np.ndarray]:
    """Impossible records: per event of :data:`LIFE_EVENTS`, a mask over its table's rows
    dated before the client's birth (a negative age). ``ages`` may come from
    :func:`ages_at_events` or from a source that gives ages instead of birth dates (in any
    unit: only the sign counts; NaN where unknown)."""
    return {event: np.nan_to_num(age, nan=0.0) < 0 for event, age in ages.items()}


def _check_life_dates(collector: Found, lookups: dict[str, Any]) -> None:
    """Flag treatments and questionnaires dated before their client's birth (record-level:
    excluded with the records that depend on them, or the run stops). The record, not the
    client, goes: the client's other records may well be right."""
    t = collector.tables
    client_rows = {
        "treatments": lookups["tr_client"],
        "questionnaires": lookups["q_client"],
    }
    if "birth_date" in t["clients"].columns:
        ages = ages_at_events(t["clients"], t, client_rows)
    else:  # a database source: the ages it computed (ldj_analysis.extract), no birth dates
        ages = source_ages(t)
    for (table, column), mask in records_before_birth(ages).items():
        collector.rows(table, mask, column, "before the client's birth_date")
