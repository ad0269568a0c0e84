"""The exclusion log: one row per record left out, ``table, key, step, reason``
(docs/outputs.md). Every step that drops records names them here, in the order the study
applies the steps."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

EXCLUSION_COLUMNS = ["table", "key", "step", "reason"]


def exclusion_frame(
    key: Any, step: str, reason: Any, table: str = "questionnaires"
) -> pd.DataFrame:
    """Exclusion rows in the contract's columns; ``reason`` one text or one per key."""
    keys = pd.Series(key, dtype="str").reset_index(drop=True)
    reasons = (
        pd.Series(reason, index=keys.index, dtype="str") if len(keys) else pd.Series(dtype="str")
    )
    return pd.DataFrame({"table": table, "key": keys, "step": step, "reason": reasons}).astype(
        "str"
    )


def as_exclusions(frame: pd.DataFrame) -> pd.DataFrame:
    """Any frame with the contract's columns (e.g. read back from CSV) as an exclusion log."""
    return frame[EXCLUSION_COLUMNS].astype("str").reset_index(drop=True)


def concat_exclusions(frames: list[pd.DataFrame | None]) -> pd.DataFrame:
    """Concatenate exclusion logs in order."""
    frames = [as_exclusions(f) for f in frames if f is not None and len(f)]
    if not frames:
        return pd.DataFrame({c: pd.Series(dtype="str") for c in EXCLUSION_COLUMNS})
    return pd.concat(frames, ignore_index=True)


def write_exclusions(exclusions: pd.DataFrame, path: str | Path) -> None:
    """Write an exclusion log as CSV (:func:`write_exclusion_parts`)."""
    table = pa.Table.from_pandas(as_exclusions(exclusions), preserve_index=False)
    write_exclusion_parts([table], path)


def write_exclusion_parts(
    parts: Iterable[pa.Table | pa.RecordBatchReader], path: str | Path
) -> None:
    """Write exclusion logs one after the other as one CSV, batch by batch (a log of
    millions of rows is never held whole), with Arrow's writer (string fields quoted)."""
    import pyarrow.csv as pacsv

    schema = pa.schema([(column, pa.string()) for column in EXCLUSION_COLUMNS])
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    options = pacsv.WriteOptions(quoting_style="needed")
    with pacsv.CSVWriter(str(path), schema, write_options=options) as writer:
        for part in parts:
            for batch in part.to_batches() if isinstance(part, pa.Table) else part:
                writer.write_batch(batch.select(EXCLUSION_COLUMNS).cast(schema))
