"""Summary, reading, figures and the report section of a small simulation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.config import validate_config
from ldj_analysis.publish.report import report_html
from ldj_analysis.simulation.design import configured_design
from ldj_analysis.simulation.figures import SIMULATION_FIGURES, make_simulation_figures
from ldj_analysis.simulation.interpretation import FINDING_COLUMNS, interpretation, size_verdicts
from ldj_analysis.simulation.replicate import KEYS, client_set, run_replications
from ldj_analysis.simulation.report import SimulationSection, simulation_body
from ldj_analysis.simulation.sets import GRID_KINDS, OUTCOME_KINDS, ScenarioSet
from ldj_analysis.simulation.summary import (
    SUMMARY_COLUMNS,
    icc_sensitivity,
    mdes_table,
    rejection_rates,
)
from tests.publish import frames as F
from tests.simulation.builders import simulation_config

ALPHA = 0.05


@pytest.fixture(scope="module")
def small():
    design = configured_design(
        8, 4, [["control", "control", "control"], ["control", "partial", "full"]]
    )
    sim = simulation_config(
        teams=[16],
        effects=[0.5, 1.0],
        trend=0.3,
        icc_sensitivity={"values": [0, 0.4], "spec": "study"},
    )
    results = run_replications(team_period_sets(design), sim, 0, 30)
    rates = rejection_rates(results, ALPHA)
    mdes = mdes_table(rates, design, 0.1, sim, ALPHA)
    return design, sim, results, rates, mdes


def team_period_sets(design) -> list[ScenarioSet]:
    """The client-level set of ``design``, two team-period outcome sets and the grid."""
    grid = configured_design(
        8, 1, [["control", "control", "control"], ["control", "partial", "full"]]
    )
    return [
        client_set(design, 0.1),
        ScenarioSet(
            "team_periods", "use", grid, {"icc": 0.2, "source": "test"}, OUTCOME_KINDS, (2,)
        ),
        ScenarioSet(
            "team_periods", "total", grid, {"icc": 0.0, "source": "test"}, OUTCOME_KINDS, (4,)
        ),
        ScenarioSet("team_periods", "grid", grid, {"icc": 0.0, "source": "test"}, GRID_KINDS, (6,)),
    ]


def test_rates_count_failures_apart(small):
    _, _, results, rates, _ = small
    assert list(rates.columns) == SUMMARY_COLUMNS
    cr3_fe = rates[(rates["spec"] == "team_fe_half_year") & (rates["method"] == "CR3")]
    assert (cr3_fe["replications"] == 0).all() and (cr3_fe["failed"] == 30).all()
    assert cr3_fe["rate"].isna().all()
    ok = rates[rates["replications"] > 0]
    assert (ok["replications"] == 30).all()
    one = ok.iloc[0]
    rows = results[(results[KEYS] == one[KEYS]).all(axis=1)]
    assert len(rows) == 30
    assert one["rejections"] == (rows["p"] < ALPHA).sum()
    assert (ok["mc_low"] <= ok["rate"]).all() and (ok["rate"] <= ok["mc_high"]).all()


def test_verdicts():
    rates = pd.DataFrame(
        {
            "kind": "size",
            "spec": "study",
            "method": ["a", "b", "c", "d"],
            "replications": [100, 100, 100, 0],
            "rate": [0.05, 0.2, 0.0, np.nan],
            "mc_low": [0.02, 0.13, 0.0, np.nan],
            "mc_high": [0.11, 0.29, 0.036, np.nan],
        }
    )
    verdicts = size_verdicts(rates, "study", ALPHA).set_index("method")["verdict"]
    assert verdicts.to_dict() == {"a": "holds", "b": "over", "c": "conservative", "d": "failed"}


@pytest.mark.slow  # draws the figures
@pytest.mark.parametrize("language", ["nl", "en"])
def test_reading_figures_and_report_section(small, language):
    design, sim, _, rates, mdes = small
    sets = team_period_sets(design)
    text = interpretation(rates, mdes, sets, sim, ALPHA, language)
    assert ("Ontwerpsimulatie" if language == "nl" else "Design simulation") in text
    assert ("Team-periodemodellen" if language == "nl" else "Team-period models") in text
    assert "ICC" in text and text.count("### ") == 2  # team periods, ICC sensitivity
    found = pd.DataFrame(
        [
            (
                "team_periods",
                "use",
                "full",
                19.0,
                0.005,
                0.09,
                "CR2;CR3;WCR",
                "CR2 5.2% [3.9, 6.7]",
                "CR2 .027; CR3 .041; WCR .062",
                "weakens",
                "WCR",
            )
        ],
        columns=FINDING_COLUMNS,
    )
    with_findings = interpretation(rates, mdes, sets, sim, ALPHA, language, found)
    assert with_findings.count("### ") == 3
    assert ("verzwakt (niet bij WCR)" if language == "nl" else "weakens (not found by WCR)") in (
        with_findings
    )
    assert "CR2 .027; CR3 .041; WCR .062" in with_findings
    assert ("vraagt" if language == "nl" else "needs") in text
    assert "CR3" in text
    figures = make_simulation_figures(rates, sim, ALPHA, language)
    assert tuple(figures) == SIMULATION_FIGURES
    heading, body = simulation_body(
        SimulationSection(
            text, mdes, rates, {"simulation_size": b"png"}, icc_sensitivity(rates), found
        ),
        language,
    )
    html = "\n".join(body)
    assert 'id="fig-simulation_size"' in html and "<table" in html
    assert html.count("<h3>") == 4  # team periods, ICC sensitivity, MDES, ICC table
    assert "ICC 0.4" in html
    assert heading in ("Ontwerpsimulatie", "Design simulation")


@pytest.mark.slow  # draws the figures and the report
def test_report_shows_the_section_only_when_given(small, tmp_path):
    design, sim, _, rates, mdes = small
    export = tmp_path / "export"
    export.mkdir()
    (export / "teams.csv").write_text("team_id,institution_id,care_type,arm\nT1,I1,a,control\n")
    config = validate_config({"export_dir": str(export)})
    text = interpretation(rates, mdes, team_period_sets(design), sim, ALPHA, "en")
    section = SimulationSection(text, mdes, rates, {})
    args = (F.all_tables(), F.all_models(), F.team_periods(), config, export)
    without = report_html(*args, run_date="2026-01-01")
    with_sim = report_html(*args, run_date="2026-01-01", simulation=section)
    assert 'id="simulation"' not in without
    assert 'id="simulation"' in with_sim and 'href="#simulation"' in with_sim
    assert with_sim.index('id="simulation"') < with_sim.index('id="provenance"')
    # the Findings read the simulated sizes when the simulation is in the report
    assert "De ontwerpsimulatie is niet gedraaid" in without
    assert "komen uit de ontwerpsimulatie" in with_sim
    assert "Gesimuleerde omvang zonder effect (95%-Monte-Carlo-interval)" in with_sim
