"""The exclusion log: one row per record left out, ``table, key, step, reason`` (docs/outputs.md).

At national scale the log holds millions of rows with a handful of distinct tables, steps
and reasons, so those three columns are kept as categoricals (codes into a few texts) and
only the record keys as text; the CSV written is the same as from plain text columns.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

EXCLUSION_COLUMNS = ["table", "key", "step", "reason"]
CODED_COLUMNS = ("table", "step", "reason")


def _categorical(values: Any, n: int) -> pd.Categorical:
    if np.ndim(values) == 0:
        return pd.Categorical.from_codes(np.zeros(n, np.int8), pd.Index([str(values)], dtype="str"))
    if isinstance(values, pd.Categorical) or isinstance(
        getattr(values, "dtype", None), pd.CategoricalDtype
    ):
        return pd.Categorical(values)
    return pd.Series(values, dtype="str").astype("category").array


def _frame(table: Any, key: Any, step: Any, reason: Any) -> pd.DataFrame:
    keys = pd.Series(key, dtype="str").reset_index(drop=True)
    n = len(keys)
    return pd.DataFrame(
        {
            "table": _categorical(table, n),
            "key": keys,
            "step": _categorical(step, n),
            "reason": _categorical(reason, n),
        }
    )


def exclusion_frame(
    key: Any, step: str, reason: Any, table: str = "questionnaires"
) -> pd.DataFrame:
    """Exclusion rows in the contract's columns; ``reason`` one text or one per key."""
    return _frame(table, key, step, reason)


def coded_exclusions(
    keys: pd.Series,
    table: str,
    steps: np.ndarray,
    step_texts: list[str],
    reasons: np.ndarray,
    reason_texts: list[str],
) -> pd.DataFrame:
    """Exclusion rows from integer codes into ``step_texts`` and ``reason_texts``: no
    Python string per row."""
    return pd.DataFrame(
        {
            "table": _categorical(table, len(keys)),
            "key": pd.Series(keys, dtype="str").reset_index(drop=True),
            "step": pd.Categorical.from_codes(steps, pd.Index(step_texts, dtype="str")),
            "reason": pd.Categorical.from_codes(reasons, pd.Index(reason_texts, dtype="str")),
        }
    )


def empty_exclusions() -> pd.DataFrame:
    return _frame(pd.Series(dtype="str"), pd.Series(dtype="str"), [], [])


def as_exclusions(frame: pd.DataFrame) -> pd.DataFrame:
    """Any frame with the contract's columns (e.g. read back from CSV) as an exclusion log."""
    return _frame(frame["table"], frame["key"], frame["step"], frame["reason"])


def concat_exclusions(frames: list[pd.DataFrame | None]) -> pd.DataFrame:
    """Concatenate exclusion logs in order, keeping the coded columns categorical."""
    from pandas.api.types import union_categoricals

    frames = [as_exclusions(f) for f in frames if f is not None and len(f)]
    if not frames:
        return empty_exclusions()
    if len(frames) == 1:
        return frames[0]
    out = {"key": pd.concat([f["key"] for f in frames], ignore_index=True)}
    for column in CODED_COLUMNS:
        out[column] = union_categoricals([f[column].array for f in frames])
    return pd.DataFrame(out)[EXCLUSION_COLUMNS]


def write_exclusions(exclusions: pd.DataFrame, path: str | Path) -> None:
    """Write an exclusion log as CSV with Arrow's writer (string fields are quoted)."""
    import pyarrow as pa
    import pyarrow.csv as pacsv

    Path(path).parent.mkdir(parents=True, exist_ok=True)
    table = pa.Table.from_pandas(as_exclusions(exclusions), preserve_index=False)
    pacsv.write_csv(table, str(path), pacsv.WriteOptions(quoting_style="needed"))
