"""The verdict per significant finding: the p of every method that keeps alpha in the
finding's simulated set and whether the finding holds, weakens or does not hold; shown in the
report's robustness table (a Simulation column) only when the simulation is in the report."""

from __future__ import annotations

import pandas as pd

from ldj_analysis.publish import render_table
from ldj_analysis.simulation.interpretation import FINDING_COLUMNS, findings
from ldj_analysis.simulation.report import simulation_hint, small_sample_with_findings
from tests.publish import frames as F
from tests.simulation.builders import simulation_config

ALPHA = 0.05
#: Size rates (study spec) per (model, outcome, method): (rate, mc_low, mc_high).
SIZE = {
    ("team_periods", "use", "mplus"): (0.090, 0.073, 0.109),  # over-rejects
    ("team_periods", "use", "CR2"): (0.052, 0.039, 0.067),  # holds, closest to alpha
    ("team_periods", "use", "CR3"): (0.030, 0.020, 0.043),  # conservative
    ("team_periods", "use", "WCR"): (0.045, 0.033, 0.060),  # holds
    ("team_periods", "response", "mplus"): (0.085, 0.069, 0.104),
    ("team_periods", "response", "CR2"): (0.049, 0.036, 0.064),
    ("team_periods", "response", "CR3"): (0.028, 0.018, 0.040),
    ("team_periods", "response", "WCR"): (0.047, 0.035, 0.062),
    ("outcomes", "opgroei", "mplus"): (0.070, 0.055, 0.088),
    ("outcomes", "opgroei", "CR2"): (0.050, 0.037, 0.065),
    ("outcomes", "opgroei", "CR3"): (0.040, 0.029, 0.054),
    ("outcomes", "opgroei", "WCR"): (0.048, 0.036, 0.063),
}


def rates() -> pd.DataFrame:
    rows = []
    for (model, outcome, method), (rate, low, high) in SIZE.items():
        for term in ("partial", "full"):
            rows.append((model, outcome, "size", 16, 0.0, 0.0, 0.0, "study", term, method))
            rows[-1] += (1000, 0, int(rate * 1000), rate, low, high)
    columns = ["model", "outcome", "kind", "teams", "icc", "effect", "trend", "spec", "term"]
    columns += ["method", "replications", "failed", "rejections", "rate", "mc_low", "mc_high"]
    return pd.DataFrame(rows, columns=columns)


def power_rows(power: dict[str, float]) -> pd.DataFrame:
    """Power rows of the team-period sets at d = 0.8 (term full) per method."""
    base = rates()
    rows = base[(base["model"] == "team_periods") & (base["term"] == "full")].copy()
    rows = rows[rows["method"].isin(power)]
    return rows.assign(kind="power", effect=0.8, rate=rows["method"].map(power))


def test_every_method_that_keeps_alpha_decides_and_none_wins_on_power():
    sim = simulation_config()
    found = findings(F.small_sample(), rates(), sim, ALPHA)
    assert list(found.columns) == FINDING_COLUMNS
    # use full and response partial/full are significant under Mplus in the study spec
    assert list(zip(found["outcome"], found["term"], strict=True)) == [
        ("use", "full"),
        ("response", "partial"),
        ("response", "full"),
    ]
    # CR2 and WCR cover alpha, CR3 lies below it: all three keep their size; Mplus does not
    assert (found["methods"] == "CR2;CR3;WCR").all()
    assert found["p_methods"].tolist() == [
        "CR2 .027; CR3 .041; WCR .062",
        "CR2 .022; CR3 .030; WCR .001",
        "CR2 .034; CR3 .049; WCR .098",
    ]
    assert found["verdict"].tolist() == ["weakens", "holds", "weakens"]
    assert found["disagree"].tolist() == ["WCR", "", "WCR"]
    assert found["size_mplus"].tolist() == [0.090, 0.085, 0.085]  # the finding's own set
    assert found["sizes"].iloc[0] == "CR2 5.2% [3.9, 6.7]; CR3 3.0% [2.0, 4.3]; WCR 4.5% [3.3, 6.0]"
    # more simulated power for WCR changes nothing: no method wins on power
    powered = pd.concat([rates(), power_rows({"CR2": 0.40, "WCR": 0.45, "CR3": 0.30})])
    pd.testing.assert_frame_equal(findings(F.small_sample(), powered, sim, ALPHA), found)
    # a method whose interval lies above alpha leaves the verdict: without WCR use full holds
    over_wcr = rates()
    over_wcr.loc[over_wcr["method"] == "WCR", "mc_low"] = 0.051
    strict = findings(F.small_sample(), over_wcr, sim, ALPHA)
    assert (strict["methods"] == "CR2;CR3").all()
    assert strict["verdict"].tolist() == ["holds", "holds", "holds"]
    # only WCR keeping alpha: use full and response full do not hold
    only_wcr = rates()
    only_wcr.loc[only_wcr["method"].isin(["CR2", "CR3"]), "mc_low"] = 0.06
    assert findings(F.small_sample(), only_wcr, sim, ALPHA)["verdict"].tolist() == [
        "does_not_hold",
        "holds",
        "does_not_hold",
    ]


def test_robustness_table_shows_the_verdicts_only_with_the_simulation():
    frame = F.small_sample()
    found = findings(frame, rates(), simulation_config(), ALPHA)
    plain = render_table(
        "robustness", frame, "en", "md", team_periods=F.team_periods(), table4=F.table4()
    )
    assert "Simulation" not in plain
    annotated = small_sample_with_findings(frame, found, "en")
    text = render_table(
        "robustness", annotated, "en", "md", team_periods=F.team_periods(), table4=F.table4()
    )
    lines = [line for line in text.splitlines() if line.startswith("|")]
    assert lines[0].rstrip().endswith("Simulation |")
    use_full = next(line for line in lines if "Use" in line and "Full" in line)
    assert "CR2 .027; CR3 .041; WCR .062: weakens" in use_full
    assert "every method that keeps alpha in the design simulation" in text  # the note
    fe_rows = annotated[annotated["spec"] != "study"]
    assert (fe_rows["simulation"] == "").all()  # the verdict is for the study spec only


def test_hint_names_the_one_command():
    for language in ("nl", "en"):
        assert "snakemake --config simulation=&#x27;{in_report: true}&#x27;" in simulation_hint(
            language
        )
