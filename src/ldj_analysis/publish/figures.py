"""Figures of the report (matplotlib, Agg, no pyplot): byte-stable PNG and SVG.

Each ``figure_*`` function returns a matplotlib Figure; :func:`write_figures` saves them all.
Suppression follows the tables: points or summaries that rest on fewer than
``min_cell_size`` clients are not drawn, and the figure says how many were left out.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import partial
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ldj_analysis.publish import privacy  # noqa: E402
from ldj_analysis.publish.display import suppressed_terms  # noqa: E402
from ldj_analysis.publish.figure_style import RC, new_figure, save_figure  # noqa: E402
from ldj_analysis.publish.flow_diagram import figure_flow  # noqa: E402
from ldj_analysis.publish.labels import label, text  # noqa: E402
from ldj_analysis.publish.numbers import format_number  # noqa: E402
from ldj_analysis.publish.privacy import Privacy  # noqa: E402
from ldj_analysis.vocabulary import (  # noqa: E402
    CHECKLIST_SCORES,
    CONDITIONS,
    FIGURES,  # noqa: E402
    OUTCOME_DOMAINS,
)

#: The report's "three shades of blue" of Table 1.
COLOURS: dict[str, str] = {"control": "#c6dbef", "partial": "#6baed6", "full": "#08519c"}
#: Darker edges so light points stay visible on white.
EDGES: dict[str, str] = {"control": "#4a6f91", "partial": "#2b5f86", "full": "#041f3d"}
#: Above this many points per condition a scatter is drawn as an image inside the SVG: tens
#: of thousands of vector markers (national scale) make a file of tens of MB, slow to write.
RASTER_POINTS = 2000
_TEXT = {
    "nl": {
        "hidden_points": "{n} team-perioden met minder dan {k} afgesloten behandelingen "
        "niet getoond",
        "hidden_summary": "{cond}: gemiddelde niet getoond (minder dan {k} cliënten)",
        "mean_ci": "gemiddelde met 95%-interval",
        "score": "Score (0-100)",
        "response": "Respons (%)",
        "z": "Gemiddelde z-score",
        "pre": "Begin",
        "post": "Einde",
        "beta": "β (95%-interval)",
        "suppressed": "onderdrukt (<{k})",
        "no_models": "geen modellen beschikbaar",
    },
    "en": {
        "hidden_points": "{n} team-periods with fewer than {k} closed treatments not shown",
        "hidden_summary": "{cond}: mean not shown (fewer than {k} clients)",
        "mean_ci": "mean with 95% interval",
        "score": "Score (0-100)",
        "response": "Response (%)",
        "z": "Mean z-score",
        "pre": "Start",
        "post": "End",
        "beta": "β (95% interval)",
        "suppressed": "suppressed (<{k})",
        "no_models": "no models available",
    },
}


_t = partial(text, _TEXT)


#: Above this many teams Table 1 is drawn as counts per period, not one row per team.
MAX_GRID_TEAMS = 60


def _figure_table1_counts(grid: pd.DataFrame, periods: list[str], language: str) -> Figure:
    """Table 1 for many teams: per period, the number of teams in each condition."""
    counts = np.array([[(grid[p] == c).sum() for p in periods] for c in CONDITIONS], dtype=float)
    with matplotlib.rc_context(RC):
        fig = new_figure(2.6 + 0.9 * len(periods), 3.2)
        ax = fig.add_subplot()
        bottom = np.zeros(len(periods))
        for condition, row in zip(CONDITIONS, counts, strict=True):
            ax.bar(
                range(len(periods)),
                row,
                bottom=bottom,
                color=COLOURS[condition],
                edgecolor=EDGES[condition],
                label=label(condition, language).lower(),
            )
            bottom += row
        ax.set_xticks(
            range(len(periods)),
            [f"{label('period', language)} {p.split('_', 1)[1]}" for p in periods],
        )
        ax.set_ylabel(f"{label('team', language)} (n)")
        ax.legend(frameon=False, loc="upper left", bbox_to_anchor=(1, 1))
    return fig


def figure_table1(table1: pd.DataFrame, language: str) -> Figure:
    """Table 1 as a team x period grid coloured by condition (counts per period when there
    are more than :data:`MAX_GRID_TEAMS` teams)."""
    privacy.refuse_client_rows(table1, "table1")
    periods = [c for c in table1.columns if str(c).startswith("period_")]
    grid = table1[periods].astype("string")
    n_teams, n_periods = grid.shape
    if n_teams > MAX_GRID_TEAMS:
        return _figure_table1_counts(grid, periods, language)
    codes = grid.apply(lambda col: col.map({c: i for i, c in enumerate(CONDITIONS)}))
    values = codes.to_numpy(dtype="float64", na_value=np.nan)
    with matplotlib.rc_context(RC):
        fig = new_figure(1.4 + 1.25 * n_periods, 0.8 + 0.28 * n_teams)
        ax = fig.add_subplot()
        from matplotlib.colors import ListedColormap

        cmap = ListedColormap([COLOURS[c] for c in CONDITIONS]).with_extremes(bad="#f2f2f2")
        ax.imshow(
            np.ma.masked_invalid(values),
            cmap=cmap,
            vmin=-0.5,
            vmax=len(CONDITIONS) - 0.5,
            aspect="auto",
            interpolation="nearest",
        )
        text = np.where(
            np.isnan(values),
            "-",
            np.array([label(c, language).lower() for c in CONDITIONS])[
                np.nan_to_num(values, nan=0).astype(int)
            ],
        )
        for (i, j), word in np.ndenumerate(text):
            dark = values[i, j] == CONDITIONS.index("full")
            ax.text(
                j, i, word, ha="center", va="center", fontsize=8, color="white" if dark else "black"
            )
        ax.set_xticks(
            range(n_periods), [f"{label('period', language)} {p.split('_', 1)[1]}" for p in periods]
        )
        ax.set_yticks(range(n_teams), table1["team_id"].astype(str).tolist())
        ax.set_ylabel(label("team", language))
        ax.tick_params(length=0)
        ax.xaxis.tick_top()
        for side in ax.spines.values():
            side.set_visible(False)
        ax.set_xticks(np.arange(-0.5, n_periods), minor=True)
        ax.set_yticks(np.arange(-0.5, n_teams), minor=True)
        ax.grid(which="minor", color="white", linewidth=1.5)
        ax.tick_params(which="minor", length=0)
    return fig


def _axis_numbers(axis: Any, decimals: int, language: str) -> None:
    """Tick labels with the language's decimal separator and minus sign."""
    from matplotlib.ticker import FuncFormatter

    axis.set_major_formatter(FuncFormatter(lambda v, _pos: format_number(v, decimals, language)))


