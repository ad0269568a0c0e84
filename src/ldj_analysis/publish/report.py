"""results/report.html: one self-contained page (inline CSS, base64 PNG, no script, no URL)
with every table, model and figure, the record flow, the configuration, the export's
fingerprint and the software versions."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Mapping
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from ldj_analysis.publish.display import Display
from ldj_analysis.publish.findings import findings_table
from ldj_analysis.publish.findings_text import findings_heading, findings_html
from ldj_analysis.publish.labels import check_language, text, title
from ldj_analysis.publish.privacy import Privacy, marker, refuse_all
from ldj_analysis.publish.provenance import fingerprint_of, hashed_export_files, software_versions
from ldj_analysis.publish.render import TABLE_CSS, to_html
from ldj_analysis.publish.tables import display_all, privacy_from_config
from ldj_analysis.simulation.report import (
    SimulationSection,
    simulation_body,
    simulation_hint,
    small_sample_with_findings,
)
from ldj_analysis.vocabulary import DESCRIPTIVE_TABLES, FIGURES, FINDINGS_FIGURE, MODEL_TABLES

_TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "title": "LDJ-feedbacksysteem: resultaten",
        "made": "Gemaakt op {date}.",
        "contents": "Inhoud",
        "tables": "Tabellen",
        "models": "Modellen",
        "figures": "Figuren",
        "provenance": "Herkomst",
        "privacy": "Privacy: elke cel die op minder dan {k} cliënten berust is onderdrukt "
        "(x = onderdrukte statistiek, {m} = aantal kleiner dan {k}). Er staan geen gegevens "
        "van individuele cliënten in dit rapport.",
        "fingerprint": "Vingerafdruk van de export (SHA-256)",
        "fingerprint_how": "SHA-256 over de bestanden van de export, gesorteerd op pad: per "
        "bestand het pad (UTF-8), een NUL-byte en de SHA-256 van de inhoud.",
        "export_dir": "Exportmap",
        "file": "Bestand",
        "bytes": "Bytes",
        "software": "Software",
        "dialects": "Hoe de CSV-bestanden zijn gelezen (herkend, of uit export_csv)",
        "delimiter": "Scheidingsteken",
        "encoding": "Codering",
        "decimal": "Decimaalteken",
        "date_format": "Datumnotatie",
        "package": "Pakket",
        "version": "Versie",
        "config": "Gebruikte configuratie",
        "norms": "Gebruikte normen",
        "norms_how": "De normrijen die z-scores gaven (uit {file}); {n} daarvan zijn "
        "plaatsvervangers (bron 'placeholder:'), geen waarden uit de handleidingen.",
        "norms_none": "Geen normrijen gebruikt.",
        "missing": "Niet beschikbaar: {name}",
        "table1_grid": "Onderzoeksconditie per team en periode (Tabel 1).",
        "checklist_response": "Scores op de LDJ Checklist en respons per conditie: één punt "
        "per team-periode; ruit = gemiddelde met 95%-interval.",
        "table4_means": "Gemiddelde z-score bij begin en einde van de hulp per conditie en "
        "probleemgebied (Tabel 4); grijze lijnen: grenzen 1,00 / 1,28 / 1,64 / 1,96.",
        "forest_betas": "Gestandaardiseerde effecten (β) van gedeeltelijke en volledige "
        "implementatie ten opzichte van controle, met 95%-interval (β ± 1,96 SE).",
        "findings_forest": "Conditie-effecten (B) per vraag: het 95%-interval van de studie "
        "(blauw) en het ruimste 95%-interval van de kleine-steekproefmethoden die hun alfa "
        "houden (oranje); gevuld: significant in de studie, met het oordeel.",
        "flow_diagram": "Stroomdiagram (CONSORT voor clustertrials): teams en team-perioden "
        "per arm en conditie, uitgesloten records met reden, paren en cliënten per conditie "
        "en probleemgebied (dezelfde aantallen als de stroomtabel en Tabel 4).",
    },
    "en": {
        "title": "LDJ feedback system: results",
        "made": "Made on {date}.",
        "contents": "Contents",
        "tables": "Tables",
        "models": "Models",
        "figures": "Figures",
        "provenance": "Provenance",
        "privacy": "Privacy: every cell resting on fewer than {k} clients is suppressed "
        "(x = suppressed statistic, {m} = count below {k}). This report holds no data of "
        "individual clients.",
        "fingerprint": "Fingerprint of the export (SHA-256)",
        "fingerprint_how": "SHA-256 over the export's files sorted by path: for each file its "
        "path (UTF-8), a NUL byte and the SHA-256 of its content.",
        "export_dir": "Export folder",
        "file": "File",
        "bytes": "Bytes",
        "software": "Software",
        "dialects": "How the CSV files were read (detected, or from export_csv)",
        "delimiter": "Delimiter",
        "encoding": "Encoding",
        "decimal": "Decimal mark",
        "date_format": "Date format",
        "package": "Package",
        "version": "Version",
        "config": "Configuration used",
        "norms": "Norms used",
        "norms_how": "The norm rows that gave z-scores (from {file}); {n} of them are "
        "placeholders (source 'placeholder:'), not values from the manuals.",
        "norms_none": "No norm rows used.",
        "missing": "Not available: {name}",
        "table1_grid": "Research condition per team and period (Table 1).",
        "checklist_response": "LDJ Checklist scores and response per condition: one point per "
        "team-period; diamond = mean with 95% interval.",
        "table4_means": "Mean z-score at start and end of care per condition and problem domain "
        "(Table 4); grey lines: bounds 1.00 / 1.28 / 1.64 / 1.96.",
        "forest_betas": "Standardized effects (β) of partial and full implementation against "
        "control, with 95% interval (β ± 1.96 SE).",
        "findings_forest": "Condition effects (B) per question: the study's 95% interval "
        "(blue) and the widest 95% interval of the small-sample methods that keep their size "
        "(orange); filled: significant in the study, with its verdict.",
        "flow_diagram": "Flow diagram (CONSORT for cluster trials): teams and team-periods per "
        "arm and condition, excluded records with their reasons, pairs and clients per "
        "condition and problem domain (the counts of the flow table and Table 4).",
    },
}

PAGE_CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
 max-width:68rem;margin:2rem auto;padding:0 1.2rem;color:#222;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{border-bottom:1px solid #ccc;padding-bottom:.2rem;
 margin-top:2.2rem}
nav ul{columns:2;padding-left:1.2rem}
.privacy{background:#f3f7fb;border-left:4px solid #6baed6;padding:.6rem .9rem}
figure{margin:1.5rem 0}figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.9em;color:#444}
pre{background:#f6f6f6;padding:.8rem;overflow-x:auto;font-size:.85em}
code{font-size:.9em;word-break:break-all}
table.meta{border-collapse:collapse;font-size:.9em}
table.meta th,table.meta td{padding:.15rem .6rem;text-align:left;border-bottom:1px solid #eee}
"""


