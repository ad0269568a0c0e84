"""Extraction from DuckDB and a real PostgreSQL server: the same validated tables as the
export folder, ages instead of birth dates, pseudonyms, selection pushdown, clear errors."""

from __future__ import annotations

import threading
import time

import duckdb
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from ldj_analysis import extract as extract_module
from ldj_analysis.dbsource import SourceError, connect, parse_source
from ldj_analysis.derive import derive
from ldj_analysis.export import ROW_REFS, Export, load_export
from ldj_analysis.extract import extract, run_extraction
from ldj_analysis.pseudonym import pseudonymise
from ldj_analysis.selection import select
from ldj_analysis.validation import ValidationResult, validate_dir, validate_export
from ldj_analysis.vocabulary import EXPORT_TABLES
from tests.study.pairing_oracle import whole_years

KEY = b"test-key-for-extraction"


@pytest.fixture(params=["duckdb", "postgresql"])
def uri(request) -> str:
    if request.param == "duckdb":
        return request.getfixturevalue("duck_uri")
    return request.getfixturevalue("pg").uri(schema="ldj")


@pytest.fixture(scope="module")
def from_files(export_dir, config) -> ValidationResult:
    return validate_dir(str(export_dir), config)


def test_extracted_tables_equal_the_export_folder(uri, config, export_dir):
    export, provenance = extract(parse_source(uri), config, KEY)
    files = load_export(export_dir)  # as read, before validation excludes records
    assert "birth_date" not in export.clients.columns
    for table, frame in files.tables().items():
        got = getattr(export, table)
        want = frame.drop(columns=["birth_date"], errors="ignore").copy()
        if "client_id" in want.columns:
            want["client_id"] = pseudonymise(want["client_id"], KEY)
        # the database reads in key order; the folder in file order
        order = list(dict.fromkeys(["record_id", "treatment_id", "client_id", "team_id"]))
        keys = [c for c in order if c in want.columns][:1] + (
            ["moment"] if "moment" in want.columns else []
        )
        w = want.sort_values(keys, kind="stable").reset_index(drop=True)
        g = got[want.columns].sort_values(keys, kind="stable").reset_index(drop=True)
        pd.testing.assert_frame_equal(g, w, check_dtype=False, obj=table)
        assert provenance["tables"][table]["rows"] == len(frame)
    assert provenance["server_version"]


def test_ages_from_the_database_equal_ages_from_birth_dates(uri, config, from_files):
    export, _ = extract(parse_source(uri), config, KEY)
    files = from_files.export
    q = files.questionnaires.merge(
        files.clients[["client_id", "birth_date"]], on="client_id", how="left"
    )
    q["client_id"] = pseudonymise(q["client_id"], KEY)
    got = export.questionnaires.set_index("record_id").loc[q["record_id"]]
    days = (q["filled_on"] - q["birth_date"]).dt.days.to_numpy("float64")
    np.testing.assert_array_equal(got["_age_days"].to_numpy("float64", na_value=np.nan), days)
    np.testing.assert_array_equal(
        got["_age_years"].to_numpy("float64", na_value=np.nan),
        whole_years(q["birth_date"], q["filled_on"]).to_numpy(),
    )


