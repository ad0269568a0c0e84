"""Offline calibration of the synthetic study's team-period design (run once, by hand).

    python -m ldj_analysis.synthetic.calibrate [--seed N] [--iterations N]

writes ``src/ldj_analysis/synthetic/_calibrated.py``, the generator's design data.

What is calibrated, and how. The 61 team-periods (Table 1) are too few for random draws to
hit the published rounding, so their latent truths are chosen by simulated annealing over
integers:

* LDJ Checklist: the points of each domain per team-period (collection 0-16, use 0-14,
  preconditions 0-20; three team-periods have one item left empty, see below). Moves: one
  point up or down, a point moved between two domains or between two team-periods of a
  condition, or a domain's (or a whole row's) values swapped between two team-periods of
  the same condition (this keeps Table 2 and changes only the team clustering, i.e. the
  p-values).
* Response: per team-period the number of responding clients ``n`` (clients with at least
  one complete pre/post pair) and the closed treatments ``C`` (response = 100 n / C). The
  responders per condition are fixed (control 200, partial 211, full 67: 478 clients), and
  the group-worker teams of institution I4, which have no parenting instrument, are limited
  so that Table 4's opgroei/opvoed pair counts stay feasible.

The loss is zero when every Table 2/3 mean and SD is within 90 % of its rounding interval
(e.g. 53.9 +- .045) and every range rounds to the published one, every published beta is
within .004 and p-value within .008 of the published value on the right side of .05 (the
pipeline computes these numbers exactly as here, so no wider margin is needed), collection
has no significant effect, and the baseline t-tests (control arm vs experimental teams at
moment 1, Student and Welch) give p > .15. Betas/p-values are the Mplus STDYX values with
TYPE=COMPLEX MLR SEs, computed by :class:`FastStats` (a vectorised copy of the
calibration-only :mod:`ldj_analysis.synthetic.mplus_stats`, which is checked against
lavaan in tests/synthetic).

Item-level data (which items carry the points), clients, lists and dates are drawn by the
generator from these totals; Table 4 and the sample description are matched there by
moment-matching latent z-scores, ages and durations (see :mod:`.generator`).

Empty checklist items: the team-periods named in ``MISSING_ITEMS`` leave one item of one
domain empty. The domain is then scored over its answered items (allowed by the default
``checklist.max_missing_share: 0.2``: 1 of 7-10 items). They are calibrated so that the
domain's percentage equals the team-period's total percentage, which makes the total the
same whether a pipeline scores it over all answered items or as the item-weighted mean of
the domain scores.
"""

from __future__ import annotations

import argparse
import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ldj_analysis.synthetic import design
from ldj_analysis.vocabulary import CHECKLIST_DOMAINS, CHECKLIST_SCORES, CONDITIONS

N_ITEMS = np.array([len(items) for items in CHECKLIST_DOMAINS.values()])

#: Table 2: domain -> condition -> (mean, sd, min, max); Table 3 likewise for response.
TABLE2 = {
    "collection": {"control": (53.9, 15.6, 25, 88), "partial": (61.2, 17.6, 25, 100),
                   "full": (67.8, 22.8, 25, 94)},
    "use": {"control": (31.0, 18.5, 0, 71), "partial": (42.9, 26.1, 7, 93),
            "full": (50.0, 19.6, 21, 86)},
    "preconditions": {"control": (49.0, 18.4, 20, 80), "partial": (62.6, 20.6, 35, 95),
                      "full": (66.2, 16.6, 35, 90)},
    "total": {"control": (45.5, 15.2, 16, 78), "partial": (56.6, 19.6, 28, 90),
              "full": (62.2, 16.4, 38, 88)},
}  # fmt: skip
TABLE3 = {"control": (7.7, 11.0, 0.0, 48.6), "partial": (26.0, 24.8, 0.0, 92.1),
          "full": (33.3, 29.4, 0.0, 84.6)}  # fmt: skip
