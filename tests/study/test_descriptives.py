"""Tables 2-4, the sample table and the writer, with numbers worked out by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldj_analysis.derive import derive, write_derived
from ldj_analysis.descriptives import sample, table2, table3, table4

from .builders import TEST_KEY, client, config, make_export, q, treatment


def test_table2_and_3():
    tp = pd.DataFrame(
        {
            "condition": ["control", "control", "control", "full"],
            "collection": [10.0, 20.0, 60.0, 50.0],
            "use": [1.0, 2.0, np.nan, 3.0],
            "preconditions": 0.0,
            "total": 0.0,
            "response": [0.0, 50.0, np.nan, 100.0],
        }
    )
    t2 = table2(tp).set_index(["domain", "condition"])
    row = t2.loc[("collection", "control")]
    assert (row.n, row["mean"], row["min"], row["max"]) == (3, 30.0, 10.0, 60.0)
    assert row.sd == pytest.approx(np.sqrt(((20**2) + 10**2 + 30**2) / 2))
    assert t2.loc[("use", "control"), "n"] == 2
    assert t2.loc[("collection", "partial"), "n"] == 0
    t3 = table3(tp).set_index("condition")
    assert t3.loc["control", "n"] == 2 and t3.loc["control", "mean"] == 25.0


def test_table4_effect_size():
    pairs = pd.DataFrame(
        {
            "condition": "control",
            "domain": "opgroei",
            "pre_z": [1.0, 3.0, 2.0],
            "post_z": [0.0, 1.0, np.nan],
        }
    )
    row = table4(pairs).iloc[0]
    # Pairs with both z: pre 1, 3 (M 2, SD sqrt 2), post 0, 1 (M .5, SD sqrt .5).
    assert row.n == 2 and row.pre_mean == 2.0 and row.post_mean == 0.5
    assert row.es == pytest.approx(1.5 / np.sqrt((2 + 0.5) / 2))


def test_sample_uses_first_pair_per_client():
    pairs = pd.DataFrame(
        {
            "client_key": ["a", "a", "b", "c"],
            "sex": ["m", "m", "f", np.nan],
            "domain": ["opvoed", "opgroei", "opgroei", "opgroei"],
            "pre_date": pd.to_datetime(["2018-01-01"] * 4),
            "post_date": pd.to_datetime(["2018-05-01", "2018-05-01", "2018-06-01", "2018-06-01"]),
            "age": [10.0, 99.0, 14.0, 12.0],
            "duration_days": [100.0, 999.0, 200.0, 300.0],
        }
    )
    s = sample(pairs).set_index("group")
    # Client a's first pair: same dates, domain opgroei first -> age 99.
    assert s.loc["all", "n"] == 3 and s.loc["all", "age_mean"] == pytest.approx((99 + 14 + 12) / 3)
    assert s.loc["boys", "age_mean"] == 99.0 and s.loc["girls", "duration_mean"] == 200.0


def test_writer(tmp_path, norms):
    ex = make_export(
        clients=[client("C1")],
        treatments=[treatment("B1", "C1", end="2018-03-10")],
        questionnaires=[
            q("S", "C1", "begin", "2017-06-10", 40),
            q("E", "C1", "eind", "2018-03-01", 20),
        ],
    )
    d = derive(ex, config(), norms=norms, pseudonym_key=TEST_KEY)
    assert (
        d.pairs.iloc[0].duration_days
        == (pd.Timestamp("2018-03-10") - pd.Timestamp("2017-06-01")).days
    )
    assert d.pairs.iloc[0].age == pytest.approx(
        (pd.Timestamp("2018-03-01") - pd.Timestamp("2008-01-01")).days / 365.25
    )
    write_derived(
        d,
        tmp_path / "d/tp.parquet",
        tmp_path / "d/pairs.parquet",
        tmp_path / "d/ex.csv",
        tmp_path / "t",
    )
    back = pd.read_parquet(tmp_path / "d/pairs.parquet")
    assert list(back.columns) == list(d.pairs.columns) and len(back) == 1
    assert {p.name for p in (tmp_path / "t").iterdir()} == {
        "table1.csv",
        "table2.csv",
        "table3.csv",
        "table4.csv",
        "sample.csv",
        "flow.csv",
    }


def test_flow_counts_validation_exclusions(norms):
    ex = make_export(
        clients=[client("C1")],
        treatments=[treatment("B1", "C1")],
        questionnaires=[
            q("S", "C1", "begin", "2017-06-10", 40),
            q("E", "C1", "eind", "2018-03-01"),
        ],
    )
    prior = pd.DataFrame(
        {
            "table": ["questionnaires", "clients"],
            "key": ["Q9", "C9"],
            "step": "validation",
            "reason": "client not in clients table",
        }
    )
    d = derive(ex, config(), norms=norms, validation_exclusions=prior, pseudonym_key=TEST_KEY)
    f = d.flow.set_index("step")["count"]
    assert f["questionnaire records in the export"] == 3
    assert f["excluded: record breaks the export contract (validation)"] == 1
    assert f["questionnaire records after validation"] == 2
    assert f["lists in analysed pairs"] == 2
    assert d.exclusions["key"].tolist()[:2] == ["Q9", "C9"]


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.one_of(st.none(), st.sampled_from(["k1", "k2", "K1", "k10", "é"])),
            st.integers(0, 3),
            st.integers(0, 3),
            st.one_of(st.none(), st.sampled_from(["opgroei", "opvoed", "other"])),
        ),
        max_size=25,
    )
)
def test_first_pair_per_client_is_the_first_in_sorted_order(rows):
    """The definition: sort by client pseudonym (missing last), end date, start date and
    domain order (stable), keep each client's first row."""
    from ldj_analysis.descriptives import first_pair_per_client
    from ldj_analysis.vocabulary import OUTCOME_DOMAINS

    day = pd.Timestamp("2020-01-01")
    pairs = pd.DataFrame(
        {
            "client_key": pd.Series([r[0] for r in rows], dtype="str"),
            "post_date": [day + pd.Timedelta(days=r[1]) for r in rows],
            "pre_date": [day - pd.Timedelta(days=r[2]) for r in rows],
            "domain": pd.Series([r[3] for r in rows], dtype="str"),
        }
    )
    rank = {d: i for i, d in enumerate(OUTCOME_DOMAINS)}
    order = pairs.assign(rank=pairs["domain"].map(rank).fillna(len(rank))).sort_values(
        ["client_key", "post_date", "pre_date", "rank"], kind="stable"
    )
    want = pairs.loc[order.drop_duplicates("client_key").index]
    pd.testing.assert_frame_equal(first_pair_per_client(pairs), want)


