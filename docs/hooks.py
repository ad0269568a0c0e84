"""MkDocs hook (mkdocs.yml ``hooks``): a docs page's link to a repository file outside docs/
(``../README.md``, ``../benchmarks/README.md``) works when the pages are read in the
repository but has no page on the site; there it becomes the file's repository path in code
font. A target that does not exist is left alone, so the strict build still reports it."""

from __future__ import annotations

import logging
import re
from pathlib import Path

LINK = re.compile(r"\[([^\]]*)\]\((\.\./[^)\s#]+)(#[^)\s]*)?\)")
log = logging.getLogger("mkdocs.hooks.outside_links")


def on_page_markdown(markdown, page, config, files):  # MkDocs hook signature
    docs = Path(config["docs_dir"]).resolve()
    here = (docs / page.file.src_uri).parent
    root = docs.parent

    def outside(match: re.Match[str]) -> str:
        text, target = match.group(1), match.group(2)
        path = (here / target).resolve()
        if path.is_relative_to(docs) or not path.is_relative_to(root) or not path.exists():
            return match.group(0)
        repo_path = path.relative_to(root).as_posix()
        if text.strip("`") == repo_path:
            return f"`{repo_path}` (in the repository)"
        return f"{text} (`{repo_path}` in the repository)"

    return LINK.sub(outside, markdown)
