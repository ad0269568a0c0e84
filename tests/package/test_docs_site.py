"""The documentation site (mkdocs.yml over docs/) builds with ``mkdocs build --strict``: no
warning, so no broken link or anchor and no page missing from the nav; and the build is
strict enough to fail on a broken anchor."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.workflow_copy import ROOT

pytest.importorskip("mkdocs", reason="mkdocs is in the test extra (pip install -e .[test])")


def build(project: Path, site: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "mkdocs", "build", "--strict"]
    command += ["--config-file", str(project / "mkdocs.yml"), "--site-dir", str(site)]
    return subprocess.run(command, capture_output=True, text=True, timeout=300, check=False)


def test_docs_site_builds_strict_without_warnings(tmp_path):
    result = build(ROOT, tmp_path / "site")
    log = result.stdout + result.stderr
    assert result.returncode == 0, log
    assert "WARNING" not in log, log
    assert (tmp_path / "site" / "index.html").exists()
    pages = sorted(p.stem for p in (ROOT / "docs").glob("*.md") if p.stem != "index")
    assert all((tmp_path / "site" / page / "index.html").exists() for page in pages)


def test_docs_site_build_fails_on_a_broken_anchor(tmp_path):
    shutil.copy2(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    page = tmp_path / "docs" / "index.md"
    page.write_text(page.read_text("utf-8") + "\n[x](methods.md#no-such-section)\n", "utf-8")
    result = build(tmp_path, tmp_path / "site")
    assert result.returncode != 0
    assert "no-such-section" in result.stdout + result.stderr