def test_calendar_edge_cases_of_ages(tmp_path, config):
    """Completed years around birthdays, 29 February and lists dated before the birth."""
    births = ["2016-02-29", "2010-06-15", None]
    lists = ["2020-02-28", "2020-02-29", "2021-02-28", "2021-03-01", "2010-06-14", "2011-06-15"]
    path = tmp_path / "edge.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE teams AS SELECT 'T1' team_id, 'I1' institution_id, "
        "'ambulant' care_type, 'control' arm"
    )
    con.execute(
        "CREATE TABLE implementation AS SELECT 'T1' team_id, 1 moment, "
        "DATE '2020-01-10' filled_on, DATE '2019-07-01' period_start, "
        "DATE '2019-12-31' period_end, 10 closed_treatments, NULL::DATE training_date, "
        "NULL::DATE dashboard_date, 'CBCL_6-18' instrument_opgroei, "
        "'OBVL' instrument_opvoed"
    )
    items = ", ".join(f"1 item_{i:02d}" for i in range(1, 26))
    con.execute(
        f"CREATE TABLE checklist AS SELECT 'T1' team_id, 1 moment, "
        f"DATE '2020-01-10' filled_on, {items}"
    )
    con.execute("CREATE TABLE clients (client_id VARCHAR, sex VARCHAR, birth_date DATE)")
    for i, b in enumerate(births):
        con.execute("INSERT INTO clients VALUES (?, 'f', ?)", [f"K{i}", b])
    con.execute(
        "CREATE TABLE treatments AS SELECT 'B' || i::VARCHAR treatment_id, "
        "'K' || i::VARCHAR client_id, 'T1' team_id, DATE '2010-06-14' start_date, "
        "NULL::DATE end_date FROM range(3) t(i)"
    )
    con.execute(
        "CREATE TABLE questionnaires (record_id VARCHAR, client_id VARCHAR, "
        "treatment_id VARCHAR, instrument VARCHAR, informant VARCHAR, "
        "occasion VARCHAR, filled_on DATE, raw_total DOUBLE)"
    )
    n = 0
    for i in range(len(births)):
        for day in lists:
            con.execute(
                "INSERT INTO questionnaires VALUES (?, ?, ?, 'OBVL', 'moeder', 'begin', ?, 10)",
                [f"R{n:03d}", f"K{i}", f"B{i}", day],
            )
            n += 1
    con.close()
    export, _ = extract(parse_source(f"duckdb://{path}"), config, KEY)
    q = export.questionnaires
    birth = pd.Series(pd.to_datetime([births[int(c)] for c in range(3) for _ in lists]))
    on = pd.Series(pd.to_datetime(lists * 3))
    np.testing.assert_array_equal(
        q["_age_years"].to_numpy("float64", na_value=np.nan), whole_years(birth, on).to_numpy()
    )
    np.testing.assert_array_equal(
        q["_age_days"].to_numpy("float64", na_value=np.nan),
        (on - birth).dt.days.to_numpy("float64"),
    )
    assert (q["_age_days"] < 0).sum() == 3  # lists before the birth: negative ages
    t = export.treatments["_age_days_at_start"]
    assert t.iloc[0] < 0 and t.iloc[1] == -1 and pd.isna(t.iloc[2])


def _derive(result: ValidationResult, config: dict, pseudonymised: bool):
    """derive() on a validation result as the working copy gives it (row references)."""
    selected, log = select(result.export, config["selection"])
    tables = selected.tables()
    for (table, column), (_, name) in ROW_REFS.items():
        tables[table] = tables[table].assign(**{name: result.row_refs[(table, column)]})
    return derive(
        Export(**tables),
        {**config, "ids_pseudonymised": pseudonymised},
        pseudonym_key=KEY,
        synthetic_export=True,  # the synthetic export, here in a database
    )


def test_selection_is_pushed_down_and_gives_the_same_results(uri, config, export_dir):
    teams = pd.read_csv(export_dir / "teams.csv", dtype=str)
    institutions = sorted(teams["institution_id"].unique())[:2]
    chosen = {
        **config,
        "selection": {
            **config["selection"],
            "institutions": institutions,
            "window_start": "2018-01-01",
        },
    }
    _, everything = extract(parse_source(uri), config, KEY)
    export, provenance = extract(parse_source(uri), chosen, KEY)
    for table in ("implementation", "checklist", "clients", "treatments", "questionnaires"):
        assert provenance["tables"][table]["rows"] < everything["tables"][table]["rows"], table
        assert " WHERE " in provenance["tables"][table]["query"]
    via_db = _derive(validate_export(export, chosen), chosen, True)
    via_files = _derive(validate_dir(str(export_dir), chosen), chosen, False)
    for name in ("table1", "table2", "table3", "table4", "sample"):
        pd.testing.assert_frame_equal(via_db.tables()[name], via_files.tables()[name], obj=name)
    pd.testing.assert_frame_equal(via_db.pairs, via_files.pairs)
    pd.testing.assert_frame_equal(via_db.team_periods, via_files.team_periods)


# -- errors ---------------------------------------------------------------------------------


def _copy_duck(duck_uri: str, dest, mutate: str) -> str:
    """A DuckDB file with the loaded tables (no constraints), then ``mutate`` (SQL)."""
    con = duckdb.connect(str(dest))
    con.execute(f"ATTACH '{duck_uri.removeprefix('duckdb://')}' AS src (READ_ONLY)")
    for table in (
        "teams",
        "implementation",
        "checklist",
        "clients",
        "treatments",
        "questionnaires",
    ):
        con.execute(f"CREATE TABLE {table} AS SELECT * FROM src.{table}")
    con.execute("DETACH src")
    if mutate:
        con.execute(mutate)
    con.close()
    return f"duckdb://{dest}"


