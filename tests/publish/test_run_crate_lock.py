"""The run's RO-Crate names the lock of exact versions: the crate holds a copy of
requirements.lock (``workflow/requirements.lock``) with its SHA-256, and says whether the
run's environment had the locked versions; a project without a lock gets a crate without
one (and a warning), still meeting the profile."""

from __future__ import annotations

import hashlib
import json
from importlib import metadata

from ldj_analysis.publish import run_crate
from ldj_analysis.publish.run_crate import LOCK_FILE, WFRUN_TERMS
from tests.publish.test_run_crate import check_workflow_run_crate
from tests.workflow_copy import ROOT


def run_with_records(tmp_path, monkeypatch, lock_text: str | None):
    """A project folder with one result file that Snakemake's records say rule ``derive``
    made, and ``requirements.lock`` holding ``lock_text`` (none if None); write its crate
    and return the crate's graph by @id."""
    (tmp_path / ".snakemake" / "metadata").mkdir(parents=True)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "Snakefile").write_text("rule all:\n    input: 'results/tables/t.csv'\n")
    (tmp_path / "results" / "tables").mkdir(parents=True)
    (tmp_path / "results" / "tables" / "t.csv").write_text("a\n1\n")
    record = run_crate._record_file(tmp_path / ".snakemake" / "metadata", "results/tables/t.csv")
    record.parent.mkdir(parents=True, exist_ok=True)
    record.write_text(json.dumps({"rule": "derive", "input": [], "starttime": 1.7e9,
                                  "endtime": 1.7e9 + 1}))  # fmt: skip
    if lock_text is not None:
        (tmp_path / "requirements.lock").write_text(lock_text, encoding="utf-8")
    path = run_crate.write_run_crate(["Snakefile"], {"a": 1}, "ab" * 32)
    meta = json.loads(path.read_text(encoding="utf-8"))
    return meta, check_workflow_run_crate(tmp_path / "results")


def test_crate_names_the_projects_lock_and_its_digest(tmp_path, monkeypatch):
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    meta, graph = run_with_records(tmp_path, monkeypatch, text)
    lock = graph[LOCK_FILE]
    assert lock["sha256"] == hashlib.sha256(text.encode("utf-8")).hexdigest()
    assert (tmp_path / "results" / LOCK_FILE).read_text(encoding="utf-8") == text
    assert int(lock["contentSize"]) == len(text.encode("utf-8"))
    assert LOCK_FILE in [p["@id"] for p in graph["workflow/Snakefile"]["hasPart"]]
    assert "locked for Python 3.11" in lock["description"]
    assert "pip install --no-deps -e ." in lock["description"]
    assert WFRUN_TERMS in meta["@context"], "sha256 is a Workflow Run Crate term"


def test_crate_says_whether_the_environment_had_the_locked_versions(tmp_path, monkeypatch):
    numpy = metadata.version("numpy")
    same = f"numpy=={numpy} \\\n    --hash=sha256:{'0' * 64}\n"
    _, graph = run_with_records(tmp_path / "same", monkeypatch, same)
    assert "had the locked versions of all 1 pins" in graph[LOCK_FILE]["description"]
    other = same.replace(f"=={numpy}", "==1.0.0") + "no-such-dist-xyz==2.0\n"
    _, graph = run_with_records(tmp_path / "other", monkeypatch, other)
    description = graph[LOCK_FILE]["description"]
    assert f"numpy locked 1.0.0, installed {numpy}" in description
    assert "no-such-dist-xyz locked 2.0, installed not installed" in description


def test_project_without_a_lock_gets_a_crate_without_one(tmp_path, monkeypatch, caplog):
    meta, graph = run_with_records(tmp_path, monkeypatch, None)
    assert LOCK_FILE not in graph
    assert meta["@context"] == "https://w3id.org/ro/crate/1.1/context"
    assert "names no locked versions" in caplog.text


def test_locked_versions_normalises_names_and_skips_hashes_and_comments():
    text = (
        "# header --python-version 3.11\nPyYAML==6.0.4 \\\n    --hash=sha256:"
        + "a" * 64
        + "\n    # via snakemake\nsnakemake_interface.common==1.23.0\n"
    )
    assert run_crate.locked_versions(text) == {
        "pyyaml": "6.0.4",
        "snakemake-interface-common": "1.23.0",
    }
