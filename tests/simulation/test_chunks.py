"""Seeds per replication: the gathered results do not depend on the chunking."""

from __future__ import annotations

from dataclasses import replace

import pandas as pd
import pytest

from ldj_analysis.simulation.design import configured_design
from ldj_analysis.simulation.replicate import (
    RESULT_COLUMNS,
    chunk_ranges,
    client_set,
    gather,
    run_replications,
    scenarios,
    write_chunk,
)
from ldj_analysis.simulation.sets import GRID_KINDS, OUTCOME_KINDS
from ldj_analysis.simulation.summary import rejection_rates
from tests.simulation.builders import simulation_config

SCHEDULES = [["control", "control", "control"], ["control", "partial", "full"]]


def _run(tmp_path, chunk_size: int, replications: int, sim) -> pd.DataFrame:
    design = configured_design(6, 4, SCHEDULES)
    paths = []
    for c, (start, stop) in enumerate(chunk_ranges(replications, chunk_size)):
        frame = run_replications([client_set(design, 0.1)], sim, start, stop)
        paths.append(write_chunk(frame, tmp_path / f"{chunk_size}" / f"{c}.parquet"))
    return gather(paths)


def test_one_chunk_or_ten_give_identical_results(tmp_path):
    sim = simulation_config(teams=[8], effects=[0.5], trend=0.2)
    one = _run(tmp_path, 20, 20, sim)
    ten = _run(tmp_path, 2, 20, sim)
    uneven = _run(tmp_path, 7, 20, sim)
    assert list(one.columns) == RESULT_COLUMNS
    assert one["rep"].nunique() == 20
    pd.testing.assert_frame_equal(one, ten)
    pd.testing.assert_frame_equal(one, uneven)
    pd.testing.assert_frame_equal(rejection_rates(one, 0.05), rejection_rates(ten, 0.05))


def test_more_replications_keep_the_first_ones(tmp_path):
    sim = simulation_config(teams=[], effects=[], trend=0.0, methods=["mplus", "CR2"])
    first = _run(tmp_path / "a", 5, 10, sim)
    more = _run(tmp_path / "b", 5, 15, sim)
    pd.testing.assert_frame_equal(first, more[more["rep"] < 10].reset_index(drop=True))


def test_chunk_ranges_and_gather_refuses_gaps(tmp_path):
    assert chunk_ranges(25, 10) == [(0, 10), (10, 20), (20, 25)]
    with pytest.raises(ValueError):
        chunk_ranges(0, 10)
    sim = simulation_config(teams=[], effects=[], trend=0.0, methods=["mplus"])
    design = configured_design(4, 3, SCHEDULES)
    a = write_chunk(run_replications([client_set(design, 0.1)], sim, 0, 3), tmp_path / "0.parquet")
    c = write_chunk(run_replications([client_set(design, 0.1)], sim, 5, 8), tmp_path / "2.parquet")
    with pytest.raises(ValueError, match="once each"):
        gather([a, c])
    with pytest.raises(ValueError, match="once each"):
        gather([a, a])


def test_scenarios_of_the_config():
    sim = simulation_config(teams=[32, 16], effects=[0.4], trend=0.1)
    sim["icc_sensitivity"] = {"values": [0.0, 0.3], "spec": "half_year"}
    client = client_set(configured_design(16, 4, SCHEDULES), 0.1)
    plan = scenarios(sim, client)
    kinds = [(s.kind, s.teams, s.effect, s.icc) for s in plan]
    assert kinds == [
        ("size", 16, 0.0, 0.1),
        ("trend", 16, 0.0, 0.1),
        ("power", 16, 0.0, 0.1),
        ("power", 16, 0.4, 0.1),
        ("power", 32, 0.0, 0.1),
        ("power", 32, 0.4, 0.1),
        ("icc", 16, 0.0, 0.0),
        ("icc", 16, 0.0, 0.3),
    ]
    assert plan[0].specs == tuple(sim["specs"]) and plan[2].specs == (sim["power_spec"],)
    assert plan[-1].specs == ("half_year",)
    quiet = dict(sim, effects=[], trend=0, icc_sensitivity={"values": [], "spec": "study"})
    assert [s.kind for s in scenarios(quiet, client)] == ["size"]
    # a team-period outcome's set runs size and trend only, the grid set the sensitivity only
    outcome = replace(client, model="team_periods", kinds=OUTCOME_KINDS)
    assert [(s.kind, s.effect) for s in scenarios(sim, outcome)] == [
        ("size", 0.0),
        ("trend", 0.0),
        ("power", sim["team_periods"]["power_effect"]),
    ]
    grid = replace(client, model="team_periods", kinds=GRID_KINDS)
    assert [s.kind for s in scenarios(sim, grid)] == ["icc", "icc"]
