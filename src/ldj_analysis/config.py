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
    config = _fill_defaults(schema, copy.deepcopy(config) if config else {})
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(config), key=lambda e: list(e.absolute_path))
    if errors:
        lines = []
        for error in errors:
            key = _key_path(error)
            if error.validator == "additionalProperties":
                lines.append(f"config key '{key}': unknown key (misspelt?)")
            else:
                lines.append(f"config key '{key}': {error.message}")
        raise ConfigError("Invalid configuration:\n  " + "\n  ".join(lines))
    return config


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file and validate it."""
    with open(path, encoding="utf-8") as fh:
        return validate_config(yaml.safe_load(fh) or {})
