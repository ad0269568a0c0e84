"""Each ``simulation.*`` key without a test elsewhere changes the simulation's outputs as the
schema's description says (tests/study/test_config_keys.py maps the keys to these tests).

The keys are changed through the functions the simulation rules' scripts call
(``design_from_config``, ``components_from_config``, ``run_replications``, ``mdes_table``)
on designs small enough that every test takes well under a second.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.config import validate_config
from ldj_analysis.simulation.design import NO_PERIOD, DesignError, design_from_config
from ldj_analysis.simulation.generate import components_from_config, draw
from ldj_analysis.simulation.replicate import client_set, run_replications
from ldj_analysis.simulation.specs import SPEC_MATRICES
from ldj_analysis.simulation.summary import crossing, mdes_table, rejection_rates

ALPHA = 0.05
ICC = 0.1
SCHEDULES = [["control", "control", "control"], ["control", "partial", "full"]]
#: Scenarios off unless a test turns them on: only the size scenario, mplus only.
QUIET: dict[str, Any] = {
    "effects": [],
    "trend": 0,
    "specs": ["study"],
    "methods": ["mplus"],
    "icc_sensitivity": {"values": []},
}


def sim_config(**keys: Any) -> dict[str, Any]:
    """``simulation.*`` validated (defaults filled) with a small configured design."""
    design = {"source": "configured", "teams": 4, "clients": 3, "schedules": SCHEDULES}
    return validate_config({"simulation": {"design": design, **QUIET, **keys}})["simulation"]


def results(sim: dict[str, Any], reps: int = 3, icc: float = ICC) -> pd.DataFrame:
    """Replications 0 .. reps - 1 of the configured design of ``sim``."""
    return run_replications([client_set(design_from_config(sim), icc)], sim, 0, reps)


def pick(frame: pd.DataFrame, **where: Any) -> pd.DataFrame:
    mask = np.ones(len(frame), bool)
    for column, value in where.items():
        mask &= (frame[column] == value).to_numpy()
    return frame[mask].sort_values("rep").reset_index(drop=True)


# --- the data and the design -------------------------------------------------------------


def test_seed():
    """Other seed, other draws; replication r of a J-team design draws from (seed, r, J)."""
    sim = sim_config(seed=1)
    one, again, other = results(sim), results(sim), results(sim_config(seed=2))
    pd.testing.assert_frame_equal(one, again)
    assert (one["estimate"] != other["estimate"]).all()
    design = design_from_config(sim)
    for rep in range(3):
        rng = np.random.default_rng(np.random.SeedSequence([1, rep, design.n_teams]))
        data = draw(design, ICC, rng)
        X, names, _ = SPEC_MATRICES["study"](data.condition, data.halfyear, data.team)
        beta = np.linalg.lstsq(X, data.noise, rcond=None)[0]
        got = pick(one, rep=rep, term="full")["estimate"].iloc[0]
        assert got == pytest.approx(beta[names.index("full")], abs=1e-12)


def _study_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    """Six teams, two half-year periods; opgroei pairs differ between teams (a high ICC),
    opvoed pairs only within teams (ICC 0) and come in other numbers."""
    team_periods, pairs = [], []
    for t in range(1, 7):
        for moment, start in ((1, "2018-01-01"), (2, "2018-07-01")):
            condition = "control" if moment == 1 or t <= 3 else "full"
            team_periods.append(
                {
                    "team_id": str(t),
                    "moment": moment,
                    "condition": condition,
                    "period_start": pd.Timestamp(start),
                    "period_end": pd.Timestamp(start) + pd.Timedelta(days=180),
                }
            )
            for k in range(4):  # opgroei: 4 clients, the team's level plus a small spread
                pairs.append((str(t), moment, "opgroei", condition, t + 0.1 * (k - 1.5)))
            for k in range(2 if moment == 1 else 6):  # opvoed: team means all 0
                pairs.append((str(t), moment, "opvoed", condition, (-1.0) ** k))
    columns = ["team_id", "moment", "domain", "condition", "post_z"]
    return pd.DataFrame(team_periods), pd.DataFrame(pairs, columns=columns)


def test_domain():
    """The domain's pairs give the clients per team-period and the estimated ICC."""
    team_periods, pairs = _study_frames()
    by_domain = {}
    for domain in ("opgroei", "opvoed"):
        sim = validate_config({"simulation": {"domain": domain}})["simulation"]
        design = design_from_config(sim, team_periods, pairs)
        by_domain[domain] = design, components_from_config(sim, pairs)
    (groei, groei_icc), (voed, voed_icc) = by_domain["opgroei"], by_domain["opvoed"]
    assert (groei.clients == 4).all()
    assert voed.clients.tolist() == [[2, 6]] * 6
    assert groei_icc["icc"] > 0.5 and voed_icc["icc"] == pytest.approx(0.0, abs=1e-9)
    assert "opvoed" in voed_icc["source"]


