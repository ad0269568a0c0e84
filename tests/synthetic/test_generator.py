"""Synthetic export: determinism, contract shape, study design, dates and the mess it holds.

These tests read the generated raw records only (no pipeline code), so they check the
generator's own promises; the end-to-end comparison with the study is test_end_to_end.py.
"""

from __future__ import annotations

import filecmp

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.export import COLUMNS, DTYPES, load_export
from ldj_analysis.synthetic import generate, write_synthetic
from ldj_analysis.vocabulary import (
    CARE_TYPES,
    CHECKLIST_DOMAINS,
    CHECKLIST_ITEMS,
    EXPORT_TABLES,
    FATHER_INFORMANTS,
    INFORMANTS,
    INSTRUMENTS,
    MOTHER_INFORMANTS,
    OCCASIONS,
)

SEED = 20180101
CONTROL_ARM = {"3", "13", "8", "9", "15"}
THREE_MOMENTS = {"3", "13", "7"}


@pytest.fixture(scope="module")
def export():
    return generate(SEED)


@pytest.fixture(scope="module")
def written(tmp_path_factory):
    a = tmp_path_factory.mktemp("a")
    b = tmp_path_factory.mktemp("b")
    write_synthetic(a, SEED)
    write_synthetic(b, SEED)
    return a, b


def test_same_seed_gives_byte_identical_files(written):
    a, b = written
    for table in EXPORT_TABLES:
        assert filecmp.cmp(a / f"{table}.csv", b / f"{table}.csv", shallow=False), table


def test_other_seed_gives_other_records(written, tmp_path):
    write_synthetic(tmp_path, SEED + 1)
    a, _ = written
    assert not filecmp.cmp(a / "questionnaires.csv", tmp_path / "questionnaires.csv", shallow=False)
    # The design does not depend on the seed.
    assert filecmp.cmp(a / "teams.csv", tmp_path / "teams.csv", shallow=False)


def test_written_export_loads_per_contract(written, export):
    a, _ = written
    loaded = load_export(a)
    for table, frame in loaded.tables().items():
        assert list(frame.columns) == list(COLUMNS[table])
        assert len(frame) == len(getattr(export, table))


def test_columns_dtypes_and_codes(export):
    for table, frame in export.tables().items():
        assert list(frame.columns) == list(COLUMNS[table]), table
        for col, kind in COLUMNS[table].items():
            assert str(frame[col].dtype) == str(pd.Series([], dtype=DTYPES[kind]).dtype), (
                table,
                col,
            )
    q = export.questionnaires
    assert q["informant"].isin(INFORMANTS).all()
    assert q["occasion"].isin(OCCASIONS).all()
    assert set(q["instrument"]) - set(INSTRUMENTS) == {"KIDSCREEN"}  # unknown code: mess
    assert (q["raw_total"].dropna() >= 0).all()
    assert export.teams["care_type"].isin(CARE_TYPES).all()
    items = export.checklist[list(CHECKLIST_ITEMS)]
    values = items.to_numpy(dtype=float, na_value=np.nan).ravel()
    assert np.isin(values[~np.isnan(values)], [0, 1, 2]).all()
    for table, keys in {
        "teams": ["team_id"],
        "implementation": ["team_id", "moment"],
        "checklist": ["team_id", "moment"],
        "clients": ["client_id"],
        "treatments": ["treatment_id"],
        "questionnaires": ["record_id"],
    }.items():
        assert not getattr(export, table).duplicated(keys).any(), table
    assert export.questionnaires["client_id"].isin(export.clients["client_id"]).all()
    tid = export.questionnaires["treatment_id"].dropna()
    assert tid.isin(export.treatments["treatment_id"]).all()
    assert export.treatments["team_id"].isin(export.teams["team_id"]).all()
    t = export.treatments
    assert not (t["end_date"] < t["start_date"]).any()


