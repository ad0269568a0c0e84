"""Human-facing layout of each output table: labels, order, rounding and suppression.

A :class:`Display` is format-free (cells keep their numbers); ``render.py`` turns it into
Markdown, LaTeX, HTML or XLSX. One builder per output name of docs/outputs.md.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.publish import privacy
from ldj_analysis.publish.labels import check_language, flow_step, label, note, title
from ldj_analysis.publish.numbers import (
    Cell,
    Num,
    PValue,
    Range,
    format_p,
    is_missing,
)
from ldj_analysis.publish.privacy import Privacy
from ldj_analysis.vocabulary import (
    CHECKLIST_SCORES,
    CONDITIONS,
    OUTCOME_DOMAINS,
    SMALL_SAMPLE_METHODS,
    SPECS,
)

MODEL_TERMS: tuple[str, ...] = (
    "intercept",
    "partial",
    "full",
    "pre_z",
    "sex",
    "age",
    "duration_days",
)
#: Model terms whose B and SE are printed per this many units of the predictor (a per-day
#: effect of treatment duration rounds to 0,00); beta is unchanged.
TERM_UNITS: dict[str, int] = {"duration_days": 100}
SAMPLE_GROUPS: tuple[str, ...] = ("all", "boys", "girls")
#: CBS convention for a confidential statistic ("x = geheim").
SUPPRESSED = "x"
NO_MEASUREMENT = "-"


@dataclass(frozen=True)
class Display:
    """A table ready for rendering: heads, rows of cells, notes."""

    name: str
    title: str
    columns: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    groups: tuple[tuple[str, int], ...] = ()  # spanning heads over the columns, "" = none
    notes: tuple[str, ...] = ()
    label_columns: int = 1  # leading text columns (left-aligned)
    suppressed: int = field(default=0)  # number of suppressed cells


def _order(frame: pd.DataFrame, column: str, codes: tuple[str, ...]) -> pd.Series:
    rank = {code: i for i, code in enumerate(codes)}
    return frame[column].astype(str).map(rank).fillna(len(codes))


def _sorted(frame: pd.DataFrame, keys: list[tuple[str, tuple[str, ...]]]) -> pd.DataFrame:
    ranks = pd.DataFrame(
        {f"_r{i}": _order(frame, col, codes) for i, (col, codes) in enumerate(keys)}
    )
    order = ranks.sort_values(list(ranks.columns), kind="stable").index
    return frame.loc[order].reset_index(drop=True)


def _first_only(values: list[str]) -> list[str]:
    """Blank repeated group labels, as the report prints a domain once per block."""
    return [v if i == 0 or v != values[i - 1] else "" for i, v in enumerate(values)]


def _count(n: object, k: int) -> Cell:
    """A client count: "<k" for 1..k-1."""
    if is_missing(n):
        return NO_MEASUREMENT
    return privacy.marker(k) if 0 < float(n) < k else Num(float(n), 0)  # type: ignore[arg-type]


def _df_cell(df: object) -> Cell:
    if is_missing(df):
        return Num(float("nan"), 0)
    value = float(df)  # type: ignore[arg-type]
    return Num(value, 0 if value == round(value) else 1)


def _notes(name: str, language: str, hidden: int, k: int, *extra: str) -> tuple[str, ...]:
    notes = [note(name, language)] if note(name, language) else []
    notes += [e for e in extra if e]
    if hidden:
        which = "flow_suppressed" if name == "flow" else "suppressed"
        notes.append(note(which, language, marker=f"{SUPPRESSED} / {privacy.marker(k)}", k=k))
    return tuple(notes)


def table1(frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    periods = [c for c in frame.columns if str(c).startswith("period_")]

    def text(code: object) -> str:
        return NO_MEASUREMENT if is_missing(code) else label(code, language).lower()

    # One label per distinct code (NaN included), not per cell: thousands of teams.
    columns_text = []
    for period in periods:
        codes, uniques = pd.factorize(frame[period], use_na_sentinel=False)
        texts = np.array([text(u) for u in uniques], dtype=object)
        columns_text.append(texts[codes].tolist())
    teams = [str(team) for team in frame["team_id"].tolist()]
    rows = list(zip(teams, *columns_text, strict=True))
    columns = (
        label("team", language),
        *(f"{label('period', language)} {p.split('_', 1)[1]}" for p in periods),
    )
    return Display(
        "table1",
        title("table1", language),
        columns,
        tuple(rows),
        notes=_notes("table1", language, 0, 0),
        label_columns=len(columns),
    )


def table2(frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    f = _sorted(frame, [("domain", CHECKLIST_SCORES), ("condition", CONDITIONS)])
    domains = _first_only([label(d, language) for d in f["domain"]])
    rows = tuple(
        (d, label(r.condition, language), Num(r.n, 0), Num(r.mean, 1), Num(r.sd, 1),
         Range(r.min, r.max, 0))
        for d, r in zip(domains, f.itertuples(index=False), strict=True)
    )  # fmt: skip
    return Display(
        "table2",
        title("table2", language),
        (
            label("domain", language),
            label("condition", language),
            "N",
            "M",
            "SD",
            label("range", language),
        ),
        rows,
        groups=(("", 2), (label("score", language), 4)),
        notes=_notes("table2", language, 0, priv.min_cell_size),
        label_columns=2,
    )


def table3(frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    if priv.team_periods is None:
        raise ValueError("table3: team_periods are needed to check the response's client basis")
    k = priv.min_cell_size
    f = _sorted(frame, [("condition", CONDITIONS)])
    basis = privacy.response_basis(priv.team_periods)
    extremes = privacy.response_extremes_publishable(priv.team_periods, f, k)
    rows, hidden = [], 0
    for r in f.itertuples(index=False):
        cells: list[Cell] = [label(r.condition, language), Num(r.n, 0)]
        if privacy.too_small(basis.get(r.condition), k):
            cells += [SUPPRESSED] * 3
            hidden += 3
        else:
            cells += [Num(r.mean, 1), Num(r.sd, 1)]
            ok = extremes.loc[r.condition] if r.condition in extremes.index else None
            if ok is not None and bool(ok["min_ok"]) and bool(ok["max_ok"]):
                cells.append(Range(r.min, r.max, 1))
            else:
                cells.append(SUPPRESSED)
                hidden += 1
        rows.append(tuple(cells))
    return Display(
        "table3",
        title("table3", language),
        (label("condition", language), "N", "M", "SD", label("range", language)),
        tuple(rows),
        groups=(("", 1), (label("response_pct", language), 4)),
        notes=_notes("table3", language, hidden, k),
        suppressed=hidden,
    )


def _condition_domain_rows(
    frame: pd.DataFrame, language: str, k: int, stats: Callable[[Any], list[Cell]]
) -> tuple[list[tuple[Cell, ...]], int]:
    """Rows of a condition x domain table of client counts: condition (first row only),
    domain, n, then ``stats(row)``, all suppressed when n < k; and the cells suppressed."""
    f = _sorted(frame, [("condition", CONDITIONS), ("domain", OUTCOME_DOMAINS)])
    conditions = _first_only([label(c, language) for c in f["condition"]])
    rows, hidden = [], 0
    for c, r in zip(conditions, f.itertuples(index=False), strict=True):
        cells: list[Cell] = [c, label(r.domain, language), _count(r.n, k)]
        if privacy.too_small(r.n, k):
            cells += [SUPPRESSED] * 5
            hidden += 5
        else:
            cells += stats(r)
        rows.append(tuple(cells))
    return rows, hidden


def table4(frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    k = priv.min_cell_size
    rows, hidden = _condition_domain_rows(
        frame,
        language,
        k,
        lambda r: [Num(v, 2) for v in (r.pre_mean, r.pre_sd, r.post_mean, r.post_sd, r.es)],
    )
    return Display(
        "table4",
        title("table4", language),
        (label("condition", language), label("problem", language), "N", "M", "SD", "M", "SD", "ES"),
        tuple(rows),
        groups=(("", 3), (label("pre", language), 2), (label("post", language), 2), ("", 1)),
        notes=_notes("table4", language, hidden, k),
        label_columns=2,
        suppressed=hidden,
    )


def sample(frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    k = priv.min_cell_size
    f = _sorted(frame, [("group", SAMPLE_GROUPS)])
    n = dict(zip(f["group"].astype(str), f["n"].astype("float64"), strict=True))
    sexes = {g: n[g] for g in ("boys", "girls") if g in n}
    secondary = set()
    if "all" in n and not privacy.too_small(n["all"], k):
        small = {g for g, size in sexes.items() if privacy.too_small(size, k)}
        secondary = privacy.secondary_suppression(n["all"], sexes, small, k)
    rows, hidden = [], 0
    for r in f.itertuples(index=False):
        cells: list[Cell] = [label(r.group, language), _count(r.n, k)]
        if r.group in secondary:
            cells = [cells[0], *[SUPPRESSED] * 6]
            hidden += 6
        elif privacy.too_small(r.n, k):
            cells += [SUPPRESSED] * 5
            hidden += 5
        else:
            age_range: Cell = Range(r.age_min, r.age_max, 0)
            if not priv.show_client_extremes:
                age_range = SUPPRESSED
            cells += [Num(r.age_mean, 1), Num(r.age_sd, 1), age_range]
            cells += [Num(r.duration_mean, 0), Num(r.duration_sd, 0)]
        rows.append(tuple(cells))
    extra = "" if priv.show_client_extremes else note("range_hidden", language)
    return Display(
        "sample",
        title("sample", language),
        (label("group", language), "N", "M", "SD", label("range", language), "M", "SD"),
        tuple(rows),
        groups=(("", 2), (label("age_years", language), 3), (label("duration", language), 2)),
        notes=_notes("sample", language, hidden, k, extra),
        suppressed=hidden,
    )


def flow(frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    k = priv.min_cell_size
    counts = [_count(n, k) for n in frame["count"]]
    hidden = sum(isinstance(c, str) for c in counts)
    steps = [flow_step(str(s), language) for s in frame["step"]]
    rows = tuple(zip(steps, counts, strict=True))
    return Display(
        "flow",
        title("flow", language),
        (label("step", language), label("count", language)),
        rows,
        notes=_notes("flow", language, hidden, k),
        suppressed=hidden,
    )


def _model_sizes(name: str, frame: pd.DataFrame, priv: Privacy) -> dict[tuple[str, str], float]:
    """Client counts per (outcome, condition) of the models that rest on clients."""
    if name == "outcomes":
        if priv.table4 is None:
            raise ValueError("outcomes: table4 is needed for the condition groups' client counts")
        return privacy.outcome_group_sizes(priv.table4)
    if (frame["outcome"] == "response").any():
        if priv.team_periods is None:
            raise ValueError("checklist_response: team_periods are needed for response's basis")
        basis = privacy.response_basis(priv.team_periods)
        return {("response", c): float(v) for c, v in basis.items()}
    return {}


def model_suppression(name: str, frame: pd.DataFrame, priv: Privacy) -> dict[str, str]:
    """Per outcome of a model table: "" (publish), "terms" (condition terms suppressed: a
    condition group has fewer than k clients) or "all" (the model has fewer than k clients)."""
    k = priv.min_cell_size
    sizes = _model_sizes(name, frame, priv)
    status = {}
    for out, n in frame.groupby("outcome", sort=False)["n"].first().items():
        out = str(out)
        client_based = name == "outcomes" or out == "response"
        if name == "outcomes" and privacy.too_small(n, k):
            status[out] = "all"
        elif client_based and privacy.small_groups(sizes, out, CONDITIONS, k):
            status[out] = "terms"
        else:
            status[out] = ""
    return status


def suppressed_terms(name: str, frame: pd.DataFrame, priv: Privacy) -> pd.Series:
    """Boolean per row of a model table: is this coefficient suppressed?"""
    status = frame["outcome"].astype(str).map(model_suppression(name, frame, priv))
    condition_term = frame["term"].isin(("intercept", *CONDITIONS))
    return (status == "all") | ((status == "terms") & condition_term)


def coefficient_decimals(se: float, decimals: int = 2) -> int:
    """``decimals``, or more when the SE would round to zero: enough to show two significant
    digits of it (at most 6), so that no coefficient prints as 0,00 with SE 0,00."""
    if is_missing(se) or se == 0 or abs(se) >= 10 ** (-decimals) / 2:
        return decimals
    return min(6, max(decimals, 1 - int(np.floor(np.log10(abs(se))))))


def _model(name: str, frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    k = priv.min_cell_size
    status = model_suppression(name, frame, priv)
    order = CHECKLIST_SCORES + ("response",) if name == "checklist_response" else OUTCOME_DOMAINS
    f = _sorted(frame, [("outcome", order), ("term", MODEL_TERMS)])
    f["suppress"] = suppressed_terms(name, f, priv)
    rows, hidden, extra = [], 0, []
    for _, block in f.groupby(_order(f, "outcome", order), sort=True):
        out = str(block["outcome"].iloc[0])
        if status[out] == "all":
            extra.append(note("model_all_small", language, outcome=label(out, language), k=k))
        elif status[out] == "terms":
            extra.append(note("model_small", language, outcome=label(out, language), k=k))
        for i, r in enumerate(block.itertuples(index=False)):
            head = [label(out, language) if i == 0 else "", label(r.term, language)]
            if r.suppress:
                stats: list[Cell] = [SUPPRESSED] * 6
                hidden += 6
            else:
                unit = TERM_UNITS.get(str(r.term), 1)
                places = coefficient_decimals(r.se * unit)
                stats = [
                    Num(r.estimate * unit, places),
                    Num(r.se * unit, places),
                    PValue(r.p),
                    Num(r.beta, 2, leading_zero=False),
                    Num(r.beta_se, 2, leading_zero=False),
                    PValue(r.beta_p),
                ]
            if i == 0:
                counts: list[Cell] = [
                    _count(r.n, k) if name == "outcomes" else Num(r.n, 0),
                    Num(r.n_clusters, 0),
                ]
            else:
                counts = ["", ""]
            rows.append((*head, *stats, *counts))
    if f["term"].isin(list(TERM_UNITS)).any():
        extra.append(note("term_units", language))
    return Display(
        name,
        title(name, language),
        (
            label("outcome", language),
            label("term", language),
            "B",
            "SE",
            "p",
            "β",
            "SE(β)",
            "p(β)",
            "N",
            label("clusters", language),
        ),
        tuple(rows),
        notes=_notes("models", language, hidden, k, *extra),
        label_columns=2,
        suppressed=hidden,
    )


def checklist_response(frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    return _model("checklist_response", frame, language, priv)


def outcomes(frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    return _model("outcomes", frame, language, priv)


def baseline_ttests(frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    k = priv.min_cell_size
    f = _sorted(frame, [("outcome", CHECKLIST_SCORES + ("response",))])
    basis = None
    if (f["outcome"] == "response").any():
        if priv.team_periods is None:
            raise ValueError("baseline_ttests: team_periods are needed for response's basis")
        basis = privacy.baseline_response_basis(priv.team_periods)
    rows, hidden = [], 0
    for r in f.itertuples(index=False):
        cells: list[Cell] = [
            label(r.outcome, language),
            Num(r.n_control, 0),
            Num(r.n_experimental, 0),
        ]
        if (
            r.outcome == "response"
            and basis is not None
            and (
                privacy.too_small(basis.get("control"), k)
                or privacy.too_small(basis.get("experimental"), k)
            )
        ):
            cells += [SUPPRESSED] * 5
            hidden += 5
        else:
            cells += [
                Num(r.mean_control, 1),
                Num(r.mean_experimental, 1),
                Num(r.t, 2),
                _df_cell(r.df),
                PValue(r.p),
            ]
        rows.append(tuple(cells))
    return Display(
        "baseline_ttests",
        title("baseline_ttests", language),
        (
            label("outcome", language),
            label("n_control", language),
            label("n_experimental", language),
            label("m_control", language),
            label("m_experimental", language),
            "t",
            "df",
            "p",
        ),
        tuple(rows),
        notes=_notes("baseline_ttests", language, hidden, k),
        suppressed=hidden,
    )


def prepost_tests(frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    k = priv.min_cell_size
    rows, hidden = _condition_domain_rows(
        frame,
        language,
        k,
        lambda r: [Num(r.mean_change, 2), Num(r.t, 2), _df_cell(r.df), PValue(r.p), Num(r.es, 2)],
    )
    return Display(
        "prepost_tests",
        title("prepost_tests", language),
        (
            label("condition", language),
            label("problem", language),
            "N",
            label("mean_change", language),
            "t",
            "df",
            "p",
            "ES",
        ),
        tuple(rows),
        notes=_notes("prepost_tests", language, hidden, k),
        label_columns=2,
        suppressed=hidden,
    )


#: The robustness table's rows by ``model`` of small_sample.csv -> the model table whose
#: suppression rules they follow.
ROBUSTNESS_MODELS: dict[str, str] = {"team_periods": "checklist_response", "outcomes": "outcomes"}


def _robustness_status(frame: pd.DataFrame, priv: Privacy) -> dict[tuple[str, str], str]:
    """Suppression status per (model, outcome), by the rules of the model's own table."""
    status = {}
    for model, name in ROBUSTNESS_MODELS.items():
        rows = frame[(frame["model"] == model) & frame["n"].notna()]
        if rows.empty:
            continue
        sizes = rows.groupby("outcome", sort=False)["n"].max().rename("n").reset_index()
        for out, st in model_suppression(name, sizes, priv).items():
            status[(model, out)] = st
    return status


