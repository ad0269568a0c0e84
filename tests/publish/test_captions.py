"""Snakemake report captions: one per table and figure, rendered as Snakemake renders them."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest
from docutils.core import publish_parts
from jinja2 import Environment, StrictUndefined

from ldj_analysis.config import validate_config
from ldj_analysis.publish.display import BUILDERS
from ldj_analysis.vocabulary import FIGURES

REPORT_DIR = Path(__file__).resolve().parents[2] / "workflow" / "report"
CAPTIONS = sorted(REPORT_DIR.glob("*.rst"))


def test_every_table_and_figure_has_a_caption():
    names = {p.stem for p in CAPTIONS}
    assert set(BUILDERS) <= names
    assert {f"fig_{n}" for n in FIGURES} <= names
    assert {"workflow", "report_html"} <= names


@pytest.mark.parametrize("path", CAPTIONS, ids=lambda p: p.name)
def test_caption_renders_without_rst_warnings(path):
    # Snakemake: Environment(trim_blocks=True, lstrip_blocks=True), then docutils to HTML
    env = Environment(trim_blocks=True, lstrip_blocks=True, undefined=StrictUndefined)
    config = validate_config({"publication": {"min_cell_size": 9}})
    text = env.from_string(path.read_text(encoding="utf-8")).render(
        snakemake=SimpleNamespace(config=config), categories={}, files={}
    )
    assert "{{" not in text and "{%" not in text
    html = publish_parts(
        text, writer="html", settings_overrides={"halt_level": 2, "report_level": 2}
    )["body"]
    assert len(html) > 100
    if "min_cell_size" in path.read_text(encoding="utf-8"):
        assert "9" in text and "7 " not in text.replace("(0-100)", "")
