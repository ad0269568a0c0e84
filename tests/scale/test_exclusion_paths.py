"""Validation's exclusion and working-copy paths for national scale (reason codes, foreign-key
positions instead of id lookups, excluded rows left out while writing) against the plain
pandas reference they replaced: reasons as text per row, ``isin`` on the excluded ids,
``frame.loc[~excluded]`` and ``DataFrame.to_parquet``."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from hypothesis import given
from hypothesis import strategies as st

import ldj_analysis.validation as validation
from ldj_analysis.config import validate_config
from ldj_analysis.export import KEYS, ROW_REFS, Export
from ldj_analysis.validation import RECORD_TABLES, read_validated, write_working_copy

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenario import broken_export  # noqa: E402

TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "b", "B", "é", "ab", " a"]))


def _reference_exclude(collector) -> tuple[dict[str, np.ndarray], pd.DataFrame]:
    """The exclusion masks and log as validation computed them before the coded path."""
    t = collector.tables
    drop: dict[str, np.ndarray] = {}
    logs = []
    for table in RECORD_TABLES:
        frame = t[table]
        reasons = pd.Series("", index=frame.index, dtype=object)
        for mask, column, rule in collector.bad_rows[table]:
            text = f"{column}: {rule}" if column else rule
            reasons = reasons.where(~mask | (reasons != ""), text)
        mask = (reasons != "").to_numpy()
        dropped = {k: v for k, v in drop.items() if v.any()}
        if table == "treatments" and "clients" in dropped:
            gone = t["clients"]["client_id"][dropped["clients"]].dropna()
            cascade = frame["client_id"].isin(gone).to_numpy() & ~mask
            reasons[cascade] = "client excluded"
            mask = mask | cascade
        if table == "questionnaires":
            cascade = np.zeros(len(frame), bool)
            if "clients" in dropped:
                gone = t["clients"]["client_id"][dropped["clients"]].dropna()
                cascade |= frame["client_id"].isin(gone).to_numpy()
            if "treatments" in dropped:
                gone = t["treatments"]["treatment_id"][dropped["treatments"]].dropna()
                cascade |= frame["treatment_id"].isin(gone).to_numpy()
            cascade &= ~mask
            reasons[cascade] = "its client or treatment was excluded"
            mask = mask | cascade
        drop[table] = mask
        if mask.any():
            key = frame[KEYS[table][0]].to_numpy(dtype=object)[mask]
            logs.append(
                pd.DataFrame(
                    {"table": table, "key": key, "step": "validation", "reason": reasons[mask]}
                )
            )
    return drop, pd.concat(logs, ignore_index=True)


def _with_client_problems(export: Export, seed: int = 11) -> Export:
    """The scale scenario plus excluded clients (whose treatments and lists cascade) and
    records dated before the client's birth."""
    rng = np.random.default_rng(seed)
    clients, tr, q = export.clients.copy(), export.treatments.copy(), export.questionnaires.copy()
    clients.loc[rng.choice(len(clients), 25, replace=False), "sex"] = "x"
    born = clients.set_index("client_id")["birth_date"]
    clients.loc[rng.choice(len(clients), 5, replace=False), "client_id"] = np.nan
    early = rng.choice(len(tr), 30, replace=False)
    tr.loc[early, "start_date"] = tr["client_id"].iloc[early].map(born).to_numpy() - pd.Timedelta(
        days=3
    )
    early = rng.choice(len(q), 30, replace=False)
    q.loc[early, "filled_on"] = q["client_id"].iloc[early].map(born).to_numpy() - pd.Timedelta(
        days=1
    )
    return Export(export.teams, export.implementation, export.checklist, clients, tr, q)


@pytest.fixture(scope="module")
def checked():
    """The export, the validation result and the reference masks and log."""
    export = _with_client_problems(broken_export())
    seen = {}
    real = validation._exclude

    def spy(collector, lookups):
        seen["reference"] = _reference_exclude(collector)
        return real(collector, lookups)

    validation._exclude = spy
    try:
        result = validation.validate_export(export, validate_config({}))
    finally:
        validation._exclude = real
    return export, result, *seen["reference"]


def test_exclusions_equal_the_pandas_reference(checked):
    _, result, drop, log = checked
    assert set(result.excluded) == set(drop)
    for table, mask in drop.items():
        np.testing.assert_array_equal(result.excluded[table], mask, err_msg=table)
    pd.testing.assert_frame_equal(result.exclusions, log)
    reasons = set(log["reason"])
    assert {"client excluded", "its client or treatment was excluded"} <= reasons
    assert any("before the client's birth_date" in r for r in reasons)
    assert drop["clients"].sum() == 30


