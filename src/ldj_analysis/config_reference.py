"""The configuration reference (docs/configuration.md), rendered from the config schema so
that the schema is the one source of truth; ``python -m ldj_analysis.config_reference``
rewrites the page."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from ldj_analysis.config import load_schema

#: The committed page, relative to the repository root.
PAGE = Path("docs") / "configuration.md"
REGENERATE = "python -m ldj_analysis.config_reference"

_INTRO = f"""# Configuration reference

<!-- Generated from src/ldj_analysis/config.schema.yaml by `{REGENERATE}`;
edit the schema's descriptions, not this page. -->

Every key of `config.yaml`, with its type, default and meaning. `config.yaml` is validated
against this schema when the workflow starts: an unknown key or a value of the wrong type
stops the run with a message naming the key. Override any key for one run with
`snakemake --config key=value` (nested: `--config selection="{{window_start: '2020-01-01'}}"`).
"""


def _type(schema: dict[str, Any]) -> str:
    """The schema's type as text, with its allowed values and bounds."""
    types = schema.get("type", "")
    text = " or ".join(types) if isinstance(types, list) else str(types)
    if "anyOf" in schema:
        text = " or ".join(_type(s) for s in schema["anyOf"])
    if "items" in schema:
        text += f" of {_type(schema['items'])}"
    if "enum" in schema:
        values = ", ".join(f"`{json.dumps(v)}`" for v in schema["enum"])
        text = f"{text}: {values}" if text else f"one of {values}"
    bounds = [
        f"{op} {schema[k]}" for k, op in (("minimum", ">="), ("maximum", "<=")) if k in schema
    ]
    return text + (f" ({', '.join(bounds)})" if bounds else "")


def _cell(text: str) -> str:
    """Text safe inside a markdown table cell."""
    return " ".join(str(text).split()).replace("|", "\\|")


def _rows(schema: dict[str, Any], prefix: str) -> list[str]:
    """Table rows of every key below ``schema``, depth first, in the schema's order."""
    rows = []
    for key, sub in schema.get("properties", {}).items():
        name = f"{prefix}.{key}" if prefix else key
        default = f"`{json.dumps(sub['default'])}`" if "default" in sub else ""
        kind = "object" if sub.get("properties") else _type(sub)
        rows.append(
            f"| `{name}` | {_cell(kind)} | {_cell(default)} | {_cell(sub.get('description', ''))} |"
        )
        rows += _rows(sub, name)
    return rows


def render(schema: dict[str, Any] | None = None) -> str:
    """The page: the top-level settings in one table, then a section per group of keys."""
    schema = schema or load_schema()
    header = "| Key | Type | Default | Meaning |\n|---|---|---|---|"
    top = {k: v for k, v in schema["properties"].items() if not v.get("properties")}
    parts = [
        _INTRO,
        "## Top-level keys\n",
        header,
        "\n".join(_rows({"properties": top}, "")) + "\n",
    ]
    for key, sub in schema["properties"].items():
        if key not in top:
            parts += [f"## `{key}`\n\n{sub.get('description', '')}\n", header]
            parts.append("\n".join(_rows(sub, key)) + "\n")
    return "\n".join(parts)


def main(argv: list[str]) -> None:
    """Write the page under the repository root given (default: the current folder)."""
    root = Path(argv[0]) if argv else Path.cwd()
    (root / PAGE).write_text(render(), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1:])
