"""The plain-language interpretation of a simulation (Dutch or English), per model family
(client-level outcome models, team-period models): which test keeps its size for this design,
what time alone does to each model, where each test breaks down as the ICC grows, how many
teams a follow-up needs, and whether each significant finding of the study holds under every
test that keeps its size in the finding's set (docs/simulation.md)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.publish.findings import LITERATURE_METHODS, size_keeping, sizes_text, verdict
from ldj_analysis.publish.labels import check_language, label, text
from ldj_analysis.simulation.sets import CLIENT_MODEL, TEAM_PERIOD_MODEL, ScenarioSet
from ldj_analysis.vocabulary import CONDITION_DUMMIES

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
        "trust": "Voor dit ontwerp ({spec}, zonder effect), per methode: {words}. Vertrouw op de "
        "methoden die hun alfa houden (het 95%-Monte-Carlo-interval bereikt alfa of ligt "
        "eronder); geen ervan gaat voor op een verschil in power binnen de Monte-Carlofout.",
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
        "tp_head": "Team-periodemodellen (Checklist-scores en respons)",
        "tp_design": "Ontwerp: {teams} teams, één waarneming per team-periode ({n}); ICC van de "
        "teamperiodes: {iccs}. {reps} replicaties per scenario.",
        "tp_size": "Verwerpingskans zonder effect ({spec}), laagste-hoogste over de uitkomsten: "
        "{rates}.",
        "tp_trust": "Voor de team-periodemodellen ({spec}, zonder effect, over alle uitkomsten), "
        "per methode: {words}. Vertrouw op de methoden die hun alfa houden (het "
        "95%-Monte-Carlo-interval bereikt alfa of ligt eronder); geen ervan gaat voor op een "
        "verschil in power binnen de Monte-Carlofout.",
        "word_holds": "houdt alfa",
        "word_conservative": "conservatief (houdt alfa)",
        "word_over": "te vaak significant",
        "word_failed": "niet te berekenen",
        "tp_trend": "Alleen een tijdtrend ({trend} SD per halfjaar), verwerpingskans voor "
        "volledig (laagste-hoogste): {rates}.",
        "icc_head": "Gevoeligheid voor de ICC",
        "icc_line": "{family} ({spec}): {methods} houden alfa bij elke ICC ({iccs}); {broken}.",
        "icc_broken": "{method} niet vanaf ICC {icc}",
        "icc_none": "geen methode verliest haar alfa",
        "client_family": "Uitkomstmodellen (cliënten)",
        "tp_family": "Team-periodemodellen",
        "findings_head": "Significante bevindingen",
        "finding": "{outcome}, {term} ({family}): Mplus p = {p_mplus}; methoden die hier hun "
        "alfa houden: {p}; {verdict}.",
        "holds": "houdt stand",
        "weakens": "verzwakt (niet bij {disagree})",
        "does_not_hold": "houdt geen stand",
        "tp_power": "Power bij d = {d} (term volledig, {spec}), laagste-hoogste over de "
        "uitkomsten: {rates}.",
        "unsupported": "{outcome}, {term} ({family}): Mplus p = {p_mplus}; niet gesimuleerd of "
        "geen methode houdt hier haar alfa.",
        "no_findings": "Geen significante conditie-effecten in het studiemodel (Mplus).",
    },
    "en": {
        "head": "Design simulation: which test, and how many teams",
        "design": "Design: {source}, {teams} teams, {clients} clients; ICC {icc:.3f} "
        "({icc_source}). {reps} replications per scenario; alpha = {alpha}.",
        "selected": "the selected study design",
        "configured": "a configured design",
        "size": "Rejection rate without an effect ({spec}; {terms}): {rates}.",
        "trust": "For this design ({spec}, no effect), per method: {words}. Trust the methods "
        "that keep alpha (the 95% Monte Carlo interval reaches alpha or lies below it); none "
        "is preferred for a power difference inside the Monte Carlo error.",
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
        "tp_head": "Team-period models (Checklist scores and response)",
        "tp_design": "Design: {teams} teams, one observation per team-period ({n}); ICC of a "
        "team's periods: {iccs}. {reps} replications per scenario.",
        "tp_size": "Rejection rate without an effect ({spec}), lowest-highest over the "
        "outcomes: {rates}.",
        "tp_trust": "For the team-period models ({spec}, no effect, over all outcomes), per "
        "method: {words}. Trust the methods that keep alpha (the 95% Monte Carlo interval "
        "reaches alpha or lies below it); none is preferred for a power difference inside the "
        "Monte Carlo error.",
        "word_holds": "keeps alpha",
        "word_conservative": "conservative (keeps alpha)",
        "word_over": "over-rejecting",
        "word_failed": "cannot be computed",
        "tp_trend": "A secular trend alone ({trend} SD per half-year), rejection rate of full "
        "(lowest-highest): {rates}.",
        "icc_head": "Sensitivity to the ICC",
        "icc_line": "{family} ({spec}): {methods} keep alpha at every ICC ({iccs}); {broken}.",
        "icc_broken": "{method} not from ICC {icc} on",
        "icc_none": "no method loses its alpha",
        "client_family": "Outcome models (clients)",
        "tp_family": "Team-period models",
        "findings_head": "Significant findings",
        "finding": "{outcome}, {term} ({family}): Mplus p = {p_mplus}; the methods that keep "
        "alpha here: {p}; {verdict}.",
        "holds": "holds",
        "weakens": "weakens (not found by {disagree})",
        "does_not_hold": "does not hold",
        "tp_power": "Power at d = {d} (term full, {spec}), lowest-highest over the outcomes: "
        "{rates}.",
        "unsupported": "{outcome}, {term} ({family}): Mplus p = {p_mplus}; not simulated, or "
        "no method keeps alpha here.",
        "no_findings": "No significant condition effects in the study model (Mplus).",
    },
}


_t = partial(text, _TEXT)

FAMILY_TEXT: dict[str, str] = {CLIENT_MODEL: "client_family", TEAM_PERIOD_MODEL: "tp_family"}
FINDING_COLUMNS: list[str] = [
    "model",
    "outcome",
    "term",
    "estimate",
    "p_mplus",
    "size_mplus",
    "methods",
    "sizes",
    "p_methods",
    "verdict",
    "disagree",
]


def family_label(model: str, language: str) -> str:
    """The name of a model family ("Team-period models") in ``language``."""
    return _t(FAMILY_TEXT[model], language)


def _pct(rate: float) -> str:
    return "-" if not np.isfinite(rate) else f"{100 * rate:.1f}%"


def _p(value: float) -> str:
    return "-" if not np.isfinite(value) else f"{value:.3f}".replace("0.", ".", 1)


def main_spec(sim: Mapping[str, Any]) -> str:
    """The spec the verdicts are read from: the study model if simulated."""
    return "study" if "study" in sim["specs"] else sim["specs"][0]


def size_verdicts(
    rates: pd.DataFrame, spec: str, alpha: float, model: str | None = None
) -> pd.DataFrame:
    """Per method, over the terms (and the sets of ``model``, all if None) of the size
    scenario of ``spec``: the largest rate and a verdict: ``holds`` (every interval covers
    alpha), ``over`` (an interval lies above alpha), ``conservative`` (below, none above) or
    ``failed``."""
    size = rates[(rates["kind"] == "size") & (rates["spec"] == spec)]
    if model is not None and "model" in size.columns:
        size = size[size["model"] == model]
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
        rows.append(
            {
                "method": method,
                "max_rate": group["rate"].max(),
                "mean_rate": group["rate"].mean(),
                "verdict": verdict,
            }
        )
    return pd.DataFrame(rows, columns=["method", "max_rate", "mean_rate", "verdict"])


def recommended(
    rates: pd.DataFrame,
    sim: Mapping[str, Any],
    alpha: float,
    teams: int,
    model: str = CLIENT_MODEL,
) -> list[str]:
    """Methods of ``model``'s family that hold (or else undercut) alpha in the study model,
    those that hold first, then by simulated power (client-level family) and by size (the
    less conservative first); if none, the least over-rejecting one."""
    verdicts = size_verdicts(rates, main_spec(sim), alpha, model)
    power = (
        rates[
            (rates["kind"] == "power")
            & (rates["model"] == model)
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
    order = good.sort_values(["holds", "power", "mean_rate"], ascending=False, kind="stable")
    return order["method"].tolist()


def findings(
    small_sample: pd.DataFrame, rates: pd.DataFrame, sim: Mapping[str, Any], alpha: float
) -> pd.DataFrame:
    """Per significant finding (a condition effect with Mplus p < alpha in the study spec of
    small_sample.csv), by the rule of the report's Findings (``publish.findings``): the
    methods that keep their size in the finding's set and term (95% Monte Carlo interval of
    the size reaches alpha or lies below it), each with its rate and interval (``sizes``) and
    p (``p_methods``), and the verdict: ``holds`` when every one of them finds it,
    ``weakens`` when some do (``disagree``: those that do not), ``does_not_hold`` when none
    do. No method is preferred for a power difference. Empty methods: not simulated."""
    study = small_sample[
        (small_sample["spec"] == "study") & small_sample["term"].isin(CONDITION_DUMMIES)
    ]
    p_of = study.set_index(["model", "outcome", "term", "method"])["p"]
    size = rates[(rates["kind"] == "size") & (rates["spec"] == main_spec(sim))]
    rows = []
    for r in study[(study["method"] == "mplus") & (study["p"] < alpha)].itertuples():
        own = size[(size["model"] == r.model) & (size["term"] == r.term)]
        if r.model == TEAM_PERIOD_MODEL:
            own = own[own["outcome"] == r.outcome]
        mplus = own[own["method"] == "mplus"]["rate"]
        kept = size_keeping(own.assign(spec="study"), r.model, r.outcome, r.term, alpha) or {}
        methods = [m for m in LITERATURE_METHODS if m in kept]
        p = {m: float(p_of.get((r.model, r.outcome, r.term, m), np.nan)) for m in methods}
        p = {m: v for m, v in p.items() if np.isfinite(v)}
        ruling, _agree, disagree = verdict(True, p, alpha) if kept else ("", [], [])
        rows.append(
            (r.model, r.outcome, r.term, r.estimate, r.p, mplus.iloc[0] if len(mplus) else np.nan)
            + (";".join(p), sizes_text({m: kept[m] for m in p}))
            + ("; ".join(f"{m} {_p(v)}" for m, v in p.items()), ruling, ";".join(disagree))
        )
    return pd.DataFrame(rows, columns=FINDING_COLUMNS)


def _size_lines(rates: pd.DataFrame, sim: Mapping[str, Any], lang: str) -> list[str]:
    """One item per spec: each method's rate per term with its MC interval."""
    specs = SPEC_LABELS[lang]
    size = rates[rates["kind"] == "size"]
    lines = []
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
        for method in group[(group["replications"] == 0)]["method"].drop_duplicates():
            lines.append(f"  ({_t('failed', lang, method=method)})")
    return lines