#: Published (beta, p) per outcome and term; None: only "not significant" is published.
BETAS = {
    "collection": {"partial": None, "full": None},
    "use": {"partial": (0.25, 0.100), "full": (0.35, 0.005)},
    "preconditions": {"partial": (0.32, 0.041), "full": (0.35, 0.001)},
    "total": {"partial": (0.29, 0.054), "full": (0.38, 0.008)},
    "response": {"partial": (0.37, 0.006), "full": (0.46, 0.014)},
}
#: Responders (clients with a pair) per condition; sums to the published 478.
RESPONDERS = {"control": 200, "partial": 211, "full": 67}
#: Team-periods with one empty checklist item: (team, moment) -> domain index.
MISSING_ITEMS = {("8", 2): 0, ("9", 3): 1, ("5", 1): 2}


def round_half_up(x: np.ndarray | float, digits: int = 0) -> np.ndarray:
    f = 10.0**digits
    return np.floor(np.asarray(x) * f + 0.5 + 1e-9) / f


@dataclass
class Layout:
    team: np.ndarray
    moment: np.ndarray
    cond: np.ndarray  # 0 control, 1 partial, 2 full
    arm_control: np.ndarray
    institution: np.ndarray


def layout() -> Layout:
    tps = design.team_periods()
    team = np.array([t for t, _, _ in tps])
    return Layout(
        team=team,
        moment=np.array([m for _, m, _ in tps]),
        cond=np.array([CONDITIONS.index(c) for _, _, c in tps]),
        arm_control=np.array([design.TEAMS[t][2] == "control" for t in team]),
        institution=np.array([design.TEAMS[t][0] for t in team]),
    )


