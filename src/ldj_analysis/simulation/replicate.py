"""Replications in seeded chunks. Replication r of a scenario set with J teams draws its data
from the seed sequence (simulation.seed, r, J, *stream of the set; the client-level set has
none), whatever chunk it runs in: the gathered results are the same for any chunking, and
asking for more replications only adds chunks.

Scenarios (one row of results per replication, set, scenario, spec, term and method), as the
set's ``kinds`` allow (``simulation.sets``):
- ``size``: the design as it is, no effect, every configured spec, at the set's ICC;
- ``trend``: the design with a secular trend and no condition effect (if configured);
- ``power``: the design scaled to each number of teams of ``simulation.teams`` (and its own
  number), at each standardized effect of ``simulation.effects`` (and 0), ``power_spec``;
  none when ``simulation.effects`` is empty;
- ``power_effect`` (team-period sets): kind ``power`` at the set's own design with the effect
  ``team_periods.power_effect``, ``power_spec``: which of the methods that keep alpha has
  the most power;
- ``icc``: no effect, ``icc_sensitivity.spec``, at each ICC of ``icc_sensitivity.values``
  (common random numbers: the same standard-normal draws at every ICC).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.simulation.chunks import chunk_ranges
from ldj_analysis.simulation.design import Design
from ldj_analysis.simulation.fixed import ROW_FIELDS, FixedDesignTests
from ldj_analysis.simulation.generate import Draw, draw
from ldj_analysis.simulation.sets import CLIENT_KINDS, CLIENT_MODEL, ScenarioSet
from ldj_analysis.simulation.specs import SPEC_MATRICES

__all__ = [
    "chunk_ranges",
    "client_set",
    "gather",
    "run_replications",
    "scenarios",
    "write_chunk",
]

log = logging.getLogger(__name__)

KEYS: list[str] = [
    "model",
    "outcome",
    "kind",
    "teams",
    "icc",
    "effect",
    "trend",
    "spec",
    "term",
    "method",
]
RESULT_COLUMNS: list[str] = ["rep", *KEYS, *ROW_FIELDS, "error"]


@dataclass(frozen=True)
class Scenario:
    kind: str  # size | trend | power | icc
    teams: int
    effect: float
    trend: float
    specs: tuple[str, ...]
    icc: float


def client_set(design: Design, icc: float, domain: str = "opgroei") -> ScenarioSet:
    """A client-level scenario set of ``design`` at a set ICC (every client-level kind)."""
    components = {"source": "given", "icc": float(icc)}
    return ScenarioSet(CLIENT_MODEL, domain, design, components, CLIENT_KINDS)


def scenarios(sim: Mapping[str, Any], scenario_set: ScenarioSet) -> list[Scenario]:
    """The scenarios of ``simulation.*`` that ``scenario_set`` runs."""
    kinds, j, icc = scenario_set.kinds, scenario_set.design.n_teams, scenario_set.icc
    specs = tuple(sim["specs"])
    out = []
    if "size" in kinds:
        out.append(Scenario("size", j, 0.0, 0.0, specs, icc))
    if "trend" in kinds and float(sim["trend"]) != 0.0:
        out.append(Scenario("trend", j, 0.0, float(sim["trend"]), specs, icc))
    if "power" in kinds and sim["effects"]:
        effects = sorted({0.0, *map(float, sim["effects"])})
        for teams in sorted({j, *map(int, sim["teams"])}):
            out += [Scenario("power", teams, d, 0.0, (sim["power_spec"],), icc) for d in effects]
    d = float(sim["team_periods"]["power_effect"])
    if "power_effect" in kinds and d > 0:  # power of the methods at one effect, own design
        out.append(Scenario("power", j, d, 0.0, (sim["power_spec"],), icc))
    if "icc" in kinds:
        spec = (sim["icc_sensitivity"]["spec"],)
        out += [
            Scenario("icc", j, 0.0, 0.0, spec, float(v)) for v in sim["icc_sensitivity"]["values"]
        ]
    return out


def replication_rng(
    seed: int, rep: int, teams: int, stream: Sequence[int] = ()
) -> np.random.Generator:
    """The generator of replication ``rep`` of a design with ``teams`` teams (and a set's
    ``stream``)."""
    return np.random.default_rng(
        np.random.SeedSequence([int(seed), int(rep), int(teams), *map(int, stream)])
    )


def run_replications(
    sets: Sequence[ScenarioSet],
    sim: Mapping[str, Any],
    start: int,
    stop: int,
) -> pd.DataFrame:
    """Replications ``start`` .. ``stop - 1`` of every scenario of every set; one row per
    replication, set, scenario, spec, term and method (columns ``RESULT_COLUMNS``). p-values,
    not decisions: ``models.alpha`` is applied when gathering, so changing it reruns no chunk.
    A method that cannot be computed gives rows with p missing and the reason in ``error``
    (e.g. CR3 with team fixed effects, where I - H_gg is singular)."""
    from threadpoolctl import threadpool_limits

    # Many small matrix products: one BLAS thread each, parallel across chunks (jobs).
    with threadpool_limits(limits=1, user_api="blas"):
        return _replications(list(sets), sim, start, stop)


def _replications(
    sets: list[ScenarioSet], sim: Mapping[str, Any], start: int, stop: int
) -> pd.DataFrame:
    plans = []
    for k, scenario_set in enumerate(sets):
        by_teams: dict[int, list[Scenario]] = {}
        for s in scenarios(sim, scenario_set):
            by_teams.setdefault(s.teams, []).append(s)
        design = scenario_set.design
        designs = {j: design if j == design.n_teams else design.scaled(j) for j in by_teams}
        plans.append((k, scenario_set, by_teams, designs))
    tests: dict[tuple[int, int, str], FixedDesignTests | tuple[list[str], str]] = {}
    keys: list[tuple[Any, ...]] = []
    values: list[np.ndarray] = []
    errors: list[str] = []
    step = max(1, (stop - start) // 10)
    for rep in range(start, stop):
        if (rep - start) % step == 0:
            log.info("replication %d (chunk %d..%d)", rep, start, stop - 1)
        for k, scenario_set, by_teams, designs in plans:
            for j, group in by_teams.items():
                rng = replication_rng(sim["seed"], rep, j, scenario_set.stream)
                data = draw(designs[j], scenario_set.icc, rng)
                head = (rep, scenario_set.model, scenario_set.outcome)
                for row, result, error in _draw_rows(data, group, sim, rng, tests, (k, j)):
                    keys.append((*head, *row))
                    values.append(result)
                    errors.append(error)
    out = pd.DataFrame(keys, columns=RESULT_COLUMNS[: 1 + len(KEYS)])
    out[list(ROW_FIELDS)] = np.array(values).reshape(len(values), len(ROW_FIELDS))
    out["error"] = errors
    return out.astype({"rep": "int64", "teams": "int64"})[RESULT_COLUMNS]


def _draw_rows(
    data: Draw,
    group: list[Scenario],
    sim: Mapping[str, Any],
    rng: np.random.Generator,
    tests: dict[tuple[int, int, str], FixedDesignTests | tuple[list[str], str]],
    where: tuple[int, int],
) -> Iterator[tuple[tuple[Any, ...], np.ndarray, str]]:
    """(key fields after the set's, result row, error) of every scenario on one draw; the
    fixed-design tests of each (set, teams, spec) are built once and kept in ``tests``."""
    from ldj_analysis.models.small_sample import WildOptions

    methods = list(sim["methods"])
    wild = sim["wild"]
    options = WildOptions(
        max_enumeration=int(wild["max_enumeration"]),
        draws=int(wild["draws"]),
        seed=int(rng.integers(2**31 - 1)),
        ci=False,
    )
    j = where[1]
    for s in group:
        y = data.outcome(s.effect, float(sim["partial_share"]), s.trend, s.icc)
        for spec in s.specs:
            if (*where, spec) not in tests:
                tests[(*where, spec)] = _fixed_tests(data, spec, methods, j)
            fixed = tests[(*where, spec)]
            if isinstance(fixed, FixedDesignTests):
                terms = fixed.test
                result, failed = fixed.run(y, options)
            else:  # the model cannot be fitted on this design at all
                terms, reason = fixed
                result = np.full((len(terms), len(methods), len(ROW_FIELDS)), np.nan)
                failed = dict.fromkeys(methods, reason)
            for t, term in enumerate(terms):
                for m, method in enumerate(methods):
                    row = (s.kind, j, s.icc, s.effect, s.trend, spec, term, method)
                    yield row, result[t, m], failed.get(method, "")


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