def test_valid_export_and_rows(checked):
    export, result, drop, _ = checked
    for table, frame in export.tables().items():
        want = frame.loc[~drop[table]].reset_index(drop=True) if table in drop else frame
        pd.testing.assert_frame_equal(getattr(result.export, table), want, obj=table)
        assert result.rows()[table] == len(want)


@pytest.mark.parametrize("slice_rows", [None, 997])
def test_working_copy_equals_the_filtered_frames_written_by_pandas(
    checked, slice_rows, tmp_path, monkeypatch
):
    """Leaving excluded rows out while writing (in slices) gives the working copy of
    ``frame[kept].assign(row refs, categoricals).to_parquet()``."""
    _, result, _, _ = checked
    if slice_rows:
        monkeypatch.setattr(validation, "WRITE_SLICE_ROWS", slice_rows)
    write_working_copy(result, tmp_path / "new")
    (tmp_path / "old").mkdir()
    for table, frame in result.export.tables().items():
        refs = {col: result.row_refs[key] for key, (_, col) in ROW_REFS.items() if key[0] == table}
        refs |= {c: frame[c].astype("category") for c in validation._CATEGORICAL.get(table, ())}
        frame.assign(**refs).to_parquet(tmp_path / "old" / f"{table}.parquet", index=False)
        new = pq.read_table(tmp_path / "new" / f"{table}.parquet")
        old = pq.read_table(tmp_path / "old" / f"{table}.parquet")
        assert new.schema.remove_metadata().equals(old.schema.remove_metadata()), table
        assert new.equals(old), table
    got, want = read_validated(tmp_path / "new"), read_validated(tmp_path / "old")
    for table, frame in want.tables().items():
        pd.testing.assert_frame_equal(getattr(got, table), frame, obj=table)


@given(st.lists(TEXT, max_size=40), st.data())
def test_coded_text_equals_pandas_categorical(values, data):
    series = pd.Series(values, dtype="str")
    kept = np.asarray(
        data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values))), bool
    )
    codes, dtype = validation._coded_text(series, kept)
    want = series[kept].astype("category")
    assert dtype == want.dtype
    np.testing.assert_array_equal(codes[kept], want.cat.codes.to_numpy())
    codes, dtype = validation._coded_text(series, None)
    want = series.astype("category")
    assert dtype == want.dtype
    np.testing.assert_array_equal(codes, want.cat.codes.to_numpy())
    cut = len(values) // 2  # as read from CSV: several Arrow chunks
    chunked = pa.chunked_array(
        [pa.array(values[:cut], pa.large_string()), pa.array(values[cut:], pa.large_string())]
    )
    codes, dtype = validation._coded_text(pd.Series(pd.array(chunked, dtype="str")), kept)
    want = series[kept].astype("category")
    assert dtype == want.dtype
    np.testing.assert_array_equal(codes[kept], want.cat.codes.to_numpy())


@given(st.lists(TEXT, min_size=1, max_size=30), st.data())
def test_take_text_of_rows_in_order_equals_object_arrays(values, data):
    """Rows in increasing order are taken by a filter over the Arrow chunks."""
    from ldj_analysis.export import take_text

    cut = len(values) // 2
    chunked = pa.chunked_array(
        [pa.array(values[:cut], pa.large_string()), pa.array(values[cut:], pa.large_string())]
    )
    series = pd.Series(pd.array(chunked, dtype="str"))
    picked = data.draw(st.lists(st.booleans(), min_size=len(values), max_size=len(values)))
    rows = np.flatnonzero(np.asarray(picked, bool))
    expected = pd.Series(np.asarray(values, dtype=object)[rows], dtype="str")
    pd.testing.assert_series_equal(take_text(series, rows), expected)


EDGE_TEXT = st.one_of(
    st.none(),
    st.text(alphabet="ab1-_ \t\n\u00a0\u2003\u3000\x1c\x7f\u00e9\ufeff", max_size=4),
)


@given(st.lists(EDGE_TEXT, max_size=30), st.integers(0, 5), st.data())
def test_text_cleaning_skips_only_what_it_would_not_change(values, start, data):
    """Reading text skips trimming only when trimming changes nothing: the result equals
    Arrow's trim with empty strings as missing, on chunked and sliced arrays."""
    import pyarrow.compute as pc

    from ldj_analysis.export import _clean_arrow_text

    cut = data.draw(st.integers(0, len(values)))
    chunks = [pa.array(values[:cut], pa.large_string()), pa.array(values[cut:], pa.large_string())]
    text = pa.chunked_array([c.slice(min(start, len(c))) for c in chunks], pa.large_string())
    trimmed = pc.utf8_trim_whitespace(text)
    want = pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, trimmed.type), trimmed)
    got = _clean_arrow_text(text)
    pd.testing.assert_series_equal(got, pd.Series(pd.array(want, dtype="str")))
