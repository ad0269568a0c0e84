"""The plain-language interpretation of a simulation (Dutch or English): which test keeps its size
for this design, what time alone does to each model, and how many teams a follow-up needs."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.publish.labels import check_language, label, text
from ldj_analysis.simulation.design import Design

SPEC_LABELS: dict[str, dict[str, str]] = {
    "nl": {
        "study": "studiemodel (conditie)",
        "half_year": "met halfjaar-dummies",
        "team_fe_half_year": "met team-FE en halfjaar-dummies",
    },
    "en": {
        "study": "study model (condition)",
        "half_year": "with half-year dummies",
        "team_fe_half_year": "with team FE and half-year dummies",
    },
}
METHOD_LABELS: dict[str, str] = {
    "mplus": "Mplus MLR (CR1, z)",
    "CR2": "CR2 (Satterthwaite t)",
    "CR3": "CR3 (Satterthwaite t)",
    "WCR": "WCR wild bootstrap",
}

_TEXT: dict[str, dict[str, str]] = {
    "nl": {
        "head": "Ontwerpsimulatie: welke toets en hoeveel teams",
        "design": "Ontwerp: {source}, {teams} teams, {clients} cliënten; ICC {icc:.3f} "
        "({icc_source}). {reps} replicaties per scenario; alfa = {alpha}.",
        "selected": "het geselecteerde onderzoeksontwerp",
        "configured": "een ingesteld ontwerp",
        "size": "Verwerpingskans zonder effect ({spec}; {terms}): {rates}.",
        "trust": "Voor dit ontwerp: vertrouw op {methods} (in het {spec} zonder effect niet "
        "vaker significant dan alfa, binnen de Monte-Carlofout; beste power eerst).",
        "trust_none": "Geen methode houdt voor dit ontwerp haar alfa; het minst te vaak verwerpt "
        "{methods}.",
        "over": "Te vaak significant: {methods}.",
        "conservative": "Conservatief (minder vaak dan alfa): {methods}.",
        "trend": "Alleen een tijdtrend ({trend} SD per halfjaar, geen conditie-effect), "
        "verwerpingskans voor volledig: {rates}.",
        "follow": "Vervolgonderzoek ({method}, {power:.0%} power, term volledig): {needs}.",
        "needs": "d = {d} vraagt {teams} teams",
        "needs_more": "d = {d} vraagt meer dan {teams} teams",
        "mdes": "Kleinste aantoonbare effect bij {teams} teams: {mdes} (analytisch, Bloom: "
        "{analytic}, {kind}).",
        "exact": "cluster-gerandomiseerd ontwerp",
        "parallel reference": "ter vergelijking: parallel cluster-gerandomiseerd, helft behandeld",
        "none": "niet bereikt",
        "failed": "{method} is in dit model niet te berekenen (zie results.csv, kolom error).",
    },
    "en": {
        "head": "Design simulation: which test, and how many teams",
        "design": "Design: {source}, {teams} teams, {clients} clients; ICC {icc:.3f} "
        "({icc_source}). {reps} replications per scenario; alpha = {alpha}.",
        "selected": "the selected study design",
        "configured": "a configured design",
        "size": "Rejection rate without an effect ({spec}; {terms}): {rates}.",
        "trust": "For this design, trust {methods} (in the {spec}, rejects a true null no more "
        "often than alpha, within Monte Carlo error; best power first).",
        "trust_none": "No method keeps its alpha for this design; the least over-rejecting is "
        "{methods}.",
        "over": "Over-rejecting: {methods}.",
        "conservative": "Conservative (rejects less often than alpha): {methods}.",
        "trend": "A secular trend alone ({trend} SD per half-year, no condition effect), "
        "rejection rate of full: {rates}.",
        "follow": "Follow-up ({method}, {power:.0%} power, term full): {needs}.",
        "needs": "d = {d} needs {teams} teams",
        "needs_more": "d = {d} needs more than {teams} teams",
        "mdes": "Minimum detectable effect with {teams} teams: {mdes} (analytic, Bloom: "
        "{analytic}, {kind}).",
        "exact": "cluster-randomised design",
        "parallel reference": "for comparison: parallel cluster-randomised, half treated",
        "none": "not reached",
        "failed": "{method} cannot be computed in this model (see results.csv, column error).",
    },
}


_t = partial(text, _TEXT)


def _pct(rate: float) -> str:
    return "-" if not np.isfinite(rate) else f"{100 * rate:.1f}%"


def size_verdicts(rates: pd.DataFrame, spec: str, alpha: float) -> pd.DataFrame:
    """Per method, over the terms of the size scenario of ``spec``: the largest rate and
    its interval, and a verdict: ``holds`` (every interval covers alpha), ``over`` (an
    interval lies above alpha), ``conservative`` (below, none above) or ``failed``."""
    size = rates[(rates["kind"] == "size") & (rates["spec"] == spec)]
    rows = []
    for method, group in size.groupby("method", sort=False):
        if group["replications"].sum() == 0:
            verdict = "failed"
        elif (group["mc_low"] > alpha).any():
            verdict = "over"
        elif (group["mc_high"] < alpha).any():
            verdict = "conservative"
        else:
            verdict = "holds"
        rows.append({"method": method, "max_rate": group["rate"].max(), "verdict": verdict})
    return pd.DataFrame(rows, columns=["method", "max_rate", "verdict"])


def recommended(rates: pd.DataFrame, sim: Mapping[str, Any], alpha: float, teams: int) -> list[str]:
    """Methods that hold (or else undercut) alpha in the study model, best power first; if
    none, the least over-rejecting one."""
    spec = "study" if "study" in sim["specs"] else sim["specs"][0]
    verdicts = size_verdicts(rates, spec, alpha)
    power = (
        rates[
            (rates["kind"] == "power")
            & (rates["teams"] == teams)
            & (rates["term"] == "full")
            & (rates["effect"] > 0)
        ]
        .groupby("method")["rate"]
        .mean()
    )
    good = verdicts[verdicts["verdict"].isin(["holds", "conservative"])].copy()
    if good.empty:
        return verdicts.dropna(subset=["max_rate"]).nsmallest(1, "max_rate")["method"].tolist()
    good["power"] = good["method"].map(power).fillna(0.0)
    good["holds"] = good["verdict"] == "holds"
    return good.sort_values(["holds", "power"], ascending=False)["method"].tolist()


def reading(
    rates: pd.DataFrame,
    mdes: pd.DataFrame,
    design: Design,
    components: Mapping[str, Any],
    sim: Mapping[str, Any],
    alpha: float,
    language: str,
) -> str:
    """Markdown: the design, size per method, the time-alone check and the follow-up."""
    lang = check_language(language)
    specs = SPEC_LABELS[lang]
    reps = int(rates["replications"].add(rates["failed"]).max()) if not rates.empty else 0
    lines = [
        f"## {_t('head', lang)}",
        "",
        _t(
            "design",
            lang,
            source=_t(design.source, lang),
            teams=design.n_teams,
            clients=design.n_clients,
            icc=float(components["icc"]),
            icc_source=components["source"],
            reps=reps,
            alpha=alpha,
        ),
        "",
    ]
    size = rates[rates["kind"] == "size"]
    for spec in sim["specs"]:
        group = size[size["spec"] == spec]
        parts = []
        for method, m_rows in group.groupby("method", sort=False):
            terms = ", ".join(
                f"{_pct(r.rate)} [{_pct(r.mc_low)}, {_pct(r.mc_high)}]" for r in m_rows.itertuples()
            )
            parts.append(f"{method} {terms}")
        terms = " / ".join(label(t, lang) for t in group["term"].drop_duplicates())
        lines.append(f"- {_t('size', lang, spec=specs[spec], terms=terms, rates='; '.join(parts))}")
        failed = group[(group["replications"] == 0)]["method"].drop_duplicates()
        for method in failed:
            lines.append(
                f"  ({_t('failed', lang, method=method, spec=specs[spec], reason='')})".replace(
                    ": )", ")"
                )
            )
    lines.append("")
    best = recommended(rates, sim, alpha, design.n_teams)
    spec = "study" if "study" in sim["specs"] else sim["specs"][0]
    verdicts = size_verdicts(rates, spec, alpha)
    holds = verdicts[verdicts["verdict"].isin(["holds", "conservative"])]
    if holds.empty:
        lines.append(_t("trust_none", lang, methods=", ".join(best)))
    else:
        lines.append(_t("trust", lang, methods=", ".join(best), spec=specs[spec]))
    for verdict in ("over", "conservative"):
        methods = verdicts.loc[verdicts["verdict"] == verdict, "method"].tolist()
        if methods:
            lines.append(_t(verdict, lang, methods=", ".join(methods)))
    trend = rates[(rates["kind"] == "trend") & (rates["term"] == "full")]
    if not trend.empty:
        parts = []
        for spec in sim["specs"]:
            rows = trend[trend["spec"] == spec]
            rates_ = ", ".join(f"{r.method} {_pct(r.rate)}" for r in rows.itertuples())
            parts.append(f"{specs[spec]}: {rates_}")
        lines += ["", _t("trend", lang, trend=sim["trend"], rates="; ".join(parts))]
    if best and not mdes.empty:
        method = best[0]
        m_rows = rates[
            (rates["kind"] == "power") & (rates["method"] == method) & (rates["term"] == "full")
        ]
        needs = []
        for d, curve in m_rows[m_rows["effect"] > 0].groupby("effect"):
            enough = curve[curve["rate"] >= float(sim["power"])]["teams"]
            if enough.empty:
                needs.append(_t("needs_more", lang, d=d, teams=int(curve["teams"].max())))
            else:
                needs.append(_t("needs", lang, d=d, teams=int(enough.min())))
        lines += [
            "",
            _t("follow", lang, method=method, power=float(sim["power"]), needs="; ".join(needs)),
        ]
        row = mdes[(mdes["method"] == method) & (mdes["teams"] == design.n_teams)]
        if not row.empty:
            r = row.iloc[0]
            lines.append(
                _t(
                    "mdes",
                    lang,
                    teams=design.n_teams,
                    mdes=f"{r.mdes:.2f}" if np.isfinite(r.mdes) else _t("none", lang),
                    analytic=f"{r.analytic_mdes:.2f}",
                    kind=_t(r.analytic_design, lang),
                )
            )
    return "\n".join(lines) + "\n"
