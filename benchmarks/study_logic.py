"""Benchmark of the study logic (conditions, checklist, pairing, pseudonyms, all of derive).

Builds a large random export in code (not the synthetic-data generator) and prints the
wall time and rows per second of each call, and the time of each recipe step. Usage:

    python benchmarks/study_logic.py --rows 1000000
"""

from __future__ import annotations

import argparse
import logging
import time

import numpy as np
import pandas as pd

from ldj_analysis import conditions
from ldj_analysis.checklist import checklist_scores
from ldj_analysis.config import validate_config
from ldj_analysis.derive import derive
from ldj_analysis.export import Export
from ldj_analysis.norms import DEFAULT_NORMS_FILE, load_norms
from ldj_analysis.pairing import select_pairs
from ldj_analysis.pseudonym import pseudonymise
from ldj_analysis.vocabulary import CHECKLIST_ITEMS

INFORMANTS = np.array(["moeder", "vader", "stiefmoeder", "groepsleider", "jeugdige", "leerkracht"])
INFORMANT_P = [0.45, 0.25, 0.05, 0.1, 0.1, 0.05]
OPGROEI = np.array(["CBCL_6-18", "CBCL_1.5-5", "SDQ_ouder", "SIER"])
OPVOED = np.array(["OBVL", "GVL"])


