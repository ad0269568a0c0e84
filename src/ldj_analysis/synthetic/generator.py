"""Synthetic LDJ export: raw records whose analysis reproduces the published SEJN study.

The generator decides latent truths and writes only raw records (teams, implementation
questionnaires with dates, checklist items, clients, treatments, questionnaires with raw
totals). It never imports the pipeline's logic and never writes a table value: if a pipeline
step is wrong, the tables come out wrong.

Latent truths and where they come from:

* design (:mod:`.design`): 4 institutions (I1..I4, 5/4/4/3 teams), teams "1".."16", care
  types, arms, moments, half-year periods (shifted a little per team), instruments, and
  training/dashboard dates as day offsets from the checklist dates, chosen so that the
  42-day rule gives Table 1; some dates lie inside the 42-day window or exactly on it.
* calibrated team-period data (:mod:`._calibrated`, made offline by :mod:`.calibrate`):
  checklist points per domain, responding clients and closed treatments per team-period.
  Which items carry the points is drawn here (0/1/2 per item).
* clients (drawn here): per responding client the kind of pairs (opgroei, opvoed or both,
  with Table 4's counts per condition exactly), sex (305 boys / 173 girls per replicate),
  treatment duration, age, dates, informant, and latent pre/post z-scores. Per Table 4 cell
  (condition x domain) the z-scores come from a Gaussian copula (pre/post correlation .65)
  with skewed (gamma) margins, moment-matched to the published means and SDs; they are
  turned into integer raw totals with the norm table (``ldj_analysis/data/norms.csv``:
  raw = mean + z sd, by instrument, sex and completed years of age at the list date) and the
  latent z are corrected a few times for the integer rounding so that the *realised* z
  moments match.
* sample description: durations are moment-matched to M 313, SD 174 days (per client);
  ages at the end list to the per-sex figures (boys M 9.10 SD 4.66 range 1-19, girls M 12.1
  SD 4.86 range 0-25). The overall mean is then 10.19, not the report's 10.8: the report's
  overall and per-sex means contradict each other, and the per-sex figures are matched
  (with these SDs the overall SD is 4.94, the report's 4.9).

Realistic mess the pipeline must handle (none of it may change the published results under
the default config): interim (``tussen``) lists; lists filled by the youth, a teacher or a
care worker; fathers filling the same instrument as the mother with other scores; step,
foster, adoptive and grandparent informants (father group only when no mother informant
filled the instrument); mothers of group-worker institution I4 filling lists (ignored:
I4 uses the group worker); an earlier begin list of the same informant (``duplicate_lists:
latest``) and exact duplicates; a begin list from an earlier treatment of the client;
instruments the team does not use (also a team that switches instrument); unknown
instrument codes; end lists outside every period; end lists without a begin list; lists
without a raw total; lists without a treatment id; a mother with only a begin list (or only
an end list) next to a father with a full pair; clients without sex or birth date; birth
dates truncated to the month; treatments without end date (duration then runs to the end
list); and checklists with one empty item (at most one per domain, so the default
``checklist.max_missing_share: 0.2`` scores the domain over its answered items; see
:mod:`.calibrate`). Clients with a pair always have sex and birth date (the published
sample has 305 + 173 = 478 clients with known sex, and a z-score needs an age), and a
missing treatment end falls back to the end-list date: so on this export FIML and listwise
deletion give the same outcome models; the missing values sit in records the pipeline
must drop or ignore.

``scale`` multiplies teams and clients (team ids "1".."16*scale"; replicate r of team t is
``16 r + t``, in the same institution so that I4's informant rule keeps applying).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from ldj_analysis.export import COLUMNS, DTYPES, Export, write_export
from ldj_analysis.synthetic import _calibrated, design
from ldj_analysis.vocabulary import CHECKLIST_ITEMS

CONDS = ("control", "partial", "full")
#: Table 4: (condition, domain) -> (N, pre M, pre SD, post M, post SD).
TABLE4 = {
    ("control", "opgroei"): (168, 1.94, 1.73, 1.16, 1.76),
    ("control", "opvoed"): (119, 1.67, 1.78, 0.93, 1.64),
    ("partial", "opgroei"): (180, 1.74, 1.53, 1.07, 1.61),
    ("partial", "opvoed"): (154, 1.80, 1.66, 1.16, 1.58),
    ("full", "opgroei"): (56, 1.51, 1.74, 0.81, 1.48),
    ("full", "opvoed"): (47, 1.40, 1.39, 0.84, 1.37),
}
BOYS, GIRLS = 305, 173
AGE_TARGET = {"m": (9.10, 4.66, 1.2, 19.2), "f": (12.10, 4.86, 0.3, 25.2)}
DURATION_TARGET = (313.0, 174.0)
PRE_POST_CORRELATION = 0.65
#: The norm table shipped with the package (ldj_analysis/data/norms.csv).
DEFAULT_NORMS = Path(__file__).resolve().parents[1] / "data" / "norms.csv"

#: Realistic age range (years at the end list) per instrument, intersected with its norms.
INSTRUMENT_AGES = {
    "CBCL_1.5-5": (1.5, 6.0),
    "CBCL_6-18": (6.0, 26.0),
    "SDQ_ouder": (2.0, 26.0),
    "SIER": (12.0, 19.0),
    "GVL": (0.0, 26.0),
    "OBVL": (0.0, 26.0),
}
MOTHERS = ("moeder", "adoptiemoeder", "stiefmoeder", "pleegmoeder", "grootmoeder")
MOTHER_P = (0.84, 0.03, 0.04, 0.05, 0.04)
FATHERS = ("vader", "adoptievader", "stiefvader", "pleegvader", "grootvader")
FATHER_P = (0.7, 0.05, 0.1, 0.1, 0.05)
DAY = np.timedelta64(1, "D")


# ------------------------------------------------------------------------------- helpers


def _days(d: np.ndarray) -> np.ndarray:
    return np.asarray(d, "datetime64[D]")


def _standardise(v: np.ndarray, mean: float, sd: float) -> np.ndarray:
    s = v.std(ddof=1)
    return mean + (v - v.mean()) * (sd / s if s > 0 else 0.0)


def _moment_match(
    v: np.ndarray, mean: float, sd: float, lo: np.ndarray, hi: np.ndarray, free: np.ndarray
) -> np.ndarray:
    """Affinely move the ``free`` values (clipped to [lo, hi]) until all of ``v`` has the
    given mean and SD (ddof 1)."""
    v = v.astype(float).copy()
    for _ in range(200):
        m, s = v.mean(), v.std(ddof=1)
        if abs(m - mean) < 1e-9 and abs(s - sd) < 1e-9:
            break
        v[free] = np.clip(mean + (v[free] - m) * (sd / s), lo[free], hi[free])
    return v


def _whole_years(birth: np.ndarray, on: np.ndarray) -> np.ndarray:
    """Completed years of age (calendar birthdays)."""
    b, d = pd.DatetimeIndex(birth), pd.DatetimeIndex(on)
    before = (d.month < b.month) | ((d.month == b.month) & (d.day < b.day))
    return np.asarray(d.year - b.year - before, float)


def _norm_lookup(
    norms: pd.DataFrame, instrument: np.ndarray, sex: np.ndarray, age: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Norm mean, SD and sign (+1 higher is worse) per list; NaN where no group fits."""
    n = len(instrument)
    mean = np.full(n, np.nan)
    sd = np.full(n, np.nan)
    sign = np.ones(n)
    for row in norms.itertuples(index=False):
        hit = (
            (instrument == row.instrument)
            & ((sex == row.sex) | (row.sex == "all"))
            & (age >= row.age_min)
            & (age <= row.age_max)
        )
        mean[hit], sd[hit] = row.mean, row.sd
        sign[hit] = 1.0 if str(row.higher_is_worse).lower() == "true" else -1.0
    return mean, sd, sign


