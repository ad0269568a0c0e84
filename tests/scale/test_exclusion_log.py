"""The coded exclusion log writes exactly the CSV of a plain text log."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ldj_analysis.exclusion_log import (
    EXCLUSION_COLUMNS,
    coded_exclusions,
    concat_exclusions,
    exclusion_frame,
    write_exclusions,
)


def test_concatenated_coded_logs_write_the_plain_csv(tmp_path):
    plain = pd.DataFrame(
        {
            "table": ["clients", "questionnaires", "questionnaires", "questionnaires", "x"],
            "key": ["K1", "Q1", "Q2", None, 'a, "b"'],
            "step": ["validation", "interim", "norm", "norm", "selection"],
            "reason": ["bad, date", "interim list", "no norm", "no norm", None],
        },
        dtype="str",
    )
    parts = [
        plain.iloc[:1],  # text columns, as read back from a CSV
        coded_exclusions(
            pd.Series(["Q1", "Q2"], dtype="str"),
            "questionnaires",
            np.array([1, 0], np.int16),
            ["norm", "interim"],
            np.array([0, 1], np.int32),
            ["interim list", "no norm"],
        ),
        exclusion_frame(pd.Series([None], dtype="str"), "norm", "no norm"),
        None,
        exclusion_frame(['a, "b"'], "selection", [None], table="x"),
    ]
    log = concat_exclusions(parts)
    assert list(log.columns) == EXCLUSION_COLUMNS
    assert all(isinstance(log[c].dtype, pd.CategoricalDtype) for c in ("table", "step", "reason"))
    pd.testing.assert_frame_equal(log.astype("str"), plain)
    write_exclusions(log, tmp_path / "coded.csv")
    write_exclusions(plain, tmp_path / "plain.csv")
    assert (tmp_path / "coded.csv").read_bytes() == (tmp_path / "plain.csv").read_bytes()
    assert pd.read_csv(tmp_path / "coded.csv", dtype="str").shape == (5, 4)


def test_empty_log_has_the_columns():
    log = concat_exclusions([None, pd.DataFrame(columns=EXCLUSION_COLUMNS)])
    assert list(log.columns) == EXCLUSION_COLUMNS and len(log) == 0
