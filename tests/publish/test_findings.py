"""What the study found and whether it holds: the verdict rule, the size-keeping methods with
and without the design simulation, and sentences that follow the model files."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.publish.findings import (
    FINDING_COLUMNS,
    findings_table,
    size_keeping,
    verdict,
)
from ldj_analysis.publish.findings_text import findings_html, findings_markdown, write_findings
from ldj_analysis.publish.privacy import Privacy
from tests.publish import frames as F


def _found(small_sample: pd.DataFrame | None = None, rates=None) -> pd.DataFrame:
    return findings_table(
        F.small_sample() if small_sample is None else small_sample,
        F.checklist_response(),
        F.outcomes(),
        rates,
    )


def _row(found: pd.DataFrame, outcome: str, term: str) -> pd.Series:
    return found[(found["outcome"] == outcome) & (found["term"] == term)].iloc[0]


@pytest.mark.parametrize(
    ("significant", "p", "expected", "disagree"),
    [
        (True, {"CR2": 0.01, "CR3": 0.02, "WCR": 0.04}, "holds", []),
        (True, {"CR2": 0.01, "CR3": 0.02, "WCR": 0.06}, "weakens", ["WCR"]),
        (True, {"CR2": 0.06, "CR3": 0.07}, "does_not_hold", ["CR2", "CR3"]),
        (False, {"CR2": 0.30, "CR3": 0.40}, "holds", []),
        (False, {"CR2": 0.30, "WCR": 0.001}, "weakens", ["WCR"]),
        (False, {"CR2": 0.01}, "does_not_hold", ["CR2"]),
        (True, {}, "does_not_hold", []),
    ],
)
def test_verdict_rule(significant, p, expected, disagree):
    ruling, agree, against = verdict(significant, p, 0.05)
    assert ruling == expected
    assert against == disagree
    assert sorted(agree + against) == sorted(p)


def test_one_row_per_study_condition_effect_in_question_order():
    found = _found()
    # frames: use, response (team periods) and opgroei (outcomes), partial and full; the
    # team-FE row of use/full is another spec and is not a finding
    assert list(found.columns) == FINDING_COLUMNS
    assert list(zip(found["outcome"], found["term"], strict=True)) == [
        ("use", "partial"),
        ("use", "full"),
        ("response", "partial"),
        ("response", "full"),
        ("opgroei", "partial"),
        ("opgroei", "full"),
    ]
    assert list(found["question"]) == ["data_use"] * 2 + ["response"] * 2 + ["outcomes"] * 2


def test_without_simulation_the_literature_methods_decide():
    use_full = _row(_found(), "use", "full")  # mplus .0048; CR2 .027, CR3 .041, WCR .062
    assert use_full["basis"] == "literature"
    assert use_full["methods"] == "CR2;CR3;WCR"
    assert use_full["significant"]
    assert (use_full["verdict"], use_full["agree"], use_full["disagree"]) == (
        "weakens",
        "CR2;CR3",
        "WCR",
    )
    assert use_full["p_CR3"] == pytest.approx(0.041)
    assert np.isnan(use_full["p_JK-FIML"])
    assert _row(_found(), "opgroei", "full")["verdict"] == "holds"  # no effect, none finds one


def _rates(wcr_low: float, cr3_low: float = 0.04) -> pd.DataFrame:
    """summary.csv rows of the size scenario: use's set and the client-level set."""
    rows = []
    for model, outcome in (("team_periods", "use"), ("outcomes", "opgroei")):
        for term in ("partial", "full"):
            for method, low in (
                ("mplus", 0.09),
                ("CR2", 0.038),
                ("CR3", cr3_low),
                ("WCR", wcr_low),
            ):
                rows.append(
                    {
                        "model": model,
                        "outcome": outcome,
                        "kind": "size",
                        "spec": "study",
                        "term": term,
                        "method": method,
                        "replications": 1000,
                        "rate": low + 0.012,
                        "mc_low": low,
                        "mc_high": low + 0.027,
                    }
                )
    return pd.DataFrame(rows)


