"""Loading and validating the workflow configuration against its JSON schema."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parents[2]
SCHEMA_PATH = ROOT / "workflow" / "schemas" / "config.schema.yaml"


class ConfigError(ValueError):
    """The configuration breaks its schema; the message names the key."""


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    with open(path, encoding="utf-8") as fh:
        return yaml.safe_load(fh)


def _fill_defaults(schema: dict[str, Any], value: Any) -> Any:
    """Fill ``default:`` values of missing object properties, recursively."""
    if not isinstance(value, dict) or schema.get("type") != "object":
        return value
    for key, sub in schema.get("properties", {}).items():
        if key not in value and "default" in sub:
            value[key] = copy.deepcopy(sub["default"])
        if key in value:
            value[key] = _fill_defaults(sub, value[key])
    return value


_NULLS = {"null", "~", "none", ""}
_BOOLS = {"true": True, "false": False}


def _scalar_from_text(schema: dict[str, Any], text: str) -> Any:
    """Read a command-line string as the schema's scalar type (snakemake --config passes
    nested values as text); leave it unchanged when it does not parse."""
    types = schema.get("type", [])
    types = [types] if isinstance(types, str) else list(types)
    if "null" in types and text.strip().lower() in _NULLS:
        return None
    if "boolean" in types and text.strip().lower() in _BOOLS:
        return _BOOLS[text.strip().lower()]
    try:
        if "integer" in types:
            return int(text)
        if "number" in types:
            return float(text)
    except ValueError:
        pass
    return text


def _coerce_text(schema: dict[str, Any], value: Any) -> Any:
    """Apply :func:`_scalar_from_text` to every string leaf the schema types otherwise."""
    if isinstance(value, dict):
        props = schema.get("properties", {})
        extra = schema.get("additionalProperties")
        return {
            k: _coerce_text(props.get(k, extra if isinstance(extra, dict) else {}), v)
            for k, v in value.items()
        }
    if isinstance(value, list):
        items = schema.get("items", {})
        return [_coerce_text(items if isinstance(items, dict) else {}, v) for v in value]
    if isinstance(value, str):
        return _scalar_from_text(schema, value)
    return value


def _key_path(error: jsonschema.ValidationError) -> str:
    path = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        extra = [k for k in error.instance if k not in error.schema.get("properties", {})]
        unknown = ", ".join(".".join([path, k]).lstrip(".") for k in extra)
        return unknown or path
    return path or "(top level)"


def validate_config(config: dict[str, Any], schema: dict[str, Any] | None = None) -> dict[str, Any]:
    """Return a copy of ``config`` with defaults filled; raise ConfigError naming bad keys."""
    schema = schema if schema is not None else load_schema()
    config = _coerce_text(schema, copy.deepcopy(config) if config else {})
    config = _fill_defaults(schema, config)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for error in errors:
            key = _key_path(error)
            if error.validator == "additionalProperties":
                removed = error.schema.get("removedProperties", {})
                for extra in (k for k in error.instance if k not in error.schema["properties"]):
                    where = ".".join([*map(str, error.absolute_path), extra])
                    why = removed.get(extra, "unknown key (misspelt?)")
                    lines.append(f"config key '{where}': {why}")
            else:
                lines.append(f"config key '{key}': {error.message}")
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(lines))
    return config


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file and validate it."""
    with open(path, encoding="utf-8") as fh:
        return validate_config(yaml.safe_load(fh) or {})