def test_validation_accepts_the_export(export):
    validation = pytest.importorskip("ldj_analysis.validation")
    from ldj_analysis.config import validate_config

    result = validation.validate_export(export, validate_config({}))
    # Record problems (excluded, not errors): the unknown instrument code, and treatments and
    # lists dated before the client's birth (birth dates are drawn from the age at the end
    # list, apart from the treatment's dates; none of them is in a published pair).
    reasons = set(result.exclusions["reason"].astype(str))
    born = {
        "start_date: before the client's birth_date",
        "filled_on: before the client's birth_date",
    }
    cascade = "its client or treatment was excluded"
    assert all("KIDSCREEN" in r or "instrument" in r or r in born | {cascade} for r in reasons)


def test_design(export):
    teams = export.teams.set_index("team_id")
    assert sorted(teams.index, key=int) == [str(i) for i in range(1, 17)]
    assert teams["institution_id"].value_counts().to_dict() == {"I1": 5, "I2": 4, "I3": 4, "I4": 3}
    assert teams["care_type"].value_counts().to_dict() == {
        "ambulant": 9,
        "verblijf": 4,
        "dagbehandeling": 3,
    }
    assert set(teams.index[teams["arm"] == "control"]) == CONTROL_ARM
    assert (teams.loc[teams["institution_id"] == "I4", "care_type"] == "verblijf").all()
    moments = export.implementation.groupby("team_id")["moment"].max()
    assert set(moments.index[moments == 3]) == THREE_MOMENTS
    assert (moments.drop(list(THREE_MOMENTS)) == 4).all()
    assert len(export.implementation) == len(export.checklist) == 61
    impl = export.implementation
    assert impl["period_start"].min() >= pd.Timestamp("2017-12-01")
    assert impl["period_end"].max() <= pd.Timestamp("2019-12-31")
    assert impl.groupby("moment")["period_start"].nunique().max() > 1  # periods differ per team
    # Control-arm teams never get implementation dates.
    ctrl = impl["team_id"].isin(CONTROL_ARM)
    assert impl.loc[ctrl, ["training_date", "dashboard_date"]].isna().all().all()


def _dates(export):
    impl = export.implementation.merge(
        export.checklist[["team_id", "moment", "filled_on"]].rename(columns={"filled_on": "ref"}),
        on=["team_id", "moment"],
    )
    team_dates = impl.groupby("team_id")[["training_date", "dashboard_date"]].max()
    impl = impl.drop(columns=["training_date", "dashboard_date"]).join(team_dates, on="team_id")
    return impl


def test_implementation_dates_are_consistent_per_team(export):
    impl = export.implementation
    for col in ("training_date", "dashboard_date"):
        assert (impl.groupby("team_id")[col].nunique() <= 1).all()
    both = impl.dropna(subset=["training_date", "dashboard_date"])
    assert (both["training_date"] <= both["dashboard_date"]).all()


def test_boundary_and_window_dates_exist(export):
    impl = _dates(export)
    for col in ("training_date", "dashboard_date"):
        lag = (impl["ref"] - impl[col]).dt.days
        impl[f"lag_{col}"] = lag
    lags = pd.concat([impl["lag_training_date"], impl["lag_dashboard_date"]]).dropna()
    assert (lags == 42).any(), "no date exactly on the 42-day boundary"
    assert ((lags >= 0) & (lags < 42)).any(), "no date inside the 42-day window"


def test_lag_rule_gives_table1_on_raw_dates(export):
    # Independent restatement of the rule on the raw dates (the pipeline's own is tested
    # end to end): counts per condition and the lag-0 difference.
    impl = _dates(export)
    exp = ~impl["team_id"].isin(CONTROL_ARM)

    def conditions(lag):
        full = exp & (impl["dashboard_date"] + pd.Timedelta(days=lag) <= impl["ref"])
        part = exp & (impl["training_date"] + pd.Timedelta(days=lag) <= impl["ref"])
        return np.where(full, "full", np.where(part, "partial", "control"))

    c42 = pd.Series(conditions(42)).value_counts().to_dict()
    assert c42 == {"control": 29, "partial": 19, "full": 13}
    assert (conditions(0) != conditions(42)).any()


