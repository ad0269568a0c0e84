"""Small-cell suppression: every format, every table that rests on clients."""

from __future__ import annotations

import io

import openpyxl
import pytest

from ldj_analysis.publish import privacy, render_table
from ldj_analysis.publish.display import suppressed_terms
from ldj_analysis.publish.privacy import Privacy
from tests.publish import frames as F
from tests.publish.test_tables import _md_rows


def _small_table4(n: int = 5):
    t4 = F.table4()
    t4.loc[(t4["condition"] == "full") & (t4["domain"] == "opvoed"), "n"] = n
    return t4


def _xlsx_values(data: bytes) -> list:
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    return [c.value for row in ws.iter_rows() for c in row if c.value is not None]


@pytest.mark.parametrize("fmt", ["md", "tex", "html", "xlsx"])
def test_table4_small_row_is_suppressed_in_every_format(fmt):
    out = render_table("table4", _small_table4(), "nl", fmt)
    text = " ".join(map(str, _xlsx_values(out))) if fmt == "xlsx" else out
    for statistic in ("1,40", "1,39", "0,84", "1,37"):  # the full/opvoed row's values
        assert statistic not in text
    assert "1,51" in text or "1.51" in text  # full/opgroei (n 56) stays
    marker = "\\textless{}7" if fmt == "tex" else ("&lt;7" if fmt == "html" else "<7")
    assert marker in text
    assert "minder dan 7 cliënten" in text


def test_table4_row_cells_and_threshold():
    rows = _md_rows(render_table("table4", _small_table4(5), "nl", "md"))
    assert rows[6] == ["", "Opvoed", "<7", "x", "x", "x", "x", "x"]
    at_threshold = _md_rows(render_table("table4", _small_table4(7), "nl", "md"))
    assert at_threshold[6][2:4] == ["7", "1,40"]
    higher = _md_rows(render_table("table4", _small_table4(7), "nl", "md", min_cell_size=10))
    assert higher[6][2:4] == ["<10", "x"]


def test_sample_groups_and_client_extremes():
    small = F.sample()
    small.loc[2, "n"] = 4
    rows = _md_rows(render_table("sample", small, "nl", "md"))
    assert rows[3] == ["Meisjes", "<7", "x", "x", "x", "x", "x"]
    assert rows[1][4] == "x"  # age range hidden by default (one client per end)
    shown = _md_rows(render_table("sample", F.sample(), "nl", "md", show_client_extremes=True))
    assert shown[1][1:5] == ["478", "10,8", "4,9", "0 \u2013 25"]


def test_sample_secondary_suppression():
    """No small group may be derived as all minus the groups shown."""
    three_unknown = F.sample()
    three_unknown["n"] = [100, 60, 37]  # 3 clients of unknown sex: girls hidden too
    rows = _md_rows(render_table("sample", three_unknown, "nl", "md"))
    assert rows[2][1] == "60" and rows[3] == ["Meisjes", "x", "x", "x", "x", "x", "x"]
    assert rows[1][1] == "100"
    few_girls = F.sample()
    few_girls["n"] = [100, 95, 5]  # girls below 7: boys would give them away
    rows = _md_rows(render_table("sample", few_girls, "nl", "md"))
    assert rows[2] == ["Jongens", "x", "x", "x", "x", "x", "x"]
    assert rows[3][:3] == ["Meisjes", "<7", "x"]
    enough_unknown = F.sample()
    enough_unknown["n"] = [100, 60, 30]  # 10 of unknown sex: nothing more to hide
    rows = _md_rows(render_table("sample", enough_unknown, "nl", "md"))
    assert [r[1] for r in rows[1:4]] == ["100", "60", "30"]
    assert privacy.secondary_suppression(478, {"boys": 305, "girls": 173}, set(), 7) == set()


def test_flow_small_counts():
    rows = _md_rows(render_table("flow", F.flow(), "nl", "md"))
    assert rows[5] == ["dropped: post before pre", "<7"]
    assert rows[6] == ["geanalyseerde paren", "724"]
    zero = F.flow()
    zero.loc[4, "count"] = 0
    assert _md_rows(render_table("flow", zero, "nl", "md"))[5][1] == "0"


