"""Selection and pairing of start and end lists (docs/study.md section 3).

For every team-period and each instrument of that moment's implementation row
(``instrument_opgroei``, ``instrument_opvoed``), the end lists (``occasion == 'eind'``)
filled within [period_start, period_end] (both inclusive) by clients of a treatment of that
team are paired with a start list (``begin``) of the same client, instrument and informant.
Every questionnaire record ends either in a selected pair or in the exclusion log, at the
first of these steps (``step`` in the log) that it fails:

1. ``interim``: interim lists (``tussen``) are never used.
2. ``instrument``: instruments outside the study's code list are never used.
3. ``raw_total``: a list without a raw total is incomplete, so unusable.
4. ``treatment``: an end list belongs to the treatment named by its ``treatment_id`` or,
   when that is empty, to the client's treatment covering the list's date
   (start_date <= filled_on <= end_date + ``pairing.end_list_grace_days``, default 0; open
   end allowed; of several, the one that started last). An end list without such a
   treatment cannot be given a team.
5. ``informant``: only informants of the priority groups are used:
   ``pairing.informant_priority``, replaced per institution by
   ``pairing.institution_informants`` (default: I4 -> groepsleider). Youth, teacher,
   care-worker and other lists never count. A start list without a known team is checked
   against the union of all groups.
6. ``period``: an end list outside every period of its team. Should periods of one team
   overlap, an end list counts for the earliest moment only.
7. ``team_instrument``: an end list of an instrument its team does not use that moment.
8. ``duplicate``: several end lists of one informant and instrument in one treatment (one
   occasion): ``pairing.duplicate_end_lists`` keeps the latest (default: the measurement
   closest to the end of care) or the earliest. Several start lists that fit one end list:
   ``pairing.duplicate_start_lists`` keeps the earliest (default: the measurement closest
   to the start of care) or the latest; the start lists not picked are logged under this
   step too.
9. ``no_start``: an end list without a start list of the same client, instrument and
   informant filled strictly before it (a start list on or after the end date is not a
   pair). With ``pairing.same_treatment`` (default), a start list that belongs to another
   treatment (its ``treatment_id``, or when empty, because its date lies within another
   treatment of the client) is a start list from an earlier treatment and not used; a
   start list whose date lies in no treatment of the client (e.g. filled a few days before
   the start) may be used. A start list is used at most once: if it fits several end lists
   it goes to the earliest, and the others count as without a start list.
10. ``priority``: each client-instrument-team-period yields at most one pair. Informants
    are ranked by their group, then by their position in the group (moeder before
    stiefmoeder). ``pairing.priority_scope: pair`` (default): the first group with a
    complete pair wins (a mother with only an end list does not block a father's pair);
    ``post``: the first group with any end list wins, and if its informants have no pair,
    the client-instrument-period gives no pair. Remaining ties: the end list that
    ``duplicate_end_lists`` prefers (latest by default), then export order. Both lists of
    a pair not selected are logged here.
11. ``unused_start``: start lists that fit no selected end list.

Each end list is used at most once overall (it has one treatment, hence one team, and one
period), and so is each start list. Norm-group exclusions (step ``norm``) happen later, in
:mod:`ldj_analysis.derive`.

:func:`select_pairs` is the recipe: one function per step above, on the export coded as
integers once (:class:`CodedExport`). ``tests/study/pairing_oracle.py`` states the same
rules in plain pandas; property tests compare the two.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.exclusion_log import coded_exclusions
from ldj_analysis.export import ROW_REFS, take_text
from ldj_analysis.lookup import index_in, sort_order
from ldj_analysis.vocabulary import INFORMANTS, INSTRUMENTS

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
#: They enter pairing in one place: :func:`code_export` keeps them as
#: ``CodedExport.instruments`` (a list's instrument code is its position there, -1 for an
#: instrument outside the study: step ``instrument``) and ``CodedExport.domains``; every
#: later step reads them from there.
STUDY_INSTRUMENTS: Mapping[str, str] = INSTRUMENTS
#: Informant codes: position in the contract's informant list (-1 unknown).
INFORMANT_CODES = pd.Index(list(INFORMANTS))

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


@dataclass(frozen=True)
class CodedExport:
    """The questionnaires, treatments and teams as integer codes (-1: unknown or missing).

    Per questionnaire row: ``client`` (position in ``client_ids``), ``named_treatment``
    (row of ``treatments`` its ``treatment_id`` names), ``instrument`` (position in
    ``instruments``), ``informant`` (in :data:`INFORMANT_CODES`), ``date``, and
    whether it is a start or an end list. Per treatment row: its client, team (position in
    ``team_ids``), start and end. Per team: its institution (position in
    ``institution_ids``). ``instruments``: the instruments of the study, ``domains``: the
    domain of each. Narrow integer types: 10 M rows of int64 cost 80 MB a column."""

    questionnaires: pd.DataFrame
    client: np.ndarray
    named_treatment: np.ndarray
    instrument: np.ndarray
    informant: np.ndarray
    date: np.ndarray
    is_start: np.ndarray
    is_end: np.ndarray
    client_ids: pd.Series
    treatments: pd.DataFrame
    treatment_client: np.ndarray
    treatment_team: np.ndarray
    treatment_start: np.ndarray
    treatment_end: np.ndarray
    team_ids: pd.Index
    instruments: pd.Index
    domains: Mapping[str, str]
    team_institution: np.ndarray
    institution_ids: pd.Index
    has_row_refs: bool

    @property
    def n(self) -> int:
        return len(self.client)

    def text(self, column: str, rows: np.ndarray) -> pd.Series:
        """A questionnaire column at the given rows as text ('?' for missing), for reasons."""
        return take_text(self.questionnaires[column], rows).fillna("?")


def select_pairs(
    questionnaires: pd.DataFrame,
    treatments: pd.DataFrame,
    teams: pd.DataFrame,
    team_periods: pd.DataFrame,
    cfg: dict[str, Any],
    clients: pd.DataFrame | None = None,
    instruments: Mapping[str, str] = STUDY_INSTRUMENTS,
) -> PairingResult:
    """Select one pre/post pair per client-instrument-team-period (see module docstring).

    ``team_periods`` needs ``team_id, moment, period_start, period_end, condition,
    instrument_opgroei, instrument_opvoed``; ``cfg`` is the config's ``pairing`` section.
    With the row references of a validated working copy (then ``clients`` is needed) the
    pairs carry them for :func:`add_covariates`. ``instruments``: name -> domain of the
    instruments used (others are excluded at step ``instrument``).
    """
    coded = code_export(questionnaires, treatments, teams, clients, instruments)
    log = ExclusionStatus(coded.n)
    drop_unusable_lists(coded, log)  # steps 1-3
    treatment = find_treatments(coded, cfg["end_list_grace_days"], log)  # step 4
    group, position = informant_ranks(coded, treatment, cfg, log)  # step 5
    ends = end_lists_in_periods(coded, treatment, group, position, team_periods, log)  # 6-7
    del group, position
    usable_posts = usable_end_lists(coded, ends)
    ends = drop_duplicate_end_lists(ends, cfg["duplicate_end_lists"], log)  # step 8
    ends, fitted = match_start_lists(ends, coded, treatment, cfg, log)  # steps 8-9
    winners = apply_informant_priority(ends, cfg, log)  # step 10
    drop_unused_start_lists(coded, winners, fitted, cfg["duplicate_start_lists"], log)  # 8, 11
    pairs = pair_table(coded, winners, team_periods)
    _check_every_record_accounted_for(log, winners)
    exclusions = log.exclusions(coded.questionnaires["record_id"])
    return PairingResult(pairs, usable_posts, exclusions, coded.n)


def instrument_codes(values: pd.Series, instruments: pd.Index) -> np.ndarray:
    """Code of each instrument name: its position in ``instruments`` (-1: not in the study)."""
    return index_in(values, instruments)


def code_export(
    questionnaires: pd.DataFrame,
    treatments: pd.DataFrame,
    teams: pd.DataFrame,
    clients: pd.DataFrame | None,
    instruments: Mapping[str, str] = STUDY_INSTRUMENTS,
) -> CodedExport:
    """Code the export once: from the row references validation left in the working copy
    (:data:`ROW_REFS`; treatment ids distinct, every list's client known), else by hashing
    ids here (a repeated ``treatment_id`` keeps its first row)."""
    q = questionnaires.reset_index(drop=True)
    team_table = teams.drop_duplicates("team_id")
    team_ids = pd.Index(team_table["team_id"])
    study_instruments = pd.Index(list(instruments))
    refs = _row_refs(q, treatments, clients)
    if refs is not None:
        client, named, tr_client = refs
        client_ids = clients["client_id"]
        table = treatments.reset_index(drop=True)
        instrument = instrument_codes(q["instrument"], study_instruments)
        informant = index_in(q["informant"], INFORMANT_CODES)
    else:
        table = (
            treatments
            if _no_duplicates(treatments["treatment_id"])
            else treatments.drop_duplicates("treatment_id")
        ).reset_index(drop=True)
        # The large hash lookups run side by side (Arrow releases the GIL).
        with ThreadPoolExecutor(2) as pool:
            clients_coded = pool.submit(_factorize_text, q["client_id"])
            instrument = instrument_codes(q["instrument"], study_instruments)
            informant = index_in(q["informant"], INFORMANT_CODES)
            named = index_in(q["treatment_id"], table["treatment_id"])
            client, client_ids = clients_coded.result()
        tr_client = index_in(table["client_id"], client_ids)
    institution, institution_ids = pd.factorize(team_table["institution_id"])
    occasion = q["occasion"]
    return CodedExport(
        questionnaires=q,
        client=client.astype(np.int32, copy=False),
        named_treatment=named.astype(np.int32, copy=False),
        instrument=instrument.astype(np.int8),
        informant=informant.astype(np.int8),
        date=q["filled_on"].to_numpy("datetime64[ns]"),
        is_start=(occasion == "begin").to_numpy(bool),
        is_end=(occasion == "eind").to_numpy(bool),
        client_ids=client_ids,
        treatments=table,
        treatment_client=tr_client,
        treatment_team=index_in(table["team_id"], team_ids).astype(np.int32),
        treatment_start=table["start_date"].to_numpy("datetime64[ns]"),
        treatment_end=table["end_date"].to_numpy("datetime64[ns]"),
        team_ids=team_ids,
        instruments=study_instruments,
        domains=dict(instruments),
        team_institution=institution.astype(np.int32),
        institution_ids=pd.Index(institution_ids),
        has_row_refs=refs is not None,
    )


def drop_unusable_lists(coded: CodedExport, log: ExclusionStatus) -> None:
    """Steps 1-3: interim lists, instruments outside the study, lists without raw total."""
    q = coded.questionnaires
    interim = ~(coded.is_end | coded.is_start) & (q["occasion"] == "tussen").to_numpy(bool)
    log.drop_mask(interim, "interim", "interim list (tussen)")
    bad = np.flatnonzero(log.alive & (coded.instrument < 0))
    reason = "instrument " + coded.text("instrument", bad) + " is not used in the study"
    log.drop_rows(bad, "instrument", reason.to_numpy(object))
    log.drop_mask(
        q["raw_total"].isna().to_numpy(), "raw_total", "raw total missing: list incomplete"
    )


def find_treatments(coded: CodedExport, grace_days: int, log: ExclusionStatus) -> np.ndarray:
    """Step 4: the treatment of every list (row of ``coded.treatments``, -1 none): the one
    it names, else the client's treatment covering its date (end lists: up to
    ``grace_days`` after the treatment's end). End lists without one are dropped."""
    treatment = coded.named_treatment.copy()
    need = np.flatnonzero(log.alive & (treatment < 0))
    end_need = coded.is_end[need]
    rank = _rank_of(coded.treatments["treatment_id"])
    grace = np.timedelta64(int(grace_days), "D")
    for rows, until in (
        (need[end_need], coded.treatment_end + grace),
        (need[~end_need], coded.treatment_end),
    ):
        treatment[rows] = resolve_treatments(
            rows,
            coded.client,
            coded.date,
            coded.treatment_client,
            coded.treatment_start,
            until,
            rank,
        )
    log.drop_mask(
        coded.is_end & (treatment < 0),
        "treatment",
        "no treatment_id and no treatment of this client covers the end list's date",
    )
    return treatment


def _team_of(coded: CodedExport, treatment: np.ndarray) -> np.ndarray:
    """Team code of each list through its treatment (-1 none)."""
    return np.where(treatment >= 0, coded.treatment_team[treatment], -1)


def informant_ranks(
    coded: CodedExport, treatment: np.ndarray, cfg: dict[str, Any], log: ExclusionStatus
) -> tuple[np.ndarray, np.ndarray]:
    """Step 5: each list's informant group (0: first) and position in the group, by the
    priority of its team's institution (-1: not in it); lists of other informants are
    dropped. A list without a team is checked against every institution's groups."""
    team = _team_of(coded, treatment)
    inst = np.where(team >= 0, coded.team_institution[team], -1)
    del team
    groups, position = priority_tables(coded.institution_ids, cfg)
    n_inst = len(groups)
    in_any = (groups[:-1] >= 0).any(axis=0)
    inf = coded.informant
    known = np.where(inf >= 0, inf, 0)
    group_rank = np.where(inf >= 0, groups[inst, known], -1)
    pos = np.where(inf >= 0, position[inst, known], -1)
    allowed = np.where(inst >= 0, group_rank >= 0, (inf >= 0) & in_any[known])
    bad = np.flatnonzero(log.alive & ~allowed)
    if (inf[bad] >= 0).all():  # known codes: one reason text per informant and institution

        def reason(key: int) -> str:
            where = (
                f" of institution {coded.institution_ids[key % n_inst - 1]}" if key % n_inst else ""
            )
            return f"informant {INFORMANTS[key // n_inst]} is not in the informant priority{where}"

        log.drop_keyed(bad, "informant", inf[bad].astype(np.int64) * n_inst + inst[bad] + 1, reason)
    else:
        inst_name = np.asarray([*coded.institution_ids, ""], dtype=object)[inst[bad]]
        institution = " of institution " + pd.Series(inst_name, dtype="str")
        text = (
            "informant "
            + coded.text("informant", bad)
            + " is not in the informant priority"
            + np.where(inst[bad] >= 0, institution, "")
        )
        log.drop_rows(bad, "informant", text.to_numpy(object))
    return group_rank, pos


def priority_tables(
    institution_ids: pd.Index, cfg: dict[str, Any]
) -> tuple[np.ndarray, np.ndarray]:
    """Informant group and position in the group per institution (rows) and informant code
    (columns), -1 where not in the priority; a last row of -1 stands for 'no team'. An
    informant named twice keeps its first place."""
    groups = np.full((len(institution_ids) + 1, len(INFORMANT_CODES)), -1, np.int8)
    position = np.full_like(groups, -1)
    overrides = cfg.get("institution_informants") or {}
    for i, name in enumerate(institution_ids):
        for g, group in enumerate(overrides.get(str(name), cfg["informant_priority"])):
            for p, informant in enumerate(group):
                k = INFORMANT_CODES.get_loc(informant) if informant in INFORMANT_CODES else -1
                if k >= 0 and groups[i, k] < 0:
                    groups[i, k], position[i, k] = g, p
    return groups, position


def team_period_codes(team_periods: pd.DataFrame, coded: CodedExport) -> pd.DataFrame:
    """The team-periods as codes: team, moment, bounds, row (``tp``) and the codes of the
    opgroei and opvoed instruments (``opg``, ``opv``)."""
    return pd.DataFrame(
        {
            "team": coded.team_ids.get_indexer(team_periods["team_id"]),
            "moment": team_periods["moment"].to_numpy(dtype="int64"),
            "period_start": team_periods["period_start"].to_numpy("datetime64[ns]"),
            "period_end": team_periods["period_end"].to_numpy("datetime64[ns]"),
            "tp": np.arange(len(team_periods)),
            "opg": instrument_codes(team_periods["instrument_opgroei"], coded.instruments),
            "opv": instrument_codes(team_periods["instrument_opvoed"], coded.instruments),
        }
    )


def end_lists_in_periods(
    coded: CodedExport,
    treatment: np.ndarray,
    group: np.ndarray,
    position: np.ndarray,
    team_periods: pd.DataFrame,
    log: ExclusionStatus,
) -> pd.DataFrame:
    """Steps 6-7: the end lists still in use, each with its team-period (``moment``, ``tp``)
    and informant rank; lists outside every period of their team, or of an instrument their
    team does not use that moment, are dropped. One row per end list (``row``)."""
    rows = np.flatnonzero(log.alive & coded.is_end)
    ends = pd.DataFrame(
        {
            "row": rows,
            "team": _team_of(coded, treatment[rows]),
            "client": coded.client[rows],
            "instr": coded.instrument[rows],
            "inf": coded.informant[rows],
            "date": coded.date[rows],
            "tr": treatment[rows],
            "group_rank": group[rows],
            "pos": position[rows],
        }
    )
    periods = team_period_codes(team_periods, coded)
    where = period_rows(ends["team"].to_numpy(), ends["date"].to_numpy("datetime64[ns]"), periods)
    outside = where < 0
    found = np.maximum(where, 0)
    ends = ends.assign(**{c: periods[c].to_numpy()[found] for c in ("moment", "tp", "opg", "opv")})
    team_names = coded.team_ids.to_numpy(dtype=object)
    bad_team = pd.Series(team_names[ends["team"].to_numpy()[outside]], dtype="str")
    log.drop_rows(
        ends["row"].to_numpy()[outside],
        "period",
        ("end list outside every period of team " + bad_team).to_numpy(object),
    )
    ends = ends[~outside]
    uses = ((ends["instr"] == ends["opg"]) | (ends["instr"] == ends["opv"])).to_numpy(bool)
    bad = ends[~uses]
    n_moment = int(bad["moment"].max()) + 1 if len(bad) else 1
    n_instr = len(coded.instruments)
    instrument_names = coded.instruments.to_numpy(dtype=object)

    def reason(key: int) -> str:
        team_instr, moment = divmod(key, n_moment)
        t, i = divmod(team_instr, n_instr)
        return f"team {team_names[t]} does not use {instrument_names[i]} at moment {moment}"

    key = (bad["team"].to_numpy(np.int64) * n_instr + bad["instr"].to_numpy()) * n_moment
    log.drop_keyed(bad["row"].to_numpy(), "team_instrument", key + bad["moment"].to_numpy(), reason)
    return ends[uses]


def usable_end_lists(coded: CodedExport, ends: pd.DataFrame) -> pd.DataFrame:
    """Team, moment and client (code) of every usable end list (for the response rate)."""
    team_names = coded.team_ids.to_numpy(dtype=object)
    return pd.DataFrame(
        {
            "team_id": pd.Series(team_names[ends["team"].to_numpy()], dtype="str"),
            "moment": ends["moment"].to_numpy(),
            "client_id": ends["client"].to_numpy(),
        }
    )


def drop_duplicate_end_lists(ends: pd.DataFrame, rule: str, log: ExclusionStatus) -> pd.DataFrame:
    """Step 8 for end lists: of several end lists of one informant and instrument in one
    treatment, keep the ``rule`` one (``latest`` or ``earliest``; ties: export order)."""
    e_date = _date_key(ends["date"].to_numpy(), descending=rule == "latest")
    columns = ("client", "tr", "instr", "inf")
    order = np.lexsort(
        (ends["row"].to_numpy(), e_date, *(ends[c].to_numpy() for c in columns[::-1]))
    )
    ends = ends.iloc[order]
    dup = ~_run_starts(*(ends[c].to_numpy() for c in columns))
    log.drop_rows(
        ends["row"].to_numpy()[dup],
        "duplicate",
        f"another end list of this informant and instrument in the treatment was kept ({rule})",
    )
    return ends[~dup]


def match_start_lists(
    ends: pd.DataFrame,
    coded: CodedExport,
    treatment: np.ndarray,
    cfg: dict[str, Any],
    log: ExclusionStatus,
) -> tuple[pd.DataFrame, np.ndarray]:
    """Step 9: the start list of each end list (``b_row``, -1 none; ``has_pair``) and
    whether each row is a start list that fits some end list. A start list fits when it is of the
    same client, instrument and informant, filled strictly before the end list and (with
    ``same_treatment``) of the same treatment or none. Of several, the
    ``duplicate_start_lists`` one (then the export order); a start list chosen by several
    end lists goes to the earliest (then the first row), the others get none. End lists
    without a start list are dropped here; start lists are logged later."""
    b_rows = np.flatnonzero(log.alive & coded.is_start)
    e_row, e_date = ends["row"].to_numpy(), ends["date"].to_numpy("datetime64[ns]")
    n = len(coded.instruments), len(INFORMANT_CODES)
    e_i, b_i = _join(
        _combined(ends["client"].to_numpy(), ends["instr"].to_numpy(), ends["inf"].to_numpy(), *n),
        _combined(coded.client[b_rows], coded.instrument[b_rows], coded.informant[b_rows], *n),
    )
    m_row, m_date, m_b = e_row[e_i], e_date[e_i], b_rows[b_i]
    fits = coded.date[m_b] < m_date
    if cfg["same_treatment"]:
        m_tr = ends["tr"].to_numpy()[e_i]
        fits &= (treatment[m_b] < 0) | (treatment[m_b] == m_tr)
    m_row, m_date, m_b = m_row[fits], m_date[fits], m_b[fits]
    had_fitting = np.zeros(coded.n, bool)
    had_fitting[m_row] = True
    latest = cfg["duplicate_start_lists"] == "latest"
    order = np.lexsort((m_b, _date_key(coded.date[m_b], descending=latest), m_row))
    first = order[_run_starts(m_row[order])]  # each end list's preferred start list
    order = first[np.lexsort((m_row[first], _date_key(m_date[first]), m_b[first]))]
    chosen = order[_run_starts(m_b[order])]  # each start list to its earliest end list
    b_of = np.full(coded.n, -1, np.int64)
    b_of[m_row[chosen]] = m_b[chosen]
    ends = ends.assign(b_row=b_of[e_row], has_pair=b_of[e_row] >= 0)
    no_start = np.sort(e_row[b_of[e_row] < 0])
    log.drop_rows(
        no_start,
        "no_start",
        np.where(
            had_fitting[no_start],
            "its start list was already paired with an earlier end list",
            "no start list of the same client, instrument and informant before it"
            + (" in the same treatment" if cfg["same_treatment"] else ""),
        ),
    )
    fitted = np.zeros(coded.n, bool)
    fitted[m_b] = True
    return ends, fitted


def apply_informant_priority(
    ends: pd.DataFrame, cfg: dict[str, Any], log: ExclusionStatus
) -> pd.DataFrame:
    """Step 10: one pair per client-instrument-team-period. End lists are ranked by informant
    group, position in the group, ``duplicate_end_lists`` date, export order; the first with
    a pair wins (``priority_scope: post``: only within the first group with an end list).
    Both lists of the other pairs are dropped. Returns the winning end lists."""
    latest = cfg["duplicate_end_lists"] == "latest"
    e = {c: ends[c].to_numpy() for c in ("row", "client", "instr", "team", "moment")}
    order = np.lexsort(
        (
            e["row"],
            _date_key(ends["date"].to_numpy("datetime64[ns]"), descending=latest),
            ends["pos"].to_numpy(),
            ends["group_rank"].to_numpy(),
            e["moment"],
            e["team"],
            e["instr"],
            e["client"],
        )
    )
    ends = ends.iloc[order]
    cell_start = _run_starts(*(e[c][order] for c in ("client", "instr", "team", "moment")))
    cell = np.cumsum(cell_start) - 1
    eligible = ends["has_pair"].to_numpy()
    if cfg["priority_scope"] == "post":
        group_rank = ends["group_rank"].to_numpy()
        top = np.minimum.reduceat(group_rank, np.flatnonzero(cell_start))[cell]
        eligible = eligible & (group_rank == top)
    candidates = np.flatnonzero(eligible)
    win_pos = candidates[_run_starts(cell[candidates])]  # first eligible row per cell
    is_winner = np.zeros(len(ends), bool)
    is_winner[win_pos] = True
    win_inf = np.full(int(cell[-1]) + 1 if len(cell) else 0, -1, np.int64)
    win_inf[cell[win_pos]] = ends["inf"].to_numpy()[win_pos]
    lose = ends["has_pair"].to_numpy() & ~is_winner
    loser_win = win_inf[cell[lose]]
    names = INFORMANT_CODES.to_numpy(dtype=object)[np.maximum(loser_win, 0)]
    reason = np.where(
        loser_win < 0,
        "pair not selected: a higher-priority informant has an end list without a start list"
        " (priority_scope post)",
        (
            "pair not selected: the pair of informant "
            + pd.Series(names, dtype="str")
            + " was chosen for this client, instrument and period"
        ).to_numpy(object),
    )
    log.drop_rows(ends["row"].to_numpy()[lose], "priority", reason)
    log.drop_rows(ends["b_row"].to_numpy()[lose], "priority", reason)
    return ends.iloc[win_pos]


def drop_unused_start_lists(
    coded: CodedExport, winners: pd.DataFrame, fitted: np.ndarray, rule: str, log: ExclusionStatus
) -> None:
    """Steps 8 and 11 for start lists: a start list that fitted an end list but was not
    chosen is a duplicate (``duplicate_start_lists`` preferred another); one that fitted
    none is unused (``fitted``: per row, from :func:`match_start_lists`)."""
    alive = np.flatnonzero(log.alive & coded.is_start)
    used = np.zeros(coded.n, bool)
    used[winners["b_row"].to_numpy()] = True
    duplicate = fitted[alive] & ~used[alive]
    log.drop_rows(
        alive[duplicate],
        "duplicate",
        f"another start list of this informant fitted the end list better ({rule})",
    )
    log.drop_rows(
        alive[~used[alive] & ~duplicate],
        "unused_start",
        "no selected end list of the same client, instrument and informant after it",
    )


def pair_table(
    coded: CodedExport, winners: pd.DataFrame, team_periods: pd.DataFrame
) -> pd.DataFrame:
    """The selected pairs in :data:`SELECTED_PAIR_COLUMNS` (plus the row references of a working
    copy), sorted by team, moment, client and domain."""
    client_id = take_text(coded.client_ids, winners["client"].to_numpy())
    domains = pd.Series([coded.domains[name] for name in coded.instruments], dtype="str")
    order = sort_order(
        (team_periods["team_id"].astype("str"), winners["tp"].to_numpy()),
        (team_periods["moment"], winners["tp"].to_numpy()),
        (client_id, np.arange(len(client_id))),
        (domains, winners["instr"].to_numpy()),
    )
    winners, client_id = winners.iloc[order], client_id.take(order).reset_index(drop=True)
    post, pre = winners["row"].to_numpy(), winners["b_row"].to_numpy()
    tp_rows = team_periods.iloc[winners["tp"].to_numpy()]
    q = coded.questionnaires
    record = q["record_id"]
    pairs = pd.DataFrame(
        {
            "client_id": client_id,
            "team_id": tp_rows["team_id"].to_numpy(),
            "moment": tp_rows["moment"].to_numpy(),
            "condition": tp_rows["condition"].to_numpy(),
            "instrument": coded.instruments.to_numpy(dtype=object)[winners["instr"].to_numpy()],
            "informant": INFORMANT_CODES.to_numpy(dtype=object)[winners["inf"].to_numpy()],
            "treatment_id": take_text(coded.treatments["treatment_id"], winners["tr"].to_numpy()),
            "pre_record": take_text(record, pre),
            "post_record": take_text(record, post),
            "pre_date": coded.date[pre],
            "post_date": coded.date[post],
            "pre_raw": _float_at(q["raw_total"], pre),
            "post_raw": _float_at(q["raw_total"], post),
        }
    )
    if coded.has_row_refs:
        pairs["_client_row"] = winners["client"].to_numpy()
        pairs["_treatment_row"] = winners["tr"].to_numpy()
    for column in ("_age_days", "_age_years"):  # ages from a database (ldj_analysis.extract)
        if column in q.columns:
            pairs[f"pre{column}"] = _float_at(q[column], pre)
            pairs[f"post{column}"] = _float_at(q[column], post)
    pairs.insert(4, "domain", pairs["instrument"].map(coded.domains))
    text = ["client_id", "team_id", "condition", "domain", "instrument", "informant"]
    text += ["treatment_id", "pre_record", "post_record"]
    return pairs.astype(dict.fromkeys(text, "str")).astype({"moment": "Int64"})


def _float_at(values: pd.Series, rows: np.ndarray) -> np.ndarray:
    """A numeric column at the given rows as float64 (NaN for missing), converting only
    those rows."""
    return values.take(rows).to_numpy("float64", na_value=np.nan)


def _check_every_record_accounted_for(log: ExclusionStatus, winners: pd.DataFrame) -> None:
    unaccounted = log.alive.copy()
    unaccounted[winners["row"].to_numpy()] = False
    unaccounted[winners["b_row"].to_numpy()] = False
    leftover = np.flatnonzero(unaccounted)
    if len(leftover):
        raise AssertionError(f"{len(leftover)} questionnaire records neither paired nor excluded")


# Low-level helpers: the coded exclusion status, Arrow lookups, numpy joins and sorts.


class ExclusionStatus:
    """Exclusion step and reason per questionnaire row; a row is excluded once, first step.

    Steps and reasons are kept as integer codes into lists of their texts, so that millions
    of excluded rows cost no Python strings until the log is written."""

    def __init__(self, n: int):
        self.alive = np.ones(n, bool)
        self.step = np.full(n, -1, np.int16)
        self.reason = np.full(n, -1, np.int32)
        self.steps: list[str] = []
        self.reasons: list[str] = []
        self._reason_code: dict[str, int] = {}

    def _code(self, texts: np.ndarray) -> np.ndarray:
        """Codes of the given reason texts (new texts are added to :attr:`reasons`)."""
        codes, uniques = pd.factorize(np.asarray(texts, dtype=object), use_na_sentinel=False)
        table = np.empty(len(uniques), np.int32)
        for k, text in enumerate(uniques):
            text = str(text)
            if text not in self._reason_code:
                self._reason_code[text] = len(self.reasons)
                self.reasons.append(text)
            table[k] = self._reason_code[text]
        return table[codes]

    def drop_rows(self, rows: np.ndarray, step: str, reason: Any) -> None:
        rows = np.asarray(rows, dtype=np.int64)
        keep = self.alive[rows]
        if np.ndim(reason) == 0:
            codes = self._code(np.asarray([reason], dtype=object))[0]
        else:
            codes = self._code(np.asarray(reason, dtype=object)[keep])
        rows = rows[keep]
        if step not in self.steps:
            self.steps.append(step)
        self.step[rows] = self.steps.index(step)
        self.reason[rows] = codes
        self.alive[rows] = False

    def drop_keyed(
        self, rows: np.ndarray, step: str, keys: np.ndarray, reason_of: Callable[[int], str]
    ) -> None:
        """Drop rows whose reason is a function of an integer key per row: texts are made
        once per distinct key, not per row."""
        rows = np.asarray(rows, dtype=np.int64)
        keep = self.alive[rows]
        distinct, inverse = np.unique(np.asarray(keys)[keep], return_inverse=True)
        texts = np.asarray([reason_of(int(k)) for k in distinct], dtype=object)
        self.drop_rows(rows[keep], step, texts[inverse] if len(distinct) else "")

    def drop_mask(self, mask: np.ndarray, step: str, reason: Any) -> None:
        rows = np.flatnonzero(mask & self.alive)
        if isinstance(reason, pd.Series | np.ndarray):
            reason = np.asarray(reason, dtype=object)[rows]
        self.drop_rows(rows, step, reason)

    def exclusions(self, keys: pd.Series) -> pd.DataFrame:
        """The exclusion rows of every excluded row, in row order (``keys``: export keys)."""
        rows = np.flatnonzero(~self.alive)
        return coded_exclusions(
            take_text(keys, rows),
            "questionnaires",
            self.step[rows],
            self.steps,
            self.reason[rows],
            self.reasons,
        )


def _no_duplicates(values: pd.Series) -> bool:
    """True when ``values.drop_duplicates()`` would keep every row (missing counts as one
    value), counted in Arrow."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(pd.Series(values, dtype="str"))
    return pc.count_distinct(array, mode="all").as_py() == len(array)


def _factorize_text(values: pd.Series) -> tuple[np.ndarray, pd.Series]:
    """``pd.factorize`` for text, in Arrow: codes in order of first appearance (-1 for
    missing) and the distinct values as a ``str`` Series."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(pd.Series(values, dtype="str").reset_index(drop=True))
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    encoded = pc.dictionary_encode(array)
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, pd.Series(pd.array(encoded.dictionary.cast(pa.large_string()), dtype="str"))


def _rank_of(values: pd.Series) -> np.ndarray:
    """Position of each value in sorted order (ties keep table order): a cheap sort key."""
    import pyarrow as pa
    import pyarrow.compute as pc

    array = pa.array(pd.Series(values, dtype="str").reset_index(drop=True))
    rank = pc.rank(pc.fill_null(array, ""), sort_keys="ascending", tiebreaker="first")
    return rank.to_numpy(zero_copy_only=False).astype(np.int64) - 1


def resolve_treatments(
    rows: np.ndarray,
    client: np.ndarray,
    date: np.ndarray,
    tr_client: np.ndarray,
    tr_start: np.ndarray,
    tr_end: np.ndarray,
    tr_rank: np.ndarray,
) -> np.ndarray:
    """Treatment (position in the treatments table, -1 if none) covering each given list:
    start_date <= date <= end_date (open end allowed); of several, the latest started, then
    the smallest treatment id. Integer-coded inputs (clients and treatments as codes)."""
    out = np.full(len(rows), -1, np.int64)
    # every list (i) with each treatment (j) of its client, found by positions: no merge
    known = np.flatnonzero(tr_client >= 0)
    i, j = _join(client[rows], tr_client[known])
    j = known[j]
    on = date[rows][i]
    cover = (tr_start[j] <= on) & (np.isnat(tr_end[j]) | (on <= tr_end[j]))
    i, j = i[cover], j[cover]
    order = np.lexsort((tr_rank[j], _date_key(tr_start[j], descending=True), i))
    first = order[_run_starts(i[order])]
    out[i[first]] = j[first]
    return out


def _date_key(dates: np.ndarray, descending: bool = False) -> np.ndarray:
    """Dates (no NaT) as integers that sort ascending, or descending."""
    key = np.asarray(dates, "datetime64[ns]").view(np.int64)
    return -key if descending else key


def _run_starts(*columns: np.ndarray) -> np.ndarray:
    """For rows sorted by ``columns``: True where a new combination of values begins."""
    n = len(columns[0])
    start = np.zeros(n, bool)
    if n:
        start[0] = True
        for column in columns:
            start[1:] |= column[1:] != column[:-1]
    return start


def _combined(
    client: np.ndarray, instr: np.ndarray, inf: np.ndarray, n_instr: int, n_inf: int
) -> np.ndarray:
    """One integer per client-instrument-informant (codes; client may be -1 for missing)."""
    return (client.astype(np.int64) * n_instr + instr) * n_inf + inf


def _join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inner join of two integer key arrays: positions (i, j) of every pair with
    ``left[i] == right[j]``, by sorting ``right`` and binary search. Pairs come in order
    of i; the j of one i in no set order (an unstable sort is several times faster)."""
    order = np.argsort(right)
    keys = right[order]
    lo = np.searchsorted(keys, left, "left")
    count = np.searchsorted(keys, left, "right") - lo
    i = np.repeat(np.arange(len(left)), count)
    offset = np.arange(len(i)) - np.repeat(np.cumsum(count) - count, count)
    return i, order[np.repeat(lo, count) + offset]


def period_rows(team: np.ndarray, date: np.ndarray, periods: pd.DataFrame) -> np.ndarray:
    """Row of ``periods`` (``team, moment, period_start, period_end``, team as codes) whose
    team is the list's and whose [start, end] holds its date; of several, the earliest
    moment; -1 if none. Disjoint periods of whole days (the usual case) are found by binary
    search, others through a join of every list with every period of its team."""
    p_team = periods["team"].to_numpy(np.int64)
    start = periods["period_start"].to_numpy("datetime64[ns]")
    end = periods["period_end"].to_numpy("datetime64[ns]")
    usable = ~np.isnat(start) & ~np.isnat(end) & (start <= end) & (p_team >= 0)
    idx = np.flatnonzero(usable)
    idx = idx[np.lexsort((start[idx], p_team[idx]))]
    ts, ss, es = p_team[idx], start[idx], end[idx]
    overlap = ((ts[1:] == ts[:-1]) & (ss[1:] <= es[:-1])).any()
    day = np.timedelta64(1, "D")
    known = ~np.isnat(date)
    whole = all(
        not ((x[~np.isnat(x)] - np.datetime64(0, "D")) % day).astype(bool).any()
        for x in (ss, es, date)
    )
    if overlap or not whole:
        rows = pd.DataFrame({"i": np.arange(len(team)), "team": team, "date": date})
        cand = rows.merge(periods.assign(p=np.arange(len(periods))), on="team")
        inside = (cand["period_start"] <= cand["date"]) & (cand["date"] <= cand["period_end"])
        cand = cand[inside.to_numpy(bool)].sort_values(["i", "moment"]).drop_duplicates("i")
        out = np.full(len(team), -1, np.int64)
        out[cand["i"].to_numpy()] = cand["p"].to_numpy()
        return out

    def key(t: np.ndarray, d: np.ndarray) -> np.ndarray:
        days = d.astype("datetime64[D]").astype(np.int64) - (1 << 31)
        return (t.astype(np.int64) << 32) + days

    ok = known & (team >= 0)
    probe = key(team, np.where(ok, date, ss[0] if len(ss) else date))
    at = np.searchsorted(key(ts, ss), probe, side="right") - 1  # last start <= the date
    hit = ok & (at >= 0)
    at = np.maximum(at, 0)
    if len(idx):
        hit &= (ts[at] == team) & (date <= es[at])
    else:
        hit[:] = False
    return np.where(hit, idx[at] if len(idx) else -1, -1)


def _row_refs(
    questionnaires: pd.DataFrame, treatments: pd.DataFrame, clients: pd.DataFrame | None
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """Client and treatment rows of each list and the client row of each treatment, when
    validation left them in the working copy (:data:`ROW_REFS`), else None."""
    q_client = ROW_REFS[("questionnaires", "client_id")][1]
    q_treatment = ROW_REFS[("questionnaires", "treatment_id")][1]
    tr_client = ROW_REFS[("treatments", "client_id")][1]
    if clients is None or not {q_client, q_treatment} <= set(questionnaires.columns):
        return None
    if tr_client not in treatments.columns:
        return None
    return (
        questionnaires[q_client].to_numpy(np.int32),
        questionnaires[q_treatment].to_numpy(np.int32),
        treatments[tr_client].to_numpy(np.int32),
    )


def add_covariates(
    pairs: pd.DataFrame, clients: pd.DataFrame, treatments: pd.DataFrame
) -> pd.DataFrame:
    """Add ``sex`` ('m'/'f'/NaN), ``age`` (years at the end list, days / 365.25, decimals),
    ``duration_days`` (treatment end - start, or end list date - start when the treatment is
    open) and, for the norms, ``birth_date`` (dropped before anything is written; absent
    when the export came from a database, which sent the ages at the lists instead)."""
    cl, tr = clients, treatments
    if {"_client_row", "_treatment_row"} <= set(pairs.columns):  # from the working copy
        ci = pairs["_client_row"].to_numpy(np.int64)
        ti = pairs["_treatment_row"].to_numpy(np.int64)
    else:  # index_in finds the first row of an id, as drop_duplicates
        ci = index_in(pairs["client_id"], cl["client_id"])
        ti = index_in(pairs["treatment_id"], tr["treatment_id"])
    out = pairs.copy()
    sex = take_text(cl["sex"], np.where(ci >= 0, ci, 0)).where(ci >= 0)
    out["sex"] = sex.set_axis(out.index)
    if "birth_date" in cl.columns:
        birth = cl["birth_date"].to_numpy("datetime64[ns]")
        out["birth_date"] = np.where(ci >= 0, birth[ci], np.datetime64("NaT"))
        out["age"] = (out["post_date"] - out["birth_date"]).dt.days / 365.25
    else:  # read from a database: the age in days at each list came instead
        out["age"] = out["post_age_days"] / 365.25
    nat = np.datetime64("NaT")
    start = pd.Series(np.where(ti >= 0, tr["start_date"].to_numpy("datetime64[ns]")[ti], nat))
    end = pd.Series(np.where(ti >= 0, tr["end_date"].to_numpy("datetime64[ns]")[ti], nat))
    start.index = end.index = out.index
    out["duration_days"] = (end.fillna(out["post_date"]) - start).dt.days.astype("float64")
    return out
