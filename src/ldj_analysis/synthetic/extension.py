"""Continuing the synthetic study after 2019 (``last_year`` > 2019), for reruns on new periods.

The published study is left as it is; the extension appends half-year moments from January
2020 to December of ``last_year``:

* the experimental and control teams that were still measuring at the end of 2019 go on
  (teams that stopped after three moments, 3, 13 and 7, have left); team 5 gets its
  dashboards in the extension's third half-year, team 6 never; teams that had dashboards stay
  full, and teams 2 and 14, whose dashboards came within 42 days of their last 2019 checklist,
  become full at once;
* three new teams: one that joins late (2021) and goes from control through partial to
  full, a control team measured only once, and an experimental team measured twice;
* per new team-period a few clean clients with a start and an end list of the team's
  instruments (mother informant, the group worker in I4), with a treatment in the team.

Latent truths (period, intended condition, the number of pairs built per domain) are
returned with the records, so that tests can hold the pipeline's output against them. The
extension's latent values are plausible, not calibrated: nothing was published for 2020-.
It uses its own random stream, so the study part of the export does not depend on it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ldj_analysis.synthetic import design

DAY = np.timedelta64(1, "D")

#: Base teams' extension plan: team -> first extension moment (1-based) with dashboards,
#: 0 = full from the start (dashboard already given), None = no dashboard (stays partial).
BASE_DASHBOARD: dict[str, int | None] = {"5": 3, "6": None}

#: New teams: id offset (after the last base team) -> (institution, care type, arm,
#: first half-year (0 = 2020 H1), training (moment, day offset from that moment's checklist)
#: or None, dashboard likewise, instruments (opgroei, opvoed), intended condition per moment).
NEW_TEAMS: dict[int, tuple] = {
    1: (
        "I2", "ambulant", "experimental", 2, (1, 20), (3, -70), ("CBCL_6-18", "OBVL"),
        ("control", "partial", "full", "full"),
    ),
    2: ("I3", "ambulant", "control", 1, None, None, ("SDQ_ouder", "GVL"), ("control",)),
    3: (
        "I1", "dagbehandeling", "experimental", 0, (1, -100), None, ("CBCL_1.5-5", "OBVL"),
        ("partial", "partial"),
    ),
}  # fmt: skip

MOTHERS = ("moeder", "stiefmoeder", "pleegmoeder", "grootmoeder", "adoptiemoeder")


def _half_bounds(half: np.ndarray, shift: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Start and end of half-year ``half`` (0 = 2020 H1), shifted by ``shift`` days."""
    year = 2020 + half // 2
    first = half % 2 == 0
    start = np.array(
        [f"{y}-01-01" if f else f"{y}-07-01" for y, f in zip(year, first, strict=True)],
        "datetime64[D]",
    )
    end = np.array(
        [f"{y}-06-30" if f else f"{y}-12-31" for y, f in zip(year, first, strict=True)],
        "datetime64[D]",
    )
    return start + shift * DAY, end + shift * DAY


