"""The study logic in one call: a validated export plus the config -> the analysis data.

:func:`derive` runs the recipe (:mod:`ldj_analysis.steps`: conditions, checklist scores,
pairing, response, norm z-scores) on the export and collects the team-periods, the selected
pre/post pairs (pseudonymised, with z-scores and covariates), the exclusion log, the record
flow and the descriptive tables; :func:`write_derived` writes them to the paths of
docs/outputs.md. Derived data hold pseudonyms only: no client ids, record ids or birth dates
(the exclusion log, an audit file for the data owner, holds export keys by contract).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import pyarrow as pa

from ldj_analysis import conditions, descriptives, steps
from ldj_analysis.checklist import SCORE_COLUMNS
from ldj_analysis.exclusion_log import as_exclusions, concat_exclusions, write_exclusion_parts
from ldj_analysis.export import Export
from ldj_analysis.key_lookups import ARROW_BATCH_ROWS
from ldj_analysis.norms import (
    load_norms,
    norms_path,
    norms_used,
    refuse_placeholders,
    register_norms,
)
from ldj_analysis.pairing import check_every_list_accounted_for, list_exclusion_slices
from ldj_analysis.pseudonym import KEY_FILE, load_key, pseudonymise
from ldj_analysis.response import response_messages
from ldj_analysis.selection import instrument_domains
from ldj_analysis.steps import code_lists
from ldj_analysis.vocabulary import DESCRIPTIVE_TABLES, EXPORT_TABLES

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


#: The recipe's exclusion logs after the lists' (:func:`list_exclusion_slices`), in the
#: order the study applies the steps.
LATER_LOGS = tuple(
    f"SELECT * FROM {name}"
    for name in ("norm_exclusion", "checklist_unscored", "response_undefined")
)


@dataclass
class ExclusionLog:
    """The exclusion log: the prior log (validation, selection), then the recipe's logs,
    read from the recipe's database when they are written (millions of rows at scale)."""

    con: Any
    prior: pd.DataFrame | None = None

    def recipe_parts(self) -> Iterator[pa.RecordBatchReader]:
        """The recipe's logs in order, each read when the one before is written."""
        for query in list_exclusion_slices(self.con):
            yield query.to_arrow_reader(ARROW_BATCH_ROWS)
        for query in LATER_LOGS:
            yield self.con.sql(query).to_arrow_reader(ARROW_BATCH_ROWS)

    def parts(self) -> Iterator[pa.Table | pa.RecordBatchReader]:
        if self.prior is not None:
            yield pa.Table.from_pandas(as_exclusions(self.prior), preserve_index=False)
        yield from self.recipe_parts()

    def frame(self) -> pd.DataFrame:
        recipe = [part.read_all().to_pandas() for part in self.recipe_parts()]
        return concat_exclusions([self.prior, *recipe])

    def step_counts(self) -> dict[str, int]:
        """Questionnaire lists excluded per step after validation."""
        prior = self.prior if self.prior is not None else pd.DataFrame(columns=["table", "step"])
        prior = prior[(prior["table"] == "questionnaires") & (prior["step"] != "validation")]
        counts = prior["step"].value_counts().to_dict()
        by_steps = ["SELECT step, count(*) FROM list_exclusion GROUP BY step"] + [
            f"SELECT step, count(*) FROM ({query}) WHERE \"table\" = 'questionnaires' GROUP BY step"
            for query in LATER_LOGS
        ]
        for by_step in by_steps:
            for step, n in self.con.sql(by_step).fetchall():
                counts[step] = counts.get(step, 0) + n
        return counts


@dataclass
class Derived:
    """Everything the study logic produces (columns per docs/outputs.md)."""

    team_periods: pd.DataFrame
    pairs: pd.DataFrame
    exclusion_log: ExclusionLog
    flow: pd.DataFrame
    table1: pd.DataFrame
    table2: pd.DataFrame
    table3: pd.DataFrame
    table4: pd.DataFrame
    sample: pd.DataFrame
    #: The norm rows that scored a selected list (:func:`ldj_analysis.norms.norms_used`).
    norms_used: pd.DataFrame = field(default_factory=pd.DataFrame)
    warnings: list[str] = field(default_factory=list)

    @property
    def exclusions(self) -> pd.DataFrame:
        """The whole exclusion log as a frame (``table, key, step, reason``)."""
        return self.exclusion_log.frame()

    def tables(self) -> dict[str, pd.DataFrame]:
        return {name: getattr(self, name) for name in DESCRIPTIVE_TABLES}


