"""What the study found, and whether it holds: one row per condition effect of the study
model (results/models/), its estimate, beta and the study's p, the p of every small-sample
method that keeps its size at this design, and a verdict (docs/outputs.md, Findings).

Which methods keep their size. With the design simulation (``simulation.in_report``), a
method keeps its size for a finding when the exact 95% Monte Carlo interval of its rejection
rate without an effect (study spec, the finding's own set and term) reaches alpha or lies
below it; no method is preferred over another for a power difference (inside the Monte Carlo
error at 1,000 replications). Without the simulation they are the methods the literature
supports at 13-16 clusters: CR2 and CR3 with Satterthwaite df (Bell & McCaffrey 2002;
Pustejovsky & Tipton 2018) and the wild cluster restricted bootstrap (Cameron, Gelbach &
Miller 2008; MacKinnon & Webb 2017), and the leave-one-team-out jackknife of a FIML model
where small_sample.csv has it. Both apply the same rule: a finding (the study's decision at
alpha, an effect or no effect) holds when every size-keeping method reaches the same
decision, weakens when some do, and does not hold when none do."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import pandas as pd

from ldj_analysis.publish.display import suppressed_terms
from ldj_analysis.publish.privacy import Privacy
from ldj_analysis.vocabulary import (
    CHECKLIST_SCORES,
    CONDITION_DUMMIES,
    JACKKNIFE,
    OUTCOME_DOMAINS,
)

#: The study's questions and the outcomes that answer each.
QUESTIONS: dict[str, tuple[str, ...]] = {
    "data_use": CHECKLIST_SCORES,
    "response": ("response",),
    "outcomes": OUTCOME_DOMAINS,
}
#: Small-sample methods with near-nominal size at 13-16 clusters by the literature (module
#: docstring), in the order the text names them.
LITERATURE_METHODS: tuple[str, ...] = ("CR2", "CR3", "WCR", JACKKNIFE)
REFERENCES: tuple[str, ...] = (
    "Bell, R. M., & McCaffrey, D. F. (2002). Bias reduction in standard errors for linear "
    "regression with multi-stage samples. Survey Methodology, 28(2), 169-181.",
    "Pustejovsky, J. E., & Tipton, E. (2018). Small-sample methods for cluster-robust "
    "variance estimation and hypothesis testing in fixed effects models. Journal of Business "
    "& Economic Statistics, 36(4), 672-683.",
    "Cameron, A. C., Gelbach, J. B., & Miller, D. L. (2008). Bootstrap-based improvements "
    "for inference with clustered errors. Review of Economics and Statistics, 90(3), 414-427.",
    "MacKinnon, J. G., & Webb, M. D. (2017). Wild bootstrap inference for wildly different "
    "cluster sizes. Journal of Applied Econometrics, 32(2), 233-254.",
)
#: The verdicts; ``suppressed``: the effect rests on fewer than ``min_cell_size`` clients and
#: is not shown (docs/privacy.md), its numbers left empty.
VERDICTS: tuple[str, ...] = ("holds", "weakens", "does_not_hold", "suppressed")
FINDING_COLUMNS: list[str] = [
    "question",
    "model",
    "outcome",
    "term",
    "estimate",
    "ci_low",
    "ci_high",
    "beta",
    "beta_low",
    "beta_high",
    "p_study",
    "significant",
    "alpha",
    "n_clusters",
    "basis",
    "methods",
    *(f"p_{m}" for m in LITERATURE_METHODS),
    "small_low",
    "small_high",
    "sizes",
    "agree",
    "disagree",
    "verdict",
]


def suppressed_effects(
    checklist_response: pd.DataFrame, outcomes: pd.DataFrame, priv: Privacy | None
) -> set[tuple[str, str]]:
    """(outcome, term) of the condition effects the model tables suppress (fewer than
    ``min_cell_size`` clients), so the findings show no more than the tables do."""
    if priv is None:
        return set()
    hidden: set[tuple[str, str]] = set()
    for name, frame in (("checklist_response", checklist_response), ("outcomes", outcomes)):
        gone = frame[suppressed_terms(name, frame, priv).to_numpy(dtype=bool)]
        hidden |= set(zip(gone["outcome"].astype(str), gone["term"].astype(str), strict=True))
    return hidden


def _suppress(row: dict[str, object]) -> dict[str, object]:
    """A suppressed finding: its place and decision rule kept, every number and verdict
    emptied."""
    keep = ("question", "model", "outcome", "term", "alpha", "n_clusters")
    out = {k: (v if k in keep else np.nan) for k, v in row.items()}
    out.update(basis=row["basis"], methods="", sizes="", agree="", disagree="")
    return {**out, "significant": pd.NA, "verdict": "suppressed"}


def question_of(outcome: str) -> str:
    """The study question an outcome answers (data use, response, treatment outcomes)."""
    return next(q for q, outcomes in QUESTIONS.items() if outcome in outcomes)


def size_keeping(
    rates: pd.DataFrame | None, model: str, outcome: str, term: str, alpha: float
) -> dict[str, tuple[float, float, float]] | None:
    """Methods whose size (study spec, no effect) keeps alpha in the simulated set of this
    finding, with (rate, mc_low, mc_high); None when the simulation has no such set. The
    client-level family has one set (its domain), which stands for both domains."""
    if rates is None or rates.empty:
        return None
    size = rates[
        (rates["kind"] == "size")
        & (rates["spec"] == "study")
        & (rates["model"] == model)
        & (rates["term"] == term)
        & (rates["method"] != "mplus")
        & (rates["replications"] > 0)
    ]
    if model == "team_periods":
        size = size[size["outcome"] == outcome]
    if size.empty:
        return None
    keep = size[size["mc_low"] <= alpha]
    return {r.method: (float(r.rate), float(r.mc_low), float(r.mc_high)) for r in keep.itertuples()}


def verdict(significant: bool, p: Mapping[str, float], alpha: float) -> tuple[str, list, list]:
    """The verdict on the study's decision (``significant`` at alpha) from the size-keeping
    methods' p: holds if every method decides the same, weakens if some do, does not hold
    if none do; with the methods that agree and those that disagree."""
    agree = [m for m, v in p.items() if (v < alpha) == significant]
    disagree = [m for m in p if m not in agree]
    if not p or not agree:
        return "does_not_hold", agree, disagree
    return ("holds" if not disagree else "weakens"), agree, disagree


def sizes_text(sizes: Mapping[str, tuple[float, float, float]]) -> str:
    """Each size-keeping method's simulated rate with its Monte Carlo interval."""
    return "; ".join(
        f"{m} {100 * r:.1f}% [{100 * lo:.1f}, {100 * hi:.1f}]" for m, (r, lo, hi) in sizes.items()
    )


