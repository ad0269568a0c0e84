"""The figure beside the Findings section: per study question a panel with each condition
effect B, the study's 95% interval and, beside it, the widest 95% interval of the
small-sample methods that keep their size (results/findings.csv), significant findings
(study p < alpha) filled and labelled with their verdict. B is in the outcome's own unit, so
each question has its own axis."""

from __future__ import annotations

from functools import partial

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402
from matplotlib.ticker import FuncFormatter  # noqa: E402

from ldj_analysis.publish.figure_style import RC, new_figure  # noqa: E402
from ldj_analysis.publish.findings import QUESTIONS  # noqa: E402
from ldj_analysis.publish.labels import label, text  # noqa: E402

#: The study's interval and the small-sample one: dark blue as the report's "full", orange.
STUDY_COLOUR, SMALL_COLOUR = "#08519c", "#d95f0e"
_TEXT = {
    "nl": {
        "data_use": "Gebruik van data: B (Checklistscore 0-100)",
        "response": "Respons: B (procentpunten)",
        "outcomes": "Behandeluitkomsten: B (z-score)",
        "study": "studie (Mplus), 95%-interval",
        "small": "kleine-steekproefmethoden die alfa houden, ruimste 95%-interval",
        "marked": "gevuld: significant in de studie",
        "holds": "houdt stand",
        "weakens": "verzwakt",
        "does_not_hold": "houdt geen stand",
        "none": "geen conditie-effect geschat",
    },
    "en": {
        "data_use": "Data use: B (Checklist score 0-100)",
        "response": "Response: B (percentage points)",
        "outcomes": "Treatment outcomes: B (z-score)",
        "study": "study (Mplus), 95% interval",
        "small": "small-sample methods keeping alpha, widest 95% interval",
        "marked": "filled: significant in the study",
        "holds": "holds",
        "weakens": "weakens",
        "does_not_hold": "does not hold",
        "none": "no condition effect estimated",
    },
}
_t = partial(text, _TEXT)
#: Vertical offset of the two intervals of one effect.
OFFSET = 0.17


def _interval(ax: Axes, y: float, est: float, low: float, high: float, colour: str, filled: bool):
    """One interval with its estimate; filled marker for a significant finding."""
    ax.plot([low, high], [y, y], color=colour, linewidth=1.6, solid_capstyle="butt")
    ax.plot([est], [y], "o", color=colour, markerfacecolor=colour if filled else "white")


def _panel(ax: Axes, rows: pd.DataFrame, question: str, language: str) -> None:
    """One question's effects, top to bottom, with their verdict on the right."""
    ax.axvline(0, color="#888888", linewidth=0.8)
    names = []
    for i, r in enumerate(rows.itertuples()):
        names.append(f"{label(r.outcome, language)}: {label(r.term, language).lower()}")
        if r.verdict == "suppressed":
            continue
        filled = bool(r.significant)
        _interval(ax, i - OFFSET, r.estimate, r.ci_low, r.ci_high, STUDY_COLOUR, filled)
        _interval(ax, i + OFFSET, r.estimate, r.small_low, r.small_high, SMALL_COLOUR, filled)
        if filled:
            ax.text(
                1.01,
                i,
                _t(str(r.verdict), language),
                transform=ax.get_yaxis_transform(),
                va="center",
                fontsize=7.5,
            )
    ax.set_yticks(range(len(names)), names)
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_title(_t(question, language), fontsize=9, loc="left")
    ax.grid(axis="x", color="#eeeeee", linewidth=0.6)
    comma = language == "nl"  # decimal comma, as the tables
    ax.xaxis.set_major_formatter(
        FuncFormatter(lambda v, _pos: f"{v:g}".replace(".", ",") if comma else f"{v:g}")
    )


def figure_findings(found: pd.DataFrame, language: str) -> Figure:
    """The forest plot of results/findings.csv (one panel per question with findings)."""
    questions = [q for q in QUESTIONS if (found["question"] == q).any()]
    sizes = [int((found["question"] == q).sum()) for q in questions]
    if not questions:  # no estimable effect: say so
        with matplotlib.rc_context(RC):
            fig = new_figure(7.2, 1.0)
            ax = fig.add_subplot()
            ax.text(0.5, 0.5, _t("none", language), ha="center", va="center")
            ax.set_axis_off()
        return fig
    with matplotlib.rc_context(RC):
        fig = new_figure(7.2, 1.0 + 0.42 * sum(sizes) + 0.5 * len(questions))
        axes = fig.subplots(len(questions), 1, gridspec_kw={"height_ratios": sizes}, squeeze=False)
        for ax, question in zip(axes[:, 0], questions, strict=True):
            _panel(ax, found[found["question"] == question], question, language)
        handles = [axes[0, 0].plot([], [], "o-", color=c)[0] for c in (STUDY_COLOUR, SMALL_COLOUR)]
        fig.legend(
            handles,
            [_t("study", language), _t("small", language)],
            loc="outside upper left",
            ncols=2,
            fontsize=7.5,
            frameon=False,
            title=_t("marked", language),
            title_fontsize=7.5,
        )
    return fig