def _verdict_lines(
    rates: pd.DataFrame, sim: Mapping[str, Any], alpha: float, best: list[str], lang: str
) -> list[str]:
    """One word per method in the study spec (keeps alpha, conservative, over-rejecting) and
    which to trust: every method that keeps alpha, none ranked by power; if none keeps it,
    the least over-rejecting."""
    spec = main_spec(sim)
    model = rates["model"].iloc[0] if not rates.empty else CLIENT_MODEL
    verdicts = size_verdicts(rates, spec, alpha)
    if not verdicts["verdict"].isin(["holds", "conservative"]).any():
        over = verdicts.loc[verdicts["verdict"] == "over", "method"].tolist()
        return [_t("trust_none", lang, methods=", ".join(best))] + (
            [_t("over", lang, methods=", ".join(over))] if over else []
        )
    words = ", ".join(f"{r.method} {_t('word_' + r.verdict, lang)}" for r in verdicts.itertuples())
    key = "trust" if model == CLIENT_MODEL else "tp_trust"
    return [_t(key, lang, words=words, spec=SPEC_LABELS[lang][spec])]


def _follow_up_lines(
    rates: pd.DataFrame,
    mdes: pd.DataFrame,
    method: str,
    teams: int,
    sim: Mapping[str, Any],
    lang: str,
) -> list[str]:
    """Teams a follow-up needs per effect (``method``), and the MDES of this design."""
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
    lines = [
        "",
        _t("follow", lang, method=method, power=float(sim["power"]), needs="; ".join(needs)),
    ]
    row = mdes[(mdes["method"] == method) & (mdes["teams"] == teams)]
    if not row.empty:
        r = row.iloc[0]
        mdes_text = f"{r.mdes:.2f}" if np.isfinite(r.mdes) else _t("none", lang)
        kind = _t(r.analytic_design, lang)
        lines.append(
            _t(
                "mdes",
                lang,
                teams=teams,
                mdes=mdes_text,
                analytic=f"{r.analytic_mdes:.2f}",
                kind=kind,
            )
        )
    return lines