def _decision_p(p: object, reject: object, language: str) -> str:
    if is_missing(p):
        return NO_MEASUREMENT
    return format_p(float(p), language) + ("*" if str(reject) == "True" else "")  # type: ignore[arg-type]


def robustness(frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    """Per condition effect, model and spec: B and p under every method, the decision at
    alpha (*) and where it differs from the Mplus-style one; with a ``simulation`` column
    (the report with the design simulation) also the simulation's verdict per finding."""
    k = priv.min_cell_size
    f = frame[frame["term"].isin(("partial", "full"))]
    methods = [m for m in SMALL_SAMPLE_METHODS if (f["method"] == m).any()]
    status = _robustness_status(frame, priv)
    f = _sorted(
        f,
        [
            ("spec", SPECS),
            ("model", tuple(ROBUSTNESS_MODELS)),
            ("outcome", (*CHECKLIST_SCORES, "response", *OUTCOME_DOMAINS)),
            ("term", MODEL_TERMS),
        ],
    )
    rows, hidden, undefined = [], 0, False
    simulated = "simulation" in f.columns  # the design simulation's verdicts (report only)
    last_spec = None
    for (spec, model, out, term), block in f.groupby(
        ["spec", "model", "outcome", "term"], sort=False
    ):
        by = block.set_index("method")
        head: list[Cell] = [
            label(f"spec_{spec}", language) if spec != last_spec else "",
            label(out, language),
            label(term, language),
        ]
        last_spec = spec
        if status.get((model, out), "") in ("terms", "all"):
            rows.append((*head, *[SUPPRESSED] * (len(methods) + 1), "", *[""] * simulated))
            hidden += len(methods) + 1
            continue
        mplus = by.loc["mplus"] if "mplus" in by.index else None
        cells: list[Cell] = [Num(mplus["estimate"], 2) if mplus is not None else NO_MEASUREMENT]
        differs = []
        for m in methods:
            r = by.loc[m] if m in by.index else None
            if r is None or is_missing(r["p"]):
                cells.append(NO_MEASUREMENT)
                undefined = undefined or r is not None
                continue
            cells.append(_decision_p(r["p"], r["reject"], language))
            comparable = m != "mplus" and mplus is not None and not is_missing(mplus["p"])
            if comparable and str(r["reject"]) != str(mplus["reject"]):
                differs.append(label(m, language))
        text = note("robustness_differs", language, methods=", ".join(differs)) if differs else ""
        verdict = [next((v for v in block["simulation"].fillna("") if v), "")] if simulated else []
        rows.append((*head, *cells, text, *verdict))
    alpha = float(frame["alpha"].dropna().iloc[0]) if frame["alpha"].notna().any() else 0.05
    alpha_text = f"{alpha:g}".replace(".", "," if language == "nl" else ".")
    extra = [note("robustness_alpha", language, alpha=alpha_text)]
    if undefined:
        extra.append(note("robustness_undefined", language))
    if simulated:
        extra.append(note("robustness_simulation", language))
    return Display(
        "robustness",
        title("robustness", language),
        (
            label("spec", language),
            label("outcome", language),
            label("term", language),
            "B",
            *(f"p ({label(m, language)})" for m in methods),
            label("robustness_note", language),
            *([label("robustness_simulation", language)] if simulated else []),
        ),
        tuple(rows),
        notes=_notes("robustness", language, hidden, k, *extra),
        label_columns=3,
        suppressed=hidden,
    )


def icc(frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    """Team-level ICC of each outcome (CONSORT for cluster trials); client-based outcomes
    with fewer than k clients are suppressed, as is response when its basis is."""
    k = priv.min_cell_size
    f = _sorted(frame, [("outcome", (*CHECKLIST_SCORES, "response", *OUTCOME_DOMAINS))])
    basis = None
    if (f["outcome"] == "response").any():
        if priv.team_periods is None:
            raise ValueError("icc: team_periods are needed for response's basis")
        basis = float(privacy.response_basis(priv.team_periods).sum())
    rows, hidden = [], 0
    for r in f.itertuples(index=False):
        small = (r.model == "outcomes" and privacy.too_small(r.n, k)) or (
            r.outcome == "response" and privacy.too_small(basis, k)
        )
        n_cell = _count(r.n, k) if r.model == "outcomes" else Num(r.n, 0)
        head: list[Cell] = [label(r.outcome, language), n_cell, Num(r.n_clusters, 0)]
        if small:
            rows.append((*head, SUPPRESSED, SUPPRESSED, SUPPRESSED))
            hidden += 3
        else:
            stats = [Num(r.between, 3), Num(r.within, 3), Num(r.icc, 3, leading_zero=False)]
            rows.append((*head, *stats))
    return Display(
        "icc",
        title("icc", language),
        (
            label("outcome", language),
            "N",
            label("clusters", language),
            label("var_between", language),
            label("var_within", language),
            "ICC",
        ),
        tuple(rows),
        notes=_notes("icc", language, hidden, k),
        suppressed=hidden,
    )


BUILDERS: dict[str, Callable[[pd.DataFrame, str, Privacy], Display]] = {
    "table1": table1,
    "table2": table2,
    "table3": table3,
    "table4": table4,
    "sample": sample,
    "flow": flow,
    "checklist_response": checklist_response,
    "outcomes": outcomes,
    "baseline_ttests": baseline_ttests,
    "prepost_tests": prepost_tests,
    "robustness": robustness,
    "icc": icc,
}


def build_display(name: str, frame: pd.DataFrame, language: str, priv: Privacy) -> Display:
    """Lay out output ``name`` (an docs/outputs.md table or model) in ``language``."""
    if name not in BUILDERS:
        raise ValueError(f"unknown table {name!r}; known: {sorted(BUILDERS)}")
    privacy.refuse_client_rows(frame, name)
    return BUILDERS[name](frame, check_language(language), priv)