def _jitter(n: int, seed: int) -> np.ndarray:
    return np.random.default_rng(seed).uniform(-0.18, 0.18, n)


def figure_checklist_response(
    team_periods: pd.DataFrame, language: str, min_cell_size: int = 7
) -> Figure:
    """Checklist scores and response per condition: one point per team-period, with the
    condition mean and its 95 % interval. Response points of team-periods with fewer than
    ``min_cell_size`` closed treatments, and response means whose basis is that small, are
    left out (scores concern teams and are all shown)."""
    tp = privacy.refuse_client_rows(team_periods, "team_periods")
    outcomes = (*CHECKLIST_SCORES, "response")
    basis = privacy.response_basis(tp)
    with matplotlib.rc_context(RC):
        fig = new_figure(12.5, 3.8)
        axes = fig.subplots(1, len(outcomes), sharey=False)
        notes = []
        for k_ax, (ax, outcome) in enumerate(zip(axes, outcomes, strict=True)):
            data = tp[["condition", outcome, "closed_treatments"]].dropna(subset=[outcome])
            if outcome == "response":
                shown = data["closed_treatments"].fillna(0) >= min_cell_size
                hidden = int((~shown).sum())
                if hidden:
                    notes.append(_t("hidden_points", language, n=hidden, k=min_cell_size))
                data = data[shown]
            for x, cond in enumerate(CONDITIONS):
                values = data.loc[data["condition"] == cond, outcome].to_numpy(dtype="float64")
                ax.scatter(
                    x + _jitter(len(values), 17 * k_ax + x),
                    values,
                    s=16,
                    color=COLOURS[cond],
                    edgecolor=EDGES[cond],
                    linewidth=0.5,
                    zorder=2,
                    rasterized=len(values) > RASTER_POINTS,
                )
                full = tp.loc[tp["condition"] == cond, outcome].dropna().to_numpy(dtype="float64")
                if outcome == "response" and privacy.too_small(basis.get(cond), min_cell_size):
                    notes.append(
                        _t("hidden_summary", language, cond=label(cond, language), k=min_cell_size)
                    )
                    continue
                if len(full) == 0:
                    continue
                mean = full.mean()
                half = 1.96 * full.std(ddof=1) / np.sqrt(len(full)) if len(full) > 1 else 0.0
                ax.errorbar(
                    x + 0.32,
                    mean,
                    yerr=half,
                    fmt="D",
                    color="black",
                    markersize=4,
                    capsize=3,
                    zorder=3,
                )
            ax.set_xticks(
                range(len(CONDITIONS)),
                [label(c, language) for c in CONDITIONS],
                rotation=30,
                ha="right",
                rotation_mode="anchor",
            )
            ax.set_xlim(-0.6, len(CONDITIONS) - 0.3)
            ax.set_ylim(-4, 104)
            ax.set_title(label(outcome, language))
            ax.set_ylabel(_t("response" if outcome == "response" else "score", language))
            ax.grid(axis="y", color="#e5e5e5", linewidth=0.6, zorder=0)
        caption = "\u25c6 " + _t("mean_ci", language)
        if notes:
            caption += "; " + "; ".join(notes)
        fig.supxlabel(caption, fontsize=8, color="#444444")
    return fig


