"""Human-facing tables: the report's numbers and labels in every format."""

from __future__ import annotations

import io
import re

import openpyxl
import pandas as pd
import pytest

from ldj_analysis.config import validate_config
from ldj_analysis.publish import render_table, write_tables
from ldj_analysis.publish.display import coefficient_decimals
from ldj_analysis.publish.privacy import PrivacyError
from tests.publish import frames as F


def _md_rows(text: str) -> list[list[str]]:
    return [
        [c.strip() for c in line.strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|") and not line.startswith("|:")
    ]


def _render(name, frame, language="nl", fmt="md", **kw):
    kw.setdefault("team_periods", F.team_periods())
    kw.setdefault("table4", F.table4())
    return render_table(name, frame, language, fmt, **kw)


def test_table2_markdown_matches_the_report():
    rows = _md_rows(_render("table2", F.table2()))
    assert rows[1] == ["Verzameling", "Controle", "29", "53,9", "15,6", "25 \u2013 88"]
    assert rows[2] == ["", "Gedeeltelijk", "19", "61,2", "17,6", "25 \u2013 100"]
    assert rows[5] == ["", "Gedeeltelijk", "19", "42,9", "26,1", "7 \u2013 93"]
    assert rows[12] == ["", "Volledig", "13", "62,2", "16,4", "38 \u2013 88"]
    assert [r[0] for r in rows[1:] if r[0]] == [
        "Verzameling",
        "Benutting",
        "Randvoorwaarden",
        "Totaalscore",
    ]


def test_table2_rows_are_ordered_whatever_the_input_order():
    shuffled = F.table2().sample(frac=1, random_state=3)
    assert _render("table2", shuffled) == _render("table2", F.table2())


def test_table1_table3_table4_match_the_report():
    t1 = _md_rows(_render("table1", F.table1()))
    assert t1[0] == ["Team", "Periode 1", "Periode 2", "Periode 3", "Periode 4"]
    assert t1[1] == ["3", "controle", "controle", "controle", "-"]
    assert t1[-1] == ["16", "controle", "volledig", "volledig", "volledig"]
    t3 = _md_rows(_render("table3", F.table3()))
    assert t3[1] == ["Controle", "29", "7,7", "11,0", "0,0 \u2013 48,6"]
    assert t3[3] == ["Volledig", "13", "33,3", "29,4", "0,0 \u2013 84,6"]
    t4 = _md_rows(_render("table4", F.table4()))
    assert t4[1] == ["Controle", "Opgroei", "168", "1,94", "1,73", "1,16", "1,76", "0,45"]
    assert t4[6] == ["", "Opvoed", "47", "1,40", "1,39", "0,84", "1,37", "0,41"]


def test_english_labels_and_decimal_point():
    t2 = _md_rows(_render("table2", F.table2(), "en"))
    assert t2[1] == ["Collection", "Control", "29", "53.9", "15.6", "25 \u2013 88"]
    assert "Total score" in [r[0] for r in t2]
    t4 = _render("table4", F.table4(), "en")
    assert "Child problems" in t4 and "Parenting problems" in t4 and "1,94" not in t4


def test_model_table_betas_and_p_as_the_report():
    rows = _md_rows(_render("checklist_response", F.checklist_response()))
    total = {
        r[1]: r for r in rows[rows.index(next(r for r in rows if r[0] == "Totaalscore")) :][:3]
    }
    assert total["Volledig"][5:8] == [",38", ",12", ",008"]
    assert total["Gedeeltelijk"][5:8] == [",29", ",12", ",054"]
    respons = next(i for i, r in enumerate(rows) if r[0] == "Respons")
    assert rows[respons][8:] == ["61", "16"]
    assert rows[respons + 2][1] == "Volledig" and rows[respons + 2][5] == ",46"


def test_duration_is_printed_per_100_days_and_said_so():
    """The published run's duration coefficient (0.000868 per day, SE 0.000188) printed as
    0,00 (0,00); per 100 days it reads 0,09 (0,02); beta is per SD and unchanged."""
    frame = F.outcomes()
    at = (frame["outcome"] == "opgroei") & (frame["term"] == "duration_days")
    frame.loc[at, ["estimate", "se", "beta", "beta_se"]] = [0.000868, 0.000188, 0.0925, 0.0207]
    rows = _md_rows(_render("outcomes", frame))
    duration = next(r for r in rows if r[1] == "Behandelduur (100 dagen)")
    assert duration[2:4] == ["0,09", "0,02"] and duration[5:7] == [",09", ",02"]
    text = _render("outcomes", frame)
    assert "B en SE van behandelduur per 100 dagen" in text
    english = _render("outcomes", frame, language="en")
    assert "Treatment duration (100 days)" in english and "per 100 days" in english


def test_a_coefficient_with_a_tiny_se_gets_the_digits_it_needs():
    assert coefficient_decimals(0.0962) == 2
    assert coefficient_decimals(0.005) == 2  # prints 0,01
    assert coefficient_decimals(0.00488) == 4  # would print 0,00; prints 0,0049
    assert coefficient_decimals(0.000188) == 5
    assert coefficient_decimals(1e-12) == 6
    frame = F.outcomes()
    at = (frame["outcome"] == "opvoed") & (frame["term"] == "age")
    frame.loc[at, ["estimate", "se"]] = [0.0012, 0.0004]
    rows = _md_rows(_render("outcomes", frame))
    age = [r for r in rows if r[1] == "Leeftijd"][1]  # opgroei, then opvoed
    assert age[2:4] == ["0,00120", "0,00040"]


def test_prepost_and_baseline_tables():
    pre = _md_rows(_render("prepost_tests", F.prepost_tests()))
    assert pre[1][:3] == ["Controle", "Opgroei", "168"]
    assert pre[1][6] == "<,001" and pre[1][5] == "167"
    base = _md_rows(_render("baseline_ttests", F.baseline_ttests()))
    assert base[5] == ["Respons", "5", "11", "6,2", "8,8", "\u22120,52", "12,4", ",612"]


def test_latex_is_escaped_and_has_booktabs():
    tex = _render("table4", F.table4(), "nl", "tex")
    assert "\\toprule" in tex and "\\bottomrule" in tex
    assert "\\multicolumn{2}{c}{Beginmeting}" in tex
    assert "\\caption{Gemiddelde z-scores" in tex  # "Tabel 4." left to LaTeX
    assert "Controle & Opgroei & 168 & 1,94 & 1,73 & 1,16 & 1,76 & 0,45 \\\\" in tex
    assert "\\textless{} 1,00" in tex  # the note's "<" escaped
    model = _render("outcomes", F.outcomes(), "nl", "tex")
    assert "$\\beta$" in model and "$-$,05" in model
    assert "_" not in re.sub(r"\\label\{[^}]*\}", "", model)


def test_xlsx_holds_rounded_numbers_with_number_formats():
    data = _render("table2", F.table2(), "nl", "xlsx")
    ws = openpyxl.load_workbook(io.BytesIO(data)).active
    assert ws["A1"].value.startswith("Tabel 2.")
    cells = {(c.row, c.column): c for row in ws.iter_rows() for c in row}
    first = next(r for (r, col), c in cells.items() if col == 1 and c.value == "Verzameling")
    assert cells[(first, 3)].value == 29
    assert cells[(first, 4)].value == pytest.approx(53.9)
    assert cells[(first, 4)].number_format == "0.0"
    assert cells[(first, 6)].value == "25 \u2013 88"
    model = _render("checklist_response", F.checklist_response(), "nl", "xlsx")
    values = [
        c.value for row in openpyxl.load_workbook(io.BytesIO(model)).active.iter_rows() for c in row
    ]
    assert 0.054 in values and 0.38 in values


def test_xlsx_is_byte_stable():
    assert _render("table4", F.table4(), "nl", "xlsx") == _render(
        "table4", F.table4(), "nl", "xlsx"
    )


def test_write_tables_writes_every_format(tmp_path):
    config = validate_config({"publication": {"formats": ["md", "xlsx", "tex", "html"]}})
    tables = {**F.all_tables(), **F.all_models()}
    paths = write_tables(tables, tmp_path, config, team_periods=F.team_periods())
    assert len(paths) == 12 * 4
    assert {p.name for p in paths} >= {"table1.md", "table4.xlsx", "outcomes.tex", "flow.html"}
    assert all(p.stat().st_size > 200 for p in paths)
    html = (tmp_path / "table2.html").read_text(encoding="utf-8")
    assert html.startswith("<!DOCTYPE html>") and "53,9" in html and "http" not in html


def test_write_tables_follows_language(tmp_path):
    config = validate_config({"publication": {"language": "en", "formats": ["md"]}})
    write_tables({"table3": F.table3()}, tmp_path, config, team_periods=F.team_periods())
    assert "| Control | 29 | 7.7 | 11.0 | 0.0 \u2013 48.6 |" in (tmp_path / "table3.md").read_text()


def test_client_level_frames_are_refused(tmp_path):
    leaked = F.table4().assign(client_key="c1")
    with pytest.raises(PrivacyError, match="client_key"):
        render_table("table4", leaked, "nl", "md")
    config = validate_config({})
    with pytest.raises(PrivacyError):
        write_tables({"table4": leaked}, tmp_path, config)
    with pytest.raises(PrivacyError):
        write_tables(
            {"table2": F.table2()}, tmp_path, config, team_periods=pd.DataFrame({"client_id": [1]})
        )
    assert not list(tmp_path.iterdir())


def test_unknown_table_and_language_fail_clearly():
    with pytest.raises(ValueError, match="unknown table"):
        render_table("table9", F.table2(), "nl", "md")
    with pytest.raises(ValueError, match="language"):
        render_table("table2", F.table2(), "de", "md")
    with pytest.raises(ValueError, match="format"):
        render_table("table2", F.table2(), "nl", "docx")


def test_table3_needs_team_periods_for_its_privacy_check():
    with pytest.raises(ValueError, match="team_periods"):
        render_table("table3", F.table3(), "nl", "md")


def test_flow_steps_in_dutch_and_unknown_steps_as_written():
    frame = pd.DataFrame(
        {"step": ["pairs analysed", "excluded: interim list (occasion tussen)", "new step"],
         "count": [724, 12, 30]}
    )  # fmt: skip
    rows = _md_rows(render_table("flow", frame, "nl", "md"))
    assert rows[1:] == [
        ["geanalyseerde paren", "724"],
        ["uitgesloten: tussenmeting", "12"],
        ["new step", "30"],
    ]
    assert _md_rows(render_table("flow", frame, "en", "md"))[1] == ["pairs analysed", "724"]


def test_every_pairing_step_has_a_dutch_label():
    from ldj_analysis.pairing import STEPS
    from ldj_analysis.publish.labels import FLOW_NL

    assert [s for s in STEPS.values() if f"excluded: {s}" not in FLOW_NL] == []


def test_read_csvs_round_trip_and_refusal(tmp_path):
    from ldj_analysis.publish import read_csvs

    F.table2().to_csv(tmp_path / "table2.csv", index=False)
    F.table4().assign(client_key="k").to_csv(tmp_path / "leak.csv", index=False)
    frames = read_csvs({"table2": tmp_path / "table2.csv"})
    assert _render("table2", frames["table2"]) == _render("table2", F.table2())
    with pytest.raises(PrivacyError):
        read_csvs({"table4": tmp_path / "leak.csv"})


def test_table1_cells_per_team_and_period_from_any_column_type():
    """Codes are labelled once per distinct value; each cell still gets its own text."""
    from ldj_analysis.publish.display import build_display
    from ldj_analysis.publish.privacy import Privacy

    frame = pd.DataFrame(
        {
            "team_id": [7, 12, 3, 40],
            "period_1": pd.Series(["control", "full", None, "partial"], dtype="str"),
            "period_2": ["partial", float("nan"), "odd_code", "partial"],
            "period_3": [float("nan")] * 4,  # a period no team was in
            "period_4": pd.Series(["full", "nan", "control", "full"], dtype="object"),
        }
    )
    rows = build_display("table1", frame, "nl", Privacy()).rows
    assert rows == (
        ("7", "controle", "gedeeltelijk", "-", "volledig"),
        ("12", "volledig", "-", "-", "-"),
        ("3", "-", "odd code", "-", "controle"),
        ("40", "gedeeltelijk", "gedeeltelijk", "-", "volledig"),
    )
    assert all(type(cell) is str for row in rows for cell in row)


def test_publication_options_are_the_schemas_defaults_typed():
    from ldj_analysis.publish.options import publication_options

    pub = publication_options({})
    assert pub.formats == ("md", "xlsx", "tex", "html") and pub.figure_formats == ("png", "svg")
    assert (pub.language, pub.min_cell_size, pub.figure_dpi) == ("nl", 7, 150)
    assert publication_options({"publication": {"language": "en"}}).language == "en"
    with pytest.raises(ValueError, match="publication.language"):
        publication_options({"publication": {"language": "fr"}})