def run_recipe(
    export: Export,
    config: dict[str, Any],
    norms: pd.DataFrame,
    engine: Mapping[str, Any] | None = None,
) -> Any:
    """Every recipe step on the export (tables registered as ``<table>_in``); returns the
    DuckDB connection holding the results."""
    con = steps.open_recipe(engine)
    for name in EXPORT_TABLES:
        steps.register_table(con, name, getattr(export, name))
    steps.add_row_refs(con)
    pairing = config["pairing"]
    code_lists.register_code_lists(
        con, instrument_domains(config["selection"]), pairing, export.teams
    )
    register_norms(con, norms)
    steps.set_settings(
        con,
        **conditions.condition_settings(config),
        **steps.checklist_settings(config["checklist"]["max_missing_share"]),
        **steps.pairing_settings(pairing),
        numerator=config["response"]["numerator"],
        ids_pseudonymised=bool(config.get("ids_pseudonymised")),
    )
    steps.run(con, steps.STEP_FILES)
    check_every_list_accounted_for(con)
    return con


def _team_periods(con: Any, config: dict[str, Any]) -> tuple[pd.DataFrame, list[str]]:
    """The team-periods with scores and response, and the messages about them."""
    tp = steps.fetch(con, "SELECT * FROM team_period_response ORDER BY team_id, moment")
    tp = tp.astype({**conditions.TEAM_PERIOD_TYPES, "n_responders": "Int64"})
    messages = conditions.condition_messages(tp[conditions.BASE_COLUMNS], config)
    messages += response_messages(tp)
    return tp[TEAM_PERIOD_COLUMNS].copy(), messages


def _norm_checked_pairs(
    con: Any, config: dict[str, Any], norms: pd.DataFrame, synthetic_export: bool
) -> tuple[pd.DataFrame, pd.DataFrame, list[str]]:
    """The pairs with a norm group for both lists, the norm rows that scored them, and
    messages; placeholder rows are refused unless the export is synthetic or the config
    accepts them."""
    pairs = steps.fetch(
        con, "SELECT * FROM scored_pair WHERE no_norm_reason IS NULL ORDER BY pair_no"
    )
    rows = steps.fetch(
        con,
        "SELECT DISTINCT unnest([pre_norm_row, post_norm_row]) AS row FROM scored_pair "
        "WHERE no_norm_reason IS NULL",
    )
    used = norms_used(norms, rows["row"].to_numpy("int64"))
    messages = []
    if synthetic_export or config.get("norms_accept_placeholders", False):
        if used["placeholder"].any():
            msg = (
                f"{int(used['placeholder'].sum())} placeholder norm row(s) used "
                "(accepted: synthetic export or norms_accept_placeholders)"
            )
            log.warning("norms: %s", msg)
            messages.append(msg)
    else:
        refuse_placeholders(used, str(norms_path(config)))
    (n,) = steps.scalars(con, "SELECT count(*) FROM scored_pair WHERE no_norm_reason IS NOT NULL")
    if n > 0:
        msg = f"{n} pair(s) without a norm group excluded (see exclusion log)"
        log.warning("norms: %s", msg)
        messages.append(msg)
    return pairs.astype({"moment": "Int64"}), used, messages


def _pseudonymised(pairs: pd.DataFrame, config: dict[str, Any], key: bytes | None) -> pd.DataFrame:
    """The pairs in :data:`PAIRS_FILE_COLUMNS`, the client id replaced by its pseudonym
    (ids read from a database are pseudonyms already)."""
    if config.get("ids_pseudonymised"):
        pairs["client_key"] = pairs["client_id"]
    else:
        key = key if key is not None else load_key(config.get("pseudonym_key_file", KEY_FILE))
        pairs["client_key"] = pseudonymise(pairs["client_id"], key)
    return pairs[PAIRS_FILE_COLUMNS].copy()


