"""The whole workflow read from DuckDB and from PostgreSQL gives the CSV run's tables and
models byte for byte; no credential reaches any file the run writes; errors are one line."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflow_copy import copy_workflow, result_files, run_snakemake

COMPARED = ("results/tables", "results/models", "results/figures")


@pytest.fixture(scope="module")
def csv_run(tmp_path_factory) -> Path:
    """The default workflow on the synthetic export (written by the workflow itself)."""
    work = copy_workflow(tmp_path_factory.mktemp("csv") / "wf")
    result = run_snakemake(work)
    assert result.returncode == 0, result.stderr[-3000:]
    return work


def _same_results(work: Path, csv_run: Path) -> None:
    got, want = result_files(work, COMPARED), result_files(csv_run, COMPARED)
    assert sorted(got) == sorted(want)
    assert len([n for n in want if n.startswith("results/models")]) >= 4
    differ = [name for name in want if got[name] != want[name]]
    assert not differ, f"differ from the CSV run: {differ}"


def _run_db(work: Path, uri: str, env: dict | None = None) -> subprocess.CompletedProcess:
    exe = Path(sys.executable).with_name("snakemake")
    return subprocess.run(
        [
            str(exe),
            "--config",
            "export_dir=null",
            f"export_uri={uri}",
            "norms_accept_placeholders=true",
        ],
        cwd=work,
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


@pytest.mark.slow
def test_duckdb_run_equals_the_csv_run(csv_run, tmp_path):
    from ldj_analysis.dbload import load_database

    uri = f"duckdb://{tmp_path / 'ldj.duckdb'}"
    load_database(csv_run / "data/raw/synthetic", uri)
    work = copy_workflow(tmp_path / "wf")
    result = _run_db(work, uri)
    assert result.returncode == 0, result.stderr[-3000:]
    _same_results(work, csv_run)
    assert not (work / "data/raw").exists() or not any((work / "data/raw").iterdir())
    assert (work / "data/derived/extraction.json").is_file()


@pytest.mark.slow
def test_postgres_run_equals_the_csv_run_and_writes_no_credential(csv_run, pg, tmp_path):
    """Password from ~/.pgpass (HOME of the run); grep every file the run wrote for it."""
    from ldj_analysis.dbload import load_database

    load_database(csv_run / "data/raw/synthetic", pg.uri(schema="run"))
    home = tmp_path / "home"
    home.mkdir()
    pgpass = home / ".pgpass"
    pgpass.write_text(f"127.0.0.1:{pg.port}:ldj:{pg.user}:{pg.password}\n")
    pgpass.chmod(0o600)
    env = {k: v for k, v in os.environ.items() if k != "PGPASSWORD"}
    env["HOME"] = str(home)
    work = copy_workflow(tmp_path / "wf")
    result = _run_db(work, pg.uri(schema="run"), env)
    assert result.returncode == 0, result.stderr[-3000:]
    _same_results(work, csv_run)
    secret = pg.password.encode()
    written = [p for p in work.rglob("*") if p.is_file()]
    assert any(".snakemake" in p.parts for p in written)  # metadata and logs are searched
    holding = [str(p) for p in written if secret in p.read_bytes()]
    assert not holding, f"the password is in {holding}"
    assert secret not in (result.stdout + result.stderr).encode()


@pytest.mark.slow
def test_workflow_errors_are_one_message_without_traceback(pg, tmp_path):
    work = copy_workflow(tmp_path / "wf")
    uri = pg.uri(schema="absent")
    result = _run_db(work, uri)
    assert result.returncode != 0
    assert f"the LDJ database {uri} does not hold" in result.stderr
    assert "table absent.teams: missing" in result.stderr
    assert "Traceback" not in result.stderr.split("[extract]")[-1].split("\n\n")[0]
    assert not (work / "data/derived/validation.json").exists()
    assert not list((work / "data/interim").rglob("validated/*"))


@pytest.mark.slow  # starts snakemake
def test_both_sources_or_a_password_in_the_uri_stop_the_run(tmp_path):
    work = copy_workflow(tmp_path / "wf")
    both = run_snakemake(work, "-n", "--config", "export_uri=duckdb:///x.duckdb")
    assert both.returncode != 0
    assert "'export_dir' and 'export_uri' are both set" in both.stderr + both.stdout
    secret = run_snakemake(
        work, "-n", "--config", "export_dir=null", "export_uri=postgresql://a:hunter2@h/db"
    )
    assert secret.returncode != 0
    assert "holds a password" in secret.stderr + secret.stdout
    assert "hunter2" not in secret.stderr + secret.stdout
    for path in work.rglob("*"):
        if path.is_file():
            assert b"hunter2" not in path.read_bytes(), path
