"""Selection and pairing of start and end lists (STUDY.md section 3).

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
   occasion): ``pairing.duplicate_lists`` keeps the latest (default) or the earliest.
   Several start lists that fit one end list: the same rule picks one; the start lists
   not picked are logged under this step too.
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
    the client-instrument-period gives no pair. Remaining ties: the latest (or earliest,
    per ``duplicate_lists``) end list, then the record id. Both lists of a pair not
    selected are logged here.
11. ``unused_start``: start lists that fit no selected end list.

Each end list is used at most once overall (it has one treatment, hence one team, and one
period), and so is each start list. Norm-group exclusions (step ``norm``) happen later, in
:mod:`ldj_analysis.derive`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ldj_analysis.codes import INFORMANTS, INSTRUMENTS
from ldj_analysis.exclusion_log import coded_exclusions
from ldj_analysis.export import ROW_REFS, take_text
from ldj_analysis.lookup import index_in

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

PAIR_COLUMNS = [
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


class _Status:
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
    if not len(rows):
        return out
    lists = pd.DataFrame({"i": np.arange(len(rows)), "client": client[rows], "date": date[rows]})
    trs = pd.DataFrame(
        {"tr": np.arange(len(tr_client)), "client": tr_client, "start": tr_start, "end": tr_end}
    )
    cand = lists.merge(trs[trs["client"] >= 0], on="client")
    cover = (cand["start"] <= cand["date"]) & (cand["end"].isna() | (cand["date"] <= cand["end"]))
    cand = cand[cover.to_numpy(bool)]
    cand = cand.assign(rank=tr_rank[cand["tr"].to_numpy()]).sort_values(
        ["i", "start", "rank"], ascending=[True, False, True]
    )
    cand = cand.drop_duplicates("i")
    out[cand["i"].to_numpy()] = cand["tr"].to_numpy()
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


def _combined(client: np.ndarray, instr: np.ndarray, inf: np.ndarray, n_inf: int) -> np.ndarray:
    """One integer per client-instrument-informant (codes; client may be -1 for missing)."""
    return (client.astype(np.int64) * 128 + instr) * n_inf + inf  # instr: an int8 code


def _join(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inner join of two integer key arrays: positions (i, j) of every pair with
    ``left[i] == right[j]``, by sorting ``right`` and binary search."""
    order = np.argsort(right, kind="stable")
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