def _client_lines(
    rates: pd.DataFrame,
    mdes: pd.DataFrame,
    cset: ScenarioSet,
    sim: Mapping[str, Any],
    alpha: float,
    lang: str,
) -> list[str]:
    """The client-level family: design, size, verdicts, time alone, follow-up."""
    design = cset.design
    reps = int(rates["replications"].add(rates["failed"]).max()) if not rates.empty else 0
    lines = [
        _t(
            "design",
            lang,
            source=_t(design.source, lang),
            teams=design.n_teams,
            clients=design.n_clients,
            icc=cset.icc,
            icc_source=cset.components["source"],
            reps=reps,
            alpha=alpha,
        ),
        "",
        *_size_lines(rates, sim, lang),
        "",
    ]
    best = recommended(rates, sim, alpha, design.n_teams)
    lines += _verdict_lines(rates, sim, alpha, best, lang)
    trend = rates[(rates["kind"] == "trend") & (rates["term"] == "full")]
    if not trend.empty:
        parts = []
        for spec in sim["specs"]:
            rows = trend[trend["spec"] == spec]
            rates_ = ", ".join(f"{r.method} {_pct(r.rate)}" for r in rows.itertuples())
            parts.append(f"{SPEC_LABELS[lang][spec]}: {rates_}")
        lines += ["", _t("trend", lang, trend=sim["trend"], rates="; ".join(parts))]
    if best and not mdes.empty:
        lines += _follow_up_lines(rates, mdes, best[0], design.n_teams, sim, lang)
    return lines


