"""The study's statistical models (docs/study.md section 4).

Public API, called by the workflow's thin rule scripts:

- ``fit_checklist_response(team_periods, config)`` -> ``checklist_response.csv`` frame
- ``fit_outcome_models(pairs, config)`` -> ``outcomes.csv`` frame
- ``baseline_ttests(team_periods, config)`` -> ``baseline_ttests.csv`` frame
- ``prepost_tests(pairs, config)`` -> ``prepost_tests.csv`` frame
- ``small_sample_models.small_sample_frame(team_periods, pairs, options)`` ->
  ``small_sample.csv`` frame (CR2, CR3, WCR, JK-FIML next to the Mplus-style test, per spec;
  Holm/BH per family; the report's robustness table)
- ``icc.icc_frame(team_periods, pairs)`` -> ``icc.csv`` frame
- ``fit_regression(data, outcome, covariates, cluster, missing)`` -> ``RegressionFit``:
  any y on X by ML/FIML with cluster-robust (MLR) SEs and STDYX betas.

Frames carry ``attrs["failures"]`` ({model: reason}) for models that could not be estimated.
"""

from ldj_analysis.models.regression import ModelError, RegressionFit, fit_regression
from ldj_analysis.models.study import fit_checklist_response, fit_outcome_models
from ldj_analysis.models.ttests import baseline_ttests, prepost_tests

__all__ = [
    "ModelError",
    "RegressionFit",
    "baseline_ttests",
    "fit_checklist_response",
    "fit_outcome_models",
    "fit_regression",
    "prepost_tests",
]
