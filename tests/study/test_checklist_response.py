"""Checklist scoring with missing items; response with 0 and > 100 % closed treatments."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.checklist import checklist_scores
from ldj_analysis.derive import derive

from .builders import TEST_KEY, checklist_row, client, config, make_export, period, q, treatment


def scores(items, share=0.2):
    ex = make_export(checklist=[checklist_row(items=items)])
    return checklist_scores(ex.checklist, share).iloc[0]


def test_complete_items():
    # collection 8 items x2 = 16/16; use 7 x 1 = 7/14; preconditions 10 x 0 = 0/20.
    s = scores([2] * 8 + [1] * 7 + [0] * 10)
    assert (s.collection, s.use, s.preconditions) == (100.0, 50.0, 0.0)
    assert s.total == pytest.approx(23 / 50 * 100)


def test_missing_item_scored_over_answered_items_not_as_zero():
    s = scores([2] * 7 + [None] + [1] * 7 + [0] * 10)
    assert s.collection == 100.0  # 14 points over 7 answered items, not 14/16
    assert s.total == pytest.approx(21 / 48 * 100)


def test_too_many_missing_items_give_nan_domain_and_total():
    # 2 of 8 collection items missing = 25 % > 20 %.
    s = scores([2] * 6 + [None, None] + [1] * 17)
    assert np.isnan(s.collection) and np.isnan(s.total)
    assert s.use == 50.0
    # 2 of 10 preconditions missing = 20 %: still scored; total 3 of 25 missing also fine.
    s = scores([1] * 8 + [1] * 6 + [None] + [2] * 8 + [None, None])
    assert s.preconditions == 100.0 and s.use == 50.0
    assert s.total == pytest.approx((8 + 6 + 16) / 44 * 100)


def test_max_missing_share_zero_means_complete_domains_only():
    s = scores([2] * 7 + [None] + [1] * 17, share=0.0)
    assert np.isnan(s.collection) and s.use == 50.0


def _response_export(closed, n_clients):
    clients = [client(f"C{i}") for i in range(n_clients)]
    trs = [treatment(f"B{i}", f"C{i}") for i in range(n_clients)]
    lists = []
    for i in range(n_clients):
        lists += [
            q(f"S{i}", f"C{i}", "begin", "2017-06-10"),
            q(f"E{i}", f"C{i}", "eind", "2018-03-01"),
        ]
        lists += [
            q(f"OS{i}", f"C{i}", "begin", "2017-06-10", instrument="OBVL"),
            q(f"OE{i}", f"C{i}", "eind", "2018-03-01", instrument="OBVL"),
        ]
    lists.append(q("X", "C0", "eind", "2018-03-01", informant="vader", instrument="CBCL_6-18"))
    return make_export(
        implementation=[period(closed=closed)],
        clients=clients,
        treatments=trs,
        questionnaires=lists,
    )


@pytest.mark.parametrize(
    ("numerator", "expected"), [("clients_with_pair", 2), ("pairs", 4), ("clients_with_post", 2)]
)
def test_response_numerators(norms, numerator, expected):
    d = derive(
        _response_export(8, 2),
        config(response={"numerator": numerator}),
        norms=norms,
        pseudonym_key=TEST_KEY,
    )
    tp = d.team_periods.iloc[0]
    assert tp.n_responders == expected
    assert tp.response == pytest.approx(expected / 8 * 100)


def test_clients_with_post_counts_end_lists_without_pair(norms):
    ex = make_export(
        clients=[client("C1"), client("C2")],
        treatments=[treatment("B1", "C1"), treatment("B2", "C2")],
        questionnaires=[
            q("S", "C1", "begin", "2017-06-10"),
            q("E", "C1", "eind", "2018-03-01"),
            q("E2", "C2", "eind", "2018-03-01"),
        ],
    )
    d = derive(
        ex, config(response={"numerator": "clients_with_post"}), norms=norms, pseudonym_key=TEST_KEY
    )
    assert d.team_periods["n_responders"].tolist() == [2]


def test_zero_closed_gives_nan_and_warning(norms, caplog):
    with caplog.at_level(logging.WARNING):
        d = derive(_response_export(0, 2), config(), norms=norms, pseudonym_key=TEST_KEY)
    assert np.isnan(d.team_periods["response"].iloc[0])
    assert any("0 closed treatments" in w for w in d.warnings)
    assert (
        (d.exclusions["step"] == "response") & (d.exclusions["key"] == "team_id=T1, moment=1")
    ).sum() == 1


def test_over_100_percent_warns_with_team_period(norms):
    d = derive(_response_export(1, 2), config(), norms=norms, pseudonym_key=TEST_KEY)
    assert d.team_periods["response"].iloc[0] == 200.0
    assert any("team T1 moment 1" in w and "exceeds 100" in w for w in d.warnings)


def test_team_periods_columns(norms):
    d = derive(_response_export(4, 1), config(), norms=norms, pseudonym_key=TEST_KEY)
    assert list(d.team_periods.columns) == [
        "team_id",
        "institution_id",
        "arm",
        "moment",
        "period_start",
        "period_end",
        "reference_date",
        "condition",
        "collection",
        "use",
        "preconditions",
        "total",
        "closed_treatments",
        "n_responders",
        "response",
    ]
    assert isinstance(d.team_periods["period_start"].iloc[0], pd.Timestamp)
