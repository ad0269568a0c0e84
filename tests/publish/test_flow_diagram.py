"""The CONSORT-style flow diagram: drawn from the flow table's, Table 4's and the
team-periods' counts, in Dutch and English, with small client counts suppressed."""

from __future__ import annotations

import pandas as pd
import pytest
from matplotlib.text import Text

from ldj_analysis.pairing import STEPS
from ldj_analysis.publish.flow_diagram import diagram_counts, figure_flow
from ldj_analysis.publish.labels import flow_step
from ldj_analysis.publish.privacy import PrivacyError
from tests.publish import frames as F


def flow_table(excluded: list[int]) -> pd.DataFrame:
    """A flow table with the step names ``descriptives.flow`` writes."""
    steps = [f"excluded: {label}" for label in STEPS.values()]
    assert len(excluded) == len(steps)
    rows = [("questionnaire records after validation", 4000 + sum(excluded))]
    rows += list(zip(steps, excluded, strict=True))
    rows += [("lists in analysed pairs", 4000), ("pairs selected", 2000)]
    rows += [("pairs without a norm group (excluded)", 0), ("pairs analysed", 2000)]
    rows += [("pairs analysed: opgroei", 1100), ("pairs analysed: opvoed", 900)]
    rows += [("clients in analysed pairs", 1500)]
    return pd.DataFrame(rows, columns=["step", "count"])


def texts(fig) -> str:
    return "\n".join(t.get_text() for t in fig.findobj(Text))


EXCLUDED = [600 + i for i in range(len(STEPS))]


def test_counts_come_from_the_tables():
    tp, t4 = F.team_periods(), F.table4()
    counts = diagram_counts(flow_table(EXCLUDED), tp, t4)
    assert counts["records"] - sum(n for _, n in counts["excluded"]) == counts["lists"] == 4000
    assert {c: v["periods"] for c, v in counts["conditions"].items()} == {
        "control": 29, "partial": 19, "full": 13
    }  # fmt: skip
    for cond, v in counts["conditions"].items():
        rows = tp[tp.condition == cond]
        assert v["teams"] == rows.team_id.nunique()
        assert v["no_response"] == rows.response.isna().sum()
    assert sum(counts["arms"].values()) == counts["teams"] == 16
    assert counts["pairs_by_condition"] == {
        (r.condition, r.domain): r.n for r in t4.itertuples(index=False)
    }


@pytest.mark.parametrize("language", ["nl", "en"])
def test_every_exclusion_and_count_is_drawn(language):
    fig = figure_flow(flow_table(EXCLUDED), F.team_periods(), F.table4(), language)
    text = " ".join(texts(fig).split())  # wrapped lines joined
    for step, n in zip(STEPS.values(), EXCLUDED, strict=True):
        reason = flow_step(f"excluded: {step}", language).split(":", 1)[1].strip()
        assert f"{reason}: {n}" in text, reason
    assert f"{sum(EXCLUDED)}" in text
    for r in F.table4().itertuples(index=False):
        assert f": {r.n}" in text
    words = {
        "nl": ("Toewijzing", "Gedeeltelijk", "team-perioden", "Controlearm"),
        "en": ("Allocation", "Partial", "team-periods", "Control arm"),
    }[language]
    for word in words:
        assert word in text


def test_small_client_counts_are_suppressed():
    t4 = F.table4()
    t4.loc[(t4.condition == "full") & (t4.domain == "opvoed"), "n"] = 3
    excluded = [0, 4, *EXCLUDED[2:]]
    fig = figure_flow(flow_table(excluded), F.team_periods(), t4, "en", min_cell_size=7)
    lines = texts(fig).splitlines()
    assert "Parenting problems: <7" in lines and "Parenting problems: 3" not in lines
    assert any(line.endswith("instrument not used in the study: <7") for line in lines)
    assert any(line.endswith(": 0") for line in lines)  # zero is shown


def test_client_level_frames_are_refused():
    pairs = F.team_periods().assign(client_key="k")
    with pytest.raises(PrivacyError):
        figure_flow(flow_table(EXCLUDED), pairs, F.table4(), "nl")


def test_team_periods_without_response_are_named():
    tp = F.team_periods()
    tp.loc[tp.index[tp.condition == "partial"][:2], "response"] = float("nan")
    fig = figure_flow(flow_table(EXCLUDED), tp, F.table4(), "en")
    text = " ".join(texts(fig).split())
    assert "without response (no closed treatments): 2" in text
    assert text.count("without response") == 1