def derive(
    export: Export,
    config: dict[str, Any],
    norms: pd.DataFrame | None = None,
    validation_exclusions: pd.DataFrame | None = None,
    pseudonym_key: bytes | None = None,
    synthetic_export: bool = False,
    engine: Mapping[str, Any] | None = None,
) -> Derived:
    """Turn a validated export into the analysis data (see the module docstring).

    ``config``: a validated config dict. ``norms``: the norm table (default: read from
    ``config['norms_file']``). ``validation_exclusions``: the validation log, prepended to
    the exclusion log and counted in the flow. ``pseudonym_key``: default from
    :func:`ldj_analysis.pseudonym.load_key` (config ``pseudonym_key_file``). Placeholder
    norm rows that score a list raise :class:`ldj_analysis.norms.PlaceholderNormsError`
    unless ``synthetic_export`` or the config key ``norms_accept_placeholders`` allows them.
    ``engine``: DuckDB's memory limit, temp directory and threads.
    """
    if norms is None:
        norms = load_norms(norms_path(config))
    con = run_recipe(export, config, norms, engine)
    tp, messages = _team_periods(con, config)
    pairs, used_norms, norm_messages = _norm_checked_pairs(con, config, norms, synthetic_export)
    pairs = _pseudonymised(pairs, config, pseudonym_key)
    exclusion_log = ExclusionLog(con, validation_exclusions)
    n_validation = (
        int((validation_exclusions["table"] == "questionnaires").sum())
        if validation_exclusions is not None
        else 0
    )
    (n_selected,) = steps.scalars(con, "SELECT count(*) FROM pair")
    n_records = len(export.questionnaires)
    counts = exclusion_log.step_counts()
    flow = descriptives.flow(n_records, counts, n_selected, pairs, n_validation)
    return Derived(
        team_periods=tp,
        pairs=pairs,
        exclusion_log=exclusion_log,
        flow=flow,
        table1=conditions.table1(tp),
        table2=descriptives.table2(tp),
        table3=descriptives.table3(tp),
        table4=descriptives.table4(pairs),
        sample=descriptives.sample(pairs),
        norms_used=used_norms,
        warnings=messages + norm_messages,
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
    write_exclusion_parts(derived.exclusion_log.parts(), exclusions_path)
    if norms_used_path is not None:
        Path(norms_used_path).parent.mkdir(parents=True, exist_ok=True)
        derived.norms_used.to_csv(norms_used_path, index=False, lineterminator="\n")
    tables_dir = Path(tables_dir)
    tables_dir.mkdir(parents=True, exist_ok=True)
    for name, frame in derived.tables().items():
        frame.to_csv(
            tables_dir / f"{name}.csv", index=False, lineterminator="\n", date_format="%Y-%m-%d"
        )


def read_working_copy(validated_dir: str | Path) -> Export:
    """The valid export written by validation: the small tables as frames, the record
    tables left on disk for the recipe to read (:class:`ldj_analysis.steps.ParquetTable`)."""
    import pyarrow.parquet as pq

    def path(table: str) -> Path:
        return Path(validated_dir) / f"{table}.parquet"

    small = {
        t: pq.read_table(path(t)).to_pandas() for t in ("teams", "implementation", "checklist")
    }
    records = {t: steps.ParquetTable(path(t)) for t in ("clients", "treatments", "questionnaires")}
    return Export(**small, **records)


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
    engine: Mapping[str, Any] | None = None,
) -> Derived:
    """The workflow's derive step: read the valid export, apply the selection, derive and
    write every output (the exclusion log holds validation, selection and study steps)."""
    from ldj_analysis.selection import select, shortfalls

    export = read_working_copy(validated_dir)
    prior = pd.read_csv(validation_exclusions, dtype="str", keep_default_na=False)
    export, selection_log = select(export, config["selection"])
    config = {**config, "norms_file": str(norms_file)}
    derived = derive(
        export,
        config,
        norms=load_norms(norms_file),
        validation_exclusions=concat_exclusions([prior, selection_log]),
        synthetic_export=synthetic_export,
        engine=engine,
    )
    for message in derived.warnings:
        log.info("derive: %s", message)
    for message in shortfalls(derived.team_periods, derived.pairs):
        log.warning("too little to analyse: %s", message)
    write_derived(
        derived, team_periods_path, pairs_path, exclusions_path, tables_dir, norms_used_path
    )
    return derived