_t = partial(text, _TEXT)


def _figure_pngs(
    tables: Mapping[str, pd.DataFrame],
    models: Mapping[str, pd.DataFrame],
    team_periods: pd.DataFrame,
    config: Mapping[str, Any],
    figures_dir: Path | None,
) -> dict[str, bytes]:
    """PNG bytes of every figure: read from ``figures_dir`` when all are there (the same
    files as results/figures/), else drawn here (only then is matplotlib imported)."""
    names = FIGURES
    if figures_dir is not None and all((figures_dir / f"{n}.png").is_file() for n in names):
        return {n: (figures_dir / f"{n}.png").read_bytes() for n in names}
    from ldj_analysis.publish import figures as fig_mod

    pub = config.get("publication", {})
    priv = privacy_from_config(config, team_periods, tables.get("table4"))
    drawn = fig_mod.make_figures(tables, models, team_periods, pub.get("language", "nl"), priv)
    pngs = {}
    for name, fig in drawn.items():
        buffer = io.BytesIO()
        fig.savefig(
            buffer, format="png", dpi=int(pub.get("figure_dpi", 150)), metadata={"Software": None}
        )
        pngs[name] = buffer.getvalue()
    return pngs


def _section(anchor: str, heading: str, body: list[str]) -> str:
    return (
        f'<section id="{anchor}">\n<h2>{html.escape(heading)}</h2>\n'
        + "\n".join(body)
        + "</section>\n"
    )


