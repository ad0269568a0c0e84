"""The derive step's faster paths for national scale against the plain pandas versions they
replaced: the norm group found by one pass per norm row (not a merge of every list with
every norm row of its instrument), the treatment covering a list found by positions (not a
merge), each client's first pair found on integer codes, and sorts on Arrow ranks instead
of text (``sort_values``)."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldj_analysis.conditions import team_periods_base
from ldj_analysis.config import validate_config
from ldj_analysis.descriptives import first_pair_per_client
from ldj_analysis.lookup import sort_order
from ldj_analysis.norms import norm_scores
from ldj_analysis.pairing import resolve_treatments, select_pairs
from ldj_analysis.validation import read_validated, validate_export, write_working_copy
from ldj_analysis.vocabulary import OUTCOME_DOMAINS

sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenario import broken_export  # noqa: E402

TEXT = st.one_of(st.none(), st.sampled_from(["", "a", "b", "B", "é", "ab", " a", "10", "9"]))
DATES = st.one_of(
    st.none(),
    st.sampled_from([pd.Timestamp(d) for d in ("2017-01-01", "2017-06-30", "2018-01-01")]),
)


def _norm_scores_merged(lists: pd.DataFrame, norms: pd.DataFrame) -> pd.DataFrame:
    """norm_scores as first written: every list merged with every norm row of its instrument."""
    work = pd.DataFrame(
        {
            "row": np.arange(len(lists)),
            "instrument": lists["instrument"].to_numpy(),
            "sex": lists["sex"].to_numpy(),
            "age": lists["age_years"].to_numpy(dtype="float64"),
        }
    )
    columns = ["instrument", "sex", "age_min", "age_max", "mean", "sd", "higher_is_worse"]
    cand = work.merge(
        norms[columns].assign(norm_row=norms.index).rename(columns={"sex": "norm_sex"}),
        on="instrument",
        how="inner",
    )
    fits = (
        (cand["age"] >= cand["age_min"])
        & (cand["age"] <= cand["age_max"])
        & ((cand["norm_sex"] == cand["sex"]).fillna(False) | (cand["norm_sex"] == "all"))
    )
    cand = cand[fits.to_numpy(bool)]
    cand = cand.assign(pref=(cand["norm_sex"] == "all").astype(int)).sort_values(["row", "pref"])
    best = cand.drop_duplicates("row").set_index("row")
    mean = best["mean"].reindex(work["row"]).to_numpy()
    sd = best["sd"].reindex(work["row"]).to_numpy()
    sign = np.where(
        best["higher_is_worse"].reindex(work["row"]).fillna(True).to_numpy(bool), 1.0, -1.0
    )
    raw = lists["raw"].to_numpy(dtype="float64")
    z = sign * (raw - mean) / sd
    has_instr = work["instrument"].isin(norms["instrument"]).to_numpy()
    reason = np.where(
        ~np.isnan(mean),
        None,
        np.where(
            ~has_instr,
            "no norm group: instrument not in the norm table",
            np.where(
                np.isnan(work["age"].to_numpy()),
                "no norm group: age unknown (birth date missing)",
                "no norm group for this instrument, sex and age",
            ),
        ),
    )
    norm_row = best["norm_row"].reindex(work["row"]).fillna(-1).to_numpy("int64")
    return pd.DataFrame({"z": z, "no_norm_reason": reason, "norm_row": norm_row}, index=lists.index)


INSTRUMENTS = st.one_of(st.none(), st.sampled_from(["A", "B", "C"]))
SEXES = st.one_of(st.none(), st.sampled_from(["m", "f", "all"]))
AGES = st.one_of(st.none(), st.integers(0, 12))


@settings(max_examples=150, deadline=None)
@given(
    norm_rows=st.lists(
        st.tuples(
            INSTRUMENTS,
            SEXES,
            st.integers(0, 10),
            st.integers(0, 6),
            st.integers(-5, 40),
            st.integers(1, 9),
            st.booleans(),
        ),
        max_size=8,
    ),
    list_rows=st.lists(st.tuples(INSTRUMENTS, SEXES, AGES, st.integers(0, 60)), max_size=40),
    labels=st.integers(0, 100),
)
def test_norm_scores_as_merged(norm_rows, list_rows, labels):
    # overlapping bands and duplicate rows allowed: the first row in table order must win
    norms = pd.DataFrame(
        [(i, s, lo, lo + w, m, sd, h) for i, s, lo, w, m, sd, h in norm_rows],
        columns=["instrument", "sex", "age_min", "age_max", "mean", "sd", "higher_is_worse"],
        index=pd.RangeIndex(labels, labels + len(norm_rows)),
    ).astype({"instrument": "str", "sex": "str", "mean": "float64", "sd": "float64"})
    lists = pd.DataFrame(
        list_rows, columns=["instrument", "sex", "age_years", "raw"], dtype=object
    ).astype({"instrument": "str", "sex": "str", "age_years": "float64", "raw": "float64"})
    lists.index = lists.index * 3 + 7
    pd.testing.assert_frame_equal(norm_scores(lists, norms), _norm_scores_merged(lists, norms))


def _first_pair_sorted(pairs: pd.DataFrame) -> pd.DataFrame:
    """first_pair_per_client as first written: a stable sort on the pseudonyms (text)."""
    order = pairs.assign(_d=pairs["domain"].map({d: i for i, d in enumerate(OUTCOME_DOMAINS)}))
    order = order.sort_values(["client_key", "post_date", "pre_date", "_d"], kind="stable")
    return order.drop_duplicates("client_key").drop(columns="_d")


@settings(max_examples=150, deadline=None)
@given(
    st.lists(
        st.tuples(
            TEXT, DATES, DATES, st.one_of(st.none(), st.sampled_from([*OUTCOME_DOMAINS, "x"]))
        ),
        max_size=40,
    )
)
def test_first_pair_per_client_as_sorted(rows):
    pairs = pd.DataFrame(rows, columns=["client_key", "pre_date", "post_date", "domain"])
    pairs = pairs.astype({"client_key": "str", "domain": "str"}).assign(
        pre_date=lambda f: pd.to_datetime(f["pre_date"]),
        post_date=lambda f: pd.to_datetime(f["post_date"]),
        age=np.arange(len(rows), dtype="float64"),
    )
    pairs.index = pairs.index[::-1]  # labels kept, whatever they are
    new, plain = first_pair_per_client(pairs), _first_pair_sorted(pairs)
    # the same row per client; the clients' order may differ (sample sorts what it sums)
    pd.testing.assert_frame_equal(new.sort_index(), plain.sort_index())


@settings(max_examples=150, deadline=None)
@given(
    st.lists(st.tuples(TEXT, st.one_of(st.none(), st.integers(-2, 3)), DATES, TEXT), max_size=40),
    st.data(),
)
def test_sort_order_as_sort_values(rows, data):
    frame = pd.DataFrame(rows, columns=["text", "number", "date", "other"]).astype(
        {"text": "str", "number": "Int64", "other": "object"}
    )
    frame["date"] = pd.to_datetime(frame["date"])
    # each key as a table of values and positions in it (here: a shuffled copy)
    keys = []
    for column in frame.columns:
        perm = np.asarray(data.draw(st.permutations(range(len(frame)))), dtype=np.int64)
        values = frame[column].iloc[perm].reset_index(drop=True)
        keys.append((values, np.argsort(perm)))
    expected = frame.sort_values(list(frame.columns)).index.to_numpy()
    np.testing.assert_array_equal(sort_order(*keys), expected)


@pytest.mark.parametrize("path", ["in_memory", "working_copy"])
def test_pairs_come_in_the_order_sort_values_gives(path, tmp_path):
    """pair_table orders the pairs on ranks of the codes as it did with ``sort_values`` on
    the text (team, moment, client id, domain)."""
    config = validate_config({})
    result = validate_export(broken_export(3000), config)
    analysed = result.export
    if path == "working_copy":
        write_working_copy(result, tmp_path)
        analysed = read_validated(tmp_path)
    tp, _ = team_periods_base(result.export, config)
    pairs = select_pairs(
        analysed.questionnaires,
        analysed.treatments,
        analysed.teams,
        tp,
        config["pairing"],
        clients=analysed.clients,
    ).pairs
    assert len(pairs) > 50
    plain = pairs.sort_values(["team_id", "moment", "client_id", "domain"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(pairs, plain)


def _resolve_treatments_merged(rows, client, date, tr_client, tr_start, tr_end, tr_rank):
    """resolve_treatments as first written: a merge of the lists with their clients'
    treatments, sorted by list, start (latest first) and treatment id."""
    out = np.full(len(rows), -1, np.int64)
    if not len(rows):
        return out
    lists = pd.DataFrame({"i": np.arange(len(rows)), "client": client[rows], "date": date[rows]})
    trs = pd.DataFrame(
        {"tr": np.arange(len(tr_client)), "client": tr_client, "start": tr_start, "end": tr_end}
    )
    cand = lists.merge(trs[trs["client"] >= 0], on="client")
    cover = (cand["start"] <= cand["date"]) & (cand["end"].isna() | (cand["date"] <= cand["end"]))
    cand = cand[cover.to_numpy(bool)]
    cand = cand.assign(rank=tr_rank[cand["tr"].to_numpy()]).sort_values(
        ["i", "start", "rank"], ascending=[True, False, True]
    )
    cand = cand.drop_duplicates("i")
    out[cand["i"].to_numpy()] = cand["tr"].to_numpy()
    return out


DAY = st.one_of(st.none(), st.integers(0, 30))


@settings(max_examples=200, deadline=None)
@given(
    lists=st.lists(st.tuples(st.integers(-1, 4), DAY), max_size=30),
    treatments=st.lists(st.tuples(st.integers(-1, 4), DAY, DAY), max_size=12),
    data=st.data(),
)
def test_resolve_treatments_as_merged(lists, treatments, data):
    def dates(days):
        base = np.datetime64("2018-01-01", "ns")
        return np.array(
            [
                base + np.timedelta64(d, "D") if d is not None else np.datetime64("NaT")
                for d in days
            ],
            dtype="datetime64[ns]",
        )

    client = np.array([c for c, _ in lists], dtype=np.int32)
    date = dates([d for _, d in lists])
    tr_client = np.array([c for c, _, _ in treatments], dtype=np.int64)
    tr_start, tr_end = dates([s for _, s, _ in treatments]), dates([e for _, _, e in treatments])
    tr_rank = np.asarray(data.draw(st.permutations(range(len(treatments)))), dtype=np.int64)
    rows = np.asarray(
        data.draw(st.lists(st.integers(0, max(len(lists) - 1, 0)), max_size=len(lists))),
        dtype=np.int64,
    )
    args = (rows, client, date, tr_client, tr_start, tr_end, tr_rank)
    np.testing.assert_array_equal(resolve_treatments(*args), _resolve_treatments_merged(*args))