def test_table3_response_basis():
    tp = F.team_periods()
    full = tp["condition"] == "full"
    rows = _md_rows(render_table("table3", F.table3(), "nl", "md", team_periods=tp))
    assert rows[3][2:] == ["33,3", "29,4", "0,0 \u2013 84,6"]
    # the full team-period with the maximum response had few closed treatments: range hidden
    at_max = full & (tp["response"] == 84.6)
    tp.loc[at_max, "closed_treatments"] = 3
    rows = _md_rows(render_table("table3", F.table3(), "nl", "md", team_periods=tp))
    assert rows[3][2:] == ["33,3", "29,4", "x"]
    # all full team-periods together below 7 closed treatments: the row's statistics hidden
    tp.loc[full, "closed_treatments"] = 0
    tp.loc[full & at_max, "closed_treatments"] = 6
    rows = _md_rows(render_table("table3", F.table3(), "nl", "md", team_periods=tp))
    assert rows[3] == ["Volledig", "13", "x", "x", "x"]
    assert rows[1][2] == "7,7"


def test_outcome_model_with_a_small_condition_group():
    t4 = _small_table4()
    rows = _md_rows(render_table("outcomes", F.outcomes(), "nl", "md", table4=t4))
    opvoed = next(i for i, r in enumerate(rows) if r[0] == "Opvoed")
    block = {r[1]: r for r in rows[opvoed : opvoed + 7]}
    assert block["Volledig"][2:8] == ["x"] * 6
    assert block["Intercept"][2:8] == ["x"] * 6
    assert block["Voormeting (z)"][5] == ",05"  # covariates rest on all 320 clients
    opgroei = {r[1]: r for r in rows[1:8]}
    assert opgroei["Volledig"][5] == ",00"
    text = render_table("outcomes", F.outcomes(), "nl", "md", table4=t4)
    assert "Model Opvoed: een conditiegroep telt minder dan 7 cliënten" in text
    assert "Model Opgroei" not in text


def test_outcome_model_below_threshold_is_suppressed_whole():
    models = F.outcomes()
    models.loc[models["outcome"] == "opvoed", "n"] = 6
    rows = _md_rows(render_table("outcomes", models, "nl", "md", table4=F.table4()))
    opvoed = next(i for i, r in enumerate(rows) if r[0] == "Opvoed")
    assert all(r[2:8] == ["x"] * 6 for r in rows[opvoed : opvoed + 7])
    assert rows[opvoed][8] == "<7"


def test_response_model_terms_follow_the_response_basis():
    tp = F.team_periods()
    tp.loc[tp["condition"] == "full", "closed_treatments"] = 0
    frame = F.checklist_response()
    hidden = suppressed_terms("checklist_response", frame, Privacy(7, tp))
    assert set(frame.loc[hidden, "outcome"]) == {"response"}
    assert set(frame.loc[hidden, "term"]) == {"intercept", "partial", "full"}
    # checklist scores concern teams: never suppressed
    assert not suppressed_terms("checklist_response", frame, Privacy(7, F.team_periods())).any()


def test_baseline_response_basis_by_arm():
    tp = F.team_periods()
    first_control = (tp["moment"] == 1) & (tp["arm"] == "control")
    tp.loc[first_control, "closed_treatments"] = 1
    rows = _md_rows(
        render_table("baseline_ttests", F.baseline_ttests(), "nl", "md", team_periods=tp)
    )
    assert rows[5] == ["Respons", "5", "11", "x", "x", "x", "x", "x"]
    assert rows[4][3] == "43,9"


def test_model_tables_need_their_client_counts():
    with pytest.raises(ValueError, match="table4"):
        render_table("outcomes", F.outcomes(), "nl", "md")
    with pytest.raises(ValueError, match="team_periods"):
        render_table("checklist_response", F.checklist_response(), "nl", "md")
