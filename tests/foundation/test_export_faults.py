"""Faults of an export as sites make them, each stopped with one clear message (#34)."""

from __future__ import annotations

import pytest
import yaml

from ldj_analysis.config import validate_config
from ldj_analysis.export import ExportError, export_files, load_export
from ldj_analysis.pseudonym import ENV_VAR, key_fingerprint, load_key
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


def test_a_short_pseudonym_key_is_refused_saying_how_to_make_one(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, "x")
    with pytest.raises(ValueError) as err:
        load_key(tmp_path / "key")
    assert str(err.value) == (
        f"the pseudonym key from the environment variable {ENV_VAR} has 1 bytes; it needs at "
        "least 32. Make one with python -c 'import secrets; print(secrets.token_hex(32))' and "
        "keep it (the same key gives the same pseudonyms on a rerun)"
    )
    monkeypatch.delenv(ENV_VAR)
    (tmp_path / "key").write_text("short\n")
    with pytest.raises(ValueError, match=r"key file .*key has 5 bytes; it needs at least 32"):
        load_key(tmp_path / "key")


def test_a_key_path_that_is_a_folder_is_one_line(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    with pytest.raises(ValueError) as err:
        load_key(tmp_path)
    assert str(err.value) == (
        f"config key 'pseudonym_key_file': {tmp_path} is not a file (a folder?); give the path "
        "of a key file, which is created if absent"
    )


def test_the_key_fingerprint_changes_with_the_key_and_hides_it(tmp_path, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    first = key_fingerprint(load_key(tmp_path / "key"))
    assert first == key_fingerprint(load_key(tmp_path / "key"))  # the file made, then read
    key = (tmp_path / "key").read_text().strip()
    assert len(first) == 16 and first not in key
    (tmp_path / "key").write_text("y" * 64)
    assert key_fingerprint(load_key(tmp_path / "key")) != first


def test_a_damaged_parquet_file_is_named(tmp_path):
    folder = tmp_path / "export"
    write_tables(small_export_tables(), folder)
    (folder / "teams.csv").unlink()
    (folder / "teams.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ExportError) as err:
        load_export(folder)
    assert f"teams: {folder / 'teams.parquet'} cannot be read as Parquet: " in str(err.value)
