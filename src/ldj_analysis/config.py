"""Loading and validating the workflow configuration against its JSON schema."""

from __future__ import annotations

import copy
import datetime
import functools
from importlib.resources import files
from pathlib import Path
from typing import Any

import jsonschema
import yaml

#: The config schema, shipped inside the package (no source tree needed).
SCHEMA_PATH = Path(str(files("ldj_analysis") / "config.schema.yaml"))


class ConfigError(ValueError):
    """The configuration breaks its schema; the message names the key."""


def load_schema(path: Path = SCHEMA_PATH) -> dict[str, Any]:
    """The config schema (a fresh copy: callers may change it)."""
    return copy.deepcopy(_parsed_schema(Path(path)))


@functools.cache
def _parsed_schema(path: Path) -> dict[str, Any]:
    """Parse the schema once per process (every validate_config call needs it)."""
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    with open(path, encoding="utf-8") as fh:
        return yaml.load(fh, Loader=loader)


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
    """Apply :func:`_scalar_from_text` to every string leaf the schema types otherwise, and
    write dates (YAML's reading of an unquoted ``2020-01-01``) as the ISO text the schema
    asks for."""
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
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value.isoformat()  # YAML reads an unquoted 2020-01-01 as a date
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
    schema = schema if schema is not None else _parsed_schema(SCHEMA_PATH)
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
    _check_instruments(config)
    _check_export_source(config)
    return config


def _check_instruments(config: dict[str, Any]) -> None:
    """An instrument counts in one outcome domain only (a rule the schema cannot state)."""
    domains = config.get("selection", {}).get("instruments", {})
    seen: dict[str, str] = {}
    for domain, codes in domains.items():
        for code in codes:
            if code in seen and seen[code] != domain:
                raise ConfigError(
                    f"Invalid configuration:\n  config key 'selection.instruments': {code} is "
                    f"in both {seen[code]} and {domain}; an instrument counts in one domain"
                )
            seen[code] = domain


def _check_export_source(config: dict[str, Any]) -> None:
    """Exactly one export: a folder (``export_dir``) or a database (``export_uri``)."""
    if config.get("export_dir") and config.get("export_uri"):
        raise ConfigError(
            "Invalid configuration:\n  config keys 'export_dir' and 'export_uri' are both set: "
            "give one (to read the database, set export_dir: null, e.g. "
            "--config export_dir=null export_uri=...)"
        )
    if not config.get("export_dir") and not config.get("export_uri"):
        raise ConfigError(
            "Invalid configuration:\n  config key 'export_dir': give the export's folder "
            "(or 'export_uri', the LDJ database)"
        )


def load_config(path: str | Path) -> dict[str, Any]:
    """Read a YAML config file and validate it."""
    with open(path, encoding="utf-8") as fh:
        return validate_config(yaml.safe_load(fh) or {})
