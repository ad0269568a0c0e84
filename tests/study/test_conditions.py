"""Condition per team-period: the lag rule, reference dates, inconsistencies, Table 1."""

from __future__ import annotations

import logging

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldj_analysis.conditions import ConditionError, table1, team_periods_base
from ldj_analysis.vocabulary import CONDITIONS

from .builders import checklist_row, config, make_export, period, team


def ref_minus(days: int, ref: str = "2018-06-30") -> str:
    return (pd.Timestamp(ref) - pd.Timedelta(days=days)).date().isoformat()


@pytest.mark.parametrize(("days", "expected"), [(41, "control"), (42, "partial"), (43, "partial")])
def test_training_lag_boundary(days, expected):
    ex = make_export(implementation=[period(training=ref_minus(days))])
    tp, _ = team_periods_base(ex, config())
    assert tp["condition"].tolist() == [expected]


@pytest.mark.parametrize(("days", "expected"), [(41, "partial"), (42, "full"), (43, "full")])
def test_dashboard_lag_boundary(days, expected):
    ex = make_export(implementation=[period(training=ref_minus(100), dashboard=ref_minus(days))])
    tp, _ = team_periods_base(ex, config())
    assert tp["condition"].tolist() == [expected]


def test_lag_days_configurable():
    ex = make_export(implementation=[period(training=ref_minus(10))])
    assert (
        team_periods_base(ex, config(conditions={"lag_days": 10}))[0]["condition"][0] == "partial"
    )
    assert (
        team_periods_base(ex, config(conditions={"lag_days": 11}))[0]["condition"][0] == "control"
    )


def test_control_arm_always_control(caplog):
    ex = make_export(
        teams=[team(arm="control")],
        implementation=[period(training=ref_minus(200), dashboard=ref_minus(100))],
    )
    with caplog.at_level(logging.WARNING):
        tp, msgs = team_periods_base(ex, config())
    assert tp["condition"].tolist() == ["control"]
    assert any("control-arm team T1" in m for m in msgs)


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("checklist_filled_on", "partial"),
        ("implementation_filled_on", "control"),
        ("period_end", "control"),
    ],
)
def test_reference_date_choice(reference, expected):
    # Checklist filled 2018-07-15; implementation questionnaire and period end 2018-06-30.
    ex = make_export(
        implementation=[period(training="2018-06-01")],
        checklist=[checklist_row(filled_on="2018-07-15")],
    )
    tp, _ = team_periods_base(ex, config(conditions={"reference_date": reference}))
    assert tp["condition"].tolist() == [expected]
    assert tp["reference_date"].iloc[0] == pd.Timestamp(
        "2018-07-15" if reference == "checklist_filled_on" else "2018-06-30"
    )


def _backwards_export():
    # Moment 2's checklist was filled before moment 1's reference date + lag of the dashboard.
    impl = [
        period(
            moment=1,
            start="2018-01-01",
            end="2018-06-30",
            training="2018-01-01",
            dashboard="2018-03-01",
        ),
        period(
            moment=2,
            start="2018-07-01",
            end="2018-12-31",
            training="2018-01-01",
            dashboard="2018-03-01",
        ),
    ]
    chk = [
        checklist_row(moment=1, filled_on="2018-06-30"),
        checklist_row(moment=2, filled_on="2018-04-01"),
    ]
    return make_export(implementation=impl, checklist=chk)


def test_backwards_condition_warns_or_raises(caplog):
    with caplog.at_level(logging.WARNING):
        tp, msgs = team_periods_base(_backwards_export(), config())
    assert tp["condition"].tolist() == ["full", "partial"]
    assert any("goes back from full to partial" in m for m in msgs)
    assert "goes back" in caplog.text
    with pytest.raises(ConditionError, match="goes back"):
        team_periods_base(_backwards_export(), config(conditions={"inconsistency": "error"}))


def test_dashboard_without_training():
    ex = make_export(implementation=[period(dashboard=ref_minus(100))])
    tp, msgs = team_periods_base(ex, config())
    assert tp["condition"].tolist() == ["full"]
    assert any("dashboard date" in m and "no training date" in m for m in msgs)
    with pytest.raises(ConditionError):
        team_periods_base(ex, config(conditions={"inconsistency": "error"}))


def test_table1_published_order():
    # Team: (arm, conditions per moment). Reproduces part of the published Table 1 order.
    spec = {
        "16": ("experimental", ["control", "full", "full", "full"]),
        "8": ("control", ["control"] * 4),
        "3": ("control", ["control"] * 3),
        "7": ("experimental", ["control", "partial", "full"]),
        "10": ("experimental", ["control", "partial", "full", "full"]),
        "4": ("experimental", ["control", "partial", "full", "full"]),
        "2": ("experimental", ["control", "partial", "partial", "partial"]),
        "1": ("experimental", ["control", "partial", "partial", "full"]),
    }
    rows = [
        {"team_id": t, "arm": arm, "moment": m + 1, "condition": c}
        for t, (arm, conds) in spec.items()
        for m, c in enumerate(conds)
    ]
    t1 = table1(pd.DataFrame(rows))
    assert t1["team_id"].tolist() == ["3", "8", "2", "1", "7", "4", "10", "16"]
    assert list(t1.columns) == ["team_id", "period_1", "period_2", "period_3", "period_4"]
    assert t1.loc[t1.team_id == "7", "period_4"].isna().all()
    assert t1.loc[t1.team_id == "1"].iloc[0, 1:].tolist() == [
        "control",
        "partial",
        "partial",
        "full",
    ]


@settings(max_examples=200, deadline=None)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from(["T1", "T2", "T10", "A3", "t2"]), st.integers(1, 4)),
        st.sampled_from(CONDITIONS),
        max_size=20,
    ),
    st.permutations(range(20)),
)
def test_condition_sequences_join_each_teams_ranks_in_moment_order(cells, shuffle):
    """The definition: per team, the ranks of its conditions sorted by moment, joined."""
    from ldj_analysis.conditions import condition_sequences

    rows = [(t, m, c) for (t, m), c in cells.items()]
    rows = [rows[i] for i in shuffle if i < len(rows)]
    tp = pd.DataFrame(
        {
            "team_id": pd.Series([r[0] for r in rows], dtype="str"),
            "moment": pd.Series([r[1] for r in rows], dtype="int64"),
            "condition": pd.Series([r[2] for r in rows], dtype="str"),
        }
    )
    want = {
        team: "".join(
            str(CONDITIONS.index(c)) for _, c in sorted((m, c) for t, m, c in rows if t == team)
        )
        for team in {r[0] for r in rows}
    }
    got = condition_sequences(tp)
    assert got.to_dict() == want
    assert list(got.index) == sorted(want)


def test_condition_sequences_refuse_an_unknown_condition():
    tp = pd.DataFrame(
        {
            "team_id": pd.Series(["T1", "T1"], dtype="str"),
            "moment": [1, 2],
            "condition": pd.Series(["control", None], dtype="str"),
        }
    )
    with pytest.raises(ValueError, match="conditions outside"):
        table1(tp.assign(arm="control"))
