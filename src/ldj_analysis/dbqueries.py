"""The SQL side of the extraction from an LDJ database: which tables and columns the
database holds (checked against the contract) and the SELECT of each table, with the
selection pushed down and ages computed in place of the birth date
(:mod:`ldj_analysis.extract` runs them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from ldj_analysis.dbsource import Connection, Source, SourceError, quote_ident, quote_literal
from ldj_analysis.export import COLUMNS, OPTIONAL_COLUMNS, Kind
from ldj_analysis.vocabulary import EXPORT_TABLES

#: Columns the queries compute in the database in place of ``clients.birth_date``: days
#: and completed years from birth to each list (negative when the list predates the birth),
#: days from birth to each treatment's start, and the birth date's plausibility.
AGE_COLUMNS: dict[str, tuple[str, ...]] = {
    "questionnaires": ("_age_days", "_age_years"),
    "treatments": ("_age_days_at_start",),
    "clients": ("_birth_date_implausible",),
}

#: Column the treatments and lists queries add: the position of the row's client id among
#: the distinct client ids the clients query reads (NULL when no client has exactly that id).
CLIENT_POSITION = "_client_pos"

#: Database column types accepted per contract kind (lower case; prefixes for sized types).
_TYPES: dict[Kind, tuple[str, ...]] = {
    "str": (
        "text",
        "character",
        "varchar",
        "char",
        "bpchar",
        "string",
        "uuid",
        "user-defined",
        "enum",
    ),
    "date": ("date", "timestamp"),
    "int": ("smallint", "integer", "bigint", "int", "tinyint", "hugeint", "uinteger", "ubigint"),
    "float": (
        "smallint",
        "integer",
        "bigint",
        "int",
        "tinyint",
        "hugeint",
        "numeric",
        "decimal",
        "double",
        "real",
        "float",
    ),
}


def _type_ok(kind: Kind, db_type: str) -> bool:
    db_type = db_type.lower().strip()
    return any(db_type == t or db_type.startswith((t + "(", t + " ")) for t in _TYPES[kind])


# -- introspection --------------------------------------------------------------------------


def table_columns(conn: Connection) -> dict[str, dict[str, str]]:
    """Column name -> database type of every contract table found (by its site name)."""
    source = conn.source
    schema = source.schema or ("main" if source.engine == "duckdb" else "public")
    names = {source.tables.get(t, t): t for t in EXPORT_TABLES}
    sql = (
        "SELECT table_name, column_name, data_type FROM information_schema.columns "
        f"WHERE table_schema = {quote_literal(schema)} AND table_name IN ("
        + ", ".join(quote_literal(n) for n in names)
        + ")"
    )
    found: dict[str, dict[str, str]] = {}
    for row in conn.arrow(sql).to_pylist():
        found.setdefault(names[row["table_name"]], {})[row["column_name"]] = row["data_type"]
    return found


def check_columns(source: Source, found: Mapping[str, Mapping[str, str]]) -> None:
    """Raise one SourceError listing every missing table, missing column and wrong type."""
    problems = []
    for table in EXPORT_TABLES:
        if table not in found:
            problems.append(f"table {source.label(table)}: missing")
            continue
        for column, kind in COLUMNS[table].items():
            db_type = found[table].get(column)
            if db_type is None:
                if column not in OPTIONAL_COLUMNS.get(table, set()):
                    problems.append(f"table {source.label(table)}, column {column}: missing")
            elif not _type_ok(kind, db_type):
                want = {"str": "text", "date": "date", "int": "integer", "float": "numeric"}
                problems.append(
                    f"table {source.label(table)}, column {column}: type {db_type}, "
                    f"expected {want[kind]}"
                )
    if problems:
        raise SourceError(
            f"the LDJ database {source.uri} does not hold the export's tables as the "
            "contract (docs/data-contract.md) says:\n  - " + "\n  - ".join(problems)
        )


# -- queries --------------------------------------------------------------------------------


#: Tables put in key order by the extraction (:func:`ldj_analysis.extract.put_in_key_order`),
#: which checks the order and sorts only what is not in it. A PostgreSQL server returns them
#: without ORDER BY (its sort of 10 M lists, to disk, costs more than the check here);
#: DuckDB sorts them itself, within its memory limit: at 10 M lists as fast as a sort in
#: Arrow and without its copy (DuckDB's Arrow result stays whole until its last column goes).
ORDERED_HERE = {"questionnaires": "record_id"}


def _in_list(values: list[str]) -> str:
    return "(" + ", ".join(quote_literal(v) for v in values) + ")"


def _where(*conds: str) -> str:
    conds = tuple(c for c in conds if c)
    return " WHERE " + " AND ".join(conds) if conds else ""


@dataclass(frozen=True)
class _Selection:
    """The selection as SQL: the selected teams (a subquery or None), the condition on an
    implementation row ``i`` (window and teams; "" for all) and the clients with a
    treatment in a selected team (a subquery or None)."""

    teams: str | None
    implementation: str
    clients: str | None


def _selection_sql(source: Source, selection: Mapping[str, Any]) -> _Selection:
    t = source.table
    team_filter = []
    if selection.get("institutions"):
        team_filter.append(f"institution_id IN {_in_list(selection['institutions'])}")
    if selection.get("teams"):
        team_filter.append(f"team_id IN {_in_list(selection['teams'])}")
    teams = f"SELECT team_id FROM {t('teams')}{_where(*team_filter)}" if team_filter else None
    impl = [f"i.team_id IN ({teams})"] if teams else []
    # Rows with a missing period date still come, so that validation reports them.
    if selection.get("window_start"):
        ws = quote_literal(str(selection["window_start"]))
        impl.append(f"(i.period_start >= DATE {ws} OR i.period_start IS NULL)")
    if selection.get("window_end"):
        we = quote_literal(str(selection["window_end"]))
        impl.append(f"(i.period_end <= DATE {we} OR i.period_end IS NULL)")
    clients = (
        f"SELECT client_id FROM {t('treatments')} WHERE team_id IN ({teams})" if teams else None
    )
    return _Selection(teams, " AND ".join(impl), clients)


def _whole_years(on: str, born: str) -> str:
    """SQL: completed years from ``born`` to ``on`` (both DATE expressions)."""
    later = (
        f"(EXTRACT(MONTH FROM {on}) < EXTRACT(MONTH FROM {born}) OR "
        f"(EXTRACT(MONTH FROM {on}) = EXTRACT(MONTH FROM {born}) AND "
        f"EXTRACT(DAY FROM {on}) < EXTRACT(DAY FROM {born})))"
    )
    return (
        f"CAST(EXTRACT(YEAR FROM {on}) - EXTRACT(YEAR FROM {born}) "
        f"- CASE WHEN {later} THEN 1 ELSE 0 END AS INTEGER)"
    )


def _select(
    source: Source,
    columns: Mapping[str, Mapping[str, str]],
    table: str,
    alias: str,
    *computed: str,
    join: str = "",
) -> str:
    """SELECT of the contract columns ``table`` has (text as VARCHAR: enums too, never the
    birth date) and the ``computed`` ones."""
    present = [c for c in COLUMNS[table] if c in columns[table] and c != "birth_date"]
    parts = [
        f"CAST({alias}.{quote_ident(c)} AS VARCHAR) AS {quote_ident(c)}"
        if COLUMNS[table][c] == "str"
        else f"{alias}.{quote_ident(c)}"
        for c in present
    ]
    return f"SELECT {', '.join([*parts, *computed])} FROM {source.table(table)} {alias}{join}"


def _births(source: Source, clients: str | None, text_order: str) -> str:
    """Per client: the birth date (for the ages) and the position of the id among the
    distinct ids the clients query reads, in its order (see extract.Pseudonyms.of)."""
    return (
        "(SELECT client_id, MIN(birth_date) AS birth_date, CAST(ROW_NUMBER() OVER "
        f"(ORDER BY client_id{text_order}) - 1 AS INTEGER) AS {CLIENT_POSITION} "
        f"FROM {source.table('clients')}"
        + _where(f"client_id IN ({clients})" if clients else "")
        + " GROUP BY 1)"
    )


def build_queries(
    source: Source, columns: Mapping[str, Mapping[str, str]], config: Mapping[str, Any]
) -> dict[str, str]:
    """The SELECT of every contract table, the selection pushed down.

    Teams are read whole (small; the selection itself is applied afterwards as for an
    export folder, so it logs what it leaves out). Implementation and checklist rows are
    read for the selected teams and the window. Clients, treatments and questionnaires are
    read for the clients with a treatment in a selected team, every date included: pairing
    looks beyond a period (the start list, the latest of several lists, grace days).
    Ages replace the birth date (:data:`AGE_COLUMNS`); the tables of :data:`ORDERED_HERE`
    come without ORDER BY from PostgreSQL.
    """
    sel = _selection_sql(source, config.get("selection", {}))
    val = config["validation"]
    t = source.table
    text_order = ' COLLATE "C"' if source.engine == "postgresql" else ""

    def select(table: str, alias: str, *computed: str, join: str = "") -> str:
        return _select(source, columns, table, alias, *computed, join=join)

    def order(*keys: str) -> str:
        return " ORDER BY " + ", ".join(keys)

    of_clients = "{}.client_id IN (" + str(sel.clients) + ")" if sel.clients else ""
    birth = _births(source, sel.clients, text_order)
    lo, hi = quote_literal(val["earliest_date"]), quote_literal(val["latest_date"])
    on = "CAST(q.filled_on AS DATE)"
    return {
        "teams": select("teams", "x") + order(f"x.team_id{text_order}"),
        "implementation": select("implementation", "i")
        + _where(sel.implementation)
        + order(f"i.team_id{text_order}", "i.moment"),
        "checklist": select("checklist", "c")
        + _where(
            f"EXISTS (SELECT 1 FROM {t('implementation')} i WHERE i.team_id = c.team_id "
            f"AND i.moment = c.moment AND {sel.implementation})"
            if sel.implementation
            else ""
        )
        + order(f"c.team_id{text_order}", "c.moment"),
        "clients": select(
            "clients",
            "c",
            f"(c.birth_date < DATE {lo} OR c.birth_date > DATE {hi}) AS _birth_date_implausible",
        )
        + _where(of_clients.format("c"))
        + order(f"c.client_id{text_order}"),
        "treatments": select(
            "treatments",
            "r",
            "CAST(CAST(r.start_date AS DATE) - b.birth_date AS INTEGER) AS _age_days_at_start",
            f"b.{CLIENT_POSITION}",
            join=f" LEFT JOIN {birth} b ON b.client_id = r.client_id",
        )
        + _where(of_clients.format("r"))
        + order(f"r.treatment_id{text_order}"),
        "questionnaires": select(
            "questionnaires",
            "q",
            f"CAST({on} - b.birth_date AS INTEGER) AS _age_days",
            f"{_whole_years(on, 'b.birth_date')} AS _age_years",
            f"b.{CLIENT_POSITION}",
            join=f" LEFT JOIN {birth} b ON b.client_id = q.client_id",
        )
        + _where(of_clients.format("q"))
        + (order("q.record_id") if source.engine == "duckdb" else ""),
    }
