"""Validation's key lookups and record-level reference and life-date checks (the queries of
src/ldj_analysis/record_references.sql) find exactly the rows of the version kept in
record_checks_oracle.py: the same referred rows, and rule by rule, in the same order, the
same records, on random small tables (keys missing, unknown, repeated; birth dates, or a
database source's ages) and on the scale scenario with every kind of problem."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldj_analysis.export import KEYS
from ldj_analysis.key_lookups import _in_row_order, key_lookups
from ldj_analysis.validation import _check_record_references

sys.path.insert(0, str(Path(__file__).resolve().parent))

from record_checks_oracle import Found, oracle_positions, oracle_record_problems  # noqa: E402
from scenario import broken_export  # noqa: E402

CLIENT = st.one_of(st.none(), st.sampled_from(["K1", "K2", "K3", "k1"]))
TREATMENT = st.one_of(st.none(), st.sampled_from(["B1", "B2", "B3"]))
TEAM = st.one_of(st.none(), st.sampled_from(["T1", "T2"]))
DAY = st.one_of(st.none(), st.integers(0, 4))
AGE = st.one_of(st.none(), st.integers(-2, 2))


def _dates(days: list[int | None]) -> pd.Series:
    start = pd.Timestamp("2018-01-01")
    return pd.Series([pd.NaT if d is None else start + pd.Timedelta(days=d) for d in days])


def _same(tables: dict[str, pd.DataFrame], known: dict | None = None) -> None:
    lookups, positions = key_lookups(tables, KEYS, known), oracle_positions(tables)
    for name, rows in positions.items():
        np.testing.assert_array_equal(lookups[name], rows, err_msg=name)
    got, want = Found(tables), oracle_record_problems(tables, positions)
    _check_record_references(got, lookups)
    for table in ("treatments", "questionnaires"):
        assert [(c, r) for _, c, r in got.bad_rows[table]] == [
            (c, r) for _, c, r in want.bad_rows[table]
        ], table
        for (mask, column, rule), (expected, _, _) in zip(
            got.bad_rows[table], want.bad_rows[table], strict=True
        ):
            np.testing.assert_array_equal(mask, expected, err_msg=f"{table}.{column}: {rule}")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(CLIENT, DAY), max_size=5),
    st.lists(st.tuples(TREATMENT, CLIENT, TEAM, DAY, AGE), max_size=6),
    st.lists(st.tuples(CLIENT, TREATMENT, DAY, AGE), max_size=10),
    st.booleans(),
    st.lists(TEAM, min_size=1, max_size=3),
    st.booleans(),
)
def test_record_checks_equal_the_array_version(
    clients, treatments, lists, birth_dates, teams, client_rows
):
    """``birth_dates``: an export with clients' birth dates; else a database source's
    clients without them and the ages in days it computed at each event. ``client_rows``:
    as the extraction does when the clients' ids are distinct, the client row of every
    treatment and list is given (-1: none or an id in no client row), and records are
    joined to their clients by it."""
    client_frame = pd.DataFrame({"client_id": pd.Series([c for c, _ in clients], dtype="str")})
    if birth_dates:
        client_frame["birth_date"] = _dates([d for _, d in clients])
    treatment_frame = pd.DataFrame(
        {
            "treatment_id": pd.Series([t[0] for t in treatments], dtype="str"),
            "client_id": pd.Series([t[1] for t in treatments], dtype="str"),
            "team_id": pd.Series([t[2] for t in treatments], dtype="str"),
            "start_date": _dates([t[3] for t in treatments]),
        }
    )
    list_frame = pd.DataFrame(
        {
            "record_id": pd.Series([f"Q{i}" for i in range(len(lists))], dtype="str"),
            "client_id": pd.Series([q[0] for q in lists], dtype="str"),
            "treatment_id": pd.Series([q[1] for q in lists], dtype="str"),
            "filled_on": _dates([q[2] for q in lists]),
        }
    )
    if not birth_dates:
        treatment_frame["_age_days_at_start"] = pd.array([t[4] for t in treatments], "Int64")
        list_frame["_age_days"] = pd.array([q[3] for q in lists], "Int64")
    tables = {
        "teams": pd.DataFrame({"team_id": pd.Series(teams, dtype="str")}),
        "clients": client_frame,
        "treatments": treatment_frame,
        "questionnaires": list_frame,
    }
    ids = [c for c, _ in clients]
    if client_rows and None not in ids and len(set(ids)) == len(ids):
        known = {"distinct:clients": True}
        for table, name in (("treatments", "tr_client"), ("questionnaires", "q_client")):
            refs = tables[table]["client_id"]
            known[name] = np.array([ids.index(c) if c in ids else -1 for c in refs], np.int64)
        _same(tables, known)
    else:
        _same(tables)


@pytest.mark.slow
def test_record_checks_on_the_scale_scenario():
    """Unknown clients, treatments and teams, treatments of another client, records dated
    before the client's birth: each rule finds rows, the same as the array version's."""
    export = broken_export()
    tables = export.tables()
    tr, q = tables["treatments"].copy(), tables["questionnaires"].copy()
    born = tables["clients"].set_index("client_id")["birth_date"]
    tr.loc[:9, "start_date"] = tr["client_id"].iloc[:10].map(born) - pd.Timedelta(days=1)
    q.loc[:9, "filled_on"] = q["client_id"].iloc[:10].map(born) - pd.Timedelta(days=1)
    tables |= {"treatments": tr, "questionnaires": q}
    _same(tables)
    found = Found(tables)
    _check_record_references(found, key_lookups(tables, KEYS))
    assert len(found.bad_rows["treatments"]) == 3
    assert len(found.bad_rows["questionnaires"]) == 4


def test_a_reference_query_giving_a_record_twice_is_an_error():
    """Told that the clients' ids are distinct when they are not, the join gives a list
    twice: an error, not positions silently overwritten."""
    from ldj_analysis.key_lookups import _references, connect

    text = pd.Series(["K1", "K1"], dtype="str")
    tables = {
        "teams": pd.DataFrame({"team_id": pd.Series(["T1"], dtype="str")}),
        "clients": pd.DataFrame({"client_id": text, "birth_date": _dates([0, 0])}),
        "treatments": pd.DataFrame(
            {
                "treatment_id": pd.Series(["B1"], dtype="str"),
                "client_id": text[:1],
                "team_id": pd.Series(["T1"], dtype="str"),
                "start_date": _dates([1]),
            }
        ),
        "questionnaires": pd.DataFrame(
            {
                "client_id": text[:1],
                "treatment_id": pd.Series(["B1"], dtype="str"),
                "filled_on": _dates([2]),
            }
        ),
    }
    distinct = {f"distinct:{t}": True for t in ("clients", "teams", "treatments")}
    with connect() as con, pytest.raises(AssertionError, match="2 rows for 1 records"):
        _references(con, tables, distinct, {})


def test_a_result_read_in_batches_is_placed_in_row_order():
    """A query's result, read a batch at a time in no order, lands at its rows: each row's
    values, over several batches, as an ORDER BY would give them."""
    import duckdb
    import pyarrow as pa

    n = 10_000
    rows = np.random.default_rng(1).permutation(n).astype(np.int32)
    con = duckdb.connect()
    con.register("t", pa.table({"row": rows, "v": rows * 3, "f": rows % 7 == 0}))
    placed = _in_row_order(con.sql("SELECT row, v, f FROM t").to_arrow_reader(1000), n)
    assert placed["v"].dtype == np.int32 and placed["f"].dtype == bool
    assert (placed["v"] == np.arange(n) * 3).all() and (
        placed["f"] == (np.arange(n) % 7 == 0)
    ).all()
    with pytest.raises(AssertionError, match=f"gave {n} rows for {n + 1} records"):
        _in_row_order(con.sql("SELECT row, v FROM t").to_arrow_reader(1000), n + 1)
