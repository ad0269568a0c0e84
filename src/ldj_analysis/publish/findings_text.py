"""The Findings section in words (Dutch or English), from the rows of
:func:`ldj_analysis.publish.findings.findings_table`: per study question a lead sentence and
one sentence per condition effect with B, beta, the study's p, the size-keeping methods' p
and the verdict. Rendered as Markdown (results/findings.md) and as HTML (the report's first
section) from the same blocks, so the two never differ."""

from __future__ import annotations

import html
import re
from functools import partial
from pathlib import Path

import pandas as pd

from ldj_analysis.publish.findings import QUESTIONS, REFERENCES
from ldj_analysis.publish.labels import check_language, label, text
from ldj_analysis.publish.numbers import format_number, format_p

_TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "head": "Bevindingen",
        "data_use": "Gebruik van data (LDJ Checklist)",
        "response": "Respons",
        "outcomes": "Behandeluitkomsten",
        "lead_term": "{term} implementatie tegenover controle: {parts}.",
        "term_partial": "Gedeeltelijke",
        "term_full": "Volledige",
        "higher": "hoger op {outcomes}",
        "lower": "lager op {outcomes}",
        "none": "geen significant verschil op {outcomes}",
        "effect": "{outcome}, {term}: B = {b} {b_ci}, β = {beta} {beta_ci}, studie p {p}; "
        "{small}. {ruling}",
        "no_methods": "geen methode die haar alfa houdt",
        "suppressed": "{outcome}, {term}: niet getoond (te weinig cliënten, zoals in de "
        "modeltabellen).",
        "holds_sig": "Houdt stand: elke methode die haar alfa houdt vindt het ook ({agree}).",
        "weakens_sig": "Verzwakt: gevonden door {agree}, niet door {disagree}.",
        "not_sig": "Houdt geen stand: geen methode die haar alfa houdt vindt het ({disagree}).",
        "holds_null": "Houdt stand: ook geen methode die haar alfa houdt vindt een effect.",
        "weakens_null": "Verzwakt: wel een effect volgens {disagree}.",
        "not_null": "Houdt geen stand: elke methode die haar alfa houdt vindt een effect "
        "({disagree}).",
        "sizes": "Gesimuleerde omvang zonder effect (95%-Monte-Carlo-interval): {sizes}.",
        "rule": "Gelezen uit results/models/ van deze run. B: ongestandaardiseerd effect "
        "tegenover controle met 95%-interval; β: gestandaardiseerd (STDYX) met β ± 1,96 SE; "
        "studie p: de clusterrobuuste z-toets zoals Mplus. Een bevinding (de beslissing van de "
        "studie bij alfa = {alpha}) houdt stand als elke methode die haar alfa houdt tot "
        "dezelfde beslissing komt, verzwakt als sommige dat doen en houdt geen stand als geen "
        "enkele dat doet.",
        "literature": "De ontwerpsimulatie is niet gedraaid; de methoden die hun alfa houden "
        "zijn die welke de literatuur bij {teams} teams steunt: CR2 en CR3 met "
        "Satterthwaite-vrijheidsgraden [1, 2] en de wild cluster bootstrap (WCR) [3, 4]. Voeg "
        "de simulatie toe met `snakemake simulate` en `snakemake --config "
        "simulation='{{in_report: true}}'`; de regel blijft dezelfde, de methoden zijn dan die "
        "waarvan de gesimuleerde omvang alfa houdt.",
        "simulation": "De methoden die hun alfa houden komen uit de ontwerpsimulatie: per "
        "bevinding die waarvan het 95%-Monte-Carlo-interval van de verwerpingskans zonder "
        "effect (studiemodel) alfa bereikt of eronder ligt. Geen methode gaat voor op een "
        "verschil in power binnen de Monte-Carlofout.",
        "mixed": "Voor de bevindingen zonder gesimuleerde set ({which}) gelden de methoden die "
        "de literatuur steunt: CR2 en CR3 met Satterthwaite-vrijheidsgraden [1, 2] en de wild "
        "cluster bootstrap (WCR) [3, 4].",
        "none_estimated": "Geen conditie-effect van het studiemodel kon worden geschat (zie "
        "de log van de modellen); er zijn geen bevindingen.",
        "references": "Literatuur",
    },
    "en": {
        "head": "Findings",
        "data_use": "Data use (LDJ Checklist)",
        "response": "Response",
        "outcomes": "Treatment outcomes",
        "lead_term": "{term} implementation against control: {parts}.",
        "term_partial": "Partial",
        "term_full": "Full",
        "higher": "higher on {outcomes}",
        "lower": "lower on {outcomes}",
        "none": "no significant difference on {outcomes}",
        "effect": "{outcome}, {term}: B = {b} {b_ci}, β = {beta} {beta_ci}, study p {p}; "
        "{small}. {ruling}",
        "no_methods": "no method that keeps its size",
        "suppressed": "{outcome}, {term}: not shown (too few clients, as in the model tables).",
        "holds_sig": "Holds: every size-keeping method finds it too ({agree}).",
        "weakens_sig": "Weakens: found by {agree}, not by {disagree}.",
        "not_sig": "Does not hold: no size-keeping method finds it ({disagree}).",
        "holds_null": "Holds: no size-keeping method finds an effect either.",
        "weakens_null": "Weakens: an effect is found by {disagree}.",
        "not_null": "Does not hold: every size-keeping method finds an effect ({disagree}).",
        "sizes": "Simulated size without an effect (95% Monte Carlo interval): {sizes}.",
        "rule": "Read from this run's results/models/. B: unstandardized effect against "
        "control with its 95% interval; β: standardized (STDYX) with β ± 1.96 SE; study p: the "
        "Mplus-style cluster-robust z-test. A finding (the study's decision at alpha = "
        "{alpha}) holds when every size-keeping method reaches the same decision, weakens when "
        "some do, and does not hold when none do.",
        "literature": "The design simulation has not run; the size-keeping methods are those "
        "the literature supports at {teams} teams: CR2 and CR3 with Satterthwaite df [1, 2] "
        "and the wild cluster bootstrap (WCR) [3, 4]. Add the simulation with `snakemake "
        "simulate` and `snakemake --config simulation='{{in_report: true}}'`; the rule stays "
        "the same, the methods then are those whose simulated size keeps alpha.",
        "simulation": "The size-keeping methods come from the design simulation: per finding, "
        "those whose 95% Monte Carlo interval of the rejection rate without an effect (study "
        "model) reaches alpha or lies below it. No method is preferred for a power difference "
        "inside the Monte Carlo error.",
        "mixed": "For the findings without a simulated set ({which}) the methods the "
        "literature supports apply: CR2 and CR3 with Satterthwaite df [1, 2] and the wild "
        "cluster bootstrap (WCR) [3, 4].",
        "none_estimated": "No condition effect of the study model could be estimated (see "
        "the models' log); there are no findings.",
        "references": "References",
    },
}
_RULING = {
    (True, "holds"): "holds_sig",
    (True, "weakens"): "weakens_sig",
    (True, "does_not_hold"): "not_sig",
    (False, "holds"): "holds_null",
    (False, "weakens"): "weakens_null",
    (False, "does_not_hold"): "not_null",
}

