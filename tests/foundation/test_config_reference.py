"""docs/configuration.md is the schema rendered: it fails when the page drifts."""

from __future__ import annotations

from ldj_analysis.config import load_schema
from ldj_analysis.config_reference import PAGE, REGENERATE, render
from tests.workflow_copy import ROOT


def test_committed_page_equals_a_fresh_render():
    committed = (ROOT / PAGE).read_text(encoding="utf-8")
    assert committed == render(), f"{PAGE} is out of date: run `{REGENERATE}`"


def test_page_changes_when_a_description_changes():
    schema = load_schema()
    schema["properties"]["selection"]["properties"]["window_start"]["description"] = "CHANGED"
    assert "CHANGED" in render(schema)
    assert "CHANGED" not in render()


def test_every_key_has_a_row_with_its_default():
    page = render()
    for key, sub in load_schema()["properties"]["conditions"]["properties"].items():
        assert f"| `conditions.{key}` |" in page
        assert str(sub["default"]).lower() in page.lower()
