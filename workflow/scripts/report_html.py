"""Snakemake script: the self-contained report (ldj_analysis.publish.report.build_report)."""

import json
from pathlib import Path

import pandas as pd

from ldj_analysis.publish.report import build_report
from ldj_analysis.publish.tables import read_csvs
from ldj_analysis.runlog import logged_step
from ldj_analysis.simulation.report import simulation_section_inputs
from ldj_analysis.vocabulary import MODEL_TABLES

SIMULATION = {"sim_summary", "sim_mdes", "sim_reading", "sim_figures", "sim_icc", "sim_findings"}
NOT_TABLES = {"team_periods", "figures", "validation", "norms_used", *SIMULATION}

with logged_step(snakemake.log[0], "report_html"):
    frames = read_csvs({k: v for k, v in snakemake.input.items() if k not in NOT_TABLES})
    summary = json.loads(Path(snakemake.input.validation).read_text(encoding="utf-8"))
    build_report(
        {k: v for k, v in frames.items() if k not in MODEL_TABLES},
        {k: v for k, v in frames.items() if k in MODEL_TABLES},
        pd.read_parquet(snakemake.input.team_periods),
        snakemake.params.config,
        summary.get("export_dir") or summary["export_uri"],  # folder or database
        snakemake.output[0],
        figures_dir=Path(snakemake.input.figures[0]).parent if snakemake.input.figures else None,
        norms_used=pd.read_csv(snakemake.input.norms_used),
        # the export as validated (validation.json), not read again: it is no input here;
        # a database source has no files (its queries and row counts: extraction.json)
        files=[(f["name"], f["sha256"], f["bytes"]) for f in summary.get("files", [])],
        csv_dialects=summary.get("csv_dialects"),
        simulation=(
            simulation_section_inputs(
                snakemake.input.sim_summary,
                snakemake.input.sim_mdes,
                snakemake.input.sim_reading,
                snakemake.input.sim_figures,
                snakemake.input.sim_icc,
                snakemake.input.sim_findings,
            )
            if "sim_summary" in dict(snakemake.input.items())
            else None
        ),
    )