def test_checklist_missing_items_at_most_one_per_domain(export):
    items = export.checklist[list(CHECKLIST_ITEMS)]
    assert items.isna().any(axis=1).sum() >= 3
    for numbers in CHECKLIST_DOMAINS.values():
        cols = [f"item_{i:02d}" for i in numbers]
        assert items[cols].isna().sum(axis=1).max() <= 1


def test_mess_is_present(export):
    q = export.questionnaires.merge(
        export.treatments[["treatment_id", "team_id"]], on="treatment_id", how="left"
    )
    assert (q["occasion"] == "tussen").any()
    assert {"jeugdige", "leerkracht", "hulpverlener", "groepsleider"} <= set(q["informant"])
    assert set(MOTHER_INFORMANTS) - {"moeder"} <= set(q["informant"])
    assert {"stiefvader", "pleegvader", "grootvader"} <= set(q["informant"])
    assert q["raw_total"].isna().any()
    assert q["treatment_id"].isna().any()
    assert export.clients["sex"].isna().any()
    assert export.clients["birth_date"].isna().any()
    assert export.treatments["end_date"].isna().any()
    # Both parents filled the same instrument for a client, with other scores.
    ends = q[q["occasion"] == "eind"]
    mum = ends[ends["informant"].isin(MOTHER_INFORMANTS)]
    dad = ends[ends["informant"].isin(FATHER_INFORMANTS)]
    both = mum.merge(dad, on=["client_id", "instrument"], suffixes=("_m", "_f"))
    assert (both["raw_total_m"] != both["raw_total_f"]).any()
    # Duplicate lists: same client, instrument, informant and occasion more than once.
    key = ["client_id", "treatment_id", "instrument", "informant", "occasion"]
    assert q.duplicated(key).any()
    # End lists without a begin list of the same client, instrument and informant.
    begins = q[q["occasion"] == "begin"][["client_id", "instrument", "informant"]]
    merged = ends.merge(begins.drop_duplicates(), how="left", indicator=True)
    assert (merged["_merge"] == "left_only").any()
    # Instruments the team does not use at that moment.
    impl = export.implementation
    used = pd.concat(
        [
            impl[["team_id", "instrument_opgroei"]].rename(columns={"instrument_opgroei": "i"}),
            impl[["team_id", "instrument_opvoed"]].rename(columns={"instrument_opvoed": "i"}),
        ]
    ).dropna()
    pairs_used = set(zip(used["team_id"], used["i"], strict=True))
    assert any((t, i) not in pairs_used for t, i in zip(q["team_id"], q["instrument"], strict=True))
    # End lists outside every period of their team.
    e = ends.dropna(subset=["team_id"]).merge(
        impl[["team_id", "period_start", "period_end"]], on="team_id"
    )
    inside = (e["filled_on"] >= e["period_start"]) & (e["filled_on"] <= e["period_end"])
    per_list = inside.groupby(e["record_id"]).any()
    assert (~per_list).any()


@pytest.mark.slow
def test_scale_multiplies_teams_and_clients():
    small, big = generate(SEED), generate(SEED, scale=3)
    assert len(big.teams) == 48
    assert set(big.teams["institution_id"]) == {"I1", "I2", "I3", "I4"}
    assert len(big.implementation) == 3 * 61
    ratio = len(big.questionnaires) / len(small.questionnaires)
    assert 2.5 < ratio < 3.5
    with pytest.raises(ValueError):
        generate(SEED, scale=0)


def test_generator_imports_no_pipeline_logic():
    # Independence: the synthetic package may use only the code lists and the export I/O.
    import ast
    from pathlib import Path

    import ldj_analysis.synthetic as pkg

    allowed = {"ldj_analysis.vocabulary", "ldj_analysis.export"}
    for path in Path(pkg.__file__).parent.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for name in names:
                if name.startswith("ldj_analysis") and not name.startswith(
                    "ldj_analysis.synthetic"
                ):
                    assert name in allowed, f"{path.name} imports {name}"