def _span(rows: pd.DataFrame) -> str:
    """Each method's lowest-highest rate over the rows with the largest half-width of their
    95% Monte Carlo intervals, as 'CR2 4.1-5.6% (MC ±1.4)'."""
    parts = []
    for method, group in rows.groupby("method", sort=False):
        low, high = group["rate"].min(), group["rate"].max()
        same = low == high or not np.isfinite(low)
        shown = _pct(low) if same else _pct(low)[:-1] + "-" + _pct(high)
        half = ((group["mc_high"] - group["mc_low"]) / 2).max()
        mc = f" (MC ±{100 * half:.1f})" if np.isfinite(half) else ""
        parts.append(f"{method} {shown}{mc}")
    return "; ".join(parts)


def _team_period_lines(
    rates: pd.DataFrame, sets: list[ScenarioSet], sim: Mapping[str, Any], alpha: float, lang: str
) -> list[str]:
    """The team-period family: design, size over the outcomes per spec, verdicts, trend."""
    own = [s for s in sets if s.model == TEAM_PERIOD_MODEL and "size" in s.kinds]
    iccs = ", ".join(f"{label(s.outcome, lang).lower()} {s.icc:.3f}" for s in own)
    reps = int(rates["replications"].add(rates["failed"]).max())
    first = own[0].design
    n = "/".join(sorted({str(s.design.n_clients) for s in own}))
    lines = [
        "",
        f"### {_t('tp_head', lang)}",
        "",
        _t("tp_design", lang, teams=first.n_teams, n=n, iccs=iccs, reps=reps),
        "",
    ]
    size = rates[rates["kind"] == "size"]
    for spec in sim["specs"]:
        spans = _span(size[size["spec"] == spec])
        lines.append(f"- {_t('tp_size', lang, spec=SPEC_LABELS[lang][spec], rates=spans)}")
    lines.append("")
    lines += _verdict_lines(
        rates, sim, alpha, recommended(rates, sim, alpha, first.n_teams, TEAM_PERIOD_MODEL), lang
    )
    power = rates[(rates["kind"] == "power") & (rates["term"] == "full")]
    if not power.empty:
        spec = SPEC_LABELS[lang][sim["power_spec"]]
        d = f"{power['effect'].iloc[0]:g}"
        lines.append(_t("tp_power", lang, d=d, spec=spec, rates=_span(power)))
    trend = rates[(rates["kind"] == "trend") & (rates["term"] == "full")]
    if not trend.empty:
        parts = [
            f"{SPEC_LABELS[lang][spec]}: {_span(trend[trend['spec'] == spec])}"
            for spec in sim["specs"]
        ]
        lines += ["", _t("tp_trend", lang, trend=sim["trend"], rates="; ".join(parts))]
    return lines


