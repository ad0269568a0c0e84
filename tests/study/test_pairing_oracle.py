"""``select_pairs`` against the plain pandas oracle (``pairing_oracle.py``) on random small
exports, across the pairing options: the same pairs, the same exclusion step for every
record and the same usable end lists."""

from __future__ import annotations

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ldj_analysis.conditions import team_periods_base
from ldj_analysis.pairing import select_pairs

from .builders import client, config, make_export, period, q, team, treatment
from .pairing_oracle import oracle_pairs

INFORMANTS = ["moeder", "stiefmoeder", "vader", "groepsleider", "jeugdige"]
INSTRUMENTS = ["CBCL_6-18", "SDQ_ouder", "OBVL", "BRIEF"]
OCCASIONS = ["begin", "begin", "eind", "eind", "tussen"]
#: Disjoint half-years, and a set with an overlap (moment 2 starts inside moment 1).
PERIODS = {
    "disjoint": [
        ("2018-01-01", "2018-06-30"),
        ("2018-07-01", "2018-12-31"),
        ("2019-01-01", "2019-06-30"),
    ],
    "overlap": [
        ("2018-01-01", "2018-08-31"),
        ("2018-07-01", "2018-12-31"),
        ("2019-01-01", "2019-06-30"),
    ],
}
DAY0 = pd.Timestamp("2017-06-01")


def day(n: int) -> str:
    return (DAY0 + pd.Timedelta(days=n)).date().isoformat()


@st.composite
def exports(draw):
    """A few teams (institution I4 uses the group worker), clients with one or two
    treatments (open or closed), and lists on a coarse date grid, so that ties of dates,
    lists just outside a treatment and several lists of one informant are common."""
    n_teams = draw(st.integers(1, 3))
    periods = PERIODS[draw(st.sampled_from(list(PERIODS)))]
    teams = [team(f"T{t}", draw(st.sampled_from(["I1", "I4"]))) for t in range(n_teams)]
    impl = []
    for t in range(n_teams):
        for m in range(draw(st.integers(1, 3))):
            opgroei = draw(st.sampled_from(["CBCL_6-18", "SDQ_ouder"]))
            impl.append(period(f"T{t}", m + 1, *periods[m], opgroei=opgroei, opvoed="OBVL"))
    n_clients = draw(st.integers(1, 4))
    clients = [client(f"C{c}") for c in range(n_clients)]
    trs, lists = [], []
    for c in range(n_clients):
        for k in range(draw(st.integers(1, 2))):
            start = draw(st.integers(0, 60)) * 10
            end = draw(st.one_of(st.none(), st.integers(start // 10, 80).map(lambda x: x * 10)))
            trs.append(
                treatment(
                    f"B{c}_{k}",
                    f"C{c}",
                    f"T{draw(st.integers(0, n_teams - 1))}",
                    day(start),
                    "" if end is None else day(end),
                )
            )
    for i in range(draw(st.integers(0, 30))):
        c = draw(st.integers(0, n_clients - 1))
        own = [t["treatment_id"] for t in trs if t["client_id"] == f"C{c}"]
        lists.append(
            q(
                f"R{i}",
                f"C{c}",
                draw(st.sampled_from(OCCASIONS)),
                day(draw(st.integers(0, 160)) * 5),
                draw(st.sampled_from([10, 20, 30, ""])),
                draw(st.sampled_from(INFORMANTS)),
                draw(st.sampled_from(INSTRUMENTS)),
                draw(st.sampled_from(["", "", *own])),
            )
        )
    return make_export(
        teams=teams, implementation=impl, clients=clients, treatments=trs, questionnaires=lists
    )


PAIRING_OPTIONS = st.fixed_dictionaries(
    {
        "priority_scope": st.sampled_from(["pair", "post"]),
        "duplicate_start_lists": st.sampled_from(["earliest", "latest"]),
        "duplicate_end_lists": st.sampled_from(["latest", "earliest"]),
        "same_treatment": st.booleans(),
        "end_list_grace_days": st.sampled_from([0, 5, 30]),
        "institution_informants": st.sampled_from(
            [{"I4": [["groepsleider"]]}, {}, {"I1": [["vader"], ["moeder", "stiefmoeder"]]}]
        ),
    }
)
KEYS = ["team_id", "moment", "client_id", "instrument"]


@pytest.mark.slow
@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(ex=exports(), options=PAIRING_OPTIONS)
def test_select_pairs_equals_the_oracle(ex, options):
    cfg = config(pairing=options)
    tp, _ = team_periods_base(ex, cfg)
    got = select_pairs(ex.questionnaires, ex.treatments, ex.teams, tp, cfg["pairing"])
    want = oracle_pairs(ex.questionnaires, ex.treatments, ex.teams, tp, cfg["pairing"])

    columns = list(want.pairs.columns)
    got_pairs = got.pairs[columns].sort_values(KEYS).reset_index(drop=True)
    want_pairs = want.pairs.sort_values(KEYS).reset_index(drop=True)
    pd.testing.assert_frame_equal(got_pairs.astype(str), want_pairs.astype(str), check_dtype=False)
    got_steps = dict(zip(got.exclusions["key"], got.exclusions["step"].astype(str), strict=True))
    assert got_steps == want.steps

    def posts(frame: pd.DataFrame) -> list:
        return sorted(frame[["team_id", "moment"]].astype(str).itertuples(index=False))

    assert posts(got.usable_posts) == posts(want.usable_posts)


def test_oracle_finds_the_hand_worked_cases():
    """The oracle itself on a case worked out by hand: a duplicate start and end list, a
    father's pair behind the mother's, an interim list."""
    lists = [
        q("S1", "C1", "begin", "2017-06-10", 40),
        q("S2", "C1", "begin", "2017-06-20", 45),
        q("E1", "C1", "eind", "2018-02-01", 30),
        q("E2", "C1", "eind", "2018-03-01", 20),
        q("FS", "C1", "begin", "2017-06-10", informant="vader"),
        q("FE", "C1", "eind", "2018-03-01", informant="vader"),
        q("T", "C1", "tussen", "2017-12-01"),
    ]
    ex = make_export(
        clients=[client("C1")], treatments=[treatment("B1", "C1")], questionnaires=lists
    )
    cfg = config(pairing={"duplicate_start_lists": "earliest", "duplicate_end_lists": "latest"})
    tp, _ = team_periods_base(ex, cfg)
    want = oracle_pairs(ex.questionnaires, ex.treatments, ex.teams, tp, cfg["pairing"])
    assert want.pairs[["pre_record", "post_record"]].values.tolist() == [["S1", "E2"]]
    assert want.steps == {
        "S2": "duplicate",
        "E1": "duplicate",
        "FS": "priority",
        "FE": "priority",
        "T": "interim",
    }