_t = partial(text, _TEXT)
Block = tuple[str, str]  # (kind: "h2", "h3", "p", "li", "ref"; text with `code` spans)


def _num(value: float, lang: str) -> str:
    return format_number(value, 2, lang)


def _ci(low: float, high: float, lang: str) -> str:
    sep = "; " if lang == "nl" else ", "
    return f"[{_num(low, lang)}{sep}{_num(high, lang)}]"


def _p(value: float, lang: str) -> str:
    shown = format_p(value, lang)
    return shown.replace("<", "< ") if shown.startswith("<") else f"= {shown}"


def _and(items: list[str], lang: str) -> str:
    """'a, b and c' ('a, b en c')."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + (" en " if lang == "nl" else " and ") + items[-1]


def _lead(rows: pd.DataFrame, lang: str) -> list[str]:
    """Per term one sentence: where teams score significantly higher or lower (study p)."""
    out = []
    shown = rows[rows["verdict"] != "suppressed"]
    for term, group in shown.groupby("term", sort=False):
        sig = group[group["significant"].astype(bool)]
        parts = [
            _t(key, lang, outcomes=_and([label(o, lang).lower() for o in g["outcome"]], lang))
            for key, g in (
                ("higher", sig[sig["estimate"] > 0]),
                ("lower", sig[sig["estimate"] < 0]),
                ("none", group[~group["significant"].astype(bool)]),
            )
            if not g.empty
        ]
        out.append(_t("lead_term", lang, term=_t(f"term_{term}", lang), parts="; ".join(parts)))
    return out


def _effect(r: pd.Series, lang: str) -> str:
    """One sentence per condition effect: numbers, the size-keeping methods' p, verdict."""
    place = {"outcome": label(r["outcome"], lang), "term": label(r["term"], lang).lower()}
    if r["verdict"] == "suppressed":
        return _t("suppressed", lang, **place)
    methods = [m for m in str(r["methods"]).split(";") if m]
    small = ", ".join(f"{m} p {_p(r[f'p_{m}'], lang)}" for m in methods)
    agree, disagree = (
        _and([m for m in str(r[c]).split(";") if m], lang) for c in ("agree", "disagree")
    )
    ruling = _t(
        _RULING[(bool(r["significant"]), str(r["verdict"]))],
        lang,
        agree=agree,
        disagree=disagree or _t("no_methods", lang),
    )
    line = _t(
        "effect",
        lang,
        **place,
        b=_num(r["estimate"], lang),
        b_ci=_ci(r["ci_low"], r["ci_high"], lang),
        beta=_num(r["beta"], lang),
        beta_ci=_ci(r["beta_low"], r["beta_high"], lang),
        p=_p(r["p_study"], lang),
        small=small or _t("no_methods", lang),
        ruling=ruling,
    )
    sizes = r["sizes"] if isinstance(r["sizes"], str) else ""
    if lang == "nl":  # decimal comma; the interval's comma becomes a semicolon
        sizes = sizes.replace(", ", "; ").replace(".", ",")
    return line + (" " + _t("sizes", lang, sizes=sizes) if sizes else "")


