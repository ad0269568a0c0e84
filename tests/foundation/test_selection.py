"""Selecting institutions, teams, a window of periods, arms and instruments."""

import pandas as pd
import pytest

from ldj_analysis.config import validate_config
from ldj_analysis.export import coerce_export
from ldj_analysis.selection import SelectionError, select, shortfalls
from ldj_analysis.validation import validate_export

from .builders import small_export_tables


def _export():
    export, problems = coerce_export(small_export_tables())
    assert not problems
    return validate_export(export, validate_config({})).export


def _selection(**kwargs):
    return validate_config({"selection": kwargs})["selection"]


def test_default_selection_keeps_everything():
    export = _export()
    selected, log = select(export, _selection())
    assert log.empty
    for table, frame in export.tables().items():
        assert len(selected.tables()[table]) == len(frame), table


def test_window_keeps_periods_inside_and_renumbers_moments():
    selected, log = select(_export(), _selection(window_start="2018-07-01"))
    impl = selected.implementation
    assert list(impl["moment"]) == [1, 1]
    assert list(impl["period_start"].dt.strftime("%Y-%m-%d")) == ["2018-07-01"] * 2
    assert list(selected.checklist["moment"]) == [1, 1]
    assert set(selected.checklist["filled_on"].dt.strftime("%Y-%m-%d")) == {"2018-12-31"}
    assert sorted(log["key"]) == ["team_id=T1, moment=1", "team_id=T2, moment=1"]
    assert (log["step"] == "selection").all()


def test_window_end_is_inclusive():
    selected, _ = select(_export(), _selection(window_end="2018-06-30"))
    assert len(selected.implementation) == 2
    with pytest.raises(SelectionError, match="no team-period.*selection.window_end.*2018-06-29"):
        select(_export(), _selection(window_end="2018-06-29"))


def test_team_and_institution_selection():
    selected, log = select(_export(), _selection(teams=["T2"]))
    assert list(selected.teams["team_id"]) == ["T2"]
    assert set(selected.implementation["team_id"]) == {"T2"}
    assert list(log["key"]) == ["T1"]
    with pytest.raises(SelectionError, match="selection.institutions.*I9"):
        select(_export(), _selection(institutions=["I9"]))


def test_arm_override():
    selected, _ = select(_export(), _selection(arm_override={"T2": "experimental"}))
    assert list(selected.teams["arm"]) == ["experimental", "experimental"]
    with pytest.raises(SelectionError, match="selection.arm_override.*T8"):
        select(_export(), _selection(arm_override={"T8": "control"}))


def test_instrument_not_configured_is_dropped_and_logged():
    selected, log = select(
        _export(), _selection(instruments={"opgroei": ["CBCL_6-18"], "opvoed": ["GVL"]})
    )
    assert selected.implementation["instrument_opvoed"].isna().all()
    assert (log["reason"] == "instrument not in selection.instruments.opvoed").sum() == 2


def _team_periods(teams, conditions, arms):
    return pd.DataFrame({"team_id": teams, "condition": conditions, "arm": arms})


def test_shortfalls_name_what_is_missing_and_the_keys():
    pairs = pd.DataFrame({"domain": ["opgroei"]})
    complete = _team_periods(
        ["1", "1", "2", "2"],
        ["control", "partial", "control", "full"],
        ["experimental", "experimental", "control", "control"],
    )
    assert shortfalls(complete, pd.DataFrame({"domain": ["opgroei", "opvoed"]})) == []
    found = shortfalls(_team_periods(["1"], ["control"], ["experimental"]), pairs)
    text = "\n".join(found)
    assert "only 1 team" in text and "'selection.teams'" in text
    assert "condition 'partial'" in text and "condition 'full'" in text
    assert "'conditions.lag_days'" in text
    assert "no control-arm team" in text
    assert "no opvoed pairs" in text and "'selection.instruments.opvoed'" in text
    assert "opgroei pairs" not in text
