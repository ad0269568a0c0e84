"""Selection and pairing of start and end lists (docs/study.md section 3).

The rules are recipe steps 04-09 (``src/ldj_analysis/steps/``): every questionnaire list
ends either in a selected pair or in the exclusion log, at the first step it fails.
:func:`select_pairs` runs them on an export given as frames; :mod:`ldj_analysis.derive`
runs the whole recipe. ``tests/study/pairing_oracle.py`` states the same rules in plain
pandas, as the independent reference of the property tests.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import pandas as pd
import pyarrow as pa

from ldj_analysis import steps
from ldj_analysis.steps import code_lists
from ldj_analysis.vocabulary import INSTRUMENTS

#: Exclusion steps of questionnaire records, in order, with their flow labels.
STEPS: dict[str, str] = {
    "interim": "interim list (occasion tussen)",
    "instrument": "instrument not used in the study",
    "raw_total": "raw total missing (incomplete list)",
    "treatment": "end list without a treatment of its client at its date",
    "informant": "informant not used (not in the informant priority)",
    "period": "end list outside every period of its team",
    "team_instrument": "end list of an instrument its team did not use that period",
    "duplicate": "duplicate list of one informant at one occasion",
    "no_start": "end list without a matching start list",
    "priority": "pair not selected (informant priority or another pair of the client)",
    "unused_start": "start list that fits no selected end list",
    "norm": "list of a pair without a norm group",
}

#: The instruments pairing uses (name -> domain) unless ``select_pairs`` is given others.
STUDY_INSTRUMENTS: Mapping[str, str] = INSTRUMENTS

#: Columns of the pairs pairing selects (export keys; derive replaces them by pseudonyms).
SELECTED_PAIR_COLUMNS = [
    "client_id",
    "team_id",
    "moment",
    "condition",
    "domain",
    "instrument",
    "informant",
    "treatment_id",
    "pre_record",
    "post_record",
    "pre_date",
    "post_date",
    "pre_raw",
    "post_raw",
]


@dataclass
class PairingResult:
    """Selected pairs (raw scores, export keys), usable end lists and the exclusion log."""

    pairs: pd.DataFrame
    usable_posts: pd.DataFrame
    exclusions: pd.DataFrame
    n_records: int


_NO_CLIENTS = pd.DataFrame(
    {
        "client_id": pd.Series(dtype="str"),
        "sex": pd.Series(dtype="str"),
        "birth_date": pd.Series(dtype="datetime64[ns]"),
    }
)


def select_pairs(
    questionnaires: pd.DataFrame,
    treatments: pd.DataFrame,
    teams: pd.DataFrame,
    team_periods: pd.DataFrame,
    cfg: dict[str, Any],
    clients: pd.DataFrame | None = None,
    instruments: Mapping[str, str] = STUDY_INSTRUMENTS,
) -> PairingResult:
    """Select one pre/post pair per client-instrument-team-period (recipe steps 04-09).

    ``team_periods`` needs ``team_id, moment, period_start, period_end, condition,
    instrument_opgroei, instrument_opvoed``; ``cfg`` is the config's ``pairing`` section;
    ``instruments``: name -> domain of the instruments used (others are excluded at step
    ``instrument``).
    """
    con = steps.open_recipe()
    tables = {"questionnaires": questionnaires, "treatments": treatments, "teams": teams}
    for name, frame in {**tables, "clients": _NO_CLIENTS if clients is None else clients}.items():
        steps.register_table(con, name, frame)
    steps.add_row_refs(con)
    con.register("team_periods", steps.arrow_table(team_periods))
    code_lists.register_code_lists(con, instruments, cfg, teams)
    steps.set_settings(con, **steps.pairing_settings(cfg), ids_pseudonymised=False)
    steps.run(con, [*steps.PAIRING_STEPS, "10_pairs"])
    check_every_list_accounted_for(con)
    return PairingResult(
        pairs=selected_pairs(con)[SELECTED_PAIR_COLUMNS],
        usable_posts=steps.fetch(
            con,
            "SELECT e.team_id, e.moment, q.client_id FROM end_list AS e "
            "INNER JOIN questionnaires_in AS q USING (pos)",
        ),
        exclusions=list_exclusions(con),
        n_records=len(questionnaires),
    )


def selected_pairs(con: Any, table: str = "pair") -> pd.DataFrame:
    """The pairs of the recipe's ``pair`` table (or one with its columns), in pair order."""
    pairs = steps.fetch(con, f"SELECT * EXCLUDE (pair_no) FROM {table} ORDER BY pair_no")
    return pairs.astype({"moment": "Int64"})


#: The exclusion log of the questionnaire lists (steps 05-09) of the export's rows ``$first``
#: to ``$stop`` (``pos``, end excluded), in export order.
LIST_EXCLUSIONS = (
    "SELECT 'questionnaires' AS \"table\", key, step, reason FROM list_exclusion "
    "WHERE pos >= $first AND pos < $stop ORDER BY pos"
)

#: Export rows per slice of the lists' exclusion log: each slice is sorted on its own, so
#: the sort holds one slice's texts (about 70 MB per million rows), not the whole log's.
LOG_SLICE_ROWS = 1_000_000


def list_exclusion_slices(con: Any, rows: int = LOG_SLICE_ROWS) -> Iterator[Any]:
    """The lists' exclusion log (:data:`LIST_EXCLUSIONS`) as queries over consecutive slices
    of the export's rows, in order (at least one, so an empty log still has its columns)."""
    (n_lists,) = steps.scalars(con, "SELECT count(*) FROM questionnaires_in")
    for first in range(0, max(n_lists, 1), rows):
        yield con.sql(LIST_EXCLUSIONS, params={"first": first, "stop": first + rows})


def list_exclusions(con: Any) -> pd.DataFrame:
    """The exclusion log of the questionnaire lists, whole (:func:`list_exclusion_slices`)."""
    tables = [query.to_arrow_table() for query in list_exclusion_slices(con)]
    return pa.concat_tables(tables).to_pandas()


def check_every_list_accounted_for(con: Any) -> None:
    """Every questionnaire list is in exactly one selected pair or one exclusion row."""
    n_lists, n_rows, n_distinct = steps.scalars(
        con,
        """
        WITH accounted AS (
            SELECT pos FROM list_exclusion
            UNION ALL SELECT pos FROM selected_pair
            UNION ALL SELECT start_pos FROM selected_pair
        )
        SELECT (SELECT count(*) FROM questionnaires_in), count(*), count(DISTINCT pos)
        FROM accounted
        """,
    )
    if not n_lists == n_rows == n_distinct:
        raise AssertionError(
            f"{n_lists} questionnaire lists, but {n_rows} rows of pairs and exclusions "
            f"for {n_distinct} of them: every list must be in one"
        )