@pytest.mark.parametrize(
    ("mutate", "expected"),
    [
        ("DROP TABLE checklist", "table checklist: missing"),
        (
            "ALTER TABLE treatments DROP COLUMN start_date",
            "table treatments, column start_date: missing",
        ),
        (
            "ALTER TABLE questionnaires ALTER filled_on TYPE VARCHAR",
            "table questionnaires, column filled_on: type VARCHAR, expected date",
        ),
        ("DELETE FROM teams", "table teams in the LDJ database"),
    ],
)
def test_duckdb_source_errors_name_table_and_column(tmp_path, duck_uri, config, mutate, expected):
    uri = _copy_duck(duck_uri, tmp_path / "bad.duckdb", mutate)
    with pytest.raises(SourceError) as err:
        extract(parse_source(uri), config, KEY)
    assert expected in str(err.value) and uri in str(err.value)
    if mutate.startswith("DELETE"):
        assert "is empty" in str(err.value)


def test_duckdb_sorts_the_lists_and_its_result_lands_in_arrow_memory(
    tmp_path, duck_uri, config, monkeypatch
):
    """Lists stored out of record_id order come from DuckDB in that order (DuckDB sorts them,
    no sort in Arrow), and a DuckDB result is copied into Arrow's own memory: DuckDB's Arrow
    memory goes only with a result's last column, so a text column kept by a typed frame
    would keep all of it."""
    uri = _copy_duck(
        duck_uri,
        tmp_path / "shuffled.duckdb",
        "CREATE OR REPLACE TABLE questionnaires AS "
        "SELECT * FROM questionnaires ORDER BY hash(record_id)",
    )

    def no_sort(*args, **kwargs):
        raise AssertionError("sorted in Arrow")

    monkeypatch.setattr(extract_module.pc, "sort_indices", no_sort)
    export, _ = extract(parse_source(uri), config, KEY)
    ids = export.questionnaires["record_id"].tolist()
    assert ids == sorted(ids) and len(set(ids)) == len(ids)
    with connect(parse_source(uri)) as conn:
        before = pa.total_allocated_bytes()
        table = conn.arrow("SELECT * FROM questionnaires")
        assert pa.total_allocated_bytes() - before >= table.nbytes > 0


def test_missing_duckdb_file(tmp_path, config):
    with pytest.raises(SourceError, match="no such DuckDB file"):
        extract(parse_source(f"duckdb://{tmp_path}/none.duckdb"), config, KEY)


@pytest.mark.parametrize("table", EXPORT_TABLES)
def test_configured_table_names(tmp_path, duck_uri, config, table):
    """Each export_tables.<table> key names the site's table."""
    uri = _copy_duck(
        duck_uri, tmp_path / "named.duckdb", f"ALTER TABLE {table} RENAME TO ldj_{table}"
    )
    with pytest.raises(SourceError, match=f"table {table}: missing"):
        extract(parse_source(uri), config, KEY)
    export, provenance = extract(parse_source(uri, tables={table: f"ldj_{table}"}), config, KEY)
    assert len(export.teams) == 16 and f'"ldj_{table}"' in provenance["tables"][table]["query"]


def test_uri_with_password_is_refused_without_echoing_it():
    for uri in (
        "postgresql://ana:s3cret@db.example/ldj",
        "postgresql://ana@db/ldj?password=s3cret",
    ):
        with pytest.raises(SourceError) as err:
            parse_source(uri)
        assert "s3cret" not in str(err.value) and "PGPASSWORD" in str(err.value)


def test_refused_login_and_unreachable_server(pg, config, monkeypatch):
    uri = pg.uri(schema="ldj")
    monkeypatch.setenv("PGPASSWORD", "not-the-password")
    with pytest.raises(SourceError) as err:
        extract(parse_source(uri), config, KEY)
    assert str(err.value).startswith(f"login refused by LDJ database {uri}")
    assert "not-the-password" not in str(err.value)
    monkeypatch.setenv("PGPASSWORD", pg.password)
    closed = uri.replace(f":{pg.port}/", ":1/")
    with pytest.raises(SourceError, match=r"cannot reach LDJ database .*:1/ldj.*unreachable"):
        extract(parse_source(closed), config, KEY)
    with pytest.raises(SourceError, match="table nothing_here.teams: missing"):
        extract(parse_source(pg.uri(schema="nothing_here")), config, KEY)


