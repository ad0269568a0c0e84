"""The generator's latent truth and its continuation after 2019, on the raw records only.

No workflow run here (fast): the default export is pinned byte for byte, ``truth`` restates
the published design, and the extended export's raw dates give the intended conditions.
"""

from __future__ import annotations

import hashlib

import numpy as np
import pandas as pd
import pytest

from ldj_analysis.config import load_schema, validate_config
from ldj_analysis.export import ExportError, load_export
from ldj_analysis.synthetic import generate, truth, write_synthetic
from ldj_analysis.validation import validate_export

SEED = 20180101

#: SHA-256 of the default export (seed 20180101, scale 1, last_year 2019), recorded before
#: the generator was continued past 2019: the calibrated published study must not move.
DEFAULT_SHA256 = {
    "checklist.csv": "a4afacd65effcb32c7def390067b52a4b2ec7130d3f4d90eface6d42fb71f217",
    "clients.csv": "2652526c11337b52e2ffba7e209946d152a8791c1f6611d791c4fc77f1970c7b",
    "implementation.csv": "5cd9e98c33fdc81d22a2153d9179dd245d48a79c08884336d9fa8fd0ae4380d1",
    "questionnaires.csv": "cc39d5eaf8630b5ac25a77d5ea1079db60b65017cdb78b919abfc637f72d637c",
    "teams.csv": "338711385682c53321ed8ec2e4d769c0f8b53566ce300e569b6d662fecf0a62a",
    "treatments.csv": "dda3f45664471247dca01c837ee5aefcedfca85568b9f65f35f08a506024bb65",
}

#: Published Table 1 (docs/study.md): conditions per team, c/p/f per moment.
TABLE1 = {
    "3": "ccc", "13": "ccc", "8": "cccc", "9": "cccc", "15": "cccc",
    "2": "cppp", "5": "cppp", "6": "cppp", "14": "cppp", "1": "cppf", "7": "cpf",
    "4": "cpff", "10": "cpff", "11": "cpff", "12": "cpff", "16": "cfff",
}  # fmt: skip
ORDER = {"control": 0, "partial": 1, "full": 2}


@pytest.fixture(scope="module")
def truth_2022() -> pd.DataFrame:
    return truth(SEED, last_year=2022)


def _letters(frame: pd.DataFrame) -> dict[str, str]:
    ordered = frame.sort_values(["team_id", "moment"])
    return ordered.groupby("team_id")["condition"].agg(lambda s: "".join(c[0] for c in s)).to_dict()


def test_default_export_is_byte_identical_to_the_calibrated_study(tmp_path):
    write_synthetic(tmp_path, SEED)
    got = {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in tmp_path.glob("*.csv")}
    assert got == DEFAULT_SHA256


def test_default_truth_is_the_published_design():
    design = truth(SEED)
    assert len(design) == 61
    assert _letters(design) == TABLE1
    assert design.groupby("condition").size().to_dict() == {
        "control": 29,
        "partial": 19,
        "full": 13,
    }
    assert (design["n_opgroei"].sum(), design["n_opvoed"].sum()) == (404, 320)
    assert design["n_clients"].sum() == 478
    assert ((design["period_end"] - design["period_start"]).dt.days.between(150, 200)).all()


