"""Designs: the selected study grid from derived frames, configured designs, scaling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.simulation.design import (
    Design,
    DesignError,
    configured_design,
    selected_design,
    team_period_design,
)
from ldj_analysis.simulation.generate import cells, draw
from ldj_analysis.simulation.sets import ScenarioSet, read_sets, write_sets


def _team_periods() -> pd.DataFrame:
    rows = []
    starts = ["2018-01-01", "2018-07-01", "2019-01-01"]
    for team, conditions in {"2": ["control", "partial", "full"], "10": ["control"] * 3}.items():
        for m, (start, cond) in enumerate(zip(starts, conditions, strict=True), start=1):
            rows.append(
                {
                    "team_id": team,
                    "moment": m,
                    "condition": cond,
                    "period_start": pd.Timestamp(start),
                    "period_end": pd.Timestamp(start) + pd.Timedelta(days=180),
                }
            )
    rows[-1]["condition"] = None  # team 10 has no third measurement
    return pd.DataFrame(rows)


def _pairs() -> pd.DataFrame:
    rows = [("2", 1, "opgroei")] * 3 + [("2", 3, "opgroei")] * 2 + [("10", 2, "opgroei")]
    rows += [("2", 1, "opvoed")] * 5
    return pd.DataFrame(rows, columns=["team_id", "moment", "domain"]).assign(
        moment=lambda f: f["moment"].astype("Int64")
    )


def test_selected_design_is_table1_with_clients_per_team_period():
    design = selected_design(_team_periods(), _pairs(), "opgroei")
    assert design.teams == ("2", "10")  # natural order of team ids
    assert design.conditions.tolist() == [
        ["control", "partial", "full"],
        ["control", "control", ""],
    ]
    assert design.clients.tolist() == [[3, 0, 2], [0, 1, 0]]
    assert design.halfyear.tolist() == [[0, 1, 2], [0, 1, -1]]


def test_selected_design_unknown_domain_is_an_error():
    with pytest.raises(DesignError, match="domain 'nope'"):
        selected_design(_team_periods(), _pairs(), "nope")


def test_configured_design_takes_schedules_in_turn():
    design = configured_design(5, 3, [["control", "full"], ["control", "control"]])
    assert design.n_teams == 5
    assert design.conditions[:, 1].tolist() == ["full", "control", "full", "control", "full"]
    assert design.n_clients == 5 * 2 * 3
    assert design.halfyear[0].tolist() == [0, 1]


def test_scaling_repeats_teams_and_roundtrips_through_json(tmp_path):
    design = selected_design(_team_periods(), _pairs(), "opgroei")
    big = design.scaled(5)
    assert big.teams == ("2", "10", "2#2", "10#2", "2#3")
    assert big.clients.sum() == 3 * 5 + 2 * 1  # teams 2 three times, team 10 twice
    written = ScenarioSet("outcomes", "opgroei", big, {"icc": 0.1, "source": "test"}, ("size",))
    path = write_sets([written], tmp_path / "d.json")
    (back,) = read_sets(path)
    again, components = back.design, back.components
    assert back == ScenarioSet(**{**written.__dict__, "design": again})
    assert again.to_dict() == big.to_dict()
    assert components["icc"] == 0.1


def test_bad_designs_are_refused():
    with pytest.raises(DesignError, match="unknown condition"):
        configured_design(2, 3, [["control", "bogus"]])
    with pytest.raises(DesignError, match="differ in length"):
        configured_design(2, 3, [["control"], ["control", "full"]])
    with pytest.raises(DesignError, match="no clients"):
        Design("x", ("a",), np.array([["control"]]), np.array([[0]]), np.array([[0]]))


def test_draw_has_one_row_per_client_and_the_effects_where_configured():
    design = configured_design(4, 6, [["control", "partial"], ["control", "full"]])
    data = draw(design, 0.2, np.random.default_rng(1))
    where = cells(design)
    assert data.noise.size == design.n_clients == where["team"].size
    y = data.outcome(effect=0.5, partial_share=0.4, trend=0.1)
    shift = y - data.noise
    expected = (
        np.select([data.condition == "full", data.condition == "partial"], [0.5, 0.2], 0.0)
        + 0.1 * data.halfyear
    )
    np.testing.assert_allclose(shift, expected)


def test_team_period_design_has_one_observation_per_team_period_with_the_outcome():
    team_periods = _team_periods().assign(use=[10.0, None, 30.0, 5.0, 6.0, None])
    design = team_period_design(team_periods, "use")
    assert design.teams == ("2", "10")
    assert design.conditions.tolist() == [
        ["control", "partial", "full"],
        ["control", "control", ""],
    ]
    assert design.clients.tolist() == [[1, 0, 1], [1, 1, 0]]  # missing outcomes left out
    with pytest.raises(DesignError, match="outcome column 'total'"):
        team_period_design(team_periods, "total")
