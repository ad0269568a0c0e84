"""The extraction's Arrow steps on their own: key order, fingerprints, keyed hashes."""

from __future__ import annotations

import hashlib
import hmac

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldj_analysis import extract
from ldj_analysis.extract import put_in_key_order, table_fingerprints
from ldj_analysis.pseudonym import keyed_hashes, pseudonymise


def _sorted_by_arrow(table: pa.Table) -> pa.Table:
    return table.take(pc.sort_indices(table.column("k")))


def in_key_order(table: pa.Table, key: str) -> pa.Table:
    """``table`` put in key order by :func:`put_in_key_order` (in place, on its columns)."""
    columns = dict(zip(table.column_names, table.columns, strict=True))
    put_in_key_order(columns, key)
    return pa.table(columns)


@st.composite
def _tables(draw):
    """Key columns as databases return them: sorted, in rotated or shuffled runs, or any
    order; with duplicates, missing keys and several chunks."""
    keys = draw(st.lists(st.sampled_from(["R1", "R10", "R2", "R20", "é", "R3", ""]), max_size=40))
    keys = sorted(keys)
    layout = draw(st.sampled_from(["sorted", "runs", "random"]))
    if layout == "runs" and keys:
        cuts = sorted(draw(st.lists(st.integers(0, len(keys)), max_size=5)))
        parts = [keys[a:b] for a, b in zip([0, *cuts], [*cuts, len(keys)], strict=True)]
        keys = [k for part in draw(st.permutations(parts)) for k in part]
    elif layout == "random":
        keys = draw(st.permutations(keys))
    if keys and draw(st.booleans()):
        keys[draw(st.integers(0, len(keys) - 1))] = None
    table = pa.table({"k": pa.array(keys, pa.string()), "row": np.arange(len(keys))})
    split = draw(st.integers(0, len(keys)))
    return pa.concat_tables([table.slice(0, split), table.slice(split)])


@settings(max_examples=300, deadline=None)
@given(_tables())
def test_key_order_is_a_sort_by_the_key(table):
    got = in_key_order(table, "k")
    want = _sorted_by_arrow(table)
    assert got.column("k").to_pylist() == want.column("k").to_pylist()
    assert sorted(got.column("row").to_pylist()) == list(range(table.num_rows))
    keys = table.column("k").to_pylist()
    if None not in keys and len(set(keys)) == len(keys):  # distinct: the rows are fixed
        assert got.to_pylist() == want.to_pylist()


def test_runs_are_reordered_without_a_sort(monkeypatch):
    """Runs that do not overlap are put in order as slices; overlapping runs are sorted."""
    table = pa.table({"k": ["R5", "R6", "R1", "R2", "R3", "R4"], "v": range(6)})

    def no_sort(*args, **kwargs):
        raise AssertionError("sorted although the runs do not overlap")

    monkeypatch.setattr(extract.pc, "sort_indices", no_sort)
    assert in_key_order(table, "k").column("v").to_pylist() == [2, 3, 4, 5, 0, 1]
    overlapping = pa.table({"k": ["R2", "R4", "R1", "R3"], "v": range(4)})
    with pytest.raises(AssertionError, match="sorted although"):
        in_key_order(overlapping, "k")


def _frame(**columns) -> pd.DataFrame:
    return pd.DataFrame(columns)


def _fingerprint(frame: pd.DataFrame) -> str:
    from ldj_analysis.export import Export

    tables = {t: pd.DataFrame() for t in Export.__dataclass_fields__}
    tables["clients"] = frame
    return dict((n, h) for n, h, _ in table_fingerprints(Export(**tables)))["clients (extracted)"]


def test_fingerprint_depends_on_the_records_not_on_arrow_chunks():
    text = ["ab", None, "c", "", "de"]
    chunked = pa.chunked_array([pa.array(text[:2]), pa.array(text[2:])])
    sliced = pa.array(["zz", *text]).slice(1)
    base = _frame(a=pd.Series(text, dtype="str"), n=pd.Series([1, None, 3, 4, 5], dtype="Int64"))
    same = [
        _frame(a=pd.Series(pd.array(chunked, dtype="str")), n=base["n"]),
        _frame(a=pd.Series(pd.array(sliced, dtype="str")), n=base["n"]),
    ]
    differ = [
        _frame(a=pd.Series(["ab", "", "c", "", "de"], dtype="str"), n=base["n"]),  # null vs ""
        _frame(a=pd.Series(["a", "b", "c", "", "de"], dtype="str"), n=base["n"]),  # boundary
        _frame(a=base["a"], n=pd.Series([1, 0, 3, 4, 5], dtype="Int64")),  # null vs 0
        _frame(b=base["a"], n=base["n"]),  # column name
    ]
    assert all(_fingerprint(f) == _fingerprint(base) for f in same)
    assert len({_fingerprint(f) for f in [base, *differ]}) == 1 + len(differ)
    dates = pd.Series(pd.to_datetime(["2020-01-01", None]))
    assert _fingerprint(_frame(d=dates)) != _fingerprint(_frame(d=dates.fillna(pd.Timestamp(0))))


@pytest.mark.parametrize("length", [16, 15, 8, 64])
@pytest.mark.parametrize("key", [b"k", b"x" * 64, b"y" * 100, "sleutel é".encode()])
def test_keyed_hashes_are_hmac_sha256(key, length):
    ids = pd.Series(["a", None, "é", "C001", "a", " x "], dtype="str", index=[5, 4, 3, 2, 1, 0])
    got = pseudonymise(ids, key, length)
    want = [
        None if pd.isna(v) else hmac.digest(key, v.encode(), hashlib.sha256).hex()[:length]
        for v in ids
    ]
    assert [None if pd.isna(g) else g for g in got] == want
    assert got.dtype == "str" and list(got.index) == [5, 4, 3, 2, 1, 0]


def test_keyed_hash_collisions_are_refused():
    with pytest.raises(ValueError, match="pseudonym collision among 1000 client ids"):
        keyed_hashes(pa.array([str(i) for i in range(1000)]), b"k", 2)


@pytest.mark.parametrize(
    "ids",
    [
        ["C1", "C2", "C3"],  # as the query reads them: the fast path
        ["C2", "C1", "C3"],
        ["C1", "C1", "C2"],
        ["C1", None, "C2"],
        ["C1"],
    ],
)
def test_pseudonyms_of_clients_in_any_order(ids):
    from ldj_analysis.extract import Pseudonyms

    key = b"sleutel"
    pseudonyms = Pseudonyms(key)
    got = pseudonyms.resolve(
        pseudonyms.of_clients(pa.array(ids), pa.chunked_array([pa.array(ids)]))
    )
    other = pseudonyms.resolve(pseudonyms.of(pa.array(["C3", "X9", None, "C1"])))
    want = pseudonymise(pd.Series(ids, dtype="str"), key)
    assert got.isna().tolist() == want.isna().tolist()
    assert got.dropna().tolist() == want.dropna().tolist()
    other_want = pseudonymise(pd.Series(["C3", "X9", None, "C1"], dtype="str"), key)
    assert other.fillna("-").tolist() == other_want.fillna("-").tolist()