def _norm_age_bounds(norms: pd.DataFrame, instrument: str, sex: str) -> tuple[float, float]:
    rows = norms[(norms["instrument"] == instrument) & norms["sex"].isin([sex, "all"])]
    if rows.empty:
        return (np.inf, -np.inf)
    return float(rows["age_min"].min()), float(rows["age_max"].max()) + 1.0


def _typed(table: str, frame: pd.DataFrame) -> pd.DataFrame:
    out = {}
    for col, kind in COLUMNS[table].items():
        values = frame[col] if col in frame else pd.Series([None] * len(frame))
        if kind == "str":
            values = pd.Series(values, dtype=object).where(pd.notna(values), None)
        out[col] = pd.Series(values).reset_index(drop=True).astype(DTYPES[kind])
    return pd.DataFrame(out)


# ---------------------------------------------------------------------------- team level


def _team_periods(scale: int, rng: np.random.Generator) -> pd.DataFrame:
    """One row per team-period with periods, dates and the calibrated latent values."""
    cal = pd.DataFrame(
        _calibrated.TEAM_PERIODS,
        columns=["team", "moment", "p_col", "p_use", "p_pre", "missing", "n_resp", "closed"],
    )
    cond = {(t, m + 1): c for t, cs in design.CONDITIONS.items() for m, c in enumerate(cs)}
    cal["condition"] = [cond[(t, m)] for t, m in zip(cal["team"], cal["moment"], strict=True)]
    reps = []
    for r in range(scale):
        rep = cal.copy()
        rep["replicate"] = r
        rep["team_id"] = (rep["team"].astype(int) + 16 * r).astype(str)
        reps.append(rep)
    tp = pd.concat(reps, ignore_index=True)
    info = pd.DataFrame.from_dict(
        design.TEAMS, orient="index", columns=["institution", "care", "arm", "n_mom", "first"]
    )
    tp = tp.join(info, on="team")
    std_start = np.array([p[0] for p in design.PERIODS], "datetime64[D]")
    std_end = np.array([p[1] for p in design.PERIODS], "datetime64[D]")
    half = tp["first"].to_numpy() + tp["moment"].to_numpy() - 1
    shift = tp["team"].map(design.PERIOD_SHIFT).to_numpy() * DAY
    tp["period_start"] = std_start[half] + shift
    tp["period_end"] = std_end[half] + shift
    n = len(tp)
    tp["checklist_on"] = tp["period_end"].to_numpy() + rng.integers(3, 26, n) * DAY
    tp["impl_on"] = tp["checklist_on"].to_numpy() + rng.integers(0, 7, n) * DAY
    # Implementation dates per team, as offsets from a moment's checklist date.
    ref = tp.set_index(["team_id", "moment"])["checklist_on"]
    train = pd.Series(pd.NaT, index=tp.index, dtype="datetime64[ns]")
    dash = train.copy()
    for t, (tr, da) in design.DATE_RULES.items():
        rows = tp["team"] == t
        tids = tp.loc[rows, "team_id"]
        tr_dates = ref.reindex(list(zip(tids, [tr[0]] * len(tids), strict=True))).to_numpy()
        train[rows] = tr_dates + tr[1] * DAY
        if da is not None:
            da_dates = ref.reindex(list(zip(tids, [da[0]] * len(tids), strict=True))).to_numpy()
            dash[rows] = da_dates + da[1] * DAY
    impl_on = tp["impl_on"].to_numpy("datetime64[ns]")
    tp["training_date"] = train.where(train.to_numpy() <= impl_on)
    tp["dashboard_date"] = dash.where(dash.to_numpy() <= impl_on)
    inst = [design.INSTRUMENTS[t][m - 1] for t, m in zip(tp["team"], tp["moment"], strict=True)]
    tp["instr_og"] = [i[0] for i in inst]
    tp["instr_ov"] = [i[1] for i in inst]
    return tp