def test_a_method_keeps_its_size_when_its_interval_reaches_alpha():
    kept = size_keeping(_rates(wcr_low=0.05), "team_periods", "use", "full", 0.05)
    assert set(kept) == {"CR2", "CR3", "WCR"}  # mc_low == alpha reaches it; mplus never
    kept = size_keeping(_rates(wcr_low=0.051), "team_periods", "use", "full", 0.05)
    assert set(kept) == {"CR2", "CR3"}
    assert kept["CR2"] == pytest.approx((0.05, 0.038, 0.065))
    assert size_keeping(_rates(0.04), "team_periods", "response", "full", 0.05) is None


def test_with_simulation_an_over_rejecting_method_leaves_the_verdict():
    # WCR over-rejects in the simulated design: use/full then holds with CR2 and CR3
    found = _found(rates=_rates(wcr_low=0.06))
    use_full = _row(found, "use", "full")
    assert (use_full["basis"], use_full["methods"], use_full["verdict"]) == (
        "simulation",
        "CR2;CR3",
        "holds",
    )
    assert use_full["sizes"] == "CR2 5.0% [3.8, 6.5]; CR3 5.2% [4.0, 6.7]"
    # response has no simulated set: the literature's methods
    assert _row(found, "response", "full")["basis"] == "literature"
    # the client-level set stands for both domains' outcome models
    assert _row(found, "opgroei", "full")["methods"] == "CR2;CR3"
    md = findings_markdown(found, "en")
    assert "The size-keeping methods come from the design simulation" in md
    assert "without a simulated set (response partial and response full)" in md
    assert "design simulation has not run" not in md
    assert "Simulated size without an effect (95% Monte Carlo interval): CR2 5.0% [3.8, 6.5]" in md
    nl = findings_markdown(found, "nl")
    assert "(95%-Monte-Carlo-interval): CR2 5,0% [3,8; 6,5]; CR3 5,2% [4,0; 6,7]." in nl


def test_sentences_follow_the_model_files():
    """Change an estimate and a p in a copy of small_sample.csv: the sentence changes."""
    before = findings_markdown(_found(), "en")
    assert "Use, full: B = 19.01 [5.80, 32.20]" in before
    assert "Weakens: found by CR2 and CR3, not by WCR." in before
    changed = F.small_sample()
    at = (changed["spec"] == "study") & (changed["outcome"] == "use") & (changed["term"] == "full")
    changed.loc[at, "estimate"] = 23.45
    changed.loc[at & (changed["method"] == "WCR"), "p"] = 0.012
    after = findings_markdown(_found(changed), "en")
    assert "Use, full: B = 23.45 [5.80, 32.20]" in after
    assert "19.01" not in after.split("Use, full")[1].split("\n")[0]
    assert "Holds: every size-keeping method finds it too (CR2, CR3 and WCR)." in after


def test_dutch_text_and_html_share_the_blocks():
    found = _found()
    md = findings_markdown(found, "nl")
    assert md.startswith("## Bevindingen\n")
    assert "Benutting, volledig: B = 19,01 [5,80; 32,20]" in md
    assert "Volledige implementatie tegenover controle: hoger op benutting" in md
    assert "[1] Bell, R. M., & McCaffrey" in md  # literature basis: the references
    page = "\n".join(findings_html(found, "nl"))
    assert "Benutting, volledig: B = 19,01 [5,80; 32,20]" in page
    assert "<code>snakemake simulate</code>" in page
    assert "Bevindingen" not in page  # the report writes the heading


def test_write_findings(tmp_path):
    found = _found()
    write_findings(found, tmp_path / "findings.md", tmp_path / "findings.csv", "en")
    back = pd.read_csv(tmp_path / "findings.csv")
    assert list(back.columns) == FINDING_COLUMNS and len(back) == len(found)
    assert back["estimate"].tolist() == found["estimate"].tolist()  # full precision
    assert (tmp_path / "findings.md").read_text(encoding="utf-8").startswith("## Findings\n")


