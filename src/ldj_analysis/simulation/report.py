"""The design simulation's section of results/report.html (shown when
``simulation.in_report`` is true; the report rule then declares these files as inputs)."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ldj_analysis.publish.labels import check_language

_TEXT = {
    "nl": {
        "heading": "Ontwerpsimulatie",
        "simulation_size": "Verwerpingskans zonder effect per methode (95%-Monte-Carlo-"
        "interval) tegen alfa (stippellijn); × = niet te berekenen.",
        "simulation_power": "Power voor de term volledig naar aantal teams en gestandaardiseerd "
        "effect d; stippellijn: beoogde power.",
        "mdes": "Kleinste aantoonbare effect (MDES) per methode en aantal teams, gesimuleerd en "
        "analytisch (Bloom)",
        "teams": "Teams",
        "method": "Methode",
        "simulated": "MDES gesimuleerd",
        "analytic": "MDES analytisch",
        "analytic_design": "Analytisch ontwerp",
    },
    "en": {
        "heading": "Design simulation",
        "simulation_size": "Rejection rate without an effect per method (95% Monte Carlo "
        "interval) against alpha (dashed); × = not computable.",
        "simulation_power": "Power of the term full by number of teams and standardized effect "
        "d; dashed: target power.",
        "mdes": "Minimum detectable effect (MDES) per method and number of teams, simulated and "
        "analytic (Bloom)",
        "teams": "Teams",
        "method": "Method",
        "simulated": "MDES simulated",
        "analytic": "MDES analytic",
        "analytic_design": "Analytic design",
    },
}


@dataclass(frozen=True)
class SimulationSection:
    """What the report shows of a simulation: the reading, the MDES table, figure PNGs."""

    reading: str
    mdes: pd.DataFrame
    summary: pd.DataFrame
    pngs: dict[str, bytes] = field(default_factory=dict)


def simulation_section_inputs(
    summary: str | Path, mdes: str | Path, reading: str | Path, figures: Sequence[str | Path]
) -> SimulationSection:
    """Read the gathered simulation outputs named as the report rule's inputs."""
    return SimulationSection(
        reading=Path(reading).read_text(encoding="utf-8"),
        mdes=pd.read_csv(mdes),
        summary=pd.read_csv(summary),
        pngs={Path(p).stem: Path(p).read_bytes() for p in figures},
    )


def _markdown(text: str) -> list[str]:
    """The reading's small Markdown (a heading, paragraphs, '- ' items) as HTML."""
    out, items = [], []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("- "):
            items.append(f"<li>{html.escape(stripped[2:])}</li>")
            continue
        if items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if stripped and not stripped.startswith("#"):
            out.append(f"<p>{html.escape(stripped)}</p>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return out


def simulation_body(section: SimulationSection, language: str) -> tuple[str, list[str]]:
    """(heading, HTML blocks) of the report's simulation section."""
    text = _TEXT[check_language(language)]
    e = html.escape
    body = _markdown(section.reading)
    for name, png in section.pngs.items():
        data = base64.b64encode(png).decode("ascii")
        caption = text.get(name, name)
        body.append(
            f'<figure id="fig-{name}"><img src="data:image/png;base64,{data}" '
            f'alt="{e(caption)}"><figcaption>{e(caption)}</figcaption></figure>'
        )
    table = section.mdes.assign(
        mdes=section.mdes["mdes"].map(lambda v: "-" if pd.isna(v) else f"{v:.2f}"),
        analytic_mdes=section.mdes["analytic_mdes"].map(lambda v: f"{v:.2f}"),
    )
    head = (text["teams"], text["method"], text["simulated"], text["analytic"])
    rows = "".join(
        f"<tr><td>{r.teams}</td><td>{e(r.method)}</td><td>{r.mdes}</td>"
        f"<td>{r.analytic_mdes}</td><td>{e(r.analytic_design)}</td></tr>"
        for r in table.itertuples()
    )
    body.append(
        f"<h3>{e(text['mdes'])}</h3>"
        '<table class="meta"><tr>'
        + "".join(f"<th>{e(h)}</th>" for h in (*head, text["analytic_design"]))
        + f"</tr>{rows}</table>"
    )
    return text["heading"], body
