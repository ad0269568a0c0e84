"""A random export with validation problems and every pairing case, for the scale tests.

Built from ``benchmarks/study_logic.py``'s random export (about 20,000 questionnaire rows)
with records that break record-level rules, so that the code paths used at national scale
(Arrow lookups, row references of the working copy) are compared with the plain pandas
oracle of the pairing rules and with each other.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pandas as pd

from ldj_analysis.config import validate_config
from ldj_analysis.derive import Derived, derive
from ldj_analysis.export import Export
from ldj_analysis.norms import DEFAULT_NORMS_FILE, load_norms
from ldj_analysis.validation import (
    ValidationResult,
    read_validated,
    validate_export,
    write_working_copy,
)

ROOT = Path(__file__).resolve().parents[2]
KEY = b"scale-test-key"
OUTPUTS = ("team_periods", "pairs", "exclusions", "flow", "table4", "sample")


def broken_export(rows: int = 20_000, seed: int = 7) -> Export:
    """The random export with record-level problems: unknown clients, treatments and teams,
    treatments of another client or of an unknown client, bad codes, missing values."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from study_logic import build

    ex = build(rows, seed=seed)
    rng = np.random.default_rng(seed)
    q, tr = ex.questionnaires.copy(), ex.treatments.copy()

    def pick(frame: pd.DataFrame, k: int) -> np.ndarray:
        return rng.choice(len(frame), k, replace=False)

    q.loc[pick(q, 40), "client_id"] = "K-unknown"
    q.loc[pick(q, 40), "treatment_id"] = "B-unknown"
    rows_ = pick(q, 40)  # a treatment of another client
    q.loc[rows_, "treatment_id"] = tr["treatment_id"].to_numpy()[rng.integers(0, len(tr), 40)]
    q.loc[pick(q, 30), "informant"] = "buurman"
    q.loc[pick(q, 30), "occasion"] = "later"
    q.loc[pick(q, 30), "raw_total"] = -1.0
    tr.loc[pick(tr, 30), "client_id"] = "K-gone"
    tr.loc[pick(tr, 20), "team_id"] = "T-gone"
    return Export(ex.teams, ex.implementation, ex.checklist, ex.clients, tr, q)


#: Config variants: the defaults, and every pairing option switched.
VARIANTS: dict[str, dict] = {
    "default": {},
    "switched": {
        "pairing": {
            "priority_scope": "post",
            "duplicate_start_lists": "earliest",
            "duplicate_end_lists": "earliest",
            "same_treatment": False,
        },
        "response": {"numerator": "clients_with_post"},
    },
}


def run(
    export: Export, variant: str = "default", working_copy: Path | None = None
) -> tuple[ValidationResult, Derived]:
    """Validate (excluding bad records) and derive with a config variant; with
    ``working_copy`` (a folder), derive from the working copy the workflow writes (with its
    row references) instead of the valid export in memory."""
    config = validate_config(VARIANTS[variant])
    valid = validate_export(export, config)
    analysed = valid.export
    if working_copy is not None:
        write_working_copy(valid, working_copy)
        analysed = read_validated(working_copy)
    derived = derive(
        analysed,
        config,
        norms=load_norms(DEFAULT_NORMS_FILE),
        validation_exclusions=valid.exclusions,
        pseudonym_key=KEY,
        synthetic_export=True,  # generated records, the shipped (placeholder) norms
    )
    return valid, derived


def outputs(valid: ValidationResult, derived: Derived) -> dict[str, pd.DataFrame]:
    """The frames compared with the reference."""
    out = {name: getattr(derived, name) for name in OUTPUTS}
    out["exclusions"] = out["exclusions"].astype("str")  # as written: coded columns as text
    out["validation_exclusions"] = valid.exclusions
    out["validated_questionnaires"] = valid.export.questionnaires
    out["validated_treatments"] = valid.export.treatments
    return out
