"""Membership and position lookups of text columns, and sort orders, computed in Arrow.

pandas answers ``Series.isin`` and ``Index.get_indexer`` on Arrow-backed strings through
Python objects, and sorts text by factorizing it; at millions of rows these are the
pipeline's hot spots.
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def _arrow_text(values):
    import pyarrow as pa

    array = pa.array(pd.Series(values, dtype="str"))
    return array.cast(pa.large_string())


def index_in(values: pd.Series | np.ndarray, pool: pd.Index | pd.Series | list) -> np.ndarray:
    """Position of each value in ``pool`` (first occurrence), -1 where absent or missing:
    ``pd.Index(pool).get_indexer(values)`` for text."""
    import pyarrow.compute as pc

    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    if isinstance(getattr(values, "dtype", None), pd.CategoricalDtype):  # look up categories
        codes = np.asarray(pd.Series(values).cat.codes, dtype=np.int64)
        found = np.append(index_in(pd.Series(values).cat.categories, pool), -1)
        return found[np.where(codes >= 0, codes, len(found) - 1)]
    found = pc.index_in(_arrow_text(values), value_set=_arrow_text(pool))
    return found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)


def isin(values: pd.Series, pool: pd.Series | pd.Index | list) -> np.ndarray:
    """``values.isin(pool)`` for text as a boolean array; missing values are never in it."""
    pool = pd.Series(pool, dtype="str").dropna().unique()
    return index_in(values, pool) >= 0


def index_in_each(columns: list[pd.Series], pool: pd.Series | pd.Index) -> list[np.ndarray]:
    """:func:`index_in` of several text columns in one ``pool``, hashed once (the columns'
    Arrow chunks are looked up in one call)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = [_arrow_text(column) for column in columns]
    chunks = [chunk for text in texts for chunk in getattr(text, "chunks", [text])]
    if not chunks or not sum(len(c) for c in chunks):
        return [np.zeros(len(column), dtype=np.int64) for column in columns]
    found = pc.index_in(
        pa.chunked_array(chunks, type=pa.large_string()), value_set=_arrow_text(pool)
    )
    found = found.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int64)
    bounds = np.cumsum([0, *(len(text) for text in texts)])
    return [found[lo:hi] for lo, hi in zip(bounds[:-1], bounds[1:], strict=True)]


def sort_order(*keys: tuple[pd.Series, np.ndarray]) -> np.ndarray:
    """The row order ``DataFrame.sort_values`` gives on several columns (stable, missing
    last), each given as values and every row's position in them: the values are ranked
    once in Arrow and the rows sorted on those integers, not on text."""
    import pyarrow as pa
    import pyarrow.compute as pc

    ranks = []
    for values, positions in keys:
        array = pa.array(pd.Series(values).reset_index(drop=True))
        if pa.types.is_null(array.type):  # nothing but missing values: all tie
            rank = np.zeros(len(array), np.uint64)
        else:  # missing values rank last
            rank = pc.rank(array, sort_keys="ascending", tiebreaker="dense").to_numpy()
        ranks.append(rank[positions])
    return np.lexsort(ranks[::-1])
