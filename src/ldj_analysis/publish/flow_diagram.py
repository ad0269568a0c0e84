"""Flow diagram as the CONSORT extension for cluster trials draws it (Campbell et al. 2012):
enrolment, allocation, follow-up and analysis, at the cluster level (teams, team-periods)
and the individual level (clients, pre/post pairs), with the exclusions and their reasons.

Counts come from the same outputs as the flow table: ``flow.csv`` (records, exclusions,
pairs, clients), ``table4.csv`` (pairs per condition and domain: one pair per client and
domain, so also clients) and the team-periods (teams and team-periods per arm and
condition). Client counts of 1..k-1 are shown as "<k" (as in the flow table and Table 4);
team counts are not about clients and are shown as they are. The record exclusions are
counted over all conditions: a record has no condition until it is paired.
"""

from __future__ import annotations

from functools import partial
from typing import Any

import matplotlib

matplotlib.use("Agg")

import pandas as pd  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

from ldj_analysis.publish import privacy  # noqa: E402
from ldj_analysis.publish.figure_style import RC, new_figure  # noqa: E402
from ldj_analysis.publish.labels import flow_step, label, text  # noqa: E402
from ldj_analysis.vocabulary import CONDITIONS, OUTCOME_DOMAINS  # noqa: E402

_TEXT = {
    "nl": {
        "enrolment": "Inclusie",
        "allocation": "Toewijzing",
        "followup": "Metingen",
        "analysis": "Analyse",
        "included": "Teams in het onderzoek: {teams} (instellingen: {inst})\n"
        "Team-perioden: {periods}",
        "arm": "{arm}\n{teams} teams",
        "control_arm": "Controlearm",
        "experimental_arm": "Experimentele arm",
        "condition": "{cond}\n{periods} team-perioden\n({teams} teams)",
        "no_response": "zonder respons (geen afgesloten\nbehandelingen): {n}",
        "records": "Vragenlijstrecords na validatie\nn = {n}",
        "export": "Vragenlijstrecords in de export: n = {n}",
        "excluded": "Uitgesloten records (n = {n}):",
        "pairs": "Lijsten in geanalyseerde paren: {lists}\nBegin-eindparen geanalyseerd: "
        "{pairs}\nCliënten: {clients}",
        "analysed": "{cond}\nparen (= cliënten)",
        "domain_line": "{domain}: {n}",
        "note": "Teams worden per halfjaar ingedeeld in een conditie; één team telt mee in "
        "elke conditie die het had. Uitsluitingen van records gelden alle condities samen. "
        "{m} = minder dan {k} cliënten (onderdrukt).",
    },
    "en": {
        "enrolment": "Enrolment",
        "allocation": "Allocation",
        "followup": "Measurement",
        "analysis": "Analysis",
        "included": "Teams in the study: {teams} (institutions: {inst})\nTeam-periods: {periods}",
        "arm": "{arm}\n{teams} teams",
        "control_arm": "Control arm",
        "experimental_arm": "Experimental arm",
        "condition": "{cond}\n{periods} team-periods\n({teams} teams)",
        "no_response": "without response (no closed\ntreatments): {n}",
        "records": "Questionnaire records after validation\nn = {n}",
        "export": "Questionnaire records in the export: n = {n}",
        "excluded": "Records excluded (n = {n}):",
        "pairs": "Lists in analysed pairs: {lists}\nPre/post pairs analysed: {pairs}\n"
        "Clients: {clients}",
        "analysed": "{cond}\npairs (= clients)",
        "domain_line": "{domain}: {n}",
        "note": "Teams are assigned a condition per half-year; a team counts in every "
        "condition it had. Record exclusions are over all conditions together. "
        "{m} = fewer than {k} clients (suppressed).",
    },
}
VALIDATION_STEP = "excluded: record breaks the export contract (validation)"
BOX = {"boxstyle": "square,pad=0.5", "facecolor": "white", "edgecolor": "#333333", "lw": 0.9}
STAGE = {"boxstyle": "round,pad=0.4", "facecolor": "#c6dbef", "edgecolor": "#4a6f91", "lw": 0.8}


_t = partial(text, _TEXT)


def _arm(arm: str, language: str) -> str:
    key = f"{arm}_arm"
    return _t(key, language) if key in _TEXT[language] else label(arm, language)


def _clients(n: object, k: int) -> str:
    """A client count as published: "<k" for 1..k-1, else the number ("-" if unknown)."""
    if n is None or pd.isna(n):  # type: ignore[call-overload]
        return "-"
    value = int(n)  # type: ignore[arg-type]
    return privacy.marker(k) if 0 < value < k else str(value)