def _pairs_of(rows) -> pd.DataFrame:
    day = pd.Timestamp("2020-01-01")
    return pd.DataFrame(
        {
            "client_key": pd.Series([r[0] for r in rows], dtype="str"),
            "post_date": [day + pd.Timedelta(days=r[1]) for r in rows],
            "pre_date": [day - pd.Timedelta(days=r[2]) for r in rows],
            "domain": pd.Series([r[3] for r in rows], dtype="str"),
            "sex": pd.Series([r[4] for r in rows], dtype="str"),
            "age": pd.Series([r[5] for r in rows], dtype="float64"),
            "duration_days": pd.Series([r[6] for r in rows], dtype="float64"),
        }
    )


_PAIR_ROWS = st.lists(
    st.tuples(
        st.one_of(st.none(), st.sampled_from(["k1", "k2", "K1", "k10", "é"])),
        st.integers(0, 3),
        st.integers(0, 3),
        st.one_of(st.none(), st.sampled_from(["opgroei", "opvoed", "other"])),
        st.one_of(st.none(), st.sampled_from(["m", "f", "x"])),
        st.one_of(st.none(), st.floats(4, 18, allow_nan=False)),
        st.one_of(st.none(), st.integers(1, 900).map(float)),
    ),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(_PAIR_ROWS)
def test_first_pair_per_client_unsorted_is_the_same_rows_in_order_of_appearance(rows):
    """``sort=False``: the same rows as ``sort=True``, clients in order of first appearance."""
    from ldj_analysis.descriptives import first_pair_per_client

    pairs = _pairs_of(rows)
    want = first_pair_per_client(pairs)
    appearance = {k: i for i, k in reversed(list(enumerate(pairs["client_key"].fillna("<NA>"))))}
    want = want.iloc[np.argsort([appearance[k] for k in want["client_key"].fillna("<NA>")])]
    pd.testing.assert_frame_equal(first_pair_per_client(pairs, sort=False), want)


@settings(max_examples=200, deadline=None)
@given(_PAIR_ROWS)
def test_sample_is_described_from_each_clients_first_pair(rows):
    """The definition: each client's first pair in sorted order (client, end date, start
    date, domain order), then per group the distinct clients and the sorted values' stats."""
    from ldj_analysis.vocabulary import OUTCOME_DOMAINS

    pairs = _pairs_of(rows)
    rank = {d: i for i, d in enumerate(OUTCOME_DOMAINS)}
    order = pairs.assign(rank=pairs["domain"].map(rank).fillna(len(rank))).sort_values(
        ["client_key", "post_date", "pre_date", "rank"], kind="stable"
    )
    first = pairs.loc[order.drop_duplicates("client_key").index]
    want = []
    for group, sel in (("all", first), ("boys", first[first.sex == "m"])):
        age = pd.Series(np.sort(sel["age"].dropna().to_numpy()))
        dur = pd.Series(np.sort(sel["duration_days"].dropna().to_numpy()))
        want.append(
            [group, sel["client_key"].nunique(), age.mean(), age.std(), age.min(), age.max()]
            + [dur.mean(), dur.std()]
        )
    got = sample(pairs).set_index("group")
    for group, n, *stats in want:
        assert got.loc[group, "n"] == n
        assert got.loc[group].iloc[1:].tolist() == pytest.approx(stats, nan_ok=True, abs=0)