def _meta_table(head: tuple[str, ...], rows: list[tuple[object, ...]]) -> str:
    e = html.escape
    out = ['<table class="meta">', "<tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr>"]
    out += ["<tr>" + "".join(f"<td>{e(str(c))}</td>" for c in row) + "</tr>" for row in rows]
    return "\n".join(out + ["</table>"])


def _norms_section(used: pd.DataFrame, norms_file: str, language: str) -> list[str]:
    """Which norm rows gave the z-scores, with their sources (placeholders counted)."""
    e = html.escape
    out = [f'<h3 id="norms">{e(_t("norms", language))}</h3>']
    if used.empty:
        return out + [f"<p>{e(_t('norms_none', language))}</p>"]
    n = int(used["placeholder"].astype(str).str.lower().eq("true").sum())
    out.append(f"<p>{e(_t('norms_how', language, file=norms_file, n=n))}</p>")
    rows = [
        (r.instrument, r.sex, f"{r.age_min}-{r.age_max}", r.mean, r.sd, r.source)
        for r in used.itertuples()
    ]
    return out + [_meta_table(("instrument", "sex", "age", "mean", "sd", "source"), rows)]


def _findings_png(found: pd.DataFrame, language: str, dpi: int, figures_dir: Path | None) -> bytes:
    """The findings' forest plot as PNG: the findings rule's file when given, else drawn
    here (only then is matplotlib imported)."""
    if figures_dir is not None and (figures_dir / f"{FINDINGS_FIGURE}.png").is_file():
        return (figures_dir / f"{FINDINGS_FIGURE}.png").read_bytes()
    from ldj_analysis.publish.figure_style import METADATA
    from ldj_analysis.publish.findings_figure import figure_findings

    buffer = io.BytesIO()
    figure_findings(found, language).savefig(
        buffer, format="png", dpi=dpi, metadata=METADATA["png"]
    )
    return buffer.getvalue()


def _figure_html(name: str, png: bytes, caption: str) -> str:
    """One embedded figure with its caption."""
    data = base64.b64encode(png).decode("ascii")
    e = html.escape
    return (
        f'<figure id="fig-{name}"><img src="data:image/png;base64,{data}" alt="{e(caption)}">'
        f"<figcaption>{e(caption)}</figcaption></figure>"
    )


def _findings_section(
    models: Mapping[str, pd.DataFrame],
    simulation: SimulationSection | None,
    priv: Privacy,
    config: Mapping[str, Any],
    figures_dir: Path | None,
) -> tuple[list[tuple[str, str]], str]:
    """The Findings section (what the study found and whether it holds, from the model
    frames and the simulation's rates when given, with its forest plot) and its contents
    entry; nothing when a model table is missing."""
    needed = ("robustness", "checklist_response", "outcomes")
    if any(name not in models for name in needed):
        return [], ""
    rates = simulation.summary if simulation is not None else None
    found = findings_table(*(models[name] for name in needed), rates, priv)
    pub = config.get("publication", {})
    language = check_language(pub.get("language", "nl"))
    png = _findings_png(found, language, int(pub.get("figure_dpi", 150)), figures_dir)
    figure = _figure_html(FINDINGS_FIGURE, png, _t(FINDINGS_FIGURE, language))
    heading = findings_heading(language)
    body = [*findings_html(found, language), figure]
    return [("findings", heading)], _section("findings", heading, body)


def _tables_part(
    names: tuple[str, ...], displays: Mapping[str, Display], language: str
) -> list[str]:
    """The tables ``names`` as HTML, a line for each one missing."""
    e = html.escape
    out = []
    for name in names:
        if name in displays:
            out.append(to_html(displays[name], language))
        else:
            out.append(f'<p class="missing">{e(_t("missing", language, name=name))}</p>')
    return out


def _dialects_part(
    csv_dialects: Mapping[str, Mapping[str, str]] | None, language: str
) -> list[str]:
    """How each CSV file of the export was read (validation.json's ``csv_dialects``), so a
    reader sees that a ``;``-separated Windows-1252 file was read as such; none: nothing."""
    if not csv_dialects:
        return []
    keys = ("delimiter", "encoding", "decimal", "date_format")
    names = {",": ",", ";": ";", "\t": "tab"}
    rows = [
        (name, *(names.get(d[k], d[k]) if k == "delimiter" else d[k] for k in keys))
        for name, d in sorted(csv_dialects.items())
    ]
    head = (_t("file", language), *(_t(k, language) for k in keys))
    return [f"<h3>{html.escape(_t('dialects', language))}</h3>", _meta_table(head, rows)]