def extension_team_periods(tp: pd.DataFrame, last_year: int, rng) -> pd.DataFrame:
    """Team-periods after 2019: continuing base teams and the new teams, with dates."""
    n_halves = 2 * (last_year - 2019)
    last = tp.sort_values("moment").groupby("team_id").tail(1)
    going_on = last[last["n_mom"] == 4]
    rows = []
    for row in going_on.itertuples(index=False):
        if row.arm == "control":
            plan, intended = None, ["control"] * n_halves
        elif pd.notna(row.dashboard_date):
            plan, intended = None, ["full"] * n_halves
        else:
            plan = BASE_DASHBOARD.get(row.team)
            intended = [
                "full" if plan is not None and h + 1 >= plan else "partial" for h in range(n_halves)
            ]
        for h in range(n_halves):
            rows.append(
                {
                    "team_id": row.team_id,
                    "team": row.team,
                    "institution": row.institution,
                    "care": row.care,
                    "arm": row.arm,
                    "moment": 4 + h + 1,
                    "ext_moment": h + 1,
                    "half": h,
                    "shift": design.PERIOD_SHIFT[row.team],
                    "training_base": row.training_date,
                    "dashboard_base": row.dashboard_date,
                    "plan_dashboard": plan,
                    "instr_og": row.instr_og,
                    "instr_ov": row.instr_ov,
                    "new": False,
                    "condition": intended[h],
                }
            )
    n_base = tp["team_id"].astype(int).max()
    for offset, (inst, care, arm, first, _tr, _da, instr, intended) in NEW_TEAMS.items():
        for m in range(len(intended)):
            if first + m >= n_halves:
                break
            rows.append(
                {
                    "team_id": str(n_base + offset),
                    "team": f"new{offset}",
                    "institution": inst,
                    "care": care,
                    "arm": arm,
                    "moment": m + 1,
                    "ext_moment": m + 1,
                    "half": first + m,
                    "shift": 0,
                    "training_base": pd.NaT,
                    "dashboard_base": pd.NaT,
                    "plan_dashboard": None,
                    "instr_og": instr[0],
                    "instr_ov": instr[1],
                    "new": True,
                    "condition": intended[m],
                }
            )
    ext = pd.DataFrame(rows)
    if ext.empty:
        return ext
    start, end = _half_bounds(ext["half"].to_numpy(), ext["shift"].to_numpy())
    ext["period_start"], ext["period_end"] = start, end
    n = len(ext)
    ext["checklist_on"] = end + rng.integers(3, 26, n) * DAY
    ext["impl_on"] = ext["checklist_on"].to_numpy() + rng.integers(0, 7, n) * DAY
    return _implementation_dates(ext, rng)


def _implementation_dates(ext: pd.DataFrame, rng) -> pd.DataFrame:
    """Training and dashboard dates per team, placed (as the study's design does) so that
    the 42-day rule gives each team-period its intended condition."""
    ref = ext.set_index(["team_id", "ext_moment"])["checklist_on"]
    train = ext["training_base"].astype("datetime64[ns]").copy()
    dash = ext["dashboard_base"].astype("datetime64[ns]").copy()
    for team_id, group in ext.groupby("team_id"):
        first = group.iloc[0]
        if first["new"]:
            _, _, _, _, tr, da, _, _ = NEW_TEAMS[int(first["team"].removeprefix("new"))]
        else:
            tr = None
            plan = first["plan_dashboard"]
            da = (plan, -int(rng.integers(60, 121))) if plan else None
        idx = group.index
        if tr is not None:
            train[idx] = ref[(team_id, tr[0])] + tr[1] * DAY
        if da is not None and (team_id, da[0]) in ref.index:
            dash[idx] = ref[(team_id, da[0])] + da[1] * DAY
    impl_on = ext["impl_on"].to_numpy("datetime64[ns]")
    ext["training_date"] = train.where(train.to_numpy() <= impl_on)
    ext["dashboard_date"] = dash.where(dash.to_numpy() <= impl_on)
    return ext


def extension_checklist(ext: pd.DataFrame, rng) -> pd.DataFrame:
    """Complete checklists (0/1/2 per item), higher on average under the feedback system."""
    level = ext["condition"].map({"control": 0.9, "partial": 1.1, "full": 1.3}).to_numpy()
    p2 = np.clip(level / 2, 0.05, 0.95)[:, None]
    u = rng.random((len(ext), 25))
    items = np.where(u < p2 * 0.8, 2.0, np.where(u < 0.8, 1.0, 0.0))
    frame = pd.DataFrame(items, columns=[f"item_{i:02d}" for i in range(1, 26)])
    frame.insert(0, "team_id", ext["team_id"].to_numpy())
    frame.insert(1, "moment", ext["moment"].to_numpy())
    frame.insert(2, "filled_on", ext["checklist_on"].to_numpy())
    for grade in ("grade_collection", "grade_use", "grade_preconditions"):
        frame[grade] = np.nan
    return frame