def build(rows: int, seed: int = 1) -> Export:
    """About ``rows`` questionnaire records: ~4 lists per treatment, 1.2 treatments per client."""
    rng = np.random.default_rng(seed)
    n_treat = max(rows // 4, 10)
    n_clients = max(int(n_treat / 1.2), 5)
    n_teams = max(16, n_clients // 500)
    team_ids = np.array([f"T{i}" for i in range(n_teams)])
    teams = pd.DataFrame(
        {
            "team_id": team_ids,
            "institution_id": np.array([f"I{i % 40 + 1}" for i in range(n_teams)]),
            "care_type": "ambulant",
            "arm": np.where(np.arange(n_teams) % 3 == 0, "control", "experimental"),
        }
    ).astype({c: "str" for c in ("team_id", "institution_id", "care_type", "arm")})
    starts = pd.to_datetime(["2018-01-01", "2018-07-01", "2019-01-01", "2019-07-01"])
    ends = pd.to_datetime(["2018-06-30", "2018-12-31", "2019-06-30", "2019-11-30"])
    impl = pd.DataFrame(
        {
            "team_id": np.repeat(team_ids, 4),
            "moment": np.tile(np.arange(1, 5), n_teams),
            "period_start": np.tile(starts, n_teams),
            "period_end": np.tile(ends, n_teams),
        }
    )
    impl["filled_on"] = impl["period_end"]
    impl["closed_treatments"] = rng.integers(0, 200, len(impl))
    training = pd.Timestamp("2018-05-01") + pd.to_timedelta(rng.integers(0, 300, n_teams), "D")
    dashboard = training + pd.to_timedelta(rng.integers(30, 400, n_teams), "D")
    impl["training_date"] = np.repeat(training, 4)
    impl["dashboard_date"] = np.repeat(dashboard, 4)
    impl["instrument_opgroei"] = np.repeat(rng.choice(OPGROEI, n_teams), 4)
    impl["instrument_opvoed"] = np.repeat(rng.choice(OPVOED, n_teams), 4)
    impl = impl.astype(
        {
            "team_id": "str",
            "instrument_opgroei": "str",
            "instrument_opvoed": "str",
            "moment": "Int64",
            "closed_treatments": "Int64",
        }
    )
    items = rng.integers(0, 3, (len(impl), 25)).astype("float64")
    items[rng.random(items.shape) < 0.02] = np.nan
    chk = pd.DataFrame(items, columns=list(CHECKLIST_ITEMS)).astype("Int64")
    chk.insert(0, "filled_on", impl["period_end"] + pd.Timedelta(days=10))
    chk.insert(0, "moment", impl["moment"])
    chk.insert(0, "team_id", impl["team_id"])
    for g in ("grade_collection", "grade_use", "grade_preconditions"):
        chk[g] = np.nan
    client_ids = pd.Series([f"C{i}" for i in range(n_clients)], dtype="str")
    birth = pd.Timestamp("2000-01-01") + pd.to_timedelta(rng.integers(0, 6000, n_clients), "D")
    clients = pd.DataFrame(
        {
            "client_id": client_ids,
            "sex": pd.Series(rng.choice(["m", "f"], n_clients), dtype="str"),
            "birth_date": birth,
        }
    )
    t_client = rng.integers(0, n_clients, n_treat)
    t_start = pd.Timestamp("2017-01-01") + pd.to_timedelta(rng.integers(0, 1000, n_treat), "D")
    t_end = t_start + pd.to_timedelta(rng.integers(30, 700, n_treat), "D")
    t_end = pd.Series(t_end).where(rng.random(n_treat) > 0.1)
    t_start = pd.Series(t_start)
    treatments = pd.DataFrame(
        {
            "treatment_id": pd.Series([f"B{i}" for i in range(n_treat)], dtype="str"),
            "client_id": client_ids.to_numpy()[t_client],
            "team_id": team_ids[rng.integers(0, n_teams, n_treat)],
            "start_date": t_start,
            "end_date": t_end,
        }
    ).astype({"client_id": "str", "team_id": "str"})
    # Lists: each treatment gets ~rows/n_treat lists around its start and end.
    per = rng.poisson(rows / n_treat, n_treat)
    t_idx = np.repeat(np.arange(n_treat), per)
    n = len(t_idx)
    occasion = rng.choice(np.array(["begin", "eind", "tussen"]), n, p=[0.45, 0.45, 0.1])
    base = np.where(
        occasion == "begin",
        t_start.to_numpy()[t_idx],
        t_end.fillna(t_start + pd.Timedelta(days=365)).to_numpy()[t_idx],
    )
    base = base.astype("datetime64[ns]")
    filled = pd.Series(base) + pd.to_timedelta(rng.integers(-10, 10, n), "D")
    team_of_t = treatments["team_id"].to_numpy()
    inst_opg = impl.drop_duplicates("team_id").set_index("team_id")["instrument_opgroei"]
    inst_opv = impl.drop_duplicates("team_id").set_index("team_id")["instrument_opvoed"]
    domain_opg = rng.random(n) < 0.55
    instr = np.where(
        domain_opg,
        inst_opg.reindex(team_of_t[t_idx]).to_numpy(),
        inst_opv.reindex(team_of_t[t_idx]).to_numpy(),
    )
    q = pd.DataFrame(
        {
            "record_id": pd.Series([f"Q{i}" for i in range(n)], dtype="str"),
            "client_id": treatments["client_id"].to_numpy()[t_idx],
            "treatment_id": pd.Series(
                treatments["treatment_id"].to_numpy()[t_idx], dtype="str"
            ).where(rng.random(n) > 0.2),
            "instrument": instr,
            "informant": rng.choice(INFORMANTS, n, p=INFORMANT_P),
            "occasion": occasion,
            "filled_on": filled,
            "raw_total": np.where(
                rng.random(n) < 0.05, np.nan, rng.integers(0, 80, n).astype(float)
            ),
        }
    ).astype(
        {c: "str" for c in ("client_id", "treatment_id", "instrument", "informant", "occasion")}
    )
    return Export(teams, impl, chk, clients, treatments, q)


def timed(label: str, rows: int, fn):
    t0 = time.perf_counter()
    out = fn()
    dt = time.perf_counter() - t0
    print(f"{label:<28} {rows:>12,d} rows {dt:8.2f} s {rows / dt:14,.0f} rows/s")
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    args = ap.parse_args()
    cfg = validate_config({})
    norms = load_norms(DEFAULT_NORMS_FILE)
    t0 = time.perf_counter()
    ex = build(args.rows)
    n = len(ex.questionnaires)
    print(
        f"built export: {n:,d} questionnaire rows, {len(ex.treatments):,d} treatments, "
        f"{len(ex.clients):,d} clients, {len(ex.teams):,d} teams "
        f"({time.perf_counter() - t0:.1f} s)"
    )
    tp, _ = timed(
        "conditions", len(ex.implementation), lambda: conditions.team_periods_base(ex, cfg)
    )
    scores = timed("checklist", len(ex.checklist), lambda: checklist_scores(ex.checklist, 0.2))
    tp = tp.merge(scores, on=["team_id", "moment"])
    res = timed(
        "pairing (select_pairs)",
        n,
        lambda: select_pairs(ex.questionnaires, ex.treatments, ex.teams, tp, cfg["pairing"]),
    )
    print(f"  -> {len(res.pairs):,d} pairs, {len(res.exclusions):,d} exclusion rows")
    timed("pseudonyms", len(res.pairs), lambda: pseudonymise(res.pairs["client_id"], b"bench"))
    steps_log = logging.getLogger("ldj_analysis.steps")  # one line per recipe step
    steps_log.addHandler(logging.StreamHandler())
    steps_log.setLevel(logging.INFO)
    timed(
        "derive (all steps)",
        n,
        lambda: derive(ex, cfg, norms=norms, pseudonym_key=b"bench", synthetic_export=True),
    )


if __name__ == "__main__":
    main()