def _provenance_part(
    config: Mapping[str, Any],
    export_dir: str | Path,
    files: list[tuple[str, str, int]] | None,
    date: str,
    norms_used: pd.DataFrame | None,
    language: str,
    csv_dialects: Mapping[str, Mapping[str, str]] | None = None,
) -> list[str]:
    """Run date, the export's fingerprint and files, how its CSV files were read, software
    versions, the configuration used and the norm rows."""
    e = html.escape
    if files is None:  # a database has no export files
        files = [] if "://" in str(export_dir) else hashed_export_files(export_dir)
    config_yaml = yaml.safe_dump(dict(config), sort_keys=False, allow_unicode=True)
    versions = software_versions()
    provenance = [
        f"<p>{e(_t('made', language, date=date))}</p>",
        f"<h3>{e(_t('fingerprint', language))}</h3>",
        f'<p><code id="fingerprint">{fingerprint_of(files)}</code></p>',
        f"<p>{e(_t('fingerprint_how', language))}</p>",
        f"<p>{e(_t('export_dir', language))}: <code>{e(str(export_dir))}</code></p>",
        _meta_table(
            (_t("file", language), _t("bytes", language), "SHA-256"),
            [(n, s, h) for n, h, s in files],
        ),
        *_dialects_part(csv_dialects, language),
        f"<h3>{e(_t('software', language))}</h3>",
        _meta_table((_t("package", language), _t("version", language)), list(versions.items())),
        f"<h3>{e(_t('config', language))}</h3>",
        f'<pre id="config">{e(config_yaml)}</pre>',
    ]
    if norms_used is not None:
        shown = config.get("norms_file") or "ldj_analysis/data/norms.csv"  # null: the shipped one
        provenance += _norms_section(norms_used, str(shown), language)
    return provenance


def _nav(toc_items: list[tuple[str, str]], language: str) -> str:
    """The table of contents: the sections, then every table."""
    e = html.escape
    toc = "".join(f'<li><a href="#{a}">{e(h)}</a></li>' for a, h in toc_items)
    sub = "".join(
        f'<li><a href="#tab-{n}">{e(title(n, language))}</a></li>'
        for n in (*DESCRIPTIVE_TABLES, *MODEL_TABLES)
    )
    return f"<nav><h2>{e(_t('contents', language))}</h2><ul>{toc}</ul><ul>{sub}</ul></nav>\n"


def _page(language: str, date: str, body: str) -> str:
    """The page around ``body``: the head with the inline CSS, the title and the run date."""
    e = html.escape
    head = (
        f'<!DOCTYPE html>\n<html lang="{language}">\n<head>\n<meta charset="utf-8">\n'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{e(_t('title', language))}</title>\n"
        f"<style>{PAGE_CSS}\n{TABLE_CSS}</style>\n</head>\n<body>\n"
        f"<header><h1>{e(_t('title', language))}</h1>"
        f"<p>{e(_t('made', language, date=date))}</p></header>\n"
    )
    return head + body + "</body>\n</html>\n"


def _with_simulation_verdicts(
    models: Mapping[str, pd.DataFrame], simulation: SimulationSection | None, language: str
) -> Mapping[str, pd.DataFrame]:
    """The model frames, the robustness table with the simulation's verdict per finding
    when the simulation is in the report."""
    if simulation is not None and "robustness" in models and not simulation.findings.empty:
        found = small_sample_with_findings(models["robustness"], simulation.findings, language)
        return {**models, "robustness": found}
    return models


