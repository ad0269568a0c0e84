"""The robustness and ICC tables: p by method with decisions, notes where a decision differs
from the Mplus-style one, both languages, every format, the model tables' suppression."""

from __future__ import annotations

import io

import openpyxl
import pandas as pd
import pytest

from ldj_analysis.publish import render_table
from ldj_analysis.publish.render import FORMATS
from tests.publish import frames as F


def _rows(name: str, frame: pd.DataFrame, language: str = "nl", **kw) -> list[list[str]]:
    kw.setdefault("team_periods", F.team_periods())
    kw.setdefault("table4", F.table4())
    text = render_table(name, frame, language, "md", **kw)
    return [
        [c.strip() for c in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|") and not line.startswith("|:")
    ]


def test_dutch_table_marks_decisions_and_differences():
    rows = _rows("robustness", F.small_sample())
    assert rows[0] == ["Model", "Uitkomst", "Term", "B", "p (Mplus)", "p (CR2)", "p (CR3)"] + [
        "p (WCR)",
        "Opmerking",
    ]
    assert rows[1] == ["Studie", "Benutting", "Gedeeltelijk", "11,86"] + [
        ",114",
        ",153",
        ",180",
        ",166",
        "",
    ]
    assert rows[2] == ["", "Benutting", "Volledig", "19,01", ",005*", ",027*", ",041*", ",062"] + [
        "wijkt af van Mplus: WCR"
    ]
    assert rows[4][-1] == "wijkt af van Mplus: WCR"  # response full
    assert [r[1] for r in rows[1:]] == ["Benutting"] * 2 + ["Respons"] * 2 + ["Opgroei"] * 2 + [
        "Benutting"
    ]
    fe = rows[-1]
    assert fe[0] == "+ team-FE + halfjaar"
    assert fe[4:] == [",030*", ",068", "-", ",073", "wijkt af van Mplus: CR2, WCR"]


def test_english_table_and_notes():
    text = render_table(
        "robustness", F.small_sample(), "en", "md", team_periods=F.team_periods(), table4=F.table4()
    )
    assert "Robustness of the condition effects" in text
    rows = _rows("robustness", F.small_sample(), "en")
    assert rows[1][:3] == ["Study", "Use", "Partial"]
    assert rows[2] == ["", "Use", "Full", "19.01", ".005*", ".027*", ".041*", ".062"] + [
        "differs from Mplus: WCR"
    ]
    assert rows[-1][0] == "+ team FE + half-year"
    assert "* = p < 0.05 (models.alpha)." in text
    assert "- = method undefined for this model" in text
    assert "Holm and Benjamini-Hochberg" in text


def test_alpha_of_the_frame_is_named_and_decisions_come_from_reject():
    frame = F.small_sample().assign(alpha=0.01)
    frame["reject"] = frame["p"].lt(0.01).astype("boolean").mask(frame["p"].isna())
    rows = _rows("robustness", frame)
    assert rows[2][4:8] == [",005*", ",027", ",041", ",062"]
    assert rows[2][8] == "wijkt af van Mplus: CR2, CR3, WCR"
    text = render_table(
        "robustness", frame, "nl", "md", team_periods=F.team_periods(), table4=F.table4()
    )
    assert "* = p < 0,01 (models.alpha)." in text


def test_small_condition_group_suppresses_the_outcome_rows():
    table4 = F.table4()
    table4.loc[(table4.domain == "opgroei") & (table4.condition == "full"), "n"] = 5
    rows = _rows("robustness", F.small_sample(), table4=table4)
    opgroei = [r for r in rows if r[1] == "Opgroei"]
    assert len(opgroei) == 2
    for r in opgroei:
        assert r[3:8] == ["x"] * 5
    assert all("x" not in r[3:8] for r in rows if r[1] == "Benutting")


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("language", ["nl", "en"])
@pytest.mark.parametrize("name", ["robustness", "icc"])
def test_every_format_and_language_renders(name, language, fmt):
    frame = F.small_sample() if name == "robustness" else F.icc()
    out = render_table(name, frame, language, fmt, team_periods=F.team_periods(), table4=F.table4())
    if fmt == "xlsx":
        sheet = openpyxl.load_workbook(io.BytesIO(out)).active
        values = [c for row in sheet.iter_rows(values_only=True) for c in row if c is not None]
        assert len(values) > 10
    else:
        assert ("Robuustheid" if language == "nl" else "Robustness") in out or name == "icc"
        assert "ICC" in out or name == "robustness"


def test_icc_table_and_its_suppression():
    rows = _rows("icc", F.icc())
    assert rows[0] == ["Uitkomst", "N", "Teams", "Variantie tussen teams"] + [
        "Variantie binnen teams",
        "ICC",
    ]
    assert rows[1] == ["Benutting", "61", "16", "6,700", "495,961", ",013"]
    assert rows[3] == ["Opgroei", "404", "16", "0,000", "2,787", ",000"]
    small = F.icc()
    small.loc[small.outcome == "opvoed", "n"] = 6
    rows = _rows("icc", small)
    assert rows[4] == ["Opvoed", "<7", "13", "x", "x", "x"]
