"""Every config key does what the README says: changing it changes the outputs it should.

Keys tested elsewhere are named in :data:`TESTED_ELSEWHERE`; the keys without a test there
get one here. :func:`test_every_config_key_has_a_test` fails when a key is added to the
schema without a test that changes it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pandas as pd
import pytest

from ldj_analysis.config import load_schema
from ldj_analysis.derive import derive
from ldj_analysis.pseudonym import ENV_VAR, load_key, pseudonymise

from .builders import TEST_KEY, client, config, make_export, period, q, team, treatment
from .test_pairing import run

TESTS = Path(__file__).resolve().parents[1]

#: Config key -> "file::test" that changes it and checks the outputs it should change.
TESTED_ELSEWHERE: dict[str, str] = {
    "export_dir": "foundation/test_workflow.py::test_validate_rule_accepts_a_valid_external_export",
    "synthetic.dir": "synthetic/test_end_to_end.py::test_table1",
    "synthetic.seed": "synthetic/test_generator.py::test_other_seed_gives_other_records",
    "synthetic.scale": "synthetic/test_generator.py::test_scale_multiplies_teams_and_clients",
    "synthetic.last_year": (
        "reruns/test_reruns.py::test_window_2020_2022_matches_the_generators_truth"
    ),
    "validation.record_problems": (
        "foundation/test_validation.py::test_record_problem_is_an_error_when_configured"
    ),
    "conditions.lag_days": "synthetic/test_end_to_end.py::test_lag_zero_changes_table1",
    "conditions.reference_date": "study/test_conditions.py::test_reference_date_choice",
    "conditions.inconsistency": (
        "study/test_conditions.py::test_backwards_condition_warns_or_raises"
    ),
    "checklist.max_missing_share": (
        "study/test_checklist_response.py::test_max_missing_share_zero_means_complete_domains_only"
    ),
    "response.numerator": "study/test_checklist_response.py::test_response_numerators",
    "pairing.priority_scope": "study/test_pairing.py::test_mother_end_only_father_pair_scope",
    "pairing.duplicate_end_lists": "study/test_pairing.py::test_duplicate_end_lists",
    "pairing.duplicate_start_lists": "study/test_pairing.py::test_duplicate_start_lists",
    "export_uri": "extract/test_workflow_db.py::test_duckdb_run_equals_the_csv_run",
    "export_schema": "extract/test_extract.py::test_postgres_views_enums_and_schema_key",
    **{
        f"export_tables.{table}": "extract/test_extract.py::test_configured_table_names"
        for table in ("teams", "implementation", "checklist", "clients", "treatments")
        + ("questionnaires",)
    },
    **{
        f"export_csv.{part}": "foundation/test_dialects.py::test_config_overrides_detection"
        for part in ("delimiter", "encoding", "decimal", "date_format")
    },
    "pairing.same_treatment": "study/test_properties.py::test_pairing_invariants",
    "pairing.end_list_grace_days": "study/test_pairing.py::test_end_list_grace_days",
    "norms_accept_placeholders": (
        "study/test_norms_pseudonym.py::test_placeholder_rows_that_score_a_list_stop_a_real_analysis"
    ),
    "models.missing": "models/test_study.py::test_outcome_models_match_lavaan",
    "models.alpha": "models/test_small_sample_models.py::test_decisions_follow_alpha",
    "models.families": "models/test_small_sample_models.py::test_families_from_config",
    "models.ttest": "models/test_ttests.py::test_baseline_ttests_first_moment_by_hand",
    "publication.language": "publish/test_tables.py::test_write_tables_follows_language",
    "publication.formats": "publish/test_tables.py::test_write_tables_writes_every_format",
    "publication.figure_formats": "publish/test_figures.py::test_write_figures_is_byte_stable",
    "publication.show_client_extremes": (
        "publish/test_privacy.py::test_sample_groups_and_client_extremes"
    ),
    "selection.window_start": (
        "foundation/test_selection.py::test_window_keeps_periods_inside_and_renumbers_moments"
    ),
    "selection.window_end": "foundation/test_selection.py::test_window_end_is_inclusive",
    "selection.institutions": "foundation/test_selection.py::test_team_and_institution_selection",
    "selection.teams": "foundation/test_selection.py::test_team_and_institution_selection",
    "selection.arm_override": "foundation/test_selection.py::test_arm_override",
    "selection.instruments": (
        "study/test_pairing.py::test_configured_instrument_flows_through_pairing_norms_and_tables"
    ),
    "simulation.replications": (
        "simulation/test_chunks.py::test_more_replications_keep_the_first_ones"
    ),
    "simulation.chunk_size": (
        "simulation/test_chunks.py::test_one_chunk_or_ten_give_identical_results"
    ),
    "simulation.seed": "simulation/test_config_keys.py::test_seed",
    "simulation.domain": "simulation/test_config_keys.py::test_domain",
    "simulation.icc": "simulation/test_config_keys.py::test_icc",
    "simulation.design.source": "simulation/test_config_keys.py::test_design_keys",
    "simulation.design.teams": "simulation/test_config_keys.py::test_design_keys",
    "simulation.design.clients": "simulation/test_config_keys.py::test_design_keys",
    "simulation.design.schedules": "simulation/test_config_keys.py::test_design_keys",
    "simulation.effects": "simulation/test_config_keys.py::test_effects_and_teams",
    "simulation.partial_share": "simulation/test_config_keys.py::test_partial_share",
    "simulation.teams": "simulation/test_config_keys.py::test_effects_and_teams",
    "simulation.power": "simulation/test_config_keys.py::test_power",
    "simulation.trend": "simulation/test_config_keys.py::test_trend",
    "simulation.specs": "simulation/test_config_keys.py::test_specs_power_spec_and_methods",
    "simulation.power_spec": "simulation/test_config_keys.py::test_specs_power_spec_and_methods",
    "simulation.methods": "simulation/test_config_keys.py::test_specs_power_spec_and_methods",
    "simulation.wild.max_enumeration": "simulation/test_config_keys.py::test_wild_keys",
    "simulation.wild.draws": "simulation/test_config_keys.py::test_wild_keys",
    "simulation.team_periods.outcomes": "simulation/test_config_keys.py::test_team_periods_keys",
    "simulation.team_periods.icc": "simulation/test_config_keys.py::test_team_periods_keys",
    "simulation.team_periods.power_effect": (
        "simulation/test_config_keys.py::test_team_periods_power_effect"
    ),
    "simulation.icc_sensitivity.values": (
        "simulation/test_config_keys.py::test_icc_sensitivity_keys"
    ),
    "simulation.icc_sensitivity.spec": "simulation/test_config_keys.py::test_icc_sensitivity_keys",
    "simulation.in_report": (
        "simulation/test_workflow.py::test_report_depends_on_the_simulation_only_when_asked"
    ),
}
#: Config key -> test in this file.
TESTED_HERE: dict[str, str] = {
    "validation.earliest_date": "test_plausible_date_range",
    "validation.latest_date": "test_plausible_date_range",
    "pairing.informant_priority": "test_informant_priority",
    "pairing.institution_informants": "test_institution_informants",
    "norms_file": "test_norms_file",
    "pseudonym_key_file": "test_pseudonym_key_file",
    "publication.min_cell_size": "test_min_cell_size",
    "publication.figure_dpi": "test_figure_dpi",
    "models.small_sample.methods": "test_small_sample_keys",
    "models.small_sample.specs": "test_small_sample_keys",
    "models.small_sample.max_enumeration": "test_small_sample_keys",
    "models.small_sample.draws": "test_small_sample_keys",
    "models.small_sample.seed": "test_small_sample_keys",
    "models.small_sample.ci": "test_small_sample_keys",
    "models.small_sample.max_clusters": "test_small_sample_max_clusters",
}
#: Keys that change no output yet (reported, not hidden).
NO_EFFECT: dict[str, str] = {}


def _leaves(schema: dict, prefix: str = "") -> list[str]:
    out = []
    for key, sub in schema.get("properties", {}).items():
        name = prefix + key
        nested = sub.get("type") == "object" and "properties" in sub
        out += _leaves(sub, name + ".") if nested and name != "selection.instruments" else [name]
    return out


def test_every_config_key_has_a_test():
    keys = set(_leaves(load_schema()))
    covered = set(TESTED_ELSEWHERE) | set(TESTED_HERE) | set(NO_EFFECT)
    assert keys == covered, (sorted(keys - covered), sorted(covered - keys))
    for key, where in TESTED_ELSEWHERE.items():
        path, name = where.split("::")
        assert re.search(rf"^def {name}\(", (TESTS / path).read_text(), re.M), (key, where)
    here = Path(__file__).read_text()
    for key, name in TESTED_HERE.items():
        assert re.search(rf"^def {name}\(", here, re.M), (key, name)


def test_plausible_date_range(tmp_path):
    from ldj_analysis.config import validate_config
    from ldj_analysis.export import ExportError
    from ldj_analysis.validation import validate_dir
    from tests.foundation.builders import small_export_tables, write_tables

    write_tables(small_export_tables(), tmp_path / "export")
    validate_dir(str(tmp_path / "export"), validate_config({}))
    # births of 2008 and 2010 before earliest_date: those clients' records are excluded
    late = validate_dir(
        str(tmp_path / "export"), validate_config({"validation": {"earliest_date": "2009-01-01"}})
    )
    assert set(late.exclusions.loc[late.exclusions["table"] == "clients", "key"]) == {"C1"}
    assert late.exclusions["reason"].str.contains("implausible date").any()
    # implementation dates up to 2018-12-31 after latest_date: an error
    with pytest.raises(ExportError, match="implementation.filled_on.*implausible date"):
        validate_dir(
            str(tmp_path / "export"), validate_config({"validation": {"latest_date": "2018-10-01"}})
        )


def _mother_and_father():
    return [
        q("MS", "C1", "begin", "2017-06-10", informant="moeder"),
        q("ME", "C1", "eind", "2018-03-01", informant="moeder"),
        q("FS", "C1", "begin", "2017-06-10", informant="vader"),
        q("FE", "C1", "eind", "2018-03-01", informant="vader"),
    ]


def _one_client(lists, teams=None):
    return make_export(
        teams=teams,
        clients=[client("C1")],
        treatments=[treatment("B1", "C1")],
        questionnaires=lists,
    )


def test_informant_priority():
    ex = _one_client(_mother_and_father())
    assert run(ex).pairs["informant"].tolist() == ["moeder"]
    fathers_first = config(pairing={"informant_priority": [["vader"], ["moeder"]]})
    assert run(ex, fathers_first).pairs["informant"].tolist() == ["vader"]


def test_institution_informants():
    lists = [
        *_mother_and_father()[:2],
        q("GS", "C1", "begin", "2017-06-10", informant="groepsleider"),
        q("GE", "C1", "eind", "2018-03-01", informant="groepsleider"),
    ]
    ex = _one_client(lists, teams=[team("T1", "I4")])
    assert run(ex).pairs["informant"].tolist() == ["groepsleider"]
    none = config(pairing={"institution_informants": {}})
    assert run(ex, none).pairs["informant"].tolist() == ["moeder"]


def _pair_export():
    return make_export(
        implementation=[period()],
        clients=[client("C1")],
        treatments=[treatment("B1", "C1", end="2018-03-10")],
        questionnaires=[
            q("S", "C1", "begin", "2017-06-10", 40),
            q("E", "C1", "eind", "2018-03-01", 20),
        ],
    )


def test_norms_file(tmp_path, norms):
    path = tmp_path / "my_norms.csv"
    norms.assign(mean=norms["mean"] + 10).to_csv(path, index=False)
    shipped = derive(_pair_export(), config(), norms=norms, pseudonym_key=TEST_KEY)
    mine = derive(
        _pair_export(), config() | {"norms_file": str(path)}, pseudonym_key=TEST_KEY
    )  # norms=None: read from norms_file
    assert mine.pairs["pre_z"].iloc[0] == shipped.pairs["pre_z"].iloc[0] - 2.0  # sd 5


def test_pseudonym_key_file(tmp_path, norms, monkeypatch):
    monkeypatch.delenv(ENV_VAR, raising=False)
    cfg = config() | {"pseudonym_key_file": str(tmp_path / "secret" / "key")}
    (tmp_path / "secret").mkdir()
    d = derive(_pair_export(), cfg, norms=norms)
    key = load_key(tmp_path / "secret" / "key")
    assert d.pairs["client_key"].tolist() == pseudonymise(pd.Series(["C1"]), key).tolist()
    other_key = config() | {"pseudonym_key_file": str(tmp_path / "k2")}
    other = derive(_pair_export(), other_key, norms=norms)
    assert other.pairs["client_key"].iloc[0] != d.pairs["client_key"].iloc[0]


def test_min_cell_size(tmp_path):
    from ldj_analysis.config import validate_config
    from ldj_analysis.publish import write_tables
    from tests.publish import frames as F

    def sample_md(k: int) -> str:
        cfg = validate_config({"publication": {"min_cell_size": k, "formats": ["md"]}})
        out = tmp_path / str(k)
        write_tables({"table4": F.table4()}, out, cfg, team_periods=F.team_periods())
        return (out / "table4.md").read_text(encoding="utf-8")

    assert "| x " not in sample_md(1) and "| x " in sample_md(500)


@pytest.mark.slow
def test_figure_dpi(tmp_path):
    from ldj_analysis.config import validate_config
    from ldj_analysis.publish.figures import write_figures
    from tests.publish import frames as F

    sizes = {}
    for dpi in (50, 150):
        cfg = validate_config({"publication": {"figure_dpi": dpi, "figure_formats": ["png"]}})
        paths = write_figures(
            F.all_tables(), F.all_models(), F.team_periods(), cfg, tmp_path / str(dpi)
        )
        sizes[dpi] = sum(p.stat().st_size for p in paths)
    assert sizes[50] < sizes[150]


def test_small_sample_keys():
    """Each models.small_sample key changes small_sample.csv as documented."""
    from ldj_analysis.config import validate_config
    from ldj_analysis.models.small_sample_models import options_from_config, small_sample_frame
    from tests.models.test_small_sample_models import design_data

    team_periods, _ = design_data()  # 10 teams: 2**10 = 1024 sign vectors

    def frame(**keys):
        opts = options_from_config(validate_config({"models": {"small_sample": keys}}))
        out = small_sample_frame(team_periods, None, opts)
        return out[out["outcome"] == "use"].reset_index(drop=True)

    base = frame(specs=["study"], ci=False)
    assert set(base["method"]) >= {"mplus", "CR2", "CR3", "WCR"}
    assert set(frame(specs=["study"], methods=["mplus", "CR2"], ci=False)["method"]) == {
        "mplus",
        "CR2",
    }
    assert set(frame(ci=False)["spec"]) > set(base["spec"]) == {"study"}

    def wcr(**keys):
        out = frame(specs=["study"], **keys)
        return out[(out["method"] == "WCR") & (out["term"] == "full")].iloc[0]

    enumerated = wcr(max_enumeration=1024, ci=False)
    drawn = wcr(max_enumeration=512, draws=999, seed=1, ci=False)
    assert round(enumerated["p"] * 1024) == enumerated["p"] * 1024  # a count of 2**10
    assert round(drawn["p"] * 999, 6) % 1 == 0 and drawn["p"] != enumerated["p"]
    assert wcr(max_enumeration=512, draws=99, seed=1, ci=False)["p"] != drawn["p"]
    assert wcr(max_enumeration=512, draws=999, seed=2, ci=False)["p"] != drawn["p"]
    assert pd.isna(enumerated["ci_low"])
    with_ci = wcr(max_enumeration=1024, ci=True)
    assert with_ci["ci_low"] < with_ci["estimate"] < with_ci["ci_high"]


def test_small_sample_max_clusters():
    """Beyond max_clusters teams: only the Mplus-style rows, no team fixed-effects spec."""
    from ldj_analysis.config import validate_config
    from ldj_analysis.models.small_sample_models import options_from_config, small_sample_frame
    from tests.models.test_small_sample_models import design_data

    team_periods, pairs = design_data()  # 10 teams

    def frame(max_clusters):
        small = {"max_clusters": max_clusters, "ci": False}
        opts = options_from_config(validate_config({"models": {"small_sample": small}}))
        return small_sample_frame(team_periods, pairs, opts)

    every = frame(10)
    assert set(every["spec"]) == {"study", "half_year", "team_fe_half_year"}
    assert every.loc[every["method"] == "CR2", "p"].notna().all()
    few = frame(9)
    assert set(few["spec"]) == {"study", "half_year"}
    assert few.attrs["failures"]["team_periods:team_fe_half_year:use"].count("max_clusters")
    computed = few[few["p"].notna()]
    assert set(computed["method"]) == {"mplus"} and len(computed) > 0
    assert few.loc[few["method"] == "CR2", "note"].str.contains("10 teams > ").all()
    mplus = ["model", "spec", "outcome", "term", "estimate", "se", "p"]
    same = every[(every["method"] == "mplus") & (every["spec"] != "team_fe_half_year")]
    pd.testing.assert_frame_equal(
        few.loc[few["method"] == "mplus", mplus].reset_index(drop=True),
        same[mplus].reset_index(drop=True),
    )