def test_icc():
    """A number is used instead of the estimate from the pairs (which it does not need)."""
    team_periods, pairs = _study_frames()
    estimated = components_from_config(validate_config({})["simulation"], pairs)
    assert estimated["icc"] > 0.5 and "estimated" in estimated["source"]
    set_icc = sim_config(icc=0.25)
    assert components_from_config(set_icc, pairs) == {
        "source": "config (simulation.icc)",
        "icc": 0.25,
    }
    assert components_from_config(set_icc, None)["icc"] == 0.25
    with pytest.raises(ValueError, match="needs"):
        components_from_config(validate_config({})["simulation"], None)


def test_design_keys():
    """source picks the study's grid or the numbers; teams, clients and schedules shape it."""
    team_periods, pairs = _study_frames()
    selected = validate_config({})["simulation"]
    assert design_from_config(selected, team_periods, pairs).source == "selected"
    with pytest.raises(DesignError, match="needs team_periods"):
        design_from_config(selected)
    schedules = [["control", "full"], ["control", NO_PERIOD], ["partial", "full"]]
    design = {"source": "configured", "teams": 5, "clients": 7, "schedules": schedules}
    sim = validate_config({"simulation": {"design": design}})["simulation"]
    configured = design_from_config(sim, team_periods, pairs)  # the data are not used
    assert configured.source == "configured" and configured.n_teams == 5
    assert configured.conditions.tolist() == [schedules[k % 3] for k in range(5)]
    assert configured.clients.tolist() == [[7, 7], [7, 0], [7, 7], [7, 7], [7, 0]]
    more = dict(design, teams=8, clients=2, schedules=[["control", "partial", "full"]])
    bigger = design_from_config(validate_config({"simulation": {"design": more}})["simulation"])
    assert bigger.conditions.tolist() == [["control", "partial", "full"]] * 8
    assert (bigger.clients == 2).all() and bigger.halfyear[0].tolist() == [0, 1, 2]


# --- the scenarios -------------------------------------------------------------------------


def test_effects_and_teams():
    """The power scenarios: every number of teams (the design's own added) times every
    effect (0 added), and the effect is what the drawn outcome's full condition gets."""
    out = results(sim_config(effects=[0.5], teams=[6]), reps=2)
    power = out[out["kind"] == "power"]
    grid = set(map(tuple, power[["teams", "effect"]].drop_duplicates().to_numpy().tolist()))
    assert grid == {(4, 0.0), (4, 0.5), (6, 0.0), (6, 0.5)}
    for teams in (4, 6):
        null = pick(power, teams=teams, effect=0.0, term="full")["estimate"]
        shifted = pick(power, teams=teams, effect=0.5, term="full")["estimate"]
        np.testing.assert_allclose(shifted - null, 0.5, atol=1e-12)
    wider = results(sim_config(effects=[0.3, 0.9], teams=[4, 10]), reps=1)
    power = wider[wider["kind"] == "power"]
    assert set(power["teams"]) == {4, 10} and set(power["effect"]) == {0.0, 0.3, 0.9}
    assert "power" not in set(results(sim_config(effects=[], teams=[6]), reps=1)["kind"])


def test_partial_share():
    """partial gets partial_share of the full effect in the drawn data (same draws)."""
    estimates = {}
    for share in (0.5, 1.0):
        out = results(sim_config(effects=[0.8], teams=[4], partial_share=share), reps=2)
        power = out[(out["kind"] == "power") & (out["effect"] == 0.8)]
        estimates[share] = {t: pick(power, term=t)["estimate"] for t in ("partial", "full")}
    np.testing.assert_allclose(
        estimates[1.0]["partial"] - estimates[0.5]["partial"], 0.5 * 0.8, atol=1e-12
    )
    np.testing.assert_allclose(estimates[1.0]["full"], estimates[0.5]["full"], atol=1e-12)