def report_html(
    tables: Mapping[str, pd.DataFrame],
    models: Mapping[str, pd.DataFrame],
    team_periods: pd.DataFrame,
    config: Mapping[str, Any],
    export_dir: str | Path,
    *,
    figures_dir: str | Path | None = None,
    run_date: str | None = None,
    norms_used: pd.DataFrame | None = None,
    files: list[tuple[str, str, int]] | None = None,
    simulation: SimulationSection | None = None,
    csv_dialects: Mapping[str, Mapping[str, str]] | None = None,
) -> str:
    """The report page as a string (see :func:`build_report`): the Findings first, then the
    privacy note, contents, tables, models, figures, simulation and provenance, each made
    by its own function."""
    refuse_all({**tables, **models, "team_periods": team_periods})
    pub = config.get("publication", {})
    language = check_language(pub.get("language", "nl"))
    k = int(pub.get("min_cell_size", 7))
    priv = privacy_from_config(config, team_periods, tables.get("table4"))
    models = _with_simulation_verdicts(models, simulation, language)
    displays: dict[str, Display] = display_all({**tables, **models}, language, priv)
    fig_dir = Path(figures_dir) if figures_dir else None
    pngs = _figure_pngs(tables, models, team_periods, config, fig_dir)
    date = run_date or datetime.now().astimezone().isoformat(timespec="seconds")
    findings_toc, findings_part = _findings_section(models, simulation, priv, config, fig_dir)
    toc_items = [*findings_toc, ("tables", _t("tables", language))]
    toc_items += [("models", _t("models", language)), ("figures", _t("figures", language))]
    simulation_html = ""
    if simulation is not None:
        sim_heading, sim_body = simulation_body(simulation, language)
        toc_items.append(("simulation", sim_heading))
        simulation_html = _section("simulation", sim_heading, sim_body)
    toc_items.append(("provenance", _t("provenance", language)))
    models_body = _tables_part(MODEL_TABLES, displays, language)
    models_body += [simulation_hint(language)] if simulation is None else []
    figures = [_figure_html(name, png, _t(name, language)) for name, png in pngs.items()]
    provenance = _provenance_part(
        config, export_dir, files, date, norms_used, language, csv_dialects
    )
    privacy_note = html.escape(_t("privacy", language, k=k, m=marker(k)))
    body = (
        findings_part
        + f'<p class="privacy">{privacy_note}</p>\n'
        + _nav(toc_items, language)
        + _section(
            "tables", _t("tables", language), _tables_part(DESCRIPTIVE_TABLES, displays, language)
        )
        + _section("models", _t("models", language), models_body)
        + _section("figures", _t("figures", language), figures)
        + simulation_html
        + _section("provenance", _t("provenance", language), provenance)
    )
    return _page(language, date, body)


def build_report(
    tables: Mapping[str, pd.DataFrame],
    models: Mapping[str, pd.DataFrame],
    team_periods: pd.DataFrame,
    config: Mapping[str, Any],
    export_dir: str | Path,
    out_path: str | Path,
    *,
    figures_dir: str | Path | None = None,
    run_date: str | None = None,
    norms_used: pd.DataFrame | None = None,
    files: list[tuple[str, str, int]] | None = None,
    simulation: SimulationSection | None = None,
    csv_dialects: Mapping[str, Mapping[str, str]] | None = None,
) -> Path:
    """Write the self-contained report page to ``out_path`` and return its path.

    ``tables``: table1..4, sample, flow; ``models``: checklist_response, outcomes,
    baseline_ttests, prepost_tests (CSV frames of docs/outputs.md); ``team_periods``: the
    team-level frame of data/derived/team_periods.parquet; ``config``: the validated config;
    ``export_dir``: the export read (fingerprinted); ``figures_dir``: results/figures (its
    PNGs are embedded; drawn afresh if absent); ``run_date``: defaults to now;
    ``norms_used``: the norm rows used (data/derived/norms_used.csv), listed with their sources;
    ``files``: the export's (name, SHA-256, bytes) as validation recorded them (default: read
    and hash ``export_dir`` now).
    ``simulation``: the design simulation's section (simulation.in_report), or None.
    ``csv_dialects``: file name -> how it was read (validation.json), listed in provenance.
    """
    page = report_html(
        tables,
        models,
        team_periods,
        config,
        export_dir,
        figures_dir=figures_dir,
        run_date=run_date,
        norms_used=norms_used,
        files=files,
        simulation=simulation,
        csv_dialects=csv_dialects,
    )
    out = Path(out_path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(page, encoding="utf-8")
    return out
