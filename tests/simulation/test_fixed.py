"""The simulation's fixed-design path gives what the core's cluster_tests gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.models.regression import ModelError
from ldj_analysis.models.small_sample import WildOptions, cluster_tests
from ldj_analysis.simulation.design import configured_design
from ldj_analysis.simulation.fixed import ROW_FIELDS, FixedDesignTests
from ldj_analysis.simulation.generate import draw
from ldj_analysis.simulation.specs import SPEC_MATRICES
from ldj_analysis.vocabulary import CLUSTER_TEST_METHODS

SCHEDULES = [
    ["control", "control", "control", "control"],
    ["control", "partial", "full", "full"],
    ["control", "partial", "partial", ""],
    ["control", "full", "full", "full"],
]


@pytest.mark.parametrize("spec", list(SPEC_MATRICES))
@pytest.mark.parametrize(
    "wild", [WildOptions(ci=False), WildOptions(max_enumeration=0, draws=199, seed=7, ci=False)]
)
def test_fixed_design_equals_cluster_tests(spec, wild):
    design = configured_design(12, 4, SCHEDULES)
    rng = np.random.default_rng(3)
    data = draw(design, 0.15, rng)
    X, names, terms = SPEC_MATRICES[spec](data.condition, data.halfyear, data.team)
    fixed = FixedDesignTests(X, data.team, names, terms, CLUSTER_TEST_METHODS)
    for r in range(3):
        y = data.outcome(0.3 * r, 0.5, 0.05) + rng.standard_normal(data.noise.size)
        result, errors = fixed.run(y, wild)
        ok = [m for m in CLUSTER_TEST_METHODS if m not in errors]
        ref = cluster_tests(X, y, data.team, names, terms, ok, wild)
        for row in ref.itertuples():
            got = result[terms.index(row.term), CLUSTER_TEST_METHODS.index(row.method)]
            want = np.array([getattr(row, f) for f in ROW_FIELDS], dtype=float)
            np.testing.assert_allclose(
                got, want, rtol=1e-9, atol=1e-12, err_msg=f"{spec} {row.method}"
            )
        for method in errors:
            with pytest.raises(ModelError):
                cluster_tests(X, y, data.team, names, terms, [method], wild)
            assert np.isnan(result[:, CLUSTER_TEST_METHODS.index(method)]).all()


def test_cr3_with_team_fixed_effects_is_a_reported_failure_not_a_crash():
    design = configured_design(8, 5, SCHEDULES)
    data = draw(design, 0.1, np.random.default_rng(0))
    X, names, terms = SPEC_MATRICES["team_fe_half_year"](data.condition, data.halfyear, data.team)
    fixed = FixedDesignTests(X, data.team, names, terms, CLUSTER_TEST_METHODS)
    assert set(fixed.failures) == {"CR3"}
    result, errors = fixed.run(data.noise, WildOptions(max_enumeration=0, draws=99, ci=False))
    assert "singular" in errors["CR3"]
    assert np.isfinite(result[:, CLUSTER_TEST_METHODS.index("CR2"), 4]).all()


def test_a_design_no_method_can_fit_raises():
    X = np.column_stack([np.ones(6), [0, 0, 0, 1, 1, 1.0], [0, 0, 0, 1, 1, 1.0]])
    with pytest.raises(ModelError, match="singular"):
        FixedDesignTests(
            X, np.array([1, 1, 2, 2, 3, 3]), ["intercept", "a", "b"], ["a"], CLUSTER_TEST_METHODS
        )


def test_frame_equivalence_on_study_design():
    """Sanity: the estimates are OLS (same as numpy lstsq)."""
    design = configured_design(10, 3, SCHEDULES)
    data = draw(design, 0.1, np.random.default_rng(9))
    X, names, terms = SPEC_MATRICES["study"](data.condition, data.halfyear, data.team)
    fixed = FixedDesignTests(X, data.team, names, terms, ["mplus"])
    y = data.noise
    result, _ = fixed.run(y, WildOptions(ci=False))
    beta = np.linalg.lstsq(X, y, rcond=None)[0]
    np.testing.assert_allclose(result[:, 0, 0], beta[[names.index(t) for t in terms]])
    assert pd.Series(terms).tolist() == ["partial", "full"]