def test_power():
    """The MDES is where the power curve crosses simulation.power; Bloom's MDES beside it."""
    design = {"source": "configured", "teams": 12, "clients": 10, "schedules": SCHEDULES}
    effects = [0.25, 0.5, 0.75, 1.0, 1.5]
    sim = sim_config(design=design, effects=effects, teams=[12], methods=["mplus", "CR2"])
    design = design_from_config(sim)
    rates = rejection_rates(results(sim, reps=20), ALPHA)
    tables = {
        p: mdes_table(rates, design, ICC, dict(sim, power=p), ALPHA).set_index("method")
        for p in (0.5, 0.8)
    }
    for p, table in tables.items():
        assert (table["power"] == p).all()
        for method, row in table.iterrows():
            curve = rates[
                (rates["kind"] == "power") & (rates["term"] == "full") & (rates["method"] == method)
            ].sort_values("effect")
            assert row["mdes"] == crossing(curve["effect"].to_numpy(), curve["rate"].to_numpy(), p)
    assert np.isfinite(tables[0.8]["mdes"]).all()
    assert (tables[0.5]["analytic_mdes"] < tables[0.8]["analytic_mdes"]).all()
    assert (tables[0.5]["mdes"] < tables[0.8]["mdes"]).all()


def test_trend():
    """A trend scenario whose outcome has the trend per half-year (half-year dummies absorb
    it exactly, the study's model reads part of it as an effect); 0 = no such scenario."""
    out = results(sim_config(trend=0.3, specs=["study", "half_year"]), reps=2)
    assert set(out["kind"]) == {"size", "trend"}
    assert set(out.loc[out["kind"] == "trend", "trend"]) == {0.3}
    for spec, same in (("half_year", True), ("study", False)):
        size = pick(out, kind="size", spec=spec, term="full")["estimate"]
        trend = pick(out, kind="trend", spec=spec, term="full")["estimate"]
        assert np.allclose(size, trend, atol=1e-12) == same
    # study model: full is in half-year 2 only, control in 0-2, so the trend adds 2 * 0.3 minus
    # the control clients' mean trend (half-year 0: 12 clients, 1: 6, 2: 6 -> 18/24 * 0.3)
    study = pick(out, kind="trend", spec="study", term="full")["estimate"]
    base = pick(out, kind="size", spec="study", term="full")["estimate"]
    np.testing.assert_allclose(study - base, 0.6 - 0.3 * 18 / 24, atol=1e-12)
    assert set(results(sim_config(trend=0, specs=["study"]), reps=1)["kind"]) == {"size"}


# --- the models and the inference ----------------------------------------------------------


def test_specs_power_spec_and_methods():
    """specs: the models of the size and trend scenarios; power_spec: of the power
    scenarios; methods: the methods in the results."""
    sim = sim_config(
        effects=[0.5],
        teams=[4],
        trend=0.2,
        specs=["half_year", "team_fe_half_year"],
        power_spec="half_year",
        methods=["CR2", "CR3"],
    )
    out = results(sim, reps=1)
    assert set(out.loc[out["kind"] != "power", "spec"]) == {"half_year", "team_fe_half_year"}
    assert set(out.loc[out["kind"] == "power", "spec"]) == {"half_year"}
    assert set(out["method"]) == {"CR2", "CR3"}
    other = results(dict(sim, specs=["study"], power_spec="team_fe_half_year", methods=["WCR"]))
    assert set(other.loc[other["kind"] != "power", "spec"]) == {"study"}
    assert set(other.loc[other["kind"] == "power", "spec"]) == {"team_fe_half_year"}
    assert set(other["method"]) == {"WCR"}


def test_wild_keys():
    """max_enumeration: all 2^G sign vectors when 2^G is at most it (p a count of 64 with
    6 teams); otherwise ``draws`` Webb draws (p a count of draws)."""

    def wcr_p(**wild: int) -> np.ndarray:
        design = {"source": "configured", "teams": 6, "clients": 3, "schedules": SCHEDULES}
        sim = sim_config(design=design, methods=["WCR"], wild=wild)
        p = results(sim, reps=4)["p"].to_numpy()
        assert np.isfinite(p).all()
        return p

    def counts_of(p: np.ndarray, n: int) -> bool:
        return bool(np.allclose(p * n, np.round(p * n), atol=1e-9))

    enumerated = wcr_p(max_enumeration=64, draws=19)
    assert counts_of(enumerated, 64)
    for draws in (19, 21):
        drawn = wcr_p(max_enumeration=63, draws=draws)
        assert counts_of(drawn, draws)
        assert not counts_of(drawn, 64)  # some p strictly between 0 and 1


# --- the team-period family and the ICC sensitivity ---------------------------------------


def _with_outcomes(team_periods: pd.DataFrame) -> pd.DataFrame:
    """The frames' team-periods with a Checklist score (a team effect) and a response score
    that two team-periods lack."""
    team = team_periods["team_id"].astype(int)
    use = 3.0 * team + np.where(team_periods["moment"] == 1, -2.0, 2.0)
    response = use.where(~team.isin([1, 2]) | (team_periods["moment"] == 1))
    return team_periods.assign(use=use, response=response)


