"""Figures of the design simulation (NL/EN): size per method against alpha (client-level and
team-period models), power curves, size by ICC per model family. Drawn with the report's
settings (publish.figures: byte-stable PNG and SVG)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from ldj_analysis.publish.figure_style import RC, save_figure
from ldj_analysis.publish.labels import label, text
from ldj_analysis.simulation.interpretation import SPEC_LABELS, family_label
from ldj_analysis.simulation.sets import CLIENT_MODEL, TEAM_PERIOD_MODEL
from ldj_analysis.vocabulary import TEAM_PERIOD_OUTCOMES

#: The simulation's figures, in the order of the report.
SIMULATION_FIGURES: tuple[str, ...] = (
    "simulation_size",
    "simulation_size_team_periods",
    "simulation_power",
    "simulation_icc",
)
MARKERS = {"partial": "o", "full": "s"}
_TEXT = {
    "nl": {
        "size": "Zonder effect",
        "trend": "Alleen tijdtrend ({trend} SD/halfjaar)",
        "rate": "Verwerpingskans",
        "alpha": "alfa = {alpha}",
        "teams": "Aantal teams",
        "power": "Power (term volledig, {spec})",
        "target": "doel {power:.0%}",
        "effect": "d = {d}",
        "failed": "niet te berekenen",
        "icc": "ICC",
        "icc_title": "{family}\nzonder effect ({spec}, term volledig)",
        "nothing": "Geen scenario's van dit soort geconfigureerd",
    },
    "en": {
        "size": "No effect",
        "trend": "Secular trend only ({trend} SD/half-year)",
        "rate": "Rejection rate",
        "alpha": "alpha = {alpha}",
        "teams": "Number of teams",
        "power": "Power (term full, {spec})",
        "target": "target {power:.0%}",
        "effect": "d = {d}",
        "failed": "not computable",
        "icc": "ICC",
        "icc_title": "{family}\nno effect ({spec}, term full)",
        "nothing": "No scenarios of this kind configured",
    },
}


_t = partial(text, _TEXT)


def figure_size(
    rates: pd.DataFrame,
    sim: Mapping[str, Any],
    alpha: float,
    language: str,
    model: str = CLIENT_MODEL,
) -> Figure:
    """Rejection rate without an effect per method and term (client level) or per outcome
    (team periods, term full), with its 95 % Monte Carlo interval, against alpha; a column
    per spec, a row for the size and the trend scenario."""
    rates = rates[rates["model"] == model]
    if model == TEAM_PERIOD_MODEL:
        rates = rates[rates["term"] == "full"].assign(term=rates["outcome"])
    kinds = [k for k in ("size", "trend") if (rates["kind"] == k).any()]
    if not kinds:
        return _empty(language)
    specs = list(sim["specs"])
    methods = list(sim["methods"])
    fig = Figure(figsize=(3.2 * len(specs), 2.6 * len(kinds) + 0.4), layout="constrained")
    axes = fig.subplots(len(kinds), len(specs), squeeze=False, sharey="row")
    for r, kind in enumerate(kinds):
        for c, spec in enumerate(specs):
            ax = axes[r, c]
            rows = rates[(rates["kind"] == kind) & (rates["spec"] == spec)]
            terms = sorted(rows["term"].drop_duplicates(), key=_term_rank)
            for k, term in enumerate(terms):
                offset = (k - (len(terms) - 1) / 2) * 0.36 / max(len(terms), 2)
                for m, method in enumerate(methods):
                    row = rows[(rows["term"] == term) & (rows["method"] == method)]
                    if row.empty or not np.isfinite(row["rate"].iloc[0]):
                        ax.text(m, alpha, "×", ha="center", va="center", color="#999")
                        continue
                    rate, lo, hi = row[["rate", "mc_low", "mc_high"]].iloc[0]
                    ax.errorbar(
                        m + offset,
                        rate,
                        yerr=[[rate - lo], [hi - rate]],
                        fmt=MARKERS.get(term, "os^Dv"[k % 5]),
                        color=_colour(term, k),
                        ms=4,
                        capsize=2,
                        label=label(term, language) if m == 0 else None,
                    )
            ax.axhline(alpha, color="#444", lw=0.8, ls="--")
            ax.set_xticks(range(len(methods)), methods)
            ax.set_xlim(-0.6, len(methods) - 0.4)
            title = SPEC_LABELS[language][spec]
            if kind == "trend":
                title = f"{title}\n{_t('trend', language, trend=sim['trend'])}"
            elif len(kinds) > 1:
                title = f"{title}\n{_t('size', language)}"
            ax.set_title(title, fontsize=8)
            if c == 0:
                ax.set_ylabel(_t("rate", language))
    axes[0, 0].legend(fontsize=7, title=_t("alpha", language, alpha=alpha), title_fontsize=7)
    return fig


def figure_power(
    rates: pd.DataFrame, sim: Mapping[str, Any], alpha: float, language: str
) -> Figure:
    """Power of the term ``full`` by number of teams, a line per effect, a panel per method."""
    methods = list(sim["methods"])
    curves = rates[(rates["kind"] == "power") & (rates["term"] == "full")]
    curves = curves[curves["model"] == CLIENT_MODEL]
    if curves.empty:
        return _empty(language)
    effects = sorted(curves["effect"].unique())
    colours = _blues(len(effects))
    fig = Figure(figsize=(2.6 * len(methods), 3.1), layout="constrained")
    axes = fig.subplots(1, len(methods), squeeze=False, sharey=True)[0]
    for ax, method in zip(axes, methods, strict=True):
        for colour, d in zip(colours, effects, strict=True):
            curve = curves[(curves["method"] == method) & (curves["effect"] == d)].sort_values(
                "teams"
            )
            ax.plot(
                curve["teams"],
                curve["rate"],
                marker="o",
                ms=3,
                color=colour,
                label=_t("effect", language, d=f"{d:g}"),
            )
        ax.axhline(float(sim["power"]), color="#444", lw=0.8, ls="--")
        ax.axhline(alpha, color="#999", lw=0.6, ls=":")
        ax.set_title(method, fontsize=9)
        ax.set_xlabel(_t("teams", language))
        ax.set_ylim(0, 1.02)
    spec = SPEC_LABELS[language][sim["power_spec"]]
    fig.suptitle(_t("power", language, spec=spec), fontsize=9)
    axes[0].set_ylabel("Power")
    axes[-1].legend(fontsize=7, title=_t("target", language, power=float(sim["power"])))
    return fig


def figure_icc(rates: pd.DataFrame, sim: Mapping[str, Any], alpha: float, language: str) -> Figure:
    """Size of each method (term full, 95 % Monte Carlo intervals) by ICC, a panel per model
    family: where each test breaks down as the teams' outcomes grow more alike."""
    icc = rates[(rates["kind"] == "icc") & (rates["term"] == "full")]
    models = [m for m in (CLIENT_MODEL, TEAM_PERIOD_MODEL) if (icc["model"] == m).any()]
    if not models:
        return _empty(language)
    fig = Figure(figsize=(3.4 * len(models), 3.0), layout="constrained")
    axes = fig.subplots(1, len(models), squeeze=False, sharey=True)[0]
    colours = _blues(len(sim["methods"]))
    spec = SPEC_LABELS[language][sim["icc_sensitivity"]["spec"]]
    for ax, model in zip(axes, models, strict=True):
        rows = icc[icc["model"] == model]
        for k, method in enumerate(sim["methods"]):
            line = rows[rows["method"] == method].sort_values("icc")
            if line.empty or not np.isfinite(line["rate"]).any():
                continue
            ax.errorbar(
                line["icc"] + (k - 1.5) * 0.006,
                line["rate"],
                yerr=[line["rate"] - line["mc_low"], line["mc_high"] - line["rate"]],
                marker="os^D"[k % 4],
                ms=3,
                capsize=2,
                color=colours[k],
                label=method,
            )
        ax.axhline(alpha, color="#444", lw=0.8, ls="--")
        family = family_label(model, language)
        ax.set_title(_t("icc_title", language, family=family, spec=spec), fontsize=8)
        ax.set_xlabel(_t("icc", language))
    axes[0].set_ylabel(_t("rate", language))
    axes[-1].legend(fontsize=7, title=_t("alpha", language, alpha=alpha), title_fontsize=7)
    return fig


