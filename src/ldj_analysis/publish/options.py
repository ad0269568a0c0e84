"""The config's ``publication`` section as one typed object, built once from the validated
config: its defaults are the schema's (``config.schema.yaml``), stated nowhere else."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, fields
from typing import Any

from ldj_analysis.config import validate_config


@dataclass(frozen=True)
class PublicationOptions:
    """How the human-facing tables, figures and report are made (config ``publication``)."""

    min_cell_size: int
    language: str
    formats: tuple[str, ...]
    figure_formats: tuple[str, ...]
    figure_dpi: int
    show_client_extremes: bool


def publication_options(config: Mapping[str, Any]) -> PublicationOptions:
    """The ``publication`` section of ``config`` (whole or partial), checked against the
    schema, with its defaults filled in."""
    section = dict(config.get("publication") or {})
    pub = validate_config({"publication": section})["publication"]
    known = {f.name for f in fields(PublicationOptions)}
    return PublicationOptions(
        **{k: tuple(v) if isinstance(v, list) else v for k, v in pub.items() if k in known}
    )
