"""Pairing rules on small hand-built exports; expected pairs worked out by hand."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ldj_analysis.derive import derive
from ldj_analysis.pairing import select_pairs

from .builders import TEST_KEY, client, config, make_export, period, q, team, treatment


def run(export, cfg=None):
    cfg = cfg or config()
    from ldj_analysis.conditions import team_periods_base

    tp, _ = team_periods_base(export, cfg)
    return select_pairs(export.questionnaires, export.treatments, export.teams, tp, cfg["pairing"])


def steps(result) -> dict[str, str]:
    return dict(zip(result.exclusions["key"], result.exclusions["step"], strict=True))


def one_client(lists, treatments=None, teams=None, implementation=None, clients=None):
    return make_export(
        teams=teams,
        implementation=implementation,
        clients=clients or [client("C1")],
        treatments=treatments or [treatment("B1", "C1")],
        questionnaires=lists,
    )


def test_basic_pair_and_values():
    ex = one_client(
        [q("S", "C1", "begin", "2017-06-10", 40), q("E", "C1", "eind", "2018-03-01", 22)]
    )
    r = run(ex)
    assert len(r.pairs) == 1
    p = r.pairs.iloc[0]
    assert (p.pre_record, p.post_record, p.pre_raw, p.post_raw) == ("S", "E", 40, 22)
    assert p.domain == "opgroei" and p.moment == 1 and p.treatment_id == "B1"
    assert r.exclusions.empty


def test_mother_before_father():
    ex = one_client(
        [
            q("MS", "C1", "begin", "2017-06-10", informant="moeder"),
            q("ME", "C1", "eind", "2018-03-01", informant="moeder"),
            q("FS", "C1", "begin", "2017-06-10", informant="vader"),
            q("FE", "C1", "eind", "2018-03-01", informant="vader"),
        ]
    )
    r = run(ex)
    assert r.pairs["post_record"].tolist() == ["ME"]
    assert steps(r) == {"FS": "priority", "FE": "priority"}


def test_stepmother_counts_as_mother_and_beats_father():
    ex = one_client(
        [
            q("FS", "C1", "begin", "2017-06-10", informant="vader"),
            q("FE", "C1", "eind", "2018-03-01", informant="vader"),
            q("SS", "C1", "begin", "2017-06-11", informant="stiefmoeder"),
            q("SE", "C1", "eind", "2018-03-02", informant="stiefmoeder"),
        ]
    )
    r = run(ex)
    assert r.pairs["informant"].tolist() == ["stiefmoeder"]


def test_within_group_order_moeder_before_grootmoeder():
    ex = one_client(
        [
            q("GS", "C1", "begin", "2017-06-10", informant="grootmoeder"),
            q("GE", "C1", "eind", "2018-03-05", informant="grootmoeder"),
            q("MS", "C1", "begin", "2017-06-10", informant="moeder"),
            q("ME", "C1", "eind", "2018-03-01", informant="moeder"),
        ]
    )
    assert run(ex).pairs["informant"].tolist() == ["moeder"]


def test_group_worker_institution():
    lists = [
        q("MS", "C1", "begin", "2017-06-10", informant="moeder"),
        q("ME", "C1", "eind", "2018-03-01", informant="moeder"),
        q("GS", "C1", "begin", "2017-06-10", informant="groepsleider"),
        q("GE", "C1", "eind", "2018-03-01", informant="groepsleider"),
    ]
    r = run(one_client(lists, teams=[team("T1", "I4")]))
    assert r.pairs["informant"].tolist() == ["groepsleider"]
    assert steps(r) == {"MS": "informant", "ME": "informant"}
    # Elsewhere the group worker is not an informant of the study.
    r = run(one_client(lists, teams=[team("T1", "I1")]))
    assert r.pairs["informant"].tolist() == ["moeder"]
    assert steps(r)["GE"] == "informant"


@pytest.mark.parametrize("informant", ["jeugdige", "leerkracht", "hulpverlener", "anders"])
def test_youth_and_teacher_lists_never_used(informant):
    r = run(
        one_client(
            [
                q("S", "C1", "begin", "2017-06-10", informant=informant),
                q("E", "C1", "eind", "2018-03-01", informant=informant),
            ]
        )
    )
    assert r.pairs.empty
    assert steps(r) == {"S": "informant", "E": "informant"}


def test_interim_lists_and_missing_raw_total():
    r = run(
        one_client(
            [
                q("S", "C1", "begin", "2017-06-10"),
                q("T", "C1", "tussen", "2017-12-01"),
                q("E0", "C1", "eind", "2018-03-05", raw=""),
                q("E", "C1", "eind", "2018-03-01"),
            ]
        )
    )
    assert r.pairs["post_record"].tolist() == ["E"]
    assert steps(r) == {"T": "interim", "E0": "raw_total"}


def test_mother_end_only_father_pair_scope():
    lists = [
        q("ME", "C1", "eind", "2018-03-01", informant="moeder"),
        q("FS", "C1", "begin", "2017-06-10", informant="vader"),
        q("FE", "C1", "eind", "2018-03-01", informant="vader"),
    ]
    r = run(one_client(lists))
    assert r.pairs["informant"].tolist() == ["vader"]
    assert steps(r) == {"ME": "no_start"}
    r = run(one_client(lists), config(pairing={"priority_scope": "post"}))
    assert r.pairs.empty
    assert steps(r) == {"ME": "no_start", "FS": "priority", "FE": "priority"}


TWO_STARTS_TWO_ENDS = [
    q("S1", "C1", "begin", "2017-06-10", 40),
    q("S2", "C1", "begin", "2017-06-20", 45),
    q("E1", "C1", "eind", "2018-02-01", 30),
    q("E2", "C1", "eind", "2018-03-01", 20),
]


@pytest.mark.parametrize("start_rule", ["latest", "earliest"])
@pytest.mark.parametrize(
    ("end_rule", "kept", "dropped"), [("latest", "E2", "E1"), ("earliest", "E1", "E2")]
)
def test_duplicate_end_lists(end_rule, kept, dropped, start_rule):
    """``duplicate_end_lists`` picks the end list, whatever the start rule."""
    cfg = config(pairing={"duplicate_end_lists": end_rule, "duplicate_start_lists": start_rule})
    r = run(one_client(TWO_STARTS_TWO_ENDS), cfg)
    assert r.pairs["post_record"].tolist() == [kept]
    assert steps(r)[dropped] == "duplicate"


@pytest.mark.parametrize("end_rule", ["latest", "earliest"])
@pytest.mark.parametrize(
    ("start_rule", "kept", "dropped"), [("latest", "S2", "S1"), ("earliest", "S1", "S2")]
)
def test_duplicate_start_lists(start_rule, kept, dropped, end_rule):
    """``duplicate_start_lists`` picks the start list, whatever the end rule."""
    cfg = config(pairing={"duplicate_start_lists": start_rule, "duplicate_end_lists": end_rule})
    r = run(one_client(TWO_STARTS_TWO_ENDS), cfg)
    assert r.pairs["pre_record"].tolist() == [kept]
    assert steps(r) == {dropped: "duplicate", ("E1" if end_rule == "latest" else "E2"): "duplicate"}


def test_default_duplicate_rules_are_latest():
    """The defaults reproduce the published figures: the latest start and end list (see the
    docs/reruns.md on why the start list is not the earliest)."""
    r = run(one_client(TWO_STARTS_TWO_ENDS))
    assert r.pairs[["pre_record", "post_record"]].values.tolist() == [["S2", "E2"]]


def test_removed_duplicate_lists_key_names_the_new_keys():
    from ldj_analysis.config import ConfigError

    with pytest.raises(ConfigError) as error:
        config(pairing={"duplicate_lists": "latest"})
    message = str(error.value)
    assert "pairing.duplicate_lists" in message
    assert "duplicate_start_lists" in message and "duplicate_end_lists" in message


@pytest.mark.parametrize("start_date", ["2018-03-01", "2018-03-02"])
def test_start_on_or_after_end_is_no_pair(start_date):
    r = run(one_client([q("S", "C1", "begin", start_date), q("E", "C1", "eind", "2018-03-01")]))
    assert r.pairs.empty
    assert steps(r) == {"S": "unused_start", "E": "no_start"}


def test_start_list_from_earlier_treatment():
    trs = [
        treatment("B0", "C1", start="2016-01-01", end="2016-12-31"),
        treatment("B1", "C1", start="2017-06-01"),
    ]
    lists = [
        q("S", "C1", "begin", "2016-02-01", treatment_id="B0"),
        q("E", "C1", "eind", "2018-03-01", treatment_id="B1"),
    ]
    r = run(one_client(lists, treatments=trs))
    assert r.pairs.empty and steps(r) == {"S": "unused_start", "E": "no_start"}
    # Without treatment ids the start list's date lies in the earlier treatment: same result.
    lists_no_ids = [{**row, "treatment_id": ""} for row in lists]
    r = run(one_client(lists_no_ids, treatments=trs))
    assert r.pairs.empty and steps(r) == {"S": "unused_start", "E": "no_start"}
    # same_treatment off: the earlier start list is used.
    r = run(one_client(lists, treatments=trs), config(pairing={"same_treatment": False}))
    assert r.pairs["pre_record"].tolist() == ["S"]


def test_start_list_just_before_treatment_start_is_used():
    r = run(
        one_client(
            [q("S", "C1", "begin", "2017-05-28"), q("E", "C1", "eind", "2018-03-01")],
            treatments=[treatment("B1", "C1", start="2017-06-01")],
        )
    )
    assert r.pairs["pre_record"].tolist() == ["S"]


def test_start_list_used_once():
    # Two treatments; without same_treatment the one start list fits both end lists.
    trs = [
        treatment("B1", "C1", start="2017-06-01", end="2018-02-01"),
        treatment("B2", "C1", start="2018-02-10"),
    ]
    lists = [
        q("S", "C1", "begin", "2017-06-05", treatment_id="B1"),
        q("E1", "C1", "eind", "2018-02-01", treatment_id="B1"),
        q("E2", "C1", "eind", "2018-06-01", treatment_id="B2"),
    ]
    r = run(one_client(lists, treatments=trs), config(pairing={"same_treatment": False}))
    assert r.pairs["post_record"].tolist() == ["E1"]
    assert steps(r) == {"E2": "no_start"}
    assert "already paired" in r.exclusions["reason"].iloc[0]


@pytest.mark.parametrize(
    ("date", "inside"),
    [("2017-12-31", False), ("2018-01-01", True), ("2018-06-30", True), ("2018-07-01", False)],
)
def test_period_bounds_inclusive(date, inside):
    r = run(one_client([q("S", "C1", "begin", "2017-06-10"), q("E", "C1", "eind", date)]))
    assert len(r.pairs) == int(inside)
    if not inside:
        assert steps(r) == {"E": "period", "S": "unused_start"}


@pytest.mark.parametrize("selected_out", [False, True])
def test_period_reason_names_the_end_lists_own_team(selected_out):
    """The 'period' reason names the team of the end list's treatment, also when selection
    took that team out of the teams table (the array code before the recipe then named the
    last team of the teams table: "team 19" on the 2020-2022 rerun)."""
    teams = [team("T2"), team("T3")] if selected_out else [team("T1"), team("T2"), team("T3")]
    impl = [period("T2"), period("T3", start="2018-07-01", end="2018-12-31")]
    if not selected_out:
        impl.append(period("T1", start="2019-01-01", end="2019-06-30"))
    trs = [treatment("B1", "C1", team_id="T1")]
    lists = [q("S", "C1", "begin", "2017-06-10"), q("E", "C1", "eind", "2018-08-01")]
    r = run(one_client(lists, treatments=trs, teams=teams, implementation=impl))
    assert steps(r)["E"] == "period"
    reason = r.exclusions.set_index("key").loc["E", "reason"]
    assert reason == "end list outside every period of team T1"


def test_end_list_in_second_period_gets_that_moment_and_condition():
    impl = [
        period(moment=1, start="2018-01-01", end="2018-06-30", training="2018-03-01"),
        period(moment=2, start="2018-07-01", end="2018-12-31", training="2018-03-01"),
    ]
    r = run(
        one_client(
            [q("S", "C1", "begin", "2017-06-10"), q("E", "C1", "eind", "2018-07-01")],
            implementation=impl,
        )
    )
    assert r.pairs[["moment", "condition"]].values.tolist() == [[2, "partial"]]


def test_treatment_inferred_from_dates_and_team():
    teams = [team("T1"), team("T2")]
    impl = [period("T1"), period("T2")]
    trs = [
        treatment("B1", "C1", team_id="T1", start="2017-06-01", end="2017-12-31"),
        treatment("B2", "C1", team_id="T2", start="2018-01-15"),
    ]
    lists = [
        q("S", "C1", "begin", "2018-01-20"),
        q("E", "C1", "eind", "2018-05-01"),
        q("X", "C1", "eind", "2018-01-05"),  # in no treatment
    ]
    r = run(one_client(lists, treatments=trs, teams=teams, implementation=impl))
    assert r.pairs[["team_id", "treatment_id"]].values.tolist() == [["T2", "B2"]]
    assert steps(r) == {"X": "treatment"}


def test_named_unknown_treatment_is_not_inferred_from_dates():
    """Frames that skipped validation: an end list naming a treatment the export lacks has
    no treatment (validation would exclude it), even when a treatment of its client covers
    its date; an end list naming none gets that one."""
    lists = [
        q("S", "C1", "begin", "2017-06-10"),
        q("E", "C1", "eind", "2018-03-01", treatment_id="B9"),
        q("FS", "C1", "begin", "2017-06-10", informant="vader"),
        q("FE", "C1", "eind", "2018-03-01", informant="vader"),
    ]
    r = run(one_client(lists))
    assert r.pairs[["treatment_id", "post_record"]].values.tolist() == [["B1", "FE"]]
    assert steps(r) == {"E": "treatment", "S": "unused_start"}


@pytest.mark.parametrize(("grace", "paired"), [(0, False), (4, False), (5, True), (30, True)])
def test_end_list_grace_days(grace, paired):
    """An end list filled 5 days after its treatment ended (no treatment_id) belongs to it
    only with ``pairing.end_list_grace_days`` >= 5."""
    trs = [treatment("B1", "C1", start="2017-06-01", end="2017-12-31")]
    lists = [q("S", "C1", "begin", "2017-06-10"), q("E", "C1", "eind", "2018-01-05")]
    r = run(one_client(lists, treatments=trs), config(pairing={"end_list_grace_days": grace}))
    if paired:
        assert r.pairs[["treatment_id", "pre_record", "post_record"]].values.tolist() == [
            ["B1", "S", "E"]
        ]
        assert r.exclusions.empty
    else:
        assert r.pairs.empty
        assert steps(r) == {"E": "treatment", "S": "unused_start"}


def test_instrument_the_team_does_not_use():
    r = run(
        one_client(
            [
                q("S", "C1", "begin", "2017-06-10", instrument="SDQ_ouder"),
                q("E", "C1", "eind", "2018-03-01", instrument="SDQ_ouder"),
                q("OS", "C1", "begin", "2017-06-10", instrument="OBVL"),
                q("OE", "C1", "eind", "2018-03-01", instrument="OBVL"),
                q("ZS", "C1", "begin", "2017-06-10", instrument="BRIEF"),
            ]
        )
    )
    assert r.pairs[["domain", "instrument"]].values.tolist() == [["opvoed", "OBVL"]]
    assert steps(r) == {"E": "team_instrument", "S": "unused_start", "ZS": "instrument"}


def test_one_pair_per_client_instrument_team_period_across_treatments():
    trs = [
        treatment("B1", "C1", start="2017-06-01", end="2018-02-01"),
        treatment("B2", "C1", start="2018-02-10", end="2018-06-01"),
    ]
    lists = [
        q("S1", "C1", "begin", "2017-06-05", treatment_id="B1"),
        q("E1", "C1", "eind", "2018-02-01", treatment_id="B1"),
        q("S2", "C1", "begin", "2018-02-12", treatment_id="B2"),
        q("E2", "C1", "eind", "2018-06-01", treatment_id="B2"),
    ]
    r = run(one_client(lists, treatments=trs))
    assert r.pairs["post_record"].tolist() == ["E2"]  # latest end list
    assert steps(r) == {"S1": "priority", "E1": "priority"}


def test_flow_adds_up_and_no_ids_in_pairs(norms):
    lists = [
        q("S", "C1", "begin", "2017-06-10", 40),
        q("E", "C1", "eind", "2018-03-01", 20),
        q("T", "C1", "tussen", "2017-12-01"),
        q("J", "C1", "eind", "2018-03-01", informant="jeugdige"),
        q("S2", "C2", "begin", "2017-06-10", 40),
        q("E2", "C2", "eind", "2018-03-01", 20),
    ]
    ex = make_export(
        clients=[client("C1"), client("C2", birth="")],
        treatments=[treatment("B1", "C1"), treatment("B2", "C2")],
        questionnaires=lists,
    )
    d = derive(ex, config(), norms=norms, pseudonym_key=TEST_KEY)
    f = d.flow.set_index("step")["count"]
    excluded = f[[s for s in f.index if s.startswith("excluded: ")]].sum()
    assert f["questionnaire records after validation"] == 6
    assert excluded + f["lists in analysed pairs"] == 6
    assert f["pairs selected"] == 2 and f["pairs analysed"] == 1
    assert f["pairs without a norm group (excluded)"] == 1
    assert d.pairs.iloc[0][["pre_z", "post_z"]].tolist() == [6.0, 2.0]
    text = d.pairs.astype(str).to_csv()
    for secret in ("C1", "C2", "S", "E2", "2008-01-01"):
        assert f",{secret}," not in text
    assert set(pd.unique(d.exclusions["step"])) == {"interim", "informant", "norm"}


def test_configured_instrument_flows_through_pairing_norms_and_tables(norms):
    """A code added to selection.instruments is paired in its domain, scored with its norm
    rows and counted in Table 4 (the contract's code list is no limit)."""
    lists = [
        q("S", "C1", "begin", "2017-06-10", 40, instrument="BRIEF"),
        q("E", "C1", "eind", "2018-03-01", 20, instrument="BRIEF"),
    ]
    ex = one_client(lists, implementation=[period(opgroei="BRIEF")])
    default = derive(ex, config(), norms=norms, pseudonym_key=TEST_KEY)
    assert default.pairs.empty  # BRIEF is no study instrument by default
    cfg = config(selection={"instruments": {"opgroei": ["BRIEF"], "opvoed": ["OBVL"]}})
    brief = pd.DataFrame(
        {"instrument": ["BRIEF"], "sex": ["all"], "age_min": [0], "age_max": [25]}
        | {"mean": [30.0], "sd": [10.0], "higher_is_worse": [True], "source": ["test"]}
    )
    with_brief = pd.concat([norms, brief], ignore_index=True)
    d = derive(ex, cfg, norms=with_brief, pseudonym_key=TEST_KEY)
    assert d.pairs[["domain", "instrument", "pre_z", "post_z"]].values.tolist() == [
        ["opgroei", "BRIEF", 1.0, -1.0]
    ]
    t4 = d.table4.set_index(["condition", "domain"])
    assert t4.loc[("control", "opgroei"), "n"] == 1
    assert d.norms_used["instrument"].tolist() == ["BRIEF"]


def test_instrument_in_both_domains_is_refused():
    from ldj_analysis.config import ConfigError, validate_config

    with pytest.raises(ConfigError, match="selection.instruments.*OBVL.*both"):
        validate_config({"selection": {"instruments": {"opgroei": ["OBVL"], "opvoed": ["OBVL"]}}})


def test_instruments_given_to_pairing_are_the_ones_used():
    """``select_pairs(instruments=...)`` is the one place pairing learns the instruments:
    one added there is paired (with its domain); without it, it is excluded."""
    from ldj_analysis.conditions import team_periods_base
    from ldj_analysis.vocabulary import INSTRUMENTS

    ex = one_client(
        [
            q("S", "C1", "begin", "2017-06-10", instrument="BRIEF"),
            q("E", "C1", "eind", "2018-03-01", instrument="BRIEF"),
        ]
    )
    cfg = config()
    tp, _ = team_periods_base(ex, cfg)
    tp = tp.assign(instrument_opgroei="BRIEF")
    args = (ex.questionnaires, ex.treatments, ex.teams, tp, cfg["pairing"])
    r = select_pairs(*args, instruments={**INSTRUMENTS, "BRIEF": "opgroei"})
    assert r.pairs[["instrument", "domain", "post_record"]].values.tolist() == [
        ["BRIEF", "opgroei", "E"]
    ]
    assert steps(select_pairs(*args)) == {"S": "instrument", "E": "instrument"}


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.integers(0, 7), unique=True, max_size=7),
    st.integers(0, 7),
    st.sampled_from(["none", "duplicate", "drop", "missing", "outside"]),
    st.data(),
)
def test_every_list_accounted_for_is_counts_and_distinct_counts(lists, n_pairs, change, data):
    """The definition: as many lists as rows of exclusions and pair lists, and as many
    distinct (non-missing) lists among those rows; otherwise an AssertionError."""
    import duckdb

    from ldj_analysis.pairing import check_every_list_accounted_for

    rows: list[int | None] = list(lists)  # each list once, in some order
    if rows and change == "duplicate":
        rows[-1] = rows[0]
    elif rows and change == "drop":
        rows.pop()
    elif rows and change == "missing":
        rows[-1] = None
    elif change == "outside":
        rows.append(9)
    n_pairs = min(n_pairs, len(rows) // 2)
    post, start, excluded = rows[:n_pairs], rows[n_pairs : 2 * n_pairs], rows[2 * n_pairs :]
    con = duckdb.connect()
    con.execute("CREATE TABLE questionnaires_in AS SELECT unnest(?::INTEGER[]) AS pos", [lists])
    con.execute("CREATE TABLE list_exclusion AS SELECT unnest(?::INTEGER[]) AS pos", [excluded])
    con.execute(
        "CREATE TABLE selected_pair AS "
        "SELECT unnest(?::INTEGER[]) AS pos, unnest(?::INTEGER[]) AS start_pos",
        [post, start],
    )
    accounted = len(lists) == len(rows) == len({p for p in rows if p is not None})
    if accounted:
        check_every_list_accounted_for(con)
    else:
        with pytest.raises(AssertionError, match="every list must be in one"):
            check_every_list_accounted_for(con)
