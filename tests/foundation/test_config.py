"""Config validation: defaults, and errors that name the offending key."""

from pathlib import Path

import pytest
import yaml

from ldj_analysis.config import ConfigError, load_config, load_schema, validate_config

ROOT = Path(__file__).resolve().parents[2]
#: Config maps whose keys are the user's own names (documented by the parent key's default).
FREE_MAPS = ("institution_informants", "families")


def test_shipped_config_is_valid_and_matches_schema_defaults():
    shipped = load_config(ROOT / "config.yaml")
    defaults = validate_config({})
    assert shipped == defaults, "config.yaml and the schema's defaults disagree"
    assert shipped["conditions"]["lag_days"] == 42
    assert shipped["publication"]["min_cell_size"] == 7


@pytest.mark.parametrize(
    ("config", "key"),
    [
        ({"conditions": {"lag_days": -1}}, "conditions.lag_days"),
        ({"conditions": {"lag_days": "4.5"}}, "conditions.lag_days"),
        ({"conditions": {"reference_date": "tomorrow"}}, "conditions.reference_date"),
        ({"conditions": {"lagdays": 42}}, "conditions.lagdays"),
        ({"condition": {}}, "condition"),
        ({"publication": {"language": "de"}}, "publication.language"),
        ({"publication": {"min_cell_size": 0}}, "publication.min_cell_size"),
        ({"publication": {"formats": ["docx"]}}, "publication.formats.0"),
        ({"response": {"numerator": "lists"}}, "response.numerator"),
        ({"pairing": {"informant_priority": []}}, "pairing.informant_priority"),
        ({"pairing": {"institution_informants": {"I4": "groepsleider"}}}, "pairing."),
        ({"checklist": {"max_missing_share": 1.5}}, "checklist.max_missing_share"),
        ({"models": {"alpha": 0}}, "models.alpha"),
        ({"export_dir": ""}, "export_dir"),
        ({"validation": {"record_problems": "ignore"}}, "validation.record_problems"),
    ],
)
def test_bad_config_names_the_key(config, key):
    with pytest.raises(ConfigError) as err:
        validate_config(config)
    assert f"config key '{key}" in str(err.value)


def test_every_schema_property_has_description_and_default():
    def walk(schema, path):
        for name, sub in schema.get("properties", {}).items():
            assert "description" in sub, f"{path}{name} lacks a description"
            assert "default" in sub, f"{path}{name} lacks a default"
            walk(sub, f"{path}{name}.")

    walk(load_schema(), "")


def test_configuration_page_documents_every_config_key():
    page = (ROOT / "docs" / "configuration.md").read_text(encoding="utf-8")
    shipped = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))

    def keys(mapping, prefix=""):
        for name, value in mapping.items():
            yield f"{prefix}{name}"
            if isinstance(value, dict) and name not in FREE_MAPS:
                yield from keys(value, f"{prefix}{name}.")

    undocumented = [k for k in keys(shipped) if f"`{k}`" not in page]
    assert not undocumented, f"docs/configuration.md lacks config keys: {undocumented}"


def test_command_line_text_is_read_as_the_schema_type():
    # snakemake --config conditions="{lag_days: 0}" passes nested values as text
    config = validate_config(
        {
            "conditions": {"lag_days": "0"},
            "checklist": {"max_missing_share": "0.5"},
            "pairing": {"same_treatment": "false"},
            "selection": {"window_end": "2019-12-31", "window_start": "null"},
        }
    )
    assert config["conditions"]["lag_days"] == 0
    assert config["checklist"]["max_missing_share"] == 0.5
    assert config["pairing"]["same_treatment"] is False
    assert config["selection"]["window_start"] is None
    assert config["selection"]["window_end"] == "2019-12-31"
    with pytest.raises(ConfigError, match="conditions.lag_days"):
        validate_config({"conditions": {"lag_days": "forty"}})


def test_schema_and_default_norms_are_package_data():
    """An installed package (no source tree) carries its schema and default norms."""
    import ldj_analysis
    from ldj_analysis.config import SCHEMA_PATH
    from ldj_analysis.norms import DEFAULT_NORMS_FILE, norms_path

    package = Path(ldj_analysis.__file__).resolve().parent
    assert SCHEMA_PATH.resolve().parent == package and SCHEMA_PATH.is_file()
    assert DEFAULT_NORMS_FILE.resolve().is_relative_to(package) and DEFAULT_NORMS_FILE.is_file()
    assert norms_path(validate_config({})) == DEFAULT_NORMS_FILE
    assert norms_path(validate_config({"norms_file": "my/norms.csv"})) == Path("my/norms.csv")
