"""Public entry points for the human-facing tables: render one, or write them all."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from ldj_analysis.publish.display import Display, build_display
from ldj_analysis.publish.options import publication_options
from ldj_analysis.publish.privacy import Privacy, refuse_all
from ldj_analysis.publish.render import FORMATS, render_display


def read_csvs(paths: Mapping[str, str | Path]) -> dict[str, pd.DataFrame]:
    """Read output CSVs by name (e.g. ``{"table1": "results/tables/table1.csv"}``), refusing
    client-level frames; for rule scripts that map ``snakemake.input`` onto the writers."""
    frames = {name: pd.read_csv(path) for name, path in paths.items()}
    refuse_all(frames)
    return frames


def privacy_from_config(
    config: Mapping[str, Any],
    team_periods: pd.DataFrame | None = None,
    table4: pd.DataFrame | None = None,
) -> Privacy:
    """The suppression settings of ``config['publication']`` plus the frames they need."""
    pub = publication_options(config)
    return Privacy(
        min_cell_size=pub.min_cell_size,
        team_periods=team_periods,
        table4=table4,
        show_client_extremes=pub.show_client_extremes,
    )


def render_table(
    name: str,
    frame: pd.DataFrame,
    language: str,
    fmt: str,
    *,
    min_cell_size: int = 7,
    team_periods: pd.DataFrame | None = None,
    table4: pd.DataFrame | None = None,
    show_client_extremes: bool = False,
) -> str | bytes:
    """Render output ``name`` (table1..4, sample, flow or a model table) as md/tex/html
    (str) or xlsx (bytes), with small cells suppressed.

    ``team_periods`` is needed for table3, baseline_ttests and checklist_response (the
    response's client basis); ``table4`` for outcomes (the condition groups' client counts).
    """
    priv = Privacy(min_cell_size, team_periods, table4, show_client_extremes)
    return render_display(build_display(name, frame, language, priv), language, fmt)


def display_all(
    tables: Mapping[str, pd.DataFrame], language: str, priv: Privacy
) -> dict[str, Display]:
    """Lay out every frame of ``tables`` (keys: output names)."""
    refuse_all(tables)
    if priv.table4 is None and "table4" in tables:
        priv = Privacy(
            priv.min_cell_size, priv.team_periods, tables["table4"], priv.show_client_extremes
        )
    return {name: build_display(name, frame, language, priv) for name, frame in tables.items()}


def write_tables(
    tables: Mapping[str, pd.DataFrame],
    out_dir: str | Path,
    config: Mapping[str, Any],
    *,
    team_periods: pd.DataFrame | None = None,
    table4: pd.DataFrame | None = None,
) -> list[Path]:
    """Write ``<out_dir>/<name>.<fmt>`` for every table and each of
    ``config['publication']['formats']``; return the paths written.

    ``tables`` maps output names (table1..4, sample, flow, checklist_response, outcomes,
    baseline_ttests, prepost_tests) to their CSV frames. ``table4`` defaults to
    ``tables['table4']``.
    """
    pub = publication_options(config)
    language, formats = pub.language, list(pub.formats)
    unknown = [f for f in formats if f not in FORMATS]
    if unknown:
        raise ValueError(f"unknown table formats {unknown}; known: {FORMATS}")
    if team_periods is not None:
        refuse_all({"team_periods": team_periods})
    displays = display_all(tables, language, privacy_from_config(config, team_periods, table4))
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name, display in displays.items():
        for fmt in formats:
            path = out / f"{name}.{fmt}"
            content = render_display(display, language, fmt)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(content, encoding="utf-8")
            written.append(path)
    return written