def test_connection_lost_mid_read_leaves_no_output(pg, config, tmp_path):
    """The server ends the session while questionnaires are read: one clear error, and none
    of the step's files exist."""
    pg.psql(
        "CREATE OR REPLACE VIEW ldj.slow_questionnaires AS SELECT * FROM ldj.questionnaires "
        "WHERE pg_sleep(0.001) IS NOT NULL"
    )
    source = parse_source(pg.uri(schema="ldj"), tables={"questionnaires": "slow_questionnaires"})

    def kill() -> None:
        for _ in range(100):
            time.sleep(0.2)
            killed = pg.psql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                'WHERE query LIKE \'%FROM "ldj"."slow_questionnaires"%\' '
                "AND pid <> pg_backend_pid()"
            )
            if killed != "0":
                return

    killer = threading.Thread(target=kill)
    killer.start()
    out = tmp_path / "out"
    try:
        with pytest.raises(SourceError) as err:
            run_extraction(
                source,
                config,
                out / "validated",
                out / "exclusions.csv",
                out / "validation.json",
                out / "extraction.json",
                key=KEY,
            )
    finally:
        killer.join()
    assert "reading table" in str(err.value) and "slow_questionnaires" in str(err.value)
    assert not out.exists() or not any(out.rglob("*"))


def test_postgres_views_enums_and_schema_key(pg, config):
    """A site's schema of views, with an enum column, named through ``export_schema``."""
    others = ", ".join(
        f"CREATE VIEW site.{t} AS SELECT * FROM ldj.{t};"
        for t in ("implementation", "checklist", "clients", "treatments", "questionnaires")
    )
    pg.psql(
        "DROP SCHEMA IF EXISTS site CASCADE; CREATE SCHEMA site; "
        "CREATE TYPE site.care AS ENUM ('ambulant', 'dagbehandeling', 'verblijf'); "
        "CREATE VIEW site.ldj_teams AS SELECT team_id, institution_id, "
        "care_type::site.care AS care_type, arm FROM ldj.teams; " + others.replace(", ", " ")
    )
    uri = pg.uri()
    export, _ = extract(parse_source(uri, "site", {"teams": "ldj_teams"}), config, KEY)
    reference, _ = extract(parse_source(pg.uri(schema="ldj")), config, KEY)
    for table, frame in reference.tables().items():
        pd.testing.assert_frame_equal(getattr(export, table), frame, obj=table)


def test_unknown_selection_is_named_before_reading(duck_uri, config):
    chosen = {**config, "selection": {**config["selection"], "institutions": ["nowhere"]}}
    with pytest.raises(SourceError, match="'selection.institutions'.*: nowhere"):
        extract(parse_source(duck_uri), chosen, KEY)
    late = {**config, "selection": {**config["selection"], "window_start": "2030-01-01"}}
    with pytest.raises(SourceError, match="table implementation .* empty for the selection"):
        extract(parse_source(duck_uri), late, KEY)


def test_loader_writes_keys_as_constraints(pg, duck_uri):
    kinds = pg.psql(
        "SELECT constraint_type, count(*) FROM information_schema.table_constraints "
        "WHERE table_schema = 'ldj' AND constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') "
        "GROUP BY 1 ORDER BY 1"
    )
    assert kinds.splitlines() == ["FOREIGN KEY|6", "PRIMARY KEY|6"]
    con = duckdb.connect(duck_uri.removeprefix("duckdb://"), read_only=True)
    found = con.sql(
        "SELECT constraint_type, count(*) FROM duckdb_constraints() "
        "WHERE constraint_type IN ('PRIMARY KEY', 'FOREIGN KEY') GROUP BY 1 ORDER BY 1"
    ).fetchall()
    con.close()
    assert found == [("FOREIGN KEY", 6), ("PRIMARY KEY", 6)]
    types = pg.psql(
        "SELECT data_type FROM information_schema.columns WHERE table_schema = 'ldj' "
        "AND table_name = 'questionnaires' AND column_name IN ('filled_on', 'raw_total') "
        "ORDER BY column_name"
    )
    assert types.splitlines() == ["date", "double precision"]


def test_loader_refuses_an_export_that_breaks_a_key(tmp_path, export_dir):
    import shutil

    from ldj_analysis.dbload import main

    bad = tmp_path / "bad"
    shutil.copytree(export_dir, bad)
    lines = (bad / "treatments.csv").read_text().splitlines()
    lines[1] = lines[1].replace(lines[1].split(",")[1], "K_NOBODY", 1)
    (bad / "treatments.csv").write_text("\n".join(lines) + "\n")
    assert main([str(bad), f"duckdb://{tmp_path / 'x.duckdb'}"]) == 1
    assert not (tmp_path / "x.duckdb").exists()