def _betas(checklist_response: pd.DataFrame, outcomes: pd.DataFrame) -> pd.DataFrame:
    """beta and its 95% interval (beta +- 1.96 SE, as the forest plot) per outcome and term."""
    both = pd.concat([checklist_response, outcomes], ignore_index=True)
    both = both[both["term"].isin(CONDITION_DUMMIES)].copy()
    both["beta_low"] = both["beta"] - 1.96 * both["beta_se"]
    both["beta_high"] = both["beta"] + 1.96 * both["beta_se"]
    return both.set_index(["outcome", "term"])[["beta", "beta_low", "beta_high"]]


def _finding_row(
    effect: pd.DataFrame, betas: pd.DataFrame, rates: pd.DataFrame | None
) -> dict[str, object]:
    """One finding from its study-spec rows of small_sample.csv (one per method)."""
    by = effect.set_index("method")
    study = by.loc["mplus"]
    model, outcome, term = str(study["model"]), str(study["outcome"]), str(study["term"])
    alpha = float(study["alpha"])
    found = by.drop(index="mplus")
    found = found[np.isfinite(found["p"].astype(float))]
    sizes = size_keeping(rates, model, outcome, term, alpha)
    keep = [m for m in LITERATURE_METHODS if m in found.index]
    if sizes is not None:
        keep = [m for m in keep if m in sizes]
    p = {m: float(found.loc[m, "p"]) for m in keep}
    significant = bool(float(study["p"]) < alpha)
    ruling, agree, disagree = verdict(significant, p, alpha)
    beta = betas.loc[(outcome, term)] if (outcome, term) in betas.index else None
    return {
        "question": question_of(outcome),
        "model": model,
        "outcome": outcome,
        "term": term,
        "estimate": float(study["estimate"]),
        "ci_low": float(study["ci_low"]),
        "ci_high": float(study["ci_high"]),
        **{k: (float(beta[k]) if beta is not None else np.nan) for k in _BETA},
        "p_study": float(study["p"]),
        "significant": significant,
        "alpha": alpha,
        "n_clusters": int(study["n_clusters"]),
        "basis": "literature" if sizes is None else "simulation",
        "methods": ";".join(keep),
        **{f"p_{m}": p.get(m, np.nan) for m in LITERATURE_METHODS},
        "small_low": float(found.loc[keep, "ci_low"].min()) if keep else np.nan,
        "small_high": float(found.loc[keep, "ci_high"].max()) if keep else np.nan,
        "sizes": sizes_text({m: sizes[m] for m in keep}) if sizes is not None else "",
        "agree": ";".join(agree),
        "disagree": ";".join(disagree),
        "verdict": ruling,
    }


_BETA = ("beta", "beta_low", "beta_high")


def _estimated(effect: pd.DataFrame) -> bool:
    """Whether the study's (Mplus) test of this effect was computed: a model that cannot be
    estimated (too few teams, a term not identified) has an empty p and no finding."""
    study = effect[effect["method"] == "mplus"]
    return bool(len(study)) and bool(np.isfinite(pd.to_numeric(study["p"]).iloc[0]))


def findings_table(
    small_sample: pd.DataFrame,
    checklist_response: pd.DataFrame,
    outcomes: pd.DataFrame,
    rates: pd.DataFrame | None = None,
    priv: Privacy | None = None,
) -> pd.DataFrame:
    """One row per condition effect of the study spec (FINDING_COLUMNS), in the order of the
    study's questions; ``rates``: the simulation's summary.csv, or None (the literature's
    methods). ``small_low``/``small_high``: the widest interval of the size-keeping methods.
    ``priv``: effects the model tables suppress are emptied (verdict ``suppressed``); an
    effect the study model could not estimate is left out."""
    study = small_sample[
        (small_sample["spec"] == "study") & small_sample["term"].isin(CONDITION_DUMMIES)
    ]
    betas = _betas(checklist_response, outcomes)
    hidden = suppressed_effects(checklist_response, outcomes, priv)
    rows = [
        _suppress(row) if (row["outcome"], row["term"]) in hidden else row
        for row in (
            _finding_row(effect, betas, rates)
            for _key, effect in study.groupby(["model", "outcome", "term"], sort=False)
            if _estimated(effect)
        )
    ]
    order = [o for q in QUESTIONS.values() for o in q]
    out = pd.DataFrame(rows, columns=FINDING_COLUMNS)
    out["_o"] = out["outcome"].map({o: i for i, o in enumerate(order)})
    out["_t"] = out["term"].map({t: i for i, t in enumerate(CONDITION_DUMMIES)})
    return out.sort_values(["_o", "_t"], kind="stable").drop(columns=["_o", "_t"])