def _flow_count(flow: pd.DataFrame, step: str) -> int | None:
    rows = flow.loc[flow["step"] == step, "count"]
    return int(rows.iloc[0]) if len(rows) else None


def diagram_counts(
    flow: pd.DataFrame, team_periods: pd.DataFrame, table4: pd.DataFrame
) -> dict[str, object]:
    """The diagram's numbers (unsuppressed), from the flow table, Table 4, team-periods."""
    tp = privacy.refuse_client_rows(team_periods, "team_periods")
    privacy.refuse_client_rows(flow, "flow")
    privacy.refuse_client_rows(table4, "table4")
    per_condition = {
        c: {
            "periods": int((tp["condition"] == c).sum()),
            "teams": int(tp.loc[tp["condition"] == c, "team_id"].nunique()),
            # left out of the response model (Table 3): response undefined
            "no_response": int(
                (tp.loc[tp["condition"] == c, "response"].isna()).sum() if "response" in tp else 0
            ),
        }
        for c in CONDITIONS
    }
    arms = {
        str(a): int(g["team_id"].nunique()) for a, g in tp.groupby("arm", sort=True, dropna=True)
    }
    arm_to_condition = {
        (str(a), str(c))
        for a, c in tp[["arm", "condition"]].dropna().itertuples(index=False, name=None)
    }
    excluded = [
        (row.step, int(row.count))
        for row in flow.itertuples(index=False)
        if str(row.step).startswith("excluded:") and "(validation)" not in str(row.step)
    ]
    pairs = {
        (str(r.condition), str(r.domain)): int(r.n)
        for r in table4.itertuples(index=False)
        if pd.notna(r.n)
    }
    return {
        "teams": int(tp["team_id"].nunique()),
        "institutions": int(tp["institution_id"].nunique()) if "institution_id" in tp else None,
        "team_periods": len(tp),
        "arms": arms,
        "arm_to_condition": arm_to_condition,
        "conditions": per_condition,
        "export_records": _flow_count(flow, "questionnaire records in the export"),
        "validation_excluded": _flow_count(flow, VALIDATION_STEP),
        "records": _flow_count(flow, "questionnaire records after validation"),
        "excluded": excluded,
        "pairs_excluded": _flow_count(flow, "pairs without a norm group (excluded)"),
        "lists": _flow_count(flow, "lists in analysed pairs"),
        "pairs": _flow_count(flow, "pairs analysed"),
        "clients": _flow_count(flow, "clients in analysed pairs"),
        "pairs_by_condition": pairs,
    }


def _box(ax: Any, x: float, y: float, text: str, **kw: Any) -> None:
    """A text box of the diagram (BOX style, 8.5 pt unless given)."""
    style = {**BOX, **kw.pop("style", {})}
    kw.setdefault("fontsize", 8.5)
    ax.text(x, y, text, ha="center", va="center", bbox=style, **kw)


def _arrow(ax: Any, x0: float, y0: float, x1: float, y1: float) -> None:
    """An arrow from (x0, y0) to (x1, y1)."""
    ax.annotate(
        "",
        xy=(x1, y1),
        xytext=(x0, y0),
        arrowprops={"arrowstyle": "-|>", "color": "#333333", "lw": 0.9},
    )


def _stages(ax: Any, language: str) -> None:
    """The CONSORT stage labels down the left edge."""
    stages = [("enrolment", 0.93), ("allocation", 0.80), ("followup", 0.50)]
    stages.append(("analysis", 0.12))
    for key, y in stages:
        ax.text(
            0.035,
            y,
            _t(key, language),
            rotation=90,
            ha="center",
            va="center",
            fontsize=9,
            fontweight="bold",
            bbox=STAGE,
        )


def _enrolment(ax: Any, counts: dict[str, Any], language: str) -> None:
    """Enrolment: teams, institutions and team-periods."""
    inst = counts["institutions"] if counts["institutions"] is not None else "-"
    _box(
        ax,
        0.5,
        0.93,
        _t(
            "included",
            language,
            teams=counts["teams"],
            inst=inst,
            periods=counts["team_periods"],
        ),
    )


