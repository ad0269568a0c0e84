"""Baseline t-tests between the arms and pre/post tests with Table 4's effect sizes."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.models import baseline_ttests, prepost_tests
from ldj_analysis.models.ttests import BASELINE_COLUMNS, PREPOST_COLUMNS, effect_size
from tests.models.test_study import team_periods

TABLE4 = {  # (condition, domain): n, pre M, pre SD, post M, post SD, ES
    ("control", "opgroei"): (168, 1.94, 1.73, 1.16, 1.76, 0.45),
    ("control", "opvoed"): (119, 1.67, 1.78, 0.93, 1.64, 0.43),
    ("partial", "opgroei"): (180, 1.74, 1.53, 1.07, 1.61, 0.43),
    ("partial", "opvoed"): (154, 1.80, 1.66, 1.16, 1.58, 0.39),
    ("full", "opgroei"): (56, 1.51, 1.74, 0.81, 1.48, 0.43),
    ("full", "opvoed"): (47, 1.40, 1.39, 0.84, 1.37, 0.41),
}


def _exact(rng, n, mean, sd):
    e = rng.normal(size=n)
    return mean + sd * (e - e.mean()) / e.std(ddof=1)


def table4_pairs(seed: int = 3) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frames = []
    for (condition, domain), (n, m0, s0, m1, s1, _) in TABLE4.items():
        frames.append(
            pd.DataFrame(
                {
                    "condition": condition,
                    "domain": domain,
                    "team_id": "t",
                    "pre_z": _exact(rng, n, m0, s0),
                    "post_z": _exact(rng, n, m1, s1),
                }
            )
        )
    return pd.concat(frames, ignore_index=True)


def test_effect_sizes_reproduce_table_4():
    out = prepost_tests(table4_pairs()).set_index(["condition", "domain"])
    assert list(out.reset_index().columns) == PREPOST_COLUMNS
    for key, (n, m0, _, m1, _, es) in TABLE4.items():
        assert out.loc[key, "n"] == n
        assert round(out.loc[key, "es"], 2) == es, key
        assert out.loc[key, "mean_change"] == pytest.approx(m1 - m0)
    assert out.attrs["failures"] == {}


def test_paired_t_by_hand_and_incomplete_pairs_left_out():
    pairs = table4_pairs()
    pairs.loc[0, "post_z"] = np.nan
    out = prepost_tests(pairs).set_index(["condition", "domain"])
    cell = pairs[(pairs.condition == "control") & (pairs.domain == "opgroei")].dropna()
    d = cell.post_z - cell.pre_z
    t = d.mean() / (d.std(ddof=1) / np.sqrt(len(d)))
    row = out.loc[("control", "opgroei")]
    assert row.n == 167 and row.df == 166
    assert row.t == pytest.approx(t, rel=1e-12)
    assert row.es == pytest.approx(effect_size(cell.pre_z, cell.post_z))
    from scipy import stats

    assert row.p == pytest.approx(2 * stats.t.sf(abs(t), 166), rel=1e-10)


def test_prepost_small_cell_gives_nan_and_a_failure_note():
    pairs = table4_pairs()
    pairs = pairs[~((pairs.condition == "full") & (pairs.domain == "opvoed"))]
    out = prepost_tests(pairs).set_index(["condition", "domain"])
    assert out.loc[("full", "opvoed"), "n"] == 0
    assert np.isnan(out.loc[("full", "opvoed"), "t"])
    assert "prepost:full:opvoed" in out.attrs["failures"]


def _by_hand(a: np.ndarray, b: np.ndarray, pooled: bool) -> tuple[float, float]:
    na, nb = len(a), len(b)
    va, vb = a.var(ddof=1), b.var(ddof=1)
    if pooled:
        sp = ((na - 1) * va + (nb - 1) * vb) / (na + nb - 2)
        return (a.mean() - b.mean()) / np.sqrt(sp * (1 / na + 1 / nb)), na + nb - 2
    se2 = va / na + vb / nb
    df = se2**2 / ((va / na) ** 2 / (na - 1) + (vb / nb) ** 2 / (nb - 1))
    return (a.mean() - b.mean()) / np.sqrt(se2), df


@pytest.mark.parametrize("kind", ["student", "welch"])
def test_baseline_ttests_first_moment_by_hand(kind):
    tp = team_periods()
    tp.loc[(tp.moment == 1) & (tp.team_id == "2"), "response"] = np.nan
    out = baseline_ttests(tp, {"models": {"ttest": kind}}).set_index("outcome")
    assert list(out.reset_index().columns) == BASELINE_COLUMNS
    first = tp[tp.moment == 1]
    for outcome in ["collection", "use", "preconditions", "total", "response"]:
        a = first.loc[first.arm == "control", outcome].dropna().to_numpy()
        b = first.loc[first.arm == "experimental", outcome].dropna().to_numpy()
        t, df = _by_hand(a, b, pooled=kind == "student")
        row = out.loc[outcome]
        assert (row.n_control, row.n_experimental) == (len(a), len(b))
        assert row.mean_control == pytest.approx(a.mean())
        assert row.t == pytest.approx(t, rel=1e-10)
        assert row.df == pytest.approx(df, rel=1e-10)
    assert (out.loc["collection", "n_control"], out.loc["collection", "n_experimental"]) == (5, 11)
    assert out.loc["response", "n_experimental"] == 10


def test_baseline_default_is_student():
    tp = team_periods()
    assert baseline_ttests(tp).df.tolist() == [14.0] * 5


def test_baseline_bad_option_is_refused():
    with pytest.raises(ValueError, match="welch"):
        baseline_ttests(team_periods(), {"models": {"ttest": "mann-whitney"}})