def figure_table4(table4: pd.DataFrame, language: str, min_cell_size: int = 7) -> Figure:
    """Mean z at start and end of care per condition and domain (Table 4)."""
    privacy.refuse_client_rows(table4, "table4")
    with matplotlib.rc_context(RC):
        fig = new_figure(7.5, 3.4)
        axes = fig.subplots(1, len(OUTCOME_DOMAINS), sharey=True)
        for ax, domain in zip(axes, OUTCOME_DOMAINS, strict=True):
            for bound in (1.00, 1.28, 1.64, 1.96):
                ax.axhline(bound, color="#dddddd", linewidth=0.7, zorder=0)
            for cond in CONDITIONS:
                row = table4[(table4["condition"] == cond) & (table4["domain"] == domain)]
                name = label(cond, language)
                if row.empty:
                    continue
                r = row.iloc[0]
                if privacy.too_small(r["n"], min_cell_size):
                    ax.plot(
                        [],
                        [],
                        color=COLOURS[cond],
                        label=f"{name}: {_t('suppressed', language, k=min_cell_size)}",
                    )
                    continue
                ax.plot(
                    [0, 1],
                    [r["pre_mean"], r["post_mean"]],
                    marker="o",
                    color=EDGES[cond] if cond == "control" else COLOURS[cond],
                    markerfacecolor=COLOURS[cond],
                    markeredgecolor=EDGES[cond],
                    linewidth=1.8,
                    label=f"{name} (N = {int(r['n'])})",
                )
            ax.set_xticks([0, 1], [_t("pre", language), _t("post", language)])
            ax.set_xlim(-0.3, 1.3)
            ax.set_title(label(domain, language))
            ax.legend(fontsize=7, frameon=False, loc="upper right")
        axes[0].set_ylabel(_t("z", language))
        _axis_numbers(axes[0].yaxis, 1, language)
    return fig