def extension_clients(
    ext: pd.DataFrame, norms: pd.DataFrame, rng, age_bounds, norm_lookup, whole_years
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Clean clients with pairs per extension team-period; returns clients, treatments,
    lists (start and end lists, text ids) and the truth per team-period (pairs per domain).

    ``age_bounds``, ``norm_lookup`` and ``whole_years`` are the generator's own helpers."""
    n_clients = rng.poisson(9, len(ext)) + 3
    t = np.repeat(np.arange(len(ext)), n_clients)
    n = len(t)
    og = ext["instr_og"].to_numpy()[t]
    has_ov = pd.notna(ext["instr_ov"].to_numpy()[t]) & (rng.random(n) < 0.7)
    ov = np.where(has_ov, ext["instr_ov"].to_numpy()[t], None)
    sex = rng.choice(np.array(["m", "f"], dtype=object), n, p=(0.6, 0.4))
    k = (313.0 / 174.0) ** 2
    dur = np.clip(np.round(rng.gamma(k, 313.0 / k, n)), 60, 900)
    lo1, hi1 = age_bounds(og, sex, dur, norms)
    lo2, hi2 = age_bounds(ov, sex, dur, norms)
    lo, hi = np.maximum(lo1, lo2), np.minimum(hi1, hi2)
    age = lo + rng.random(n) * (hi - lo)
    ps = ext["period_start"].to_numpy("datetime64[D]")[t]
    pe = ext["period_end"].to_numpy("datetime64[D]")[t]
    post = ps + np.floor(rng.random(n) * ((pe - ps) / DAY + 1)).astype(int) * DAY
    end = post + rng.integers(0, 11, n) * DAY
    start = end - dur.astype(int) * DAY
    pre = start + rng.integers(0, 10, n) * DAY
    birth = post - np.round(age * 365.25).astype(int) * DAY
    i4 = (ext["institution"].to_numpy() == design.GROUP_WORKER_INSTITUTION)[t]
    informant = np.where(i4, "groepsleider", rng.choice(MOTHERS, n)).astype(object)
    client_id = np.array([f"KX{v:06d}" for v in range(1, n + 1)], dtype=object)
    treatment_id = np.array([f"BX{v:06d}" for v in range(1, n + 1)], dtype=object)
    clients = pd.DataFrame({"client_id": client_id, "sex": sex, "birth_date": birth})
    treatments = pd.DataFrame(
        {
            "treatment_id": treatment_id,
            "client_id": client_id,
            "team_id": ext["team_id"].to_numpy()[t],
            "start_date": start,
            "end_date": end,
        }
    )
    lists = []
    for instrument, used in ((og, np.ones(n, bool)), (ov, has_ov)):
        ins = instrument[used]
        z_pre = rng.normal(1.7, 1.6, used.sum())
        z_post = 0.65 * z_pre + rng.normal(0.0, 1.2, used.sum())
        for occasion, date, z in (("begin", pre, z_pre), ("eind", post, z_post)):
            age_then = whole_years(birth[used], date[used])
            mean, sd, sign = norm_lookup(norms, ins, sex[used], age_then)
            raw = np.maximum(np.round(mean + sign * z * sd), 0.0)
            lists.append(
                pd.DataFrame(
                    {
                        "client_id": client_id[used],
                        "treatment_id": treatment_id[used],
                        "instrument": ins,
                        "informant": informant[used],
                        "occasion": occasion,
                        "filled_on": date[used],
                        "raw_total": raw,
                    }
                )
            )
    frame = pd.concat(lists, ignore_index=True)
    frame.insert(0, "record_id", [f"RX{v:07d}" for v in range(1, len(frame) + 1)])
    truth = pd.DataFrame(
        {
            "n_opgroei": np.bincount(t, minlength=len(ext)),
            "n_opvoed": np.bincount(t, weights=has_ov, minlength=len(ext)).astype(int),
            "n_clients": n_clients,
        }
    )
    return clients, treatments, frame, truth