def test_what_the_model_tables_suppress_the_findings_do_not_show():
    small = F.table4()
    small.loc[small["condition"] == "partial", "n"] = 2  # too few clients: outcome terms hidden
    found = findings_table(
        F.small_sample(),
        F.checklist_response(),
        F.outcomes(),
        priv=Privacy(7, F.team_periods(), small),
    )
    hidden = found[found["model"] == "outcomes"]
    assert list(hidden["verdict"]) == ["suppressed", "suppressed"]
    numbers = ["estimate", "ci_low", "ci_high", "beta", "p_study", "p_CR2", "small_low"]
    assert hidden[numbers].isna().all().all() and (hidden["methods"] == "").all()
    assert _row(found, "use", "full")["verdict"] == "weakens"  # the others stay
    md = findings_markdown(found, "en")
    assert "Child problems, full: not shown (too few clients" in md
    assert "−0.15" not in md and "-0.15" not in md
    shown = findings_table(
        F.small_sample(),
        F.checklist_response(),
        F.outcomes(),
        priv=Privacy(7, F.team_periods(), F.table4()),
    )
    assert "suppressed" not in set(shown["verdict"])


def _lines(fig) -> list[tuple[float, float, float]]:
    """(y, x_low, x_high) of every interval drawn (two-point lines) in a figure."""
    out = []
    for ax in fig.axes:
        for line in ax.get_lines():
            x, y = line.get_xdata(), line.get_ydata()
            if len(x) == 2 and y[0] == y[1] and x[0] != x[1]:
                out.append((float(y[0]), float(min(x)), float(max(x))))
    return out


def test_forest_plot_draws_both_intervals_and_marks_significant_findings():
    from ldj_analysis.publish.findings_figure import STUDY_COLOUR, figure_findings

    wide = F.small_sample()
    wide.loc[wide["method"] == "CR3", ["ci_low", "ci_high"]] = [-1.0, 40.0]
    found = _found(wide)
    assert set(found["small_low"]) == {-1.0} and set(found["ci_low"]) == {5.8}
    fig = figure_findings(found, "en")
    assert [ax.get_title(loc="left") for ax in fig.axes] == [
        "Data use: B (Checklist score 0-100)",
        "Response: B (percentage points)",
        "Treatment outcomes: B (z-score)",
    ]
    drawn = sorted(x for _y, *x in _lines(fig))
    expected = sorted(
        [[r.ci_low, r.ci_high] for r in found.itertuples()]
        + [[r.small_low, r.small_high] for r in found.itertuples()]
    )
    assert np.allclose(drawn, expected)  # the study's and the small-sample interval of each
    use = fig.axes[0]
    filled = [
        line.get_ydata()[0]
        for line in use.get_lines()
        if len(line.get_xdata()) == 1 and line.get_markerfacecolor() == STUDY_COLOUR
    ]
    assert filled == [pytest.approx(1 - 0.17)]  # use/full (row 1) is significant, partial not
    assert [t.get_text() for t in use.texts] == ["weakens"]
    small = F.table4()
    small.loc[small["condition"] == "partial", "n"] = 2
    hidden = findings_table(
        F.small_sample(),
        F.checklist_response(),
        F.outcomes(),
        priv=Privacy(7, F.team_periods(), small),
    )
    assert len(_lines(figure_findings(hidden, "en"))) == 2 * (len(found) - 2)


def test_an_effect_the_study_model_could_not_estimate_is_no_finding(tmp_path):
    from ldj_analysis.publish.findings_figure import figure_findings

    lost = F.small_sample()
    lost.loc[lost["outcome"] == "use", ["estimate", "p", "n_clusters"]] = np.nan
    found = _found(lost)
    assert "use" not in set(found["outcome"]) and len(found) == 4
    nothing = F.small_sample().assign(p=np.nan, n_clusters=np.nan)
    empty = _found(nothing)
    assert empty.empty and list(empty.columns) == FINDING_COLUMNS
    md = findings_markdown(empty, "en")
    assert md == "## Findings\n\nNo condition effect of the study model could be estimated " + (
        "(see the models' log); there are no findings.\n"
    )
    texts = [t.get_text() for ax in figure_findings(empty, "en").axes for t in ax.texts]
    assert texts == ["no condition effect estimated"]
    write_findings(empty, tmp_path / "f.md", tmp_path / "f.csv", "nl")
    assert pd.read_csv(tmp_path / "f.csv").empty