def select_pairs(
    questionnaires: pd.DataFrame,
    treatments: pd.DataFrame,
    teams: pd.DataFrame,
    team_periods: pd.DataFrame,
    cfg: dict[str, Any],
    clients: pd.DataFrame | None = None,
    instruments: Mapping[str, str] | None = None,
) -> PairingResult:
    """Select one pre/post pair per client-instrument-team-period (see module docstring).

    ``team_periods`` needs ``team_id, moment, period_start, period_end, condition,
    instrument_opgroei, instrument_opvoed``; ``cfg`` is the config's ``pairing`` section.
    Works on integer codes of clients, teams, treatments, instruments and informants: the
    row references of a validated working copy when present (then ``clients`` is needed;
    the pairs then carry them for :func:`add_covariates`), else codes found here.
    ``instruments``: instrument code -> domain (``selection.instruments``; default: the
    contract's :data:`ldj_analysis.codes.INSTRUMENTS`).
    """
    instruments = dict(INSTRUMENTS if instruments is None else instruments)
    q = questionnaires.reset_index(drop=True)
    n = len(q)
    st = _Status(n)
    latest = cfg["duplicate_lists"] == "latest"
    which = "latest" if latest else "earliest"

    def text(column: str, rows: np.ndarray) -> pd.Series:
        return take_text(q[column], rows).fillna("?")

    # Codes.
    instr_cat = pd.Index(list(instruments))
    inf_cat = pd.Index(list(INFORMANTS))
    team_cat = pd.Index(teams["team_id"].drop_duplicates())
    refs = _row_refs(q, treatments, clients)
    if refs is not None:  # validated: treatment ids are distinct, every list's client known
        client, tr, tr_client = refs
        client_uniques = clients["client_id"]
        tr_table = treatments.reset_index(drop=True)
        instr = index_in(q["instrument"], instr_cat)
        inf = index_in(q["informant"], inf_cat)
    else:
        tr_table = (
            treatments
            if _no_duplicates(treatments["treatment_id"])
            else treatments.drop_duplicates("treatment_id")
        ).reset_index(drop=True)
        # The large hash lookups run side by side (Arrow releases the GIL).
        with ThreadPoolExecutor(2) as pool:
            clients_coded = pool.submit(_factorize_text, q["client_id"])
            instr = index_in(q["instrument"], instr_cat)
            inf = index_in(q["informant"], inf_cat)
            tr = index_in(q["treatment_id"], tr_table["treatment_id"])
            client, client_uniques = clients_coded.result()
        tr_client = index_in(tr_table["client_id"], client_uniques)
    tr_team = index_in(tr_table["team_id"], team_cat)
    tr_start = tr_table["start_date"].to_numpy("datetime64[ns]")
    tr_end = tr_table["end_date"].to_numpy("datetime64[ns]")
    # Narrow codes (10 M rows of int64 cost 80 MB each); ``tr`` is filled in below: a copy.
    client, tr = client.astype(np.int32, copy=False), tr.astype(np.int32)
    instr, inf = instr.astype(np.int8), inf.astype(np.int8)
    tr_team = tr_team.astype(np.int32)
    date = q["filled_on"].to_numpy("datetime64[ns]")
    occasion = q["occasion"]
    is_end = (occasion == "eind").to_numpy(bool)
    is_begin = (occasion == "begin").to_numpy(bool)

    st.drop_mask(
        ~(is_end | is_begin) & (occasion == "tussen").to_numpy(bool),
        "interim",
        "interim list (tussen)",
    )
    bad = np.flatnonzero(st.alive & (instr < 0))
    st.drop_rows(
        bad,
        "instrument",
        ("instrument " + text("instrument", bad) + " is not used in the study").to_numpy(object),
    )
    st.drop_mask(
        q["raw_total"].isna().to_numpy(), "raw_total", "raw total missing: list incomplete"
    )

    # Treatment, team and institution of each list.
    need = np.flatnonzero(st.alive & (tr < 0))
    tr_rank = _rank_of(tr_table["treatment_id"])
    grace = np.timedelta64(int(cfg.get("end_list_grace_days", 0)), "D")
    for rows, until in ((need[is_end[need]], tr_end + grace), (need[~is_end[need]], tr_end)):
        tr[rows] = resolve_treatments(rows, client, date, tr_client, tr_start, until, tr_rank)
    team = np.where(tr >= 0, tr_team[tr], -1)
    inst_codes, inst_uniques = pd.factorize(teams.drop_duplicates("team_id")["institution_id"])
    inst = np.where(team >= 0, inst_codes.astype(np.int32)[team], -1)
    st.drop_mask(
        is_end & (tr < 0),
        "treatment",
        "no treatment_id and no treatment of this client covers the end list's date",
    )

    # Informant priority: group rank and position per institution and informant.
    groups = np.full((len(inst_uniques) + 1, len(inf_cat)), -1, np.int8)  # last row: no team
    position = np.full_like(groups, -1)
    overrides = cfg.get("institution_informants") or {}
    inf_pos = {name: k for k, name in enumerate(INFORMANTS)}
    for i, name in enumerate([*inst_uniques, None]):
        spec = overrides.get(str(name), cfg["informant_priority"]) if name is not None else []
        for g, group in enumerate(spec):
            for p, informant in enumerate(group):
                k = inf_pos.get(informant, -1)
                if k >= 0 and groups[i, k] < 0:
                    groups[i, k], position[i, k] = g, p
    in_any = (groups[:-1] >= 0).any(axis=0)
    safe_inf = np.where(inf >= 0, inf, 0)
    group_rank = np.where(inf >= 0, groups[inst, safe_inf], -1)  # inst -1 -> the 'no team' row
    pos = np.where(inf >= 0, position[inst, safe_inf], -1)
    allowed = np.where(inst >= 0, group_rank >= 0, (inf >= 0) & in_any[safe_inf])
    bad = np.flatnonzero(st.alive & ~allowed)
    n_inst = len(inst_uniques) + 1
    if (inf[bad] >= 0).all():  # known codes: one reason text per informant and institution

        def informant_reason(key: int) -> str:
            where = f" of institution {inst_uniques[key % n_inst - 1]}" if key % n_inst else ""
            return f"informant {INFORMANTS[key // n_inst]} is not in the informant priority{where}"

        st.drop_keyed(
            bad, "informant", inf[bad].astype(np.int64) * n_inst + inst[bad] + 1, informant_reason
        )
    else:
        inst_name = np.asarray([*inst_uniques, ""], dtype=object)[inst[bad]]
        institution = " of institution " + pd.Series(inst_name, dtype="str")
        st.drop_rows(
            bad,
            "informant",
            (
                "informant "
                + text("informant", bad)
                + " is not in the informant priority"
                + np.where(inst[bad] >= 0, institution, "")
            ).to_numpy(object),
        )

    # End lists: period of their team.
    e_rows = np.flatnonzero(st.alive & is_end)
    E = pd.DataFrame(
        {
            "row": e_rows,
            "team": team[e_rows],
            "client": client[e_rows],
            "instr": instr[e_rows],
            "inf": inf[e_rows],
            "date": date[e_rows],
            "tr": tr[e_rows],
            "group_rank": group_rank[e_rows],
            "pos": pos[e_rows],
        }
    )
    del team, group_rank, pos, allowed, safe_inf  # free 10 M-row arrays before the joins
    periods = pd.DataFrame(
        {
            "team": team_cat.get_indexer(team_periods["team_id"]),
            "moment": team_periods["moment"].to_numpy(dtype="int64"),
            "period_start": team_periods["period_start"].to_numpy("datetime64[ns]"),
            "period_end": team_periods["period_end"].to_numpy("datetime64[ns]"),
            "tp": np.arange(len(team_periods)),
            "opg": instr_cat.get_indexer(team_periods["instrument_opgroei"]),
            "opv": instr_cat.get_indexer(team_periods["instrument_opvoed"]),
        }
    )
    where = period_rows(E["team"].to_numpy(), E["date"].to_numpy("datetime64[ns]"), periods)
    out_period = where < 0
    found = np.maximum(where, 0)
    E = E.assign(**{c: periods[c].to_numpy()[found] for c in ("moment", "tp", "opg", "opv")})
    bad_team = team_cat.to_numpy(dtype=object)[E["team"].to_numpy()[out_period]]
    st.drop_rows(
        E["row"].to_numpy()[out_period],
        "period",
        ("end list outside every period of team " + pd.Series(bad_team, dtype="str")).to_numpy(
            object
        ),
    )
    E = E[~out_period]
    uses = ((E["instr"] == E["opg"]) | (E["instr"] == E["opv"])).to_numpy(bool)
    bad = E[~uses]
    n_moment = int(bad["moment"].max()) + 1 if len(bad) else 1
    team_names, instr_names = team_cat.to_list(), instr_cat.to_list()

    def team_instrument_reason(key: int) -> str:
        team_instr, moment = divmod(key, n_moment)
        t, i = divmod(team_instr, len(instr_names))
        return f"team {team_names[t]} does not use {instr_names[i]} at moment {moment}"

    st.drop_keyed(
        bad["row"].to_numpy(),
        "team_instrument",
        (bad["team"].to_numpy(np.int64) * len(instr_names) + bad["instr"].to_numpy()) * n_moment
        + bad["moment"].to_numpy(),
        team_instrument_reason,
    )
    E = E[uses]
    usable_posts = pd.DataFrame(
        {
            "team_id": pd.Series(
                team_cat.to_numpy(dtype=object)[E["team"].to_numpy()], dtype="str"
            ),
            "moment": E["moment"].to_numpy(),
            "client_id": E["client"].to_numpy(),
        }
    )

    # Duplicate end lists of one informant and instrument in one treatment.
    e = {c: E[c].to_numpy() for c in E.columns}
    e_date = _date_key(e["date"], descending=latest)
    E = E.iloc[np.lexsort((e["row"], e_date, e["inf"], e["instr"], e["tr"], e["client"]))]
    dup = ~_run_starts(*(E[c].to_numpy() for c in ("client", "tr", "instr", "inf")))
    st.drop_rows(
        E["row"].to_numpy()[dup],
        "duplicate",
        f"another end list of this informant and instrument in the treatment was kept ({which})",
    )
    E = E[~dup]

    # Start lists and matching: every start list of the same client, instrument and
    # informant, joined by binary search on one combined key.
    b_rows = np.flatnonzero(st.alive & is_begin)
    e_row, e_date = E["row"].to_numpy(), E["date"].to_numpy("datetime64[ns]")
    e_i, b_i = _join(
        _combined(E["client"].to_numpy(), E["instr"].to_numpy(), E["inf"].to_numpy(), len(inf_cat)),
        _combined(client[b_rows], instr[b_rows], inf[b_rows], len(inf_cat)),
    )
    m_row, m_date, m_b = e_row[e_i], e_date[e_i], b_rows[b_i]
    ok = date[m_b] < m_date
    if cfg["same_treatment"]:
        m_tr = E["tr"].to_numpy()[e_i]
        ok &= (tr[m_b] < 0) | (tr[m_b] == m_tr)
    m_row, m_date, m_b = m_row[ok], m_date[ok], m_b[ok]
    candidate_b = np.unique(m_b)
    order = np.lexsort((m_b, _date_key(date[m_b], descending=latest), m_row))
    first = order[_run_starts(m_row[order])]  # each end list's best start list
    # A start list goes to the earliest end list that chose it.
    order = first[np.lexsort((m_row[first], _date_key(m_date[first]), m_b[first]))]
    chosen = order[_run_starts(m_b[order])]
    b_of = np.full(n, -1, np.int64)
    b_of[m_row[chosen]] = m_b[chosen]
    has_pair = b_of[e_row] >= 0
    E = E.assign(b_row=b_of[e_row], has_pair=has_pair)

    # Informant priority per client-instrument-team-period.
    e = {c: E[c].to_numpy() for c in ("row", "client", "instr", "team", "moment")}
    order = np.lexsort(
        (
            e["row"],
            _date_key(E["date"].to_numpy("datetime64[ns]"), descending=latest),
            E["pos"].to_numpy(),
            E["group_rank"].to_numpy(),
            e["moment"],
            e["team"],
            e["instr"],
            e["client"],
        )
    )
    E = E.iloc[order]
    cell_start = _run_starts(*(e[c][order] for c in ("client", "instr", "team", "moment")))
    cell = np.cumsum(cell_start) - 1
    eligible = E["has_pair"].to_numpy()
    if cfg["priority_scope"] == "post":
        group_rank = E["group_rank"].to_numpy()
        top = np.minimum.reduceat(group_rank, np.flatnonzero(cell_start))[cell]
        eligible = eligible & (group_rank == top)
    candidates = np.flatnonzero(eligible)
    win_pos = candidates[_run_starts(cell[candidates])]  # first eligible row per cell
    winners = E.iloc[win_pos]
    is_winner = np.zeros(len(E), bool)
    is_winner[win_pos] = True
    no_start = ~E["has_pair"].to_numpy()
    ns_rows = E["row"].to_numpy()[no_start]
    in_join = np.zeros(n, bool)
    in_join[m_row] = True
    st.drop_rows(
        ns_rows,
        "no_start",
        np.where(
            in_join[ns_rows],
            "its start list was already paired with an earlier end list",
            "no start list of the same client, instrument and informant before it"
            + (" in the same treatment" if cfg["same_treatment"] else ""),
        ),
    )
    win_inf = np.full(int(cell[-1]) + 1 if len(cell) else 0, -1, np.int64)
    win_inf[cell[win_pos]] = E["inf"].to_numpy()[win_pos]
    lose = ~no_start & ~is_winner
    loser_win = win_inf[cell[lose]]
    win_name = pd.Series(inf_cat.to_numpy(dtype=object)[np.maximum(loser_win, 0)], dtype="str")
    loser_reason = np.where(
        loser_win < 0,
        "pair not selected: a higher-priority informant has an end list without a start list"
        " (priority_scope post)",
        (
            "pair not selected: the pair of informant "
            + win_name
            + " was chosen for this client, instrument and period"
        ).to_numpy(object),
    )
    st.drop_rows(E["row"].to_numpy()[lose], "priority", loser_reason)
    st.drop_rows(E["b_row"].to_numpy()[lose], "priority", loser_reason)

    used_b = winners["b_row"].to_numpy()
    alive_b = np.flatnonzero(st.alive & is_begin)
    is_candidate, is_used = np.zeros(n, bool), np.zeros(n, bool)
    is_candidate[candidate_b], is_used[used_b] = True, True
    was_candidate = is_candidate[alive_b] & ~is_used[alive_b]
    st.drop_rows(
        alive_b[was_candidate],
        "duplicate",
        f"another start list of this informant fitted the end list better ({which})",
    )
    st.drop_rows(
        alive_b[~is_used[alive_b] & ~was_candidate],
        "unused_start",
        "no selected end list of the same client, instrument and informant after it",
    )

    post, pre = winners["row"].to_numpy(), used_b
    tp_rows = team_periods.iloc[winners["tp"].to_numpy()]
    record = q["record_id"]
    pairs = pd.DataFrame(
        {
            "client_id": take_text(client_uniques, winners["client"].to_numpy()),
            "team_id": tp_rows["team_id"].to_numpy(),
            "moment": tp_rows["moment"].to_numpy(),
            "condition": tp_rows["condition"].to_numpy(),
            "instrument": instr_cat.to_numpy(dtype=object)[winners["instr"].to_numpy()],
            "informant": inf_cat.to_numpy(dtype=object)[winners["inf"].to_numpy()],
            "treatment_id": take_text(tr_table["treatment_id"], winners["tr"].to_numpy()),
            "pre_record": take_text(record, pre),
            "post_record": take_text(record, post),
            "pre_date": date[pre],
            "post_date": date[post],
            "pre_raw": q["raw_total"].to_numpy("float64")[pre],
            "post_raw": q["raw_total"].to_numpy("float64")[post],
        }
    )
    if refs is not None:
        pairs["_client_row"] = winners["client"].to_numpy()
        pairs["_treatment_row"] = winners["tr"].to_numpy()
    for column in ("_age_days", "_age_years"):  # ages from a database (ldj_analysis.extract)
        if column in q.columns:
            ages = q[column].to_numpy("float64", na_value=np.nan)
            pairs[f"pre{column}"], pairs[f"post{column}"] = ages[pre], ages[post]
    pairs.insert(4, "domain", pairs["instrument"].map(instruments))
    pairs = pairs.astype(
        {
            c: "str"
            for c in (
                "client_id",
                "team_id",
                "condition",
                "domain",
                "instrument",
                "informant",
                "treatment_id",
                "pre_record",
                "post_record",
            )
        }
    ).astype({"moment": "Int64"})
    pairs = pairs.sort_values(["team_id", "moment", "client_id", "domain"]).reset_index(drop=True)

    unaccounted = st.alive.copy()
    unaccounted[post] = unaccounted[pre] = False
    leftover = np.flatnonzero(unaccounted)
    if len(leftover):  # every record must be accounted for
        raise AssertionError(f"{len(leftover)} questionnaire records neither paired nor excluded")
    exclusions = st.exclusions(record)
    return PairingResult(pairs, usable_posts, exclusions, n)


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
