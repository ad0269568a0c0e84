"""Export validation: one broken export per contract rule, each named in the message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.config import validate_config
from ldj_analysis.export import ExportError, load_export, read_raw
from ldj_analysis.validation import _check_record_references, validate_dir

from .builders import small_export_tables, write_tables

CONFIG = validate_config({})


def _set(table, row, column, value):
    def mutate(tables):
        tables[table].loc[row, column] = value

    return mutate


def _drop_row(table, row):
    def mutate(tables):
        tables[table] = tables[table].drop(index=row)

    return mutate


def _drop_column(table, column):
    def mutate(tables):
        tables[table] = tables[table].drop(columns=column)

    return mutate


def _duplicate_row(table, row):
    def mutate(tables):
        tables[table] = pd.concat([tables[table], tables[table].iloc[[row]]])

    return mutate


# (mutation, substrings the error message must contain)
HARD_ERRORS = {
    "duplicate team": (_duplicate_row("teams", 0), ["teams.team_id", "team_id=T1", "duplicate"]),
    "unknown care type": (
        _set("teams", 0, "care_type", "kliniek"),
        ["teams.care_type", "team_id=T1", "ambulant"],
    ),
    "unknown arm": (_set("teams", 1, "arm", "placebo"), ["teams.arm", "team_id=T2"]),
    "missing institution": (
        _set("teams", 0, "institution_id", ""),
        ["teams.institution_id", "team_id=T1", "missing"],
    ),
    "duplicate team-moment": (
        _duplicate_row("implementation", 1),
        ["implementation.team_id+moment", "team_id=T1, moment=2", "duplicate"],
    ),
    "implementation team unknown": (
        _set("implementation", 3, "team_id", "T9"),
        ["implementation.team_id", "T9", "not in teams"],
    ),
    "moment 0": (_set("implementation", 0, "moment", "0"), ["implementation.moment", ">= 1"]),
    "moment not a number": (
        _set("implementation", 0, "moment", "one"),
        ["implementation.moment", "not a valid int", "'one'"],
    ),
    "negative closed": (
        _set("implementation", 2, "closed_treatments", "-4"),
        ["implementation.closed_treatments", "team_id=T2, moment=1", ">= 0"],
    ),
    "period start after end": (
        _set("implementation", 1, "period_start", "2019-01-01"),
        ["implementation.period_start", "team_id=T1, moment=2", "before period_end"],
    ),
    "missing period end": (
        _set("implementation", 1, "period_end", ""),
        ["implementation.period_end", "team_id=T1, moment=2", "missing"],
    ),
    "bad date": (
        _set("implementation", 1, "filled_on", "2018-02-30"),
        ["implementation.filled_on", "team_id=T1, moment=2", "not a valid date", "2018-02-30"],
    ),
    "implausible date": (
        _set("implementation", 1, "filled_on", "1918-12-31"),
        ["implementation.filled_on", "team_id=T1, moment=2", "implausible date"],
    ),
    "training dates disagree": (
        _set("implementation", 0, "training_date", "2018-03-01"),
        ["implementation.training_date", "team_id=T1", "disagree", "2018-03-01", "2018-08-01"],
    ),
    "opgroei instrument in opvoed column": (
        _set("implementation", 0, "instrument_opvoed", "CBCL_6-18"),
        ["implementation.instrument_opvoed", "team_id=T1, moment=1", "GVL"],
    ),
    "unknown instrument code": (
        _set("implementation", 0, "instrument_opgroei", "CBCL"),
        ["implementation.instrument_opgroei", "must be one of"],
    ),
    "checklist without implementation": (
        _drop_row("implementation", 3),
        ["checklist.moment", "team_id=T2, moment=2", "no matching implementation"],
    ),
    "implementation without checklist": (
        _drop_row("checklist", 0),
        ["implementation.moment", "team_id=T1, moment=1", "no matching checklist"],
    ),
    "checklist item 3": (
        _set("checklist", 2, "item_07", "3"),
        ["checklist.item_07", "team_id=T2, moment=1", "0, 1 or 2"],
    ),
    "checklist item fraction": (
        _set("checklist", 2, "item_07", "1.5"),
        ["checklist.item_07", "not a valid int"],
    ),
    "checklist team unknown": (
        _set("checklist", 0, "team_id", "T7"),
        ["checklist.team_id", "T7", "not in teams"],
    ),
    "duplicate client": (
        _duplicate_row("clients", 1),
        ["clients.client_id", "client_id=C2", "duplicate"],
    ),
    "duplicate treatment": (
        _duplicate_row("treatments", 1),
        ["treatments.treatment_id", "treatment_id=B2", "duplicate"],
    ),
    "duplicate record": (
        _duplicate_row("questionnaires", 2),
        ["questionnaires.record_id", "record_id=Q3", "duplicate"],
    ),
    "missing required column": (
        _drop_column("questionnaires", "occasion"),
        ["questionnaires.occasion", "required column missing"],
    ),
}

# Problems limited to one record: excluded (and logged) by default, errors when configured.
RECORD_PROBLEMS = {
    "unknown informant": (
        _set("questionnaires", 0, "informant", "oom"),
        "questionnaires",
        "Q1",
        ["questionnaires.informant", "record_id=Q1", "moeder"],
    ),
    "unknown occasion": (
        _set("questionnaires", 0, "occasion", "midden"),
        "questionnaires",
        "Q1",
        ["questionnaires.occasion", "record_id=Q1", "tussen"],
    ),
    "questionnaire of unknown client": (
        _set("questionnaires", 4, "client_id", "C99"),
        "questionnaires",
        "Q5",
        ["questionnaires.client_id", "record_id=Q5", "not in clients"],
    ),
    "questionnaire of unknown treatment": (
        _set("questionnaires", 4, "treatment_id", "B99"),
        "questionnaires",
        "Q5",
        ["questionnaires.treatment_id", "record_id=Q5", "not in treatments"],
    ),
    "treatment of another client": (
        _set("questionnaires", 4, "treatment_id", "B1"),
        "questionnaires",
        "Q5",
        ["questionnaires.treatment_id", "record_id=Q5", "another client"],
    ),
    "negative raw total": (
        _set("questionnaires", 1, "raw_total", "-3"),
        "questionnaires",
        "Q2",
        ["questionnaires.raw_total", "record_id=Q2", ">= 0"],
    ),
    "treatment ends before start": (
        _set("treatments", 0, "end_date", "2017-01-01"),
        "treatments",
        "B1",
        ["treatments.end_date", "treatment_id=B1", "not be before start_date"],
    ),
    "treatment of unknown team": (
        _set("treatments", 0, "team_id", "T5"),
        "treatments",
        "B1",
        ["treatments.team_id", "treatment_id=B1", "not in teams"],
    ),
    "unknown sex code": (
        _set("clients", 0, "sex", "v"),
        "clients",
        "C1",
        ["clients.sex", "client_id=C1", "m, f"],
    ),
    # Impossible records: dated before the client's birth.
    "questionnaire before the client's birth": (
        _set("questionnaires", 3, "filled_on", "2009-06-01"),  # C2 born 2010-01-01
        "questionnaires",
        "Q4",
        ["questionnaires.filled_on", "record_id=Q4", "before the client's birth_date"],
    ),
    "treatment before the client's birth": (
        _set("treatments", 0, "start_date", "2007-01-01"),  # C1 born 2008-03-01
        "treatments",
        "B1",
        ["treatments.start_date", "treatment_id=B1", "before the client's birth_date"],
    ),
    "client born after their treatment and lists": (
        _set("clients", 1, "birth_date", "2018-06-01"),  # B2 starts 2018-01-15, Q3 2018-01-20
        "treatments",
        "B2",
        ["treatments.start_date", "treatment_id=B2", "questionnaires.filled_on", "Q3"],
    ),
}


def _export_dir(tmp_path, mutate=None):
    tables = small_export_tables()
    if mutate is not None:
        mutate(tables)
    write_tables(tables, tmp_path / "export")
    return tmp_path / "export"


def test_valid_export_passes(tmp_path):
    result = validate_dir(_export_dir(tmp_path), CONFIG)
    assert result.exclusions.empty
    assert len(result.export.questionnaires) == 6
    q = result.export.questionnaires
    assert str(q["filled_on"].dtype) == "datetime64[ns]"
    assert q["raw_total"].isna().sum() == 1
    assert result.export.checklist["item_01"].dtype == "Int64"


@pytest.mark.parametrize("name", sorted(HARD_ERRORS))
def test_contract_rule_breaks_with_message(tmp_path, name):
    mutate, expected = HARD_ERRORS[name]
    with pytest.raises(ExportError) as err:
        validate_dir(_export_dir(tmp_path, mutate), CONFIG)
    message = str(err.value)
    for text in expected:
        assert text in message, f"{text!r} not in:\n{message}"


@pytest.mark.parametrize("name", sorted(RECORD_PROBLEMS))
def test_record_problem_is_excluded_and_logged(tmp_path, name):
    mutate, table, key, expected = RECORD_PROBLEMS[name]
    result = validate_dir(_export_dir(tmp_path, mutate), CONFIG)
    row = result.exclusions[(result.exclusions["table"] == table)]
    assert key in set(row["key"]), result.exclusions
    assert (row["step"] == "validation").all()
    assert key not in set(result.export.tables()[table].iloc[:, 0])


@pytest.mark.parametrize("name", sorted(RECORD_PROBLEMS))
def test_record_problem_is_an_error_when_configured(tmp_path, name):
    mutate, _, _, expected = RECORD_PROBLEMS[name]
    strict = validate_config({"validation": {"record_problems": "error"}})
    with pytest.raises(ExportError) as err:
        validate_dir(_export_dir(tmp_path, mutate), strict)
    for text in expected:
        assert text in str(err.value)


def test_excluding_a_client_excludes_its_records(tmp_path):
    result = validate_dir(_export_dir(tmp_path, _set("clients", 2, "sex", "x")), CONFIG)
    log = result.exclusions.set_index("key")
    assert log.loc["C3", "table"] == "clients"
    assert log.loc["B3", "reason"] == "client excluded"
    assert set(log.index) == {"C3", "B3", "Q5", "Q6"}
    assert "C3" not in set(result.export.questionnaires["client_id"])


def test_all_problems_of_a_table_at_once(tmp_path):
    def mutate(tables):
        tables["implementation"].loc[0, "closed_treatments"] = "-1"
        tables["implementation"].loc[1, "period_start"] = "2019-06-01"
        tables["implementation"].loc[2, "filled_on"] = "2018-13-01"
        tables["teams"].loc[1, "care_type"] = "thuis"

    with pytest.raises(ExportError) as err:
        validate_dir(_export_dir(tmp_path, mutate), CONFIG)
    assert len(err.value.problems) == 4, err.value
    message = str(err.value)
    assert "4 problem(s)" in message
    for text in ("closed_treatments", "period_start", "2018-13-01", "thuis"):
        assert text in message


def test_missing_table_is_named(tmp_path):
    folder = _export_dir(tmp_path)
    (folder / "checklist.csv").unlink()
    with pytest.raises(ExportError, match=r"checklist: table missing"):
        read_raw(folder)


def test_parquet_export_reads_like_csv(tmp_path):
    folder = _export_dir(tmp_path)
    csv_export = load_export(folder)
    pq = tmp_path / "pq"
    pq.mkdir()
    for table, frame in csv_export.tables().items():
        frame.to_parquet(pq / f"{table}.parquet", index=False)
    pq_export = load_export(pq)
    for table, frame in csv_export.tables().items():
        pd.testing.assert_frame_equal(frame, pq_export.tables()[table])


def test_extra_columns_are_ignored(tmp_path):
    def mutate(tables):
        tables["clients"]["postcode"] = "1234AB"

    result = validate_dir(_export_dir(tmp_path, mutate), CONFIG)
    assert "postcode" not in result.export.clients.columns


def test_configured_instrument_is_accepted_in_implementation(tmp_path):
    def mutate(tables):
        tables["implementation"].loc[0, "instrument_opgroei"] = "BRIEF"

    with pytest.raises(ExportError, match="instrument_opgroei"):
        validate_dir(_export_dir(tmp_path, mutate), CONFIG)
    config = validate_config(
        {"selection": {"instruments": {"opgroei": ["BRIEF", "CBCL_6-18"], "opvoed": ["OBVL"]}}}
    )
    result = validate_dir(_export_dir(tmp_path, mutate), config)
    assert result.export.implementation.loc[0, "instrument_opgroei"] == "BRIEF"


def test_optional_columns_may_be_absent(tmp_path):
    def mutate(tables):
        tables["checklist"] = tables["checklist"].drop(columns=["grade_use", "grade_collection"])
        tables["questionnaires"] = tables["questionnaires"].drop(columns="treatment_id")

    result = validate_dir(_export_dir(tmp_path, mutate), CONFIG)
    assert result.export.checklist["grade_use"].isna().all()
    assert result.export.questionnaires["treatment_id"].isna().all()


def test_records_before_birth_go_the_client_stays(tmp_path):
    result = validate_dir(
        _export_dir(tmp_path, _set("clients", 1, "birth_date", "2018-06-01")), CONFIG
    )
    log = result.exclusions.set_index("key")
    # B2 starts and Q3 is filled before the birth; Q4 (2018-09-01, no treatment) is possible
    assert set(log.index) == {"B2", "Q3"}
    assert log.loc["B2", "reason"] == "start_date: before the client's birth_date"
    assert log.loc["Q3", "reason"] == "filled_on: before the client's birth_date"
    assert "C2" in set(result.export.clients["client_id"])
    assert "Q4" in set(result.export.questionnaires["record_id"])


def test_born_on_the_day_of_a_list_is_possible(tmp_path):
    def mutate(tables):
        tables["clients"].loc[1, "birth_date"] = "2018-01-15"  # the day B2 starts
        tables["questionnaires"].loc[2, "filled_on"] = "2018-01-15"

    assert validate_dir(_export_dir(tmp_path, mutate), CONFIG).exclusions.empty


def test_impossible_records_from_ages_instead_of_birth_dates():
    """A source that gives ages in days at each event (not birth dates): a negative age is
    a record before the client's birth; a missing one is not checked."""
    from ldj_analysis.export import KEYS
    from ldj_analysis.key_lookups import key_lookups

    class Found:
        def __init__(self, tables):
            self.tables, self.found = tables, []

        def rows(self, table, mask, column, rule):
            if mask.any():
                self.found.append((table, column, rule, mask.tolist()))

    ids = pd.Series(["K1", "K1", "K1"], dtype="str")
    tables = {
        "teams": pd.DataFrame({"team_id": pd.Series(["T1"], dtype="str")}),
        "clients": pd.DataFrame({"client_id": pd.Series(["K1"], dtype="str")}),
        "treatments": pd.DataFrame(
            {
                "treatment_id": pd.Series(["B1", "B2", "B3"], dtype="str"),
                "client_id": ids,
                "team_id": pd.Series(["T1"] * 3, dtype="str"),
                "start_date": pd.to_datetime(["2018-01-01"] * 3),
                "_age_days_at_start": pd.array([3, None, -1], dtype="Int64"),
            }
        ),
        "questionnaires": pd.DataFrame(
            {
                "record_id": pd.Series(["Q1", "Q2", "Q3"], dtype="str"),
                "client_id": ids,
                "treatment_id": pd.Series(["B1", "B1", "B1"], dtype="str"),
                "filled_on": pd.to_datetime(["2018-01-01"] * 3),
                "_age_days": pd.array([0.0, -0.5, np.nan], dtype="float64"),
            }
        ),
    }
    found = Found(tables)
    _check_record_references(found, key_lookups(tables, KEYS))
    rule = "before the client's birth_date"
    assert found.found == [
        ("treatments", "start_date", rule, [False, False, True]),
        ("questionnaires", "filled_on", rule, [False, True, False]),
    ]
