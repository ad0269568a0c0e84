"""The study logic in one call: a validated export plus the config -> the analysis data.

:func:`derive` builds the team-periods (conditions, checklist scores, response), the
selected pre/post pairs (pseudonymised, with z-scores and covariates), the exclusion log,
the record flow and the descriptive tables; :func:`write_derived` writes them to the paths
of docs/outputs.md. Derived data hold pseudonyms only: no client ids, record ids or birth dates
(the exclusion log, an audit file for the data owner, holds export keys by contract).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis import conditions, descriptives
from ldj_analysis.checklist import SCORE_COLUMNS, checklist_scores, unscored_log
from ldj_analysis.exclusion_log import (
    concat_exclusions,
    exclusion_frame,
    write_exclusions,
)
from ldj_analysis.export import Export
from ldj_analysis.norms import (
    load_norms,
    norm_scores,
    norms_path,
    norms_used,
    refuse_placeholders,
    whole_years,
)
from ldj_analysis.pairing import add_covariates, select_pairs
from ldj_analysis.pseudonym import KEY_FILE, load_key, pseudonymise
from ldj_analysis.response import add_response, numerator_counts, undefined_log
from ldj_analysis.selection import instrument_domains
from ldj_analysis.vocabulary import DESCRIPTIVE_TABLES

log = logging.getLogger(__name__)

TEAM_PERIOD_COLUMNS = [
    "team_id",
    "institution_id",
    "arm",
    "moment",
    "period_start",
    "period_end",
    "reference_date",
    "condition",
    *SCORE_COLUMNS,
    "closed_treatments",
    "n_responders",
    "response",
]
#: Columns of data/derived/pairs.parquet (pseudonyms only; docs/outputs.md).
PAIRS_FILE_COLUMNS = [
    "client_key",
    "team_id",
    "moment",
    "condition",
    "domain",
    "instrument",
    "informant",
    "pre_date",
    "post_date",
    "pre_raw",
    "post_raw",
    "pre_z",
    "post_z",
    "sex",
    "age",
    "duration_days",
]


@dataclass
class Derived:
    """Everything the study logic produces (columns per docs/outputs.md)."""

    team_periods: pd.DataFrame
    pairs: pd.DataFrame
    exclusions: pd.DataFrame
    flow: pd.DataFrame
    table1: pd.DataFrame
    table2: pd.DataFrame
    table3: pd.DataFrame
    table4: pd.DataFrame
    sample: pd.DataFrame
    #: The norm rows that scored a selected list (:func:`ldj_analysis.norms.norms_used`).
    norms_used: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in DESCRIPTIVE_TABLES}


def _norm_pairs(
    pairs: pd.DataFrame, norms: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """z-scores of both lists of every pair; pairs with a list without norm group go to the
    exclusion log (both records, step ``norm``). Also returns the norm rows used."""
    zs = {}
    for side in ("pre", "post"):
        lists = pd.DataFrame(
            {
                "instrument": pairs["instrument"],
                "sex": pairs["sex"],
                "age_years": whole_years(pairs["birth_date"], pairs[f"{side}_date"])
                if "birth_date" in pairs.columns
                else pairs[f"{side}_age_years"],  # computed by the database
                "raw": pairs[f"{side}_raw"],
            }
        )
        zs[side] = norm_scores(lists, norms)
        pairs[f"{side}_z"] = zs[side]["z"].to_numpy()
    reason = zs["pre"]["no_norm_reason"].fillna(zs["post"]["no_norm_reason"])
    side = np.where(zs["pre"]["no_norm_reason"].notna(), "start list", "end list")
    bad = reason.notna().to_numpy()
    text = pd.Series(side[bad], dtype="str") + ": " + reason[bad].astype("str").to_numpy()
    log_rows = concat_exclusions(
        [
            exclusion_frame(pairs.loc[bad, "pre_record"].to_numpy(), "norm", text.to_numpy()),
            exclusion_frame(pairs.loc[bad, "post_record"].to_numpy(), "norm", text.to_numpy()),
        ]
    )
    used = np.concatenate([zs[side]["norm_row"].to_numpy()[~bad] for side in ("pre", "post")])
    return pairs[~bad].reset_index(drop=True), log_rows, used


def derive(
    export: Export,
    config: dict[str, Any],
    norms: pd.DataFrame | None = None,
    validation_exclusions: pd.DataFrame | None = None,
    pseudonym_key: bytes | None = None,
    synthetic_export: bool = False,
) -> Derived:
    """Turn a validated export into the analysis data (see the module docstring).

    ``config``: a validated config dict. ``norms``: the norm table (default: read from
    ``config['norms_file']``). ``validation_exclusions``: the validation log, prepended to
    the exclusion log and counted in the flow. ``pseudonym_key``: default from
    :func:`ldj_analysis.pseudonym.load_key` (config ``pseudonym_key_file``). Placeholder
    norm rows that score a list raise :class:`ldj_analysis.norms.PlaceholderNormsError`
    unless ``synthetic_export`` or the config key ``norms_accept_placeholders`` allows them.
    """
    if norms is None:
        norms = load_norms(norms_path(config))
    messages: list[str] = []

    base, issues = conditions.team_periods_base(export, config)
    messages += issues
    scores = checklist_scores(export.checklist, config["checklist"]["max_missing_share"])
    tp = base.merge(scores, on=["team_id", "moment"], how="left")

    result = select_pairs(
        export.questionnaires,
        export.treatments,
        export.teams,
        tp,
        config["pairing"],
        clients=export.clients,
        instruments=instrument_domains(config["selection"]),
    )
    counts = numerator_counts(config["response"]["numerator"], result.pairs, result.usable_posts)
    tp, response_msgs = add_response(tp, counts)
    messages += response_msgs

    pairs = result.pairs
    if config.get("ids_pseudonymised") and "_client_row" in pairs.columns:
        # Pairs are ordered by client id; ids pseudonymised at the source come in clients
        # rows ordered by the raw id (ldj_analysis.extract), so the row keeps that order.
        order = ["team_id", "moment", "_client_row", "domain"]
        pairs = pairs.sort_values(order, kind="stable").reset_index(drop=True)
    pairs = add_covariates(pairs, export.clients, export.treatments)
    n_selected = len(pairs)
    pairs, norm_log, used_rows = _norm_pairs(pairs, norms)
    used_norms = norms_used(norms, used_rows)
    if synthetic_export or config.get("norms_accept_placeholders", False):
        if used_norms["placeholder"].any():
            msg = (
                f"{int(used_norms['placeholder'].sum())} placeholder norm row(s) used "
                "(accepted: synthetic export or norms_accept_placeholders)"
            )
            log.warning("norms: %s", msg)
            messages.append(msg)
    else:
        refuse_placeholders(used_norms, str(norms_path(config)))
    if len(norm_log):
        msg = f"{len(norm_log) // 2} pair(s) without a norm group excluded (see exclusion log)"
        log.warning("norms: %s", msg)
        messages.append(msg)
    if config.get("ids_pseudonymised"):  # pseudonymised while extracted from a database
        pairs["client_key"] = pairs["client_id"]
    else:
        key = pseudonym_key
        if key is None:
            key = load_key(config.get("pseudonym_key_file", KEY_FILE))
        pairs["client_key"] = pseudonymise(pairs["client_id"], key)
    pairs = pairs[PAIRS_FILE_COLUMNS].copy()

    exclusions = concat_exclusions(
        [
            validation_exclusions,
            result.exclusions,
            norm_log,
            unscored_log(scores),
            undefined_log(tp),
        ]
    )
    n_validation = (
        int((validation_exclusions["table"] == "questionnaires").sum())
        if validation_exclusions is not None
        else 0
    )
    flow = descriptives.flow(result.n_records, exclusions, n_selected, pairs, n_validation)

    tp = tp[TEAM_PERIOD_COLUMNS].copy()
    return Derived(
        team_periods=tp,
        pairs=pairs,
        exclusions=exclusions,
        flow=flow,
        table1=conditions.table1(tp),
        table2=descriptives.table2(tp),
        table3=descriptives.table3(tp),
        table4=descriptives.table4(pairs),
        sample=descriptives.sample(pairs),
        norms_used=used_norms,
        warnings=messages,
    )


def write_derived(
    derived: Derived,
    team_periods_path: str | Path,
    pairs_path: str | Path,
    exclusions_path: str | Path,
    tables_dir: str | Path,
    norms_used_path: str | Path | None = None,
) -> None:
    """Write team_periods/pairs (Parquet), the exclusion log (CSV), the tables
    (``<tables_dir>/<name>.csv``: table1-4, sample, flow) and the norm rows used (CSV),
    creating folders as needed."""
    for path in (team_periods_path, pairs_path, exclusions_path):
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    derived.team_periods.to_parquet(team_periods_path, index=False)
    derived.pairs.to_parquet(pairs_path, index=False)
    write_exclusions(derived.exclusions, exclusions_path)
    if norms_used_path is not None:
        Path(norms_used_path).parent.mkdir(parents=True, exist_ok=True)
        derived.norms_used.to_csv(norms_used_path, index=False, lineterminator="\n")
    tables_dir = Path(tables_dir)
    tables_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in derived.tables().items():
        frame.to_csv(
            tables_dir / f"{name}.csv", index=False, lineterminator="\n", date_format="%Y-%m-%d"
        )


def derive_files(
    validated_dir: str | Path,
    validation_exclusions: str | Path,
    norms_file: str | Path,
    config: dict[str, Any],
    team_periods_path: str | Path,
    pairs_path: str | Path,
    exclusions_path: str | Path,
    tables_dir: str | Path,
    norms_used_path: str | Path | None = None,
    synthetic_export: bool = False,
) -> Derived:
    """The workflow's derive step: read the valid export, apply the selection, derive and
    write every output (the exclusion log holds validation, selection and study steps)."""
    from ldj_analysis.selection import select, shortfalls
    from ldj_analysis.validation import read_validated

    export = read_validated(validated_dir)
    prior = pd.read_csv(validation_exclusions, dtype="str", keep_default_na=False)
    export, selection_log = select(export, config["selection"])
    config = {**config, "norms_file": str(norms_file)}
    derived = derive(
        export,
        config,
        norms=load_norms(norms_file),
        validation_exclusions=concat_exclusions([prior, selection_log]),
        synthetic_export=synthetic_export,
    )
    for message in derived.warnings:
        log.info("derive: %s", message)
    for message in shortfalls(derived.team_periods, derived.pairs):
        log.warning("too little to analyse: %s", message)
    write_derived(
        derived, team_periods_path, pairs_path, exclusions_path, tables_dir, norms_used_path
    )
    return derived
