"""CSV exports as sites write them (#34): every dialect variant of the synthetic export reads
as the same tables; a file that does not read says where and what to set."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from ldj_analysis.config import validate_config
from ldj_analysis.csv_dialect import CsvDialect
from ldj_analysis.export import ExportError, csv_dialects, load_export
from ldj_analysis.synthetic import write_synthetic
from ldj_analysis.validation import run_validation, validate_dir

from .builders import small_export_tables, write_tables
from .dialects import VARIANTS, write_variant

CONFIG = validate_config({})


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    folder = tmp_path_factory.mktemp("synthetic")
    write_synthetic(folder, seed=20180101)
    return folder, load_export(folder)


@pytest.mark.parametrize("name", sorted(VARIANTS))
def test_dialect_variant_of_the_synthetic_export_reads_identically(synthetic, tmp_path, name):
    folder, expected = synthetic
    dialect, newline = VARIANTS[name]
    write_variant(folder, tmp_path / name, dialect, newline)
    detected = csv_dialects(tmp_path / name)
    assert {d.delimiter for d in detected.values()} == {dialect.delimiter}
    # ASCII-only text reads the same as UTF-8 and as Windows-1252
    ascii_ok = {"utf-8", dialect.encoding} if dialect.encoding == "cp1252" else {dialect.encoding}
    assert {d.encoding for d in detected.values()} <= ascii_ok
    # the questionnaires have dates and fractions (the teams neither: defaults there)
    assert detected["questionnaires"].decimal == dialect.decimal
    assert detected["questionnaires"].date_format == dialect.date_format
    got = load_export(tmp_path / name)
    for table, frame in expected.tables().items():
        pd.testing.assert_frame_equal(got.tables()[table], frame, check_exact=True)


def test_non_ascii_text_in_windows_1252(tmp_path):
    """A name with an accent, written by Excel in Windows-1252, reads as the same text."""
    tables = small_export_tables()
    tables["teams"]["institution_id"] = "Zoë-Noord"
    write_tables(tables, tmp_path / "utf8")
    write_variant(tmp_path / "utf8", tmp_path / "nl", *VARIANTS["excel_nl"])
    assert (tmp_path / "nl" / "teams.csv").read_bytes().count("ë".encode("cp1252")) == 2
    got = validate_dir(str(tmp_path / "nl"), CONFIG).export
    assert set(got.teams["institution_id"]) == {"Zoë-Noord"}
    assert list(got.questionnaires["raw_total"].isna()) == [False] * 3 + [True] + [False] * 2


def test_the_detected_dialect_is_in_validation_json(tmp_path):
    tables = small_export_tables()
    tables["checklist"]["team_id"] = tables["checklist"]["team_id"].replace("T1", "Të1")
    tables["implementation"]["team_id"] = tables["implementation"]["team_id"].replace("T1", "Të1")
    tables["treatments"]["team_id"] = tables["treatments"]["team_id"].replace("T1", "Të1")
    tables["teams"]["team_id"] = tables["teams"]["team_id"].replace("T1", "Të1")
    write_tables(tables, tmp_path / "utf8")
    write_variant(tmp_path / "utf8", tmp_path / "nl", *VARIANTS["excel_nl"])
    out = tmp_path / "out"
    run_validation(tmp_path / "nl", CONFIG, out / "v", out / "x.csv", out / "validation.json")
    summary = json.loads((out / "validation.json").read_text())
    assert summary["rows"]["checklist"] == 4
    assert summary["csv_dialects"]["checklist.csv"] == {
        "delimiter": ";",
        "encoding": "cp1252",
        "decimal": ",",
        "date_format": "%d-%m-%Y",
    }


def test_config_overrides_detection(tmp_path):
    write_tables(small_export_tables(), tmp_path / "utf8")
    write_variant(tmp_path / "utf8", tmp_path / "nl", *VARIANTS["semicolon_slashes"])
    override = {"encoding": "cp1252", "date_format": "%d/%m/%Y", "delimiter": None}
    dialects = csv_dialects(tmp_path / "nl", override)
    assert dialects["clients"] == CsvDialect(";", "cp1252", ".", "%d/%m/%Y")
    assert dialects["checklist"] == CsvDialect(";", "cp1252", ",", "%d/%m/%Y")
    # each key wins over detection: read as ',' decimals, '6,5' is not a number
    override = {"delimiter": ";", "decimal": ".", "date_format": "%Y-%m-%d"}
    dialects = csv_dialects(tmp_path / "nl", override)
    assert dialects["checklist"] == CsvDialect(";", "utf-8", ".", "%Y-%m-%d")
    message = _read_error(tmp_path / "nl", override)
    assert "checklist.grade_collection [row 4: team_id=T2, moment=1]: not a valid float: '6,5'" in (
        message
    )
    assert "checklist.filled_on [row 2: team_id=T1, moment=1]: not a valid date: '30/06/2018'" in (
        message
    )


def _read_error(folder, export_csv=None) -> str:
    with pytest.raises(ExportError) as err:
        validate_dir(str(folder), validate_config({"export_csv": export_csv or {}}))
    return str(err.value)


def test_an_unquoted_decimal_comma_names_file_line_and_column(tmp_path):
    folder = tmp_path / "export"
    write_tables(small_export_tables(), folder)
    path = folder / "questionnaires.csv"
    lines = path.read_text().splitlines()
    lines[3] = lines[3].replace(",80", ",80,5")  # Q3's raw_total, written as Excel might
    path.write_text("\n".join(lines) + "\n")
    message = _read_error(folder)
    assert (
        "questionnaires.raw_total [line 4]: 9 fields where the header has 8: 80,5 looks like a "
        "number with an unquoted decimal comma; quote it, or write the file with ';' between "
        f"fields (in {path})"
    ) in message, message


def test_bytes_not_in_the_encoding_name_file_line_and_column(tmp_path):
    """A Windows-1252 byte far below a first 64 KiB that read as UTF-8."""
    tables = small_export_tables()
    tables["clients"] = pd.concat([tables["clients"]] * 4000, ignore_index=True)
    tables["clients"]["client_id"] = [f"C{i + 1}" for i in range(len(tables["clients"]))]
    tables["clients"].loc[9000, "sex"] = "é"
    folder = tmp_path / "export"
    write_tables(tables, folder)
    (folder / "clients.csv").write_bytes((folder / "clients.csv").read_text().encode("cp1252"))
    message = _read_error(folder)
    assert (
        "clients.sex [line 9002]: bytes b'\\xe9' are not utf-8 text; set export_csv.encoding "
        f"in config.yaml (e.g. cp1252 or utf-16) (in {folder / 'clients.csv'})"
    ) in message, message


def test_a_short_row_names_the_column_where_it_ends(tmp_path):
    folder = tmp_path / "export"
    write_tables(small_export_tables(), folder)
    path = folder / "treatments.csv"
    lines = path.read_text().splitlines()
    lines[2] = ",".join(lines[2].split(",")[:3])
    path.write_text("\n".join(lines) + "\n")
    message = _read_error(folder)
    assert (
        "treatments.start_date [line 3]: 3 fields where the header has 5: the row ends before "
        f"this column (in {path})"
    ) in message, message


def test_an_ambiguous_delimiter_says_what_was_seen_and_which_key(tmp_path):
    folder = tmp_path / "export"
    write_tables(small_export_tables(), folder)
    (folder / "teams.csv").write_text("team_id|institution_id|care_type|arm\nT1|I1|ambulant|x\n")
    with pytest.raises(ExportError) as err:
        csv_dialects(folder)
    assert (
        f"teams: {folder / 'teams.csv'}: cannot tell the delimiter: none of ',', ';', tab "
        "separates the contract's column names in the header line "
        "'team_id|institution_id|care_type|arm'; set export_csv.delimiter in config.yaml"
    ) in str(err.value)


def test_mixed_decimal_marks_ask_for_the_key(tmp_path):
    folder = tmp_path / "export"
    tables = small_export_tables()
    tables["questionnaires"]["raw_total"] = ["40,5", "22.5", "80", "", "35", "30"]
    write_tables(tables, folder)
    with pytest.raises(ExportError, match=r"set export_csv.decimal \('.' or ','\)"):
        csv_dialects(folder)


def test_an_empty_file_is_named(tmp_path):
    folder = tmp_path / "export"
    write_tables(small_export_tables(), folder)
    (folder / "checklist.csv").write_bytes(b"")
    with pytest.raises(ExportError) as err:
        csv_dialects(folder)
    assert f"checklist: {folder / 'checklist.csv'}: the file is empty (no header line)" in str(
        err.value
    )


def test_a_value_that_does_not_parse_names_file_line_and_column(tmp_path):
    folder = tmp_path / "export"
    tables = small_export_tables()
    tables["questionnaires"].loc[3, "filled_on"] = "2018-13-01"
    write_tables(tables, folder)
    assert (
        "questionnaires.filled_on [row 5: record_id=Q4]: not a valid date: '2018-13-01' "
        f"(in {folder / 'questionnaires.csv'})"
    ) in _read_error(folder)


def test_a_broken_utf16_file_names_line_and_column(tmp_path):
    write_tables(small_export_tables(), tmp_path / "utf8")
    write_variant(tmp_path / "utf8", tmp_path / "u16", *VARIANTS["unicode_text"])
    path = tmp_path / "u16" / "clients.csv"
    text = path.read_bytes()
    at = text.index("C2\t".encode("utf-16-le")) + len("C2\t".encode("utf-16-le"))
    path.write_bytes(text[:at] + b"\x00\xd8" + text[at:])  # a lone surrogate in sex
    message = _read_error(tmp_path / "u16")
    assert "clients.sex [line 3]: bytes b'\\x00\\xd8' are not utf-16 text; " in message, message
    assert f"(in {path})" in message