def _checklist(tp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Item scores 0/1/2 that sum to the calibrated domain points; one empty item where the
    design says so."""
    n = len(tp)
    items = np.full((n, 25), np.nan)
    starts = {0: 0, 1: 8, 2: 15}
    sizes = {0: 8, 1: 7, 2: 10}
    for d, col in enumerate(("p_col", "p_use", "p_pre")):
        size = sizes[d]
        answered = size - (tp["missing"].to_numpy() == d)
        pts = tp[col].to_numpy()
        lo2 = np.maximum(0, pts - answered)
        hi2 = pts // 2
        twos = lo2 + np.floor(rng.random(n) * (hi2 - lo2 + 1)).astype(int)
        ones = pts - 2 * twos
        rank = np.arange(size)[None, :]
        values = np.where(
            rank < twos[:, None], 2.0, np.where(rank < (twos + ones)[:, None], 1.0, 0.0)
        )
        values[rank >= answered[:, None]] = np.nan
        order = np.argsort(rng.random((n, size)), axis=1)
        items[:, starts[d] : starts[d] + size] = np.take_along_axis(values, np.argsort(order, 1), 1)
    frame = pd.DataFrame(items, columns=list(CHECKLIST_ITEMS))
    frame.insert(0, "team_id", tp["team_id"].to_numpy())
    frame.insert(1, "moment", tp["moment"].to_numpy())
    frame.insert(2, "filled_on", tp["checklist_on"].to_numpy())
    for g in ("grade_collection", "grade_use", "grade_preconditions"):
        grade = np.round(rng.uniform(4.5, 8.5, n) * 2) / 2
        grade[rng.random(n) < 0.35] = np.nan
        frame[g] = grade
    return frame


# -------------------------------------------------------------------------- client level


def _responders(tp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """One row per responding client: team-period, pair kind (og, ov, both), sex."""
    idx = np.repeat(tp.index.to_numpy(), tp["n_resp"].to_numpy())
    cl = pd.DataFrame({"tp": idx})
    cl["condition"] = tp["condition"].to_numpy()[idx]
    has_ov = tp["instr_ov"].notna().to_numpy()[idx]
    kind = np.full(len(cl), "og", dtype=object)
    scale = tp["replicate"].max() + 1
    for cond in CONDS:
        n_og, n_ov = TABLE4[(cond, "opgroei")][0] * scale, TABLE4[(cond, "opvoed")][0] * scale
        rows = np.flatnonzero((cl["condition"].to_numpy() == cond) & has_ov)
        og_only_teams = int(((cl["condition"] == cond).to_numpy() & ~has_ov).sum())
        og_rest = n_og - og_only_teams
        both = og_rest + n_ov - len(rows)
        counts = (both, og_rest - both, n_ov - both)
        if min(counts) < 0:
            raise ValueError(f"calibrated responders cannot give Table 4's N for {cond}")
        kinds = np.repeat(np.array(["both", "og", "ov"], dtype=object), counts)
        kind[rows] = rng.permutation(kinds)
    cl["kind"] = kind
    return cl


def _age_bounds(
    instrument: np.ndarray, sex: np.ndarray, dur: np.ndarray, norms: pd.DataFrame
) -> tuple[np.ndarray, np.ndarray]:
    """Ages at the end list for which both lists of an instrument have a norm group (and
    that are realistic for it); no instrument (None) puts no bound."""
    n = len(instrument)
    lo, hi = np.zeros(n), np.full(n, 25.95)
    for ins, (rlo, rhi) in INSTRUMENT_AGES.items():
        for s in ("m", "f"):
            rows = (instrument == ins) & (sex == s)
            if rows.any():
                nlo, nhi = _norm_age_bounds(norms, ins, s)
                lo[rows] = np.maximum(nlo + (dur[rows] + 2) / 365.25, rlo)
                hi[rows] = min(nhi, rhi) - 0.05
    return lo, hi


def _assign_sex_age_duration(
    cl: pd.DataFrame, tp: pd.DataFrame, norms: pd.DataFrame, rng: np.random.Generator
) -> pd.DataFrame:
    n = len(cl)
    scale = int(tp["replicate"].max()) + 1
    t = cl["tp"].to_numpy()
    kind = cl["kind"].to_numpy()
    og = np.where(kind != "ov", tp["instr_og"].to_numpy()[t], None)
    ov = np.where(kind != "og", tp["instr_ov"].to_numpy()[t], None)
    cl["instr_og"], cl["instr_ov"] = og, ov
    # Designated extremes of the sample's age ranges: the youngest girl and boy (parenting
    # list only, OBVL has norms from age 0) and the oldest girl and boy.
    designated = np.full(n, -1)
    young = np.flatnonzero((ov == "OBVL") & (kind == "ov"))
    wide = np.flatnonzero(np.isin(og, ["CBCL_6-18", "SDQ_ouder"]) & (kind == "og"))
    pick = rng.permutation(young)[:2]
    far = rng.permutation(wide)[:2]
    designated[pick[0]], designated[pick[1]], designated[far[0]], designated[far[1]] = 0, 1, 2, 3
    sex = np.full(n, "", dtype=object)
    sex[designated >= 0] = np.array(["f", "m", "f", "m"], dtype=object)[designated[designated >= 0]]
    pool = np.repeat(np.array(["m", "f"], dtype=object), [BOYS * scale - 2, GIRLS * scale - 2])
    sex[sex == ""] = rng.permutation(pool)
    cl["sex"] = sex
    # Durations (days): gamma, moment-matched; the two youngest get short treatments.
    k = (DURATION_TARGET[0] / DURATION_TARGET[1]) ** 2
    dur = np.clip(rng.gamma(k, DURATION_TARGET[0] / k, n), 35, 1400)
    dur[designated == 0], dur[designated == 1] = 60.0, 50.0
    free = designated < 0
    dur = _moment_match(dur, *DURATION_TARGET, np.full(n, 35.0), np.full(n, 1400.0), free)
    dur = np.round(dur)
    cl["duration"] = dur.astype(int)
    # Age at the end list within every bound of the client's instruments.
    lo1, hi1 = _age_bounds(og, sex, dur, norms)
    lo2, hi2 = _age_bounds(ov, sex, dur, norms)
    lo, hi = np.maximum(lo1, lo2), np.minimum(hi1, hi2)
    age = np.zeros(n)
    for j, (s, which) in enumerate((("f", 2), ("m", 2), ("f", 3), ("m", 3))):
        age[designated == j] = AGE_TARGET[s][which]
    for s, (mean, sd, amin, amax) in AGE_TARGET.items():
        rows = np.flatnonzero(sex == s)
        lo_s = np.maximum(lo[rows], amin + 0.05)
        hi_s = np.minimum(hi[rows], amax - 0.05)
        if (lo_s > hi_s).any():
            raise ValueError("no feasible age for some synthetic clients")
        f = designated[rows] < 0
        a = age[rows]
        a[f] = np.clip(rng.normal(mean, sd, f.sum()), lo_s[f], hi_s[f])
        age[rows] = _moment_match(a, mean, sd, lo_s, hi_s, f)
    cl["age"] = age
    cl["designated"] = designated
    return cl


def _client_dates(cl: pd.DataFrame, tp: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    n = len(cl)
    t = cl["tp"].to_numpy()
    ps = _days(tp["period_start"].to_numpy())[t]
    pe = _days(tp["period_end"].to_numpy())[t]
    span = (pe - ps).astype(int)
    post = ps + np.floor(rng.random(n) * (span + 1)).astype(int) * DAY
    no_end = rng.random(n) < 0.05
    t_end = post + rng.integers(0, 11, n) * DAY
    dur = cl["duration"].to_numpy()
    start = np.where(no_end, post, t_end) - dur * DAY
    pre = start + rng.integers(0, 10, n) * DAY
    birth = post - np.round(cl["age"].to_numpy() * 365.25).astype(int) * DAY
    cl["post_date"], cl["pre_date"], cl["start"] = post, pre, start
    cl["end"] = np.where(no_end, np.datetime64("NaT"), t_end).astype("datetime64[D]")
    cl["birth"] = birth
    return cl


def _latent_z(cl: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Long frame: one row per (client, domain) pair with latent pre/post z."""
    from scipy import special, stats

    parts = []
    for dom, col in (("opgroei", "instr_og"), ("opvoed", "instr_ov")):
        sub = cl[cl[col].notna()]
        parts.append(
            pd.DataFrame(
                {"client": sub.index.to_numpy(), "domain": dom, "instrument": sub[col].to_numpy()}
            )
        )
    pairs = pd.concat(parts, ignore_index=True)
    pairs["condition"] = cl["condition"].to_numpy()[pairs["client"].to_numpy()]
    pre = np.zeros(len(pairs))
    post = np.zeros(len(pairs))
    shape = 3.0
    for (cond, dom), cell in _z_targets().items():
        (m1, s1), (m2, s2) = cell["pre"], cell["post"]
        rows = np.flatnonzero(
            (pairs["condition"] == cond).to_numpy() & (pairs["domain"] == dom).to_numpy()
        )
        u = rng.standard_normal((len(rows), 2))
        # Exact sample correlation of the normal scores (the paired tests need it stable).
        a = (u[:, 0] - u[:, 0].mean()) / u[:, 0].std()
        e = u[:, 1] - u[:, 1].mean()
        e = e - a * (a @ e) / (a @ a)
        e /= e.std()
        u[:, 0] = a
        u[:, 1] = PRE_POST_CORRELATION * a + np.sqrt(1 - PRE_POST_CORRELATION**2) * e
        g = stats.gamma.ppf(special.ndtr(u), shape)
        pre[rows] = _standardise(g[:, 0], m1, s1)
        post[rows] = _standardise(g[:, 1], m2, s2)
    pairs["pre_z"], pairs["post_z"] = pre, post
    return pairs


def _z_targets() -> dict[tuple[str, str], dict[str, tuple[float, float]]]:
    """Table 4 cells' target moments: the published means and SDs, with the pre and post
    means moved apart or together by at most .0025 so that the ES sits mid-way in its
    published rounding interval too (the published M, SD and ES are all rounded)."""
    es_pub = {
        ("control", "opgroei"): 0.45,
        ("control", "opvoed"): 0.43,
        ("partial", "opgroei"): 0.43,
        ("partial", "opvoed"): 0.39,
        ("full", "opgroei"): 0.43,
        ("full", "opvoed"): 0.41,
    }
    out = {}
    for key, (_, m1, s1, m2, s2) in TABLE4.items():
        pooled = np.sqrt((s1**2 + s2**2) / 2)
        shift = float(np.clip((es_pub[key] - (m1 - m2) / pooled) * pooled / 2, -0.0025, 0.0025))
        out[key] = {"pre": (m1 + shift, s1), "post": (m2 - shift, s2)}
    return out


def _fit_integers(
    raw: np.ndarray, mean: np.ndarray, sd: np.ndarray, sign: np.ndarray, m: float, s: float
) -> np.ndarray:
    """Move integer raw totals one point at a time (greedy, never below 0) until the z-scores
    they give have mean ``m`` and SD ``s`` within 5e-4."""
    raw = raw.copy()
    unit = sign / sd
    z = (raw - mean) / sd * sign
    n = len(z)
    total, squares = z.sum(), (z**2).sum()

    def loss(t: float | np.ndarray, q: float | np.ndarray):
        mu = t / n
        var = np.maximum((q - n * mu**2) / (n - 1), 0.0)
        return np.maximum(np.abs(mu - m), np.abs(np.sqrt(var) - s))

    current = float(loss(total, squares))
    for _ in range(2000):
        if current < 5e-4:
            break
        best, best_loss = None, current
        for delta in (1.0, -1.0):
            dz = delta * unit
            cand = loss(total + dz, squares + 2 * z * dz + dz**2)
            cand = np.where(raw + delta < 0, np.inf, cand)
            i = int(np.argmin(cand))
            if cand[i] < best_loss:
                best, best_loss = (i, delta), float(cand[i])
        if best is None:
            break
        i, delta = best
        dz = delta * unit[i]
        total, squares = total + dz, squares + 2 * z[i] * dz + dz**2
        z[i] += dz
        raw[i] += delta
        current = best_loss
    return raw


def _raw_from_z(pairs: pd.DataFrame, cl: pd.DataFrame, norms: pd.DataFrame) -> pd.DataFrame:
    """Integer raw totals whose z-scores (by the norm table) have Table 4's moments."""
    c = pairs["client"].to_numpy()
    ins = pairs["instrument"].to_numpy()
    sex = cl["sex"].to_numpy()[c]
    birth = cl["birth"].to_numpy()[c]
    out = {}
    for which, date_col in (("pre", "pre_date"), ("post", "post_date")):
        age = _whole_years(birth, cl[date_col].to_numpy()[c])
        mean, sd, sign = _norm_lookup(norms, ins, sex, age)
        if np.isnan(mean).any():
            raise ValueError("a synthetic list has no norm group")
        out[which] = (mean, sd, sign)
    keys = (pairs["condition"] + "|" + pairs["domain"]).to_numpy()
    for which in ("pre", "post"):
        mean, sd, sign = out[which]
        raw = np.maximum(np.round(mean + sign * pairs[f"{which}_z"].to_numpy() * sd), 0.0)
        for (cond, dom), cell in _z_targets().items():
            rows = np.flatnonzero(keys == f"{cond}|{dom}")
            m, s = cell[which]
            raw[rows] = _fit_integers(raw[rows], mean[rows], sd[rows], sign[rows], m, s)
        pairs[f"{which}_raw"] = raw
    return pairs


# ------------------------------------------------------------------------------- records


def _lists(
    client: np.ndarray,
    treatment: np.ndarray,
    instrument: np.ndarray,
    informant: np.ndarray,
    occasion: str | np.ndarray,
    date: np.ndarray,
    raw: np.ndarray,
) -> pd.DataFrame:
    n = len(client)
    return pd.DataFrame(
        {
            "client": np.asarray(client, int),
            "treatment": np.asarray(treatment, int),
            "instrument": np.asarray(instrument, dtype=object),
            "informant": np.asarray(informant, dtype=object),
            "occasion": np.broadcast_to(np.asarray(occasion, dtype=object), (n,)),
            "date": _days(date),
            "raw": np.asarray(raw, float),
        }
    )


def _typical_raw(
    norms: pd.DataFrame, instrument: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Raw totals of lists that are never analysed (clinical-range draws, integer, >= 0)."""
    first = norms.drop_duplicates("instrument").set_index("instrument")
    mean = first["mean"].reindex(instrument).to_numpy(float)
    sd = first["sd"].reindex(instrument).to_numpy(float)
    mean = np.where(np.isnan(mean), 50.0, mean)
    sd = np.where(np.isnan(sd), 10.0, sd)
    return np.maximum(np.round(mean + sd * rng.normal(1.3, 1.5, len(instrument))), 0.0)


def _other_instrument(instrument: np.ndarray) -> np.ndarray:
    swap = {"CBCL_6-18": "SDQ_ouder", "SDQ_ouder": "CBCL_6-18", "CBCL_1.5-5": "SDQ_ouder",
            "SIER": "CBCL_6-18", "GVL": "OBVL", "OBVL": "GVL"}  # fmt: skip
    return np.array([swap.get(i, "GVL") for i in instrument], dtype=object)


def _responder_lists(
    cl: pd.DataFrame, pairs: pd.DataFrame, tp: pd.DataFrame, norms: pd.DataFrame, rng
) -> pd.DataFrame:
    n = len(cl)
    t = cl["tp"].to_numpy()
    i4 = (tp["institution"].to_numpy() == design.GROUP_WORKER_INSTITUTION)[t]
    father_group = ~i4 & (rng.random(n) < 0.06)
    informant = np.where(
        i4,
        "groepsleider",
        np.where(
            father_group,
            rng.choice(FATHERS, n, p=FATHER_P),
            rng.choice(MOTHERS, n, p=MOTHER_P),
        ),
    ).astype(object)
    c = pairs["client"].to_numpy()
    tr = c  # treatment index = client index for responders
    inf = informant[c]
    pre_d, post_d = cl["pre_date"].to_numpy()[c], cl["post_date"].to_numpy()[c]
    ins = pairs["instrument"].to_numpy()
    pre_raw, post_raw = pairs["pre_raw"].to_numpy(), pairs["post_raw"].to_numpy()
    out = [
        _lists(c, tr, ins, inf, "begin", pre_d, pre_raw),
        _lists(c, tr, ins, inf, "eind", post_d, post_raw),
    ]
    m = len(pairs)
    u = rng.random((m, 8))
    gap = ((post_d - pre_d) / DAY).astype(int)

    def jitter(raw: np.ndarray, rows: np.ndarray) -> np.ndarray:
        r = raw[rows]
        return np.maximum(np.round(r + rng.normal(0, 0.25 * r + 3, len(r))), 0.0)

    # Fathers who fill the same instrument as the mother (other scores): ignored.
    rows = ~i4[c] & ~father_group[c] & (u[:, 0] < 0.2)
    fath = rng.choice(FATHERS, m, p=FATHER_P)
    shift = rng.integers(-3, 4, m) * DAY
    out += [
        _lists(
            c[rows],
            tr[rows],
            ins[rows],
            fath[rows],
            "begin",
            pre_d[rows] + shift[rows],
            jitter(pre_raw, rows),
        ),
        _lists(
            c[rows],
            tr[rows],
            ins[rows],
            fath[rows],
            "eind",
            post_d[rows],
            jitter(post_raw, rows),
        ),
    ]
    # Father-group clients: the mother filled only a begin list (or, rarely, only an end list).
    rows = father_group[c] & (u[:, 1] < 0.5)
    only_end = rows & (u[:, 1] < 0.08)
    rows_b = rows & ~only_end
    out += [
        _lists(
            c[rows_b],
            tr[rows_b],
            ins[rows_b],
            "moeder",
            "begin",
            pre_d[rows_b],
            jitter(pre_raw, rows_b),
        ),
        _lists(
            c[only_end],
            tr[only_end],
            ins[only_end],
            "moeder",
            "eind",
            post_d[only_end],
            jitter(post_raw, only_end),
        ),
    ]
    # Youth, teacher and care-worker lists of the same instrument: ignored.
    for informant_code, share, col in (
        ("jeugdige", 0.12, 2),
        ("leerkracht", 0.05, 3),
        ("hulpverlener", 0.05, 4),
    ):
        rows = ~i4[c] & (u[:, col] < share)
        out += [
            _lists(
                c[rows],
                tr[rows],
                ins[rows],
                informant_code,
                "begin",
                pre_d[rows],
                jitter(pre_raw, rows),
            ),
            _lists(
                c[rows],
                tr[rows],
                ins[rows],
                informant_code,
                "eind",
                post_d[rows],
                jitter(post_raw, rows),
            ),
        ]
    # Mothers in the group-worker institution: ignored there.
    rows = i4[c] & (u[:, 2] < 0.15)
    out += [
        _lists(c[rows], tr[rows], ins[rows], "moeder", "begin", pre_d[rows], jitter(pre_raw, rows)),
        _lists(
            c[rows], tr[rows], ins[rows], "moeder", "eind", post_d[rows], jitter(post_raw, rows)
        ),
    ]
    # Interim lists of the same informant.
    rows = u[:, 5] < 0.15
    mid = pre_d + (gap // 2) * DAY
    out.append(
        _lists(c[rows], tr[rows], ins[rows], inf[rows], "tussen", mid[rows], jitter(post_raw, rows))
    )
    # An earlier begin list of the same informant (duplicate_lists: latest keeps the real one).
    rows = u[:, 6] < 0.04
    out.append(
        _lists(
            c[rows],
            tr[rows],
            ins[rows],
            inf[rows],
            "begin",
            pre_d[rows] - rng.integers(2, 9, m)[rows] * DAY,
            jitter(pre_raw, rows),
        )
    )
    # Exact duplicates of an end list (same date and score, another record).
    rows = u[:, 6] > 0.99
    out.append(
        _lists(c[rows], tr[rows], ins[rows], inf[rows], "eind", post_d[rows], post_raw[rows])
    )
    # Lists of an instrument the team does not use.
    rows = ~i4[c] & (u[:, 7] < 0.08)
    other = _other_instrument(ins[rows])
    out += [
        _lists(
            c[rows],
            tr[rows],
            other,
            inf[rows],
            "begin",
            pre_d[rows],
            _typical_raw(norms, other, rng),
        ),
        _lists(
            c[rows],
            tr[rows],
            other,
            inf[rows],
            "eind",
            post_d[rows],
            _typical_raw(norms, other, rng),
        ),
    ]
    return pd.concat(out, ignore_index=True)


def _extra_clients(
    tp: pd.DataFrame,
    n_resp: int,
    norms: pd.DataFrame,
    rng: np.random.Generator,
    all_before: bool = False,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Clients without an analysable pair: non-responders per team-period (treatment closed
    in the period), clients whose end list lies outside every period, and earlier-treatment
    lists. Returns (clients, treatments, lists) with client/treatment indices from n_resp.
    ``all_before``: every out-of-period end list lies before the first period (the study
    is extended after 2019, where a later list would fall in a period)."""
    closed = tp["closed"].to_numpy()
    n_non = np.round(0.9 * np.maximum(closed - tp["n_resp"].to_numpy(), 0)).astype(int)
    t = np.repeat(tp.index.to_numpy(), n_non)
    # Out-of-period clients: 3 per team, before the first or after the last period.
    first = tp.groupby("team_id")["period_start"].transform("min").to_numpy()
    last = tp.groupby("team_id")["period_end"].transform("max").to_numpy()
    is_first = (tp["moment"] == 1).to_numpy()
    t_out = np.repeat(np.flatnonzero(is_first), 3)
    n1, n2 = len(t), len(t_out)
    n = n1 + n2
    tt = np.concatenate([t, t_out])
    ps = _days(tp["period_start"].to_numpy())[tt]
    pe = _days(tp["period_end"].to_numpy())[tt]
    end = ps + np.floor(rng.random(n) * ((pe - ps).astype(int) + 1)).astype(int) * DAY
    before = rng.random(n2) < 0.5
    if all_before:
        before[:] = True
    out_end = np.where(
        before,
        _days(first[t_out]) - rng.integers(20, 150, n2) * DAY,
        _days(last[t_out]) + rng.integers(5, 80, n2) * DAY,
    )
    end[n1:] = out_end
    k = (DURATION_TARGET[0] / DURATION_TARGET[1]) ** 2
    dur = np.clip(np.round(rng.gamma(k, DURATION_TARGET[0] / k, n)), 35, 1400).astype(int)
    start = end - dur * DAY
    age = np.clip(rng.normal(10.5, 4.5, n), 0.2, 22.0)
    birth = end - np.round(age * 365.25).astype(int) * DAY
    sex = rng.choice(np.array(["m", "f"], dtype=object), n, p=(0.62, 0.38))
    idx = n_resp + np.arange(n)
    kind = rng.choice(6, n, p=(0.62, 0.1, 0.08, 0.04, 0.08, 0.08))
    kind[n1:] = 9  # out of period: a full mother pair
    # Mess in the client records (never on clients with an analysable pair).
    sex = np.where(rng.random(n) < 0.04, None, sex)
    trunc = rng.random(n) < 0.1
    birth = np.where(trunc, birth.astype("datetime64[M]").astype("datetime64[D]"), birth)
    birth = np.where(rng.random(n) < 0.03, np.datetime64("NaT"), birth).astype("datetime64[D]")
    t_end = np.where(rng.random(n) < 0.05, np.datetime64("NaT"), end).astype("datetime64[D]")
    clients = pd.DataFrame({"idx": idx, "sex": sex, "birth": birth})
    team = tp["team_id"].to_numpy()[tt]
    treatments = pd.DataFrame(
        {"idx": idx, "client": idx, "team": team, "start": start, "end": t_end}
    )
    og = tp["instr_og"].to_numpy()[tt]
    ov = tp["instr_ov"].to_numpy()[tt]
    use_ov = pd.notna(ov) & (rng.random(n) < 0.5)
    ins = np.where(use_ov, ov, og).astype(object)
    i4 = (tp["institution"].to_numpy() == design.GROUP_WORKER_INSTITUTION)[tt]
    inf = np.where(i4, "groepsleider", rng.choice(MOTHERS, n, p=MOTHER_P)).astype(object)
    pre = start + rng.integers(0, 10, n) * DAY
    raw_b = _typical_raw(norms, ins, rng)
    raw_e = np.maximum(raw_b - np.round(rng.normal(3, 5, n)), 0.0)
    lists = []
    has_begin = np.isin(kind, [0, 2, 3, 4, 9])
    has_end = np.isin(kind, [1, 2, 3, 4, 9])
    b_ins = np.where(kind == 4, _other_instrument(ins), ins)
    b_raw = np.where(kind == 3, np.nan, raw_b)
    e_raw = np.where(kind == 2, np.nan, raw_e)
    e_inf = np.where(kind == 5, "jeugdige", inf).astype(object)
    b_inf = e_inf
    has_begin |= kind == 5
    has_end |= kind == 5
    lists.append(
        _lists(
            idx[has_begin],
            idx[has_begin],
            b_ins[has_begin],
            b_inf[has_begin],
            "begin",
            pre[has_begin],
            b_raw[has_begin],
        )
    )
    lists.append(
        _lists(
            idx[has_end],
            idx[has_end],
            b_ins[has_end],
            e_inf[has_end],
            "eind",
            end[has_end],
            e_raw[has_end],
        )
    )
    # Begin-only clients of teams with two instruments usually started both lists.
    second = (kind == 0) & pd.notna(ov) & (rng.random(n) < 0.7)
    other_ins = np.where(use_ov, og, ov).astype(object)
    lists.append(
        _lists(
            idx[second],
            idx[second],
            other_ins[second],
            b_inf[second],
            "begin",
            pre[second],
            _typical_raw(norms, other_ins[second], rng),
        )
    )
    interim = has_begin & (rng.random(n) < 0.2)
    mid = pre + ((end - pre) / DAY / 2).astype(int) * DAY
    lists.append(
        _lists(
            idx[interim],
            idx[interim],
            b_ins[interim],
            b_inf[interim],
            "tussen",
            mid[interim],
            raw_b[interim],
        )
    )
    frame = pd.concat(lists, ignore_index=True)
    # Some begin lists of non-responders carry no treatment id.
    no_tr = (frame["occasion"] == "begin").to_numpy() & (rng.random(len(frame)) < 0.05)
    no_tr &= np.isin(frame["client"].to_numpy(), idx[kind == 0])
    frame.loc[no_tr, "treatment"] = -1
    # A few unknown instrument codes.
    unknown = rng.random(len(frame)) < 0.005
    frame.loc[unknown, "instrument"] = "KIDSCREEN"
    return clients, treatments, frame


def _earlier_treatments(
    cl: pd.DataFrame, pairs: pd.DataFrame, tp: pd.DataFrame, first_idx: int, rng
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """An earlier treatment (same team, long closed) with a begin list of the same
    instrument and informant for ~3% of responders: same_treatment keeps it out."""
    pick = np.flatnonzero(rng.random(len(cl)) < 0.03)
    n = len(pick)
    idx = first_idx + np.arange(n)
    start = cl["start"].to_numpy()[pick]
    s2 = start - rng.integers(500, 800, n) * DAY
    e2 = start - rng.integers(200, 300, n) * DAY
    team = tp["team_id"].to_numpy()[cl["tp"].to_numpy()[pick]]
    treatments = pd.DataFrame({"idx": idx, "client": pick, "team": team, "start": s2, "end": e2})
    return treatments, pd.DataFrame({"pick": pick, "treatment": idx, "date": s2 + 5 * DAY})


def generate(
    seed: int,
    scale: int = 1,
    norms: pd.DataFrame | str | Path | None = None,
    last_year: int = 2019,
) -> Export:
    """A synthetic LDJ export (contract version 1) of the SEJN study, ``scale`` times the
    study's teams and clients, continued after 2019 up to ``last_year`` (see
    :mod:`.extension`). Same arguments (and norm table) -> same export."""
    return _build(seed, scale, norms, last_year)[0]


def truth(
    seed: int,
    scale: int = 1,
    norms: pd.DataFrame | str | Path | None = None,
    last_year: int = 2019,
) -> pd.DataFrame:
    """The latent truth of :func:`generate`'s export, one row per team-period: team_id,
    institution_id, arm, moment, period_start, period_end, the intended condition, the
    number of pairs built per domain (``n_opgroei``, ``n_opvoed``: the pairs the default
    config must select) and ``n_clients``, the clients with at least one such pair (the
    default response numerator). For tests that hold the pipeline's output against it."""
    return _build(seed, scale, norms, last_year)[1]


def _build(seed, scale, norms, last_year) -> tuple[Export, pd.DataFrame]:
    if scale < 1:
        raise ValueError("scale must be >= 1")
    if last_year < 2019:
        raise ValueError("last_year must be 2019 (the study) or later")
    if norms is None or isinstance(norms, str | Path):
        norms = pd.read_csv(norms or DEFAULT_NORMS)
    rng = np.random.default_rng([seed, scale])
    tp = _team_periods(scale, rng)
    checklist = _checklist(tp, rng)
    cl = _responders(tp, rng)
    cl = _assign_sex_age_duration(cl, tp, norms, rng)
    cl = _client_dates(cl, tp, rng)
    pairs = _raw_from_z(_latent_z(cl, rng), cl, norms)
    resp_lists = _responder_lists(cl, pairs, tp, norms, rng)
    n_resp = len(cl)
    x_clients, x_treat, x_lists = _extra_clients(
        tp, n_resp, norms, rng, all_before=last_year > 2019
    )
    e_treat, e_pick = _earlier_treatments(cl, pairs, tp, n_resp + len(x_clients), rng)
    # Begin lists of the earlier treatments: same instrument and informant as the pair.
    first_list = resp_lists[(resp_lists["occasion"] == "begin")].drop_duplicates("client")
    first_list = first_list.set_index("client").reindex(e_pick["pick"].to_numpy())
    e_lists = _lists(
        e_pick["pick"].to_numpy(),
        e_pick["treatment"].to_numpy(),
        first_list["instrument"].to_numpy(),
        first_list["informant"].to_numpy(),
        "begin",
        e_pick["date"].to_numpy(),
        np.maximum(first_list["raw"].to_numpy() + 4, 0),
    )
    export = _assemble(
        tp, checklist, cl, x_clients, x_treat, e_treat, [resp_lists, x_lists, e_lists], rng
    )
    kind = cl["kind"].to_numpy()
    at = cl["tp"].to_numpy()
    base_truth = _truth_frame(
        tp,
        n_opgroei=np.bincount(at, weights=kind != "ov", minlength=len(tp)).astype(int),
        n_opvoed=np.bincount(at, weights=kind != "og", minlength=len(tp)).astype(int),
        n_clients=np.bincount(at, minlength=len(tp)),
    )
    if last_year == 2019:
        return export, base_truth
    return _extend(
        export, tp, base_truth, norms, np.random.default_rng([seed, scale, last_year]), last_year
    )


def _truth_frame(tp: pd.DataFrame, **counts: np.ndarray) -> pd.DataFrame:
    """The truth rows of team-periods ``tp`` (generator columns) with their pair counts."""
    return pd.DataFrame(
        {
            "team_id": tp["team_id"],
            "institution_id": tp["institution"],
            "arm": tp["arm"],
            "moment": tp["moment"],
            "period_start": tp["period_start"].astype("datetime64[ns]"),
            "period_end": tp["period_end"].astype("datetime64[ns]"),
            "condition": tp["condition"],
            **counts,
        }
    )


def _extend(export, tp, base_truth, norms, rng, last_year) -> tuple[Export, pd.DataFrame]:
    """Append the after-2019 team-periods, new teams and their clients (:mod:`.extension`)."""
    from ldj_analysis.synthetic import extension

    ext = extension.extension_team_periods(tp, last_year, rng)
    checklist = extension.extension_checklist(ext, rng)
    clients, treatments, lists, counts = extension.extension_clients(
        ext, norms, rng, _age_bounds, _norm_lookup, _whole_years
    )
    new_teams = ext[ext["new"]].drop_duplicates("team_id")
    teams = pd.DataFrame(
        {
            "team_id": new_teams["team_id"],
            "institution_id": new_teams["institution"],
            "care_type": new_teams["care"],
            "arm": new_teams["arm"],
        }
    )
    implementation = pd.DataFrame(
        {
            "team_id": ext["team_id"],
            "moment": ext["moment"],
            "filled_on": ext["impl_on"],
            "period_start": ext["period_start"],
            "period_end": ext["period_end"],
            "closed_treatments": counts["n_clients"].to_numpy() + rng.poisson(25, len(ext)),
            "training_date": ext["training_date"],
            "dashboard_date": ext["dashboard_date"],
            "instrument_opgroei": ext["instr_og"],
            "instrument_opvoed": ext["instr_ov"],
        }
    )
    added = {
        "teams": teams,
        "implementation": implementation,
        "checklist": checklist,
        "clients": clients,
        "treatments": treatments,
        "questionnaires": lists,
    }
    tables = {
        name: pd.concat([frame, _typed(name, added[name])], ignore_index=True)
        for name, frame in export.tables().items()
    }
    ext_truth = _truth_frame(ext, **{c: counts[c].to_numpy() for c in counts.columns})
    return Export(**tables), pd.concat([base_truth, ext_truth], ignore_index=True)


def _assemble(tp, checklist, cl, x_clients, x_treat, e_treat, lists, rng) -> Export:
    teams = tp.drop_duplicates("team_id")[["team_id", "institution", "care", "arm"]]
    teams = teams.rename(columns={"institution": "institution_id", "care": "care_type"})
    implementation = pd.DataFrame(
        {
            "team_id": tp["team_id"],
            "moment": tp["moment"],
            "filled_on": tp["impl_on"],
            "period_start": tp["period_start"],
            "period_end": tp["period_end"],
            "closed_treatments": tp["closed"],
            "training_date": tp["training_date"],
            "dashboard_date": tp["dashboard_date"],
            "instrument_opgroei": tp["instr_og"],
            "instrument_opvoed": tp["instr_ov"],
        }
    )
    n_resp = len(cl)
    clients = pd.concat(
        [
            pd.DataFrame({"idx": np.arange(n_resp), "sex": cl["sex"], "birth": cl["birth"]}),
            x_clients,
        ],
        ignore_index=True,
    )
    resp_treat = pd.DataFrame(
        {
            "idx": np.arange(n_resp),
            "client": np.arange(n_resp),
            "team": tp["team_id"].to_numpy()[cl["tp"].to_numpy()],
            "start": cl["start"].to_numpy(),
            "end": cl["end"].to_numpy(),
        }
    )
    treatments = pd.concat([resp_treat, x_treat, e_treat], ignore_index=True)
    # Pseudonymous ids in random order, so that an id reveals nothing about its record.
    client_id = np.array([f"K{v:07d}" for v in rng.permutation(len(clients)) + 1], dtype=object)
    treat_id = np.array([f"B{v:07d}" for v in rng.permutation(len(treatments)) + 1], dtype=object)
    treat_of = pd.Series(treat_id, index=treatments["idx"].to_numpy())
    q = pd.concat(lists, ignore_index=True)
    q = q.iloc[
        np.lexsort(
            (q["occasion"].to_numpy().astype(str), q["date"].to_numpy(), q["client"].to_numpy())
        )
    ]
    q = q.reset_index(drop=True)
    questionnaires = pd.DataFrame(
        {
            "record_id": [f"R{v:08d}" for v in rng.permutation(len(q)) + 1],
            "client_id": client_id[q["client"].to_numpy()],
            "treatment_id": np.where(
                q["treatment"].to_numpy() < 0,
                None,
                treat_of.reindex(q["treatment"].to_numpy()).to_numpy(),
            ),
            "instrument": q["instrument"],
            "informant": q["informant"],
            "occasion": q["occasion"],
            "filled_on": q["date"].to_numpy().astype("datetime64[ns]"),
            "raw_total": q["raw"],
        }
    ).sort_values("record_id")
    clients_out = pd.DataFrame(
        {
            "client_id": client_id[clients["idx"].to_numpy()],
            "sex": clients["sex"].to_numpy(),
            "birth_date": clients["birth"].to_numpy().astype("datetime64[ns]"),
        }
    ).sort_values("client_id")
    treatments_out = pd.DataFrame(
        {
            "treatment_id": treat_id,
            "client_id": client_id[treatments["client"].to_numpy()],
            "team_id": treatments["team"].to_numpy(),
            "start_date": treatments["start"].to_numpy().astype("datetime64[ns]"),
            "end_date": treatments["end"].to_numpy().astype("datetime64[ns]"),
        }
    ).sort_values("treatment_id")
    return Export(
        teams=_typed("teams", teams),
        implementation=_typed("implementation", implementation),
        checklist=_typed("checklist", checklist),
        clients=_typed("clients", clients_out),
        treatments=_typed("treatments", treatments_out),
        questionnaires=_typed("questionnaires", questionnaires),
    )


def write_synthetic(
    out_dir: str | Path,
    seed: int,
    scale: int = 1,
    norms_file: str | Path | None = None,
    last_year: int = 2019,
) -> Export:
    """Generate the synthetic export and write it as CSV per the contract."""
    export = generate(seed, scale, norms_file, last_year)
    write_export(export, out_dir, "csv")
    return export
