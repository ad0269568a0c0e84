"""The plain-language interpretation of a simulation (Dutch or English), per model family
(client-level outcome models, team-period models): which test keeps its size for this design,
what time alone does to each model, where each test breaks down as the ICC grows, how many
teams a follow-up needs, and whether each significant finding of the study survives the test
the simulation supports for its family (docs/simulation.md)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial
from typing import Any

import numpy as np
import pandas as pd

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
        "tp_head": "Team-periodemodellen (Checklist-scores en respons)",
        "tp_design": "Ontwerp: {teams} teams, één waarneming per team-periode ({n}); ICC van de "
        "teamperiodes: {iccs}. {reps} replicaties per scenario.",
        "tp_size": "Verwerpingskans zonder effect ({spec}), laagste-hoogste over de uitkomsten: "
        "{rates}.",
        "tp_trust": "Voor de team-periodemodellen: vertrouw op {methods} (in het {spec} zonder "
        "effect bij geen enkele uitkomst vaker significant dan alfa, binnen de Monte-Carlofout).",
        "tp_trend": "Alleen een tijdtrend ({trend} SD per halfjaar), verwerpingskans voor "
        "volledig (laagste-hoogste): {rates}.",
        "icc_head": "Gevoeligheid voor de ICC",
        "icc_line": "{family} ({spec}): {methods} houden alfa bij elke ICC ({iccs}); {broken}.",
        "icc_broken": "{method} niet vanaf ICC {icc}",
        "icc_none": "geen methode verliest haar alfa",
        "client_family": "Uitkomstmodellen (cliënten)",
        "tp_family": "Team-periodemodellen",
        "findings_head": "Significante bevindingen",
        "finding": "{outcome}, {term} ({family}): Mplus p = {p_mplus}; de simulatie steunt "
        "{method} voor deze modellen: p = {p}, {verdict}{others}.",
        "others": " (ook alfa houdend: {others})",
        "tp_power": "Power bij d = {d} (term volledig, {spec}), laagste-hoogste over de "
        "uitkomsten: {rates}.",
        "survives": "blijft significant",
        "fails": "niet meer significant",
        "unsupported": "{outcome}, {term} ({family}): Mplus p = {p_mplus}; niet gesimuleerd.",
        "no_findings": "Geen significante conditie-effecten in het studiemodel (Mplus).",
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
        "tp_head": "Team-period models (Checklist scores and response)",
        "tp_design": "Design: {teams} teams, one observation per team-period ({n}); ICC of a "
        "team's periods: {iccs}. {reps} replications per scenario.",
        "tp_size": "Rejection rate without an effect ({spec}), lowest-highest over the "
        "outcomes: {rates}.",
        "tp_trust": "For the team-period models, trust {methods} (in the {spec}, rejects a true "
        "null for no outcome more often than alpha, within Monte Carlo error).",
        "tp_trend": "A secular trend alone ({trend} SD per half-year), rejection rate of full "
        "(lowest-highest): {rates}.",
        "icc_head": "Sensitivity to the ICC",
        "icc_line": "{family} ({spec}): {methods} keep alpha at every ICC ({iccs}); {broken}.",
        "icc_broken": "{method} not from ICC {icc} on",
        "icc_none": "no method loses its alpha",
        "client_family": "Outcome models (clients)",
        "tp_family": "Team-period models",
        "findings_head": "Significant findings",
        "finding": "{outcome}, {term} ({family}): Mplus p = {p_mplus}; the simulation supports "
        "{method} for these models: p = {p}, {verdict}{others}.",
        "others": " (also keeping alpha: {others})",
        "tp_power": "Power at d = {d} (term full, {spec}), lowest-highest over the outcomes: "
        "{rates}.",
        "survives": "survives",
        "fails": "does not survive",
        "unsupported": "{outcome}, {term} ({family}): Mplus p = {p_mplus}; not simulated.",
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
    "method",
    "size_method",
    "p_method",
    "survives",
    "others",
    "survives_all",
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
    small_sample.csv): the method the simulation supports for its model family, the sizes
    of Mplus and of that method in the finding's set (the family's client-level set for an
    outcome model), that method's p and whether the finding survives it (p < alpha); the
    other methods that keep alpha with their p (``others``) and whether it survives all."""
    study = small_sample[
        (small_sample["spec"] == "study") & small_sample["term"].isin(CONDITION_DUMMIES)
    ]
    p_of = study.set_index(["model", "outcome", "term", "method"])["p"]
    size = rates[(rates["kind"] == "size") & (rates["spec"] == main_spec(sim))]
    rows = []
    for r in study[(study["method"] == "mplus") & (study["p"] < alpha)].itertuples():
        family = size[size["model"] == r.model]
        teams = int(family["teams"].iloc[0]) if not family.empty else 0
        best = recommended(rates, sim, alpha, teams, r.model) if not family.empty else []
        own = family[family["outcome"] == r.outcome] if r.model == TEAM_PERIOD_MODEL else family
        rate = own[own["term"] == r.term].set_index("method")["rate"]
        p = {m: float(p_of.get((r.model, r.outcome, r.term, m), np.nan)) for m in best}
        method = best[0] if best else ""
        survives = bool(p[method] < alpha) if method else pd.NA
        others = "; ".join(f"{m} {_p(p[m])}" for m in best[1:])
        every = all(v < alpha for v in p.values()) if method else pd.NA
        rows.append(
            (r.model, r.outcome, r.term, r.estimate, r.p, rate.get("mplus", np.nan), method)
            + (rate.get(method, np.nan), p.get(method, np.nan), survives, others, every)
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
    """Which methods to trust in the study spec, which over-reject, which are conservative."""
    spec = main_spec(sim)
    model = rates["model"].iloc[0] if not rates.empty else CLIENT_MODEL
    verdicts = size_verdicts(rates, spec, alpha)
    holds = verdicts[verdicts["verdict"].isin(["holds", "conservative"])]
    key = "trust" if model == CLIENT_MODEL else "tp_trust"
    if holds.empty:
        lines = [_t("trust_none", lang, methods=", ".join(best))]
    else:
        lines = [_t(key, lang, methods=", ".join(best), spec=SPEC_LABELS[lang][spec])]
    for verdict in ("over", "conservative"):
        methods = verdicts.loc[verdicts["verdict"] == verdict, "method"].tolist()
        if methods:
            lines.append(_t(verdict, lang, methods=", ".join(methods)))
    return lines


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
    """Each method's lowest-highest rate over the rows, as 'CR2 4.1-5.6%'."""
    parts = []
    for method, group in rows.groupby("method", sort=False):
        low, high = group["rate"].min(), group["rate"].max()
        same = low == high or not np.isfinite(low)
        parts.append(f"{method} {_pct(low) if same else _pct(low)[:-1] + '-' + _pct(high)}")
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
    """One item per significant finding: the supported method's p and the verdict."""
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
        if not r.method:
            lines.append(f"- {_t('unsupported', lang, **fields)}")
            continue
        verdict = _t("survives" if r.survives else "fails", lang)
        p = _p(r.p_method)
        others = (
            _t("others", lang, others=r.others) if isinstance(r.others, str) and r.others else ""
        )
        text_ = _t("finding", lang, method=r.method, p=p, verdict=verdict, others=others, **fields)
        lines.append(f"- {text_}")
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
