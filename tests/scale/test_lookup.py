"""The Arrow lookups used at scale give exactly pandas' answers."""

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from ldj_analysis.lookup import index_in, isin

TEXT = st.one_of(st.none(), st.text(alphabet="abcK01 é", max_size=4))


@given(st.lists(TEXT, max_size=40), st.lists(st.text(alphabet="abcK01 é", max_size=4), max_size=15))
def test_index_in_equals_get_indexer(values, pool):
    pool = list(dict.fromkeys(pool))  # get_indexer needs a unique index
    series = pd.Series(values, dtype="str")
    expected = pd.Index(pool, dtype="str").get_indexer(series)
    np.testing.assert_array_equal(index_in(series, pool), expected)
    # a categorical column (the working copy's code columns) gives the same positions
    np.testing.assert_array_equal(index_in(series.astype("category"), pool), expected)


@given(st.lists(TEXT, max_size=40), st.lists(TEXT, max_size=15))
def test_isin_equals_series_isin_without_missing(values, pool):
    series = pd.Series(values, dtype="str")
    expected = series.isin(pd.Series(pool, dtype="str").dropna()).to_numpy() & series.notna()
    np.testing.assert_array_equal(isin(series, pool), expected.to_numpy())


def test_empty_inputs():
    assert index_in(pd.Series([], dtype="str"), ["a"]).shape == (0,)
    assert not isin(pd.Series(["a"], dtype="str"), []).any()
