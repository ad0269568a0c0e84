"""On an export with record-level problems: pairing (the recipe) equals the
plain pandas oracle of the rules (``tests/study/pairing_oracle.py``), and deriving from the
working copy the workflow writes equals deriving from the valid export in memory."""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ldj_analysis.conditions import team_periods_base
from ldj_analysis.config import validate_config
from ldj_analysis.export import take_text
from ldj_analysis.key_lookups import _distinct, connect
from ldj_analysis.pairing import select_pairs
from ldj_analysis.validation import read_validated, validate_export, write_working_copy
from tests.study.pairing_oracle import oracle_pairs

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from scenario import VARIANTS, broken_export, outputs, run  # noqa: E402

TEXT = st.one_of(st.none(), st.text(alphabet="abB01 é", max_size=3))
ORACLE_ROWS = 5_000  # the oracle loops in Python: about 5 s per run at this size


@pytest.fixture(scope="module")
def export():
    return broken_export()


@pytest.mark.slow
@pytest.mark.parametrize("path", ["in_memory", "working_copy"])
@pytest.mark.parametrize("variant", list(VARIANTS))
def test_pairing_equals_the_oracle(variant, path, tmp_path):
    """Pairs and the exclusion step of every record, from the valid export in memory (ids
    hashed by pairing) and from the working copy (row references), equal the oracle's."""
    config = validate_config(VARIANTS[variant])
    result = validate_export(broken_export(ORACLE_ROWS), config)
    valid = analysed = result.export
    if path == "working_copy":
        write_working_copy(result, tmp_path)
        analysed = read_validated(tmp_path)
        assert {"_client_row", "_treatment_row"} <= set(analysed.questionnaires.columns)
    tp, _ = team_periods_base(valid, config)
    got = select_pairs(
        analysed.questionnaires,
        analysed.treatments,
        analysed.teams,
        tp,
        config["pairing"],
        clients=analysed.clients,
    )
    want = oracle_pairs(valid.questionnaires, valid.treatments, valid.teams, tp, config["pairing"])
    keys = ["team_id", "moment", "client_id", "instrument"]
    columns = list(want.pairs.columns)
    pd.testing.assert_frame_equal(
        got.pairs[columns].sort_values(keys).reset_index(drop=True).astype(str),
        want.pairs.sort_values(keys).reset_index(drop=True).astype(str),
    )
    assert len(got.pairs) > 100
    steps = dict(zip(got.exclusions["key"], got.exclusions["step"].astype(str), strict=True))
    assert steps == want.steps


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_working_copy_gives_the_outputs_of_the_export_in_memory(export, variant, tmp_path):
    """Derive from the working copy (row references, categoricals, memory-mapped) gives
    exactly the outputs of derive on the valid export in memory."""
    in_memory = outputs(*run(export, variant))
    from_copy = outputs(*run(export, variant, tmp_path / "validated"))
    for name in ("team_periods", "pairs", "exclusions", "flow", "table4", "sample"):
        pd.testing.assert_frame_equal(from_copy[name], in_memory[name], obj=name)


def test_scenario_has_problems_of_every_kind(export):
    valid, derived = run(export)
    reasons = set(valid.exclusions["reason"])
    for text in (
        "client not in clients table",
        "treatment not in treatments table",
        "treatment belongs to another client",
        "team not in teams table",
    ):
        assert any(text in r for r in reasons), text
    assert {"duplicate", "no_start", "priority", "unused_start", "norm"} <= set(
        derived.exclusions["step"]
    )


@given(st.lists(TEXT, max_size=30))
def test_distinct_checks_equal_pandas(values):
    series = pd.Series(values, dtype="str")
    present = series.dropna()
    with connect() as con:
        assert _distinct(con, series) == (not present.duplicated().any())


@given(st.lists(TEXT, min_size=1, max_size=30), st.data())
def test_take_text_equals_object_arrays(values, data):
    series = pd.Series(values, dtype="str")
    rows = np.asarray(
        data.draw(st.lists(st.integers(0, len(values) - 1), max_size=20)), dtype=np.int64
    )
    expected = pd.Series(series.to_numpy(dtype=object)[rows], dtype="str")
    pd.testing.assert_series_equal(take_text(series, rows), expected)
    pd.testing.assert_series_equal(take_text(series.astype("category"), rows), expected)


@pytest.mark.slow
def test_validation_in_slices_equals_one_pass(export, monkeypatch):
    """pandera on slices of a table finds exactly the problems of one pass: the same
    exclusions, and with ``record_problems: error`` the same listed problems."""
    import ldj_analysis.validation as validation
    from ldj_analysis.config import validate_config
    from ldj_analysis.export import ExportError

    config = validate_config({})
    whole = validation.validate_export(export, config)
    strict = validate_config({"validation": {"record_problems": "error"}})
    with pytest.raises(ExportError) as whole_error:
        validation.validate_export(export, strict)
    monkeypatch.setattr(validation, "PANDERA_CHUNK_ROWS", 997)
    assert len(export.questionnaires) > 10 * 997
    sliced = validation.validate_export(export, config)
    pd.testing.assert_frame_equal(sliced.exclusions, whole.exclusions)
    for table, frame in whole.export.tables().items():
        pd.testing.assert_frame_equal(getattr(sliced.export, table), frame)
    with pytest.raises(ExportError) as sliced_error:
        validation.validate_export(export, strict)
    assert str(sliced_error.value) == str(whole_error.value)


def test_list_exclusions_in_slices_equal_one_sort(export):
    """The lists' exclusion log written slice by slice of the export's rows is the log
    sorted whole: every row once, in export order, for slices of any size."""
    from ldj_analysis.pairing import list_exclusion_slices

    _, derived = run(export)
    con = derived.exclusion_log.con
    whole = con.sql(
        "SELECT 'questionnaires' AS \"table\", key, step, reason FROM list_exclusion ORDER BY pos"
    ).to_arrow_table()
    assert whole.num_rows > 1000
    (n_lists,) = con.sql("SELECT count(*) FROM questionnaires_in").fetchall()[0]
    for rows in (997, n_lists - 1, n_lists, 10 * n_lists):
        sliced = [query.to_arrow_table() for query in list_exclusion_slices(con, rows)]
        assert len(sliced) == -(-n_lists // rows)
        assert pa.concat_tables(sliced).equals(whole)