def _empty(language: str) -> Figure:
    """A figure that says there is nothing of its kind (its file is a fixed output)."""
    fig = Figure(figsize=(4, 1.2), layout="constrained")
    ax = fig.subplots()
    ax.axis("off")
    ax.text(0.5, 0.5, _t("nothing", language), ha="center", va="center", fontsize=9)
    return fig


def _term_rank(term: str) -> int:
    """Terms as the tables order them: the client level's as they come, the team-period
    outcomes in the order of the Checklist tables."""
    return TEAM_PERIOD_OUTCOMES.index(term) if term in TEAM_PERIOD_OUTCOMES else -1


def _colour(term: str, k: int) -> str:
    """The client-level terms in the blues of the study; team-period outcomes apart."""
    if term in ("full", "partial"):
        return "#08519c" if term == "full" else "#6baed6"
    return ("#08519c", "#3182bd", "#6baed6", "#e6550d", "#31a354")[k % 5]


def _blues(n: int) -> list[tuple[float, ...]]:
    from matplotlib import colormaps

    return [colormaps["Blues"](v) for v in np.linspace(0.35, 1.0, max(n, 1))][:n]


def make_simulation_figures(
    rates: pd.DataFrame, sim: Mapping[str, Any], alpha: float, language: str
) -> dict[str, Figure]:
    """The simulation's figures by name (``SIMULATION_FIGURES``)."""
    import matplotlib

    with matplotlib.rc_context(RC):
        return {
            "simulation_size": figure_size(rates, sim, alpha, language),
            "simulation_size_team_periods": figure_size(
                rates, sim, alpha, language, TEAM_PERIOD_MODEL
            ),
            "simulation_power": figure_power(rates, sim, alpha, language),
            "simulation_icc": figure_icc(rates, sim, alpha, language),
        }


def write_simulation_figures(
    rates: pd.DataFrame,
    sim: Mapping[str, Any],
    alpha: float,
    publication: Mapping[str, Any],
    out_dir: str | Path,
) -> list[Path]:
    """Write the simulation figures in ``publication.figure_formats``."""
    figures = make_simulation_figures(rates, sim, alpha, publication.get("language", "nl"))
    formats = tuple(publication.get("figure_formats", ("png", "svg")))
    dpi = int(publication.get("figure_dpi", 150))
    paths = []
    for name, fig in figures.items():
        paths += save_figure(fig, Path(out_dir) / name, formats, dpi)
    return paths