def _allocation(ax: Any, counts: dict[str, Any], language: str) -> dict[str, float]:
    """Allocation: the arms, then the conditions per team-period; the x of each condition."""
    arms = list(counts["arms"])
    arm_x = {a: x for a, x in zip(arms, _spread(len(arms), 0.3, 0.7), strict=True)}
    for arm, x in arm_x.items():
        _box(ax, x, 0.83, _t("arm", language, arm=_arm(arm, language), teams=counts["arms"][arm]))
        _arrow(ax, 0.5, 0.905, x, 0.86)
    cond_x = dict(zip(CONDITIONS, (0.22, 0.5, 0.78), strict=True))
    for cond, x in cond_x.items():
        c = counts["conditions"][cond]
        text_ = _t(
            "condition",
            language,
            cond=label(cond, language),
            periods=c["periods"],
            teams=c["teams"],
        )
        if c["no_response"]:
            text_ += "\n" + _t("no_response", language, n=c["no_response"])
        _box(ax, x, 0.71, text_)
    for arm, cond in sorted(counts["arm_to_condition"]):
        if arm in arm_x and cond in cond_x:
            _arrow(ax, arm_x[arm], 0.805, cond_x[cond], 0.745)
    return cond_x


def _follow_up(ax: Any, counts: dict[str, Any], language: str, k: int) -> None:
    """Follow-up: the record flow with its exclusions, down to the pairs."""
    top = 0.58
    if counts["export_records"] is not None:
        _box(ax, 0.3, 0.625, _t("export", language, n=_clients(counts["export_records"], k)))
        step = flow_step(VALIDATION_STEP, language)
        n_invalid = _clients(counts["validation_excluded"], k)
        _box(ax, 0.78, 0.625, f"{_wrap(step, 40)}: {n_invalid}", fontsize=7.5)
    _box(ax, 0.3, top, _t("records", language, n=_clients(counts["records"], k)))
    n_excluded = sum(n for _, n in counts["excluded"])
    lines = [_t("excluded", language, n=_clients(n_excluded, k))]
    for step, n in counts["excluded"]:
        reason = flow_step(step, language).split(":", 1)[-1].strip()
        lines.append(f"• {_wrap(reason, 62)}: {_clients(n, k)}")
    ax.text(
        0.47,
        0.45,
        "\n".join(lines),
        ha="left",
        va="center",
        fontsize=7.3,
        bbox=BOX,
        linespacing=1.25,
    )
    _arrow(ax, 0.3, top - 0.03, 0.3, 0.345)
    _arrow(ax, 0.3, 0.45, 0.455, 0.45)
    lists, pairs = _clients(counts["lists"], k), _clients(counts["pairs"], k)
    clients = _clients(counts["clients"], k)
    _box(ax, 0.3, 0.3, _t("pairs", language, lists=lists, pairs=pairs, clients=clients))


def _analysis(
    ax: Any, counts: dict[str, Any], cond_x: dict[str, float], language: str, k: int
) -> None:
    """Analysis: pairs (= clients) per condition and domain."""
    for cond, x in cond_x.items():
        rows = [_t("analysed", language, cond=label(cond, language))]
        for domain in OUTCOME_DOMAINS:
            n = counts["pairs_by_condition"].get((cond, domain), 0)
            rows.append(
                _t("domain_line", language, domain=label(domain, language), n=_clients(n, k))
            )
        _box(ax, x, 0.12, "\n".join(rows))
        _arrow(ax, 0.3, 0.265, x, 0.175)


def figure_flow(
    flow: pd.DataFrame,
    team_periods: pd.DataFrame,
    table4: pd.DataFrame,
    language: str,
    min_cell_size: int = 7,
) -> Figure:
    """The CONSORT-style flow diagram (boxes and arrows) in ``language``: the four stages,
    each drawn by its own function in the page's order."""
    k = min_cell_size
    counts = diagram_counts(flow, team_periods, table4)
    with matplotlib.rc_context(RC):
        fig = new_figure(10.5, 10.0)
        ax = fig.add_subplot()
        ax.set_xlim(0, 1)
        ax.set_ylim(0, 1)
        ax.set_axis_off()
        _stages(ax, language)
        _enrolment(ax, counts, language)
        cond_x = _allocation(ax, counts, language)
        _follow_up(ax, counts, language, k)
        _analysis(ax, counts, cond_x, language, k)
        fig.supxlabel(
            _wrap(_t("note", language, m=privacy.marker(k), k=k), 150),
            fontsize=7.5,
            color="#444444",
        )
    return fig


def _spread(n: int, low: float, high: float) -> list[float]:
    if n == 1:
        return [(low + high) / 2]
    return [low + i * (high - low) / (n - 1) for i in range(n)]


def _wrap(text: str, width: int) -> str:
    import textwrap

    return "\n  ".join(textwrap.wrap(text, width)) if len(text) > width else text
