"""Replications in seeded chunks. Replication r of a scenario with J teams draws its data from
the seed sequence (simulation.seed, r, J), whatever chunk it runs in: the gathered results
are the same for any chunking, and asking for more replications only adds chunks.

Scenarios (one row of results per replication, scenario, spec, term and method):
- ``size``: the design as it is, no effect, every configured spec;
- ``trend``: the design with a secular trend and no condition effect (if configured);
- ``power``: the design scaled to each number of teams of ``simulation.teams`` (and its own
  number), at each standardized effect of ``simulation.effects`` (and 0), ``power_spec``;
  none when ``simulation.effects`` is empty.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.simulation.chunks import chunk_ranges
from ldj_analysis.simulation.design import Design
from ldj_analysis.simulation.fixed import ROW_FIELDS, FixedDesignTests
from ldj_analysis.simulation.generate import Draw, draw
from ldj_analysis.simulation.specs import SPEC_MATRICES

__all__ = ["chunk_ranges", "gather", "run_replications", "scenarios", "write_chunk"]

log = logging.getLogger(__name__)

KEYS: list[str] = ["kind", "teams", "effect", "trend", "spec", "term", "method"]
RESULT_COLUMNS: list[str] = [
    "rep",
    *KEYS,
    "estimate",
    "se",
    "df",
    "statistic",
    "p",
    "error",
]


@dataclass(frozen=True)
class Scenario:
    kind: str  # size | trend | power
    teams: int
    effect: float
    trend: float
    specs: tuple[str, ...]


def scenarios(sim: Mapping[str, Any], design_teams: int) -> list[Scenario]:
    """The scenarios of ``simulation.*`` for a design with ``design_teams`` teams."""
    specs = tuple(sim["specs"])
    out = [Scenario("size", design_teams, 0.0, 0.0, specs)]
    if float(sim["trend"]) != 0.0:
        out.append(Scenario("trend", design_teams, 0.0, float(sim["trend"]), specs))
    if not sim["effects"]:
        return out
    teams = sorted({design_teams, *map(int, sim["teams"])})
    effects = sorted({0.0, *map(float, sim["effects"])})
    for j in teams:
        for d in effects:
            out.append(Scenario("power", j, d, 0.0, (sim["power_spec"],)))
    return out


def replication_rng(seed: int, rep: int, teams: int) -> np.random.Generator:
    """The generator of replication ``rep`` of a design with ``teams`` teams."""
    return np.random.default_rng(np.random.SeedSequence([int(seed), int(rep), int(teams)]))


def run_replications(
    design: Design,
    icc: float,
    sim: Mapping[str, Any],
    start: int,
    stop: int,
) -> pd.DataFrame:
    """Replications ``start`` .. ``stop - 1`` of every scenario; one row per replication,
    scenario, spec, term and method (columns ``RESULT_COLUMNS``). p-values, not decisions:
    ``models.alpha`` is applied when gathering, so changing it reruns no chunk. A method
    that cannot be computed gives rows with p missing and the reason in ``error`` (e.g. CR3
    with team fixed effects, where I - H_gg is singular)."""
    from threadpoolctl import threadpool_limits

    # Many small matrix products: one BLAS thread each, parallel across chunks (jobs).
    with threadpool_limits(limits=1, user_api="blas"):
        return _replications(design, icc, sim, start, stop)


def _replications(
    design: Design, icc: float, sim: Mapping[str, Any], start: int, stop: int
) -> pd.DataFrame:
    from ldj_analysis.models.small_sample import WildOptions

    plan = scenarios(sim, design.n_teams)
    by_teams: dict[int, list[Scenario]] = {}
    for s in plan:
        by_teams.setdefault(s.teams, []).append(s)
    designs = {j: design if j == design.n_teams else design.scaled(j) for j in by_teams}
    methods = list(sim["methods"])
    wild = sim["wild"]
    tests: dict[tuple[int, str], FixedDesignTests | tuple[list[str], str]] = {}
    keys: list[tuple[Any, ...]] = []
    values: list[np.ndarray] = []
    errors: list[str] = []
    step = max(1, (stop - start) // 10)
    for rep in range(start, stop):
        if (rep - start) % step == 0:
            log.info("replication %d (chunk %d..%d)", rep, start, stop - 1)
        for j, group in by_teams.items():
            rng = replication_rng(sim["seed"], rep, j)
            data = draw(designs[j], icc, rng)
            options = WildOptions(
                max_enumeration=int(wild["max_enumeration"]),
                draws=int(wild["draws"]),
                seed=int(rng.integers(2**31 - 1)),
                ci=False,
            )
            for s in group:
                y = data.outcome(s.effect, float(sim["partial_share"]), s.trend)
                for spec in s.specs:
                    if (j, spec) not in tests:
                        tests[j, spec] = _fixed_tests(data, spec, methods, j)
                    fixed = tests[j, spec]
                    if isinstance(fixed, FixedDesignTests):
                        terms = fixed.test
                        result, failed = fixed.run(y, options)
                    else:  # the model cannot be fitted on this design at all
                        terms, reason = fixed
                        result = np.full((len(terms), len(methods), len(ROW_FIELDS)), np.nan)
                        failed = dict.fromkeys(methods, reason)
                    for t, term in enumerate(terms):
                        for m, method in enumerate(methods):
                            keys.append((rep, s.kind, j, s.effect, s.trend, spec, term, method))
                            values.append(result[t, m])
                            errors.append(failed.get(method, ""))
    out = pd.DataFrame(keys, columns=RESULT_COLUMNS[:8])
    out[list(ROW_FIELDS)] = np.array(values).reshape(len(values), len(ROW_FIELDS))
    out["error"] = errors
    return out.astype({"rep": "int64", "teams": "int64"})[RESULT_COLUMNS]


def _fixed_tests(
    data: Draw, spec: str, methods: list[str], teams: int
) -> FixedDesignTests | tuple[list[str], str]:
    """The fixed-design tests of ``spec``, or (terms, reason) if its design is unusable."""
    from ldj_analysis.models.regression import ModelError

    X, names, terms = SPEC_MATRICES[spec](data.condition, data.halfyear, data.team)
    name = f"simulation:{spec}:J={teams}"
    try:
        return FixedDesignTests(X, data.team, names, terms, methods, name=name)
    except ModelError as exc:
        log.warning("%s", exc)
        return terms, str(exc)


def write_chunk(frame: pd.DataFrame, path: str | Path) -> Path:
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    frame.to_parquet(out, index=False)
    return out


def gather(paths: Sequence[str | Path]) -> pd.DataFrame:
    """All chunks in one frame, ordered by replication (the same for any chunking)."""
    if not paths:
        raise ValueError("no simulation chunks to gather")
    frame = pd.concat([pd.read_parquet(p) for p in paths], ignore_index=True)
    per_rep = frame.groupby("rep").size()
    twice = frame.duplicated(["rep", *KEYS]).any()
    if per_rep.index.tolist() != list(range(per_rep.size)) or per_rep.nunique() != 1 or twice:
        raise ValueError("the chunks do not cover replications 0, 1, ... once each")
    return frame.sort_values("rep", kind="stable").reset_index(drop=True)[RESULT_COLUMNS]