def _basis(found: pd.DataFrame, lang: str) -> str:
    """Where the size-keeping methods come from: the literature (no simulation), the
    simulation, or the simulation with the literature for findings it has no set for."""
    literature = found[found["basis"] == "literature"]
    if len(literature) == len(found):
        return _t("literature", lang, teams=int(found["n_clusters"].max()))
    if literature.empty:
        return _t("simulation", lang)
    which = _and(
        [
            f"{label(r.outcome, lang).lower()} {label(r.term, lang).lower()}"
            for r in literature.itertuples()
        ],
        lang,
    )
    return _t("simulation", lang) + " " + _t("mixed", lang, which=which)


def findings_blocks(found: pd.DataFrame, language: str) -> list[Block]:
    """The section as blocks: heading, the rule and basis, per question a lead and one item
    per effect, the references (literature basis only)."""
    lang = check_language(language)
    if found.empty:
        return [("h2", _t("head", lang)), ("p", _t("none_estimated", lang))]
    first = found.iloc[0]
    alpha = format_number(first["alpha"], 2, lang, leading_zero=False)
    blocks: list[Block] = [("h2", _t("head", lang)), ("p", _t("rule", lang, alpha=alpha))]
    blocks.append(("p", _basis(found, lang)))
    for question in QUESTIONS:
        rows = found[found["question"] == question]
        if rows.empty:
            continue
        lead = " ".join(_lead(rows, lang))
        blocks += [("h3", _t(question, lang))] + ([("p", lead)] if lead else [])
        blocks += [("li", _effect(r, lang)) for _i, r in rows.iterrows()]
    if (found["basis"] == "literature").any():
        blocks.append(("h3", _t("references", lang)))
        blocks += [("ref", f"[{i}] {ref}") for i, ref in enumerate(REFERENCES, start=1)]
    return blocks


def findings_markdown(found: pd.DataFrame, language: str) -> str:
    """results/findings.md: the blocks as Markdown."""
    prefix = {"h2": "## ", "h3": "### ", "p": "", "li": "- ", "ref": "- "}
    lines: list[str] = []
    last = ""
    for kind, body in findings_blocks(found, language):
        if lines and not (kind in ("li", "ref") and last in ("li", "ref")):
            lines.append("")  # a blank line between blocks, none inside a list
        lines.append(prefix[kind] + body)
        last = kind
    return "\n".join(lines) + "\n"


def _inline(body: str) -> str:
    """Escaped text with `code` spans as <code>."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(body))


def findings_html(found: pd.DataFrame, language: str) -> list[str]:
    """The report's Findings section body (heading excluded): the blocks as HTML."""
    out: list[str] = []
    items: list[str] = []
    for kind, body in findings_blocks(found, language)[1:]:
        if kind in ("li", "ref"):
            items.append(f"<li>{_inline(body)}</li>")
            continue
        if items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        out.append(f"<{kind}>{_inline(body)}</{kind}>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return out


def findings_heading(language: str) -> str:
    """The section's heading ("Findings", "Bevindingen")."""
    return _t("head", language)


def write_findings(
    found: pd.DataFrame, md_path: str | Path, csv_path: str | Path, language: str
) -> None:
    """results/findings.md (the section in ``language``) and results/findings.csv (one row
    per finding, full precision), for a paper or a script."""
    Path(md_path).write_text(findings_markdown(found, language), encoding="utf-8")
    found.to_csv(csv_path, index=False)
