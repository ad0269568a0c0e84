"""Fixtures: the default synthetic export, loaded into a DuckDB file and into a real
PostgreSQL server that the tests start themselves (tests/extract/pgserver.py)."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from ldj_analysis.config import load_config
from ldj_analysis.dbload import load_database
from ldj_analysis.synthetic import write_synthetic
from tests.workflow_copy import ROOT

from .pgserver import PgServer, pg_bindir, start_server


def pytest_collection_modifyitems(items):
    """Tests that need the PostgreSQL server (started once, a few seconds) are slow."""
    for item in items:
        if "tests/extract/" in item.nodeid and (
            "pg" in getattr(item, "fixturenames", ()) or "[postgresql]" in item.nodeid
        ):
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="session")
def export_dir(tmp_path_factory) -> Path:
    """The default synthetic export (seed and scale of config.yaml)."""
    config = load_config(ROOT / "config.yaml")
    out = tmp_path_factory.mktemp("export") / "synthetic"
    write_synthetic(out, seed=config["synthetic"]["seed"], scale=config["synthetic"]["scale"])
    return out


@pytest.fixture(scope="session")
def config() -> dict:
    return load_config(ROOT / "config.yaml")


@pytest.fixture(scope="session")
def duck_uri(export_dir, tmp_path_factory) -> str:
    """The export loaded into a DuckDB file with the loader."""
    uri = f"duckdb://{tmp_path_factory.mktemp('duck') / 'ldj.duckdb'}"
    load_database(export_dir, uri)
    return uri


@pytest.fixture(scope="session")
def pg(export_dir) -> PgServer:
    """A running throwaway PostgreSQL server (password login), the export loaded into
    schema ``ldj`` of database ``ldj``; PGPASSWORD is set while the tests run."""
    if pg_bindir() is None:
        if os.environ.get("CI"):
            pytest.fail("PostgreSQL server binaries missing in CI (.ci/run installs them)")
        pytest.skip("PostgreSQL server binaries not installed (apt-get install postgresql)")
    server = start_server()
    previous = os.environ.get("PGPASSWORD")
    os.environ["PGPASSWORD"] = server.password
    try:
        load_database(export_dir, server.uri(schema="ldj"))
        yield server
    finally:
        if previous is None:
            os.environ.pop("PGPASSWORD", None)
        else:
            os.environ["PGPASSWORD"] = previous
        server.stop()
        shutil.rmtree(server.root, ignore_errors=True)