class FastStats:
    """Precomputed pieces for many regressions of different y on the same design."""

    def __init__(self, lay: Layout):
        from scipy import special

        self._stdtr = special.stdtr
        self.lay = lay
        x = np.column_stack([lay.cond == 1, lay.cond == 2]).astype(float)
        self.n = len(x)
        self.z = np.column_stack([np.ones(self.n), x])
        self.ztz_inv = np.linalg.inv(self.z.T @ self.z)
        mu = x.mean(0)
        xc = x - mu
        self.sig = xc.T @ xc / self.n
        si = np.linalg.inv(self.sig)
        w = xc @ si
        pairs = [(0, 0), (1, 0), (1, 1)]
        s_sig = np.column_stack(
            [(0.5 * (w[:, i] * w[:, j] - si[i, j])) * (1.0 if i == j else 2.0) for i, j in pairs]
        )
        self.xscores = np.column_stack([w, s_sig])
        kron = np.kron(si, si)
        dup = np.zeros((4, 3))
        for col, (i, j) in enumerate(pairs):
            dup[i * 2 + j, col] = 1.0
            dup[j * 2 + i, col] = 1.0
        info_x = np.zeros((5, 5))
        info_x[:2, :2] = self.n * si
        info_x[2:, 2:] = 0.5 * self.n * dup.T @ kron @ dup
        self.bread_x = np.linalg.inv(info_x)
        _, inv = np.unique(lay.team, return_inverse=True)
        self.g = inv.max() + 1
        self.m = np.zeros((self.g, self.n))
        self.m[inv, np.arange(self.n)] = 1.0
        self.groups = [lay.cond == k for k in range(3)]
        m1 = lay.moment == 1
        self.base_c = m1 & lay.arm_control
        self.base_e = m1 & ~lay.arm_control

    def regression(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """STDYX betas and p-values of (partial, full)."""
        n = self.n
        coef = self.ztz_inv @ (self.z.T @ y)
        e = y - self.z @ coef
        s2 = e @ e / n
        scores = np.column_stack([self.z * (e / s2)[:, None], -0.5 / s2 + e**2 / (2 * s2**2)])
        summed = self.m @ np.column_stack([scores, self.xscores])
        meat = self.g / (self.g - 1) * summed.T @ summed
        bread = np.zeros((9, 9))
        bread[:3, :3] = self.ztz_inv * s2
        bread[3, 3] = 2 * s2**2 / n
        bread[4:, 4:] = self.bread_x
        vcov = bread @ meat @ bread
        b = coef[1:]
        sb = self.sig @ b
        sy = math.sqrt(b @ sb + s2)
        sdx = np.sqrt(np.diag(self.sig))
        betas = b * sdx / sy
        ps = np.empty(2)
        for j in range(2):
            grad = np.zeros(9)
            grad[1:3] = -b[j] * sdx[j] * sb / sy**3
            grad[1 + j] += sdx[j] / sy
            grad[3] = -b[j] * sdx[j] / (2 * sy**3)
            dvar = np.array([b[0] ** 2, 2 * b[0] * b[1], b[1] ** 2])
            d = -b[j] * sdx[j] * dvar / (2 * sy**3)
            d[0 if j == 0 else 2] += b[j] / (2 * sdx[j] * sy)
            grad[6:9] = d
            se = math.sqrt(grad @ vcov @ grad)
            ps[j] = math.erfc(abs(betas[j] / se) / math.sqrt(2.0))
        return betas, ps

    def baseline_p(self, y: np.ndarray) -> float:
        """Smaller of the Student and Welch two-sided p (control arm vs experimental, m1)."""
        a, b = y[self.base_c], y[self.base_e]
        na, nb = len(a), len(b)
        va, vb = a.var(ddof=1), b.var(ddof=1)
        diff = a.mean() - b.mean()
        sp = ((na - 1) * va + (nb - 1) * vb) / (na + nb - 2)
        t1 = diff / math.sqrt(sp * (1 / na + 1 / nb)) if sp > 0 else 0.0
        p1 = 2 * self._stdtr(na + nb - 2, -abs(t1))
        se2 = va / na + vb / nb
        if se2 <= 0:
            return float(p1)
        t2 = diff / math.sqrt(se2)
        df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
        return float(min(p1, 2 * self._stdtr(df, -abs(t2))))


def _interval_loss(x: float, lo: float, hi: float, scale: float) -> float:
    d = lo - x if x < lo else (x - hi if x > hi else 0.0)
    return (d / scale) ** 2


def p_aim(pub: float) -> tuple[float, float]:
    lo, hi = pub - 0.008, pub + 0.008
    return (max(lo, 0.0), min(hi, 0.048)) if pub < 0.05 else (max(lo, 0.052), hi)


def outcome_loss(fs: FastStats, y: np.ndarray, name: str, table: dict, digits: int) -> float:
    """Loss of one outcome (a Table 2 domain or response) against all its targets."""
    loss = 0.0
    h = 0.5 * 10.0**-digits
    for k, cond in enumerate(CONDITIONS):
        v = y[fs.groups[k]]
        mean, sd, lo, hi = table[cond]
        loss += _interval_loss(v.mean(), mean - 0.9 * h, mean + 0.9 * h, h)
        loss += _interval_loss(v.std(ddof=1), sd - 0.9 * h, sd + 0.9 * h, h)
        rdig = 0 if name != "response" else 1
        loss += float(round_half_up(v.min(), rdig) != lo) * (1 + abs(v.min() - lo) / 5)
        loss += float(round_half_up(v.max(), rdig) != hi) * (1 + abs(v.max() - hi) / 5)
    betas, ps = fs.regression(y)
    for j, term in enumerate(("partial", "full")):
        target = BETAS[name][term]
        if target is None:
            loss += _interval_loss(ps[j], 0.10, 1.0, 0.01)
            continue
        beta, p = target
        loss += _interval_loss(betas[j], beta - 0.004, beta + 0.004, 0.005)
        lo, hi = p_aim(p)
        loss += _interval_loss(ps[j], lo, hi, 0.005)
    loss += _interval_loss(fs.baseline_p(y), 0.15, 1.0, 0.02)
    return loss


# ----------------------------------------------------------------------------- checklist


def checklist_scores(points: np.ndarray, answered: np.ndarray) -> dict[str, np.ndarray]:
    out = {d: points[:, i] / (2 * answered[:, i]) * 100 for i, d in enumerate(CHECKLIST_DOMAINS)}
    out["total"] = points.sum(1) / (2 * answered.sum(1)) * 100
    return out


def checklist_loss(fs: FastStats, points: np.ndarray, answered: np.ndarray) -> float:
    scores = checklist_scores(points, answered)
    loss = sum(outcome_loss(fs, scores[d], d, TABLE2[d], 1) for d in CHECKLIST_SCORES)
    for k, cond in enumerate(CONDITIONS):
        _, _, lo, hi = TABLE2["total"][cond]
        v = scores["total"][fs.groups[k]]
        loss += 4.0 * float(np.sum(round_half_up(v) < lo) + np.sum(round_half_up(v) > hi))
    # Team-periods with an empty item: domain % must equal total % (exact integers).
    for i in np.flatnonzero(answered.sum(1) < 25):
        d = int(np.flatnonzero(answered[i] < N_ITEMS)[0])
        if points[i, d] * answered[i].sum() != answered[i, d] * points[i].sum():
            loss += 50.0
    return loss


def _bounds(lay: Layout, answered: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    lo = np.zeros(answered.shape, int)
    hi = np.zeros(answered.shape, int)
    for i, d in enumerate(CHECKLIST_DOMAINS):
        for k, cond in enumerate(CONDITIONS):
            _, _, pl, ph = TABLE2[d][cond]
            rows = lay.cond == k
            mx = 2 * answered[rows, i]
            lo[rows, i] = np.ceil((pl - 0.5) / 100 * mx - 1e-9)
            hi[rows, i] = np.floor((ph + 0.5) / 100 * mx - 1e-9)
    return lo, hi


def anneal(state, propose, loss_fn, rng, iterations: int, t0: float = 2.0, t1: float = 1e-3):
    cur = loss_fn(state)
    best, best_loss = state, cur
    for it in range(iterations):
        temp = t0 * (t1 / t0) ** (it / iterations)
        cand = propose(state, rng)
        if cand is None:
            continue
        c = loss_fn(cand)
        if c <= cur or rng.random() < math.exp((cur - c) / temp):
            state, cur = cand, c
            if c < best_loss:
                best, best_loss = cand, c
                if c == 0.0:
                    break
    return best, best_loss


def calibrate_checklist(lay: Layout, rng: np.random.Generator, iterations: int):
    fs = FastStats(lay)
    answered = np.tile(N_ITEMS, (len(lay.team), 1))
    for (t, m), d in MISSING_ITEMS.items():
        answered[(lay.team == t) & (lay.moment == m), d] -= 1
    lo, hi = _bounds(lay, answered)
    points = np.zeros(answered.shape, int)
    for k, cond in enumerate(CONDITIONS):
        rows = lay.cond == k
        for i, d in enumerate(CHECKLIST_DOMAINS):
            mean, sd, _, _ = TABLE2[d][cond]
            draw = rng.normal(mean, sd, rows.sum()) / 100 * 2 * answered[rows, i]
            points[rows, i] = np.clip(np.round(draw), lo[rows, i], hi[rows, i])
    # Seed the empty-item rows with values meeting their constraint (domain % == total %).
    seeds = {0: (7, 6, 11), 1: (7, 5, 8), 2: (8, 7, 9)}
    for (t, m), d in MISSING_ITEMS.items():
        points[(lay.team == t) & (lay.moment == m)] = seeds[d]
    missing_rows = {
        int(np.flatnonzero((lay.team == t) & (lay.moment == m))[0]) for t, m in MISSING_ITEMS
    }
    by_cond = [np.flatnonzero(lay.cond == k) for k in range(3)]
    # Each condition's published domain minimum and maximum sit in locked cells that only
    # move by swaps (so Table 2's ranges hold throughout).
    lock = np.zeros(points.shape, bool)
    for k in range(3):
        free = np.array([r for r in by_cond[k] if r not in missing_rows])
        for d in range(3):
            rows = rng.choice(free, 2, replace=False)
            points[rows[0], d], points[rows[1], d] = lo[rows[0], d], hi[rows[1], d]
            lock[rows, d] = True

    def propose(state, rng: np.random.Generator):
        p, lk = state[0].copy(), state[1].copy()
        move = rng.integers(5)
        i = int(rng.integers(len(p)))
        if move == 4:
            # One point moved between two team-periods of a condition: keeps the mean.
            j = int(rng.choice(by_cond[lay.cond[i]]))
            d = rng.integers(3)
            if i == j or lk[i, d] or lk[j, d] or i in missing_rows or j in missing_rows:
                return None
            p[i, d] += 1
            p[j, d] -= 1
        elif move == 0 and i not in missing_rows:
            d = rng.integers(3)
            if lk[i, d]:
                return None
            p[i, d] += rng.choice((-1, 1))
        elif move == 1:
            d1, d2 = rng.choice(3, 2, replace=False)
            if i in missing_rows:
                dm = int(np.flatnonzero(answered[i] < N_ITEMS)[0])
                if dm in (d1, d2):
                    return None
            if lk[i, d1] or lk[i, d2]:
                return None
            p[i, d1] += 1
            p[i, d2] -= 1
        else:
            grp = by_cond[lay.cond[i]]
            j = int(rng.choice(grp))
            if i == j or (answered[i] != answered[j]).any():
                return None
            if move == 2:
                d = rng.integers(3)
                p[[i, j], d] = p[[j, i], d]
                lk[[i, j], d] = lk[[j, i], d]
            else:
                p[[i, j]] = p[[j, i]]
                lk[[i, j]] = lk[[j, i]]
        if (p < lo).any() or (p > hi).any():
            return None
        return p, lk

    best, best_loss = anneal(
        (points, lock), propose, lambda s: checklist_loss(fs, s[0], answered), rng, iterations
    )
    return best[0], answered, best_loss


# ------------------------------------------------------------------------------ response

#: Responders allowed in the I4 team-periods (no parenting instrument there), per condition.
I4_LIMITS = {"control": 81, "partial": 57, "full": 20}


def response_loss(fs: FastStats, n: np.ndarray, c: np.ndarray, lay: Layout) -> float:
    r = 100.0 * n / c
    loss = outcome_loss(fs, r, "response", TABLE3, 1)
    i4 = lay.institution == design.GROUP_WORKER_INSTITUTION
    for k, cond in enumerate(CONDITIONS):
        extra = n[i4 & (lay.cond == k)].sum() - I4_LIMITS[cond]
        loss += max(0, extra) ** 2
    return loss


def calibrate_response(lay: Layout, rng: np.random.Generator, iterations: int):
    fs = FastStats(lay)
    n = np.zeros(len(lay.team), int)
    c = np.zeros(len(lay.team), int)
    locked = np.zeros(len(lay.team), bool)
    tops = {"control": (17, 35), "partial": (35, 38), "full": (11, 13)}
    by_cond = [np.flatnonzero(lay.cond == k) for k in range(3)]
    for k, cond in enumerate(CONDITIONS):
        rows = rng.permutation(by_cond[k])
        n[rows[0]], c[rows[0]] = tops[cond]
        n[rows[1]], c[rows[1]] = 0, int(rng.integers(20, 120))
        locked[rows[:2]] = True
        rest = rows[2:]
        left = RESPONDERS[cond] - tops[cond][0]
        share = rng.dirichlet(np.ones(len(rest)) * 2) * left
        n[rest] = np.floor(share).astype(int)
        n[rest[: left - n[rest].sum()]] += 1
        mean = TABLE3[cond][0] / 100
        c[rest] = np.maximum(np.round(n[rest] / max(mean, 0.05)), np.maximum(n[rest], 5))
    cap = {k: TABLE3[cond][3] for k, cond in enumerate(CONDITIONS)}

    def propose(state, rng):
        n, c, locked = state[0].copy(), state[1].copy(), state[2].copy()
        move = rng.integers(3)
        i = int(rng.integers(len(n)))
        grp = by_cond[lay.cond[i]]
        if move == 0:
            j = int(rng.choice(grp))
            if locked[i] or locked[j] or i == j or n[i] == 0:
                return None
            n[i] -= 1
            n[j] += 1
        elif move == 1:
            if locked[i]:
                return None
            c[i] += int(rng.choice((-1, 1)) * rng.integers(1, 6))
        else:
            j = int(rng.choice(grp))
            n[[i, j]], c[[i, j]] = n[[j, i]], c[[j, i]]
            locked[[i, j]] = locked[[j, i]]
        if (c < np.maximum(n, 5)).any() or (c > 400).any():
            return None
        if (100.0 * n[grp] / c[grp] > cap[lay.cond[i]] + 0.05).any():
            return None
        return n, c, locked

    best, best_loss = anneal(
        (n, c, locked), propose, lambda s: response_loss(fs, s[0], s[1], lay), rng, iterations
    )
    return best[0], best[1], best_loss


# --------------------------------------------------------------------------------- output


def report(lay: Layout, points: np.ndarray, answered: np.ndarray, n: np.ndarray, c: np.ndarray):
    fs = FastStats(lay)
    scores = checklist_scores(points, answered)
    scores["response"] = 100.0 * n / c
    for name, y in scores.items():
        betas, ps = fs.regression(y)
        parts = []
        for k, cond in enumerate(CONDITIONS):
            v = y[fs.groups[k]]
            parts.append(f"{cond} {v.mean():.2f}/{v.std(ddof=1):.2f} [{v.min():.1f}-{v.max():.1f}]")
        print(
            f"{name:14s} " + "; ".join(parts) + f" | beta {np.round(betas, 3)} p {np.round(ps, 4)}"
            f" | baseline p {fs.baseline_p(y):.3f}"
        )


def write_module(
    path: Path, lay: Layout, points, answered, n, c, seed: int, iterations: int
) -> None:
    rows = []
    for i in range(len(lay.team)):
        miss = int(np.flatnonzero(answered[i] < N_ITEMS)[0]) if answered[i].sum() < 25 else -1
        rows.append(
            f"    ({str(lay.team[i])!r}, {lay.moment[i]}, {points[i, 0]}, {points[i, 1]}, "
            f"{points[i, 2]}, {miss}, {n[i]}, {c[i]}),"
        )
    text = (
        '"""Calibrated team-period design data (do not edit by hand). GENERATED by\n'
        "``python -m ldj_analysis.synthetic.calibrate"
        f" --seed {seed} --iterations {iterations}``.\n\n"
        "Per team-period: team_id, moment, checklist points of collection, use and\n"
        "preconditions (over the answered items), the domain index with one empty item\n"
        "(-1: none), responding clients and closed treatments.\n"
        '"""\n\n'
        "TEAM_PERIODS: tuple[tuple[str, int, int, int, int, int, int, int], ...] = (\n"
        + "\n".join(rows)
        + "\n)\n"
    )
    path.write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--iterations", type=int, default=150_000)
    parser.add_argument("--out", type=Path, default=Path(__file__).with_name("_calibrated.py"))
    args = parser.parse_args(argv)
    lay = layout()
    rng = np.random.default_rng(args.seed)
    points, answered, l1 = calibrate_checklist(lay, rng, args.iterations)
    print(f"checklist loss {l1:.4g}")
    n, c, l2 = calibrate_response(lay, rng, args.iterations)
    print(f"response loss {l2:.4g}")
    report(lay, points, answered, n, c)
    if l1 > 0 or l2 > 0:
        print("note: loss > 0, some value lies outside its aimed margin: check the lines above")
    write_module(args.out, lay, points, answered, n, c, args.seed, args.iterations)
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
