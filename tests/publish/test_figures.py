"""Figures: written, byte-stable, and drawn without suppressed cells."""

from __future__ import annotations

import hashlib

import numpy as np
import pytest

from ldj_analysis.config import validate_config
from ldj_analysis.publish import figures as fg
from ldj_analysis.publish.privacy import Privacy
from ldj_analysis.vocabulary import FIGURES
from tests.publish import frames as F


def _hashes(paths):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in paths}


@pytest.mark.slow
def test_write_figures_is_byte_stable(tmp_path):
    config = validate_config({"publication": {"figure_formats": ["png", "svg", "pdf"]}})
    args = (F.all_tables(), F.all_models(), F.team_periods(), config)
    first = fg.write_figures(*args, tmp_path / "a")
    second = fg.write_figures(*args, tmp_path / "b")
    assert sorted(p.name for p in first) == sorted(
        f"{n}.{ext}" for n in FIGURES for ext in ("png", "svg", "pdf")
    )
    assert _hashes(first) == _hashes(second)
    for path in first:
        assert path.stat().st_size > 5_000
        if path.suffix == ".png":
            assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = (tmp_path / "a" / "forest_betas.svg").read_text(encoding="utf-8")
    assert "<dc:date>" not in svg and "Matplotlib v" not in svg


def _lines_with_data(fig):
    """The condition lines (the z-bound guides are unlabelled)."""
    return [
        ln
        for ax in fig.axes
        for ln in ax.get_lines()
        if len(ln.get_xdata()) and not ln.get_label().startswith("_")
    ]


def test_table4_figure_leaves_out_small_groups():
    t4 = F.table4()
    assert len(_lines_with_data(fg.figure_table4(t4, "nl", 7))) == 6
    t4.loc[(t4["condition"] == "full") & (t4["domain"] == "opvoed"), "n"] = 3
    fig = fg.figure_table4(t4, "nl", 7)
    drawn = _lines_with_data(fig)
    assert len(drawn) == 5
    assert not any(np.allclose(ln.get_ydata(), [1.40, 0.84]) for ln in drawn)
    legend = [t.get_text() for t in fig.axes[1].get_legend().get_texts()]
    assert "Volledig: onderdrukt (<7)" in legend


def _points(ax) -> int:
    return sum(len(c.get_offsets()) for c in ax.collections if c.get_offsets().ndim == 2)


def test_checklist_figure_hides_response_points_of_small_team_periods():
    tp = F.team_periods()
    fig = fg.figure_checklist_response(tp, "en", 7)
    assert [_points(ax) for ax in fig.axes[:5]][0] >= 61  # every team-period drawn
    tp.loc[tp.index[:4], "closed_treatments"] = 5
    fig = fg.figure_checklist_response(tp, "en", 7)
    collection, response = fig.axes[0], fig.axes[4]
    assert _points(response) < _points(collection)
    assert "4 team-periods with fewer than 7 closed treatments not shown" in (
        fig.get_supxlabel() if hasattr(fig, "get_supxlabel") else fig._supxlabel.get_text()
    )


def test_forest_draws_beta_with_196_se_and_skips_suppressed_terms():
    models = F.all_models()
    priv = Privacy(7, F.team_periods(), F.table4())
    fig = fg.figure_forest(models, "nl", priv)
    ax = fig.axes[0]
    segments = np.concatenate(
        [c.get_segments() for c in ax.collections if hasattr(c, "get_segments")]
    )
    widths = np.round([abs(s[1][0] - s[0][0]) for s in segments], 6)
    assert np.allclose(widths, 2 * 1.96 * 0.12)  # every interval is beta +- 1.96 * beta_se
    assert len(segments) == 2 * 7  # partial and full of 7 models
    small = F.table4()
    small.loc[small["condition"] == "partial", "n"] = 2
    fig = fg.figure_forest(models, "nl", Privacy(7, F.team_periods(), small))
    ax = fig.axes[0]
    segments = [s for c in ax.collections if hasattr(c, "get_segments") for s in c.get_segments()]
    assert len(segments) == 2 * 5  # the two outcome models' condition terms are suppressed
    assert sum("onderdrukt" in t.get_text() for t in ax.texts) == 4


def test_table1_grid_has_every_cell():
    fig = fg.figure_table1(F.table1(), "nl")
    words = [t.get_text() for t in fig.axes[0].texts]
    assert len(words) == 16 * 4
    assert words.count("-") == 3 and words.count("volledig") == 13


@pytest.mark.parametrize("name", ["table1", "team_periods"])
def test_figures_refuse_client_rows(name):
    from ldj_analysis.publish.privacy import PrivacyError

    with pytest.raises(PrivacyError):
        if name == "table1":
            fg.figure_table1(F.table1().assign(client_key="x"), "nl")
        else:
            fg.figure_checklist_response(F.team_periods().assign(client_key="x"), "nl")


def test_table1_with_many_teams_is_drawn_as_counts_per_period():
    import numpy as np
    import pandas as pd

    from ldj_analysis.publish.figures import MAX_GRID_TEAMS, figure_table1

    n = MAX_GRID_TEAMS + 1
    conditions = np.array(["control", "partial", "full"])
    table1 = pd.DataFrame(
        {
            "team_id": [str(i) for i in range(n)],
            "period_1": conditions[np.arange(n) % 3],
            "period_2": conditions[(np.arange(n) + 1) % 3],
        }
    )
    ax = figure_table1(table1, "en").axes[0]
    heights = sorted(round(p.get_height()) for p in ax.patches)
    assert len(ax.patches) == 6  # 3 conditions x 2 periods
    assert sum(heights) == 2 * n
    assert heights == sorted([21, 20, 20] * 2)


@pytest.mark.slow
def test_checklist_figure_rasterises_points_only_at_national_scale(tmp_path, monkeypatch):
    """Few points stay vector markers; above RASTER_POINTS per condition they become one
    image in the SVG (and the points drawn are the same either way)."""
    tp = F.team_periods()
    fig = fg.figure_checklist_response(tp, "en", 7)
    points = [_points(ax) for ax in fig.axes[:5]]
    small = fg.save_figure(fig, tmp_path / "small", ["svg"])[0].read_text(encoding="utf-8")
    assert "<image" not in small and small.count("<use ") >= 5 * len(tp)
    monkeypatch.setattr(fg, "RASTER_POINTS", 10)
    fig = fg.figure_checklist_response(tp, "en", 7)
    assert [_points(ax) for ax in fig.axes[:5]] == points
    big = fg.save_figure(fig, tmp_path / "big", ["svg"])[0].read_text(encoding="utf-8")
    assert "<image" in big and big.count("<use ") < small.count("<use ")