def test_password_from_a_service_file(pg, config, tmp_path, monkeypatch):
    service = tmp_path / "pg_service.conf"
    service.write_text(
        f"[ldjtest]\nhost=127.0.0.1\nport={pg.port}\ndbname=ldj\nuser={pg.user}\n"
        f"password={pg.password}\n"
    )
    monkeypatch.delenv("PGPASSWORD")
    monkeypatch.setenv("PGSERVICEFILE", str(service))
    export, provenance = extract(
        parse_source("postgresql://?service=ldjtest&schema=ldj"), config, KEY
    )
    assert len(export.teams) == 16
    assert pg.password not in str(provenance)


def test_a_date_pandas_cannot_hold_is_named(tmp_path, duck_uri, config):
    uri = _copy_duck(
        duck_uri,
        tmp_path / "far.duckdb",
        "UPDATE treatments SET end_date = DATE '9999-12-31' WHERE treatment_id = "
        "(SELECT min(treatment_id) FROM treatments)",
    )
    with pytest.raises(SourceError, match=r"table treatments in .*: column end_date: a date"):
        extract(parse_source(uri), config, KEY)


def test_implausible_birth_date_is_judged_in_the_database(tmp_path, duck_uri, config):
    """The date-range rule on birth_date runs in SQL; validation excludes the client (and
    what depends on it) as for an export folder, without the birth date leaving."""
    uri = _copy_duck(
        duck_uri,
        tmp_path / "old.duckdb",
        "UPDATE clients SET birth_date = DATE '1900-01-01' WHERE client_id = "
        "(SELECT min(client_id) FROM clients)",
    )
    export, _ = extract(parse_source(uri), config, KEY)
    assert export.clients["_birth_date_implausible"].sum() == 1
    result = validate_export(export, config)
    excluded = result.exclusions[result.exclusions["table"] == "clients"]
    assert len(excluded) == 1
    assert excluded["reason"].iloc[0].startswith("birth_date: implausible date: outside")
    assert excluded["key"].iloc[0] == export.clients["client_id"].iloc[0]  # a pseudonym


@pytest.mark.parametrize("padded_client", [False, True])
def test_lookups_found_while_extracting_equal_validations_own(
    tmp_path, export_dir, config, padded_client
):
    """The client rows the extraction hands to validation (``known``) are validation's own
    lookups, with stray, missing and padded ids; when a client id needs trimming (its
    cleaned ids are then out of the order read) the extraction hands none and validation
    looks them up itself."""
    import duckdb

    from ldj_analysis.dbload import load_database
    from ldj_analysis.export import KEYS
    from ldj_analysis.extract import _extract
    from ldj_analysis.key_lookups import key_lookups
    from ldj_analysis.validation import validate_export

    path = tmp_path / "ldj.duckdb"
    load_database(export_dir, f"duckdb://{path}", keys=False)
    con = duckdb.connect(str(path))
    con.execute(
        "UPDATE questionnaires SET client_id = 'NOBODY' WHERE record_id IN "
        "(SELECT record_id FROM questionnaires ORDER BY record_id LIMIT 3)"
    )
    con.execute(
        "UPDATE questionnaires SET client_id = NULL WHERE record_id IN "
        "(SELECT record_id FROM questionnaires ORDER BY record_id DESC LIMIT 2)"
    )
    con.execute(
        "UPDATE treatments SET client_id = ' ' || client_id || ' ' WHERE treatment_id IN "
        "(SELECT treatment_id FROM treatments ORDER BY treatment_id LIMIT 2)"
    )
    con.execute(
        "UPDATE treatments SET client_id = 'NOBODY2' WHERE treatment_id IN "
        "(SELECT treatment_id FROM treatments ORDER BY treatment_id DESC LIMIT 1)"
    )
    if padded_client:
        con.execute(
            "UPDATE clients SET client_id = ' ' || client_id WHERE client_id = "
            "(SELECT max(client_id) FROM clients)"
        )
    con.close()
    export, _, known = _extract(parse_source(f"duckdb://{path}"), config, KEY)
    assert ("q_client" in known) is not padded_client
    assert known["distinct:questionnaires"]  # read in record_id order, distinct
    own = key_lookups(export.tables(), KEYS)
    for name, value in known.items():
        np.testing.assert_array_equal(value, own[name], err_msg=name)
    if "q_client" in known:
        assert (known["q_client"] < 0).sum() == 5 and (known["tr_client"] < 0).sum() == 1
    with_known = validate_export(export, config, known=known)
    plain = validate_export(export, config)
    pd.testing.assert_frame_equal(with_known.exclusions, plain.exclusions)
    assert with_known.excluded.keys() == plain.excluded.keys()
    for table, mask in plain.excluded.items():
        np.testing.assert_array_equal(with_known.excluded[table], mask)
    for ref, rows in plain.row_refs.items():
        np.testing.assert_array_equal(with_known.row_refs[ref], rows)
