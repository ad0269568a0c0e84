"""The workflow's model steps: read the derived data, fit, write the model CSVs.

A model that cannot be estimated is named with its reason in the log (and on stderr); the
other models' rows are still written.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ldj_analysis.models.icc import icc_frame
from ldj_analysis.models.small_sample_models import options_from_config, small_sample_frame
from ldj_analysis.models.study import fit_checklist_response, fit_outcome_models
from ldj_analysis.models.ttests import baseline_ttests, prepost_tests

log = logging.getLogger(__name__)


def _write(frame: pd.DataFrame, path: str | Path, step: str) -> None:
    failures = frame.attrs.get("failures") or {}
    if failures:
        log.info("%s: %d model(s) not estimated: %s", step, len(failures), sorted(failures))
    Path(path).parent.mkdir(parents=True, exist_ok=True)
    frame.to_csv(path, index=False, lineterminator="\n")


def team_period_models(
    team_periods_path: str | Path,
    config: Mapping[str, Any],
    checklist_response_path: str | Path,
    baseline_ttests_path: str | Path,
) -> None:
    """Regressions of the checklist scores and response on condition; baseline t-tests."""
    team_periods = pd.read_parquet(team_periods_path)
    _write(
        fit_checklist_response(team_periods, config), checklist_response_path, "checklist models"
    )
    _write(baseline_ttests(team_periods, config), baseline_ttests_path, "baseline t-tests")


def pair_models(
    pairs_path: str | Path,
    config: Mapping[str, Any],
    outcomes_path: str | Path,
    prepost_tests_path: str | Path,
    *,
    team_periods_path: str | Path | None = None,
    small_sample_path: str | Path | None = None,
    icc_path: str | Path | None = None,
) -> None:
    """FIML outcome models per domain; paired pre/post tests and effect sizes; with
    ``team_periods_path``, the small-sample tests of every model (team-period and outcome
    models: ``small_sample.csv``) and the team-level ICCs (``icc.csv``)."""
    pairs = pd.read_parquet(pairs_path)
    _write(fit_outcome_models(pairs, config), outcomes_path, "outcome models")
    _write(prepost_tests(pairs, config), prepost_tests_path, "pre/post tests")
    if team_periods_path is None:
        return
    team_periods = pd.read_parquet(team_periods_path)
    if small_sample_path is not None:  # CR2, CR3, WCR, JK-FIML; Holm/BH within the families
        frame = small_sample_frame(team_periods, pairs, options_from_config(config))
        _write(frame, small_sample_path, "small-sample tests")
    if icc_path is not None:
        _write(icc_frame(team_periods, pairs), icc_path, "ICCs")
