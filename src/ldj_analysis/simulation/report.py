"""The design simulation's section of results/report.html (shown when
``simulation.in_report`` is true; the report rule then declares these files as inputs): the
interpretation, the figures, the MDES and ICC-sensitivity tables, and the verdict per
significant finding for the report's robustness table."""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from ldj_analysis.publish.labels import check_language, label
from ldj_analysis.simulation.interpretation import family_label

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
        "simulation_size_team_periods": "Verwerpingskans zonder effect per methode voor de "
        "team-periodemodellen (term volledig, een teken per uitkomst; 95%-Monte-Carlo-interval) "
        "tegen alfa (stippellijn).",
        "simulation_icc": "Verwerpingskans zonder effect (term volledig) naar ICC, per "
        "modelfamilie; stippellijn: alfa.",
        "icc_table": "Verwerpingskans zonder effect naar ICC ({spec}, term volledig; "
        "95%-Monte-Carlo-interval)",
        "family": "Modelfamilie",
        "holds": "houdt stand",
        "weakens": "verzwakt",
        "does_not_hold": "houdt geen stand",
        "hint": "Welke toetsen voor deze modellen hun alfa houden, en of elke significante "
        "bevinding onder die toetsen standhoudt, laat de ontwerpsimulatie zien; die is geen "
        "deel van deze run (enkele minuten). Voeg haar toe met: {command}",
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
        "simulation_size_team_periods": "Rejection rate without an effect per method for the "
        "team-period models (term full, one marker per outcome; 95% Monte Carlo interval) "
        "against alpha (dashed).",
        "simulation_icc": "Rejection rate without an effect (term full) by ICC, per model "
        "family; dashed: alpha.",
        "icc_table": "Rejection rate without an effect by ICC ({spec}, term full; 95% Monte "
        "Carlo interval)",
        "family": "Model family",
        "holds": "holds",
        "weakens": "weakens",
        "does_not_hold": "does not hold",
        "hint": "Which tests keep their alpha for these models, and whether each significant "
        "finding holds under them, is shown by the design simulation; it is not part of "
        "this run (a few minutes). Add it with: {command}",
    },
}


@dataclass(frozen=True)
class SimulationSection:
    """What the report shows of a simulation: the interpretation, the MDES table, the rates,
    figure PNGs, the ICC sensitivity and the verdict per significant finding."""

    reading: str
    mdes: pd.DataFrame
    summary: pd.DataFrame
    pngs: dict[str, bytes] = field(default_factory=dict)
    icc_sensitivity: pd.DataFrame = field(default_factory=pd.DataFrame)
    findings: pd.DataFrame = field(default_factory=pd.DataFrame)


def simulation_section_inputs(
    summary: str | Path,
    mdes: str | Path,
    reading: str | Path,
    figures: Sequence[str | Path],
    icc_sensitivity: str | Path | None = None,
    findings: str | Path | None = None,
) -> SimulationSection:
    """Read the gathered simulation outputs named as the report rule's inputs."""
    return SimulationSection(
        reading=Path(reading).read_text(encoding="utf-8"),
        mdes=pd.read_csv(mdes),
        summary=pd.read_csv(summary),
        pngs={Path(p).stem: Path(p).read_bytes() for p in figures},
        icc_sensitivity=pd.read_csv(icc_sensitivity) if icc_sensitivity else pd.DataFrame(),
        findings=pd.read_csv(findings) if findings else pd.DataFrame(),
    )


def small_sample_with_findings(
    small_sample: pd.DataFrame, found: pd.DataFrame, language: str
) -> pd.DataFrame:
    """small_sample.csv with a ``simulation`` column: on the study-spec rows of each
    significant finding the methods that keep alpha in its set with their p, and the verdict
    ("CR2 ,027; CR3 ,041: houdt stand"); the robustness table shows it as a column."""
    text = _TEXT[check_language(language)]
    cells = {}
    for r in found.itertuples():
        if isinstance(r.methods, str) and r.methods:
            p = str(r.p_methods).replace(".", ",") if language == "nl" else str(r.p_methods)
            cells[(r.model, r.outcome, r.term)] = f"{p}: {text[str(r.verdict)]}"
    keys = zip(small_sample["model"], small_sample["outcome"], small_sample["term"], strict=True)
    column = [cells.get(k, "") for k in keys]
    study = small_sample["spec"] == "study"
    return small_sample.assign(
        simulation=pd.Series(column, index=small_sample.index).where(study, "")
    )


#: The one command that adds the design simulation to the report.
SIMULATION_COMMAND = "snakemake --config simulation='{in_report: true}'"


def simulation_hint(language: str) -> str:
    """HTML paragraph for a report without the simulation: how to get it (one command)."""
    text = _TEXT[check_language(language)]["hint"]
    return f'<p class="simulation-hint">{html.escape(text.format(command=""))}<code>' + (
        f"{html.escape(SIMULATION_COMMAND)}</code></p>"
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
        if stripped.startswith("### "):
            out.append(f"<h3>{html.escape(stripped[4:])}</h3>")
        elif stripped and not stripped.startswith("#"):
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
    if not section.icc_sensitivity.empty:
        body.append(_icc_table(section.icc_sensitivity, language))
    return text["heading"], body


def _icc_table(sensitivity: pd.DataFrame, language: str) -> str:
    """Method x ICC per model family (term full; the family's first set): rate [MC interval]."""
    text = _TEXT[check_language(language)]
    e = html.escape
    full = sensitivity[sensitivity["term"] == "full"]
    iccs = sorted(full["icc"].unique())
    rows = []
    for (model, method), group in full.groupby(["model", "method"], sort=False):
        by = group.drop_duplicates("icc").set_index("icc")
        cells = "".join(f"<td>{_rate_cell(by.loc[v]) if v in by.index else '-'}</td>" for v in iccs)
        rows.append(
            f"<tr><td>{e(family_label(model, language))}</td><td>{e(method)}</td>{cells}</tr>"
        )
    spec = label(f"spec_{full['spec'].iloc[0]}", language) if not full.empty else ""
    head = [text["family"], text["method"], *(f"ICC {v:g}" for v in iccs)]
    return (
        f"<h3>{e(text['icc_table'].format(spec=spec))}</h3>"
        '<table class="meta"><tr>'
        + "".join(f"<th>{e(h)}</th>" for h in head)
        + f"</tr>{''.join(rows)}</table>"
    )


def _rate_cell(row: pd.Series) -> str:
    if pd.isna(row["rate"]):
        return "-"
    return f"{100 * row['rate']:.1f}% [{100 * row['mc_low']:.1f}, {100 * row['mc_high']:.1f}]"
