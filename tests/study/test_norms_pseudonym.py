"""Norm groups and z-scores; the shipped norm table; client pseudonyms."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from ldj_analysis import steps
from ldj_analysis.norms import (
    DEFAULT_NORMS_FILE,
    NormsError,
    PlaceholderNormsError,
    check_norms,
    is_placeholder,
    load_norms,
    norm_scores,
    norms_used,
    refuse_placeholders,
)
from ldj_analysis.pseudonym import ENV_VAR, KEY_FILE, load_key, pseudonymise

from .pairing_oracle import whole_years

NORMS = check_norms(
    pd.DataFrame(
        {
            "instrument": ["CBCL_6-18", "CBCL_6-18", "CBCL_6-18", "OBVL"],
            "sex": ["m", "f", "all", "all"],
            "age_min": [6, 6, 12, 0],
            "age_max": [11, 11, 25, 3],
            "mean": [20.0, 16.0, 18.0, 50.0],
            "sd": [10.0, 8.0, 12.0, 10.0],
            "higher_is_worse": ["true", "true", "true", "false"],
            "source": ["t"] * 4,
        }
    )
)


def z(instrument, sex, age, raw):
    lists = pd.DataFrame(
        {"instrument": [instrument], "sex": [sex], "age_years": [age], "raw": [raw]}
    )
    return norm_scores(lists, NORMS).iloc[0]


def test_z_by_sex_and_age():
    assert z("CBCL_6-18", "m", 8, 40).z == 2.0
    assert z("CBCL_6-18", "f", 8, 40).z == 3.0
    assert z("CBCL_6-18", "f", 11, 16).z == 0.0
    assert z("CBCL_6-18", "m", 12, 42).z == 2.0  # only the 'all' row covers 12+


def test_sign_flip_when_higher_is_better():
    assert z("OBVL", "f", 2, 30).z == 2.0


def test_missing_sex_uses_all_rows_only():
    assert z("CBCL_6-18", np.nan, 13, 30).z == 1.0
    r = z("CBCL_6-18", np.nan, 8, 30)
    assert np.isnan(r.z) and "no norm group" in r.no_norm_reason


@pytest.mark.parametrize(
    ("instrument", "age", "reason"),
    [
        ("CBCL_6-18", 5, "instrument, sex and age"),
        ("OBVL", 4, "instrument, sex and age"),
        ("SIER", 10, "not in the norm table"),
        ("OBVL", np.nan, "age unknown"),
    ],
)
def test_no_norm_group(instrument, age, reason):
    r = z(instrument, "m", age, 30)
    assert np.isnan(r.z) and reason in r.no_norm_reason


def test_whole_years_birthday_boundary():
    """The recipe's age in whole years: a birthday counts on the day itself."""
    con = steps.open_recipe()
    steps.run(con, ["00_macros"])
    dates = pd.DataFrame(
        {
            "birth": pd.to_datetime(["2010-03-15"] * 3 + [None, "2012-02-29"]),
            "filled_on": pd.to_datetime(
                ["2018-03-14", "2018-03-15", "2018-03-16", "2018-01-01", "2013-02-28"]
            ),
        }
    )
    con.register("dates", dates)
    out = steps.fetch(con, "SELECT whole_years(birth, filled_on) AS age FROM dates")["age"]
    assert out[:3].tolist() == [7, 8, 8] and pd.isna(out[3]) and out[4] == 0
    reference = whole_years(dates["birth"], dates["filled_on"])
    assert out.astype("float64").fillna(-1).tolist() == reference.fillna(-1).tolist()


def test_invalid_norm_table():
    bad = NORMS.assign(sd=[10.0, 0.0, 12.0, 10.0])
    with pytest.raises(NormsError, match="row 3: sd"):
        check_norms(bad)
    overlap = pd.concat([NORMS, NORMS.iloc[[0]]])
    with pytest.raises(NormsError, match="overlaps"):
        check_norms(overlap)


def test_shipped_norm_table_covers_the_study():
    norms = load_norms(DEFAULT_NORMS_FILE)
    assert norms["source"].str.len().gt(10).all()
    # CBCL/6-18 boys/girls 6-11 and 12+, OBVL 0-3, 4-11, 12+; every band reaches 25.
    for instrument, sex in [("CBCL_6-18", "m"), ("CBCL_6-18", "f"), ("OBVL", "all")]:
        rows = norms[(norms.instrument == instrument) & (norms.sex == sex)]
        assert rows["age_max"].max() == 25
    assert sorted(norms.loc[norms.instrument == "OBVL", "age_min"]) == [0, 4, 12]
    assert sorted(norms.loc[norms.instrument == "CBCL_6-18", "age_min"].unique()) == [6, 12]
    placeholders = norms["source"].str.startswith("placeholder:")
    assert (~placeholders).any() and placeholders.any()