def test_continuation_keeps_the_study_and_adds_later_periods(truth_2022):
    base = truth(SEED)
    head = truth_2022.iloc[: len(base)].reset_index(drop=True)
    pd.testing.assert_frame_equal(head, base)
    later = truth_2022.iloc[len(base) :]
    assert later["period_start"].min() >= pd.Timestamp("2019-12-01")
    assert later["period_end"].max() <= pd.Timestamp("2023-01-31")
    moments = truth_2022.groupby("team_id")["moment"].agg(["min", "max", "size"])
    assert (moments["min"] == 1).all() and (moments["max"] == moments["size"]).all()
    assert set(moments["size"]) == {1, 2, 3, 4, 10}
    first = truth_2022.groupby("team_id")["period_start"].min()
    last = truth_2022.groupby("team_id")["period_end"].max()
    assert (first.dt.year >= 2020).sum() == 3  # teams that join late (one of them in 2021)
    assert first.max().year == 2021
    assert ((first.dt.year >= 2020) & (last.dt.year == 2020)).sum() == 2  # and leave early
    # Experimental teams reach partial and full later than 2019, and never go back.
    exp = truth_2022[truth_2022["arm"] == "experimental"]
    later_exp = exp[exp["period_start"].dt.year >= 2020]
    for condition in ("partial", "full"):
        became = later_exp[later_exp["condition"] == condition]
        prior = exp[exp["condition"] == condition].groupby("team_id")["period_start"].min()
        assert (prior.loc[became["team_id"].unique()].dt.year >= 2020).any(), condition
    for team_id, rows in exp.sort_values("moment").groupby("team_id"):
        order = rows["condition"].map(ORDER).to_numpy()
        assert (np.diff(order) >= 0).all(), team_id
    assert (truth_2022.loc[truth_2022["arm"] == "control", "condition"] == "control").all()
    # The team-periods of one team do not overlap.
    ordered = truth_2022.sort_values(["team_id", "moment"])
    nxt = ordered.groupby("team_id")["period_start"].shift(-1)
    assert (nxt.isna() | (nxt > ordered["period_end"])).all()


def test_raw_dates_give_the_intended_conditions(truth_2022, tmp_path):
    # Independent restatement of the 42-day rule on the written records (not the
    # pipeline's code): the truth is what the raw dates say, for every team-period.
    write_synthetic(tmp_path, SEED, last_year=2022)
    export = load_export(tmp_path)
    impl = export.implementation.merge(
        export.checklist[["team_id", "moment", "filled_on"]].rename(columns={"filled_on": "ref"}),
        on=["team_id", "moment"],
    ).merge(export.teams[["team_id", "arm"]], on="team_id")
    lag = pd.Timedelta(days=42)
    exp = (impl["arm"] == "experimental").to_numpy()
    full = exp & (impl["dashboard_date"] + lag <= impl["ref"]).fillna(False).to_numpy(bool)
    part = exp & (impl["training_date"] + lag <= impl["ref"]).fillna(False).to_numpy(bool)
    impl["condition"] = np.where(full, "full", np.where(part, "partial", "control"))
    assert len(impl) == len(truth_2022) == len(export.checklist)
    key = ["team_id", "moment"]
    got = impl.astype({"moment": "int64"}).set_index(key).sort_index()
    want = truth_2022.astype({"moment": "int64"}).set_index(key).sort_index()
    assert (got["condition"] == want["condition"]).all()
    assert (got["period_start"] == want["period_start"]).all()
    assert (got["period_end"] == want["period_end"]).all()
    # Implementation dates are repeated at every moment once known, never changed.
    for col in ("training_date", "dashboard_date"):
        assert (impl.groupby("team_id")[col].nunique() <= 1).all()


@pytest.mark.slow
def test_extension_is_deterministic_and_checked():
    a, b = generate(SEED, last_year=2021), generate(SEED, last_year=2021)
    for name, frame in a.tables().items():
        pd.testing.assert_frame_equal(frame, b.tables()[name])
    assert a.implementation.groupby("team_id")["moment"].max().max() == 8
    with pytest.raises(ValueError):
        generate(SEED, last_year=2018)


@pytest.mark.slow
def test_last_year_allowed_by_the_schema_gives_a_valid_export():
    # The largest synthetic.last_year the schema accepts must pass validation under the
    # default config (its last checklists fall in January of the next year); one more
    # year would not, so the schema's maximum is as high as it can be.
    schema = load_schema()["properties"]["synthetic"]["properties"]["last_year"]
    config = validate_config({})
    top = schema["maximum"]
    export = generate(SEED, last_year=top)
    kept = validate_export(export, config).export
    assert len(kept.implementation) == len(truth(SEED, last_year=top))
    assert kept.implementation["period_start"].max().year == top
    with pytest.raises(ExportError, match="implausible date"):
        validate_export(generate(SEED, last_year=top + 1), config)
