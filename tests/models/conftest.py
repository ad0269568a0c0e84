"""Shared fixtures: the lavaan reference data sets of tests/reference/models."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

REFERENCE = Path(__file__).resolve().parents[1] / "reference" / "models"


def load_reference(dataset: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """Data, lavaan estimates and the summary row of one reference data set."""
    summary = pd.read_csv(REFERENCE / "summary.csv").set_index("dataset")
    data = pd.read_csv(REFERENCE / f"{dataset}.csv")
    estimates = pd.read_csv(REFERENCE / f"{dataset}_lavaan.csv")
    return data, estimates, summary.loc[dataset]