def test_pseudonyms_are_keyed_and_stable():
    ids = pd.Series(["C1", "C2", "C1", None], dtype="str")
    a = pseudonymise(ids, b"k1")
    assert a[0] == a[2] and a[0] != a[1] and pd.isna(a[3])
    assert len(a[0]) == 16 and "C1" not in a[0]
    assert pseudonymise(ids, b"k1").equals(a)
    assert pseudonymise(ids, b"k2")[0] != a[0]


def test_key_from_env_or_generated_file(tmp_path, monkeypatch):
    monkeypatch.setenv(ENV_VAR, "from-env-" + "x" * 32)
    assert load_key(tmp_path / KEY_FILE) == b"from-env-" + b"x" * 32
    assert not (tmp_path / KEY_FILE).exists()
    monkeypatch.delenv(ENV_VAR)
    key = load_key(tmp_path / KEY_FILE)
    assert len(key) == 64 and (tmp_path / KEY_FILE).exists()
    assert (tmp_path / KEY_FILE).stat().st_mode & 0o077 == 0
    assert load_key(tmp_path / KEY_FILE) == key


def _one_pair_export():
    from .builders import client, make_export, q, treatment

    return make_export(
        clients=[client("C1")],
        treatments=[treatment("B1", "C1", end="2018-03-10")],
        questionnaires=[
            q("S", "C1", "begin", "2017-06-10", 40),
            q("E", "C1", "eind", "2018-03-01", 20),
        ],
    )


def test_norm_scores_name_the_row_used():
    lists = pd.DataFrame(
        {"instrument": ["CBCL_6-18", "OBVL", "GVL"], "sex": ["f", "m", "m"]}
        | {"age_years": [8, 2, 8], "raw": [1.0, 2.0, 3.0]}
    )
    assert norm_scores(lists, NORMS)["norm_row"].tolist() == [1, 3, -1]


def test_placeholder_rows_that_score_a_list_stop_a_real_analysis(norms):
    from ldj_analysis.derive import derive

    from .builders import TEST_KEY, config

    marked = norms.assign(source=["placeholder: made up", *["manual"] * (len(norms) - 1)])
    assert is_placeholder(marked).tolist() == [True] + [False] * (len(norms) - 1)
    ex = _one_pair_export()  # one CBCL_6-18 pair: row 2 of the table scores it
    with pytest.raises(PlaceholderNormsError) as err:
        derive(ex, config(), norms=marked, pseudonym_key=TEST_KEY)
    assert "row 2: CBCL_6-18, sex all, age 0-25" in str(err.value)
    assert "norms_accept_placeholders" in str(err.value)
    # a placeholder row that scores no list is no obstacle
    unused = norms.assign(source=["manual", "placeholder: x", *["manual"] * (len(norms) - 2)])
    d = derive(ex, config(), norms=unused, pseudonym_key=TEST_KEY)
    assert d.norms_used[["row", "instrument", "placeholder"]].values.tolist() == [
        [2, "CBCL_6-18", False]
    ]
    # accepted by config, or on the synthetic export
    accepted = config() | {"norms_accept_placeholders": True}
    d = derive(ex, accepted, norms=marked, pseudonym_key=TEST_KEY)
    assert d.norms_used["placeholder"].tolist() == [True] and len(d.pairs) == 1
    assert any("placeholder" in w for w in d.warnings)
    d = derive(ex, config(), norms=marked, pseudonym_key=TEST_KEY, synthetic_export=True)
    assert len(d.pairs) == 1


def test_norms_used_lists_rows_in_table_order():
    used = norms_used(NORMS.assign(source=["a", "placeholder: b", "c", "d"]), [3, -1, 1, 3])
    assert used["row"].tolist() == [3, 5]
    assert used["placeholder"].tolist() == [True, False]
    with pytest.raises(PlaceholderNormsError, match="row 3: CBCL_6-18, sex f, age 6-11"):
        refuse_placeholders(used)
    refuse_placeholders(used.iloc[[1]])  # no placeholder: nothing raised
