"""Faults of an export as sites make them, each stopped with one clear message (#34)."""

from __future__ import annotations

import pytest
import yaml

from ldj_analysis.config import validate_config
from ldj_analysis.export import ExportError, export_files, load_export
from ldj_analysis.validation import validate_dir

from .builders import small_export_tables, write_tables

CONFIG = validate_config({})


def test_a_table_in_two_files_stops_naming_both(tmp_path):
    folder = tmp_path / "export"
    tables = small_export_tables()
    write_tables(tables, folder)
    tables["questionnaires"].iloc[:2].to_parquet(folder / "questionnaires.parquet")
    with pytest.raises(ExportError) as err:
        load_export(folder)
    message = str(err.value)
    assert "two files for one table" in message
    assert str(folder / "questionnaires.csv") in message
    assert str(folder / "questionnaires.parquet") in message
    with pytest.raises(ValueError, match=r"config key 'export_dir': questionnaires: two files"):
        export_files(folder)


@pytest.mark.parametrize("table", ["questionnaires", "clients", "treatments", "teams"])
def test_an_empty_table_stops_with_one_message_naming_it(tmp_path, table):
    tables = small_export_tables()
    tables[table] = tables[table].iloc[:0]
    write_tables(tables, tmp_path / "export")
    with pytest.raises(ExportError) as err:
        validate_dir(str(tmp_path / "export"), CONFIG)
    assert err.value.problems and len(err.value.problems) == 1, err.value
    assert str(err.value.problems[0]) == f"{table}: table is empty (no data rows below the header)"


def test_unquoted_dates_in_config_yaml_are_dates():
    config = yaml.safe_load(
        "selection: {window_start: 2020-01-01, window_end: '2020-12-31'}\n"
        "validation: {earliest_date: 1995-06-01}\n"
    )
    checked = validate_config(config)
    assert checked["selection"]["window_start"] == "2020-01-01"
    assert checked["selection"]["window_end"] == "2020-12-31"
    assert checked["validation"]["earliest_date"] == "1995-06-01"