def _sensitivity_lines(
    rates: pd.DataFrame, sim: Mapping[str, Any], alpha: float, lang: str
) -> list[str]:
    """Per family: the methods that keep alpha at every ICC, and where the others break."""
    icc = rates[rates["kind"] == "icc"]
    spec = sim["icc_sensitivity"]["spec"]
    values = sorted(icc["icc"].unique())
    lines = ["", f"### {_t('icc_head', lang)}", ""]
    for model in (CLIENT_MODEL, TEAM_PERIOD_MODEL):
        rows = icc[icc["model"] == model]
        if rows.empty:
            continue
        keep, broken = [], []
        for method, group in rows.groupby("method", sort=False):
            over = group[group["mc_low"] > alpha]["icc"]
            if over.empty and group["replications"].sum() > 0:
                keep.append(method)
            elif not over.empty:
                broken.append(_t("icc_broken", lang, method=method, icc=f"{over.min():g}"))
        text_ = _t(
            "icc_line",
            lang,
            family=family_label(model, lang),
            spec=SPEC_LABELS[lang][spec],
            methods=", ".join(keep) or "-",
            iccs=", ".join(f"{v:g}" for v in values),
            broken="; ".join(broken) or _t("icc_none", lang),
        )
        lines.append(f"- {text_}")
    return lines


def _finding_lines(found: pd.DataFrame, lang: str) -> list[str]:
    """One item per significant finding: the p of the methods that keep alpha in its set,
    and the verdict (the rule of the report's Findings)."""
    lines = ["", f"### {_t('findings_head', lang)}", ""]
    if found.empty:
        return [*lines, _t("no_findings", lang)]
    for r in found.itertuples():
        fields = {
            "outcome": label(r.outcome, lang),
            "term": label(r.term, lang).lower(),
            "family": family_label(r.model, lang).lower(),
            "p_mplus": _p(r.p_mplus),
        }
        if not isinstance(r.methods, str) or not r.methods:
            lines.append(f"- {_t('unsupported', lang, **fields)}")
            continue
        disagree = ", ".join(str(r.disagree).split(";")) if isinstance(r.disagree, str) else ""
        ruling = _t(str(r.verdict), lang, disagree=disagree)
        text_ = _t("finding", lang, p=r.p_methods, verdict=ruling, **fields)
        sizes = f" ({r.sizes})" if isinstance(r.sizes, str) and r.sizes else ""
        lines.append(f"- {text_}{sizes}")
    return lines


def interpretation(
    rates: pd.DataFrame,
    mdes: pd.DataFrame,
    sets: list[ScenarioSet],
    sim: Mapping[str, Any],
    alpha: float,
    language: str,
    found: pd.DataFrame | None = None,
) -> str:
    """Markdown: per family the design, the size per method and what to trust, time alone,
    the follow-up (client level), the ICC sensitivity and the verdict on each finding."""
    lang = check_language(language)
    client = next(s for s in sets if s.model == CLIENT_MODEL)
    by_model = {m: rates[rates["model"] == m] for m in (CLIENT_MODEL, TEAM_PERIOD_MODEL)}
    lines = [f"## {_t('head', lang)}", ""]
    lines += _client_lines(by_model[CLIENT_MODEL], mdes, client, sim, alpha, lang)
    tp = by_model[TEAM_PERIOD_MODEL]
    if (tp["kind"] == "size").any():
        lines += _team_period_lines(tp, sets, sim, alpha, lang)
    if (rates["kind"] == "icc").any():
        lines += _sensitivity_lines(rates, sim, alpha, lang)
    if found is not None:
        lines += _finding_lines(found, lang)
    return "\n".join(lines) + "\n"