def test_team_periods_keys(tmp_path):
    """outcomes: a scenario set per team-period outcome (its own observed team-periods);
    icc: estimate (icc.csv's value, icc_frame) or a number; [] = client level only."""
    from ldj_analysis.models.icc import icc_frame
    from ldj_analysis.simulation.sets import read_sets, sets_from_config, write_sets

    team_periods, pairs = _study_frames()
    team_periods = _with_outcomes(team_periods)
    sim = validate_config({"simulation": {"team_periods": {"outcomes": ["use", "response"]}}})
    sets = sets_from_config(sim["simulation"], team_periods, pairs)
    assert [(s.model, s.outcome) for s in sets] == [
        ("outcomes", "opgroei"),
        ("team_periods", "use"),
        ("team_periods", "response"),
        ("team_periods", "grid"),
    ]
    use, response, grid = sets[1:]
    assert use.design.clients.tolist() == [[1, 1]] * 6
    assert response.design.clients.tolist() == [[1, 0]] * 2 + [[1, 1]] * 4
    assert grid.kinds == ("icc",) and grid.design.n_clients == 12
    expected = icc_frame(team_periods, None).set_index("outcome")["icc"]
    assert use.icc == pytest.approx(expected["use"]) and 0.1 < use.icc < 0.9
    assert response.icc == pytest.approx(expected["response"])
    assert [s.stream for s in sets] == [(), (2,), (5,), (6,)]
    tp_icc = {"outcomes": ["use", "response"], "icc": 0.3}
    fixed = validate_config({"simulation": {"team_periods": tp_icc}})["simulation"]
    assert {s.icc for s in sets_from_config(fixed, team_periods, pairs)[1:-1]} == {0.3}
    none = validate_config({"simulation": {"team_periods": {"outcomes": []}}})["simulation"]
    assert [s.model for s in sets_from_config(none, team_periods, pairs)] == ["outcomes"]
    out = run_replications(
        sets, dict(sim_config(), icc_sensitivity={"values": [0.2], "spec": "study"}), 0, 2
    )
    assert set(out.loc[out["model"] == "team_periods", "outcome"]) == {"use", "response", "grid"}
    assert set(out.loc[out["outcome"] == "use", "icc"]) == {use.icc}
    assert set(out.loc[out["outcome"] == "grid", "kind"]) == {"icc"}
    assert [s.outcome for s in read_sets(write_sets(sets, tmp_path / "d.json"))] == [
        s.outcome for s in sets
    ]


def test_icc_sensitivity_keys():
    """values: a size scenario at each ICC, on the same draws (at the set's own ICC it equals
    the size scenario); spec: its model; [] = none."""
    sim = sim_config(
        icc_sensitivity={"values": [0.0, 0.5], "spec": "half_year"}, specs=["half_year"]
    )
    out = results(sim, reps=3, icc=0.0)
    icc = out[out["kind"] == "icc"]
    assert set(icc["icc"]) == {0.0, 0.5} and set(icc["spec"]) == {"half_year"}
    at_zero = pick(out, kind="icc", icc=0.0, term="full")["estimate"]
    size = pick(out, kind="size", term="full")["estimate"]
    np.testing.assert_array_equal(at_zero, size)
    assert not np.allclose(pick(out, kind="icc", icc=0.5, term="full")["estimate"], size)
    other = results(sim_config(icc_sensitivity={"values": [0.1], "spec": "study"}), reps=1)
    assert set(other.loc[other["kind"] == "icc", "spec"]) == {"study"}
    assert "icc" not in set(results(sim_config(), reps=1)["kind"])


def test_team_periods_power_effect():
    """power_effect: a power scenario at that effect on each team-period design (own
    teams, power_spec), which ranks the methods that keep alpha; 0 = none."""
    from ldj_analysis.simulation.replicate import scenarios
    from ldj_analysis.simulation.sets import OUTCOME_KINDS, ScenarioSet

    sim = sim_config(team_periods={"outcomes": ["use"], "icc": "estimate", "power_effect": 1.5})
    design = design_from_config(sim)
    tp = ScenarioSet("team_periods", "use", design, {"icc": ICC}, OUTCOME_KINDS, (2,))
    out = run_replications([tp], sim, 0, 3)
    power = out[out["kind"] == "power"]
    assert set(power["effect"]) == {1.5} and set(power["teams"]) == {design.n_teams}
    size = pick(out, kind="size", term="full")["estimate"]
    np.testing.assert_allclose(pick(out, kind="power", term="full")["estimate"] - size, 1.5)
    off = dict(sim, team_periods={**sim["team_periods"], "power_effect": 0})
    assert [s.kind for s in scenarios(off, tp)] == ["size"]
