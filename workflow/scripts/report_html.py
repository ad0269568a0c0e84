"""Snakemake script: the self-contained report (ldj_analysis.publish.report.build_report)."""

import json
from pathlib import Path

import pandas as pd

from ldj_analysis.publish.report import build_report
from ldj_analysis.publish.tables import read_csvs
from ldj_analysis.runlog import logged_step

MODELS = {"checklist_response", "outcomes", "baseline_ttests", "prepost_tests"}
NOT_TABLES = {"team_periods", "figures", "validation"}

with logged_step(snakemake.log[0], "report_html"):
    frames = read_csvs({k: v for k, v in snakemake.input.items() if k not in NOT_TABLES})
    summary = json.loads(Path(snakemake.input.validation).read_text(encoding="utf-8"))
    build_report(
        {k: v for k, v in frames.items() if k not in MODELS},
        {k: v for k, v in frames.items() if k in MODELS},
        pd.read_parquet(snakemake.input.team_periods),
        snakemake.params.config,
        summary.get("export_dir") or summary["export_uri"],  # folder or database
        snakemake.output[0],
        figures_dir=Path(snakemake.input.figures[0]).parent if snakemake.input.figures else None,
    )