def figure_forest(models: Mapping[str, pd.DataFrame], language: str, priv: Privacy) -> Figure:
    """Standardized condition effects (beta +- 1.96 beta_se) of every model, against control."""
    rows = []
    for name in ("checklist_response", "outcomes"):
        frame = models.get(name)
        if frame is None:
            continue
        privacy.refuse_client_rows(frame, name)
        part = frame.assign(suppressed=suppressed_terms(name, frame, priv).to_numpy())
        rows.append(part[part["term"].isin(("partial", "full"))])
    data = pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()
    order = [*CHECKLIST_SCORES, "response", *OUTCOME_DOMAINS]
    outcomes = [o for o in order if not data.empty and (data["outcome"] == o).any()]
    with matplotlib.rc_context(RC):
        fig = new_figure(6.8, 0.9 + 0.5 * max(len(outcomes), 1))
        ax = fig.add_subplot()
        ax.axvline(0, color="#888888", linewidth=0.8)
        offsets = {"partial": -0.15, "full": 0.15}
        for cond, offset in offsets.items():
            sub = data[data["term"] == cond] if not data.empty else data
            if sub.empty:
                continue
            y = sub["outcome"].map({o: i for i, o in enumerate(outcomes)}).to_numpy() + offset
            shown = ~sub["suppressed"].to_numpy(dtype=bool)
            beta = sub["beta"].to_numpy(dtype="float64")
            half = 1.96 * sub["beta_se"].to_numpy(dtype="float64")
            ax.errorbar(
                beta[shown],
                y[shown],
                xerr=half[shown],
                fmt="o",
                color=EDGES[cond],
                markerfacecolor=COLOURS[cond],
                capsize=2,
                label=label(cond, language),
            )
            for yy in y[~shown]:
                ax.text(
                    0.01,
                    yy,
                    f"{label(cond, language)}: {_t('suppressed', language, k=priv.min_cell_size)}",
                    va="center",
                    fontsize=7,
                    color="#555555",
                    transform=ax.get_yaxis_transform(),
                )
        if not outcomes:
            ax.text(0.5, 0.5, _t("no_models", language), ha="center", transform=ax.transAxes)
            ax.set_axis_off()
            return fig
        ax.set_yticks(range(len(outcomes)), [label(o, language) for o in outcomes])
        ax.set_ylim(len(outcomes) - 0.5, -0.5)
        ax.set_xlabel(_t("beta", language))
        _axis_numbers(ax.xaxis, 1, language)
        ax.grid(axis="x", color="#eeeeee", linewidth=0.6)
        ax.legend(fontsize=8, frameon=False, loc="lower right")
    return fig


def make_figures(
    tables: Mapping[str, pd.DataFrame],
    models: Mapping[str, pd.DataFrame],
    team_periods: pd.DataFrame,
    language: str,
    priv: Privacy,
    names: Sequence[str] = FIGURES,
) -> dict[str, Figure]:
    """The report figures ``names`` (default all, :data:`ldj_analysis.vocabulary.FIGURES`)."""
    if priv.table4 is None and "table4" in tables:
        priv = Privacy(
            priv.min_cell_size, team_periods, tables["table4"], priv.show_client_extremes
        )
    elif priv.team_periods is None:
        priv = Privacy(priv.min_cell_size, team_periods, priv.table4, priv.show_client_extremes)
    draw: dict[str, Callable[[], Figure]] = {
        "table1_grid": lambda: figure_table1(tables["table1"], language),
        "checklist_response": lambda: figure_checklist_response(
            team_periods, language, priv.min_cell_size
        ),
        "table4_means": lambda: figure_table4(tables["table4"], language, priv.min_cell_size),
        "forest_betas": lambda: figure_forest(models, language, priv),
        "flow_diagram": lambda: figure_flow(
            tables["flow"], team_periods, tables["table4"], language, priv.min_cell_size
        ),
    }
    return {name: draw[name]() for name in names}


def write_figures(
    tables: Mapping[str, pd.DataFrame],
    models: Mapping[str, pd.DataFrame],
    team_periods: pd.DataFrame,
    config: Mapping[str, Any],
    out_dir: str | Path,
    names: Sequence[str] = FIGURES,
) -> list[Path]:
    """Write the figures ``names`` (default all) to ``out_dir`` in
    ``config['publication']['figure_formats']``."""
    from ldj_analysis.publish.options import publication_options
    from ldj_analysis.publish.tables import privacy_from_config

    pub = publication_options(config)
    priv = privacy_from_config(config, team_periods, tables.get("table4"))
    figures = make_figures(tables, models, team_periods, pub.language, priv, names)
    formats, dpi = pub.figure_formats, pub.figure_dpi
    paths = []
    for name, fig in figures.items():
        paths += save_figure(fig, Path(out_dir) / name, formats, dpi)
    return paths
