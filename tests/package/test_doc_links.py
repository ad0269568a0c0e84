"""The documentation is in the repository and its links resolve: every relative link of the
README, the changelog and docs/, and every docs/ page the code cites, names a file that
exists; nothing cites a file kept outside the repository."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.workflow_copy import ROOT

LINK = re.compile(r"\[[^\]]*\]\(([^)\s]+)\)")
CITED_PAGE = re.compile(r"docs/[a-z0-9-]+\.md")
PAGES = [ROOT / "README.md", ROOT / "CHANGELOG.md", *sorted((ROOT / "docs").glob("*.md"))]
CODE = [
    p
    for folder in ("src", "workflow", "tests", "benchmarks")
    for p in (ROOT / folder).rglob("*")
    if p.suffix in {".py", ".smk", ".yaml", ".sql", ".R"} and "egg-info" not in str(p)
] + [ROOT / "config.yaml"]


def relative_links(page: Path) -> list[str]:
    """The link targets of a markdown page that are files of this repository."""
    targets = [t.split("#")[0] for t in LINK.findall(page.read_text(encoding="utf-8"))]
    return [t for t in targets if t and not re.match(r"[a-z]+:", t)]


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves_inside_the_repository(page):
    for target in relative_links(page):
        resolved = (page.parent / target).resolve()
        assert resolved.is_relative_to(ROOT), f"{page.name} links outside the repo: {target}"
        assert resolved.exists(), f"{page.name} links to a missing file: {target}"


def test_every_docs_page_the_code_cites_exists():
    cited = {(m, p.name) for p in CODE for m in CITED_PAGE.findall(p.read_text("utf-8"))}
    missing = sorted((page, where) for page, where in cited if not (ROOT / page).exists())
    assert not missing, f"cited docs pages that do not exist: {missing}"


def test_no_citation_of_documents_outside_the_repository():
    outside = re.compile(r"(?<![a-z/])(STUDY|OUTPUTS|DATA_CONTRACT)\.md|\.\./shared/")
    offenders = [p.name for p in CODE if outside.search(p.read_text(encoding="utf-8"))]
    assert not offenders, f"cite docs/ instead in: {offenders}"
