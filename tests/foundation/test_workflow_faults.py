"""The workflow as a user meets its faults (#34): one line each, no Python stack."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from tests.workflow_copy import copy_workflow

pytestmark = pytest.mark.slow  # every test starts snakemake


def _snakemake(work, *args, key: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "LDJ_PSEUDONYM_KEY"}
    if key is not None:
        env["LDJ_PSEUDONYM_KEY"] = key
    exe = os.path.join(os.path.dirname(sys.executable), "snakemake")
    return subprocess.run(
        [exe, *args], cwd=work, capture_output=True, text=True, env=env, timeout=600
    )


def _one_line(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr and 'File "' not in result.stderr, result.stderr
    return result.stderr.strip().splitlines()[-1]


def test_parse_time_faults_are_one_line(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    short = _one_line(_snakemake(work, "-n", key="fixed-secret-123"))
    assert short.startswith(
        "the pseudonym key from the environment variable LDJ_PSEUDONYM_KEY has 16 bytes; "
        "it needs at least 32. Make one with python -c"
    )
    (work / "keys").mkdir()
    folder = _one_line(_snakemake(work, "-n", "--config", "pseudonym_key_file=keys"))
    assert folder == (
        "config key 'pseudonym_key_file': keys is not a file (a folder?); give the path of "
        "a key file, which is created if absent"
    )
    (work / "results").write_text("")
    assert _one_line(_snakemake(work, "-n")) == (
        "cannot write results/tables: results is a file, not a folder"
    )
    (work / "results").unlink()
    bad = _one_line(_snakemake(work, "-n", "--config", "conditions={lag_days: -1}"))
    assert bad == "  config key 'conditions.lag_days': -1 is less than the minimum of 0"


def test_unquoted_dates_in_config_yaml_are_accepted(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    text = (work / "config.yaml").read_text()
    assert 'earliest_date: "1990-01-01"' in text
    (work / "config.yaml").write_text(text.replace('"1990-01-01"', "1990-01-01"))
    result = _snakemake(work, "-n", key="k" * 32)
    assert result.returncode == 0, result.stderr


def test_a_changed_key_reruns_derive(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    first = _snakemake(work, "-c2", "data/derived/pairs.parquet", key="a" * 32)
    assert first.returncode == 0, first.stderr
    same = _snakemake(work, "-n", "data/derived/pairs.parquet", key="a" * 32)
    assert "Nothing to be done" in same.stdout + same.stderr
    other = _snakemake(work, "-n", "data/derived/pairs.parquet", key="b" * 32)
    out = other.stdout + other.stderr
    assert "rule derive:" in out and "Params have changed" in out, out
    assert "a" * 32 not in out and "b" * 32 not in out


DERIVED = ("pairs.parquet", "team_periods.parquet", "exclusions.csv", "norms_used.csv")


def test_the_synthetic_export_in_dutch_excels_dialect_gives_identical_outputs(tmp_path):
    """Written as Dutch Excel writes it (';', Windows-1252, decimal comma, dd-mm-yyyy,
    CRLF), the synthetic export gives byte-identical derived data and tables."""
    from tests.foundation.dialects import VARIANTS, write_variant

    key = "dialect-test-key-" + "0" * 32
    plain = copy_workflow(tmp_path / "plain")
    first = _snakemake(plain, "-c2", "data/derived/pairs.parquet", key=key)
    assert first.returncode == 0, first.stderr
    write_variant(plain / "data/raw/synthetic", tmp_path / "nl", *VARIANTS["excel_nl"])
    dutch = copy_workflow(tmp_path / "dutch")
    config = ["--config", f"export_dir={tmp_path / 'nl'}", "norms_accept_placeholders=true"]
    second = _snakemake(dutch, "-c2", "data/derived/pairs.parquet", *config, key=key)
    assert second.returncode == 0, second.stderr
    summary = (dutch / "data/derived/validation.json").read_text()
    assert '"delimiter": ";"' in summary and '"date_format": "%d-%m-%Y"' in summary
    tables = sorted(p.name for p in (plain / "results/tables").glob("*.csv"))
    assert len(tables) == 6
    for name in [f"data/derived/{n}" for n in DERIVED] + [f"results/tables/{t}" for t in tables]:
        assert (dutch / name).read_bytes() == (plain / name).read_bytes(), name
